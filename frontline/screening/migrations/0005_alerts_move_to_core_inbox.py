"""Screening's own alerts (positive pool, conflicting results) move into the core inbox.

Each row becomes a core Alert of kind ``screening.positive_pool`` / ``screening.result_conflict``
pointing at its tube, with the same area, time and acknowledgement. Their message was stored
already rendered (in the language of the moment), so it is kept as the msgid with no params.
"""

from django.db import migrations

KINDS = {"positive_pool": ("screening.positive_pool", "emergency", 3),
         "result_conflict": ("screening.result_conflict", "urgent", 2)}


def forward(apps, schema_editor):
    Old = apps.get_model("screening", "Alert")
    Alert = apps.get_model("core", "Alert")
    ContentType = apps.get_model("contenttypes", "ContentType")
    tube_type, _ = ContentType.objects.get_or_create(app_label="screening", model="tube")
    seen = set()
    rows = []
    for old in Old.objects.order_by("created_at", "pk").iterator():
        kind, severity, rank = KINDS.get(old.kind, (f"screening.{old.kind}", "warning", 1))
        if old.kind == "positive_pool":
            key = f"screening.positive_pool:{old.tube_id}:{old.area_path}"
        else:
            key = f"screening.result_conflict:{old.tube_id}"
        if key in seen:
            key = f"{key}:{old.pk}"
        seen.add(key)
        rows.append(Alert(
            kind=kind, severity=severity, rank=rank, key=key, area_path=old.area_path,
            target_type=tube_type if old.tube_id else None, target_id=str(old.tube_id or ""),
            message=old.message[:300], params={}, created_at=old.created_at, raised_by="system:migration",
            acknowledged_at=old.acknowledged_at, acknowledged_by_id=old.acknowledged_by_id,
        ))
    Alert.objects.bulk_create(rows, batch_size=1000)


def backward(apps, schema_editor):
    Old = apps.get_model("screening", "Alert")
    Alert = apps.get_model("core", "Alert")
    Area = apps.get_model("areas", "Area")
    areas = dict(Area.objects.values_list("path", "pk"))
    for alert in Alert.objects.filter(kind__startswith="screening.").iterator():
        if alert.area_path not in areas:
            continue
        Old.objects.create(
            kind=alert.kind.removeprefix("screening."), message=alert.message, area_id=areas[alert.area_path],
            tube_id=int(alert.target_id) if alert.target_id.isdigit() else None, area_path=alert.area_path,
            created_at=alert.created_at, acknowledged_at=alert.acknowledged_at, acknowledged_by_id=alert.acknowledged_by_id,
        )
    Alert.objects.filter(kind__startswith="screening.").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_alert"),
        ("screening", "0004_fewer_tube_indexes"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="Alert"),
    ]
