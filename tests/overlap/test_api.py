"""GET /api/articles/<id>/overlap, POST /api/overlap and the /editor page, through Flask."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from indexer.pages.models import Page
from tests.api.schemas import assert_documented
from tests.overlap.test_service import UNRELATED_DRAFT


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]
    return dict(body["error"])


def test_article_overlap_has_the_documented_shape(
    client: FlaskClient, seed_pages: dict[str, Page]
) -> None:
    response = client.get(f"/api/articles/{seed_pages['depression'].id}/overlap")
    assert response.status_code == 200
    body = assert_documented(response, "/api/articles/{id}/overlap")
    assert set(body) >= {"article", "duplicated_fraction", "matches", "related"}
    assert body["article"]["id"] == seed_pages["depression"].id
    assert 0 < body["duplicated_fraction"] < 1
    match = body["matches"][0]
    assert set(match) >= {"passage", "other_article", "other_passage", "similarity", "spans"}
    span = match["spans"][0]
    assert match["passage"]["text"][span["start"] : span["end"]]
    assert match["other_passage"]["text"][span["other_start"] : span["other_end"]]
    assert body["related"][0]["article"]["id"] == seed_pages["adhd"].id
    assert "magnesium" in body["related"][0]["shared_entities"]


def test_unknown_article_is_404(client: FlaskClient) -> None:
    response = client.get("/api/articles/geen-artikel/overlap")
    error = assert_error(response, 404)
    assert_documented(response, "/api/articles/{id}/overlap")
    assert error["code"] == "not_found"


def test_unknown_parameter_is_400(client: FlaskClient, seed_pages: dict[str, Page]) -> None:
    assert_error(client.get(f"/api/articles/{seed_pages['adhd'].id}/overlap?x=1"), 400)


def test_draft_check_finds_a_copied_paragraph(
    client: FlaskClient, seed_pages: dict[str, Page]
) -> None:
    original = next(p for p in seed_pages["adhd"].passages() if "NMDA" in p.text)
    response = client.post("/api/overlap", json={"text": original.text, "title": "Mijn concept"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = assert_documented(response, "/api/overlap", "post")
    assert body["article"] == {"id": None, "title": "Mijn concept", "url": None}
    # The paragraph itself first, then the depression article's paraphrase of it.
    assert [m["other_passage"]["id"] for m in body["matches"]] == [
        original.id, f"{seed_pages['depression'].id}/p3"
    ]
    assert body["matches"][0]["similarity"] == 1.0
    assert body["matches"][1]["similarity"] < 0.5
    assert body["duplicated_fraction"] == 1.0


def test_unrelated_draft_has_no_matches(client: FlaskClient) -> None:
    body = client.post("/api/overlap", json={"text": UNRELATED_DRAFT}).get_json()
    assert body["matches"] == []
    assert body["duplicated_fraction"] == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ""}, 400),
        ({"text": "   \n\t  "}, 400),
        ({"text": "Een tekst\x00\x01\x02\x03 vol binaire rommel"}, 400),
        ({"text": 42}, 400),
        ({"tekst": "Verkeerde naam"}, 400),
        ({"text": "Goed", "extra": 1}, 400),
        ({"text": "Goed", "title": ""}, 400),
        (["text"], 400),
    ],
)
def test_bad_drafts_get_a_4xx_in_the_error_shape(
    client: FlaskClient, body: Any, status: int
) -> None:
    response = client.post("/api/overlap", json=body)
    assert_error(response, status)
    assert_documented(response, "/api/overlap", "post")


@pytest.mark.parametrize(
    "raw",
    ['{"text": "Een losse \\ud800 surrogaat is geen tekst"}',
     '{"text": "Goede tekst", "title": "Titel \\udfff"}'],
)
def test_unpaired_surrogates_are_400_not_500(client: FlaskClient, raw: str) -> None:
    # JSON escapes can carry surrogates that no UTF-8 text holds (found: a 500 in parsing).
    response = client.post("/api/overlap", data=raw, content_type="application/json")
    assert assert_error(response, 400)["code"] == "invalid_draft"


def test_non_json_bodies_are_refused(client: FlaskClient) -> None:
    assert_error(client.post("/api/overlap", data="text=hallo",
                             content_type="application/x-www-form-urlencoded"), 415)
    assert_error(client.post("/api/overlap", data="{niet: json",
                             content_type="application/json"), 400)
    assert_error(client.post("/api/overlap", data=b"\xff\xfe\x00garbage",
                             content_type="application/json"), 400)


def test_ten_megabytes_of_text_is_413(client: FlaskClient) -> None:
    error = assert_error(client.post("/api/overlap", json={"text": "woord " * 1_750_000}), 413)
    assert error["code"] == "payload_too_large"


def test_a_draft_over_the_draft_limit_is_413(client: FlaskClient) -> None:
    # Under the body limit (1 MB) but over overlap_max_draft_chars (100,000).
    error = assert_error(client.post("/api/overlap", json={"text": "woord " * 20_000}), 413)
    assert "100000" in error["message"] and "te lang" in error["message"]


def test_get_on_the_draft_endpoint_is_405(client: FlaskClient) -> None:
    assert_error(client.get("/api/overlap"), 405)


def test_editor_page_is_dutch_and_labelled(client: FlaskClient) -> None:
    response = client.get("/editor")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="nl">' in page
    for text in ("Overlapcontrole", "Concept controleren", "Tekst van het concept",
                 'for="draft-text"', 'for="article-query"', 'role="status"', "editor.js"):
        assert text in page
    assert client.get("/static/editor.js").status_code == 200
    assert client.get("/static/editor.css").status_code == 200
