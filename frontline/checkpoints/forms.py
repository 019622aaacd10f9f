"""Forms of the checkpoints pages; every choice list is scoped to what the user may act on."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Area
from frontline.residents.models import Household, Resident

from .models import Exemption, ExitPolicy, Gate, Venue

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ScopedForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class GateForm(forms.ModelForm):
    class Meta:
        model = Gate
        fields = ["compound", "name", "opens_at", "closes_at", "active", "notes"]
        widgets = {"opens_at": TIME, "closes_at": TIME, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = Area.objects.restrict(user, "change").filter(kind="compound")
        if self.instance.pk:
            self.fields["compound"].disabled = True
        else:
            del self.fields["active"]

    def clean(self):
        data = super().clean()
        data.setdefault("active", True)
        return data

    def _post_clean(self):
        pass  # the service validates the model (and checks scope)


class StatsForm(ScopedForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    gate = forms.ModelChoiceField(label=_("Gate"), queryset=Gate.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gate"].queryset = Gate.objects.restrict(self.user).select_related("compound")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date comes after the end date."))
        return data


class VenueForm(ScopedForm):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, v) for k, v in Venue.Kind.choices if k != "gate"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.restrict(self.user, "change")


class PolicyForm(ScopedForm):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    mode = forms.ChoiceField(label=_("Mode"), choices=ExitPolicy.Mode.choices)
    quota_people = forms.IntegerField(label=_("People per household"), min_value=1, max_value=50, required=False,
                                      help_text=_("Controlled only, e.g. 1"))
    quota_days = forms.IntegerField(label=_("Per number of days"), min_value=1, max_value=60, required=False,
                                    help_text=_("Controlled only, e.g. 2"))
    effective_from = forms.DateTimeField(label=_("In force from"), widget=DATETIME, required=False)
    effective_until = forms.DateTimeField(label=_("In force until"), widget=DATETIME, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("E.g. the notice that ordered it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.restrict(self.user, "manage").exclude(kind="unit")
        self.initial.setdefault("effective_from", timezone.localtime().replace(second=0, microsecond=0))


class ResidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.household}"


class ExemptionForm(ScopedForm):
    resident = ResidentChoiceField(label=_("Resident"), queryset=Resident.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Exemption.Kind.choices)
    evidence = forms.CharField(label=_("Evidence"), max_length=200,
                               help_text=_("E.g. the admission ticket number, the hospital appointment."))
    valid_from = forms.DateTimeField(label=_("Valid from"), widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("Valid until"), widget=DATETIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = (
            Resident.objects.restrict(self.user, "change").filter(status="present").select_related("household__area")
        )


class PassForm(ScopedForm):
    household = forms.ModelChoiceField(label=_("Household"), queryset=Household.objects.none())
    valid_from = forms.DateTimeField(label=_("Valid from"), widget=DATETIME, required=False)
    valid_until = forms.DateTimeField(label=_("Valid until"), widget=DATETIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labelled as everywhere ("3号楼 1单元 101", Household.label): the area and its parent, one query.
        self.fields["household"].queryset = Household.objects.restrict(self.user, "change").select_related("area__parent")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
