"""The ``frontline`` console command: Django's manage.py with Frontline's settings.

    frontline demo | import | export | createuser | migrate | runserver | ...
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["frontline", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
