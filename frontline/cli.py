"""The ``frontline`` console command: Django's manage.py with Frontline's settings.

    frontline demo | import | export | createuser | migrate | runserver | ...
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:  # the demo keeps its generated keys under var/ (settings.py)
        os.environ.setdefault("FRONTLINE_GENERATE_KEYS", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["frontline", *args])


if __name__ == "__main__":
    main()
