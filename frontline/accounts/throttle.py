"""Login throttling: after LOGIN_MAX_FAILURES failures for one username (from any address) or
five times as many from one address (a command post shares one address), further attempts are
refused for LOGIN_LOCK_SECONDS.

The failures live in the ``throttle`` cache, which every web worker shares (the database without
Redis, see settings.CACHES). Each failure claims the next free numbered slot with ``cache.add``
(an INSERT on the cache's primary key, SET NX on Redis), which is atomic across processes where a
read-then-write counter is not: two workers failing at once claim two slots and both count. A
name is locked while its ``limit``-th slot lives: LOGIN_LOCK_SECONDS after the failure that
reached the limit.
"""

from django.conf import settings
from django.core.cache import caches


def _store():
    return caches["throttle"]


def _keys(username: str, address: str):
    limit = settings.LOGIN_MAX_FAILURES
    return [(f"login-fail:user:{(username or '').lower()[:150]}", limit), (f"login-fail:addr:{address}", 5 * limit)]


def _slots(key: str, limit: int) -> list[str]:
    return [f"{key}:{n}" for n in range(1, limit + 1)]


def failures(username: str, address: str = "") -> int:
    """The failures counted now for ``username`` (for tests and the operator)."""
    key, limit = _keys(username, address)[0]
    return len(_store().get_many(_slots(key, limit)))


def is_locked(username: str, address: str) -> bool:
    store = _store()
    return any(store.get(_slots(key, limit)[-1]) is not None for key, limit in _keys(username, address))


def record_failure(username: str, address: str) -> None:
    store = _store()
    for key, limit in _keys(username, address):
        slots = _slots(key, limit)
        taken = store.get_many(slots)
        for slot in slots:
            if slot not in taken and store.add(slot, 1, settings.LOGIN_LOCK_SECONDS):
                break


def clear(username: str, address: str) -> None:
    key, limit = _keys(username, address)[0]
    _store().delete_many(_slots(key, limit))
