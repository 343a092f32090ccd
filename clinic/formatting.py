"""How every date and time that people read is written: pages, the admin, emails, text messages
and calendar files all call these functions (templates through the ``clinic_format`` filters).

US clinic style, in the clinic's time zone (``CLINIC_TIME_ZONE``):

- long date   "Wednesday, December 2, 2026"
- short date  "Wed, Dec 2" (with ", 2026" where the year matters: staff lists, past dates)
- time        "10:00 AM"
- time zone   "Eastern Time", the generic name patients use, from the CLDR data in Babel
- date typed  "MM/DD/YYYY" (date of birth), the form US patients write
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from django.conf import settings

TYPED_DATE_FORMAT = "%m/%d/%Y"
TYPED_DATE_HINT = "MM/DD/YYYY"


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def long_date(day: date | datetime) -> str:
    """'Wednesday, December 2, 2026' (a datetime is first put in clinic local time)."""
    if isinstance(day, datetime):
        day = local(day).date()
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def short_date(day: date | datetime, *, with_year: bool = False) -> str:
    """'Wed, Dec 2', or 'Wed, Dec 2, 2026'."""
    if isinstance(day, datetime):
        day = local(day).date()
    text = f"{day:%a}, {day:%b} {day.day}"
    return f"{text}, {day.year}" if with_year else text


def clock(moment: datetime) -> str:
    """'10:00 AM' in clinic local time."""
    moment = local(moment)
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def long_when(moment: datetime) -> str:
    """'Wednesday, December 2, 2026 at 10:00 AM'."""
    return f"{long_date(moment)} at {clock(moment)}"


def short_when(moment: datetime | None, *, with_year: bool = True) -> str:
    """'Wed, Dec 2, 2026, 10:00 AM' (staff lists); '' for no time."""
    if moment is None:
        return ""
    return f"{short_date(moment, with_year=with_year)}, {clock(moment)}"


def time_range(start: datetime, end: datetime) -> str:
    """'10:00 AM to 10:30 AM'."""
    return f"{clock(start)} to {clock(end)}"


def zone_name() -> str:
    """'Eastern Time' for America/New_York: how patients name the clinic's time zone."""
    return get_timezone_name(settings.TIME_ZONE, width="long", locale="en_US")


def typed_date(day: date) -> str:
    """A date as patients type it on forms: '05/17/1980'."""
    return day.strftime(TYPED_DATE_FORMAT)
