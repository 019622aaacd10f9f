"""Response schemas of areas that other apps' responses embed."""

from frontline.core.apikit import Out

from .models import Area


class AreaRef(Out):
    id: int
    name: str
    kind: Area.Kind


def area_ref(area: Area) -> dict:
    return {"id": area.pk, "name": area.name, "kind": area.kind}
