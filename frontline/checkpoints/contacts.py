"""Venue-code contacts: "everyone at this venue within ±N minutes of this person".

Both reads are index ranges on VenueScan (venue, scanned_at): the first for one moment at one
venue, the second for all of a person's check-ins at once (one OR of ranges, which PostgreSQL
runs as a BitmapOr of index scans). Used by the gate's statistics now and by tracing later.
"""

import datetime

from django.db.models import Q

from .models import VenueScan


def venue_contacts(venue_id: int, at: datetime.datetime, minutes: int = 30, exclude_person: str = ""):
    window = datetime.timedelta(minutes=minutes)
    scans = VenueScan.objects.filter(venue_id=venue_id, scanned_at__gte=at - window, scanned_at__lte=at + window)
    return scans.exclude(person_hash=exclude_person) if exclude_person else scans


def person_contacts(person_hash: str, minutes: int = 30, since=None, until=None, limit_scans: int = 500):
    """Scans of other people at the venues this person checked in, within ±``minutes`` of each check-in."""
    window = datetime.timedelta(minutes=minutes)
    own = VenueScan.objects.filter(person_hash=person_hash)
    if since is not None:
        own = own.filter(scanned_at__gte=since)
    if until is not None:
        own = own.filter(scanned_at__lte=until)
    ranges = list(own.order_by("-scanned_at").values_list("venue_id", "scanned_at")[:limit_scans])
    if not ranges:
        return VenueScan.objects.none()
    q = Q()
    for venue_id, at in ranges:
        q |= Q(venue_id=venue_id, scanned_at__gte=at - window, scanned_at__lte=at + window)
    return VenueScan.objects.filter(q).exclude(person_hash=person_hash)
