from django.contrib import admin
from django.urls import include, path

from marquee.graphql.views import MarqueeGraphQLView
from marquee.licensing.statements.views import royalty_download
from marquee.merch.views import media_view, thumbnail_view

urlpatterns = [
    path("graphql/", MarqueeGraphQLView.as_view(), name="api"),
    path(
        "thumbnail/<str:kind>/<int:pk>/<int:size>/<str:fmt>/",
        thumbnail_view,
        name="thumbnail",
    ),
    # Stored originals, each checked against what its owner's visibility allows;
    # the media folder (or bucket) is never served as a whole.
    path("media/<path:path>", media_view, name="media"),
    # Statement files and drill-down exports, behind short-lived signed links.
    path("royalties/download/<str:token>/", royalty_download, name="royalty-download"),
    path("admin/", admin.site.urls),
    path(
        "webhooks/stripe/",
        __import__("marquee.merch.payments.webhooks").merch.payments.webhooks.stripe_webhook,
        name="stripe-webhook",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    # The web storefront last: the shop owns the root and everything not above.
    path("", include("marquee.storefront.urls")),
]
