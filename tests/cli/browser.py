"""Headless Chromium for the HTML report's tests, driven through Debian's chromedriver.

Nothing is downloaded: the browser and the driver are the system's (``chromium`` and
``chromium-driver``; ``.ci/run`` installs them), and the page is a local file whose
Content-Security-Policy forbids any fetch.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

CHROMIUM = os.environ.get("SENTRY_ASYNC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SENTRY_ASYNC_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 1000) -> Iterator[Any]:
    """A selenium ``WebDriver`` for a fresh headless Chromium profile, quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="sentry-async-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_problems(driver: Any) -> list[str]:
    """Console messages at warning level or worse since the last call."""
    return [
        f"{entry['level']}: {entry['message']}"
        for entry in driver.get_log("browser")
        if entry["level"] in ("WARNING", "SEVERE")
    ]


def screenshot_full_page(driver: Any, path: str, width: int = 1280) -> None:
    """Save the whole page (not only the window) as a PNG."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, height)
    driver.save_screenshot(path)
