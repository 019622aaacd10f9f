"""The main navigation, filtered by what the user may do: each app declares its entries
(``FrontlineApp.nav``)."""

from django.urls import reverse

from .registry import nav_entries


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for entry in nav_entries():
        if user.has_action(entry.action):
            items.append({"url": reverse(entry.url_name), "label": entry.label, "name": entry.url_name})
    return {"nav_items": items}
