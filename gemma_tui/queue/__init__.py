"""The import queue: kinds, enqueueing, review and the runner.

This package never imports the user interface; hosts learn what a runner
does through the events it reports.
"""
