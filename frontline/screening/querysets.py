"""Reads for the screening models, and their scoping.

Most records follow the one rule (``restrict`` by an area path). Two differ, and say why:
a round covers several areas and is seen by everyone whose scope overlaps it; a lab account
sees only the tubes (bags, results) sent to its own lab, inside the area its lab role is held on.
"""

from django.db.models import Exists, OuterRef, Q

from frontline.core.scoping import ScopedQuerySet, subtree_q

PATH_CHUNK = 10


def _ancestor_paths(path: str) -> list[str]:
    return [path[: i + PATH_CHUNK] for i in range(0, len(path), PATH_CHUNK)]


class AreaPathQuerySet(ScopedQuerySet):
    pass


class RoundQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Rounds whose scope overlaps the user's: an area of the round lies inside the user's
        subtree (a street officer), or the user's area lies inside an area of the round (a
        building leader, a volunteer on one compound of a community-wide round)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        paths = user.scope_paths(action)
        if not paths:
            return self.none()
        from frontline.areas.models import Area

        inside = subtree_q("path", paths)
        above = Q(path__in={a for p in paths for a in _ancestor_paths(p)})
        through = self.model.areas.through
        overlapping = through.objects.filter(round_id=OuterRef("pk")).filter(
            area_id__in=Area.objects.filter(inside | above).values("pk")
        )
        return self.filter(Exists(overlapping))

    def open(self):
        return self.filter(status="open")


class DeskQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(active=True)


class _LabScoped(ScopedQuerySet):
    """``restrict(user, "lab")``: rows sent to a lab the user belongs to, within their lab role's area."""

    lab_field = "lab"

    def restrict(self, user, action: str = "view"):
        if action != "lab":
            return super().restrict(user, action)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.exclude(**{f"{self.lab_field}__isnull": True})
        paths = user.scope_paths("lab")
        if not paths:
            return self.none()
        labs = list(user.labs.values_list("pk", flat=True))
        return self.filter(**{f"{self.lab_field}__in": labs}).filter(subtree_q(self.model.scope_path, paths))


class TubeQuerySet(_LabScoped):
    def awaiting_result(self):
        return self.filter(status__in=["sealed", "packed", "received"])

    def open(self):
        return self.filter(status="open")

    def positive(self):
        return self.filter(result="positive")


class BagQuerySet(_LabScoped):
    pass


class LabResultQuerySet(_LabScoped):
    lab_field = "tube__lab"

    def conflicts(self):
        return self.filter(conflict=True, reviewed_at__isnull=True)


class SampleQuerySet(ScopedQuerySet):
    def live(self):
        """Samples that count: not undone, and not in a tube the lab found invalid."""
        return self.filter(counts=True)

    def of_person_in_round(self, round_obj, *, resident=None, id_hash=None):
        qs = self.filter(round=round_obj, counts=True)
        if resident is not None:
            return qs.filter(resident=resident)
        return qs.filter(visitor__id_number_hash=id_hash)
