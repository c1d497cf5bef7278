"""The queue's rules that need no database: clipping, retrying, kinds, locks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gemma_tui.errors import GemmaError, UnknownKind
from gemma_tui.queue import rules
from gemma_tui.queue.kinds import Dependencies, Registry
from gemma_tui.queue.locks import DependencyLocks
from gemma_tui.queue.store import StoreRetry
from tests import toy


def deps(exclusive: tuple[str, ...] = (), shared: tuple[str, ...] = ()) -> Dependencies:
    return Dependencies(frozenset(exclusive), frozenset(shared))


@pytest.mark.parametrize(
    ("given", "kept"),
    [(None, None), (-1, 200), (-500, 200), (0, 0), (1, 1), (200, 200), (201, 200)],
)
def test_tries_below_0_or_above_200_become_200(given: int | None, kept: int) -> None:
    """Tries left below 0 or above 200 becomes 200; unset stays unset."""
    assert rules.clip_tries(given) == kept


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (None, None),
        (timedelta(0), timedelta(seconds=5)),
        (timedelta(seconds=4.999), timedelta(seconds=5)),
        (timedelta(seconds=5), timedelta(seconds=5)),
        (timedelta(minutes=3), timedelta(minutes=3)),
    ],
)
def test_a_retry_wait_shorter_than_5_s_becomes_5_s(
    given: timedelta | None, kept: timedelta | None
) -> None:
    """A wait between retries shorter than 5 seconds becomes 5 seconds."""
    assert rules.clip_wait(given) == kept


def test_no_wait_and_no_tries_means_no_retry() -> None:
    """No wait and no tries left set: no retry, and no log line."""
    decision = rules.decide_retry(None, None)
    assert not decision.retry
    assert decision.message is None


def test_a_wait_without_tries_retries_without_limit() -> None:
    """A wait set and tries left unset: retry, without limit."""
    decision = rules.decide_retry(None, timedelta(seconds=5))
    assert decision.retry
    assert decision.tries_left is None
    assert decision.message is None


@pytest.mark.parametrize("wait", [None, timedelta(seconds=5)])
def test_tries_below_1_warn_no_retries_left(wait: timedelta | None) -> None:
    """Tries left set and below 1: a warning "no retries left", no retry."""
    decision = rules.decide_retry(0, wait)
    assert not decision.retry
    assert (decision.level, decision.message) == ("warn", "no retries left")


@pytest.mark.parametrize("wait", [None, timedelta(seconds=5)])
def test_tries_left_are_decremented_on_retry(wait: timedelta | None) -> None:
    """Tries left n ≥ 1: decrement it, an info "failed but will retry", retry."""
    decision = rules.decide_retry(3, wait)
    assert decision.retry
    assert decision.tries_left == 2
    assert (decision.level, decision.message) == ("info", "failed but will retry")


def test_store_waits_start_at_1_s_and_double_up_to_60_s_10_times() -> None:
    """Storing is retried with waits from 1 s doubling up to 60 s, 10 times."""
    assert StoreRetry().waits() == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_every_kind_has_a_review_kind_that_auto_accepts() -> None:
    """For every kind K a review kind K#review exists, and it auto-accepts."""
    registry = toy.registry()
    for kind in ("toy", "reader", "other", "auto"):
        review = registry[kind + "#review"]
        assert review.review
        assert review.auto_accept
        assert review.kind is registry[kind].kind
    assert not registry["toy"].auto_accept
    assert registry["auto"].auto_accept


def test_a_review_kind_shares_its_kinds_dependencies() -> None:
    """K#review locks the same resources, in the same modes, as K."""
    registry = toy.registry()
    assert registry["toy#review"].dependencies == deps(("toys",), ("gauges",))
    assert registry["reader#review"].dependencies == registry["reader"].dependencies


def test_kinds_are_listed_sorted_by_name() -> None:
    """Registered kinds are listed sorted by name."""
    registry = Registry([toy.OtherKind(), toy.ToyKind(), toy.AutoKind()])
    names = ["auto", "auto#review", "other", "other#review", "toy", "toy#review"]
    assert registry.names() == names
    assert [entry.name for entry in registry] == names
    assert [entry.name for entry in registry.base_kinds()] == ["auto", "other", "toy"]


def test_a_kind_name_is_registered_once() -> None:
    """A kind is registered under a unique name; a second one is refused."""
    registry = toy.registry()
    with pytest.raises(GemmaError, match="cannot register kind 'toy'"):
        registry.register(toy.ToyKind())


def test_an_unknown_kind_is_a_readable_error() -> None:
    """Looking up a kind no one registered is an UnknownKind error."""
    with pytest.raises(UnknownKind, match="unknown kind 'ghost'"):
        toy.registry()["ghost"]


def test_an_exclusive_resource_excludes_every_other_holder() -> None:
    """None of a job's exclusive resources may be held in any mode."""
    locks = DependencyLocks()
    assert locks.acquire(1, deps(exclusive=("a",)))
    assert not locks.available(deps(exclusive=("a",)))
    assert not locks.available(deps(shared=("a",)))
    assert not locks.acquire(2, deps(shared=("a",)))


def test_shared_resources_have_any_number_of_sharers() -> None:
    """Shared resources are held shared by any number of sharers."""
    locks = DependencyLocks()
    assert all(locks.acquire(i, deps(shared=("a",))) for i in (1, 2, 3))
    [holding] = locks.snapshot()
    assert (holding.mode, holding.holders) == ("shared", (1, 2, 3))


def test_a_shared_resource_blocks_an_exclusive_taker() -> None:
    """An exclusive resource held shared by anyone is not free."""
    locks = DependencyLocks()
    assert locks.acquire(1, deps(shared=("a",)))
    assert not locks.acquire(2, deps(exclusive=("a",)))
    locks.release(1)
    assert locks.acquire(2, deps(exclusive=("a",)))


def test_disjoint_resources_are_held_at_once() -> None:
    """Jobs with disjoint resources run at the same time."""
    locks = DependencyLocks()
    assert locks.acquire(1, deps(("a",), ("s",)))
    assert locks.acquire(2, deps(("b",), ("s",)))
    assert [h.resource for h in locks.snapshot()] == ["a", "b", "s"]


def test_acquiring_takes_all_resources_or_none() -> None:
    """A job that cannot have every resource takes none of them."""
    locks = DependencyLocks()
    assert locks.acquire(1, deps(exclusive=("b",)))
    assert not locks.acquire(2, deps(exclusive=("a", "b"), shared=("c",)))
    assert [h.resource for h in locks.snapshot()] == ["b"]


def test_release_frees_only_the_holders_resources() -> None:
    """Releasing a job frees what it held and nothing another job holds."""
    locks = DependencyLocks()
    locks.acquire(1, deps(("a",), ("s",)))
    locks.acquire(2, deps(("b",), ("s",)))
    locks.release(1)
    held = {h.resource: h.holders for h in locks.snapshot()}
    assert held == {"b": (2,), "s": (2,)}
    locks.release(2)
    assert locks.snapshot() == []
    assert locks.available(deps(("a", "b", "s")))


def test_the_free_kinds_are_those_whose_resources_are_available() -> None:
    """Of several kinds, those that may start now, in their order."""
    locks = DependencyLocks()
    locks.acquire(1, deps(exclusive=("a",)))
    locks.acquire(2, deps(shared=("s",)))
    kinds = {
        "takes-a": deps(exclusive=("a",)),
        "shares-a": deps(shared=("a",)),
        "takes-s": deps(exclusive=("s",)),
        "shares-s": deps(shared=("s",)),
        "takes-b": deps(exclusive=("b",), shared=("s",)),
        "needs-nothing": deps(),
    }
    free = [name for name, kind_deps in kinds.items() if locks.available(kind_deps)]
    assert locks.free(kinds) == free == ["shares-s", "takes-b", "needs-nothing"]
