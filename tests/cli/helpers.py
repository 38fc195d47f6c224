"""Running the CLI in-process, and parsers for the report formats (independent of the
renderers)."""

from __future__ import annotations

import csv
import io
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentry_async.cli import run
from sentry_async.cli._signals import Interrupt
from sentry_async.testing import FakeSentry

#: Distinctive, so that a leak anywhere is caught by a plain substring search.
TOKEN = "sntryu_CLI-TEST-TOKEN-do-not-print-7c41e2"
PROJECTS = 30
MEMBERS = 25
ESC = "\x1b"
_PIPE = re.compile(r"(?<!\\)\|")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def assert_no_token(self, *files: Path, token: str = TOKEN) -> None:
        assert token not in self.out
        assert token not in self.err
        for path in files:
            assert token not in path.read_text(encoding="utf-8")


async def audit(
    fake: FakeSentry | None,
    *args: str,
    org: str | None = "acme",
    token: str | None = TOKEN,
    interrupt: Interrupt | None = None,
    rich: bool | None = False,
    stderr: io.StringIO | None = None,
) -> Result:
    """Run ``sentry-async audit`` in this event loop; the token comes from the environment."""
    out, err = io.StringIO(), stderr or io.StringIO()
    argv = ["audit", *([org] if org else []), *args]
    if fake is not None:
        argv += ["--base-url", fake.url]
    environ = {"SENTRY_AUTH_TOKEN": token} if token is not None else {}
    code = await run(argv, stdout=out, stderr=err, environ=environ, rich=rich, interrupt=interrupt)
    return Result(code, out.getvalue(), err.getvalue())


def names_in(directory: Path) -> list[str]:
    """The file names in ``directory``, sorted (e.g. to prove no temp file was left)."""
    return sorted(p.name for p in directory.iterdir())


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [c.strip().replace("\\|", "|").replace("\\\\", "\\") for c in _PIPE.split(inner)]


def parse_markdown(text: str) -> dict[str, Any]:
    """``{"title": ..., "bullets": [...], "tables": {section heading: [row dicts]}}``."""
    title = ""
    bullets: list[str] = []
    tables: dict[str, list[dict[str, str]]] = {}
    section = ""
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        line = lines[n]
        if line.startswith("# "):
            title = line[2:]
        elif line.startswith("## "):
            section = line[3:]
        elif line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("|"):
            headers = _cells(line)
            assert re.fullmatch(r"\|(-{3}:?\|)+", lines[n + 1]), lines[n + 1]
            rows = []
            n += 2
            while n < len(lines) and lines[n].startswith("|"):
                cells = _cells(lines[n])
                assert len(cells) == len(headers), lines[n]
                rows.append(dict(zip(headers, cells, strict=True)))
                n += 1
            tables[section] = rows
            continue
        n += 1
    return {"title": title, "bullets": bullets, "tables": tables}
