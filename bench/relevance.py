"""Known-item search: does the page a visitor has in mind come first, when the visitor types
its word differently from the page? Our engine against plain tantivy, in the same run.

    .venv/bin/python -m bench.relevance [--pages 400]   (from the repository root)

Indexes `--pages` pages of bench/corpus.py (the Dutch GIMP manual + Debian FAQ, else the
seeds; 400 pages hold that text about once, so that a word of one page is in no other) with
our pipeline into `TantivyEngine`, and the same titles and bodies into a plain tantivy index
(its default tokenizer: lower case, no Dutch analysis, BM25 over title and body).

For each page, its known item is its longest word that no other page has in any form (not
its lemma from spaCy's Dutch lookup table, nor a word that begins as it does, less its last 3
letters): only that page answers any form of it. The visitor then types
  - exact: the word as it stands;
  - inflected: another form of the same lemma ("afbeeldingen" for "afbeelding");
  - typo: two neighbouring letters swapped (never the first);
  - no diacritics: the word without them ("categorieen"): for this kind, each page's longest
    such word that has diacritics;
  - typed apart: a compound as two words ("overgang gebieden" for "overgangsgebieden"): for
    this kind, each page's longest such word that is a compound of two parts;
  - in a sentence: the exact word between two of the corpus' most frequent words.
Prints, per kind and engine, how often the page came first (success@1) and the mean
reciprocal rank over the top 10 (MRR@10), the ratio of ours to plain, and the share of our
hits whose snippet marks a word (a visitor sees why the page was found).
"""

from __future__ import annotations

import argparse
import bisect
import random
import statistics
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from bench.corpus import corpus_pages, corpus_source
from bench.search import plain_words
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.nlp.analysis import decompound, fold, lemma_of, lemma_table, tokenize
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.pages.models import Page
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest
from indexer.settings import load_settings

TOP = 10
MIN_LETTERS = 7
STEM_CUT = 3
KINDS = ("exact", "inflected", "typo", "no diacritics", "typed apart", "in a sentence")


@dataclass(frozen=True)
class KnownItem:
    """A page and the one word of it (as it stands, lower case) that no other page has in
    any form."""

    page_id: str
    word: str


def page_words(page: Page) -> set[str]:
    """The lower-cased words of a page's title and body."""
    return {t.text.lower() for t in tokenize(f"{page.title} {page.body_text()}")}


def known_items(pages: Sequence[Page],
                keep: Callable[[str], bool] = lambda word: True) -> list[KnownItem]:
    """Per page (that has one), its longest alphabetic word of at least MIN_LETTERS letters
    (and that `keep`s) that no other page has in any form: neither its lemma nor any word
    that begins with the word less its last STEM_CUT letters (inflections and compounds the
    lemma table does not know: "gereedschapsvensters" and "gereedschapsvenster"). Ties go to
    the first in alphabetical order."""
    words = {page.id: page_words(page) for page in pages}
    pages_of: dict[str, set[str]] = defaultdict(set)
    for page_id, found in words.items():
        for word in found:
            pages_of[word].add(page_id)
            pages_of[lemma_of(word)].add(page_id)
    ordered = sorted(pages_of)

    def only_in(word: str, page_id: str) -> bool:
        if pages_of[lemma_of(word)] != {page_id}:
            return False
        stem = word[: len(word) - STEM_CUT]
        for other in ordered[bisect.bisect_left(ordered, stem):]:
            if not other.startswith(stem):
                return True
            if pages_of[other] != {page_id}:
                return False
        return True

    items = []
    for page in pages:
        unique = [w for w in words[page.id]
                  if len(w) >= MIN_LETTERS and w.isalpha() and keep(w) and only_in(w, page.id)]
        if unique:
            items.append(KnownItem(page.id, min(unique, key=lambda w: (-len(w), w))))
    return items


def other_form(word: str, forms_of: dict[str, list[str]]) -> str | None:
    """Another form of the word's lemma (the lemma itself first), if the table knows one."""
    folded = fold(word)
    for form in forms_of.get(lemma_of(folded), []):
        if form != folded:
            return form
    return None


def lemma_forms() -> dict[str, list[str]]:
    """Folded lemma -> its folded forms in the lookup table, the lemma itself first."""
    forms: dict[str, set[str]] = defaultdict(set)
    for form, lemma in lemma_table().items():
        forms[lemma].update((form, lemma))
    return {lemma: sorted(found, key=lambda f: (f != lemma, f)) for lemma, found in forms.items()}


def typed_apart(word: str) -> str | None:
    """A compound of two parts as a visitor may type it apart: its head (as the decompounder
    found it), a space, and the rest as it stands, less a linking -s-/-en-/-e-
    ("overgangsgebieden" -> "overgang gebieden"); None for a word that is no such compound."""
    parts = decompound(word)
    folded = fold(word)
    if len(parts) != 2 or not folded.startswith(parts[0]):
        return None
    rest = folded[len(parts[0]) :]
    for link in ("", "s", "en", "e"):
        if rest.startswith(link) and rest[len(link) :].startswith(parts[1][:3]):
            return f"{parts[0]} {rest[len(link):]}"
    return None


def transposed(word: str, rng: random.Random) -> str | None:
    """The word with two neighbouring letters swapped (not the first letter); None when every
    such swap gives the word back (repeated letters)."""
    options = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    if not options:
        return None
    i = rng.choice(options)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def queries(items: Sequence[KnownItem], accented: Sequence[KnownItem],
            compounds: Sequence[KnownItem], frequent: Sequence[str],
            seed: int = 7) -> dict[str, list[tuple[KnownItem, str]]]:
    """Per kind of query, the (known item, query text) pairs that kind has; "no diacritics"
    asks for the `accented` items (words with diacritics), "typed apart" for the `compounds`,
    the other kinds for `items`."""
    rng = random.Random(seed)
    forms_of = lemma_forms()
    found: dict[str, list[tuple[KnownItem, str]]] = {kind: [] for kind in KINDS}
    for item in items:
        variants: dict[str, str | None] = {
            "exact": item.word,
            "inflected": other_form(item.word, forms_of),
            "typo": transposed(item.word, rng),
            "in a sentence": f"{rng.choice(frequent)} {item.word} {rng.choice(frequent)}",
        }
        for kind, text in variants.items():
            if text is not None:
                found[kind].append((item, text))
    found["no diacritics"] = [(item, fold(item.word)) for item in accented
                              if fold(item.word) != item.word]
    found["typed apart"] = [(item, apart) for item in compounds
                            if (apart := typed_apart(item.word)) is not None]
    return found


def reciprocal_rank(ranked: Sequence[str], wanted: str) -> float:
    """1/rank of `wanted` in the top TOP of `ranked`, 0 when it is not there."""
    for rank, page_id in enumerate(ranked[:TOP], start=1):
        if page_id == wanted:
            return 1.0 / rank
    return 0.0


def plain_index(pages: Sequence[Page], folder: Path) -> tantivy.Index:
    """Title and body in tantivy's default tokenizer, the page id stored."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title")
    builder.add_text_field("body")
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer()
    for page in pages:
        writer.add_document(tantivy.Document(id=page.id, title=page.title,
                                             body=page.body_text()))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def plain_search(index: tantivy.Index) -> Callable[[str], list[str]]:
    searcher = index.searcher()

    def search(text: str) -> list[str]:
        words = plain_words(text)
        if not words:
            return []
        found = searcher.search(index.parse_query(words, ["title", "body"]), limit=TOP)
        return [str(searcher.doc(address)["id"][0]) for _, address in found.hits]

    return search


def our_search(engine: TantivyEngine) -> Callable[[str], list[str]]:
    searcher = Searcher.from_settings(engine, load_settings())

    def search(text: str) -> list[str]:
        return [hit.id for hit in searcher.search(SearchRequest(query=text, size=TOP)).hits]

    return search


def marked_share(engine: TantivyEngine, asked: Sequence[tuple[KnownItem, str]]) -> float:
    """The share of our hits (top TOP) whose snippet marks a word: whether a visitor sees why
    the page was found."""
    searcher = Searcher.from_settings(engine, load_settings())
    hits = [hit for _, text in asked
            for hit in searcher.search(SearchRequest(query=text, size=TOP)).hits]
    return sum("<mark>" in hit.snippet for hit in hits) / len(hits) if hits else 0.0


def score(search: Callable[[str], list[str]],
          asked: Sequence[tuple[KnownItem, str]]) -> tuple[float, float]:
    """(success@1, MRR@TOP) of `search` over the (known item, query) pairs."""
    ranks = [reciprocal_rank(search(text), item.page_id) for item, text in asked]
    return (sum(rank == 1.0 for rank in ranks) / len(ranks), statistics.fmean(ranks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as folder:
        settings = load_settings(data_dir=Path(folder) / "data")
        pages = corpus_pages(args.pages)
        nlp = build_nlp(settings)
        engine = TantivyEngine.from_settings(settings)
        version = engine.create_version()
        engine.write(version, enrich_pages(nlp, pages, batch_size=settings.nlp_batch_size))
        engine.switch(version)
        (Path(folder) / "plain").mkdir()
        plain = plain_search(plain_index(pages, Path(folder) / "plain"))
        ours = our_search(engine)

        counts = Counter(w for page in pages for w in page_words(page) if w.isalpha())
        frequent = [w for w, _ in counts.most_common(20)]
        items = known_items(pages)
        accented = known_items(pages, keep=lambda word: not word.isascii())
        compounds = known_items(pages, keep=lambda word: typed_apart(word) is not None)
        asked = queries(items, accented, compounds, frequent)
        print(f"corpus: {len(pages)} pages from {corpus_source()}; {len(items)} known items "
              f"(a word of at least {MIN_LETTERS} letters that no other page has in any "
              f"form); {len(accented)} pages have such a word with diacritics, "
              f"{len(compounds)} such a compound of two parts")
        print(f"\n{'query':16}{'n':>6}{'ours s@1':>10}{'MRR':>7}{'plain s@1':>11}{'MRR':>7}"
              f"{'MRR ours/plain':>16}{'ours marked':>13}")
        for kind, pairs in asked.items():
            if not pairs:
                print(f"{kind:16}{0:6}  (no word of this kind)")
                continue
            (ours_s1, ours_mrr), (plain_s1, plain_mrr) = score(ours, pairs), score(plain, pairs)
            ratio = f"{ours_mrr / plain_mrr:.2f}" if plain_mrr else "-"
            print(f"{kind:16}{len(pairs):6}{ours_s1:10.1%}{ours_mrr:7.3f}{plain_s1:11.1%}"
                  f"{plain_mrr:7.3f}{ratio:>16}{marked_share(engine, pairs):13.1%}")
        engine.close()


if __name__ == "__main__":
    main()
