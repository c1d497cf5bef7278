"""Named SQL queries, loaded once from the `.sql` files beside this module.

A file holds queries separated by `-- name: NAME` lines. This module is the
one place where SQL text enters Python; everything else asks for a query by
name. Identifiers (role names), and numbers where a query cannot take
parameters, are composed with `psycopg.sql`, never formatted into the text.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from psycopg import sql

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


class Queries:
    """The queries of one `.sql` file, by name."""

    def __init__(self, text: str) -> None:
        # Made once: a runner asks for some of them for every import.
        self._queries = {name: sql.SQL(query) for name, query in _split(text).items()}

    def __getitem__(self, name: str) -> sql.SQL:
        return self._queries[name]

    def with_identifiers(self, name: str, **identifiers: str) -> sql.Composed:
        """The query with `{placeholder}`s filled by quoted identifiers."""
        quoted = {key: sql.Identifier(value) for key, value in identifiers.items()}
        return self[name].format(**quoted)

    def with_numbers(self, name: str, **values: int) -> sql.Composed:
        """The query with `{placeholder}`s filled by integers, for the
        simple query protocol, which takes no parameters. Only numbers:
        text never enters a query but as a parameter or an identifier."""
        numbers = {key: sql.Literal(int(value)) for key, value in values.items()}
        return self[name].format(**numbers)

    def names(self) -> list[str]:
        return sorted(self._queries)


@cache
def load(name: str, package: str = "gemma_tui.db.sql") -> Queries:
    """The queries of `<package>/<name>.sql`."""
    text = resources.files(package).joinpath(f"{name}.sql").read_text("utf-8")
    return Queries(text)


def _split(text: str) -> dict[str, str]:
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        queries[name] = _strip_comments(body)
    return queries


def _strip_comments(body: str) -> str:
    lines = [line for line in body.splitlines() if not line.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")
