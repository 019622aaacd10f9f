"""Forms of the staffing pages; every choice list is scoped to what the user may act on. The
forms only read input: the services validate the records and check scope."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Area
from frontline.checkpoints.models import Gate

from .models import SKILLS, WEEKDAYS, DeploymentBatch, Post, SendingUnit, StaffMember

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ScopedForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def areas(self, *kinds, action="change"):
        return Area.objects.restrict(self.user, action).filter(kind__in=kinds)


class UnitForm(ScopedForm):
    area = forms.ModelChoiceField(label=_("Serves in"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=SendingUnit.Level.choices)
    contact = forms.CharField(label=_("Contact person"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.areas("street", "community")


class MemberForm(ScopedForm):
    area = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=StaffMember.Kind.choices)
    unit = forms.ModelChoiceField(label=_("Sending unit"), queryset=SendingUnit.objects.none(), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    skills = forms.MultipleChoiceField(label=_("Skills"), choices=SKILLS, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    home_address = forms.CharField(label=_("Home address"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("e.g. asks for the farthest post"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.areas("community")
        self.fields["unit"].queryset = SendingUnit.objects.restrict(self.user)


class BatchForm(ScopedForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    number = forms.IntegerField(label=_("Batch number"), min_value=1, max_value=99)
    arrival_date = forms.DateField(label=_("Arrival date"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = self.areas("community")


class PairingForm(ScopedForm):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Area.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("Until"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = self.areas("compound")


class CheckInForm(ScopedForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    batch = forms.ModelChoiceField(label=_("Batch"), queryset=DeploymentBatch.objects.none(), required=False)
    checked_in_at = forms.DateTimeField(label=_("Checked in at"), widget=DATETIME, required=False)
    received_by = forms.CharField(label=_("Received by"), max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = self.areas("community")
        self.fields["batch"].queryset = DeploymentBatch.objects.restrict(self.user).select_related("unit")


class UnavailabilityForm(ScopedForm):
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("Until"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PostForm(ScopedForm):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Post.Kind.choices)
    gate = forms.ModelChoiceField(label=_("Gate"), queryset=Gate.objects.none(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.areas("community", "compound")
        self.fields["gate"].queryset = Gate.objects.restrict(self.user).select_related("compound")


class NeedForm(ScopedForm):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=[("", _("every day")), *WEEKDAYS], required=False,
                                     coerce=int, empty_value=None)
    start = forms.TimeField(label=_("Start"), widget=TIME)
    end = forms.TimeField(label=_("End"), widget=TIME, help_text=_("At or before the start: over midnight."))
    people = forms.IntegerField(label=_("People"), min_value=1, max_value=50, initial=1)
    skill = forms.ChoiceField(label=_("Skill required"), choices=[("", "—"), *SKILLS], required=False)
    skill_people = forms.IntegerField(label=_("With the skill"), min_value=0, max_value=50, initial=0, required=False)


class RosterForm(ScopedForm):
    area = forms.ModelChoiceField(label=_("Community"), queryset=Area.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=31, initial=7)
    max_night_shifts = forms.IntegerField(label=_("Night shifts per person at most"), min_value=0, max_value=31, initial=3)
    time_limit = forms.IntegerField(label=_("Solver time limit (s)"), min_value=1, max_value=300, initial=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = self.areas("community", action="roster")
        today = timezone.localdate()
        self.fields["starts_on"].initial = today + datetime.timedelta(days=7 - today.weekday())


class AssignForm(ScopedForm):
    member = forms.ModelChoiceField(label=_("Staff member"), queryset=StaffMember.objects.none(), required=False,
                                    empty_label=_("— nobody (a hole) —"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("Required when the edit breaks a rule."))

    def __init__(self, *args, roster=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = StaffMember.objects.restrict(self.user)
        if roster is not None:
            qs = qs.within(roster.area.path)
        self.fields["member"].queryset = qs


class HandoverForm(forms.Form):
    notes = forms.CharField(label=_("Notes for the next shift"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    new_items = forms.CharField(label=_("New open items, one a line"), required=False, max_length=3000,
                                widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("e.g. the taxi driver of building 3 returns about 23:00"))
    close = forms.MultipleChoiceField(label=_("Open items now closed"), required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["close"].choices = [(str(i.pk), i.text) for i in items]
        if not self.fields["close"].choices:
            del self.fields["close"]

    def clean(self):
        data = super().clean()
        data.setdefault("close", [])
        return data
