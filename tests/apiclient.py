"""Helpers for API tests: clients authenticated by device token, and JSON requests."""

import json

from django.test import Client

from frontline.accounts.models import DeviceToken

API = "/api/v1"


def token_client(user, header="bearer") -> Client:
    """A client that presents a fresh device token of ``user`` (no session, no CSRF)."""
    _token, key = DeviceToken.issue(user, "test device")
    if header == "bearer":
        return Client(headers={"Authorization": f"Bearer {key}"})
    return Client(headers={"X-Device-Token": key})


def send(client, method, path, body=None, **kwargs):
    """``method`` on ``API + path`` with a JSON body; returns the response."""
    call = getattr(client, method.lower())
    if body is None:
        return call(API + path, **kwargs)
    return call(API + path, data=json.dumps(body), content_type="application/json", **kwargs)
