"""The import kinds that ship with gemma-tui."""

from __future__ import annotations

from gemma_tui.queue.kinds import Registry


def builtin_registry() -> Registry:
    """A registry holding every built-in kind."""
    from gemma_tui.kinds.gauges import GaugeMeasurements
    from gemma_tui.kinds.stations import GaugeStations

    return Registry([GaugeMeasurements(), GaugeStations()])
