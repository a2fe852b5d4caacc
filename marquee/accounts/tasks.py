"""Emails with one-time links, sent from a Celery task.

The mutation that asks for an email answers at once; building the token and
talking to the mail server happens in the worker (in-process when Celery runs
eagerly). Tasks take ids, not objects, and look the user up again: a user
deactivated in between gets nothing.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from .email_tokens import (
    account_confirmation_tokens,
    account_deletion_tokens,
    password_reset_tokens,
)
from .models import User
from .redirects import with_query


@shared_task
def send_password_reset_email(user_id: int, redirect_url: str, channel: str | None = None) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    link = with_query(redirect_url, email=user.email, token=password_reset_tokens.make_token(user))
    send_mail(
        subject=f"Reset your {settings.SHOP_NAME} password",
        message=(
            f"Someone asked to reset the password of your {settings.SHOP_NAME} account.\n\n"
            f"To choose a new password, open:\n{link}\n\n"
            "If it was not you, ignore this email: your password stays as it is."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@shared_task
def send_account_confirmation_email(
    user_id: int, redirect_url: str, channel: str | None = None
) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True, is_confirmed=False).first()
    if user is None:
        return False
    link = with_query(
        redirect_url, email=user.email, token=account_confirmation_tokens.make_token(user)
    )
    send_mail(
        subject=f"Confirm your {settings.SHOP_NAME} account",
        message=(
            f"Welcome to {settings.SHOP_NAME}.\n\n"
            f"To confirm this email address belongs to you, open:\n{link}\n\n"
            "If you did not sign up, ignore this email."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@shared_task
def send_account_deletion_email(
    user_id: int, redirect_url: str, channel: str | None = None
) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    link = with_query(redirect_url, token=account_deletion_tokens.make_token(user))
    send_mail(
        subject=f"Confirm closing your {settings.SHOP_NAME} account",
        message=(
            f"Someone asked to close your {settings.SHOP_NAME} account.\n\n"
            f"To confirm, open:\n{link}\n\n"
            "If it was not you, ignore this email and change your password."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@shared_task
def send_account_exists_email(email: str, redirect_url: str | None = None) -> bool:
    """Sign-up with an address that has an account: the owner hears of it, the requester does not.

    No link is sent: the sign-up form's `redirectUrl` was chosen by whoever
    filled it in, and the owner only needs to know where to reset a password.
    """
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return False
    send_mail(
        subject=f"You already have a {settings.SHOP_NAME} account",
        message=(
            f"Someone tried to create a {settings.SHOP_NAME} account with this email address, "
            "but it already has one, so nothing was changed.\n\n"
            'If it was you, sign in, or use "Forgot password" on the sign-in page to choose '
            "a new password. If your account was closed, contact us to reopen it.\n\n"
            "If it was not you, you can ignore this email."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True
