from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "marquee.members"
    label = "members"
    verbose_name = "Members"

    def ready(self):
        # Members' prices join merch's pricing pipeline; merch stays unaware of members.
        from . import pricing

        pricing.register()
        # Member-only variants: hidden from the rest of the catalogue, refused in their checkouts.
        from . import visibility

        visibility.register()
