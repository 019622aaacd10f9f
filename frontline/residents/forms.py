"""Forms of the residents ledger. Choices of areas come from ``restrict()``, so a form never
offers (nor accepts) an area outside the user's scope; the writes themselves go to services."""

from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from frontline.areas.labels import area_labels
from frontline.areas.models import Area
from frontline.core.scoping import as_id

from .models import Resident, ResidentTag

# Beyond this many areas the filter lists only the upper levels (plus the chosen area):
# a select of thirty thousand units is no use on a phone.
AREA_CHOICES_LIMIT = 250
HOUSEHOLD_KINDS = ("compound", "building", "unit")


class ScopedAreaField(forms.ModelChoiceField):
    """An area from ``Area.objects.restrict(user, action)``; accepts any such area by id, lists
    the levels that fit in AREA_CHOICES_LIMIT, indented as a tree."""

    def __init__(self, user, action="view", *, kinds=None, selected=None, empty_label=None, **kwargs):
        queryset = Area.objects.restrict(user, action)
        if kinds:
            queryset = queryset.filter(kind__in=kinds)
        super().__init__(queryset=queryset, empty_label=empty_label, **kwargs)
        self.choices = self._limited_choices(queryset, selected, empty_label)

    def _limited_choices(self, queryset, selected, empty_label):
        per_kind = dict(queryset.order_by().values_list("kind").annotate(n=Count("id")))
        shown, total = [], 0
        for kind in Area.LEVELS:
            n = per_kind.get(kind, 0)
            if n and total + n > AREA_CHOICES_LIMIT and shown:
                break
            if n:
                shown.append(kind)
                total += n
        areas = list(queryset.filter(kind__in=shown).only("id", "name", "kind", "path", "depth"))
        top = min((a.depth for a in areas), default=0)
        choices = [] if empty_label is None else [("", empty_label)]
        choices += [(a.pk, "\u3000" * (a.depth - top) + a.name) for a in areas]
        selected_pk = getattr(selected, "pk", selected)
        if selected_pk and not any(pk == selected_pk for pk, _label in choices if pk != ""):
            area = queryset.filter(pk=selected_pk).first()
            if area is not None:
                choices.append((area.pk, area_labels([area])[area.pk]))
        return choices


def _selected_area(data, initial=None):
    raw = (data or {}).get("area") or initial
    return as_id(raw) if raw else None


class ResidentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("name, pinyin or initials (zs), phone tail, ID number"),
                                      "autocomplete": "off", "enterkeyhint": "search"}),
    )
    tag = forms.ChoiceField(label=_("Special group"), required=False, choices=[("", _("all groups")), *ResidentTag.Tag.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("any status")), *Resident.Status.choices])

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["area"] = ScopedAreaField(user, label=_("Area"), required=False, selected=_selected_area(data),
                                              empty_label=_("all my areas"))
        self.order_fields(["q", "area", "tag", "status"])

    def is_filtered(self):
        return self.is_valid() and any(self.cleaned_data.get(k) for k in self.fields)


class HouseholdFilterForm(ResidentFilterForm):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("room, or a resident's name, pinyin, phone tail"),
                                      "autocomplete": "off", "enterkeyhint": "search"}),
    )
    status = None


class HouseholdForm(forms.Form):
    room = forms.CharField(label=_("room"), max_length=30)
    floor = forms.IntegerField(label=_("floor"), required=False, min_value=-10, max_value=200)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, initial_area=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        area_pk = _selected_area(None, instance.area if instance is not None else initial_area)
        self.fields["area"] = ScopedAreaField(
            user, "change", kinds=HOUSEHOLD_KINDS, label=_("area"), selected=_selected_area(self.data, area_pk),
            empty_label="---------", help_text=_("The compound, building or unit the household lives in."),
        )
        self.fields["area"].initial = area_pk
        if instance is not None:
            for name in ("room", "floor", "notes"):
                self.fields[name].initial = getattr(instance, name)
        self.order_fields(["area", "room", "floor", "notes"])

    def clean_room(self):
        room = " ".join(self.cleaned_data["room"].split())
        if not room:
            raise forms.ValidationError(_("A room number is required."))
        return room


class ResidentForm(forms.Form):
    """Create or edit a resident. ID number and phone are never shown back in full: on edit an
    empty box keeps the stored value and a tick box removes it."""

    name = forms.CharField(label=_("full name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("phone"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    sex = forms.ChoiceField(label=_("sex"), required=False, choices=[("", "—"), *Resident.Sex.choices],
                            help_text=_("Only without an ID number: an ID number sets sex and birth date."))
    birth_date = forms.DateField(label=_("birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    relation = forms.ChoiceField(label=_("relation to head"), choices=Resident.Relation.choices,
                                 initial=Resident.Relation.OTHER)
    status = forms.ChoiceField(label=_("status"), choices=Resident.Status.choices, initial=Resident.Status.PRESENT)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300,
                             help_text=_("Required when the status changes."))

    def __init__(self, *args, instance: Resident | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.tag_rows = []
        existing = {t.tag: t for t in instance.tags.all()} if instance is not None else {}
        for tag, label in ResidentTag.Tag.choices:
            row = existing.get(tag)
            self.fields[f"tag_{tag}"] = forms.BooleanField(label=label, required=False, initial=row is not None)
            self.fields[f"tag_{tag}_date"] = forms.DateField(
                label=_("due date") if tag == ResidentTag.Tag.PREGNANT else _("date"), required=False,
                initial=getattr(row, "date", None), widget=forms.DateInput(attrs={"type": "date"}))
            self.fields[f"tag_{tag}_detail"] = forms.CharField(
                label=_("detail"), required=False, max_length=200, initial=getattr(row, "detail", ""))
            self.tag_rows.append((self[f"tag_{tag}"], self[f"tag_{tag}_date"], self[f"tag_{tag}_detail"]))
        if instance is None:
            del self.fields["reason"]
            return
        if instance.id_number:
            # The ID number sets sex and birth date; offering them here would only invite contradictions.
            del self.fields["sex"], self.fields["birth_date"]
        for name in ("name", "sex", "birth_date", "relation", "status", "notes"):
            if name in self.fields:
                self.fields[name].initial = getattr(instance, name)
        for name, masked in (("id_number", instance.id_number_masked), ("phone", instance.phone_masked)):
            if masked:
                self.fields[name].help_text = _("Now %(masked)s. Leave empty to keep it.") % {"masked": masked}
                self.fields[f"clear_{name}"] = forms.BooleanField(
                    label=_("Remove the stored %(field)s") % {"field": self.fields[name].label}, required=False)
        # Each "remove" box right under the value it removes.
        order = list(self.fields)
        for name in ("id_number", "phone"):
            if f"clear_{name}" in order:
                order.remove(f"clear_{name}")
                order.insert(order.index(name) + 1, f"clear_{name}")
        self.order_fields(order)

    @property
    def main_fields(self):
        tag_names = {f"tag_{t}" for t in ResidentTag.Tag.values}
        return [
            self[name] for name in self.fields
            if name != "reason" and not any(name == t or name.startswith(t + "_") for t in tag_names)
        ]

    def clean(self):
        cleaned = super().clean()
        for tag, label in ResidentTag.Tag.choices:
            has_extra = cleaned.get(f"tag_{tag}_date") or cleaned.get(f"tag_{tag}_detail")
            if has_extra and not cleaned.get(f"tag_{tag}"):
                self.add_error(f"tag_{tag}", _("Tick %(group)s to keep its date and detail, or clear them.") % {"group": label})
        if self.instance is not None and cleaned.get("status") and cleaned["status"] != self.instance.status:
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("Say why the status changes (it is kept with your name)."))
        return cleaned

    def service_kwargs(self) -> dict:
        """The keyword arguments for services.create_resident / update_resident."""
        data = self.cleaned_data
        kwargs = {k: data[k] for k in ("name", "relation", "status", "notes")}
        for name in ("id_number", "phone"):
            if data.get(name, "").strip():
                kwargs[name] = data[name]
            elif data.get(f"clear_{name}") or self.instance is None:
                kwargs[name] = ""
        keeps_id = self.instance is not None and self.instance.id_number and not data.get("clear_id_number")
        if not kwargs.get("id_number") and not keeps_id:
            # Without an ID number, sex and birth date are whatever the form says.
            kwargs.update(sex=data.get("sex") or "", birth_date=data.get("birth_date"))
        kwargs["tags"] = [
            {"tag": tag, "date": data.get(f"tag_{tag}_date"), "detail": data.get(f"tag_{tag}_detail", "")}
            for tag in ResidentTag.Tag.values if data.get(f"tag_{tag}")
        ]
        if self.instance is not None:
            kwargs["reason"] = (data.get("reason") or "").strip()
        return kwargs


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason
