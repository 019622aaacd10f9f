from django.utils.translation import gettext_lazy as _

from frontline.core.registry import FrontlineApp, NavEntry


class AccountsConfig(FrontlineApp):
    name = "frontline.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    order = 10
    url_prefix = "accounts"
    api_routers = {"me": "frontline.accounts.api:router", "users": "frontline.accounts.api:users_router",
                   "roles": "frontline.accounts.roles_api:router"}
    nav = (NavEntry("accounts:roles", _("Roles"), "manage", order=90),)
