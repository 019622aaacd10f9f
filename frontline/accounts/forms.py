from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import throttle


class ThrottledLoginForm(AuthenticationForm):
    """The login form, refusing further tries after repeated failures (accounts.throttle)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts. Try again in a few minutes."),
    }

    def _address(self):
        return self.request.META.get("REMOTE_ADDR", "") if self.request else ""

    def clean(self):
        username = self.cleaned_data.get("username", "")
        if throttle.is_locked(username, self._address()):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, self._address())
            raise
        throttle.clear(username, self._address())
        return cleaned
