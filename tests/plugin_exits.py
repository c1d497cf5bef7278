"""A plugin module that ends the process when imported."""

raise SystemExit(3)
