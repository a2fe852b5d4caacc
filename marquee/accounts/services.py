"""Every write to accounts: sign-up, sign-in, passwords, address books.

Each function raises `DomainError` with Saleor's AccountErrorCode names
(INVALID, REQUIRED, UNIQUE, NOT_FOUND, INVALID_CREDENTIALS, PASSWORD_TOO_SHORT
...) and is called inside the API's transaction, so a refused request
writes nothing. Answers that could reveal whether an email has an account
(password reset, set password with a bad token) are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from marquee.core.exceptions import DomainError, ErrorDetail

from . import selectors, throttling, tokens
from .addresses import validate_address
from .email_tokens import (
    account_confirmation_tokens,
    account_deletion_tokens,
    password_reset_tokens,
)
from .models import Address, User, UserAddress
from .redirects import validate_redirect_url
from .tasks import (
    send_account_confirmation_email,
    send_account_deletion_email,
    send_account_exists_email,
    send_password_reset_email,
)

SHIPPING = "SHIPPING"
BILLING = "BILLING"
ADDRESS_TYPES = (SHIPPING, BILLING)
_DEFAULT_FIELD = {SHIPPING: "default_shipping_address", BILLING: "default_billing_address"}

# Django's password validators' codes, as Saleor's AccountErrorCode names them.
_PASSWORD_CODES = {
    "password_too_short": "PASSWORD_TOO_SHORT",
    "password_too_common": "PASSWORD_TOO_COMMON",
    "password_entirely_numeric": "PASSWORD_ENTIRELY_NUMERIC",
    "password_too_similar": "PASSWORD_TOO_SIMILAR",
}


# --- Passwords ----------------------------------------------------------------


def validate_new_password(password: str, user: User | None = None, field: str = "password"):
    """Run AUTH_PASSWORD_VALIDATORS; each failure is one error with its own code."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError(
            *(
                ErrorDetail(
                    code=_PASSWORD_CODES.get(item.code, "INVALID_PASSWORD"),
                    message=" ".join(item.messages),
                    field=field,
                )
                for item in error.error_list
            )
        ) from error


def change_password(user: User, old_password: str, new_password: str) -> User:
    """Change a signed-in user's password; every token issued before stops working.

    The old-password check is limited like a sign-in (per user), so an
    access token alone is no way to guess the password.
    """
    throttling.reserve_password_check(user)
    if not user.check_password(old_password or ""):
        raise DomainError.single(
            "INVALID_PASSWORD", "Old password isn't valid.", field="old_password"
        )
    throttling.clear_password_checks(user)
    validate_new_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.rotate_token_key()
    user.save(update_fields=["password", "jwt_token_key", "updated_at"])
    return user


def request_password_reset(email: str, redirect_url: str, channel: str | None = None) -> None:
    """Email a reset link if the address has an active account; say nothing either way."""
    validate_redirect_url(redirect_url)
    user = selectors.user_by_email(email)
    if user is None or not user.is_active:
        return
    if not throttling.first_email_in_interval("password-reset", user.email):
        return
    transaction.on_commit(lambda: send_password_reset_email.delay(user.pk, redirect_url, channel))


def set_password(email: str, token: str, password: str) -> User:
    """Finish a reset: a valid token for this email sets the password (once)."""
    user = selectors.user_by_email(email)
    if user is None or not user.is_active or not password_reset_tokens.check_token(user, token):
        raise DomainError.single("INVALID", "Invalid or expired token.", field="token")
    validate_new_password(password, user)
    user.set_password(password)
    user.rotate_token_key()
    user.save(update_fields=["password", "jwt_token_key", "updated_at"])
    return user


# --- Sign-up and sign-in ----------------------------------------------------------


def normalize_email(email: str, field: str = "email") -> str:
    email = (email or "").strip()
    if not email:
        raise DomainError.single("REQUIRED", "This field is required.", field=field)
    try:
        validate_email(email)
    except ValidationError as error:
        raise DomainError.single(
            "INVALID", f"{email!r} is not a valid email address.", field=field
        ) from error
    return email.lower()


def register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    language_code: str | None = None,
    redirect_url: str | None = None,
    channel: str | None = None,
) -> User | None:
    """Create an active account; for an email already registered, say so to that mailbox only.

    With a `redirect_url`, the new account starts unconfirmed and its owner
    gets a confirmation link (`confirm_account`); with
    ACCOUNT_CONFIRMATION_REQUIRED on, the link is required and sign-in waits
    for it.

    The caller's answer must not tell whether the email has an account, or
    `accountRegister` lists which emails do. So a known email goes through
    the same checks (password rules with the same would-be user, the same
    hashing cost) and succeeds the same way; the owner gets an email saying
    an account exists and how to reset its password. Returns the new user,
    or None for a known email.
    """
    email = normalize_email(email)
    if redirect_url:
        validate_redirect_url(redirect_url)
    elif settings.ACCOUNT_CONFIRMATION_REQUIRED:
        raise DomainError.single(
            "REQUIRED",
            "A redirectUrl is required: the account is confirmed from a link sent to it.",
            field="redirect_url",
        )
    user = User(
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        language_code=language_code or settings.LANGUAGE_CODE,
        is_confirmed=not redirect_url,
    )
    validate_new_password(password, user)
    user.set_password(password)
    if selectors.email_taken(email):
        _tell_owner_account_exists(email, redirect_url)
        return None
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same email registered a moment ago
        _tell_owner_account_exists(email, redirect_url)
        return None
    if not user.is_confirmed:
        transaction.on_commit(
            lambda: send_account_confirmation_email.delay(user.pk, redirect_url, channel)
        )
    return user


def confirmation_required() -> bool:
    """What `accountRegister` answers as `requiresConfirmation` (the same for every email)."""
    return settings.ACCOUNT_CONFIRMATION_REQUIRED


def confirm_account(email: str, token: str) -> User:
    """Mark the account confirmed with the token from its confirmation email (once)."""
    user = selectors.user_by_email(email)
    if (
        user is None
        or not user.is_active
        or user.is_confirmed
        or not account_confirmation_tokens.check_token(user, token)
    ):
        raise DomainError.single("INVALID", "Invalid or expired token.", field="token")
    user.is_confirmed = True
    user.save(update_fields=["is_confirmed", "updated_at"])
    return user


def _tell_owner_account_exists(email: str, redirect_url: str | None) -> None:
    if not throttling.first_email_in_interval("account-exists", email):
        return
    transaction.on_commit(lambda: send_account_exists_email.delay(email, redirect_url))


@dataclass
class IssuedTokens:
    user: User
    token: str
    refresh_token: str
    csrf_token: str


def issue_tokens(user: User) -> IssuedTokens:
    csrf_token = tokens.new_csrf_token()
    return IssuedTokens(
        user=user,
        token=tokens.create_access_token(user),
        refresh_token=tokens.create_refresh_token(user, csrf_token),
        csrf_token=csrf_token,
    )


def sign_in(email: str, password: str, client_ip: str) -> IssuedTokens:
    """Check credentials (limited per email and IP, see `throttling`) and issue a token pair.

    An unknown email and a wrong password get the same answer; the password
    is hashed in both cases so the response time does not tell them apart.
    """
    throttling.reserve_login_attempt(email or "", client_ip)
    user = selectors.user_by_email(email)
    if user is None:
        User().set_password(password)
        ok = False
    else:
        ok = user.check_password(password)
    if not ok:
        raise DomainError.single(
            "INVALID_CREDENTIALS",
            "Please, enter valid credentials.",
            field="email",
        )
    if not user.is_active:
        raise DomainError.single("INACTIVE", "Account inactive.", field="email")
    if settings.ACCOUNT_CONFIRMATION_REQUIRED and not user.is_confirmed:
        raise DomainError.single(
            "ACCOUNT_NOT_CONFIRMED",
            "Account needs to be confirmed via email.",
            field="email",
        )
    throttling.clear_login_attempts(email or "", client_ip)
    update_last_login(None, user)
    return issue_tokens(user)


def refresh_access_token(refresh_token: str | None, csrf_token: str | None = None) -> tuple:
    """A new access token for a valid refresh token (and its CSRF token, when given)."""
    if not refresh_token:
        raise DomainError.single(
            "JWT_MISSING_TOKEN", "Missing refreshToken.", field="refresh_token"
        )
    payload = tokens.decode_token(refresh_token, tokens.REFRESH, field="refresh_token")
    if csrf_token is not None and csrf_token != payload.get("csrf_token"):
        raise DomainError.single(
            "JWT_INVALID_CSRF_TOKEN", "Invalid CSRF token.", field="csrf_token"
        )
    user = tokens.user_from_payload(payload, field="refresh_token")
    return user, tokens.create_access_token(user)


def deactivate_all_tokens(user: User) -> None:
    user.rotate_token_key()
    user.save(update_fields=["jwt_token_key", "updated_at"])


# --- Profile and address book ----------------------------------------------------------


def _validated(data: dict, *, field_prefix: str = "", address_type: str | None = None) -> dict:
    try:
        return validate_address(data, field_prefix=field_prefix)
    except DomainError as error:
        if address_type:
            for detail in error.details:
                detail.extra["address_type"] = address_type
        raise


def _lock(user: User) -> User:
    """Serialise address-book writes of one user (count limit, defaults).

    Locks the row and brings the given instance's defaults up to date, so
    the caller's object (the request's user) shows what was written.
    """
    locked = (
        User.objects.select_for_update()
        .only("pk", "default_shipping_address_id", "default_billing_address_id")
        .get(pk=user.pk)
    )
    user.default_shipping_address_id = locked.default_shipping_address_id
    user.default_billing_address_id = locked.default_billing_address_id
    return user


def update_account(
    user: User,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    language_code: str | None = None,
    default_shipping_address: dict | None = None,
    default_billing_address: dict | None = None,
) -> User:
    """Update names, language and (create or edit) the default addresses.

    A default address given here edits the current default in place, as
    Saleor does, unless that same address is also the other default: then a
    new book entry is made, so editing the shipping address never moves the
    billing one.
    """
    given = {SHIPPING: default_shipping_address, BILLING: default_billing_address}
    cleaned, errors = {}, []
    for address_type, data in given.items():
        if data is None:
            continue
        try:
            cleaned[address_type] = _validated(
                data, field_prefix=f"{_DEFAULT_FIELD[address_type]}.", address_type=address_type
            )
        except DomainError as error:
            errors.extend(error.details)
    if errors:
        raise DomainError(*errors)

    user = _lock(user) if cleaned else user
    if first_name is not None:
        user.first_name = first_name.strip()
    if last_name is not None:
        user.last_name = last_name.strip()
    if language_code is not None:
        user.language_code = language_code
    for address_type, data in cleaned.items():
        field = _DEFAULT_FIELD[address_type]
        other = _DEFAULT_FIELD[BILLING if address_type == SHIPPING else SHIPPING]
        current_id = getattr(user, f"{field}_id")
        if current_id and current_id != getattr(user, f"{other}_id"):
            Address.objects.filter(pk=current_id).update(**data)
        else:
            address = Address.objects.create(**data)
            UserAddress.objects.create(user=user, address=address)
            setattr(user, field, address)
    user.save()
    return user


def add_address(user: User, data: dict, address_type: str | None = None) -> Address:
    user = _lock(user)
    if selectors.address_book_size(user) >= settings.ACCOUNT_MAX_ADDRESSES:
        raise DomainError.single(
            "INVALID",
            f"An address book holds at most {settings.ACCOUNT_MAX_ADDRESSES} addresses.",
        )
    address = Address.objects.create(**_validated(data))
    UserAddress.objects.create(user=user, address=address)
    if address_type:
        _set_default(user, address, address_type)
    return address


def update_address(user: User, address_id: int, data: dict) -> Address:
    address = selectors.user_address(user, address_id)
    for name, value in _validated(data).items():
        setattr(address, name, value)
    address.save()
    return address


def delete_address(user: User, address_id: int) -> Address:
    """Remove an address from the book; a default it was stops being one.

    Returns the deleted address with its id kept, so the answer can say
    which one went.
    """
    address = selectors.user_address(user, address_id)
    pk = address.pk
    address.delete()  # cascades to the book entry; defaults are SET_NULL
    for field in _DEFAULT_FIELD.values():
        if getattr(user, f"{field}_id") == pk:
            setattr(user, field, None)
    address.pk = pk
    return address


def set_default_address(user: User, address_id: int, address_type: str) -> User:
    address = selectors.user_address(user, address_id)
    user = _lock(user)
    _set_default(user, address, address_type)
    return user


def _set_default(user: User, address: Address, address_type: str) -> None:
    if address_type not in ADDRESS_TYPES:
        raise DomainError.single("INVALID", f"Unknown address type {address_type!r}.", "type")
    field = _DEFAULT_FIELD[address_type]
    setattr(user, field, address)
    user.save(update_fields=[field, "updated_at"])


# --- Closing an account ---------------------------------------------------------


def request_account_deletion(user: User, redirect_url: str, channel: str | None = None) -> None:
    """Email the user a link to confirm closing the account (see `delete_account`)."""
    validate_redirect_url(redirect_url)
    if not throttling.first_email_in_interval("account-deletion", user.email):
        return
    transaction.on_commit(lambda: send_account_deletion_email.delay(user.pk, redirect_url, channel))


def delete_account(user: User, token: str) -> User:
    """Close the account the link was sent for: deactivate it and revoke its tokens.

    The row stays (orders and royalty statements refer to it); the user can
    no longer sign in, and an operator can reactivate or erase it.
    """
    if not account_deletion_tokens.check_token(user, token or ""):
        raise DomainError.single("INVALID", "Invalid or expired token.", field="token")
    user.is_active = False
    user.rotate_token_key()
    user.save(update_fields=["is_active", "jwt_token_key", "updated_at"])
    return user
