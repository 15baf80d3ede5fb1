"""Engine fixtures for the behavioural contract (test_contract.py), one parameter per engine.

Hook for other engines: add a factory to ENGINE_FACTORIES (and marks to ENGINE_MARKS, and a
gap function to ENGINE_GAPS for behaviour a test server cannot emulate). A factory gets the
pytest request (to reach session fixtures such as a test cluster), settings on a fresh data dir
and a short name unique to the fixture instance, and returns an Engine with no versions yet;
the fixture calls `close()` afterwards. Example:

    def _elasticsearch(request, settings, name):
        return request.getfixturevalue("es_cluster").engine(settings, name)

    ENGINE_FACTORIES["elasticsearch"] = _elasticsearch
    ENGINE_MARKS["elasticsearch"] = [pytest.mark.elasticsearch]
    ENGINE_GAPS["elasticsearch"] = lambda request, feature: (
        request.getfixturevalue("es_cluster").missing(feature))
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.pages.models import EnrichedPage
from indexer.search.port import Engine
from indexer.settings import Settings, load_settings

EngineFactory = Callable[[pytest.FixtureRequest, Settings, str], Engine]
GapCheck = Callable[[pytest.FixtureRequest, str], "str | None"]


def _tantivy(request: pytest.FixtureRequest, settings: Settings, name: str) -> Engine:
    from indexer.engines.tantivy.engine import TantivyEngine

    return TantivyEngine.from_settings(settings)


ENGINE_FACTORIES: dict[str, EngineFactory] = {"tantivy": _tantivy}
ENGINE_MARKS: dict[str, list[pytest.MarkDecorator]] = {"tantivy": []}
ENGINE_GAPS: dict[str, GapCheck] = {}


# --- Elasticsearch: osmem-server in CI, a real cluster with SITESEARCH_TEST_ES_URL set
# (tests/engines_es/es_cluster.py).
def _elasticsearch(request: pytest.FixtureRequest, settings: Settings, name: str) -> Engine:
    engine: Engine = request.getfixturevalue("es_cluster").engine(settings, name)
    return engine


@pytest.fixture(scope="session")
def es_cluster() -> Any:
    from tests.engines_es.es_cluster import shared_cluster

    return shared_cluster()


ENGINE_FACTORIES["elasticsearch"] = _elasticsearch
ENGINE_MARKS["elasticsearch"] = [pytest.mark.elasticsearch]
ENGINE_GAPS["elasticsearch"] = lambda request, feature: (
    request.getfixturevalue("es_cluster").missing(feature)
)

# Extra pages of our own (raw page text, parsed and enriched like any input): labels the seeds
# lack, an entity-only topic, and a page whose text holds markup that must come back escaped.
EXTRA_PAGES = {
    "sleep": """top of page
Slaapproblemen en melatonine bij kinderen

Veel kinderen slapen slecht. Ouders zoeken dan naar een oplossing voor de slaapproblemen.

Deel 1: Wat is melatonine?

Melatonine is een hormoon dat het slaapritme regelt. Ook magnesium wordt soms genoemd als
hulpmiddel bij het inslapen, maar het bewijs daarvoor is beperkt.

Labels: #ADHD #Slaap

Gerelateerde artikelen:
bottom of page
""",
    "glutamate": """top of page
Glutamaat in de hersenen

Glutamaat is de belangrijkste prikkelende boodschapperstof van de hersenen.

Deel 1: Glutamaat en receptoren

Glutamaat bindt aan de NMDA-receptor. Een overactieve NMDA-receptor kan zenuwcellen
beschadigen; dat heet excitotoxiciteit.

Labels: #Hersenen

Gerelateerde artikelen:
bottom of page
""",
    "markup": """top of page
Veilig omgaan met supplementen

Een waarschuwing over veiligheid bij het kopen van supplementen op internet.

Deel 1: Kwaadaardige code in webwinkels

Sommige webwinkels tonen kwaadaardige code zoals <script>alert(1)</script> of
<img src=x onerror=alert(1)> in hun productteksten; koop daar geen supplementen.

Labels: #Veiligheid

Gerelateerde artikelen:
bottom of page
""",
}


def engine_params() -> list[Any]:
    return [pytest.param(name, marks=ENGINE_MARKS.get(name, [])) for name in ENGINE_FACTORIES]


def make_test_engine(request: pytest.FixtureRequest, engine_name: str, data_dir: Path) -> Engine:
    settings = load_settings(data_dir=data_dir, rate_limit_enabled=False)
    return ENGINE_FACTORIES[engine_name](request, settings, uuid.uuid4().hex[:8])


@pytest.fixture(scope="module", params=engine_params())
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def expect_feature(request: pytest.FixtureRequest, engine_name: str) -> Callable[[str], None]:
    """Call with a feature name; marks the test xfail when this engine's test server lacks it."""

    def check(feature: str) -> None:
        gap = ENGINE_GAPS.get(engine_name)
        reason = gap(request, feature) if gap else None
        if reason:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=False))

    return check


@pytest.fixture(scope="session")
def extra_pages(nlp: Any) -> dict[str, EnrichedPage]:
    """EXTRA_PAGES parsed and enriched: {"sleep", "glutamate", "markup"} -> EnrichedPage."""
    from indexer.nlp.enrich import enrich_pages
    from indexer.pages.parsing import parse_text

    pages = {name: parse_text(text).pages[0] for name, text in EXTRA_PAGES.items()}
    enriched = enrich_pages(nlp, list(pages.values()))
    return dict(zip(pages, enriched, strict=True))


@pytest.fixture(scope="session")
def contract_pages(
    enriched_seeds: dict[str, EnrichedPage], extra_pages: dict[str, EnrichedPage]
) -> dict[str, EnrichedPage]:
    """The seeds and our extra pages: {"depression", "adhd", "sleep", "glutamate", "markup"}."""
    return {**enriched_seeds, **extra_pages}


@pytest.fixture(scope="module")
def contract_engine(
    request: pytest.FixtureRequest,
    engine_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    contract_pages: dict[str, EnrichedPage],
) -> Iterator[Engine]:
    """A live version holding the contract pages. Read-only: tests must not write to it."""
    engine = make_test_engine(request, engine_name, tmp_path_factory.mktemp("contract") / "data")
    version = engine.create_version()
    report = engine.write(version, list(contract_pages.values()))
    assert report.indexed == len(contract_pages) and not report.failed, report
    engine.switch(version)
    yield engine
    engine.close()


@pytest.fixture
def fresh_engine(
    request: pytest.FixtureRequest, engine_name: str, tmp_path: Path
) -> Iterator[Engine]:
    """An engine with no versions, for tests that write, switch and drop."""
    engine = make_test_engine(request, engine_name, tmp_path / "data")
    yield engine
    engine.close()
