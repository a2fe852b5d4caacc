from .perks import (
    LotteryDraw,
    LotteryEntry,
    Perk,
    PerkKind,
    PerkRedemption,
    RedemptionStatus,
)
from .prices import MemberPriceKind, MemberPriceRule, MemberVariantPrice
from .programmes import (
    BackerProgramme,
    BackerSubscription,
    BackerTier,
    Membership,
    ProgrammeStatus,
    SubscriptionSource,
    SubscriptionStatus,
)

__all__ = [
    "BackerProgramme",
    "BackerSubscription",
    "BackerTier",
    "LotteryDraw",
    "LotteryEntry",
    "MemberPriceKind",
    "MemberPriceRule",
    "MemberVariantPrice",
    "Membership",
    "Perk",
    "PerkKind",
    "PerkRedemption",
    "ProgrammeStatus",
    "RedemptionStatus",
    "SubscriptionSource",
    "SubscriptionStatus",
]
