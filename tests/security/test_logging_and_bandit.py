"""Logs never carry the template context; bandit finds no medium or high severity problem in our code."""

import json
import subprocess
import sys
from pathlib import Path

from tests.clinic.test_settings import run_settings

ROOT = Path(__file__).resolve().parents[2]


def test_template_logger_stays_above_debug_even_when_log_level_is_debug():
    # At DEBUG, django.template logs the whole context (patient details included) for every missing variable.
    code = (
        "import logging; level = lambda name: logging.getLogger(name).getEffectiveLevel(); "
        "print(level('django.template'), level('booking'))"
    )

    result = run_settings({"SECRET_KEY": "x" * 50, "LOG_LEVEL": "DEBUG"}, code=code)

    assert result.stdout.strip() == f"{20} {10}", result.stderr


def test_bandit_reports_no_medium_or_high_severity_finding():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandit",
            "-r",
            "clinic",
            "info",
            "booking",
            "accounts",
            "audit",
            "-ll",
            "-f",
            "json",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    report = json.loads(result.stdout)
    findings = [
        f"{item['filename']}:{item['line_number']} {item['test_id']} {item['issue_severity']}: {item['issue_text']}"
        for item in report["results"]
    ]
    assert findings == [], "\n".join(findings)
    assert report["errors"] == []
    assert result.returncode == 0, result.stderr
