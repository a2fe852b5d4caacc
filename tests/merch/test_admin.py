from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marquee.merch import models as m
from marquee.merch.admin import VariantChannelListingForm

# The session, the user, counts, the page of rows and each list filter's
# choices; a changelist that ran a query per row would need 50 or more.
CHANGELIST_MAX_QUERIES = 15
# The object, one query per inline and one per select or autocomplete
# column of an inline, whatever the number of rows.
CHANGE_PAGE_MAX_QUERIES = 16

MODELS = (
    "channel",
    "warehouse",
    "stock",
    "category",
    "attribute",
    "attributevalue",
    "producttype",
    "product",
    "productvariant",
    "collection",
    "pagetype",
    "page",
    "menu",
)


def changelist_url(model):
    return reverse(f"admin:merch_{model}_changelist")


def change_url(obj):
    return reverse(f"admin:merch_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_changelist(demo, admin_client, django_assert_max_num_queries, model):
    admin_client.get(reverse("admin:index"))  # settle the session outside the count
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = admin_client.get(changelist_url(model))
    assert response.status_code == 200


def demo_objects():
    """The richest demo object of each model: most rows in its inlines."""
    return {
        "channel": m.Channel.objects.get(slug="china"),
        "warehouse": m.Warehouse.objects.get(slug="shanghai"),
        "stock": m.Stock.objects.filter(product_variant__sku="WW2-TEE-BLK-M").first(),
        "category": m.Category.objects.get(slug="t-shirts"),
        "attribute": m.Attribute.objects.get(slug="colour"),
        "attributevalue": m.AttributeValue.objects.get(attribute__slug="size", slug="m"),
        "producttype": m.ProductType.objects.get(slug="t-shirt"),
        "product": m.Product.objects.get(variants__sku="WW2-TEE-BLK-M"),
        "productvariant": m.ProductVariant.objects.get(sku="WW2-TEE-BLK-M"),
        "collection": m.Collection.objects.get(slug="featured-products"),
        "pagetype": m.PageType.objects.get(),
        "page": m.Page.objects.get(slug="licensing"),
        "menu": m.Menu.objects.get(slug="navbar"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_change_page(demo, admin_client, django_assert_max_num_queries, model):
    obj = demo_objects()[model]
    admin_client.get(reverse("admin:index"))
    with django_assert_max_num_queries(CHANGE_PAGE_MAX_QUERIES):
        response = admin_client.get(change_url(obj))
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["product", "productvariant", "stock", "page"])
def test_changelist_queries_do_not_grow_with_rows(demo, admin_client, model):
    admin_client.get(reverse("admin:index"))
    counts = []
    for query in ("?q=zzz-no-match", ""):
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(changelist_url(model) + query)
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "many_rows", "few_rows"),
    [
        ("product", {"slug": "wolf-warrior-2-emblem-t-shirt"}, {"slug": "wolf-totem-mug"}),
        ("collection", {"slug": "featured-products"}, {"slug": "limited-editions"}),
        ("productvariant", {"sku": "WW2-TEE-BLK-M"}, {"sku": "TWE-POS"}),
        ("menu", {"slug": "navbar"}, {"slug": "footer"}),
    ],
)
def test_change_page_queries_do_not_grow_with_inline_rows(
    demo, admin_client, model, many_rows, few_rows
):
    model_class = {
        "product": m.Product,
        "collection": m.Collection,
        "productvariant": m.ProductVariant,
        "menu": m.Menu,
    }[model]
    admin_client.get(reverse("admin:index"))
    counts = []
    for lookup in (many_rows, few_rows):
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(change_url(model_class.objects.get(**lookup)))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["WW2-TEE-BLK-M", "战狼2", "Wolf Warrior 2"])
def test_product_search(demo, admin_client, term):
    response = admin_client.get(changelist_url("product"), {"q": term})
    assert response.status_code == 200
    names = {product.name for product in response.context["cl"].result_list}
    assert "Wolf Warrior 2 Emblem T-shirt" in names
    if term == "WW2-TEE-BLK-M":
        assert names == {"Wolf Warrior 2 Emblem T-shirt"}


@pytest.mark.django_db
def test_product_filters(demo, admin_client):
    china = m.Channel.objects.get(slug="china")
    film = m.Product.objects.get(variants__sku="WW2-TEE-BLK-M").film
    apparel = m.Category.objects.get(slug="t-shirts")
    response = admin_client.get(
        changelist_url("product"),
        {
            "channel_listings__channel__id__exact": china.pk,
            "film__id__exact": film.pk,
            "category__id__exact": apparel.pk,
        },
    )
    assert response.status_code == 200
    assert [p.name for p in response.context["cl"].result_list] == ["Wolf Warrior 2 Emblem T-shirt"]


@pytest.mark.django_db
def test_variant_search_by_sku(demo, admin_client):
    response = admin_client.get(changelist_url("productvariant"), {"q": "NZ-FIG"})
    assert {v.sku for v in response.context["cl"].result_list} == {"NZ-FIG-STD", "NZ-FIG-COL"}


@pytest.mark.django_db
def test_stock_filter_by_warehouse(demo, admin_client):
    warehouse = m.Warehouse.objects.get(slug="los-angeles")
    response = admin_client.get(changelist_url("stock"), {"warehouse__id__exact": warehouse.pk})
    rows = response.context["cl"].result_list
    assert rows and {stock.warehouse_id for stock in rows} == {warehouse.pk}


class FormData(HTMLParser):
    """The fields a browser would submit for one form of an admin page."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = []
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name", "")
        if "__prefix__" in name:
            return
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.data.append((name, text.removeprefix("\n")))
            self.textarea = None

    def as_dict(self):
        merged = {}
        for name, value in self.data:
            merged.setdefault(name, []).append(value)
        return merged


def submitted_form(response, form_id):
    parser = FormData(form_id)
    parser.feed(response.content.decode())
    return parser.as_dict()


@pytest.mark.django_db
def test_saving_a_product_refreshes_its_search_document(demo, admin_client):
    product = m.Product.objects.get(variants__sku="WW2-TEE-BLK-M")
    url = change_url(product)
    data = submitted_form(admin_client.get(url), "product_form")
    assert data["name"] == ["Wolf Warrior 2 Emblem T-shirt"]
    data["name"] = ["Wolf Warrior 2 Wolf-head Tee"]
    variant_rows = int(data["variants-TOTAL_FORMS"][0])
    sku_field = next(
        f"variants-{i}-sku"
        for i in range(variant_rows)
        if data[f"variants-{i}-sku"] == ["WW2-TEE-BLK-M"]
    )
    data[sku_field] = ["WW2-TEE-BLACK-M"]

    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.name == "Wolf Warrior 2 Wolf-head Tee"
    assert "wolf warrior 2 wolf-head tee" in product.search_document
    assert "ww2-tee-black-m" in product.search_document
    assert "ww2-tee-blk-m" not in product.search_document


@pytest.mark.django_db
def test_saving_a_variant_refreshes_its_products_search_document(demo, admin_client):
    variant = m.ProductVariant.objects.get(sku="HM-MUG")
    url = change_url(variant)
    data = submitted_form(admin_client.get(url), "productvariant_form")
    data["sku"] = ["HM-MUG-ENAMEL"]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "hm-mug-enamel" in m.Product.objects.get(pk=variant.product_id).search_document


@pytest.mark.django_db
def test_variant_price_takes_its_channels_currency(demo):
    variant = m.ProductVariant.objects.get(sku="HM-MUG")
    china = m.Channel.objects.get(slug="china")
    blank = VariantChannelListingForm(
        data={"channel": china.pk, "currency": "", "price_amount": "79.00"},
        instance=m.ProductVariantChannelListing(variant=variant),
    )
    assert blank.is_valid(), blank.errors
    assert blank.cleaned_data["currency"] == "CNY"

    wrong = VariantChannelListingForm(
        data={"channel": china.pk, "currency": "usd", "price_amount": "79.00"},
        instance=m.ProductVariantChannelListing(variant=variant),
    )
    assert not wrong.is_valid()
    assert "CNY" in wrong.errors["currency"][0]


def _stock_page(admin_client, stock):
    return submitted_form(admin_client.get(change_url(stock)), "stock_form")


@pytest.mark.django_db
def test_a_stale_stock_form_changes_quantity_by_difference_and_never_allocations(
    demo, admin_client
):
    stock = m.Stock.objects.filter(product_variant__sku="WW2-TEE-BLK-M").first()
    data = _stock_page(admin_client, stock)
    assert "quantity_allocated" not in data  # shown, not editable
    seen = int(data["quantity"][0])
    # Buyers allocate 3 units while the page is open.
    m.Stock.objects.filter(pk=stock.pk).update(quantity_allocated=3)
    data["quantity"] = [str(seen + 5)]  # staff received 5 more
    response = admin_client.post(change_url(stock), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_allocated) == (seen + 5, 3)


@pytest.mark.django_db
def test_stock_cannot_go_below_what_is_allocated(demo, admin_client):
    stock = m.Stock.objects.filter(product_variant__sku="WW2-TEE-BLK-M").first()
    m.Stock.objects.filter(pk=stock.pk).update(quantity=10, quantity_allocated=4)
    data = _stock_page(admin_client, stock)
    data["quantity"] = ["3"]
    response = admin_client.post(change_url(stock), data)
    assert response.status_code == 200
    assert "4 units are allocated" in str(response.context["adminform"].form.errors)
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_allocated) == (10, 4)


@pytest.mark.django_db
def test_the_variant_pages_stock_rows_apply_the_difference(demo, admin_client):
    variant = m.ProductVariant.objects.get(sku="WW2-TEE-BLK-M")
    url = change_url(variant)
    data = submitted_form(admin_client.get(url), "productvariant_form")
    rows = int(data["stocks-TOTAL_FORMS"][0])
    assert rows >= 1 and "stocks-0-quantity_allocated" not in data
    stock = m.Stock.objects.get(pk=int(data["stocks-0-id"][0]))
    seen = int(data["stocks-0-quantity"][0])
    m.Stock.objects.filter(pk=stock.pk).update(
        quantity=seen + 2, quantity_allocated=2
    )  # two units arrived and were sold meanwhile
    data["stocks-0-quantity"] = [str(seen - 1)]  # staff write off one damaged unit
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_allocated) == (seen + 1, 2)


@pytest.mark.django_db
def test_change_quantity_refuses_to_drop_below_allocations(demo):
    from marquee.core.exceptions import DomainError
    from marquee.merch import stock_levels

    stock = m.Stock.objects.filter(product_variant__sku="WW2-TEE-BLK-M").first()
    m.Stock.objects.filter(pk=stock.pk).update(quantity=5, quantity_allocated=5)
    with pytest.raises(DomainError, match="5 of them allocated"):
        stock_levels.change_quantity(stock.pk, -1)
    assert stock_levels.change_quantity(stock.pk, 3).quantity == 8
