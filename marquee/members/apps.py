from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "marquee.members"
    label = "members"
    verbose_name = "Members"

    def ready(self):
        # Backer subscriptions are paid through merch's payment API, which knows them
        # only as a registered payable source.
        from .services import payables

        payables.register()
        # Members' prices join merch's pricing pipeline; merch stays unaware of members.
        from . import pricing

        pricing.register()
        # Member-only variants: hidden from the rest of the catalogue, refused in their checkouts.
        from . import visibility

        visibility.register()
        # Backers of a film may buy its merchandise drops in their early-access window.
        from . import drops

        drops.register()
