from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.static import serve

from marquee.graphql.views import MarqueeGraphQLView
from marquee.merch.views import thumbnail_view

urlpatterns = [
    path("graphql/", MarqueeGraphQLView.as_view(), name="api"),
    path(
        "thumbnail/<str:kind>/<int:pk>/<int:size>/<str:fmt>/",
        thumbnail_view,
        name="thumbnail",
    ),
    path("admin/", admin.site.urls),
    path(
        "webhooks/stripe/",
        __import__("marquee.merch.payments.webhooks").merch.payments.webhooks.stripe_webhook,
        name="stripe-webhook",
    ),
]

if not settings.AWS_STORAGE_BUCKET_NAME:
    urlpatterns.append(
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}, name="media")
    )
