"""The browser tests wait for conditions, with one generous timeout.

Waiting for the network to be idle or for a fixed time passes on an idle
machine and fails on a busy one; a short timeout does the same.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser import conftest

FOLDER = Path(__file__).parent
FORBIDDEN = re.compile(
    r"networkidle|wait_for_timeout|timeout=\s*\d|set_default_\w*timeout\(\d"
)


def test_browser_tests_wait_for_conditions_not_for_time() -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(FOLDER.glob("*.py"))
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert found == []


def test_one_generous_timeout_for_every_wait() -> None:
    assert conftest.TIMEOUT_MS >= 30_000
    source = (FOLDER / "conftest.py").read_text()
    assert "set_default_timeout(TIMEOUT_MS)" in source
    assert "expect.set_options(timeout=TIMEOUT_MS)" in source
