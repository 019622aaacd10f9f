"""A WSGI app that answers every request with 200, for the access-log test (no database)."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
