"""The visitor's language for pages people read, and only for them.

Django's choice (the language cookie set by `/i18n/setlang/`, then
Accept-Language) applies to the storefront and the admin. The API and the
file views are left out: an API answer's language is its `languageCode`
argument, and the `Vary: Accept-Language` the locale middleware adds would
split every CDN entry of the catalogue by browser language for nothing.
"""

from django.middleware.locale import LocaleMiddleware

MACHINE_PATHS = ("/graphql/", "/webhooks/", "/thumbnail/", "/media/", "/royalties/download/")


def _for_machines(request) -> bool:
    return request.path_info.startswith(MACHINE_PATHS)


class StorefrontLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if not _for_machines(request):
            super().process_request(request)

    def process_response(self, request, response):
        if _for_machines(request):
            return response
        return super().process_response(request, response)
