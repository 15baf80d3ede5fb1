"""Dutch HTML error pages for browsers outside /api; the API keeps its JSON shape, with Dutch
messages and English codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search_api import create_app
from tests.api.conftest import api_settings_for

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def client(site_app: Flask) -> FlaskClient:
    return site_app.test_client()


def test_a_browser_gets_dutch_html_404_and_405_pages_outside_the_api(
    client: FlaskClient,
) -> None:
    response = client.get("/nope", headers=BROWSER)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Pagina niet gevonden" in response.get_data(as_text=True)
    assert '<html lang="nl">' in response.get_data(as_text=True)
    response = client.post("/", headers=BROWSER)
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]
    assert "Dat kan hier niet" in response.get_data(as_text=True)


def test_the_api_keeps_its_json_errors_even_for_a_browser(client: FlaskClient) -> None:
    response = client.get("/api/nope", headers=BROWSER)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "not_found"
    # A program outside /api (no Accept, or JSON first) still gets the JSON shape.
    assert client.get("/nope").mimetype == "application/json"


@pytest.mark.parametrize(("url", "dutch"), [
    ("/api/search?q=" + "magnesium " * 60, "langer dan 500 tekens"),
    ("/api/search?q=magnesium&sort=date", "onbekende parameter"),
    ("/api/search?q=magnesium&page=twee", "moet een geheel getal zijn"),
    ("/api/search?q=-magnesium", "typ een of meer woorden"),
    ("/api/articles/magnesium/overlap", "niet gevonden"),
    ("/api/articles/magnesium", "niet gevonden"),
    ("/api/nope", "bestaat niet"),
])
def test_api_error_messages_are_dutch_and_codes_english(
    client: FlaskClient, url: str, dutch: str
) -> None:
    error = client.get(url).get_json()["error"]
    assert dutch in error["message"]
    assert error["code"].isascii() and " " not in error["code"]


def test_an_unexpected_error_on_a_page_is_a_dutch_page_with_the_request_id(
    tmp_path: Path,
) -> None:
    app = create_app(api_settings_for(tmp_path / "data"))

    def boom() -> str:
        raise RuntimeError("a bug, not the visitor's fault")

    app.add_url_rule("/boom", "boom", boom)  # a route of this test only
    response = app.test_client().get(
        "/boom", headers={**BROWSER, "X-Request-ID": "trace-7"}
    )
    assert response.status_code == 500 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Er ging iets mis" in page and "trace-7" in page and "a bug" not in page
    assert response.headers["Cache-Control"] == "no-store"
