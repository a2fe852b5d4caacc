"""People who log in: fans, staff and (later) licensors' users, by email as in Saleor."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import get_random_string


def new_token_key() -> str:
    """A fresh per-user key that every JWT of the user carries (see `rotate_token_key`)."""
    return get_random_string(12)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=256, blank=True)
    last_name = models.CharField(max_length=256, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # False from sign-up until the owner opens the confirmation link; accounts
    # made by staff, the demo or before confirmation existed count as confirmed.
    is_confirmed = models.BooleanField(default=True)
    language_code = models.CharField(max_length=35, default="en")
    date_joined = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    default_shipping_address = models.ForeignKey(
        "accounts.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_billing_address = models.ForeignKey(
        "accounts.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied into every access and refresh token; a token whose key no longer
    # matches is refused, so replacing the key signs the user out everywhere.
    jwt_token_key = models.CharField(max_length=12, default=new_token_key)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ("email",)
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self):
        return self.first_name or self.email

    def rotate_token_key(self) -> None:
        """Invalidate every token issued so far (password change, sign out everywhere)."""
        self.jwt_token_key = new_token_key()


class Address(models.Model):
    """A postal address in Saleor's shape, validated per country on the way in.

    Checkouts and orders keep their own copies, so editing an address book
    entry never rewrites where a past order went.
    """

    first_name = models.CharField(max_length=256, blank=True)
    last_name = models.CharField(max_length=256, blank=True)
    company_name = models.CharField(max_length=256, blank=True)
    street_address_1 = models.CharField(max_length=256, blank=True)
    street_address_2 = models.CharField(max_length=256, blank=True)
    city = models.CharField(max_length=256, blank=True)
    city_area = models.CharField(max_length=128, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2)
    country_area = models.CharField(max_length=128, blank=True)
    phone = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ("pk",)

    def __str__(self):
        return ", ".join(
            part
            for part in (
                f"{self.first_name} {self.last_name}".strip(),
                self.street_address_1,
                self.city,
                self.postal_code,
                self.country,
            )
            if part
        )

    def copy(self) -> "Address":
        clone = Address.objects.get(pk=self.pk)
        clone.pk = None
        clone.save()
        return clone

    def as_data(self) -> dict:
        return {f.name: getattr(self, f.name) for f in self._meta.fields if f.name not in ("id",)}


class UserAddress(models.Model):
    """An entry of a user's address book."""

    user = models.ForeignKey(User, related_name="address_book", on_delete=models.CASCADE)
    address = models.OneToOneField(Address, related_name="+", on_delete=models.CASCADE)

    class Meta:
        ordering = ("pk",)

    def __str__(self):
        return f"{self.user}: {self.address}"


class AttemptCounter(models.Model):
    """Attempts counted in a fixed window: failed sign-ins, old-password checks.

    Written only through `attempt_counters.DatabaseCounters`, one atomic
    upsert per attempt on a connection of its own, so the count holds
    whether or not the request that made the attempt commits. `key` is a
    digest: the table never stores an email address or a client IP.
    """

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
