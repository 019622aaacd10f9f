"""Roles and the actions each grants. A role is held on an area and reaches its whole subtree.

Actions used across Frontline:
  view      see records (personal data masked)
  change    create and edit records
  delete    delete records
  reveal    see an ID number or phone in full (each reveal is audited)
  import    run a ledger import
  export    download ledgers
  manage    manage accounts and roles below the area
  sample    work at a sampling desk (screening)
  lab       receive tubes and post results (screening)
  gate      work at a gate (checkpoints)
  override  override a gate refusal (checkpoints)
"""

from functools import cache

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("city administrator")
    STREET_OFFICER = "street_officer", _("street officer")
    COMMUNITY_SECRETARY = "community_secretary", _("community secretary")
    COMMUNITY_WORKER = "community_worker", _("community worker")
    GRID_WORKER = "grid_worker", _("grid worker")
    DEPLOYED_CADRE = "deployed_cadre", _("deployed cadre")
    BUILDING_LEADER = "building_leader", _("building leader")
    VOLUNTEER = "volunteer", _("volunteer")
    SAMPLER = "sampler", _("sampler (medical)")
    LAB = "lab", _("laboratory")


_ALL = {"view", "change", "delete", "reveal", "import", "export", "manage", "sample", "gate", "override"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(_ALL),
    Role.STREET_OFFICER: frozenset(_ALL),
    Role.COMMUNITY_SECRETARY: frozenset(_ALL),
    Role.COMMUNITY_WORKER: frozenset({"view", "change", "reveal", "import", "export", "sample", "gate", "override"}),
    Role.GRID_WORKER: frozenset({"view", "change", "export", "sample", "gate"}),
    Role.DEPLOYED_CADRE: frozenset({"view", "change", "sample", "gate"}),
    Role.BUILDING_LEADER: frozenset({"view"}),
    Role.VOLUNTEER: frozenset({"view", "sample", "gate"}),
    Role.SAMPLER: frozenset({"view", "sample"}),
    Role.LAB: frozenset({"lab"}),
}

# Who may grant what (accounts.services.grant_role): a holder of ``manage`` grants, inside the
# areas where they hold it, only roles ranked at or below the highest role they hold there.
ROLE_RANK: dict[str, int] = {
    Role.CITY_ADMIN: 100,
    Role.STREET_OFFICER: 80,
    Role.COMMUNITY_SECRETARY: 60,
    Role.COMMUNITY_WORKER: 40,
    Role.GRID_WORKER: 30,
    Role.DEPLOYED_CADRE: 30,
    Role.BUILDING_LEADER: 20,
    Role.VOLUNTEER: 10,
    Role.SAMPLER: 10,
    Role.LAB: 10,
}


def rank_of(role: str) -> int:
    return ROLE_RANK.get(str(role), 0)


@cache
def actions_of(role: str) -> frozenset[str]:
    """The role's actions, with those the apps add to it (``FrontlineApp.role_actions``)."""
    from frontline.core.registry import extra_role_actions

    return ROLE_ACTIONS.get(role, frozenset()) | frozenset(extra_role_actions().get(str(role), ()))
