"""What the import and export commands share: finding the user and the area from the command line."""

from django.core.management.base import CommandError

from frontline.areas.models import Area


def find_user(username, system_name):
    """The acting user; without --user, the system actor ``system_name`` (no scope limit,
    recorded in the change log as ``system:<name>``)."""
    if not username:
        from frontline.core.access import system_actor

        return system_actor(system_name)
    from frontline.accounts.models import User

    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"No active user named {username!r}.") from None


def find_area(value):
    """An area by id, or by the path of its names from the top: "西安市/碑林区/…/八一西街社区"."""
    value = (value or "").strip()
    if value.isdigit():
        area = Area.objects.filter(pk=int(value)).first()
        if area is None:
            raise CommandError(f"No area with id {value}.")
        return area
    names = [n.strip() for n in value.replace("›", "/").replace(">", "/").split("/") if n.strip()]
    if not names:
        raise CommandError("--area is required: an area id or a path of names such as 测试市/测试区/中城街道/八一西街社区.")
    parent = None
    for name in names:
        area = Area.objects.filter(parent=parent, name=name).first()
        if area is None:
            where = f" under {parent.full_name()}" if parent else " at the top of the tree"
            raise CommandError(f"No area named {name!r}{where}.")
        parent = area
    return parent
