"""Draws the app icons (192 and 512 PNG, favicon.ico) into frontline/static/frontline/icons/.

The files are committed; run this only to change them: ``python manage.py makeicons``.
A red square (the topbar's --accent) with 一线 in white, in WenQuanYi Micro Hei
(``apt-get install fonts-wqy-microhei``)."""

from pathlib import Path

from django.core.management.base import BaseCommand

OUT = Path(__file__).resolve().parents[3] / "static" / "frontline" / "icons"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def icon(size: int):
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGBA", (size, size), "#c62828")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, int(size * 0.36))
    box = draw.textbbox((0, 0), "一线", font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    draw.text(((size - w) / 2 - box[0], (size - h) / 2 - box[1]), "一线", font=font, fill="white")
    return img


class Command(BaseCommand):
    help = "Draw the app icons (manifest and favicon)."

    def handle(self, *args, **options):
        OUT.mkdir(parents=True, exist_ok=True)
        for size in (192, 512):
            icon(size).save(OUT / f"icon-{size}.png", optimize=True)
        icon(256).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
        self.stdout.write(f"icons written to {OUT}")
