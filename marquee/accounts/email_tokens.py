"""One-time tokens for links sent by email (password reset, account deletion, confirmation).

Django's token generator signs the user's id, password hash, last login and
email with SECRET_KEY and a timestamp: nothing is stored, a token expires
after PASSWORD_RESET_TIMEOUT, and it stops working once the password (or the
login time) changes, so each link works once. Deletion uses its own salt so
a reset token can never delete an account. Confirmation signs `is_confirmed`
too, so its link works once.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class AccountDeletionTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "marquee.accounts.email_tokens.AccountDeletionTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # An account already deactivated cannot be "deleted" again with an old link.
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


class AccountConfirmationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "marquee.accounts.email_tokens.AccountConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_confirmed}"


password_reset_tokens = PasswordResetTokenGenerator()
account_confirmation_tokens = AccountConfirmationTokenGenerator()
account_deletion_tokens = AccountDeletionTokenGenerator()
