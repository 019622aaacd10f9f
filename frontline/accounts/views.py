"""The "my account" page: who I am, my roles and areas, and my device tokens."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.cache import never_cache

from frontline.areas.labels import area_labels

from . import services
from .models import DeviceToken
from .roles import actions_of

ACTION_LABELS = {
    "view": gettext_lazy("view records"),
    "change": gettext_lazy("create and edit"),
    "delete": gettext_lazy("delete"),
    "reveal": gettext_lazy("see ID numbers and phones in full"),
    "import": gettext_lazy("import ledgers"),
    "export": gettext_lazy("export ledgers"),
    "manage": gettext_lazy("manage accounts"),
    "sample": gettext_lazy("sampling desk"),
    "lab": gettext_lazy("laboratory results"),
    "gate": gettext_lazy("gate duty"),
    "override": gettext_lazy("override a gate refusal"),
}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Device name"), max_length=80,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. gate phone 1, lab system")}),
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(gettext_lazy("Give the device a name you will recognise."))
        return name


@method_decorator(never_cache, name="dispatch")
class AccountView(LoginRequiredMixin, View):
    template_name = "accounts/account.html"

    def context(self, request, **extra):
        user = request.user
        assignments = list(user.role_assignments.select_related("area").order_by("area__path", "role"))
        labels = area_labels([a.area for a in assignments], top_kind="city")
        roles = [
            {"role": a.get_role_display(), "area": a.area, "area_label": labels.get(a.area_id, a.area.name),
             "may_view": "view" in actions_of(a.role),
             "actions": [label for action, label in ACTION_LABELS.items() if action in actions_of(a.role)]}
            for a in assignments
        ]
        tokens = user.device_tokens.order_by("revoked_at", "-created_at")
        return {"roles": roles, "tokens": tokens, "form": TokenForm(), **extra}

    def get(self, request):
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        """Issue a token: its key is shown on this one response and never again."""
        form = TokenForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.context(request, form=form), status=400)
        token, key = services.issue_token(request.user, form.cleaned_data["name"], actor=request.user, source="web")
        return render(request, self.template_name, self.context(request, new_token=token, new_key=key))


class RevokeTokenView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(DeviceToken, pk=pk, user=request.user)
        if token.revoked_at is None:
            services.revoke_token(token, actor=request.user, source="web")
            messages.success(request, _("The token for %(name)s was revoked; that device can no longer sign in.")
                             % {"name": token.name})
        return redirect("accounts:account")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password revokes every device token of the user (``User.save``); the page
    says so beforehand, with the devices concerned, and tells how many were revoked."""

    template_name = "accounts/password_change.html"

    def get_context_data(self, **kwargs):
        tokens = self.request.user.device_tokens.filter(revoked_at__isnull=True).order_by("-created_at")
        return super().get_context_data(active_tokens=list(tokens), **kwargs)

    def form_valid(self, form):
        count = self.request.user.device_tokens.filter(revoked_at__isnull=True).count()
        with services.acting(self.request.user, "web"):
            response = super().form_valid(form)
        if count:
            messages.info(self.request, ngettext(
                "%(n)s device token was revoked: sign that device in again with a new token.",
                "%(n)s device tokens were revoked: sign those devices in again with new tokens.", count) % {"n": count})
        return response
