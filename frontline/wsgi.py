import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a worker without its keys refuses to start (frontline.E001).
from frontline.core.checks import refuse_to_start  # noqa: E402

refuse_to_start()

# Each gunicorn worker imports this module after it starts: its start-up heap goes out of the
# collector's way before the first request (see core/heap.py).
from frontline.core import heap  # noqa: E402

heap.settle()
