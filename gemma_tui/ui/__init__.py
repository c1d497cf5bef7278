"""The operator console: a Textual UI over the import queue.

Only this package imports Textual; the queue and the database code never
import it. Start with `gemma_tui.ui.app.ConsoleApp`.
"""
