"""The registry every extension point is built on: declared order, declared codes."""

import pytest

from marquee.core.exceptions import ErrorDetail
from marquee.core.registry import Registry, UndeclaredErrorCode
from marquee.merch import extensions
from marquee.merch.checkout import validators


def test_entries_run_in_declared_order_whatever_the_registration_order():
    registry = Registry("test rule")
    late = registry.register(lambda: "late", order=500, name="late")
    registry.register(lambda: "early", order=100, name="early")
    registry.register(lambda: "also late", order=500, name="also late")
    assert [entry.name for entry in registry] == ["early", "late", "also late"]
    registry.register(late, order=1)  # registering again changes nothing
    assert len(registry) == 3
    registry.unregister(late)
    assert [entry.name for entry in registry] == ["early", "also late"]


def test_codes_are_every_declared_code_once_in_entry_order():
    registry = Registry("test rule")
    registry.register(lambda: None, order=2, codes=["B", "A"])
    registry.register(lambda: None, order=1, codes=["C"])
    registry.register(lambda: None, order=3, codes=["A"])
    assert registry.codes() == ["C", "A", "B"]


def test_an_undeclared_code_is_a_loud_failure_not_a_silent_invalid():
    registry = Registry("test rule")
    registry.register(lambda: None, order=1, codes=["KNOWN"], name="sloppy")
    (entry,) = registry
    assert entry.check([ErrorDetail("KNOWN", "fine")], registry.name)
    with pytest.raises(UndeclaredErrorCode, match="'sloppy' raised 'SURPRISE'"):
        entry.check([ErrorDetail("SURPRISE", "oops")], registry.name)


@pytest.mark.django_db
def test_a_line_validator_raising_an_undeclared_code_fails(settings):
    from marquee.merch.checkout.info import fetch_checkout_info
    from tests.orders.conftest import ShopBuilder

    settings.LICENCE_GATE_ENABLED = False
    shop = ShopBuilder()

    def sloppy(check):
        yield ErrorDetail("NOT_DECLARED", "Refused.", "lines")

    checkout = shop.checkout([(shop.product("Tee").variants.first(), 1)], ship=False)
    validators.register_line_validator(sloppy, order=validators.RIGHTS, codes=["INVALID"])
    try:
        info = fetch_checkout_info(checkout)
        with pytest.raises(UndeclaredErrorCode):
            validators.line_errors(info, info.lines, validators.COMPLETE)
    finally:
        validators.unregister_line_validator(sloppy)


def test_the_api_error_enum_holds_every_registered_validator_code():
    from marquee.graphql.checkout.errors import CheckoutErrorCode

    names = set(CheckoutErrorCode._meta.enum.__members__)
    assert set(validators.validator_codes()) <= names
    assert "LICENCE_NOT_VALID" in validators.validator_codes()  # declared by the licence gate


def test_merch_rules_and_the_licence_gate_declare_their_places():
    line = [(entry.name.rsplit(".", 1)[-1], entry.order) for entry in validators.line_validators]
    names = [name for name, _ in line]
    assert names.index("licensed_line") < names.index("in_stock")
    assert [entry.order for entry in extensions.catalogue_filters] == sorted(
        entry.order for entry in extensions.catalogue_filters
    )
