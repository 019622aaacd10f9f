"""Home isolation moves to the isolation app (issue 13): every checkpoints.HomeIsolation row
becomes an isolation.IsolationCase (kind home), then the seam's table goes.

- start, end → start, planned_end; the seam's free-text reason → source_text (reason "close
  contact" when the text says 密接/密切接触, else "other");
- a lifted row → status released, with who lifted it, when and why (an override: the seam kept
  no test result); a row past its end and never lifted stays active on the ledger, overdue
  for a release with a result;
- two open rows of one resident (the seam allowed it) → the later one stays open, the earlier
  one is closed ("merged on migration") at the later one's start.

The migration lives here, above isolation, so that dependencies point down (checkpoints →
isolation), and it runs once: the source table is deleted by the same migration.
"""

from django.db import migrations


def _reason(text: str) -> str:
    return "close_contact" if any(word in (text or "") for word in ("密接", "密切接触", "close contact")) else "other"


def copy_rows(apps, schema_editor):
    HomeIsolation = apps.get_model("checkpoints", "HomeIsolation")
    IsolationCase = apps.get_model("isolation", "IsolationCase")
    CaseEvent = apps.get_model("isolation", "CaseEvent")
    open_by_resident = {}
    for row in HomeIsolation.objects.select_related("resident__household__area").order_by("start", "pk").iterator():
        lifted = row.lifted_at is not None
        case = IsolationCase(
            resident_id=row.resident_id, kind="home", reason=_reason(row.reason), source_text=(row.reason or "")[:200],
            start=row.start, planned_end=row.end if row.end > row.start else row.start, exposure_at=row.start,
            status="released" if lifted else "active", released_at=row.lifted_at, released_by_id=row.lifted_by_id,
            release_reason=row.lift_reason or "", release_override=lifted,
            area_path=row.resident.household.area.path, created_by_id=row.set_by_id, created_at=row.created_at,
        )
        previous = open_by_resident.get(row.resident_id)
        if not lifted and previous is not None:
            previous.status, previous.released_at, previous.release_override = "released", row.start, True
            previous.release_reason = "merged on migration: a later home isolation of the same person"
            previous.save(update_fields=["status", "released_at", "release_override", "release_reason"])
        case.save()
        CaseEvent.objects.create(case=case, kind="opened", at=row.start, reason=(row.reason or "")[:300], new_end=row.end,
                                 by_id=row.set_by_id, by_name="migration from checkpoints.HomeIsolation")
        if lifted:
            CaseEvent.objects.create(case=case, kind="released", at=row.lifted_at, reason=(row.lift_reason or "")[:300],
                                     by_id=row.lifted_by_id, by_name="migration from checkpoints.HomeIsolation")
        else:
            open_by_resident[row.resident_id] = case


class Migration(migrations.Migration):

    dependencies = [
        ("checkpoints", "0001_initial"),
        ("isolation", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_rows, migrations.RunPython.noop),
        migrations.DeleteModel(name="HomeIsolation"),
    ]
