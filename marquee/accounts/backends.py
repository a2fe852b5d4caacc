"""The admin login under the same limit as tokenCreate.

Django's login form calls `authenticate()`, which asks each backend in
AUTHENTICATION_BACKENDS; without this one the admin would check passwords
without limit. The attempt is reserved before ModelBackend checks the
password (see `throttling`), and a refused attempt raises PermissionDenied,
which stops Django from asking any other backend.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from marquee.core.exceptions import DomainError

from . import throttling


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("email")
        if username is None or password is None:
            return None
        ip = throttling.client_ip(request)
        try:
            throttling.reserve_login_attempt(username, ip)
        except DomainError as error:
            raise PermissionDenied(error.details[0].message) from error
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttling.clear_login_attempts(username, ip)
        return user
