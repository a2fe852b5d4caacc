"""`isAvailable` and `quantityAvailable` as domain decisions over loaded rows."""

from types import SimpleNamespace

from marquee.merch import availability


def listing(on_sale=True):
    return SimpleNamespace(is_available_for_purchase=lambda: on_sale)


def variant(pk, tracked=True):
    return SimpleNamespace(pk=pk, track_inventory=tracked)


def test_a_product_is_available_when_on_sale_and_some_variant_can_be_had():
    variants = [variant(1), variant(2)]
    assert availability.is_product_available(listing(), variants, {1: 0, 2: 3})
    assert not availability.is_product_available(listing(), variants, {1: 0, 2: 0})
    assert not availability.is_product_available(listing(False), variants, {1: 5})
    assert not availability.is_product_available(None, variants, {1: 5})
    # A variant that does not track inventory never runs out.
    assert availability.is_product_available(listing(), [variant(1), variant(3, False)], {})
    assert not availability.is_product_available(listing(), [], {})


def test_quantity_for_sale_is_stock_capped_by_the_line_limit(settings):
    settings.MAX_CHECKOUT_LINE_QUANTITY = 50
    assert availability.quantity_for_sale(variant(1), 7) == 7
    assert availability.quantity_for_sale(variant(1), 500) == 50
    assert availability.quantity_for_sale(variant(1), None) == 0
    assert availability.quantity_for_sale(variant(1, tracked=False), 0) == 50
