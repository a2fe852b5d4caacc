from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "marquee.core"
    label = "core"
    verbose_name = "Marquee core"

    def ready(self):
        # The catalogue version's triggers follow the registered tables after every migrate.
        from . import cache_versions as versions
        from .models import CatalogueVersion, IdempotencyKey, RateLimitCounter

        post_migrate.connect(
            versions.install_triggers_after_migrate,
            sender=self,
            dispatch_uid="core.catalogue_version_triggers",
        )
        versions.register_private_tables(
            {
                "the version itself": (CatalogueVersion,),
                "replayed request outcomes": (IdempotencyKey,),
                "rate limit counters": (RateLimitCounter,),
            }
        )
