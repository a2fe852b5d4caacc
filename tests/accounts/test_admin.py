"""The admin shows a user's address book and lists addresses."""

import pytest

from marquee.accounts.models import User

from .conftest import MOUNTAIN_VIEW

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    staff = User.objects.create_superuser("admin@marquee.example", "Admin-Passw0rd-1")
    client.force_login(staff)
    return client


def test_user_page_shows_the_address_book(admin_client_, user, add_address):
    address = add_address(user, MOUNTAIN_VIEW, "SHIPPING")
    response = admin_client_.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "address_book-TOTAL_FORMS" in page
    assert f'value="{address.pk}"' in page
    assert admin_client_.get("/admin/accounts/user/add/").status_code == 200


def test_address_admin_lists_and_edits(admin_client_, user, add_address):
    address = add_address(user, MOUNTAIN_VIEW)
    listing = admin_client_.get("/admin/accounts/address/?q=mountain")
    assert listing.status_code == 200
    assert "1600 Amphitheatre Pkwy" in listing.content.decode()
    assert admin_client_.get(f"/admin/accounts/address/{address.pk}/change/").status_code == 200
