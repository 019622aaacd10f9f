from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Area


class AreaForm(forms.Form):
    """A child area: its kind must lie below the parent's (a building inside a compound)."""

    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=())
    code = forms.CharField(label=_("code"), max_length=40, required=False, help_text=_("Official code, if any."))
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, parent: Area | None = None, instance: Area | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            # The kind of an existing area fixes where it sits in the tree; it is not edited here.
            del self.fields["kind"]
            for name in ("name", "code", "notes"):
                self.fields[name].initial = getattr(instance, name)
            return
        below = Area.LEVELS[Area.LEVELS.index(parent.kind) + 1:] if parent is not None else Area.LEVELS
        self.fields["kind"].choices = [(k, label) for k, label in Area.Kind.choices if k in below]
        if below:
            self.fields["kind"].initial = below[0]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("A name is required."))
        return name
