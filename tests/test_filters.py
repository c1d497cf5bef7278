"""The console's filter: reading its terms, and matching by them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from psycopg import sql

from gemma_tui.db import Connection
from gemma_tui.db.queries import load
from gemma_tui.kinds import load_kinds
from gemma_tui.queue.filters import BadFilter, ImportFilter, parse
from gemma_tui.queue.history import older
from gemma_tui.queue.imports import ImportRow

T = datetime(2026, 1, 1, tzinfo=UTC)


def row(
    import_id: int = 1, state: str = "pending", kind: str = "gm", user: str = "anna"
) -> ImportRow:
    return ImportRow(import_id, state, kind, user, None, T, T, T, None, None, 0, 0)


def test_terms_and_words_are_read() -> None:
    found = parse('kind:gm state:failed,PENDING user:anna id:#4,5 "two words" x')
    assert found == ImportFilter(
        states=("failed", "pending"),
        kinds=("gm",),
        users=("anna",),
        ids=(4, 5),
        words=("two words", "x"),
    )


def test_a_field_given_twice_adds_values() -> None:
    assert parse("kind:gm kind:st").kinds == ("gm", "st")


def test_an_empty_text_is_no_filter() -> None:
    assert not parse("  ")
    assert parse("  ") == ImportFilter()


def test_unknown_fields_are_words() -> None:
    assert parse("file:a.asc").words == ("file:a.asc",)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("state:done", "state:done is no state; states are queued,"),
        ("id:x1", "id:x1 is not an import id"),
        ("id:²", "is not an import id"),
        ("id:99999999999999999999", "is not an import id"),
        ("kind:", "kind: needs a value"),
        ("a b c d e", "at most 4 words, besides field:value terms"),
    ],
)
def test_bad_terms_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(BadFilter, match=says):
        parse(text)


def test_an_unbalanced_quote_reads_the_words_as_they_stand() -> None:
    assert parse('"open gm').words == ('"open', "gm")


def test_matching_needs_every_field_and_any_of_its_values() -> None:
    found = parse("state:pending,failed kind:gm")
    assert found.matches(row(state="failed"))
    assert not found.matches(row(state="queued"))
    assert not found.matches(row(kind="st"))
    assert parse("id:3").matches(row(3)) and not parse("id:3").matches(row(4))
    assert parse("user:anna").matches(row()) and not parse("user:bob").matches(row())


def test_words_match_kind_or_user_ignoring_case() -> None:
    assert parse("ANN").matches(row())
    assert parse("gm ann").matches(row())
    assert not parse("gm bob").matches(row())


def test_the_history_filters_in_the_database(conn: Connection) -> None:
    for state, kind, user, data in (
        ("accepted", "gm", "alice", '{"file": "donau_100%.asc"}'),
        ("failed", "gm", "bob", '{"file": "inn.asc"}'),
        ("failed", "st", "alice", '{"file": "donau_x.asc"}'),
        ("pending", "gm", "alice", '{"file": "donau_1x0.asc"}'),
    ):
        conn.execute(
            "INSERT INTO import.imports (state, kind, username, data)"
            " VALUES (%s, %s, %s, %s)",
            (state, kind, user, data),
        )

    def ids(text: str) -> list[int]:
        return [found.id for found in older(conn, None, 10, parse(text))]

    assert ids("") == [4, 3, 2, 1]
    assert ids("state:failed") == [3, 2]
    assert ids("state:failed,pending kind:gm") == [4, 2]
    assert ids("user:alice kind:st") == [3]
    assert ids("id:1,3") == [3, 1]
    assert ids("DONAU") == [4, 3, 1]
    assert ids("donau gm") == [4, 1]
    # LIKE's own characters are literal in a word.
    assert ids("100%") == [1]
    assert ids("1_0") == []
    assert [found.id for found in older(conn, 4, 10, parse("alice"))] == [3, 1]
    assert ids("donau gm alice 1") == [4, 1]


def test_a_rare_word_is_found_through_the_trigram_index(conn: Connection) -> None:
    """A word is a condition the trigram index answers. A table this small
    is cheaper to read whole or along its ids, so those ways are priced out
    here; with 200,000 imports the planner takes the index by itself."""
    conn.execute(
        "INSERT INTO import.imports (state, kind, username, data)"
        " SELECT 'accepted', 'gm', 'u' || n % 50,"
        " '{\"file\": \"/x/export_' || n || '.asc\"}'"
        " FROM generate_series(1, 5000) AS n;"
        "SET enable_seqscan = off; SET enable_indexscan = off"
    )
    conn.execute("ANALYZE import.imports")
    with conn.cursor() as cursor:
        cursor.execute(
            sql.SQL("EXPLAIN ") + load("console")["history_older"],
            {"before": None, "limit": 50, **parse("export_1234.").params()},
            prepare=False,
        )
        plan = "\n".join(str(line[0]) for line in cursor.fetchall())
    assert "imports_words_idx" in plan, plan
    assert [found.id for found in older(conn, None, 10, parse("export_1234."))] == [
        1234
    ]


def test_a_resource_term_matches_the_kinds_that_lock_it() -> None:
    """`res:` names a resource; it matches every kind (review kinds too)
    that locks it, shared or exclusive, and narrows as a field does."""
    kinds = load_kinds().registry
    gauges = parse("res:gauges", kinds)
    assert gauges.locking == ("gm", "gm#review", "st", "st#review")
    assert gauges.matches(row(kind="st")) and not gauges.matches(row(kind="wx"))
    assert parse("res:gauges res:waterway_axis", kinds).locking == ()
    assert parse("res:gauges,waterway_axis", kinds).locking == (
        *("gm", "gm#review", "st", "st#review", "wx", "wx#review"),
    )
    assert not parse("res:gauges res:waterway_axis", kinds).matches(row(kind="gm"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "res:gauge",
            "res:gauge is no resource; resources are gauge_measurements, gauges,"
            " waterway_axis",
        ),
        ("res:", "res: needs a value"),
    ],
)
def test_a_bad_resource_says_which_there_are(text: str, says: str) -> None:
    with pytest.raises(BadFilter, match=says):
        parse(text, load_kinds().registry)


def test_a_resource_term_needs_the_kinds() -> None:
    with pytest.raises(BadFilter, match="the kinds are not known"):
        parse("res:gauges")


def test_the_history_filters_by_resource(conn: Connection) -> None:
    for kind in ("gm", "wx", "st", "gm#review"):
        conn.execute(
            "INSERT INTO import.imports (state, kind, username, data)"
            " VALUES ('accepted', %s, 'alice', '{}')",
            (kind,),
        )
    kinds = load_kinds().registry

    def ids(text: str) -> list[int]:
        return [found.id for found in older(conn, None, 10, parse(text, kinds))]

    assert ids("res:gauges") == [4, 3, 1]
    assert ids("res:gauge_measurements kind:gm") == [1]
    assert ids("res:gauges res:waterway_axis") == []
