"""frontline import FILE --area AREA [--user NAME] [--dry-run] [--strict] [--create-missing]
                 [--accept-suggested-areas] [--area-alias NAME=AREA_ID ...]

A compound the sheet writes without the name of an area above it (畜牧局家属院 for
盐湖区畜牧局家属院) is printed as a suggestion, and its rows are held back until confirmed for the
whole file: --accept-suggested-areas takes every suggestion, --area-alias names one.

Imports a residents ledger (.xlsx or .csv). Without --user the command acts as the system: no
scope limit (the person at the console has the database anyway). Exit status 1 when the file is
refused or (with --strict) any row has an error.
"""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from frontline.residents.ledger import describe, import_ledger

from ._ledger_cli import find_area, find_user


class Command(BaseCommand):
    help = "Import a residents ledger (.xlsx or .csv) into an area."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--area", required=True, help="area id, or path of names: 测试市/测试区/中城街道/八一西街社区")
        parser.add_argument("--user", help="act as this user (their import scope); default: the system")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--strict", action="store_true", help="import nothing if any row has an error")
        parser.add_argument("--create-missing", action="store_true", help="create buildings and units that do not exist")
        parser.add_argument("--accept-suggested-areas", action="store_true",
                            help="use every suggested compound for a name written without its district/street prefix")
        parser.add_argument("--area-alias", action="append", default=[], metavar="NAME=AREA_ID",
                            help="use compound AREA_ID for the sheet's NAME (repeatable)")
        parser.add_argument("--max-problems", type=int, default=200, help="how many problems to print (default 200)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = find_user(options["user"], "cli:import")
        area = find_area(options["area"])
        show_progress = options["verbosity"] >= 1 and sys.stderr.isatty()

        def progress(phase, done, total):
            if show_progress:
                sys.stderr.write(f"\r{phase}: {done}/{total}   ")
                sys.stderr.flush()

        aliases = {}
        for item in options["area_alias"]:
            name, sep, area_id = item.rpartition("=")
            if not sep or not name or not area_id.isdigit():
                raise CommandError(f"--area-alias takes NAME=AREA_ID, not {item!r}")
            aliases[name] = int(area_id)
        try:
            result = import_ledger(path, area=area, actor=user, dry_run=options["dry_run"], strict=options["strict"],
                                   create_missing=options["create_missing"], filename=path.name, progress=progress, source="import",
                                   area_aliases=aliases, accept_suggestions=options["accept_suggested_areas"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        if show_progress:
            sys.stderr.write("\n")
        for warning in result.warnings:
            self.stdout.write(f"note: {warning}")
        for detail in result.details:
            self.stdout.write(f"  - {detail}")
        problems = sorted(result.problems, key=lambda p: (p.row or 0, p.severity != "error"))
        for problem in problems[: options["max_problems"]]:
            self.stdout.write(f"row {problem.row} [{problem.column}] {problem.severity}: {problem.message}")
        if len(problems) > options["max_problems"]:
            self.stdout.write(f"... and {len(problems) - options['max_problems']} more problems")
        for s in result.suggestions:
            state = "used" if s["accepted"] or aliases.get(s["name"]) == s["area_id"] else "held; confirm with --area-alias or --accept-suggested-areas"
            self.stdout.write(f"suggestion: “{s['name']}” = {s['area']} (area {s['area_id']}), {s['rows']} rows, first row {s['first_row']}: {state}")
        self.stdout.write(describe(result))
        if result.areas_created:
            self.stdout.write("new areas: " + ", ".join(result.areas_created))
        self.stdout.write(f"rows={result.rows} created={result.created} updated={result.updated} "
                          f"unchanged={result.unchanged} skipped={result.skipped} seconds={result.seconds:.1f}")
        if result.rejected or (result.strict and result.errors):
            raise CommandError(result.rejected or "rows with errors; nothing imported (--strict)")
