"""The queue's rules that need no database: clipping and retrying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

MAX_TRIES = 200
MIN_RETRY_WAIT = timedelta(seconds=5)
REVIEW_TRIES = 200
REVIEW_RETRY_WAIT = timedelta(minutes=10)


def clip_tries(tries: int | None) -> int | None:
    """Tries left below 0 or above the maximum become the maximum."""
    if tries is None:
        return None
    return MAX_TRIES if tries < 0 or tries > MAX_TRIES else tries


def clip_wait(wait: timedelta | None) -> timedelta | None:
    """A wait between retries shorter than the minimum becomes the minimum."""
    if wait is None:
        return None
    return max(wait, MIN_RETRY_WAIT)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    retry: bool
    tries_left: int | None
    level: str | None = None  # log line to write: "info" or "warn"
    message: str | None = None


def decide_retry(tries: int | None, wait: timedelta | None) -> RetryDecision:
    """What happens after a failed run, given the import's retry settings."""
    if tries is None:
        return RetryDecision(retry=wait is not None, tries_left=None)
    if tries < 1:
        return RetryDecision(False, tries, "warn", "no retries left")
    return RetryDecision(True, tries - 1, "info", "failed but will retry")
