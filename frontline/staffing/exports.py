"""A roster as a community posts it on the wall: posts × days, names in the cells (.xlsx)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font


def roster_xlsx(roster, days, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Roster")[:31]
    sheet.append([f"{roster.area.name} {roster.starts_on:%Y-%m-%d}–{roster.ends_on:%m-%d}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Post"), *[f"{d:%m-%d} {d.isoweekday()}" for d in days]])
    for row in rows:
        cells = []
        for shifts in row["cells"]:
            lines = [f"{timezone.localtime(s.starts_at):%H:%M}-{timezone.localtime(s.ends_at):%H:%M} "
                     f"{s.member.name if s.member_id else _('hole')}" for s in shifts]
            cells.append("\n".join(lines))
        sheet.append([row["post"].name, *cells])
    for column in sheet.iter_cols(min_row=2):
        sheet.column_dimensions[column[0].column_letter].width = 22
        for cell in column:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
