class ScreeningError(Exception):
    """A refusal the desk or the lab should read: ``code`` is stable, ``message`` is for people,
    ``details`` carries what the screen needs to explain it (where and when, etc.)."""

    status = 422

    def __init__(self, code: str, message, details=None):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.details = details or {}


class Conflict(ScreeningError):
    status = 409
