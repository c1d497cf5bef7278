"""The import kinds: those that ship with gemma-tui, and the loader that
finds every kind, theirs and plugins', through entry points."""

from __future__ import annotations

from gemma_tui.kinds.plugins import GROUP, LoadedKinds, Provider, load_kinds

__all__ = ["GROUP", "LoadedKinds", "Provider", "load_kinds"]
