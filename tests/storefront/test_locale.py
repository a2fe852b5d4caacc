"""The visitor's language applies to pages, never to the API's answers."""

import pytest


@pytest.mark.django_db
def test_pages_follow_the_language_cookie(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'lang="zh-hans"' in response.content.decode()
    assert "找不到页面" in response.content.decode()
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_api_answers_do_not_vary_by_browser_language(client):
    response = client.get(
        "/graphql/", {"query": "{ shop { name } }"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert "accept-language" not in response.get("Vary", "").lower()
