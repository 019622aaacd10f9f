"""The "my account" page: who I am, my roles and areas, and my device tokens."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
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


# --- /accounts/roles/: role assignments in the areas I manage ------------------------------------

ROLE_HISTORY_SHOWN = 50
AREA_CHOICES_MAX = 500


class GrantForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    area = forms.TypedChoiceField(label=gettext_lazy("Area"), coerce=int)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    def __init__(self, *args, roles, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["area"].choices = areas

    def clean_username(self):
        from .models import User

        user = User.objects.filter(username=self.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(gettext_lazy("No active account has this username."))
        return user


def _role_choices(user):
    """Every role the user may grant somewhere (the service checks each area's own limit)."""
    from .roles import Role, rank_of

    top = max((services.grantable_rank(user, a) for a in _manage_roots(user)), default=0)
    return [(value, label) for value, label in Role.choices if rank_of(value) <= top]


def _manage_roots(user):
    from frontline.areas.models import Area

    if user.is_superuser:
        return list(Area.objects.filter(parent__isnull=True))
    return list(Area.objects.filter(path__in=user.scope_paths("manage")))


def _managed_areas(user):
    from frontline.areas.models import Area

    return list(Area.objects.restrict(user, "manage").order_by("path")[:AREA_CHOICES_MAX])


@method_decorator(never_cache, name="dispatch")
class RolesView(LoginRequiredMixin, View):
    """Who holds which role in my areas; grant a role (up to my own), change or revoke one; the
    history of these changes. Only for holders of ``manage``."""

    template_name = "accounts/roles.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_action("manage"):
            raise PermissionDenied(_("Managing roles needs the manage right in an area."))
        return super().dispatch(request, *args, **kwargs)

    def grant_form(self, data=None):
        areas = _managed_areas(self.request.user)
        labels = area_labels(areas, top_kind="city")
        return GrantForm(data, roles=_role_choices(self.request.user),
                         areas=[(a.pk, labels.get(a.pk, a.name)) for a in areas])

    def context(self, **extra):
        from .roles_api import managed_assignments, role_history

        user = self.request.user
        assignments = list(managed_assignments(user).order_by("area__path", "role", "user__username")[:500])
        labels = area_labels([a.area for a in assignments], top_kind="city")
        rows = [{"a": a, "area_label": labels.get(a.area_id, a.area.name),
                 "choices": services.grantable_roles(user, a.area),
                 "mine": a.user_id == user.pk} for a in assignments]
        history = list(role_history(user)[:ROLE_HISTORY_SHOWN])
        from .roles import Role

        return {"rows": rows, "history": history, "form": self.grant_form(), "role_labels": dict(Role.choices),
                **extra}

    def get(self, request):
        return render(request, self.template_name, self.context())

    def post(self, request):
        from django.core.exceptions import ValidationError

        from frontline.areas.models import Area
        from frontline.core.scoping import get_scoped_or_404

        from .models import RoleAssignment

        what = request.POST.get("do", "grant")
        try:
            if what == "grant":
                form = self.grant_form(request.POST)
                if not form.is_valid():
                    return render(request, self.template_name, self.context(form=form), status=400)
                area = get_scoped_or_404(Area.objects.all(), request.user, "manage", pk=form.cleaned_data["area"])
                a = services.grant_role(form.cleaned_data["username"], form.cleaned_data["role"], area,
                                        actor=request.user, source="web", reason=form.cleaned_data["reason"].strip())
                messages.success(request, _("%(user)s now holds %(role)s in %(area)s.")
                                 % {"user": a.user, "role": a.get_role_display(), "area": a.area.name})
            else:
                a = get_scoped_or_404(RoleAssignment.objects.select_related("user", "area"), request.user, "view",
                                      pk=request.POST.get("assignment") or 0)
                if what == "change":
                    a = services.change_role(a, request.POST.get("role", ""), actor=request.user, source="web")
                    messages.success(request, _("%(user)s now holds %(role)s in %(area)s.")
                                     % {"user": a.user, "role": a.get_role_display(), "area": a.area.name})
                elif what == "revoke":
                    services.revoke_role(a, actor=request.user, source="web")
                    messages.success(request, _("%(user)s no longer holds %(role)s in %(area)s.")
                                     % {"user": a.user, "role": a.get_role_display(), "area": a.area.name})
        except (PermissionDenied, ValidationError) as exc:
            message = " ".join(getattr(exc, "messages", None) or [str(exc)])
            return render(request, self.template_name, self.context(error=message), status=403
                          if isinstance(exc, PermissionDenied) else 400)
        return redirect("accounts:roles")
