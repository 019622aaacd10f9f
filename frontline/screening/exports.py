"""Excel exports: the round summary per building, the tube list with results, a bag's manifest.

Written with openpyxl's write-only workbook (rows streamed, not held as cells), so a district's
tube list stays small in memory. None of them holds an ID number or a phone.
"""

import io

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from frontline.areas.models import Area
from frontline.core.scoping import prefix_q
from frontline.core.text import excel_row, excel_text

from . import coverage
from .models import Bag, Round, Tube

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header(sheet, titles):
    bold = Font(bold=True)
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _text(sheet, value):
    """A barcode as text, so Excel never turns a long digit string into 1.2E+13."""
    cell = WriteOnlyCell(sheet, value=excel_text(value))
    cell.number_format = "@"
    return cell


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def building_coverage(round_obj: Round, user) -> list[dict]:
    """Expected and sampled per building (a compound without buildings counts as its own row)."""
    residents = coverage.population(round_obj)
    residents = residents.restrict(user, "view")
    per_area = (residents.annotate(done=coverage.sampled_exists(round_obj)).values("household__area__path")
                .annotate(expected=Count("pk"), sampled=Count("pk", filter=Q(done=True))).order_by())
    per_area = list(per_area)
    paths = {row["household__area__path"] for row in per_area}
    ancestors = {p[:i] for p in paths for i in range(10, len(p) + 1, 10)}
    areas = {a.path: a for a in Area.objects.filter(path__in=ancestors)}
    totals: dict[str, dict] = {}
    for row in per_area:
        path = row["household__area__path"]
        chain = [areas[path[:i]] for i in range(10, len(path) + 1, 10) if path[:i] in areas]
        building = next((a for a in chain if a.kind == "building"), None) or next((a for a in reversed(chain) if a.kind == "compound"), chain[-1])
        compound = next((a for a in chain if a.kind == "compound"), None)
        entry = totals.setdefault(building.path, {"building": building, "compound": compound, "expected": 0, "sampled": 0})
        entry["expected"] += row["expected"]
        entry["sampled"] += row["sampled"]
    rows = []
    for _path, entry in sorted(totals.items()):
        expected, sampled = entry["expected"], entry["sampled"]
        rows.append({**entry, "missing": expected - sampled, "percent": round(100.0 * sampled / expected, 1) if expected else 100.0})
    return rows


def round_summary(round_obj: Round, user) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("By building"))
    _header(sheet, [_("Compound"), _("Building"), _("Expected"), _("Sampled"), _("Not yet sampled"), _("Coverage %")])
    total_expected = total_sampled = 0
    for row in building_coverage(round_obj, user):
        sheet.append(excel_row([row["compound"].name if row["compound"] else "", row["building"].name, row["expected"], row["sampled"],
                      row["missing"], row["percent"]]))
        total_expected += row["expected"]
        total_sampled += row["sampled"]
    sheet.append(excel_row([_("Total"), "", total_expected, total_sampled, total_expected - total_sampled,
                  round(100.0 * total_sampled / total_expected, 1) if total_expected else 100.0]))
    tubes = book.create_sheet(_("Tubes"))
    tube_rows(tubes, Tube.objects.restrict(user).filter(round=round_obj))
    info = book.create_sheet(_("Round"))
    for label, value in [(_("Round"), round_obj.name), (_("Pooling"), round_obj.get_pooling_display()),
                         (_("Starts"), _local(round_obj.starts_at)), (_("Ends"), _local(round_obj.ends_at)),
                         (_("Exported at"), _local(timezone.now()))]:
        info.append(excel_row([str(label), value]))
    return _save(book)


def tube_rows(sheet, tubes):
    _header(sheet, [_("Tube barcode"), _("Site"), _("Swabs"), _("Capacity"), _("Status"), _("Bag"), _("Opened"), _("Sealed"),
                    _("Result"), _("Conflict"), _("Resulted")])
    status_labels, result_labels = dict(Tube.Status.choices), dict(Tube.Result.choices)
    qs = tubes.select_related("site", "bag").order_by("opened_at", "pk")
    for t in qs.iterator(chunk_size=2000):
        sheet.append(excel_row([_text(sheet, t.barcode), t.site.name if t.site_id else _("home sampling"), t.used, t.capacity,
                      str(status_labels.get(t.status, t.status)), t.bag.barcode if t.bag_id else "", _local(t.opened_at),
                      _local(t.sealed_at), str(result_labels.get(t.result, "")), _("yes") if t.result_conflict else "",
                      _local(t.resulted_at)]))


def tube_list(tubes) -> bytes:
    book = Workbook(write_only=True)
    tube_rows(book.create_sheet(_("Tubes")), tubes)
    return _save(book)


def manifest(bag: Bag) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Manifest"))
    sheet.append(excel_row([str(_("Bag")), _text(sheet, bag.barcode)]))
    sheet.append(excel_row([str(_("Site")), bag.site.name]))
    sheet.append(excel_row([str(_("Laboratory")), bag.lab.name if bag.lab_id else ""]))
    sheet.append(excel_row([str(_("Sent")), _local(bag.sent_at)]))
    sheet.append(excel_row([]))
    _header(sheet, ["#", _("Tube barcode"), _("Swabs"), _("Sealed")])
    for n, t in enumerate(bag.tubes.order_by("barcode"), start=1):
        sheet.append(excel_row([n, _text(sheet, t.barcode), t.used, _local(t.sealed_at)]))
    sheet.append(excel_row([]))
    sheet.append(excel_row([str(_("Tubes")), bag.tubes.count(), str(_("Swabs")), sum(bag.tubes.values_list("used", flat=True))]))
    return _save(book)


def in_area(qs, area, field="area_path"):
    return qs.filter(prefix_q(field, area.path)) if area is not None else qs
