"""Limited drops: scheduled sales of a few units that everyone wants in the same second.

- `services`: staff schedule a drop (`schedule_drop`); buyers reserve a unit
  (`reserve`, the hot path);
- `states`: where a drop stands at a moment (`state`) and what is left (`remaining`);
- `selectors`: the drop rows the hot path reads (cached for at most a second);
- `eligibility`: who may buy in the member-only window before the start
  (a registry; members register "a member of the film's programme");
- `limits`: the per-customer limit (one conditional upsert);
- `hooks`: the checkout line validator and the reservation policy for drop variants.

`state(drop, now)` and `remaining(drop)` are importable from the package.
"""

from .states import remaining, state  # noqa: F401
