"""A register with two licensors (A and B), their users, staff and a customer.

Licensor A licenses the test film (Wolf Warrior 2) for apparel in CN and
US through both channels; licensor B owns another film. Helpers approve
products and build signed-in API clients for each role.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from marquee.accounts.tokens import create_access_token
from marquee.films.models import Film
from marquee.licensing import services
from marquee.licensing.models import ApprovalStage, LicenceStatus, ProductApproval
from tests.orders.conftest import ShopBuilder

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class RoleClient:
    """Posts GraphQL as one role (no token: anonymous)."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(user)}"

    def run(self, query, variables=None):
        response = self.client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **self.headers,
        )
        assert response.status_code in (200, 400), response.content[:500]
        return response.json()


class Register:
    def __init__(self, shop: ShopBuilder):
        self.shop = shop
        self.today = timezone.localdate()
        users = get_user_model().objects
        self.staff = users.create_user("staff@marquee.example", "pw", is_staff=True)
        self.customer = users.create_user("fan@example.com", "pw")
        self.user_a = users.create_user("a@licensor.example", "pw")
        self.user_b = users.create_user("b@licensor.example", "pw")
        self.licensor_a = services.create_licensor(slug="studio-a", name="Studio A")
        self.licensor_b = services.create_licensor(slug="studio-b", name="Studio B")
        services.add_licensor_user(self.licensor_a, self.user_a)
        services.add_licensor_user(self.licensor_b, self.user_b)
        self.property_a = services.create_property(
            licensor=self.licensor_a,
            name="Wolf Warrior 2",
            slug="ww2",
            kind="film",
            films=[shop.film],
        )
        self.film_b = Film.objects.create(slug="film-b", title="Film B")
        self.property_b = services.create_property(
            licensor=self.licensor_b, name="Film B", slug="film-b", kind="film", films=[self.film_b]
        )
        self.licence_a = self.licence(self.licensor_a, "A-1", [self.property_a])
        self.licence_b = self.licence(self.licensor_b, "B-1", [self.property_b])

    def licence(self, licensor, reference, properties, **extra):
        data = services.LicenceData(
            licensor=licensor,
            reference=reference,
            properties=properties,
            term_start=extra.pop("term_start", self.today - timedelta(days=365)),
            term_end=extra.pop("term_end", self.today + timedelta(days=365)),
            territories=extra.pop("territories", ["CN", "US"]),
            channels=extra.pop("channels", [self.shop.china, self.shop.intl]),
            categories=extra.pop("categories", [self.shop.apparel]),
            status=extra.pop("status", LicenceStatus.ACTIVE),
            **extra,
        )
        return services.create_licence(data, actor=self.staff)

    def approve(self, product, licence=None, share=Decimal(100)):
        """Declare and approve a product under one licence (straight to approved)."""
        licence = licence or self.licence_a
        if not licence.royalty_terms.exists():
            # A sale needs royalty terms in force: 10 % of net, in the licensor's currency.
            services.add_royalty_terms(
                licence,
                services.TermsData(
                    effective_from=licence.term_start,
                    rate_percent=Decimal(10),
                    currency=licence.licensor.statement_currency,
                ),
            )
        ProductApproval.objects.update_or_create(
            product=product,
            licence=licence,
            defaults={"share_percent": share, "stage": ApprovalStage.APPROVED},
        )
        return product

    def client(self, role):
        user = {
            "anonymous": None,
            "customer": self.customer,
            "licensor_a": self.user_a,
            "licensor_b": self.user_b,
            "staff": self.staff,
        }[role]
        return RoleClient(user)


@pytest.fixture(autouse=True)
def _gate_on(settings):
    settings.LICENCE_GATE_ENABLED = True
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def shop(db):
    return ShopBuilder()


@pytest.fixture
def register(shop):
    return Register(shop)


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)
