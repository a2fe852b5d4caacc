"""Pages every visitor can reach, in the browser: an unknown address gets the shop's 404 page."""

from tests.e2e.conftest import assert_accessible


def test_unknown_address_is_a_real_404_page(page):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert_accessible(page)


def test_the_language_switch_is_remembered(page):
    page.goto("/no-such-page/")
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    page.goto("/another-missing-page/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
