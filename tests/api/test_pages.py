"""The search page at `/`: served, accessible markup, Dutch text, protective headers."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_search_page_markup(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert '<label for="q">' in page
    assert 'role="combobox"' in page and 'aria-controls="suggestions"' in page
    assert 'role="listbox"' in page
    assert 'role="status" aria-live="polite"' in page
    assert 'action="/" method="get"' in page.replace("\n      ", " ")  # works without script
    assert "<script>" not in page  # only external scripts, allowed by the CSP
    assert "<noscript>" not in page and "openapi" not in page


def test_page_headers(client: FlaskClient) -> None:
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers


def test_static_files_are_served(client: FlaskClient) -> None:
    script = client.get("/static/search.js")
    assert script.status_code == 200
    assert "/api/suggest" in script.get_data(as_text=True)
    assert client.get("/static/search.css").status_code == 200
    assert client.get("/static/nothing.js").status_code == 404
