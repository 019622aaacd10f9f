"""The main navigation, filtered by what the user may do: each app declares its entries
(``FrontlineApp.nav``). An entry marked ``badge`` shows the count of the user's open work items
(``core.work.badge_count``: every app's work sources, one indexed query for the alerts)."""

from django.urls import reverse

from .registry import nav_entries


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    badge = None
    for entry in nav_entries():
        if user.has_action(entry.action):
            item = {"url": reverse(entry.url_name), "label": entry.label, "name": entry.url_name}
            if entry.badge:
                if badge is None:
                    from .work import badge_count

                    badge = badge_count(user)
                item["badge"] = badge
            items.append(item)
    return {"nav_items": items, "work_badge": badge}
