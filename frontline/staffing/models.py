"""Deployed staff and duty (issue 11): sending units (派出单位), staff members, deployment batches
(第N批) and check-in (报到), pairing of a unit with compounds (包联), posts with their needs per
weekday time slot, dated unavailability, rosters made by the solver and their shifts.

Every record is scoped by an area path (DESIGN.md §5): a unit, a member, a batch and a roster by
their community, a pairing by its compound, a post by its area, the rest through these.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frontline.core.personal import EncryptedField, LookupHashField, PhoneTailField, mask_phone

from .querysets import ScopedQuerySet, ShiftQuerySet

SKILLS = (
    ("driver", _("driver with car")),
    ("medical", _("medical")),
    ("language", _("language")),
    ("first_aid", _("first aid")),
)
SKILL_CODES = tuple(code for code, _label in SKILLS)


class SendingUnit(models.Model):
    """A sending unit (派出单位) whose people serve in the communities below ``area``."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        STREET = "street", _("street")
        ENTERPRISE = "enterprise", _("enterprise")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("serves in"))
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.CITY)
    contact = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = EncryptedField(_("contact phone"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area__path"
    personal_fields = ("contact_phone",)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="sendingunit_unique_name")]
        verbose_name = _("sending unit")
        verbose_name_plural = _("sending units")

    def __str__(self):
        return self.name

    def audit_area_path(self):
        return self.area.path

    @property
    def contact_phone_masked(self):
        return mask_phone(self.contact_phone)


class StaffMember(models.Model):
    """A person on duty: a deployed cadre, a community or grid worker, a volunteer, medical staff,
    police or property staff. ``area`` is the community they serve (moved by a check-in); the
    phone is encrypted and shown masked; the login is optional."""

    class Kind(models.TextChoices):
        CADRE = "cadre", _("deployed cadre")
        COMMUNITY_WORKER = "community_worker", _("community worker")
        GRID_WORKER = "grid_worker", _("grid worker")
        VOLUNTEER = "volunteer", _("volunteer")
        MEDICAL = "medical", _("medical")
        POLICE = "police", _("police")
        PROPERTY = "property", _("property staff")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CADRE)
    unit = models.ForeignKey(SendingUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members",
                             verbose_name=_("sending unit"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="staff_member", verbose_name=_("login"))
    phone = EncryptedField(_("phone"), blank=True)
    phone_hash = LookupHashField(source="phone", kind="phone")
    phone_tail = PhoneTailField(source="phone")
    skills = models.JSONField(_("skills"), default=list, blank=True)
    home_area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("home area"))
    home_address = models.CharField(_("home address"), max_length=200, blank=True)
    wish_post = models.ForeignKey("Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("wished post"))
    notes = models.TextField(_("notes"), blank=True)
    calendar_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area__path"
    personal_fields = ("phone",)
    audit_exclude = ("phone_hash", "phone_tail", "calendar_token")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "name", "pk"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self):
        return self.name

    def audit_area_path(self):
        return self.area.path

    @property
    def phone_masked(self):
        return mask_phone(self.phone)

    def clean(self):
        unknown = [s for s in self.skills or () if s not in SKILL_CODES]
        if unknown:
            raise ValidationError({"skills": _("Unknown skill: %(s)s.") % {"s": ", ".join(map(str, unknown))}})

    def skill_labels(self):
        labels = dict(SKILLS)
        return [str(labels.get(s, s)) for s in self.skills or ()]

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class DeploymentBatch(models.Model):
    """第N批: the people a sending unit sends to a community on a date."""

    unit = models.ForeignKey(SendingUnit, on_delete=models.PROTECT, related_name="batches", verbose_name=_("sending unit"))
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"),
                                  limit_choices_to={"kind": "community"})
    number = models.PositiveSmallIntegerField(_("batch number"))
    arrival_date = models.DateField(_("arrival date"))
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "community__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["community__path", "unit__name", "number"]
        constraints = [models.UniqueConstraint(fields=["unit", "community", "number"], name="batch_unique_number")]
        verbose_name = _("deployment batch")
        verbose_name_plural = _("deployment batches")

    def __str__(self):
        return _("%(unit)s, batch %(n)s") % {"unit": self.unit.name, "n": self.number}

    def audit_area_path(self):
        return self.community.path


class CheckIn(models.Model):
    """报到: a member reports to a community (received by someone, at a time); released at the
    end of deployment. A member holds at most one open check-in."""

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("staff member"))
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    batch = models.ForeignKey(DeploymentBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins",
                              verbose_name=_("batch"))
    checked_in_at = models.DateTimeField(_("checked in at"))
    received_by = models.CharField(_("received by"), max_length=60)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("release reason"), max_length=300, blank=True)

    scope_path = "community__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_in_at"]
        constraints = [models.UniqueConstraint(fields=["member"], condition=Q(released_at__isnull=True),
                                               name="checkin_one_open_per_member")]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self):
        return f"{self.member.name} {self.checked_in_at:%Y-%m-%d %H:%M}"

    def audit_area_path(self):
        return self.community.path


class Pairing(models.Model):
    """包联: a sending unit responsible for a compound, from a date (until a date)."""

    unit = models.ForeignKey(SendingUnit, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("sending unit"))
    compound = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound"),
                                 limit_choices_to={"kind": "compound"})
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    scope_path = "compound__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["compound__path", "starts_on"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")

    def __str__(self):
        return f"{self.unit.name} · {self.compound.name}"

    def audit_area_path(self):
        return self.compound.path

    def clean(self):
        if self.compound_id and self.compound.kind != "compound":
            raise ValidationError({"compound": _("A unit is paired with a compound.")})
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The pairing ends before it starts.")})


class Post(models.Model):
    """A post people stand: a gate (optionally the checkpoints gate), a sampling site, a service
    team, a patrol or other; its needs say how many people it takes when."""

    class Kind(models.TextChoices):
        GATE = "gate", _("gate")
        SAMPLING = "sampling", _("sampling site")
        SERVICE = "service", _("service team")
        PATROL = "patrol", _("patrol")
        OTHER = "other", _("other")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GATE)
    gate = models.ForeignKey("checkpoints.Gate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("gate"))
    active = models.BooleanField(_("in use"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_path = "area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="post_unique_name")]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self):
        return self.name

    def audit_area_path(self):
        return self.area.path

    def clean(self):
        if self.gate_id and self.area_id and not self.gate.compound.path.startswith(self.area.path):
            raise ValidationError({"gate": _("The gate lies outside the post's area.")})


WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]


class Need(models.Model):
    """How many people a post needs in a time slot (a shift template): on one weekday, or every
    day when ``weekday`` is empty; ``end`` at or before ``start`` runs over midnight (16:00-00:00).
    ``skill_people`` of them must have ``skill``."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="needs", verbose_name=_("post"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), null=True, blank=True, choices=WEEKDAYS)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    people = models.PositiveSmallIntegerField(_("people"), default=1)
    skill = models.CharField(_("skill required"), max_length=20, blank=True, choices=SKILLS)
    skill_people = models.PositiveSmallIntegerField(_("with the skill"), default=0)

    scope_path = "post__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["post", "weekday", "start"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self):
        day = dict(WEEKDAYS).get(self.weekday, _("every day"))
        return f"{self.post.name} {day} {self.start:%H:%M}-{self.end:%H:%M} × {self.people}"

    def audit_area_path(self):
        return self.post.area.path

    @property
    def minutes(self) -> int:
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return end - start if end > start else end + 24 * 60 - start

    def interval_on(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        start = datetime.datetime.combine(day, self.start)
        return start, start + datetime.timedelta(minutes=self.minutes)

    def applies_on(self, day: datetime.date) -> bool:
        return self.weekday is None or self.weekday == day.weekday()

    def clean(self):
        if self.people < 1:
            raise ValidationError({"people": _("A need takes at least one person.")})
        if self.skill_people > self.people:
            raise ValidationError({"skill_people": _("More people with the skill than people in the slot.")})
        if self.skill and not self.skill_people:
            self.skill_people = 1
        if self.skill_people and not self.skill:
            raise ValidationError({"skill": _("Name the skill the people must have.")})
        if self.post_id:
            others = Need.objects.filter(post_id=self.post_id).exclude(pk=self.pk)
            for other in others:
                if self.overlaps(other):
                    raise ValidationError(_("This slot overlaps another slot of the post (%(other)s).") % {
                        "other": f"{other.start:%H:%M}-{other.end:%H:%M}"})

    def overlaps(self, other: "Need") -> bool:
        """Two templates of one post overlap when some day has both running at the same time."""
        monday = datetime.date(2024, 1, 1)  # a Monday
        for offset in range(8):
            a_day = monday + datetime.timedelta(days=offset)
            for b_offset in (offset - 1, offset, offset + 1):
                b_day = monday + datetime.timedelta(days=b_offset)
                if not (self.applies_on(a_day) and other.applies_on(b_day)):
                    continue
                a0, a1 = self.interval_on(a_day)
                b0, b1 = other.interval_on(b_day)
                if a0 < b1 and b0 < a1:
                    return True
        return False


class Unavailability(models.Model):
    """Dates a member cannot serve (sick, leave, isolation...), with the reason."""

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="unavailable", verbose_name=_("staff member"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)

    scope_path = "member__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("unavailability")
        verbose_name_plural = _("unavailabilities")

    def __str__(self):
        return f"{self.member.name} {self.starts_on}–{self.ends_on}"

    def audit_area_path(self):
        return self.member.area.path

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end is before the start.")})


class Roster(models.Model):
    """A roster of a community for a period (a week by default), made by the solver, edited by
    hand, published. Keeps what the solver said: status, objective by goal, gap, holes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    max_night_shifts = models.PositiveSmallIntegerField(_("night shifts per person at most"), default=3)
    time_limit = models.PositiveSmallIntegerField(_("solver time limit (s)"), default=10)
    solver_status = models.CharField(max_length=20, blank=True)
    objective = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    breakdown = models.JSONField(default=dict, blank=True)
    holes = models.JSONField(default=list, blank=True)
    conflicting_rules = models.JSONField(default=list, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    scope_path = "area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")

    def __str__(self):
        return f"{self.area.name} {self.starts_on}–{self.ends_on}"

    def audit_area_path(self):
        return self.area.path

    def days(self) -> list[datetime.date]:
        n = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + datetime.timedelta(days=i) for i in range(max(0, n))]

    def clean(self):
        if self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end is before the start.")})
        if (self.ends_on - self.starts_on).days > 30:
            raise ValidationError({"ends_on": _("A roster covers at most 31 days.")})


class Shift(models.Model):
    """One seat of a need on a date: a post, a time, the member standing it (empty: a hole).
    ``reason`` is required when a hand edit breaks a hard rule."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shifts")
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    seat = models.PositiveSmallIntegerField(default=0)
    member = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts",
                               verbose_name=_("staff member"))
    edited = models.BooleanField(default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    scope_path = "roster__area__path"
    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "post__name", "seat"]
        indexes = [models.Index(fields=["member", "starts_at"], name="shift_member_time")]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")

    def __str__(self):
        return f"{self.post.name} {self.starts_at:%m-%d %H:%M} {self.member.name if self.member else '—'}"

    def audit_area_path(self):
        return self.roster.area.path


class Handover(models.Model):
    """交接班: the outgoing person of a shift writes notes and open items; the incoming person
    (the next shift at the same post) confirms. Open items carry forward until closed."""

    shift = models.OneToOneField(Shift, on_delete=models.CASCADE, related_name="handover", verbose_name=_("shift"))
    notes = models.TextField(_("notes"), blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    written_at = models.DateTimeField(_("written at"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    scope_path = "shift__roster__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-written_at"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")

    def __str__(self):
        return f"{self.shift.post.name} {self.written_at:%m-%d %H:%M}"

    def audit_area_path(self):
        return self.shift.roster.area.path


class OpenItem(models.Model):
    """An open item of a post ("taxi driver returns ~23:00"), carried from handover to handover
    until someone closes it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="open_items")
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("open item"), max_length=300)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_path = "post__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("open item")
        verbose_name_plural = _("open items")

    def __str__(self):
        return self.text

    def audit_area_path(self):
        return self.post.area.path
