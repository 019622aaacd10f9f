"""Isolation cases (居家隔离, 集中隔离, 居家健康监测), their daily check-ins, the centralized
isolation sites and the transfers to them (issue 13, parts 1-3).

One model, ``IsolationCase``, is the source of truth the gate asks "is this person isolated
now?" (``frontline.isolation.status.is_isolated``). A case's status, planned end and kind change
only through ``services`` with an actor and a reason; every change is also a ``CaseEvent``
(what the case page shows) and an audit row.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import CheckInQuerySet, IsolationCaseQuerySet, IsolationSiteQuerySet, TransferQuerySet


class IsolationSite(models.Model):
    """A centralized isolation site (集中隔离点): a hotel or dormitory with a number of rooms."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="isolation_sites",
                             help_text=_("The area responsible for the site (who may see and use it)."))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (rooms)"))
    contact = models.CharField(_("contact"), max_length=100, blank=True, help_text=_("The site's duty phone or contact person."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area__path"
    objects = IsolationSiteQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("isolation site")
        verbose_name_plural = _("isolation sites")

    def __str__(self):
        return self.name

    def audit_area_path(self):
        return self.area.path

    def occupancy(self) -> int:
        return self.cases.filter(status=IsolationCase.Status.TRANSFERRED).count()


class IsolationCase(models.Model):
    """One person's period of isolation or health monitoring, with its one-person-one-policy notes.

    ``start`` and ``planned_end`` bound the period; a new exposure restarts it (``exposure_at``,
    ``source_text`` show the latest). ``released_at`` closes the case: on release (after a
    negative result, ``release_sample``, or an override with its reason) or on hospitalisation.
    """

    class Kind(models.TextChoices):
        HOME = "home", _("home isolation")
        CENTRALIZED = "centralized", _("centralized isolation")
        MONITORING = "monitoring", _("health monitoring")

    class Reason(models.TextChoices):
        CLOSE_CONTACT = "close_contact", _("close contact")
        SECONDARY_CONTACT = "secondary_contact", _("secondary contact")
        RETURNEE = "returnee", _("returnee from a risk area")
        PARCEL = "parcel", _("parcel exposure")
        POSITIVE = "positive", _("pool or case positive")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        TRANSFERRED = "transferred", _("transferred")
        RELEASED = "released", _("released")
        HOSPITALISED = "hospitalised", _("hospitalised")

    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="isolation_cases")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.HOME)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    source_text = models.CharField(_("source"), max_length=200, blank=True,
                                   help_text=_("The record behind the reason: close contact of case X, a tracing list, a screening round."))
    start = models.DateTimeField(_("start"))
    planned_end = models.DateTimeField(_("planned end"))
    exposure_at = models.DateTimeField(_("last exposure"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    policy_notes = models.TextField(_("one-person-one-policy notes"), max_length=2000, blank=True)
    site = models.ForeignKey(IsolationSite, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    release_reason = models.CharField(_("release reason"), max_length=300, blank=True)
    release_sample = models.ForeignKey("screening.Sample", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       help_text=_("The negative result the release rests on."))
    release_override = models.BooleanField(_("released without a negative result"), default=False)
    area_path = models.CharField(max_length=120, editable=False, db_index=True)
    # Kept by services.record_checkin (only ever moved forward): the ledger sorts a street's
    # cases by these two columns instead of probing the check-ins of every case.
    last_checkin_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_alarm_at = models.DateTimeField(null=True, blank=True, editable=False,
                                         help_text="The latest check-in with a fever or a positive antigen.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope_path = "area_path"
    objects = IsolationCaseQuerySet.as_manager()

    class Meta:
        ordering = ["planned_end", "id"]
        constraints = [
            models.UniqueConstraint(fields=["resident"], condition=Q(status__in=["active", "transferred"]),
                                    name="isolation_one_open_case"),
            models.CheckConstraint(condition=Q(planned_end__gt=models.F("start")), name="isolation_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["resident", "planned_end"], name="isolation_resident_end"),
            models.Index(fields=["status", "area_path"], name="isolation_status_path"),
        ]
        verbose_name = _("isolation case")
        verbose_name_plural = _("isolation cases")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("isolation:case", args=[self.pk])

    def clean(self):
        if self.start and self.planned_end and self.planned_end <= self.start:
            raise ValidationError({"planned_end": _("The planned end must come after the start.")})

    def audit_area_path(self):
        return self.area_path or self.resident.household.area.path

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.TRANSFERRED)

    def days_remaining(self, now=None) -> int:
        """Whole days until the planned end (0 on its last day, negative when overdue for release)."""
        now = now or timezone.now()
        return (timezone.localtime(self.planned_end).date() - timezone.localtime(now).date()).days

    def day_number(self, now=None) -> int:
        now = now or timezone.now()
        return (timezone.localtime(now).date() - timezone.localtime(self.start).date()).days + 1


class CaseEvent(models.Model):
    """A line of a case's history as the case page shows it: opened, end changed, exposure,
    transfer, return home, release, hospitalisation — always with who and why."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        END_CHANGED = "end_changed", _("planned end changed")
        EXPOSURE = "exposure", _("new exposure: clock restarted")
        TRANSFERRED = "transferred", _("transferred")
        CONFIRMED = "confirmed", _("arrival confirmed by the site")
        RETURNED = "returned", _("returned home")
        RELEASED = "released", _("released")
        HOSPITALISED = "hospitalised", _("hospitalised")
        NOTES = "notes", _("notes changed")

    case = models.ForeignKey(IsolationCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    old_end = models.DateTimeField(null=True, blank=True)
    new_end = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150, blank=True, help_text="The actor as recorded (system actors by name).")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case_id} · {self.kind}"


class Transfer(models.Model):
    """A move to a centralized isolation site: when, the escort, the vehicle, and the site's
    confirmation of arrival. A full site is refused unless overridden with a reason."""

    case = models.ForeignKey(IsolationCase, on_delete=models.CASCADE, related_name="transfers")
    site = models.ForeignKey(IsolationSite, on_delete=models.PROTECT, related_name="transfers")
    at = models.DateTimeField(_("time"))
    escort = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("escort"))
    escort_note = models.CharField(_("escort (as written)"), max_length=100, blank=True)
    vehicle = models.CharField(_("vehicle"), max_length=40, blank=True)
    confirmed_at = models.DateTimeField(_("arrival confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    override_reason = models.CharField(_("over-capacity reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__area_path"
    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self):
        return f"{self.case_id} → {self.site_id}"

    def audit_area_path(self):
        return self.case.area_path


class CheckIn(models.Model):
    """A daily check-in (temperature, symptoms, antigen, note), entered by staff after a call or
    by the household through its link. ``client_id`` is made on the phone: a replayed offline
    submission finds the stored row."""

    class Antigen(models.TextChoices):
        NOT_DONE = "", _("not done")
        NEGATIVE = "negative", _("negative")
        POSITIVE = "positive", _("positive")

    class Source(models.TextChoices):
        STAFF = "staff", _("staff (phone call or visit)")
        HOUSEHOLD = "household", _("household link")
        API = "api", _("API")

    SYMPTOMS = {
        "fever": _("fever or chills"),
        "cough": _("cough"),
        "sore_throat": _("sore throat"),
        "breathing": _("shortness of breath"),
        "fatigue": _("fatigue or aches"),
        "taste_smell": _("loss of taste or smell"),
        "diarrhoea": _("diarrhoea"),
    }

    case = models.ForeignKey(IsolationCase, on_delete=models.CASCADE, related_name="checkins")
    at = models.DateTimeField(_("time"), default=timezone.now)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    antigen = models.CharField(_("antigen"), max_length=10, choices=Antigen.choices, blank=True, default="")
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "case__area_path"
    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "at"], name="checkin_case_at")]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self):
        return f"{self.case_id} · {self.at:%Y-%m-%d %H:%M}"

    def audit_area_path(self):
        return self.case.area_path

    @property
    def is_alarming(self) -> bool:
        from frontline.core.vitals import is_fever

        return is_fever(self.temperature) or self.antigen == self.Antigen.POSITIVE

    def symptom_labels(self) -> list[str]:
        return [str(self.SYMPTOMS.get(code, code)) for code in self.symptoms or []]
