"""Gate statistics per gate and day, the live view of a gate, and the .xlsx export."""

import datetime
import io

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core.scoping import prefix_q

from .decisions import mask_name
from .models import Gate, Passage, ResidentPresence, VehiclePassage
from .policy import FEVER, rule_label

LATE_HOUR = 22  # "who has been out past 22:00"
MORNING_HOUR = 6


def day_bounds(date_from: datetime.date, date_to: datetime.date):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def gate_day_stats(user, date_from: datetime.date, date_to: datetime.date, gate_ids=None) -> list[dict]:
    """[{gate, day, in, out, refused, overrides, fevers, visitors, vehicles, offline, review, refusals: {rule: n}}]"""
    start, end = day_bounds(date_from, date_to)
    passages = Passage.objects.restrict(user).filter(at__gte=start, at__lt=end)
    vehicles = VehiclePassage.objects.restrict(user).filter(at__gte=start, at__lt=end)
    if gate_ids:
        passages, vehicles = passages.filter(gate_id__in=gate_ids), vehicles.filter(gate_id__in=gate_ids)
    allowed = Q(decision="allowed") | Q(overridden_by__isnull=False)
    rows = (
        passages.annotate(day=TruncDate("at")).values("gate_id", "day").order_by()
        .annotate(
            n_in=Count("pk", filter=allowed & Q(direction="in")),
            n_out=Count("pk", filter=allowed & Q(direction="out")),
            refused=Count("pk", filter=Q(decision="refused")),
            overrides=Count("pk", filter=Q(overridden_by__isnull=False)),
            fevers=Count("pk", filter=Q(temperature__gte=FEVER)),
            visitors=Count("pk", filter=Q(visitor__isnull=False)),
            offline=Count("pk", filter=Q(decided_offline=True)),
            review=Count("pk", filter=Q(needs_review=True)),
        )
    )
    table: dict[tuple, dict] = {}

    def row(gate_id, day):
        return table.setdefault((gate_id, day), {
            "gate_id": gate_id, "day": day, "in": 0, "out": 0, "refused": 0, "overrides": 0, "fevers": 0, "visitors": 0,
            "offline": 0, "review": 0, "vehicles": 0, "refusals": {},
        })

    for r in rows:
        row(r["gate_id"], r["day"]).update(
            {"in": r["n_in"], "out": r["n_out"], "refused": r["refused"], "overrides": r["overrides"], "fevers": r["fevers"],
             "visitors": r["visitors"], "offline": r["offline"], "review": r["review"]})
    by_rule = passages.filter(decision="refused").annotate(day=TruncDate("at")).values("gate_id", "day", "rule").order_by()
    for r in by_rule.annotate(n=Count("pk")):
        row(r["gate_id"], r["day"])["refusals"][r["rule"]] = r["n"]
    for r in vehicles.annotate(day=TruncDate("at")).values("gate_id", "day").order_by().annotate(n=Count("pk")):
        row(r["gate_id"], r["day"])["vehicles"] = r["n"]
    gates = {g.pk: g for g in Gate.objects.filter(pk__in={k[0] for k in table}).select_related("compound")}
    result = []
    for (gate_id, _day), data in sorted(table.items(), key=lambda kv: (kv[0][1], str(gates[kv[0][0]]))):
        data["gate"] = gates[gate_id]
        result.append(data)
    return result


def stats_xlsx(rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from frontline.core.text import excel_row

    wb = Workbook()
    ws = wb.active
    ws.title = _("Gate statistics")[:31]
    rules = sorted({rule for r in rows for rule in r["refusals"]})
    header = [_("Day"), _("Compound"), _("Gate"), _("In"), _("Out"), _("Refused"), _("Overrides"), _("Fevers"),
              _("Visitors"), _("Vehicles"), _("Decided offline"), _("Needs review")]
    header += [_("Refused: %(rule)s") % {"rule": rule_label(rule)} for rule in rules]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(excel_row([
            r["day"], r["gate"].compound.name, r["gate"].name, r["in"], r["out"], r["refused"], r["overrides"], r["fevers"],
            r["visitors"], r["vehicles"], r["offline"], r["review"], *[r["refusals"].get(rule, 0) for rule in rules],
        ]))
    for row in ws.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = max(10, min(30, len(str(column[0].value or "")) * 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def last_late_mark(now) -> datetime.datetime:
    """The most recent 22:00 (local) at or before ``now``."""
    local = timezone.localtime(now)
    mark = local.replace(hour=LATE_HOUR, minute=0, second=0, microsecond=0)
    return mark if local >= mark else mark - datetime.timedelta(days=1)


def live_view(gate, now=None) -> dict:
    """Passages at this gate this hour, refusals still standing today, who of each household of
    the compound is out now, and who has been out past 22:00."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    hour_start = local.replace(minute=0, second=0, microsecond=0)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    this_hour = Passage.objects.filter(gate=gate, at__gte=hour_start, at__lte=now)
    counts = this_hour.aggregate(
        n_in=Count("pk", filter=Q(direction="in") & (Q(decision="allowed") | Q(overridden_by__isnull=False))),
        n_out=Count("pk", filter=Q(direction="out") & (Q(decision="allowed") | Q(overridden_by__isnull=False))),
        refused=Count("pk", filter=Q(decision="refused")),
    )
    refusals = list(
        Passage.objects.filter(gate=gate, at__gte=day_start, decision="refused")
        .select_related("resident", "visitor", "household__area", "overridden_by").order_by("-at")[:50]
    )
    recent = list(this_hour.select_related("resident", "visitor").order_by("-at")[:20])
    late_mark = last_late_mark(now)
    households: dict[int, dict] = {}
    out_now = (
        ResidentPresence.objects.filter(prefix_q("household__area__path", gate.compound.path), is_out=True)
        .select_related("resident", "household__area", "gate").order_by("household__area__path", "household__room", "since")
    )
    late = []
    night = local.hour >= LATE_HOUR or local.hour < MORNING_HOUR
    for presence in out_now:
        entry = households.setdefault(presence.household_id, {"household": presence.household, "people": []})
        is_late = presence.since < late_mark or night
        person = {"name": mask_name(presence.resident.name), "since": presence.since, "gate": presence.gate, "late": is_late}
        entry["people"].append(person)
        if is_late:
            late.append({**person, "household": presence.household})
    return {
        "now": now, "hour_start": hour_start, "counts": counts, "recent": recent, "refusals": refusals,
        "out_households": list(households.values()), "late": late, "late_mark": late_mark,
    }
