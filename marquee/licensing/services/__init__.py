"""Every write to the licence register, each in one transaction, by concern.

- `licensors`: licensors, their logins and the properties they own;
- `licences`: licence agreements and their scope, with the history of every change;
- `exclusivity`: the rule that exclusive licences never overlap;
- `royalty_terms`: versions of a licence's royalty terms, and exchange rates;
- `approvals`: a product's declared licences and the licensor's approval stages.

Services validate (see `validation.py`), write, and keep the licence history
(`history`). New code imports the concern module; the names below keep
`services.create_licence` and the like working for the API layer.
"""

from .approvals import approve_stage, reject, submit_product
from .exclusivity import exclusivity_conflict
from .licences import (
    LicenceData,
    create_licence,
    data_of,
    expire_licences,
    licence_errors,
    record_admin_change,
    snapshot,
    update_licence,
)
from .licensors import add_licensor_user, create_licensor, create_property, update_licensor
from .royalty_terms import TermsData, add_royalty_terms, set_exchange_rate, terms_errors

__all__ = [
    "LicenceData",
    "TermsData",
    "add_licensor_user",
    "add_royalty_terms",
    "approve_stage",
    "create_licence",
    "create_licensor",
    "create_property",
    "data_of",
    "exclusivity_conflict",
    "expire_licences",
    "licence_errors",
    "record_admin_change",
    "reject",
    "set_exchange_rate",
    "snapshot",
    "submit_product",
    "terms_errors",
    "update_licence",
    "update_licensor",
]
