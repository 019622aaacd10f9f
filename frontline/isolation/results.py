"""What isolation reads of screening: the final test result a release rests on.

``negative_result_since(resident, since)`` is the resident's latest resulted swab taken at or
after ``since`` (a screening round's desk or a home sample), when its tube was negative; None
when there is none or when the latest resulted swab was positive (a later positive outweighs an
earlier negative). Invalid tubes and undone scans do not count.
"""

from frontline.screening.models import Sample, Tube


def negative_result_since(resident, since):
    latest = (
        Sample.objects.filter(resident=resident, voided_at__isnull=True, created_at__gte=since,
                              tube__result__in=[Tube.Result.NEGATIVE, Tube.Result.POSITIVE])
        .select_related("tube").order_by("-created_at", "-id").first()
    )
    if latest is not None and latest.tube.result == Tube.Result.NEGATIVE:
        return latest
    return None
