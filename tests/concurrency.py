"""Running jobs at the same instant on their own database connections, for race tests.

A race test proves nothing if its threads ran one after the other, so ``run_together`` measures
when each job ran and fails unless all of them were running at one moment (the latest start
came before the earliest end).
"""

import threading
import time

from django.db import connections


def run_together(jobs, *, timeout=60):
    """Run each job in its own thread (its own connection), released by one barrier; their results."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []
    spans = [None] * len(jobs)

    def worker(n, job):
        try:
            barrier.wait(timeout=10)
            started = time.perf_counter()
            try:
                results[n] = job()
            finally:
                spans[n] = (started, time.perf_counter())
        except Exception as exc:  # reported below, so a failure is never silent
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not errors, errors
    assert all(spans), "a job did not finish"
    latest_start, earliest_end = max(s for s, _e in spans), min(e for _s, e in spans)
    assert latest_start < earliest_end, f"the jobs did not overlap: {spans}"
    return results
