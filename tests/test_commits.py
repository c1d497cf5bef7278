"""Which commits wait for the disk: only the one that stores an outcome.

The claim, the log lines and the job's own transaction may be lost by a
server crash: the import then runs again. The outcome may not; its commit
also flushes everything the import wrote before it, and lines written in
its transaction are set down before it asks for the flush.
"""

from __future__ import annotations

from gemma_tui.db import Connection
from tests.engine import run_until_settled, submit


def test_only_the_outcome_waits_for_the_disk(dsn: str, conn: Connection) -> None:
    """Each write of an import, with its transaction's synchronous_commit."""
    conn.execute(
        "CREATE TABLE seen (n serial, what text, flush text);"
        "GRANT ALL ON seen, seen_n_seq TO PUBLIC;"
        "CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$"
        " DECLARE what text := TG_TABLE_NAME; BEGIN"
        " IF TG_TABLE_NAME = 'imports' THEN what := NEW.state; END IF;"
        " INSERT INTO seen (what, flush)"
        " VALUES (what, current_setting('synchronous_commit'));"
        " RETURN NULL; END $$;"
        "CREATE TRIGGER note AFTER UPDATE ON import.imports"
        " FOR EACH ROW EXECUTE FUNCTION note();"
        "CREATE TRIGGER note AFTER INSERT ON import.import_logs"
        " FOR EACH ROW EXECUTE FUNCTION note();"
        "CREATE TRIGGER note AFTER INSERT ON toy.items"
        " FOR EACH ROW EXECUTE FUNCTION note();"
    )
    done = submit(conn, {"action": "warn", "stage": ["x"]})
    assert run_until_settled(dsn, conn, done) == {done: "pending"}
    seen = conn.execute("SELECT what, flush FROM seen ORDER BY n").fetchall()
    assert seen[0] == ("running", "off")  # the claim
    outcome = seen.index(("pending", "on"))
    # The job's staging, and its two lines: written meanwhile, in batches
    # of their own, or with the outcome, in the transaction whose commit
    # flushes everything before it too.
    assert sorted(what for what, _ in seen[1:]) == [
        "import_logs",
        "import_logs",
        "items",
        "pending",
    ]
    assert ("items", "off") in seen
    assert all(flush == "on" for _, flush in seen[outcome:])
    assert [
        what for what, flush in seen if flush == "on" and what != "import_logs"
    ] == ["pending"]
