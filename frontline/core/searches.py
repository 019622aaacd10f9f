"""Search text out of URLs (issue 8, hole 2; DESIGN.md §9: no personal value travels in a URL).

A list page searched by name, phone or ID number used ``GET …/residents/?q=13912340001``: the
value sat in the access log, the browser history and any Referer. With ``SessionSearchMixin`` the
search form posts, the text is kept in the session under a short random token, and the page
redirects to ``?search=<token>`` beside the other (non-personal) filters, so pagination and
"back" keep working. An old link with ``?q=`` is accepted once and redirected the same way.
"""

import secrets

from django.shortcuts import redirect

SESSION_KEY = "frontline_searches"
KEEP = 20  # searches kept per session (each tab or page its own token)


class SessionSearchMixin:
    """For list views whose filter form has a text field ``q`` that may hold a personal value."""

    search_field = "q"

    def post(self, request, *args, **kwargs):
        return redirect(self._stash(request, request.POST))

    def get(self, request, *args, **kwargs):
        if request.GET.get(self.search_field):
            return redirect(self._stash(request, request.GET))
        return super().get(request, *args, **kwargs)

    def _stash(self, request, data) -> str:
        params = data.copy()
        text = (params.pop(self.search_field, [""])[-1] or "").strip()[:100]
        for key in ("csrfmiddlewaretoken", "page", "search"):
            params.pop(key, None)
        if text:
            token = secrets.token_urlsafe(6)
            kept = dict(list(request.session.get(SESSION_KEY, {}).items())[-(KEEP - 1):])
            kept[token] = text
            request.session[SESSION_KEY] = kept
            params["search"] = token
        query = params.urlencode()
        return f"{request.path}?{query}" if query else request.path

    def search_data(self):
        """The filter form's data: the URL's filters with the search text read back from the session."""
        data = self.request.GET.copy()
        token = data.pop("search", [None])[-1]
        text = self.request.session.get(SESSION_KEY, {}).get(token) if token else None
        if text:
            data[self.search_field] = text
        return data or None
