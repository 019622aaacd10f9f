"""The dashboard's alerts panel: the first items of the same inbox as "my work"."""

from . import services


def panels(user) -> list[dict]:
    inbox = services.inbox(user, limit=5)
    if not inbox["items"]:
        return []
    return [{"template": "mywork/_dashboard.html", "order": 1, **inbox}]
