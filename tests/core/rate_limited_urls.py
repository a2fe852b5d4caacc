"""The endpoint at /graphql/ with the demonstration schema (`rate_limited_api`)."""

from django.urls import path

from marquee.graphql.views import MarqueeGraphQLView

from .rate_limited_api import schema

urlpatterns = [path("graphql/", MarqueeGraphQLView.as_view(schema=schema), name="api")]
