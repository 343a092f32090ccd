"""Secret links stay out of the logs.

The confirmation and manage pages of a booking are reached through a signed token in the path
(``/book/confirmed/<token>/``, ``/book/manage/<token>/...``): whoever holds the token can see,
move and cancel the booking, so a log line must not carry it. Two writers see those paths:

- gunicorn's access log: the request line, the path, the referrer of every request made from
  such a page (its styles and scripts), and the ``Location`` of the redirect after booking.
  ``RedactingGunicornLogger`` is set as gunicorn's ``logger_class`` in ``gunicorn.conf.py``.
- Django's own warnings ("Not Found: /book/manage/...", "Forbidden (CSRF cookie not set.): ...").
  ``RedactTokens`` filters the handlers in ``settings.LOGGING``.

A proxy in front keeps its own access log: docs/deploy.md gives nginx a format that does the same.
"""

import logging
import re

from gunicorn.glogging import Logger

# The path segment after these prefixes is a token (booking/urls.py).
TOKEN_IN_PATH = re.compile(r"(/book/(?:confirmed|manage)/)[^/?#\s\"']+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with the token of every secret link in it replaced by ``[redacted]``."""
    return TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)


class RedactingGunicornLogger(Logger):
    """gunicorn's logger, with every access-log value (request line, path, referrer, headers)
    redacted, whatever ``access_log_format`` picks from them."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}


class RedactTokens(logging.Filter):
    """A logging filter that redacts secret links in the message of every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
