"""The HTML error pages: in the UI's language, inside the site's frame (navigation for a logged-in
user), with a way back. /api/ keeps Django's (or the API's own) answers: JSON there is another
part's business, so every handler here hands an /api/ request to Django's default view.

``frontline/urls.py`` sets handler400/403/404/500; settings set CSRF_FAILURE_VIEW. A view that
must answer 410 (a revoked link) or 429 (rate limited) renders ``error_page(request, 410)``."""

import logging

from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

logger = logging.getLogger(__name__)


def _titles():
    return {
        400: (_("The request was not understood"), _("Something in the address or the form was not valid. Go back and try again.")),
        403: (_("Not allowed for your role"), _("Your account may not open this page. If you need it, ask the person who manages your account.")),
        404: (_("Not found"), _("This page does not exist, or it is outside your areas.")),
        410: (_("This link is no longer valid"), _("It was revoked or has expired. Ask for a new one.")),
        429: (_("Too many attempts"), _("Wait a few minutes, then try again.")),
        500: (_("Something went wrong on our side"), _("The error has been logged. Go back and try again in a moment; what you scanned on the field screens is kept on the phone.")),
        "csrf": (_("The form had expired"), _("The page was open too long, or you logged in again in another tab. Go back, reload the page and send it again.")),
    }


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_page(request, status, *, detail="", key=None, template=None) -> HttpResponse:
    title, message = _titles()[key or status]
    context = {"status": status, "error_title": title, "error_message": message, "error_detail": detail}
    try:
        body = loader.render_to_string(template or f"{status}.html", context, request=request)
    except Exception:  # the frame itself failed (a database down under the navigation): plain page
        logger.exception("error page %s could not be rendered with the site's frame", status)
        body = loader.render_to_string("errors/plain.html", context)
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    if _is_api(request):
        return defaults.bad_request(request, exception)
    return error_page(request, 400)


def permission_denied(request, exception=None):
    if _is_api(request):
        return defaults.permission_denied(request, exception)
    detail = str(exception) if exception is not None and exception.args else ""
    return error_page(request, 403, detail=detail)


def page_not_found(request, exception=None):
    if _is_api(request):
        return defaults.page_not_found(request, exception)
    return error_page(request, 404)


def server_error(request):
    if _is_api(request):
        return defaults.server_error(request)
    return error_page(request, 500)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return django_csrf_failure(request, reason)
    return error_page(request, 403, key="csrf", template="403_csrf.html")
