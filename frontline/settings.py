"""Django settings for Frontline, read from environment variables.

DATABASE_URL            default: SQLite (WAL) at var/frontline.sqlite3
FRONTLINE_SECRET_KEY    required when DEBUG is off (else generated once into var/secret_key)
FRONTLINE_DATA_KEY      personal-data key; required when DEBUG is off (else var/data_key)
FRONTLINE_GENERATE_KEYS 1: generate the two keys into var/ even with DEBUG off (the demo)
DEBUG, ALLOWED_HOSTS    as usual
REDIS_URL               optional shared cache (login rate limits across workers; without it the
                        database holds them) and the task queue's broker (RedisHuey); without
                        it the queue is SQLite in var/
FRONTLINE_QUEUE_IMMEDIATE  run tasks in the calling process, at once (default: on under pytest)
LEAN_PREPARED_STATEMENTS  default on: hot-path SQL prepared per connection on PostgreSQL; turn
                        off behind a pooler in transaction mode (PgBouncer before 1.21)
"""

import os
import sys
from pathlib import Path

import environ

from frontline.core.keys import read_or_create_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("FRONTLINE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(DEBUG=(bool, False))

DEBUG = env("DEBUG")
# The keys come from the environment. Only the demo and development may generate them into var/:
# DEBUG on, ``./dev demo`` and ``frontline demo`` (FRONTLINE_GENERATE_KEYS=1), the test suite
# (pytest sets PYTEST_VERSION). Otherwise a missing key stays empty and the system check
# frontline.E001 (core/checks.py) refuses to start: a worker started without the data key would
# otherwise write personal data under a fresh key that no other worker can read.
FRONTLINE_GENERATE_KEYS = DEBUG or env.bool("FRONTLINE_GENERATE_KEYS", default=False) or "PYTEST_VERSION" in os.environ
FRONTLINE_MISSING_KEYS = [name for name in ("FRONTLINE_SECRET_KEY", "FRONTLINE_DATA_KEY") if not env.str(name, default="")]


def _key(name, file):
    if name not in FRONTLINE_MISSING_KEYS:
        return env.str(name)
    return read_or_create_key(VAR_DIR / file) if FRONTLINE_GENERATE_KEYS else ""


SECRET_KEY = _key("FRONTLINE_SECRET_KEY", "secret_key")
FRONTLINE_DATA_KEY = _key("FRONTLINE_DATA_KEY", "data_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "frontline.core.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files at /api/v1/docs (no CDN)
    "huey.contrib.djhuey",  # the task queue's worker: manage.py run_huey
    "frontline.core",
    "frontline.accounts",
    "frontline.areas",
    "frontline.residents",
    "frontline.screening",
    "frontline.isolation",
    "frontline.checkpoints",
    "frontline.mywork",
    "frontline.staffing",
    "frontline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON compressed for phones on weak networks (static files: WhiteNoise). Django
    # masks the CSRF token per response, which is what keeps compression from leaking it (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "frontline.core.middleware.RequestIdMiddleware",
    # Every error under /api/ is JSON, also those Django's own middleware answer (core/middleware.py).
    "frontline.core.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "frontline.core.middleware.ActorMiddleware",
    # Last, so the transaction holds the operation and nothing else (core/middleware.py).
    "frontline.core.middleware.ApiTransactionMiddleware",
]

ROOT_URLCONF = "frontline.urls"
WSGI_APPLICATION = "frontline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontline.core.context_processors.nav",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'frontline.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while the import or a desk writes; IMMEDIATE avoids
    # "database is locked" upgrades in write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The default random_page_cost (4) models spinning disks: on an SSD it makes the planner
    # prefer hash joins over full tables to a few hundred index probes (a desk batch's 200
    # residents: 17 ms instead of 2 ms). An operator's own setting in DATABASE_URL wins.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("options", "-c random_page_cost=1.1")
# The hand-written hot-path statements (core/lean.py: the gate decision, the desk scan) are
# prepared once per connection on PostgreSQL: planning was most of their cost. Django's own
# queries are not prepared.
LEAN_PREPARED_STATEMENTS = env.bool("LEAN_PREPARED_STATEMENTS", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Login throttling (accounts.throttle): one store every web worker shares, or the demo's two
# gunicorn workers would each count their own failures. Redis when configured; else a table in
# the database (accounts.ThrottleEntry's table, made by ``migrate``).
THROTTLE_CACHE_TABLE = "frontline_throttle_cache"
CACHES["throttle"] = (
    {**CACHES["default"], "KEY_PREFIX": "throttle"} if REDIS_URL else
    # Culling must not drop live locks (300 entries by default: failing on 300 made-up names would
    # otherwise free a locked one); expired rows are still removed when the table is culled.
    {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": THROTTLE_CACHE_TABLE,
     "OPTIONS": {"MAX_ENTRIES": 1_000_000}}
)

# The task queue (core/queue.py): SQLite in var/ by default, so the demo needs no service; Redis
# when REDIS_URL is set (workers on other machines). One worker process (threads inside it) runs
# the tasks and the periodic scheduler: `frontline run_huey`. Under pytest every task runs at
# once in the calling process (immediate mode; a test that wants a real worker starts one).
QUEUE_IMMEDIATE = env.bool("FRONTLINE_QUEUE_IMMEDIATE", default="pytest" in sys.modules)
HUEY = {
    "name": "frontline",
    "immediate": QUEUE_IMMEDIATE,
    "results": False,  # a job's result and error live in core.JobRun, where every web worker reads them
    "utc": False,  # crontabs read the local time (Django sets the process's TZ to TIME_ZONE)
    "consumer": {"workers": env.int("FRONTLINE_QUEUE_THREADS", default=2), "worker_type": "thread",
                 "periodic": True, "check_worker_health": True, "backoff": 1.15, "max_delay": 2.0},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey",
                 "filename": env.str("FRONTLINE_QUEUE_FILE", default=str(VAR_DIR / "queue.sqlite3"))})
# A running job whose worker has given no sign of life for this long did not finish.
JOB_STALE_SECONDS = env.int("FRONTLINE_JOB_STALE_SECONDS", default=300)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "frontline" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
# The project's own CSS lives beside the templates, not inside an app: finders must be told.
STATICFILES_DIRS = [BASE_DIR / "frontline" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Login throttling: failures per (username, address) within the window.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_LOCK_SECONDS = env.int("LOGIN_LOCK_SECONDS", default=900)

# Imports larger than this are refused before a row is read.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
# Tests only: seconds the import job pauses after each batch it writes (to kill a worker mid-run).
IMPORT_TEST_WRITE_PAUSE = env.float("FRONTLINE_IMPORT_TEST_WRITE_PAUSE", default=0)
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=300 * 1024 * 1024)

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    # The queue worker's own lines (a task started, finished, retried), once each.
    "loggers": {"huey": {"handlers": ["console"], "level": env.str("QUEUE_LOG_LEVEL", default="INFO"),
                         "propagate": False}},
}

# Isolation: an open case with no check-in by this local hour raises isolation.missed_checkin.
ISOLATION_CHECKIN_DEADLINE_HOUR = env.int("ISOLATION_CHECKIN_DEADLINE_HOUR", default=10)
