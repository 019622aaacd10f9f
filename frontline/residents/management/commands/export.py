"""frontline export --area AREA [--user NAME] [--reveal] -o out.xlsx

Writes the residents ledger of an area to .xlsx, masked unless --reveal (which needs the
``reveal`` action on the area and writes one audit row). Without --user: the system, no scope
limit.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from frontline.residents.ledger_export import export_ledger

from ._ledger_cli import find_area, find_user


class Command(BaseCommand):
    help = "Export the residents ledger of an area to .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help="area id, or path of names")
        parser.add_argument("--user", help="act as this user (their export scope); default: the system")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--reveal", action="store_true", help="full ID numbers and phones (audited)")
        parser.add_argument("--reason", default="", help="why full numbers are needed (goes to the change log)")

    def handle(self, *args, **options):
        user = find_user(options["user"], "cli:export")
        area = find_area(options["area"])
        output = Path(options["output"])
        try:
            with output.open("wb") as out:
                count = export_ledger(out, area=area, actor=user, reveal=options["reveal"], source="cli", reason=options["reason"])
        except PermissionDenied as exc:
            output.unlink(missing_ok=True)
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{count} residents written to {options['output']}" + (" (full numbers)" if options["reveal"] else " (masked)"))
