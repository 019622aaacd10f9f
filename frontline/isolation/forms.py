"""Forms of the isolation pages; every choice list is scoped to what the user may act on.
The services validate again and check scope; a form only shapes the input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from frontline.accounts.models import User
from frontline.residents.models import Resident

from .models import CheckIn, IsolationCase, IsolationSite

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ScopedForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class ResidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.household}"


class CaseForm(ScopedForm):
    resident = ResidentChoiceField(label=_("Resident"), queryset=Resident.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=IsolationCase.Kind.choices)
    reason = forms.ChoiceField(label=_("Reason"), choices=IsolationCase.Reason.choices)
    source_text = forms.CharField(label=_("Source"), max_length=200, required=False,
                                  help_text=_("E.g. close contact of case 12 (tracing list of 12-05), returnee from a risk area."))
    start = forms.DateTimeField(label=_("Start"), widget=DATETIME, required=False, help_text=_("Empty: now."))
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=60, initial=14)
    policy_notes = forms.CharField(label=_("One-person-one-policy notes"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("E.g. diabetic, needs insulin; lives alone on the 7th floor, no lift."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = (
            Resident.objects.restrict(self.user, "change").filter(status="present").select_related("household__area")
        )


class CheckInForm(forms.Form):
    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=10, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.5", "autocomplete": "off"}))
    symptoms = forms.MultipleChoiceField(label=_("Symptoms"), choices=list(CheckIn.SYMPTOMS.items()), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    antigen = forms.ChoiceField(label=_("Antigen"), choices=CheckIn.Antigen.choices, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)


class ExtendForm(forms.Form):
    planned_end = forms.DateTimeField(label=_("Planned end"), widget=DATETIME)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ExposureForm(forms.Form):
    source_text = forms.CharField(label=_("New exposure (source)"), max_length=200,
                                  help_text=_("E.g. a household member tested positive."))
    days = forms.IntegerField(label=_("Days from the exposure"), min_value=1, max_value=60, required=False)


class TransferForm(ScopedForm):
    site = forms.ModelChoiceField(label=_("Site"), queryset=IsolationSite.objects.none())
    at = forms.DateTimeField(label=_("Time"), widget=DATETIME, required=False, help_text=_("Empty: now."))
    escort = forms.ModelChoiceField(label=_("Escort"), queryset=User.objects.none(), required=False)
    escort_note = forms.CharField(label=_("Escort (others, as written)"), max_length=100, required=False)
    vehicle = forms.CharField(label=_("Vehicle"), max_length=40, required=False)
    override_reason = forms.CharField(label=_("Reason to exceed the site's capacity"), max_length=300, required=False,
                                      help_text=_("Only when the site is full."))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = IsolationSite.objects.restrict(self.user).active().select_related("area")
        self.fields["site"].label_from_instance = lambda s: f"{s.name} ({s.occupied}/{s.capacity})" if hasattr(s, "occupied") else str(s)
        # Staff holding a role on the case's area or above it.
        if case is not None:
            ancestors = [case.area_path[:i] for i in range(10, len(case.area_path) + 1, 10)]
            self.fields["escort"].queryset = User.objects.filter(is_active=True, role_assignments__area__path__in=ancestors).distinct()


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("Required only without a negative result since the start (an override)."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class NotesForm(forms.Form):
    policy_notes = forms.CharField(label=_("One-person-one-policy notes"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}))


class SiteForm(ScopedForm):
    area = forms.ModelChoiceField(label=_("Responsible area"), queryset=None)
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Capacity (rooms)"), min_value=1, max_value=100000)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from frontline.areas.models import Area

        self.fields["area"].queryset = Area.objects.restrict(self.user, "manage")
