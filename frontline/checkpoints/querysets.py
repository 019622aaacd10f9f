from django.db.models import Q

from frontline.areas.models import PATH_CHUNK
from frontline.core.scoping import ScopedQuerySet, prefix_q
from frontline.core.validity import ValidityWindowQuerySet

__all__ = [
    "ScopedQuerySet", "GateQuerySet", "ExitPolicyQuerySet", "ExemptionQuerySet", "PassQuerySet",
    "PassageQuerySet", "ancestor_paths",
]


def ancestor_paths(path: str) -> list[str]:
    """The paths of an area and all its ancestors (fixed-width chunks)."""
    return [path[: i + PATH_CHUNK] for i in range(0, len(path), PATH_CHUNK)]


class GateQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(active=True)


class ExitPolicyQuerySet(ScopedQuerySet):
    def in_force(self, at):
        return self.filter(effective_from__lte=at).filter(Q(effective_until__isnull=True) | Q(effective_until__gt=at))

    def for_path(self, path: str, at):
        """The policy deciding for an area: the deepest ancestor (or itself) with one in force,
        and on that area the one that started last."""
        return (
            self.in_force(at).filter(area__path__in=ancestor_paths(path))
            .select_related("area").order_by("-area__depth", "-effective_from", "-id").first()
        )

    def touching_subtree(self, path: str, at):
        """Policies a gate of the compound at ``path`` may need: on its ancestors or inside it,
        in force now or starting later."""
        return self.filter(Q(area__path__in=ancestor_paths(path)) | prefix_q("area__path", path)).filter(
            Q(effective_until__isnull=True) | Q(effective_until__gt=at)
        )


class ExemptionQuerySet(ValidityWindowQuerySet):
    pass


class PassQuerySet(ValidityWindowQuerySet):
    pass


class PassageQuerySet(ScopedQuerySet):
    def in_compound(self, area):
        return self.filter(prefix_q("gate__compound__path", area.path))

    def refused(self):
        return self.filter(decision="refused", overridden_by__isnull=True)
