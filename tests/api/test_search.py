"""/api/search and /api/suggest on a real temporary index of the seed pages."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.schemas import assert_documented

DEPRESSION = "magnesium-bij-depressie-kan-het-helpen"


def search(client: FlaskClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = assert_documented(response, "/api/search")
    return body


def test_magnesium_depressie_finds_the_depression_article_first(client: FlaskClient) -> None:
    body = search(client, q="magnesium depressie")
    assert body["query"] == "magnesium depressie"
    assert (body["page"], body["size"]) == (1, 10)
    assert body["total"] >= 1
    first = body["hits"][0]
    assert first["id"] == DEPRESSION
    assert first["title"] == "Magnesium bij Depressie: Kan het Helpen?"
    assert "<mark>" in first["snippet"]
    assert first["section"] is None or first["section"]["anchor"].startswith("deel-")
    assert "Depressie" in first["labels"]
    assert {"label": "NUTRIENT", "value": "magnesium"} in first["entities"]


def test_misspelt_magnesium_returns_both_magnesium_articles(client: FlaskClient) -> None:
    body = search(client, q="magnesuim")
    ids = {hit["id"] for hit in body["hits"]}
    assert DEPRESSION in ids and len(ids) == 2


def test_misspelt_query_carries_a_suggestion(client: FlaskClient) -> None:
    body = search(client, q="magnesuim tekrot")
    assert body["suggestion"]
    assert "magnesium" in body["suggestion"]


def test_label_facet_counts_and_narrows(client: FlaskClient) -> None:
    body = search(client, q="magnesium")
    assert body["total"] == 2
    labels = {f["value"]: f["count"] for f in body["facets"]["labels"]}
    assert labels.get("Depressie") == 1
    narrowed = search(client, q="magnesium", label="Depressie")
    assert [hit["id"] for hit in narrowed["hits"]] == [DEPRESSION]


def test_entity_facet_and_filter(client: FlaskClient) -> None:
    body = search(client, q="magnesium")
    receptors = {f["value"]: f["count"] for f in body["facets"]["entities"].get("RECEPTOR", [])}
    assert receptors.get("NMDA-receptor") == 2  # both seed pages name it
    assert search(client, q="magnesium", entity="RECEPTOR:NMDA-receptor")["total"] == 2
    # Filtering on a facet value narrows the hits to exactly its count.
    conditions = {f["value"]: f["count"] for f in body["facets"]["entities"]["CONDITION"]}
    assert conditions["depressie"] == 1, conditions
    narrowed = search(client, q="magnesium", entity="CONDITION:depressie")
    assert narrowed["total"] == 1
    assert [hit["id"] for hit in narrowed["hits"]] == [DEPRESSION]
    # Patients' names and ages are no filters (facet_entity_types), but still searchable.
    assert not {"PERSON", "AGE", "DOSE"} & set(body["facets"]["entities"])
    assert search(client, q="magnesium", entity="PERSON:Jansen")["total"] == 1


def test_paging(client: FlaskClient) -> None:
    first = search(client, q="magnesium", size=1)
    second = search(client, q="magnesium", size=1, page=2)
    assert first["total"] == second["total"] == 2
    assert first["hits"][0]["id"] != second["hits"][0]["id"]
    assert search(client, q="magnesium", size=1, page=3)["hits"] == []


def test_nothing_found_is_an_empty_answer(client: FlaskClient) -> None:
    body = search(client, q="qwxzv")
    assert body["total"] == 0 and body["hits"] == []


def test_hostile_queries_are_answered_not_crashed(client: FlaskClient) -> None:
    for q in ['"', "(", "title:x", "a AND OR", "*", "-", "<script>", "\\", "ÿ" * 500, "+-!~^"]:
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code in (200, 400), (q, response.get_data(as_text=True))
        assert_documented(response, "/api/search")


def test_search_answers_are_cacheable_and_cookieless(client: FlaskClient) -> None:
    response = client.get("/api/search?q=magnesium")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Request-ID"]


def test_cors_only_for_configured_origins(client: FlaskClient) -> None:
    allowed = client.get("/api/search?q=magnesium", headers={"Origin": "https://www.example.nl"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.example.nl"
    other = client.get("/api/search?q=magnesium", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/api/search", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_suggest_completes_prefixes(client: FlaskClient) -> None:
    response = client.get("/api/suggest?q=magn")
    assert response.status_code == 200
    body = assert_documented(response, "/api/suggest")
    texts = [c["text"].lower() for c in body["completions"]]
    assert 1 <= len(texts) <= 10
    assert any("magnesium" in t for t in texts)
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_suggest_is_typo_tolerant_from_four_letters(client: FlaskClient) -> None:
    body = assert_documented(client.get("/api/suggest?q=magensium"), "/api/suggest")
    assert any("magnesium" in c["text"].lower() for c in body["completions"])


def test_suggest_limit(client: FlaskClient) -> None:
    body = assert_documented(client.get("/api/suggest?q=d&limit=2"), "/api/suggest")
    assert len(body["completions"]) <= 2
