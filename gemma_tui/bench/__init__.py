"""`gemma-tui bench`: the runner's throughput and latency, against the limit.

In a database of its own, created for the run and dropped after it, the
bench measures on the same server:

1. the bare SQL lifecycle (claim, one log row, finish; three commits) run
   by plain clients over N imports: the rate the queue's SQL allows;
2. R runner processes draining N no-op imports enqueued at once (each
   writes one log line and a summary): imports a second from the first
   claim to the last finish, and claim-to-start, read by one import in 20;
3. idle runners given one import at a time: enqueue-to-start.
"""
