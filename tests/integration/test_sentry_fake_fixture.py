"""The ``sentry_fake`` pytest fixture, used the way a user's own test suite would use it.

Nothing is imported from the plugin to make the fixture exist: installing sentry-async
registers it (a ``pytest11`` entry point). The module overrides ``sentry_fake_options`` to
size the org and turn on Sentry-style limits, as the plugin's docstring describes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from sentry_async import SentryClient
from sentry_async.testing import FakeOrg, RateLimitConfig, SentryFake

from .conftest import NOW


async def projects_without_events(sentry: SentryClient, org: str) -> list[str]:
    """A user's bot function: slugs of projects that never received an event."""
    return [p.slug async for p in sentry.projects.list(org) if p.first_event is None]


@pytest.fixture
def sentry_fake_options() -> dict[str, Any]:
    return {
        "org": FakeOrg.generate("acme", projects=240, seed=5, now=NOW),
        "rate_limit": RateLimitConfig(limit=40, concurrent_limit=25),
    }


async def test_a_bot_tested_against_the_fixture(sentry_fake: SentryFake) -> None:
    found = await projects_without_events(sentry_fake.client, "acme")

    expected = [p.slug for p in sentry_fake.fake.org.projects if p.first_event is None]
    assert found == expected and len(found) >= 10  # the generator plants every 23rd one
    assert sentry_fake.fake.counters.requests == 3  # 240 projects, pages of 100
    assert sentry_fake.fake.counters.throttled == 0
    assert sentry_fake.client.base_url == sentry_fake.fake.api_url


# --------------------------------------------------------------------------- a fresh project
# A user's own project, run by a pytest of its own: only sentry-async installed, none of this
# repository's configuration. pytest-asyncio's default mode is strict.

USER_TEST = """
import pytest

{mark}
async def test_projects(sentry_fake):
    projects = await sentry_fake.client.projects.list("acme").collect()
    assert len(projects) == len(sentry_fake.fake.org.projects) > 0
"""

BLOCK_PYTEST_ASYNCIO = """
import sys
sys.modules["pytest_asyncio"] = None  # as if it were not installed
"""


def run_user_project(
    tmp_path: Path, *, mark: str, ini: str, args: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user.py").write_text(USER_TEST.format(mark=mark), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{ini}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_fixture_works_in_strict_mode(tmp_path: Path) -> None:
    done = run_user_project(tmp_path, mark="@pytest.mark.asyncio", ini="asyncio_mode = strict")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_fixture_works_in_auto_mode(tmp_path: Path) -> None:
    done = run_user_project(tmp_path, mark="", ini="asyncio_mode = auto")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_fixture_works_with_no_configuration(tmp_path: Path) -> None:
    done = run_user_project(tmp_path, mark="@pytest.mark.asyncio", ini="")
    assert done.returncode == 0, done.stdout + done.stderr


def test_without_pytest_asyncio_the_fixture_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "block_pytest_asyncio.py").write_text(BLOCK_PYTEST_ASYNCIO, encoding="utf-8")
    done = run_user_project(
        tmp_path,
        mark="",
        ini="",
        # Loaded before the installed plugins, like an environment without pytest-asyncio.
        args=["-p", "block_pytest_asyncio", "-p", "no:asyncio"],
    )
    assert done.returncode == 1
    assert "fixture 'sentry_fake' not found" not in done.stdout
    assert 'the sentry_fake fixture needs pytest-asyncio: pip install "sentry-async[testing]"' in (
        done.stdout
    )


def test_loading_the_plugin_does_not_import_the_fake() -> None:
    # Every pytest session loads the plugin; one that never asks for sentry_fake must not
    # pay for aiohttp.web (the fake's server).
    check = (
        "import sys, sentry_async.pytest_plugin\n"
        "assert 'aiohttp.web' not in sys.modules, 'aiohttp.web was imported'\n"
        "assert 'sentry_async.testing' not in sys.modules, 'the fake was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
