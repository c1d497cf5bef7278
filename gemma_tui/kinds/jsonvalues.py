"""Describing and checking values read from JSON input, for the parsers
whose problems quote them."""

from __future__ import annotations

import json

from gemma_tui.kinds.asc import quote
from gemma_tui.text import clean


def kind_of(data: object) -> str:
    """What a JSON value is, in words: "an object", "a number", …"""
    names = {dict: "an object", str: "a string", bool: "a boolean", list: "an array"}
    return names.get(type(data), "a number" if data is not None else "null")


def show(data: object, limit: int = 40) -> str:
    """Quotes a JSON value for a one-line message."""
    if isinstance(data, dict | list):
        return kind_of(data)  # nested data could be long or deep
    return quote(data if isinstance(data, str) else json.dumps(data), limit)


def blank(data: object) -> bool:
    return data is None or (isinstance(data, str) and not data.strip())


def storable(data: object) -> str | None:
    """Stripped text the database can store and a screen can show, or None.

    A name with control characters, escape sequences, line breaks or bidi
    overrides is not a name: it is refused rather than published.
    """
    if not isinstance(data, str) or "\x00" in data:
        return None
    try:
        data.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from an escape like \ud800
        return None
    if clean(data) != data or any(char in data for char in "\t\n"):
        return None
    return data.strip() or None
