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

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_create_cache_tables, sender=self)


def _create_cache_tables(using="default", verbosity=1, **kwargs):
    """The login throttle's table when it lives in the database (settings.CACHES["throttle"]):
    ``migrate`` creates it, so every worker shares the same counts from the first start."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))
