"""`gemma-tui` on the toy kinds (tests/toy.py) instead of the installed
ones: for tests of the command line that need an import which runs as
long as they say. Run as `python -m tests.toycli ARGS…` from the checkout."""

from __future__ import annotations

import sys

from gemma_tui import cli, commands
from gemma_tui.kinds import LoadedKinds
from tests import toy


def toy_kinds() -> LoadedKinds:
    return LoadedKinds(toy.registry(), {}, ())


if __name__ == "__main__":
    # The commands look the kinds up through this name when they run.
    vars(commands)["load_kinds"] = toy_kinds
    sys.exit(cli.main(sys.argv[1:]))
