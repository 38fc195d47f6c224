"""Refresh docs/images/audit-report*.png: the small demo's HTML report in headless Chromium.

Run from the repository root: ``python -m tests.cli.screenshot``.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

from sentry_async.cli import run

from .browser import chromium

TARGET = Path("docs/images/audit-report.png")
#: The projects with their event-volume charts.
PROJECTS = Path("docs/images/audit-report-projects.png")


async def _report(path: Path) -> None:
    argv = ["audit", "--demo", "--demo-size", "small", "--no-progress", "-o", str(path)]
    code = await run(argv, stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    if code != 0:
        raise SystemExit(f"the demo audit exited {code}")


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "report.html"
        asyncio.run(_report(page))
        with chromium(1200, 1500) as browser:
            browser.get(page.as_uri())
            TARGET.parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(TARGET))
            browser.set_window_size(1200, 760)
            browser.execute_script("document.getElementById('projects').scrollIntoView()")
            browser.save_screenshot(str(PROJECTS))
    print(f"wrote {TARGET} and {PROJECTS}")


if __name__ == "__main__":
    main()
