"""我的待办 / My work: the inbox page, one-tap acknowledge, resolve with a reason."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from frontline.core import work

from . import services
from .forms import ResolveForm


def _back(request) -> str:
    """Where to go after an action: the inbox with the filters it was showing."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("mywork:inbox")


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "mywork/inbox.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        known = work.kinds()
        kind = self.request.GET.get("kind") or ""
        kind = kind if kind in known else ""
        area = None
        area_id = self.request.GET.get("area") or ""
        if area_id:
            if not area_id.isdigit() or len(area_id) > 18:
                raise Http404
            area = services.visible_area(user, int(area_id))
        cursor = self.request.GET.get("cursor") or None
        try:
            inbox = services.inbox(user, kinds={kind} if kind else None, area=area, cursor=cursor)
        except ValueError:
            raise Http404 from None
        return {
            **super().get_context_data(**kwargs), **inbox,
            "kind": kind, "kind_label": known.get(kind, ""), "area": area, "cursor": cursor,
            "areas": services.filter_areas(user), "kinds": known, "form": ResolveForm(),
            "here": self.request.get_full_path(),
        }


class AcknowledgeView(LoginRequiredMixin, View):
    """One tap: with htmx the card is replaced in place and the navigation's badge updated
    (out of band); without JavaScript the form posts and the inbox is shown again."""

    def post(self, request, alert_id):
        alert = services.visible_alert(request.user, alert_id)
        try:
            alert = services.acknowledge(alert, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            if request.htmx:
                return HttpResponse(status=204, headers={"HX-Refresh": "true"})
        else:
            if request.htmx:
                context = {"item": services.item_of(alert), "here": _back(request)}
                card = render_to_string("mywork/_item.html", context, request)
                badge = render_to_string("core/_badge.html", {"count": work.badge_count(request.user), "oob": True},
                                         request)
                return HttpResponse(card + badge)
            messages.success(request, _("Acknowledged: %(what)s") % {"what": alert.kind_label()})
        return redirect(_back(request))


class ResolveView(LoginRequiredMixin, View):
    template_name = "mywork/resolve.html"

    def _page(self, request, alert, form, status=200):
        item = work.alert_item(alert)
        return render(request, self.template_name, {"alert": alert, "item": item, "form": form,
                                                    "next": _back(request) if request.method == "POST" else
                                                    request.GET.get("next", "")}, status=status)

    def get(self, request, alert_id):
        alert = services.visible_alert(request.user, alert_id)
        return self._page(request, alert, ResolveForm())

    def post(self, request, alert_id):
        alert = services.visible_alert(request.user, alert_id)
        form = ResolveForm(request.POST)
        if not form.is_valid():
            return self._page(request, alert, form, status=422)
        try:
            services.resolve(alert, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self._page(request, alert, form, status=409)
        messages.success(request, _("Resolved: %(what)s") % {"what": alert.kind_label()})
        return redirect(_back(request))
