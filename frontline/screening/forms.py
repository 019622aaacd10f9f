"""Forms of the screening pages: they validate input; the services decide and check scope."""

from django import forms
from django.utils.translation import gettext_lazy

from frontline.areas.models import Area

from .models import Round


class RoundForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    areas = forms.ModelMultipleChoiceField(queryset=Area.objects.none(), label=gettext_lazy("Areas in scope"),
                                           widget=forms.SelectMultiple(attrs={"size": 8}))
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    pooling = forms.ChoiceField(label=gettext_lazy("Pooling"), choices=Round.Pooling.choices, initial=Round.Pooling.TEN)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = (Area.objects.restrict(user, "change")
                                         .filter(kind__in=["street", "community", "compound", "building"]).order_by("path"))
        self.fields["areas"].label_from_instance = lambda a: ("· " * max(a.depth - 2, 0)) + a.name


class ResultFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Result file (.csv or .xlsx)"))
