"""bench/lay.py: the lay site holds every judged passage, and the measures are wired right."""

from __future__ import annotations

import pytest

from bench.lay import QUERIES_FILE, lay_queries, relevant_pages, scores, section_pages


def test_every_lay_query_has_a_page_that_answers_it() -> None:
    pages = section_pages()
    queries = lay_queries()
    assert len(queries) >= 40
    assert len({q.text for q in queries}) == len(queries)
    for query in queries:
        assert relevant_pages(pages, query), query.text
    # One page per section of the two articles, each titled "<article> – <section>".
    assert len(pages) == len({p.id for p in pages}) == 13
    assert sum(" – " in p.title for p in pages) == 12


def test_the_second_set_answers_each_query_and_repeats_none_of_the_first() -> None:
    pages = section_pages()
    first = {q.text for q in lay_queries()}
    second = lay_queries(QUERIES_FILE.with_name("lay_queries_check.toml"))
    assert len(second) >= 20
    assert not first & {q.text for q in second}
    for query in second:
        assert relevant_pages(pages, query), query.text


def test_hit_at_3_and_rr_come_from_the_ranks() -> None:
    found = scores([["x", "a"], ["x", "y", "z", "a"], [], ["a"]],
                   [frozenset({"a"})] * 4)
    assert found == [(1.0, 0.5), (0.0, 0.25), (0.0, 0.0), (1.0, 1.0)]
    assert scores([["a"]], [frozenset({"b", "a"})]) == [(1.0, pytest.approx(1.0))]
