"""QR codes with segno: inline SVG for pages, a module matrix for the PDF."""

import segno
from django.utils.safestring import mark_safe


def qr_svg(content: str, scale: int = 6) -> str:
    """An inline <svg> (no external file, prints sharply at any size)."""
    code = segno.make(content, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=scale, border=2, dark="#000", light="#fff"))


def qr_matrix(content: str) -> list[list[bool]]:
    code = segno.make(content, error="m", micro=False)
    return [[bool(cell) for cell in row] for row in code.matrix]
