import re
import uuid

from . import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (or keeps a sane X-Request-ID) for the audit trail and the logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = context.set_request_id(rid)
        try:
            response = self.get_response(request)
        finally:
            context.reset_request_id(token)
        response["X-Request-ID"] = rid
        return response


class ActorMiddleware:
    """Pages and the API send the user's language choice; nothing else is global."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


class ApiTransactionMiddleware:
    """Every API write (a POST, PUT, PATCH or DELETE under /api/) is ONE database transaction,
    from the request's validation to the last byte of its answer: an unhandled exception, an
    answer of 500 or more, or an error an exception handler turned into a 4xx rolls everything
    back, the change log included. So "answered 500 but saved" cannot happen (a gate PATCH once
    saved its change and audit row, then failed building the answer).

    Validation comes first anyway (ninja checks the body before the operation runs). An
    operation that *returns* a 4xx itself (``return 409, …``) keeps what it wrote on purpose,
    e.g. the audit row of a refused lookup; raising instead rolls back. Chosen over
    ``ATOMIC_REQUESTS``, which wraps only the view: ninja turns exceptions into responses inside
    the view, so the transaction would commit them, and the answer's rendering would run outside.
    """

    SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.SAFE or not request.path.startswith("/api/"):
            return self.get_response(request)
        from django.db import DEFAULT_DB_ALIAS, transaction

        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            response = self.get_response(request)
            if response.status_code >= 500 or getattr(request, "_api_failed", False):
                transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
        return response


def upload_limit() -> str:
    """DATA_UPLOAD_MAX_MEMORY_SIZE as a person reads it ("2.5 MB")."""
    from django.conf import settings
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


class ApiErrorMiddleware:
    """Under /api/ every error is JSON ``{"code", "message", "details"}``, whoever made it.

    The API's own handlers (frontline/api.py) answer what happens inside an operation, an
    unhandled exception and a lost database included. This catches the rest, which Django
    answers with its HTML pages before the API is reached: a CSRF refusal by Django's middleware,
    a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` read outside an operation, a URL under /api/ that
    no API serves, a failure in a middleware (the session store's database gone) and a 500 page.
    It sits near the top of MIDDLEWARE so it sees the answers of everything below it.
    """

    CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             413: "too_large", 429: "throttled", 500: "server_error", 503: "unavailable"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        replaced = self.json_error(request, response.status_code, content=getattr(response, "content", b""))
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):  # what the status needs beside it
            if header in response:
                replaced[header] = response[header]
        return replaced

    @classmethod
    def json_error(cls, request, status, *, content=b"", code=None, message=None):
        from django.http import JsonResponse
        from django.utils import translation

        from .apikit import MESSAGES

        if code is None:
            code = cls.CODES.get(status, "error" if status < 500 else "server_error")
            if status == 403 and b"csrf" in content.lower():
                code = "csrf_failed"
        if message is None:
            key = {"csrf_failed": "csrf_failed", "bad_request": "bad_request", "not_found": "no_endpoint",
                   "server_error": "server_error", "unavailable": "unavailable", "too_large": "too_large",
                   "method_not_allowed": "method_not_allowed"}.get(code, "forbidden" if status == 403 else "server_error")
            # Django's middleware has chosen the language already (LocaleMiddleware), or not.
            with translation.override(getattr(request, "LANGUAGE_CODE", None) or translation.get_language()):
                message = str(MESSAGES[key])
            if key == "too_large":
                message = message % {"size": upload_limit()}
        response = JsonResponse({"code": code, "message": message, "details": None}, status=status)
        if hasattr(request, "request_id"):
            response["X-Request-ID"] = request.request_id
        return response
