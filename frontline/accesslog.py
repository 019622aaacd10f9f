"""The gunicorn access log without query strings (issue 8, hole 2; DESIGN.md §9).

No personal value may travel in a URL, and none may be written to a log. Frontline's screens send
lookups in POST bodies, but a browser, a bookmark or a script can still put an ID number or a
phone into a query string (``?q=61011219311201000X``), and a Referer header repeats the page's
full URL. This logger writes every request line, referer and environ value with its query string
replaced by ``?…``, whatever the format string asks for. Use it with

    gunicorn frontline.wsgi --logger-class frontline.accesslog.PathOnlyLogger --access-logfile -

(``./dev demo`` does, and ``gunicorn.conf.py`` at the project root sets it for any gunicorn
started there).
"""

from gunicorn.glogging import Logger

HIDDEN = "?…"
# Atoms (and environ/header atoms) that can hold a URL or a query string.
_URL_ATOMS = ("f", "{referer}i", "{http_referer}e", "{raw_uri}e", "{request_uri}e")
_QUERY_ATOMS = ("q", "{query_string}e")


def without_query(url: str) -> str:
    """``/a/b?q=1#x`` → ``/a/b?…``; a URL without a query string is returned as it is."""
    if not isinstance(url, str):
        return url
    base, sep, _rest = url.partition("?")
    return base + HIDDEN if sep else base


class PathOnlyLogger(Logger):
    """gunicorn's logger, writing paths without query strings in every access-log atom."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        method, uri, protocol = environ.get("REQUEST_METHOD"), without_query(environ.get("RAW_URI", "")), environ.get("SERVER_PROTOCOL")
        atoms["r"] = f"{method} {uri} {protocol}"
        for key in _URL_ATOMS:
            if key in atoms:
                atoms[key] = without_query(atoms[key])
        for key in _QUERY_ATOMS:
            if atoms.get(key):
                atoms[key] = HIDDEN
        return atoms
