"""Forms of the import and export pages. Area choices come from the user's scope (``restrict``)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Area

TARGET_KINDS = ("city", "district", "street", "community", "compound")


class AreaChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, labels=None, **kwargs):
        self.labels = labels or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return self.labels.get(obj.pk) or obj.name


def scoped_areas(user, action):
    """Areas of a kind an import or export can target, where ``user`` holds ``action``; with labels
    naming each area by its path ("八一西街社区 › 小区A"), built from one query."""
    areas = list(Area.objects.restrict(user, action).filter(kind__in=TARGET_KINDS).order_by("path"))
    names = {a.path: a.name for a in areas}
    missing = {p for a in areas for p in a.ancestor_paths if p not in names}
    if missing:
        names.update(Area.objects.filter(path__in=missing).values_list("path", "name"))
    labels = {}
    for area in areas:
        chain = [names[p] for p in area.ancestor_paths if p in names]
        # The top of the tree (city, district) makes every label long; keep the last three.
        labels[area.pk] = " › ".join(chain[-3:])
    return Area.objects.filter(pk__in=[a.pk for a in areas]).order_by("path"), labels


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Ledger file (.xlsx or .csv)"))
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Import into"),
                           help_text=_("Compounds, buildings and units in the sheet are looked up below this area."))
    mode = forms.ChoiceField(
        label=_("Mode"), widget=forms.RadioSelect, initial="dry",
        choices=[("dry", _("Dry run: check every row, save nothing")), ("real", _("Import: save all valid rows"))],
    )
    create_missing = forms.BooleanField(label=_("Create missing buildings and units"), required=False)
    strict = forms.BooleanField(label=_("All or nothing: if any row has an error, import nothing"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        queryset, labels = scoped_areas(user, "import")
        self.fields["area"].queryset, self.fields["area"].labels = queryset, labels
        if len(labels) == 1:
            self.fields["area"].initial = next(iter(labels))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB; split it into smaller files.") % {
                "mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


class ExportForm(forms.Form):
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Area to export"))
    reveal = forms.BooleanField(
        label=_("Include full ID numbers and phones"), required=False,
        help_text=_("Only where you may see them; the export is recorded in the change log."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        queryset, labels = scoped_areas(user, "export")
        self.fields["area"].queryset, self.fields["area"].labels = queryset, labels
        # Nothing selected made the download do nothing visible: the list starts at the top of
        # the user's scope (everything they may export), with no empty choice.
        self.fields["area"].empty_label = None
        if labels:
            self.fields["area"].initial = next(iter(labels))
        self.fields["area"].error_messages["required"] = _("Choose the area to export.")
        self.user = user
        if not user.has_action("reveal"):
            del self.fields["reveal"]

    def clean(self):
        from .ledger_export import can_reveal

        data = super().clean()
        if data.get("reveal") and data.get("area") and not can_reveal(self.user, data["area"]):
            self.add_error("reveal", _("You may not see full ID numbers in this area; export it masked."))
        return data
