"""Overlap checks for the API and the CLI: a stored article, or a draft never indexed."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from indexer.errors import InputError
from indexer.nlp.embed import EmbedConfig, load_embedder
from indexer.overlap.boilerplate import BoilerplateStore
from indexer.overlap.finder import find_overlaps
from indexer.overlap.limits import Budget, Thresholds
from indexer.overlap.models import OverlapReport
from indexer.overlap.paraphrase import with_paraphrases
from indexer.pages.models import Page

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.settings import Settings


class OverlapService:
    """Checks against the live version, with the settings' thresholds and budget.

    The NLP pipeline (needed for drafts only) is built on first use, once per process; the
    site's boilerplate comes from a `BoilerplateStore` in `<data_dir>/overlap`.
    """

    def __init__(
        self, engine: Engine, settings: Settings, nlp: Any | None = None,
        nlp_factory: Callable[[Settings], Any] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.limits = Thresholds.from_settings(settings)
        self.budget = Budget.from_settings(settings)
        self.embed = EmbedConfig.from_settings(settings)  # paraphrases of drafts
        self.boilerplate = BoilerplateStore(engine, self.limits, settings.data_dir / "overlap")
        self._nlp = nlp
        self._nlp_factory = nlp_factory
        self._lock = threading.Lock()
        self._enrich_lock = threading.Lock()

    @property
    def nlp(self) -> Any:
        with self._lock:
            if self._nlp is None:
                factory = self._nlp_factory
                if factory is None:
                    from indexer.nlp.pipeline import build_nlp

                    factory = build_nlp
                self._nlp = factory(self.settings)
            return self._nlp

    def article(self, article_id: str) -> OverlapReport:
        """The overlap of a stored article; raises NotFound for an unknown id."""
        page = self.engine.get_page(article_id)
        return find_overlaps(
            self.engine, page, article_id, self.limits, self.budget, self.boilerplate.current()
        )

    def draft(self, text: str, title: str = "Concept") -> OverlapReport:
        """The overlap of a draft (raw page text or plain paragraphs); nothing is indexed.

        Raises InputError for an empty draft or one over the size limit.
        """
        page = parse_draft(text, self.budget.max_draft_chars, title)
        from indexer.nlp.enrich import enrich_pages

        nlp = self.nlp
        with self._enrich_lock:  # one pipeline per process, shared by the server's threads
            enriched = enrich_pages(nlp, [page])[0]
        report = find_overlaps(
            self.engine, enriched, None, self.limits, self.budget, self.boilerplate.current()
        )
        return with_paraphrases(report, self.engine, enriched, load_embedder(self.embed))


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_draft(text: str, max_chars: int, title: str = "Concept") -> Page:
    """A draft's Page; InputError when it is empty, too long or not text."""
    if len(text) > max_chars:
        raise InputError(f"het concept is te lang: {len(text)} tekens, ten hoogste {max_chars}")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r")
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise InputError("het concept bevat binaire gegevens (stuurtekens), geen tekst")
    if _SURROGATE.search(text) or _SURROGATE.search(title):
        # JSON can carry "\ud800" escapes that no UTF-8 text holds.
        raise InputError("het concept bevat ongeldige tekens (losse UTF-16-surrogaten)")
    if not text.strip():
        raise InputError("het concept is leeg")
    from indexer.pages.parsing import parse_plain_text

    page = parse_plain_text(text, title=title)
    if not page.passages():
        raise InputError("het concept heeft geen alinea's om te vergelijken")
    return page
