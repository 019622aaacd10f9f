"""Login throttling: after LOGIN_MAX_FAILURES failures for one username (from any address) or
five times as many from one address (a command post shares one address), further attempts are
refused for LOGIN_LOCK_SECONDS."""

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str):
    return [f"login-fail:user:{(username or '').lower()[:150]}", f"login-fail:addr:{address}"]


def is_locked(username: str, address: str) -> bool:
    limit = settings.LOGIN_MAX_FAILURES
    user_key, addr_key = _keys(username, address)
    return (cache.get(user_key) or 0) >= limit or (cache.get(addr_key) or 0) >= 5 * limit


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        if cache.add(key, 1, settings.LOGIN_LOCK_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_LOCK_SECONDS)


def clear(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
