"""The main navigation, filtered by what the user may do. Each app adds its own entries here."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, action the user must hold somewhere)
NAV = [
    ("areas:tree", _("Areas"), "view"),
    ("residents:list", _("Residents"), "view"),
    ("residents:households", _("Households"), "view"),
    ("residents:import", _("Import"), "import"),
    ("residents:export", _("Export"), "export"),
    ("screening:index", _("Mass testing"), "view"),
    ("screening:result_import", _("Import lab results"), "lab"),
    ("checkpoints:gates", _("Gates"), "gate"),
    ("checkpoints:stats", _("Gate statistics"), "view"),
]


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, action in NAV:
        if not user.has_action(action):
            continue
        try:
            items.append({"url": reverse(name), "label": label, "name": name})
        except NoReverseMatch:
            continue  # the app's pages are not there yet
    return {"nav_items": items}
