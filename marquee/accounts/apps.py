from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "marquee.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import address_data

        address_data.install()
        # Nothing of an account is part of the public catalogue (see core.cache_versions).
        from marquee.core.cache_versions import register_private_tables

        from .models import Address, AttemptCounter, User, UserAddress

        register_private_tables(
            {
                "a customer's own data": (User, Address, UserAddress),
                "login attempt counters": (AttemptCounter,),
            }
        )
