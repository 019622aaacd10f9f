from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .querysets import AreaQuerySet

PATH_CHUNK = 10  # digits per level: area ids up to 10^10


class Area(models.Model):
    """A node of the area tree: city › district › street › community › compound › building › unit.

    ``path`` is a materialized path of fixed-width, zero-padded ids (ten digits a level), so a
    subtree is a single index range (``path >= P and path < P+1``) on SQLite and PostgreSQL
    alike, and ancestors are the prefixes of a path. Moving a node rewrites its subtree's paths
    in one UPDATE (see services.move_area). The path is set by services; it is derived, but it
    is what makes every scoped query one range scan.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        STREET = "street", _("street")
        COMMUNITY = "community", _("community")
        COMPOUND = "compound", _("compound")
        BUILDING = "building", _("building")
        UNIT = "unit", _("unit")

    LEVELS = [k.value for k in Kind]

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=40, blank=True, help_text=_("Official code, if any."))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=pgettext_lazy("area above this one", "parent"))
    path = models.CharField(max_length=120, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "path"
    # "parent" is also a relation of a resident: the change history says which one.
    history_labels = {"parent": _("parent area")}
    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_in_parent")]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id:
            parent_level = self.LEVELS.index(self.parent.kind)
            if self.LEVELS.index(self.kind) <= parent_level:
                raise ValidationError({"kind": _("A %(kind)s cannot lie inside a %(parent)s.") % {
                    "kind": self.get_kind_display(), "parent": self.parent.get_kind_display()}})

    def audit_area_path(self):
        return self.path

    @property
    def ancestor_paths(self):
        return [self.path[: i + PATH_CHUNK] for i in range(0, len(self.path), PATH_CHUNK)]

    def ancestors(self):
        return Area.objects.filter(path__in=self.ancestor_paths[:-1]).order_by("path")

    def full_name(self):
        return " › ".join(a.name for a in [*self.ancestors(), self])

    @property
    def level(self):
        return self.LEVELS.index(self.kind)
