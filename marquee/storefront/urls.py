"""The storefront's addresses: the shop at the root, each portal under its own prefix."""

from django.urls import include, path

urlpatterns = [
    path("licensor/", include("marquee.storefront.licensor.urls")),
    path("member/", include("marquee.storefront.member.urls")),
    path("cart/", include("marquee.storefront.checkout.urls")),
    path("account/", include("marquee.storefront.account.urls")),
    path("", include("marquee.storefront.shop.urls")),
]
