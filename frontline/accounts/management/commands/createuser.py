"""frontline createuser USERNAME --role ROLE --area AREA [--password P] [--display NAME]"""

import getpass
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from frontline.accounts import services
from frontline.accounts.models import RoleAssignment, User
from frontline.accounts.roles import Role
from frontline.areas.models import Area
from frontline.core.access import system_actor

CLI = system_actor("cli:createuser")


def find_area(spec: str) -> Area:
    """An area by id, or by its names from the top separated by / or ›: 西安市/未央区/谭家街道."""
    if spec.isdigit():
        area = Area.objects.filter(pk=int(spec)).first()
        if area:
            return area
    area = None
    for name in [p.strip() for p in spec.replace("›", "/").split("/") if p.strip()]:
        area = Area.objects.filter(parent=area, name=name).first()
        if area is None:
            raise CommandError(f"No area named {name!r} there. Give an id or the full path of names from the city down.")
    if area is None:
        raise CommandError("Give an area.")
    return area


class Command(BaseCommand):
    help = "Create a user (or add a role to one) holding a role on an area."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, help="Role to hold on --area.")
        parser.add_argument("--area", help="Area id or path of names, e.g. 西安市/未央区/谭家街道.")
        parser.add_argument("--password", help="Password; asked for when omitted and a terminal is attached, else generated.")
        parser.add_argument("--display", default="", help="Display name.")
        parser.add_argument("--superuser", action="store_true")

    def handle(self, *args, **options):
        # A new password revokes the user's device tokens (User.save), recorded as this command.
        with services.acting(CLI, "cli"):
            self._handle(*args, **options)

    @transaction.atomic
    def _handle(self, username, role=None, area=None, password=None, display="", superuser=False, **options):
        if not superuser and not (role and area):
            raise CommandError("Give --role and --area (or --superuser).")
        user, created = User.objects.get_or_create(username=username)
        if display:
            user.display_name = display
        if superuser:
            user.is_superuser = user.is_staff = True
        generated = None
        if created or password:
            if not password:
                try:
                    password = getpass.getpass("Password: ") if _tty() else None
                except (EOFError, KeyboardInterrupt):
                    password = None
                if not password:
                    password = generated = secrets.token_urlsafe(12)
            user.set_password(password)
        user.save()
        if role:
            place = find_area(area)
            if not RoleAssignment.objects.filter(user=user, role=role, area=place).exists():
                services.grant_role(user, role, place, actor=CLI, source="cli")
        self.stdout.write(f"{'Created' if created else 'Updated'} {username}" + (f"; password: {generated}" if generated else ""))


def _tty() -> bool:
    import sys

    return sys.stdin.isatty()
