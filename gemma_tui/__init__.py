"""gemma-tui: an operator console for a PostgreSQL import queue."""

__version__ = "0.1.0"
