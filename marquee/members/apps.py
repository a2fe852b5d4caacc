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
        # A viewer's programme tiers are their pricing segment for cached catalogue answers.
        from . import segments

        segments.register()
        _declare_tables()


def _declare_tables() -> None:
    """Price rules, tiers and member-only perks shape public answers; a member's own
    memberships only choose the pricing segment (see core.cache_versions, members.segments)."""
    from marquee.core import cache_versions as versions

    from . import models as m

    versions.register_catalogue_table(m.MemberPriceRule)
    versions.register_catalogue_table(m.MemberVariantPrice)
    versions.register_catalogue_table(m.BackerTier)
    versions.register_catalogue_table(m.BackerProgramme, volatile=("units_committed", "units_paid"))
    versions.register_catalogue_table(m.Perk, volatile=("redeemed",))
    versions.register_moments(m.MemberPriceRule, "starts_at", "ends_at")
    versions.register_moments(m.BackerProgramme, "opens_at", "closes_at")
    private = {
        "a member's own holdings (read per request, as the pricing segment)": (m.Membership,),
        "a member's subscriptions, redemptions and lottery entries": (
            m.BackerSubscription,
            m.PerkRedemption,
            m.LotteryEntry,
            m.LotteryDraw,
        ),
    }
    versions.register_private_tables(private)
