"""A server process's start-up heap, kept out of the garbage collector's way.

A worker holds about 340,000 container objects once Django, the URLconf and the API's schemas
are loaded. They live as long as the process, yet every full collection walks all of them:
about 130 ms on the 2-core machine, once every few dozen 200-scan batch uploads (a batch leaves
enough survivors behind to trigger one), landing on whichever request happens to be running.
``gc.freeze`` moves them to the permanent generation, so a full collection walks only what the
requests themselves made.
"""

import gc


def settle():
    """Load everything a request would load first (the URLconf: every router and its schemas),
    collect once, then freeze what is left. Called once per process, after start-up."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- importing the URLconf is the point
    gc.collect()
    gc.freeze()
