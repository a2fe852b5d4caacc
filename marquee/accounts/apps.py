from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "marquee.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import address_data

        address_data.install()
        # Nothing of an account is part of the public catalogue (see core.cache_versions).
        from marquee.core.cache_versions import register_private_table

        from .models import Address, AttemptCounter, User, UserAddress

        for model in (User, Address, UserAddress):
            register_private_table(model, reason="a customer's own data")
        register_private_table(AttemptCounter, reason="login attempt counters")
