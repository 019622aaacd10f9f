from django import forms
from django.utils.translation import gettext_lazy as _


class ResolveForm(forms.Form):
    reason = forms.CharField(label=_("How was it settled?"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say how this was settled."))
        return reason
