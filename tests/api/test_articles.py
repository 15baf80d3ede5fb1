"""/api/articles/<id>: the enriched page, or 404 in the error shape."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.schemas import assert_documented

DEPRESSION = "magnesium-bij-depressie-kan-het-helpen"


def test_article_is_the_enriched_page(client: FlaskClient) -> None:
    response = client.get(f"/api/articles/{DEPRESSION}")
    assert response.status_code == 200
    body = assert_documented(response, "/api/articles/{id}")
    assert body["id"] == DEPRESSION
    assert body["title"] == "Magnesium bij Depressie: Kan het Helpen?"
    assert [s["number"] for s in body["sections"]] == [1, 2, 3, 4, 5]
    assert body["sections"][0]["anchor"] == "deel-1-individuele-casussen-en-observaties"
    assert body["labels"] == ["Depressie"]
    found = {(e["label"], e["value"]) for e in body["entities"]}
    assert ("RECEPTOR", "NMDA-receptor") in found
    assert ("CONDITION", "depressie") in found
    assert "Set-Cookie" not in response.headers


def test_unknown_article_is_404(client: FlaskClient) -> None:
    response = client.get("/api/articles/geen-artikel")
    assert response.status_code == 404
    body = assert_documented(response, "/api/articles/{id}")
    assert body["error"]["code"] == "not_found"
    assert response.headers["Cache-Control"] == "no-store"


def test_hostile_ids_are_404_not_500(client: FlaskClient) -> None:
    for article_id in ['a"b', "x" * 400, "*", "id:1 OR 1", "%00", "ü"]:
        response = client.get(f"/api/articles/{article_id}")
        assert response.status_code == 404, article_id


def test_article_takes_no_parameters(client: FlaskClient) -> None:
    assert client.get(f"/api/articles/{DEPRESSION}?full=1").status_code == 400
