"""Gate checkpoints (卡口): gates, exit policy, exemptions, passes, passages, visitors, vehicles,
venue-code scans, and the small seam the assistance app builds on (errand requests); home isolation is the
isolation app's (frontline.isolation.status.is_isolated).

Every passage row is itself the log of a gate decision: it names the rule that decided, the
staff member and the reason; overrides add the supervisor and their reason beside it.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.core import phones
from frontline.core.personal import EncryptedField, LookupHashField
from frontline.core.validity import ValidityWindow

from .querysets import (
    ExemptionQuerySet,
    ExitPolicyQuerySet,
    GateQuerySet,
    PassageQuerySet,
    PassQuerySet,
    ScopedQuerySet,
)


class Gate(models.Model):
    """A gate (门岗 / 卡口) of a compound. Without opening hours it is open day and night."""

    compound = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="gates", verbose_name=_("compound"),
        limit_choices_to={"kind": "compound"},
    )
    name = models.CharField(_("name"), max_length=60)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "compound__path"
    objects = GateQuerySet.as_manager()

    class Meta:
        ordering = ["compound__path", "name"]
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="gate_unique_name")]
        verbose_name = _("gate")
        verbose_name_plural = _("gates")

    def __str__(self):
        return f"{self.compound.name} · {self.name}"

    def clean(self):
        if self.compound_id and self.compound.kind != "compound":
            raise ValidationError({"compound": _("A gate belongs to a compound.")})
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValidationError(_("Give both the opening and the closing time, or neither."))
        if self.opens_at is not None and self.opens_at == self.closes_at:
            raise ValidationError(_("Opening and closing time are the same; leave both empty for a gate open day and night."))

    def audit_area_path(self):
        return self.compound.path

    def is_open(self, at: datetime.datetime) -> bool:
        if self.opens_at is None:
            return True
        t = timezone.localtime(at).time()
        if self.opens_at < self.closes_at:
            return self.opens_at <= t < self.closes_at
        return t >= self.opens_at or t < self.closes_at  # open over midnight


class Venue(models.Model):
    """A place with a venue code (场所码): a gate, a shop, a clinic. People scan its poster."""

    class Kind(models.TextChoices):
        GATE = "gate", _("gate")
        SHOP = "shop", _("shop")
        OTHER = "other", _("other place")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="venues", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHOP)
    gate = models.OneToOneField(Gate, null=True, blank=True, on_delete=models.CASCADE, related_name="venue")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self):
        return self.name

    def audit_area_path(self):
        return self.area.path


class VenueScan(models.Model):
    """One check-in: a person scanned a venue code (or was registered at a gate).

    ``person_hash`` is the keyed hash of the person's ID number (or phone when there is none), so
    a scan is found by person without plaintext. The (venue, scanned_at) index makes "everyone at
    this venue within ±N minutes" one index range; (person_hash, scanned_at) finds a person's scans.
    """

    class Source(models.TextChoices):
        APP = "app", _("venue-code app")
        GATE = "gate", _("gate registration")

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="scans", db_index=False)
    person_hash = models.CharField(max_length=40)
    resident = models.ForeignKey(
        "residents.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    client_time = models.DateTimeField(null=True, blank=True)
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.APP)

    scope_path = "venue__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["venue", "scanned_at"], name="venuescan_venue_time"),
            models.Index(fields=["person_hash", "scanned_at"], name="venuescan_person_time"),
        ]
        verbose_name = _("venue scan")
        verbose_name_plural = _("venue scans")

    def __str__(self):
        return f"{self.venue_id} {self.scanned_at:%Y-%m-%d %H:%M}"


class ExitPolicy(models.Model):
    """How residents of an area may leave, from ``effective_from`` until ``effective_until``.

    The deepest area with a policy in force decides (a sealed building inside a controlled
    compound is sealed). A controlled policy lets ``quota_people`` different people of a household
    out per period of ``quota_days`` days; periods start on the policy's first day.
    """

    class Mode(models.TextChoices):
        NORMAL = "normal", _("normal")
        CONTROLLED = "controlled", _("controlled (household quota)")
        SEALED = "sealed", _("sealed (no exit except exemptions)")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="exit_policies", verbose_name=_("area"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    quota_people = models.PositiveSmallIntegerField(_("people per household"), null=True, blank=True)
    quota_days = models.PositiveSmallIntegerField(_("per number of days"), null=True, blank=True)
    effective_from = models.DateTimeField(_("in force from"))
    effective_until = models.DateTimeField(_("in force until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area__path"
    objects = ExitPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["area__path", "-effective_from"]
        indexes = [models.Index(fields=["area", "effective_from"])]
        verbose_name = _("exit policy")
        verbose_name_plural = _("exit policies")

    def __str__(self):
        return f"{self.area.name}: {self.describe()}"

    def describe(self) -> str:
        if self.mode == self.Mode.CONTROLLED:
            return _("controlled: %(n)s per household every %(d)s days") % {"n": self.quota_people, "d": self.quota_days}
        return str(self.get_mode_display())

    def clean(self):
        if self.mode == self.Mode.CONTROLLED:
            if not self.quota_people or not self.quota_days:
                raise ValidationError(_("A controlled policy needs a quota: how many people per how many days."))
        else:
            self.quota_people = self.quota_days = None
        if self.effective_until and self.effective_from and self.effective_until <= self.effective_from:
            raise ValidationError({"effective_until": _("The end must come after the start.")})
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Give the reason (e.g. the notice that ordered it).")})

    def audit_area_path(self):
        return self.area.path

    def period_start(self, at: datetime.datetime) -> datetime.date:
        """The first day of the quota period that ``at`` falls in."""
        first = timezone.localtime(self.effective_from).date()
        day = timezone.localtime(at).date()
        return first + datetime.timedelta(days=((day - first).days // self.quota_days) * self.quota_days)


class HouseholdQuota(models.Model):
    """Who of a household has gone out under a controlled policy in one period.

    This row is what two gates contend for when both would let out the last person of the quota
    at the same instant: written back only if unchanged since read (PostgreSQL), or locked.
    """

    household = models.ForeignKey("residents.Household", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(ExitPolicy, on_delete=models.CASCADE, related_name="quotas")
    period_start = models.DateField()
    people = models.JSONField(default=list, help_text="ids of the residents who used the quota")

    scope_path = "household__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "policy", "period_start"], name="household_quota_unique")
        ]

    def __str__(self):
        return f"{self.household_id}/{self.policy_id}/{self.period_start}: {self.people}"


class Exemption(ValidityWindow):
    """A resident's own permission to leave despite the policy; never passed to relatives."""

    class Kind(models.TextChoices):
        EXAM = "exam", _("exam candidate (admission ticket)")
        MEDICAL = "medical", _("medical visit")
        ESSENTIAL = "essential", _("essential worker")
        EMERGENCY = "emergency", _("emergency (ambulance)")

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="exemptions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    evidence = models.CharField(_("evidence"), max_length=200, help_text=_("E.g. the admission ticket number, the hospital appointment."))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "resident__household__area__path"
    objects = ExemptionQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        indexes = [models.Index(fields=["resident", "valid_until"])]
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")

    def __str__(self):
        return f"{self.resident} · {self.get_kind_display()}"

    def clean(self):
        if not (self.evidence or "").strip():
            raise ValidationError({"evidence": _("Record the evidence (ticket number, appointment, work permit).")})
        super().clean()

    def audit_area_path(self):
        return self.resident.household.area.path


class Pass(ValidityWindow):
    """A household's paper pass (出入证) with a signed QR, for people without a smartphone."""

    household = models.ForeignKey("residents.Household", on_delete=models.PROTECT, related_name="passes")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    scope_path = "household__area__path"
    objects = PassQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("pass")
        verbose_name_plural = _("passes")

    def __str__(self):
        return f"{self.number} · {self.household}"

    @property
    def number(self) -> str:
        return f"P{self.pk:06d}" if self.pk else "P—"

    def audit_area_path(self):
        return self.household.area.path


class ErrandRequest(models.Model):
    """Something staff will fetch for a resident who may not go out (跑腿 / 代买).

    A seam: the assistance app builds the full request workflow on these rows.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="errand_requests")
    what = models.CharField(_("what is needed"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    passage = models.ForeignKey("Passage", null=True, blank=True, on_delete=models.SET_NULL, related_name="errands")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    client_id = models.UUIDField(null=True, blank=True, unique=True)

    scope_path = "resident__household__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("errand request")
        verbose_name_plural = _("errand requests")

    def __str__(self):
        return f"{self.resident}: {self.what}"

    def audit_area_path(self):
        return self.resident.household.area.path


class Visitor(models.Model):
    """Someone who does not live in the compound: a visitor or a delivery, with a host household."""

    class Kind(models.TextChoices):
        VISITOR = "visitor", _("visitor")
        DELIVERY = "delivery", _("delivery")

    compound = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VISITOR)
    name = models.CharField(_("name"), max_length=60)
    phone = EncryptedField(_("phone"), blank=True)
    phone_hash = LookupHashField(source="phone", kind="phone")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    host_household = models.ForeignKey(
        "residents.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("host household")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    personal_fields = ("phone",)
    audit_exclude = ("phone_hash",)
    scope_path = "compound__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self):
        return self.name

    @property
    def phone_masked(self):
        return phones.mask(self.phone)

    def audit_area_path(self):
        return self.compound.path


class Passage(models.Model):
    """One person at a gate, in or out, and what was decided: the log of the gate.

    ``at`` is the server's time and decides; ``client_time`` is the phone's, kept beside it.
    ``decided_offline`` marks a decision the gate made from its last synced state while the
    server was out of reach; ``needs_review`` marks those where the server would have decided
    otherwise (``server_rule``).
    """

    class Direction(models.TextChoices):
        OUT = "out", _("out")
        IN = "in", _("in")

    class Decision(models.TextChoices):
        ALLOWED = "allowed", _("allowed")
        REFUSED = "refused", _("refused")

    class HealthCode(models.TextChoices):
        GREEN = "green", _("green")
        YELLOW = "yellow", _("yellow")
        RED = "red", _("red")
        NONE = "", _("not shown")

    class Method(models.TextChoices):
        RESIDENT_QR = "resident_qr", _("resident QR")
        PASS_QR = "pass_qr", _("paper pass QR")
        ID_NUMBER = "id_number", _("ID number")
        PHONE = "phone", _("phone")
        NAME = "name", _("name")
        VISITOR = "visitor", _("visitor registration")
        NONE = "", _("not identified")

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="passages", db_index=False)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    client_time = models.DateTimeField(_("time on the phone"), null=True, blank=True)
    method = models.CharField(_("identified by"), max_length=12, choices=Method.choices, blank=True)
    resident = models.ForeignKey(
        "residents.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="passages", db_index=False
    )
    household = models.ForeignKey(
        "residents.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="passages", db_index=False
    )
    visitor = models.ForeignKey(Visitor, null=True, blank=True, on_delete=models.PROTECT, related_name="passages")
    gate_pass = models.ForeignKey(Pass, null=True, blank=True, on_delete=models.PROTECT, related_name="passages")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    health_code = models.CharField(_("health code"), max_length=6, choices=HealthCode.choices, blank=True)
    travel_risk = models.BooleanField(_("travel-card risk"), default=False)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1, null=True, blank=True)
    first_temperature = models.DecimalField(_("first reading"), max_digits=3, decimal_places=1, null=True, blank=True)
    retest_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retests")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    rule = models.CharField(_("rule"), max_length=30)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.CharField(_("override reason"), max_length=300, blank=True)
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    decided_offline = models.BooleanField(_("decided offline"), default=False)
    needs_review = models.BooleanField(_("needs review"), default=False)
    server_rule = models.CharField(max_length=30, blank=True)
    # Someone at the gate (or a supervisor) has looked at a passage that needs review.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    db_index=False, db_constraint=False)

    scope_path = "gate__compound__path"
    objects = PassageQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["gate", "at"], name="passage_gate_time"),
            models.Index(fields=["household", "at"], name="passage_household_time"),
            models.Index(fields=["resident", "at"], name="passage_resident_time"),
        ]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")

    def __str__(self):
        who = self.resident or self.visitor or "?"
        return f"{self.at:%Y-%m-%d %H:%M} {self.direction} {who} {self.decision}/{self.rule}"

    def audit_area_path(self):
        return self.gate.compound.path

    @property
    def effective_decision(self) -> str:
        return self.Decision.ALLOWED if self.overridden_by_id else self.decision


class ResidentPresence(models.Model):
    """Whether a resident is out now, per their last allowed passage; kept by the passage service
    so the live view reads one row per resident instead of scanning passages."""

    resident = models.OneToOneField("residents.Resident", primary_key=True, on_delete=models.CASCADE, related_name="presence")
    household = models.ForeignKey("residents.Household", on_delete=models.CASCADE, related_name="+")
    is_out = models.BooleanField(default=False)
    since = models.DateTimeField()
    gate = models.ForeignKey(Gate, null=True, on_delete=models.SET_NULL, related_name="+")

    scope_path = "household__area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["household", "is_out"])]

    def __str__(self):
        return f"{self.resident_id} {'out' if self.is_out else 'in'} since {self.since:%Y-%m-%d %H:%M}"


class VehiclePassage(models.Model):
    """A vehicle at a gate (管好车): plate, driver, purpose."""

    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="vehicle_passages")
    direction = models.CharField(_("direction"), max_length=3, choices=Passage.Direction.choices)
    plate = models.CharField(_("plate"), max_length=12, db_index=True)
    driver = models.CharField(_("driver"), max_length=60, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    decision = models.CharField(_("decision"), max_length=8, choices=Passage.Decision.choices, default=Passage.Decision.ALLOWED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    client_time = models.DateTimeField(null=True, blank=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    decided_offline = models.BooleanField(default=False)

    scope_path = "gate__compound__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["gate", "at"], name="vehicle_gate_time")]
        verbose_name = _("vehicle passage")
        verbose_name_plural = _("vehicle passages")

    def __str__(self):
        return f"{self.plate} {self.direction} {self.at:%Y-%m-%d %H:%M}"

    def audit_area_path(self):
        return self.gate.compound.path
