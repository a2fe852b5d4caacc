"""Members first: a drop's early-access window is open to backers of the product's film.

A buyer may reserve between a drop's `early_access_starts_at` and its
`starts_at` when they are an active member of a backer programme of the
drop product's film: a membership holding paid units in a programme that
was not cancelled. One SQL statement (an EXISTS), registered with the
drops' eligibility registry from the members AppConfig.ready().
"""

from __future__ import annotations

from marquee.merch.drops import eligibility

from .models import Membership
from .models.programmes import ProgrammeStatus

ORDER = 100


def backs_the_film(drop, user) -> bool:
    film_id = getattr(drop, "film_id", None)
    if film_id is None and hasattr(drop, "product"):
        film_id = drop.product.film_id
    if film_id is None:
        return False
    return (
        Membership.objects.filter(user_id=user.pk, units_held__gt=0, programme__film_id=film_id)
        .exclude(programme__status=ProgrammeStatus.CANCELLED)
        .exists()
    )


def register() -> None:
    eligibility.register_early_access(backs_the_film, order=ORDER)
