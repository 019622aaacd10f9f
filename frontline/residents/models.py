import datetime

from django.db import models
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.core import idnumber
from frontline.core.personal import PersonalIdentity

from .querysets import HouseholdQuerySet, ResidentQuerySet, ResidentRowQuerySet


def room_order(prefix: str = "") -> list:
    """Rooms in the order people count them: 101, 102, …, 1001 (shorter numbers first, then as
    text), not as text alone (1001 before 101). ``prefix`` reaches the room through a relation
    (``"household__"``)."""
    return [Length(f"{prefix}room"), f"{prefix}room"]


class Household(models.Model):
    """A dwelling (户) in a unit, building or bungalow compound: room number and floor."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="households", verbose_name=_("area"))
    room = models.CharField(_("room"), max_length=30)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "area__path"
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "room"]
        constraints = [models.UniqueConstraint(fields=["area", "room"], name="household_unique_room")]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """"3号楼 1单元 101": a household in a unit names its building too, so two households of
        one compound never read the same (select ``area__parent`` with lists of them)."""
        area = self.area
        if area.kind == "unit" and area.parent_id:
            return f"{area.parent.name} {area.name} {self.room}"
        return f"{area.name} {self.room}"

    def audit_area_path(self):
        return self.area.path

    def head(self):
        return self.residents.filter(relation=Resident.Relation.HEAD).first()


class Resident(PersonalIdentity):
    """A person in the ledger. ID number and phone are encrypted at rest (DESIGN.md §6);
    sex and birth date are derived from the ID number when there is one."""

    class Relation(models.TextChoices):
        HEAD = "head", _("household head")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        SIBLING = "sibling", _("sibling")
        TENANT = "tenant", _("tenant")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        AWAY = "away", _("away")
        MOVED_OUT = "moved_out", _("moved out")
        DECEASED = "deceased", _("deceased")

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household"))
    name = models.CharField(_("name"), max_length=60, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    relation = models.CharField(_("relation to head"), max_length=12, choices=Relation.choices, default=Relation.OTHER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PRESENT, db_index=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = (*PersonalIdentity.audit_exclude, "created_at", "updated_at")
    audit_extra = ("tag_list",)
    history_labels = {"tag_list": _("special groups")}
    scope_path = "household__area__path"
    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["household_id", "id"]
        indexes = [models.Index(fields=["household", "status"])]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self):
        return self.name

    def audit_area_path(self):
        return self.household.area.path

    def age(self, on: datetime.date | None = None):
        if not self.birth_date:
            return None
        on = on or timezone.localdate()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    def tag_list(self):
        return sorted(t.tag for t in self.tags.all())

    def derive_from_id_number(self):
        """Set sex and birth date from the ID number (kept plaintext: needed for age filters)."""
        if self.id_number:
            parsed = idnumber.parse(self.id_number)
            self.id_number, self.sex, self.birth_date = parsed.number, parsed.sex, parsed.birth_date


class ResidentTag(models.Model):
    """Membership of a special group, e.g. pregnant with a due date, or on dialysis.

    ``area_path`` copies the path of the resident's area (as NameKey does): a group filter inside
    a subtree is then one index range instead of every member in the city. Services keep it
    (services.sync_area_paths), and area moves rewrite it with the area's own path.
    """

    class Tag(models.TextChoices):
        ELDERLY_ALONE = "elderly_alone", _("elderly living alone (60+)")
        PREGNANT = "pregnant", _("pregnant")
        INFANT = "infant", _("infant under 3")
        DISABLED = "disabled", _("disabled")
        CHRONIC = "chronic", _("chronic illness needing regular treatment")
        BEDRIDDEN = "bedridden", _("bedridden")
        MIGRANT_TENANT = "migrant_tenant", _("migrant tenant")
        HARDSHIP = "hardship", _("hardship family")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("group"), max_length=20, choices=Tag.choices)
    date = models.DateField(_("date"), null=True, blank=True, help_text=_("Due date for a pregnancy; next treatment for dialysis."))
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    area_path = models.CharField(max_length=120, editable=False, default="")

    scope_path = "area_path"
    objects = ResidentRowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "resident"], name="resident_tag_unique")]
        # A group inside a subtree is one range of this index, in the ledger's area order.
        indexes = [models.Index(fields=["tag", "area_path", "resident"], name="resident_tag_path")]
        verbose_name = _("special group")
        verbose_name_plural = _("special groups")

    def __str__(self):
        return self.get_tag_display()


class NameKey(models.Model):
    """Search keys of a resident's name: the name itself, full pinyin and initials for every
    reading of the surname. Rebuilt by services whenever the name changes."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=80)
    area_path = models.CharField(max_length=120, editable=False, default="")

    scope_path = "area_path"
    objects = ResidentRowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "key"], name="name_key_unique")]
        # A key prefix is a range of this index; the path and resident are read from it too, so
        # a search inside a subtree never visits the table. On PostgreSQL the key column uses the
        # pattern operator class, which serves LIKE 'prefix%' whatever the database collation.
        indexes = [models.Index(fields=["key", "area_path", "resident"], name="name_key_path",
                                opclasses=["varchar_pattern_ops", "", ""])]

    def __str__(self):
        return self.key

