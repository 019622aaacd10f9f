"""Mass nucleic-acid testing: rounds, sites and desks, pooled tubes, samples, bags, lab results,
and what a positive pool sets off (retest list, temporary-control flags, alerts in the core inbox).

Scoping (DESIGN.md §5): every record carries the area path it belongs to. Tubes, samples and
bags belong to the sampling site where they were taken (``area_path``, copied when created so a
scoped list is one index range); retest items, control flags, exemptions and home-sampling
tasks belong to the resident's household area. Rounds cover several areas and are seen by anyone
whose scope overlaps them (see querysets.RoundQuerySet).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Area
from frontline.core import lean
from frontline.core.personal import PersonalIdentity

from .querysets import (
    AreaPathQuerySet,
    BagQuerySet,
    DeskQuerySet,
    LabResultQuerySet,
    RoundQuerySet,
    SampleQuerySet,
    TubeQuerySet,
)

HOUSEHOLD_TUBE_MAX = 20
BAG_MAX_TUBES = 20


class Round(models.Model):
    """A testing round (轮次): which areas, when, and how many swabs go into one tube.

    The target population is every resident present in the scope areas, minus the round's
    exemptions. ``pooling`` decides a tube's capacity: 1, 5, 10 or 20 people, or one tube per
    household (for sealed compounds, where a household is swabbed at its door).
    """

    class Pooling(models.TextChoices):
        SINGLE = "1", _("single tube")
        FIVE = "5", _("5-in-1")
        TEN = "10", _("10-in-1")
        TWENTY = "20", _("20-in-1")
        HOUSEHOLD = "household", _("one tube per household")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=100)
    areas = models.ManyToManyField("areas.Area", related_name="screening_rounds", verbose_name=_("areas in scope"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    pooling = models.CharField(_("pooling"), max_length=10, choices=Pooling.choices, default=Pooling.TEN)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="round_window_ordered")]
        verbose_name = _("testing round")
        verbose_name_plural = _("testing rounds")

    def __str__(self):
        return self.name

    @property
    def tube_capacity(self) -> int:
        """Swabs per tube; a household tube may hold up to HOUSEHOLD_TUBE_MAX until it learns its household."""
        if self.pooling == self.Pooling.HOUSEHOLD:
            return HOUSEHOLD_TUBE_MAX
        return int(self.pooling)

    def scope_paths(self) -> list[str]:
        cache = self.__dict__.setdefault("_scope_paths", None)
        if cache is None:
            # Hand-written: every desk scan asks whether the person lives in the round's areas.
            through = Round.areas.through
            rows = lean.select(
                f"SELECT a.{lean.column(Area, 'path')} FROM {lean.table(Area)} a JOIN {lean.table(through)} t "
                f"ON t.{lean.column(through, 'area')} = a.{lean.column(Area, 'id')} WHERE t.{lean.column(through, 'round')} = %s",
                [self.pk], [None])
            cache = self.__dict__["_scope_paths"] = sorted(row[0] for row in rows)
        return cache

    def covers(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.scope_paths())

    def audit_area_path(self):
        paths = self.scope_paths()
        if not paths:
            return ""
        common = paths[0]
        for p in paths[1:]:
            while not p.startswith(common):
                common = common[:-10]
        return common


class Exemption(models.Model):
    """A resident excused from one round, with the reason and evidence (不计入应检)."""

    class Reason(models.TextChoices):
        AWAY = "away", _("away, with evidence")
        HOSPITAL = "hospital", _("in hospital")
        INFANT = "infant", _("infant under the policy age")
        TESTED_ELSEWHERE = "tested_elsewhere", _("tested elsewhere, with a report")
        OTHER = "other", _("other")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="exemptions")
    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="screening_exemptions")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    area_path = models.CharField(max_length=120, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area_path"
    objects = AreaPathQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "resident"], name="exemption_once_per_round")]
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")

    def __str__(self):
        return f"{self.resident} · {self.get_reason_display()}"


class SamplingSite(models.Model):
    """A sampling point (采样点) of a round, in an area (usually a compound or a community square)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sites")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)

    scope_path = "area__path"
    objects = AreaPathQuerySet.as_manager()

    class Meta:
        ordering = ["round", "name"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="site_unique_name_in_round")]
        verbose_name = _("sampling site")
        verbose_name_plural = _("sampling sites")

    def __str__(self):
        return self.name

    def audit_area_path(self):
        return self.area.path


class Desk(models.Model):
    """One registration desk at a site: a phone or a laptop with a scanner, and its staff."""

    site = models.ForeignKey(SamplingSite, on_delete=models.CASCADE, related_name="desks")
    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("active"), default=True)

    scope_path = "site__area__path"
    objects = DeskQuerySet.as_manager()

    class Meta:
        ordering = ["site", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="desk_unique_name_in_site")]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")

    def __str__(self):
        return f"{self.site.name} · {self.name}"

    def audit_area_path(self):
        return self.site.area.path

    @property
    def round(self):
        return self.site.round


class DeskAssignment(models.Model):
    """Who works at a desk (recorder, swabber); the desk page opens on the user's own desk."""

    class Duty(models.TextChoices):
        RECORDER = "recorder", _("recorder")
        SWABBER = "swabber", _("swabber")
        LEAD = "lead", _("site lead")

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_assignments")
    duty = models.CharField(_("duty"), max_length=10, choices=Duty.choices, default=Duty.RECORDER)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "desk__site__area__path"
    objects = AreaPathQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["desk", "user"], name="desk_assignment_unique")]
        verbose_name = _("desk assignment")
        verbose_name_plural = _("desk assignments")

    def __str__(self):
        return f"{self.user} @ {self.desk}"

    def audit_area_path(self):
        return self.desk.site.area.path


class Lab(models.Model):
    """A testing laboratory. Its accounts (role ``lab``) see the tubes sent to it, never names."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="labs", verbose_name=_("accounts"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("laboratory")
        verbose_name_plural = _("laboratories")

    def __str__(self):
        return self.name


class Bag(models.Model):
    """A transport bag (装箱) of up to BAG_MAX_TUBES sealed tubes, with its own barcode."""

    class Status(models.TextChoices):
        OPEN = "open", _("packing")
        SENT = "sent", _("sent to the lab")
        RECEIVED = "received", _("received by the lab")

    barcode = models.CharField(_("bag barcode"), max_length=40, unique=True)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="bags")
    site = models.ForeignKey(SamplingSite, on_delete=models.PROTECT, related_name="bags")
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.PROTECT, related_name="bags")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    tube_count = models.PositiveSmallIntegerField(default=0)
    area_path = models.CharField(max_length=120, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    scope_path = "area_path"
    objects = BagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(tube_count__lte=BAG_MAX_TUBES), name="bag_tube_count_max"),
        ]
        verbose_name = _("transport bag")
        verbose_name_plural = _("transport bags")

    def __str__(self):
        return self.barcode


class Tube(models.Model):
    """A pooled sample tube. ``used`` counts the swabs in it and is changed only under a row lock
    (services.sampling), so two desks scanning into one tube can never pass ``capacity``.

    open → sealed (full, or closed by hand) → packed (in a bag) → received (by the lab) → resulted.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SEALED = "sealed", _("sealed")
        PACKED = "packed", _("packed")
        RECEIVED = "received", _("received by the lab")
        RESULTED = "resulted", _("resulted")

    class Result(models.TextChoices):
        NEGATIVE = "negative", _("negative")
        POSITIVE = "positive", _("positive")
        INVALID = "invalid", _("invalid")

    barcode = models.CharField(_("tube barcode"), max_length=40, unique=True)
    # Indexes cost every result import an index write per tube (a district's file updates
    # 250,000 rows): the round is covered by the (round, status) and (round, result) indexes,
    # status and result are only looked up within a round, and who opened or sealed a tube is
    # shown, never searched.
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="tubes", db_index=False)
    site = models.ForeignKey(SamplingSite, null=True, blank=True, on_delete=models.PROTECT, related_name="tubes")
    desk = models.ForeignKey(Desk, null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes")
    household = models.ForeignKey(
        "residents.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Set for one-tube-per-household rounds by the first person in the tube."),
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    used = models.PositiveSmallIntegerField(_("swabs"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    result_conflict = models.BooleanField(_("conflicting results"), default=False)
    bag = models.ForeignKey(Bag, null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes")
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes")
    area_path = models.CharField(max_length=120, db_index=True, editable=False)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    opened_at = models.DateTimeField(default=timezone.now)
    sealed_at = models.DateTimeField(null=True, blank=True)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  db_index=False)
    received_at = models.DateTimeField(null=True, blank=True)
    resulted_at = models.DateTimeField(null=True, blank=True)

    scope_path = "area_path"
    objects = TubeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(used__lte=models.F("capacity")), name="tube_used_within_capacity"),
            models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=HOUSEHOLD_TUBE_MAX), name="tube_capacity_range"),
        ]
        indexes = [models.Index(fields=["round", "status"]), models.Index(fields=["round", "result"], name="tube_round_result")]
        verbose_name = _("tube")
        verbose_name_plural = _("tubes")

    def __str__(self):
        return self.barcode

    @property
    def is_full(self):
        return self.used >= self.capacity


class Visitor(PersonalIdentity):
    """A person sampled who is not in the round's ledger (a visitor, a worker, a resident from
    outside the round's scope). ID number and phone are encrypted like a resident's."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="visitors")
    name = models.CharField(_("name"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    ledger_resident = models.ForeignKey(
        "residents.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The ledger entry, when a resident from outside the round's scope was registered as a visitor."),
    )
    needs_details = models.BooleanField(_("details missing"), default=False)
    area_path = models.CharField(max_length=120, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area_path"
    objects = AreaPathQuerySet.as_manager()

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self):
        return self.name or self.id_number_masked or f"#{self.pk}"


class Sample(models.Model):
    """One person's swab in one slot of a tube.

    ``client_id`` is made by the desk before the scan leaves the browser, so a retried upload
    finds the stored row instead of adding a second one. ``created_at`` is the server's time and
    decides; ``client_time`` is kept beside it. An undone scan is kept (voided) so that a late
    replay of it is recognised; its slot is free again.
    """

    class Source(models.TextChoices):
        DESK = "desk", _("sampling desk")
        HOME = "home", _("home sampling")
        API = "api", _("API")

    # Every index and foreign-key check on this table is paid on each swab (thousands a second
    # when desks resync), so only what reads need is indexed ((round, resident) for coverage,
    # (tube, slot), client_id, tube, resident), and only tube and resident are checked by the
    # database; round, desk and staff are set by the ingest from rows it has just read, and
    # Django still applies their on_delete rules.
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="samples", db_index=False, db_constraint=False)
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="samples")
    slot = models.PositiveSmallIntegerField(_("slot"))
    resident = models.ForeignKey("residents.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="screening_samples")
    visitor = models.ForeignKey(Visitor, null=True, blank=True, on_delete=models.PROTECT, related_name="samples")
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    client_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    desk = models.ForeignKey(Desk, null=True, blank=True, on_delete=models.SET_NULL, related_name="samples", db_index=False,
                             db_constraint=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
                              db_constraint=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DESK)
    green_channel = models.BooleanField(_("green channel"), default=False)
    repeat = models.BooleanField(_("sampled again in this round"), default=False)
    area_path = models.CharField(max_length=120, editable=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  db_index=False, db_constraint=False)
    void_reason = models.CharField(max_length=200, blank=True)
    counts = models.BooleanField(
        default=True, editable=False,
        help_text="Counts for coverage: not undone and not in a tube the lab found invalid. Kept by the services, "
                  "so coverage is one index probe per resident, without joining the tube.",
    )
    # A scan the offline queue stored where the server, online, would have stopped the desk
    # (already sampled this round, not in the ledger, outside the round's areas): listed on the
    # desk until someone keeps it or undoes it (services/review.py), like the gate's passages.
    needs_review = models.BooleanField(_("needs review"), default=False)
    review_reasons = models.CharField(_("review reasons"), max_length=100, blank=True,
                                      help_text="Comma-separated codes: already_sampled, not_in_ledger, out_of_scope.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    db_index=False, db_constraint=False)

    scope_path = "area_path"
    objects = SampleQuerySet.as_manager()

    class Meta:
        ordering = ["tube_id", "slot"]
        constraints = [
            # The last line behind the row lock: one live sample per slot.
            models.UniqueConstraint(fields=["tube", "slot"], condition=Q(voided_at__isnull=True), name="sample_unique_live_slot"),
            models.CheckConstraint(
                condition=Q(resident__isnull=False, visitor__isnull=True) | Q(resident__isnull=True, visitor__isnull=False),
                name="sample_resident_xor_visitor",
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="sample_slot_positive"),
        ]
        indexes = [
            models.Index(fields=["round", "resident"], condition=Q(counts=True), name="sample_counting"),
            # The desk's review list: a few rows, found without scanning the table.
            models.Index(fields=["desk"], condition=Q(needs_review=True, reviewed_at__isnull=True), name="sample_to_review"),
        ]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")

    def __str__(self):
        return f"{self.tube_id}#{self.slot}"

    @property
    def person(self):
        return self.resident or self.visitor


class DeskAction(models.Model):
    """A non-scan desk operation that came through the offline queue (undo, seal), stored by its
    client id so that a replay is answered from here instead of being applied twice."""

    client_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=10)
    tube = models.ForeignKey(Tube, null=True, on_delete=models.CASCADE, related_name="+")
    outcome = models.JSONField(default=dict)
    client_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self):
        return f"{self.kind} {self.client_id}"


class LabResult(models.Model):
    """A result reported for a tube, by API or by an imported file. Results are never
    overwritten: the first one is accepted, the same one again is a duplicate (not stored), a
    different one is stored with ``conflict`` set and waits for review."""

    class Source(models.TextChoices):
        API = "api", _("API")
        IMPORT = "import", _("file import")
        WEB = "web", _("entered by hand")

    # The tube is covered by the unique (tube, result, tested_at) index.
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="lab_results", db_index=False)
    result = models.CharField(_("result"), max_length=10, choices=Tube.Result.choices)
    tested_at = models.DateTimeField(_("tested at"))
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.SET_NULL, related_name="results")
    accepted = models.BooleanField(default=False)
    conflict = models.BooleanField(_("conflict"), default=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_ref = models.CharField(max_length=200, blank=True, help_text=_("File name and row, or API request id."))
    received_at = models.DateTimeField(default=timezone.now)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    db_index=False)
    review_note = models.CharField(max_length=300, blank=True)

    scope_path = "tube__area_path"
    objects = LabResultQuerySet.as_manager()

    class Meta:
        ordering = ["tube_id", "received_at"]
        constraints = [
            models.UniqueConstraint(fields=["tube"], condition=Q(accepted=True), name="lab_result_one_accepted"),
            models.UniqueConstraint(fields=["tube", "result", "tested_at"], name="lab_result_unique_report"),
        ]
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")

    def __str__(self):
        return f"{self.tube_id}: {self.result}"

    def audit_area_path(self):
        return self.tube.area_path


class RetestItem(models.Model):
    """One person of a positive pool on the single-tube retest list (单管复核), with their household.
    Creating it is what marks the person "pool positive"."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting single-tube retest")
        RETESTED = "retested", _("retested")
        CLOSED = "closed", _("closed")

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="retest_items")
    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="retest_item")
    household = models.ForeignKey("residents.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    retest_barcode = models.CharField(_("retest tube"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    area_path = models.CharField(max_length=120, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_path = "area_path"
    objects = AreaPathQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "tube_id", "id"]
        verbose_name = _("retest item")
        verbose_name_plural = _("single-tube retest list")

    def __str__(self):
        return f"{self.tube_id} · {self.sample_id}"


class ControlFlag(models.Model):
    """An area (usually a unit) put under temporary control (临时管控) because of a positive pool.
    The incidents capability builds on it (zones, release); here it is raised and can be lifted,
    each time with a name and a reason."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="control_flags")
    reason = models.CharField(_("reason"), max_length=300)
    tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.SET_NULL, related_name="control_flags")
    area_path = models.CharField(max_length=120, db_index=True, editable=False)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lift_reason = models.CharField(max_length=300, blank=True)

    scope_path = "area_path"
    objects = AreaPathQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["area", "tube"], condition=Q(lifted_at__isnull=True), name="control_flag_once_per_tube"),
        ]
        verbose_name = _("temporary control flag")
        verbose_name_plural = _("temporary control flags")

    def __str__(self):
        return f"{self.area} · {self.reason}"


class HomeTask(models.Model):
    """Home sampling (上门采样) for a bedridden or isolated resident; a sampler completes it from
    a phone by scanning the tube at the door."""

    class Reason(models.TextChoices):
        BEDRIDDEN = "bedridden", _("bedridden")
        ISOLATED = "isolated", _("in home isolation")
        DISABLED = "disabled", _("disabled")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("sampled")
        CANCELLED = "cancelled", _("cancelled")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="home_tasks")
    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="screening_home_tasks")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    sample = models.OneToOneField(Sample, null=True, blank=True, on_delete=models.SET_NULL, related_name="home_task")
    area_path = models.CharField(max_length=120, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_path = "area_path"
    objects = AreaPathQuerySet.as_manager()

    class Meta:
        ordering = ["status", "area_path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "resident"], condition=Q(status="open"), name="home_task_one_open"),
        ]
        verbose_name = _("home-sampling task")
        verbose_name_plural = _("home-sampling tasks")

    def __str__(self):
        return f"{self.resident} · {self.get_reason_display()}"

