"""frontline demo [--size N]: the demo communities and logins; --size adds a generated city."""

import time

from django.core.management.base import BaseCommand

from frontline.demo.build import build_demo
from frontline.demo.bulk import generate_city


class Command(BaseCommand):
    help = "Build the demo data (idempotent) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=0, help="Also generate a city of about N residents.")
        parser.add_argument("--street-size", type=int, default=200_000, help="Residents per street in the generated city.")
        parser.add_argument("--no-base", action="store_true", help="With --size: skip the named demo communities.")
        parser.add_argument("--url", default="", help="Where the demo will be served, to print full addresses (./dev demo sets it).")

    def handle(self, *args, size=0, street_size=200_000, no_base=False, url="", **options):
        if not no_base:
            result = build_demo(stdout=self.stdout)
            if result["created"]:
                self.stdout.write(self.style.SUCCESS(f"Demo data built: {result['residents']:,} residents."))
        if size:
            started = time.monotonic()
            made = generate_city(size, street_residents=street_size, stdout=self.stdout)
            if made is None:
                self.stdout.write("A generated city of that size exists already.")
            else:
                city, counts = made
                self.stdout.write(self.style.SUCCESS(
                    f"Generated {city.name}: {counts['residents']:,} residents, {counts['households']:,} households, "
                    f"{counts['areas']:,} areas in {time.monotonic() - started:.0f} s."))
        if not no_base:
            self.stdout.write("\nLogins (username / password — role — area):")
            for username, password, display, role, area in result["logins"]:
                self.stdout.write(f"  {username:<15} {password}   {role:<20} {area}   ({display})")
            if result["places"]:
                self.stdout.write("\nWhere to go (log in as the user named, same password):")
                for what, path, username in result["places"]:
                    self.stdout.write(f"  {username:<10} {url.rstrip('/')}{path:<36} {what}")
