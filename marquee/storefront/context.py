"""What every storefront page needs: the shop's name and the languages a visitor can switch to."""

from django.conf import settings


def storefront(request):
    return {
        "shop_name": settings.SHOP_NAME,
        "storefront_languages": settings.LANGUAGES,
    }
