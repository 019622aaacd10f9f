"""The residents app's tasks (the worker autoloads every app's ``tasks.py``)."""

from .import_jobs import import_ledger_job, sweep_import_uploads

__all__ = ["import_ledger_job", "sweep_import_uploads"]
