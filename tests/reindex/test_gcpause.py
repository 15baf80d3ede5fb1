"""cycle_collection_paused: the collector paused inside, restored as it was, frozen objects
given back."""

from __future__ import annotations

import gc

import pytest

from indexer.jobs.gcpause import cycle_collection_paused


def test_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_freeze_sets_aside_only_what_was_alive_and_gives_it_back() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle

    before = gc.get_freeze_count()
    with cycle_collection_paused(freeze=True):
        assert gc.get_freeze_count() > before
        Node()
        assert gc.collect() >= 1  # the new cycle is found (and only what is new is walked)
    assert gc.get_freeze_count() == before == 0


def test_restored_when_the_work_fails() -> None:
    with pytest.raises(RuntimeError), cycle_collection_paused(freeze=True):
        raise RuntimeError("boom")
    assert gc.isenabled() and gc.get_freeze_count() == 0
