"""Which commits wait for the disk: only the one that stores an outcome.

The claim, the log lines and the job's own transaction may be lost by a
server crash: the import then runs again. The outcome may not; its commit
also flushes everything the import wrote before it.
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
    assert seen == [
        ("running", "off"),  # the claim
        ("import_logs", "off"),  # "toy warn", written by the job at once
        ("items", "off"),  # staged by the job
        ("import_logs", "off"),  # "toy warning"
        ("pending", "on"),  # the outcome
    ]
