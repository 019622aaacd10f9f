"""The printable household pass (出入证): an A6 card with the signed QR, as PDF (reportlab).

The QR is drawn as vector squares from segno's matrix, so it stays sharp on any printer. Chinese
text uses WenQuanYi Micro Hei when the font is installed (embedded), else reportlab's built-in
STSong-Light CID font (no file needed; the viewer supplies the glyphs).
"""

import functools
import io
import os

from django.utils import timezone
from django.utils.translation import gettext as _

from .decisions import mask_name
from .qr import qr_matrix
from .tokens import pass_token

FONT_FILES = ["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"]


@functools.lru_cache(maxsize=1)
def chinese_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in FONT_FILES:
        if os.path.exists(path):
            try:
                pdfmetrics.registerFont(TTFont("FrontlineCJK", path, subfontIndex=0))
                return "FrontlineCJK"
            except Exception:  # a damaged or unexpected font file: fall back to the CID font
                continue
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def pass_pdf(gate_pass) -> bytes:
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = chinese_font()
    household = gate_pass.household
    buffer = io.BytesIO()
    width, height = A6
    pdf = canvas.Canvas(buffer, pagesize=A6)
    title = _("Household pass")
    pdf.setTitle(f"{title} {gate_pass.number}")
    pdf.setFillColorRGB(0.78, 0.16, 0.16)
    pdf.rect(0, height - 18 * mm, width, 18 * mm, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 12 * mm, title)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont(font, 11)
    y = height - 26 * mm
    household_label, members_label, valid_label = _("Household"), _("Members"), _("Valid")
    lines = [
        " ".join(a.name for a in [*household.area.ancestors(), household.area] if a.kind in ("compound", "building", "unit")),
        f"{household_label}: {household.room}",
        f"{members_label}: " + "、".join(mask_name(n) for n in household.residents.exclude(
            status__in=["moved_out", "deceased"]).values_list("name", flat=True)),
        f"{valid_label}: {timezone.localtime(gate_pass.valid_from):%Y-%m-%d %H:%M} – {timezone.localtime(gate_pass.valid_until):%Y-%m-%d %H:%M}",
    ]
    for line in lines:
        pdf.drawString(8 * mm, y, line[:60])
        y -= 6 * mm
    matrix = qr_matrix(pass_token(gate_pass))
    size = 62 * mm
    cell = size / (len(matrix) + 4)
    left = (width - size) / 2
    bottom = 18 * mm
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(left + (c + 2) * cell, bottom + size - (r + 3) * cell, cell, cell, stroke=0, fill=1)
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, 12 * mm, gate_pass.number)
    pdf.setFont(font, 8)
    pdf.drawCentredString(width / 2, 6 * mm, _("Show at the gate; temperature and health code are still checked."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
