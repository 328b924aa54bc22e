"""Logging filters for the console handler (config/settings.py LOGGING)."""

import logging


class DropClientErrorTracebacks(logging.Filter):
    """Keep the one line about a refused request (403, 400) but drop its traceback.

    Django logs a PermissionDenied or a SuspiciousOperation with the exception attached; that traceback says
    nothing an operator can act on and buries the real faults (5xx keep theirs).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
