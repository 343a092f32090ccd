"""Shared helpers for the browser tests: the browser, a schedule, a patient, axe-core, keyboard, screenshots."""

import importlib
import logging
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django.utils import timezone

from booking.models import AppointmentType, clinic_tz
from tests.booking.conftest import make_clinician, make_slot, make_type

ROOT = Path(__file__).resolve().parents[2]
# Every run saves its screenshots under test-results/ (ignored by git); `make screenshots` points
# SCREENSHOTS_DIR at docs/screenshots/ to refresh the ones the README shows.
SCREENSHOTS = ROOT / os.environ.get("SCREENSHOTS_DIR", "test-results/screenshots")
AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def chromium_path() -> str:
    """Debian's Chromium (installed by `make test`), or the one named by CHROMIUM."""
    return os.environ.get("CHROMIUM") or "/usr/bin/chromium"


@dataclass(frozen=True)
class Patient:
    name: str
    email: str
    phone: str
    date_of_birth: date
    reason: str
    access_needs: str

    def personal_data(self) -> list[str]:
        """Every form in which this patient's details could leak into a log line."""
        digits = re.sub(r"\D", "", self.phone)
        born = self.date_of_birth
        return [
            self.name,
            self.name.split()[-1],
            self.email,
            self.email.split("@")[0],
            self.phone,
            digits,
            f"+1{digits}",
            born.isoformat(),
            f"{born:%m/%d/%Y}",
            self.reason,
            self.access_needs,
        ]


# Distinctive values, so that a leak into a log line cannot hide behind a common word.
PATIENT = Patient(
    name="Morgan Quillfeather",
    email="morgan.quillfeather@example.org",
    phone="212-555-0187",
    date_of_birth=date(1979, 4, 12),
    reason="Bony lump growing near the left hip since surgery",
    access_needs="Step-free entrance and a hoist please",
)


def weekday_ahead(min_days: int = 3) -> date:
    """The first Monday to Thursday at least ``min_days`` ahead: it and the next day share a week."""
    day = timezone.localdate(timezone.now(), clinic_tz()) + timedelta(days=min_days)
    while day.weekday() > 3:
        day += timedelta(days=1)
    return day


def clinic_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clinic_tz())


def make_schedule():
    """One appointment type with two clinicians and five free slots over two days of one week."""
    appointment_type = make_type(
        name="HO consultation",
        slug="ho-consultation",
        description="An assessment of heterotopic ossification: history, examination and a plan.",
        what_to_bring="A list of your medicines and any X-ray reports.",
        duration_minutes=30,
        patient_kind=AppointmentType.Kind.ANY,
    )
    okafor = make_clinician(name="Dr. Maya Okafor", slug="maya-okafor", title="Physiatrist")
    reyes = make_clinician(name="Dr. Daniel Reyes", slug="daniel-reyes", title="Radiation oncologist")
    appointment_type.clinicians.add(okafor, reyes)
    day = weekday_ahead()
    next_day = day + timedelta(days=1)
    slots = [
        make_slot(start=clinic_time(day, 9), clinician=okafor, appointment_type=appointment_type),
        make_slot(start=clinic_time(day, 9, 30), clinician=okafor, appointment_type=appointment_type),
        make_slot(start=clinic_time(day, 10), clinician=reyes, appointment_type=appointment_type),
        make_slot(start=clinic_time(next_day, 14), clinician=okafor, appointment_type=appointment_type),
        make_slot(start=clinic_time(next_day, 15), clinician=reyes, appointment_type=appointment_type),
    ]
    return SimpleNamespace(type=appointment_type, clinicians=[okafor, reyes], slots=slots, day=day)


def restore_migration_data() -> None:
    """The information pages and staff groups that data migrations made, which a transactional test's
    flush removed. (Django's serialized rollback cannot be relied on here: once Playwright runs in
    this thread, the test sees a fresh database connection object without the serialized copy.)"""
    editor = SimpleNamespace(connection=connection)
    importlib.import_module("info.migrations.0002_first_content").create_pages(apps, editor)
    importlib.import_module("info.migrations.0004_corrected_plain_content").update_pages(apps, editor)
    importlib.import_module("info.migrations.0005_visit_info").create_visit_info(apps, editor)
    importlib.import_module("clinic.migrations.0002_visit_info_roles").set_roles(apps, editor)


# --- axe-core -------------------------------------------------------------------------------

_AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(result => result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  })))"""


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not govern: the site
        # keeps its strict script-src and no request leaves the machine.
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe-core found WCAG 2.2 A/AA violations on {where or page.url}:\n" + (
        describe_violations(violations)
    )


_SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('button, input:not([type=hidden]), select, textarea, a.btn, summary')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0) continue;
    if (el.closest('[aria-hidden=true]')) continue;
    const name = el.id || el.name || el.textContent.trim();
    if (box.width < 24 || box.height < 24) small.push(`${el.tagName} ${name} ${box.width}x${box.height}`);
  }
  return small;
}"""


def assert_targets_large_enough(page) -> None:
    """Every button and form control is at least 24 x 24 CSS pixels (WCAG 2.2 SC 2.5.8)."""
    small = page.evaluate(_SMALL_TARGETS)
    assert small == [], f"targets smaller than 24 x 24 px on {page.url}: {small}"


# --- Keyboard -------------------------------------------------------------------------------

_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'BODY', text: '', visible: false};
  const text = (el.getAttribute('aria-label') || el.innerText || el.value || el.id || '').trim();
  let visible = false;
  for (let node = el, depth = 0; node && depth < 4; node = node.parentElement, depth++) {
    const style = getComputedStyle(node);
    if ((style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none') {
      visible = true;
      break;
    }
  }
  return {tag: el.tagName, id: el.id, text: text.slice(0, 120), visible};
}"""


def focused(page) -> dict:
    return page.evaluate(_FOCUS)


def tab_to(page, text: str | None = None, *, element_id: str | None = None, max_presses: int = 120) -> dict:
    """Press Tab until the focused element has this id or starts with this text; each stop must show focus."""
    seen = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        now = focused(page)
        for _ in range(5):  # the focus ring may be painted a frame after the key press
            if now["visible"]:
                break
            page.wait_for_timeout(50)
            now = focused(page)
        seen.append(now["text"] or now["tag"])
        assert now["visible"], f"no visible focus indicator on {now}"
        if (element_id and now["id"] == element_id) or (text and now["text"].startswith(text)):
            return now
    raise AssertionError(f"Tab never reached {text or element_id!r}; focus went through {seen}")


# --- Screenshots ----------------------------------------------------------------------------


def save_screenshot(page, name: str) -> None:
    """<SCREENSHOTS>/<name>.png, the viewport only; a folder that cannot be written is not a test failure."""
    image = page.screenshot(animations="disabled", caret="hide")
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(image)
    except OSError as error:
        logging.getLogger(__name__).warning("screenshot %s not saved: %s", name, error)
