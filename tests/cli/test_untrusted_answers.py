"""What a broken or hostile server sends never leaks the token, never hides what was read,
and never sends the audit down a wrong path; outputs land where the admin asked."""

from __future__ import annotations

import asyncio
import contextlib
import html
import io as io_module
import json
import os
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sentry_async.cli import _output
from sentry_async.cli._output import write_report
from sentry_async.testing import FakeSentry, Fault, FaultKind

from ..loopback import serve
from .helpers import PROJECTS, TOKEN, audit, names_in

HOOKS = "GET /projects/{org}/{project}/hooks/"
Rewrite = Callable[[str, Any, str], Any]


@contextlib.asynccontextmanager
async def proxy(fake: FakeSentry, rewrite: Rewrite) -> AsyncIterator[tuple[str, list[str]]]:
    """A proxy in front of ``fake`` that passes each JSON answer through
    ``rewrite(path, body, authorization)``; yields its URL and the paths it was asked for."""
    paths: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        paths.append(request.path_qs)
        auth = request.headers.get("Authorization", "")
        async with (
            aiohttp.ClientSession() as session,
            session.get(fake.url + request.path_qs, headers={"Authorization": auth}) as answer,
        ):
            body = await answer.read()
            headers = {
                k: v
                for k, v in answer.headers.items()
                if k.lower() in ("link", "content-type") or k.lower().startswith("x-sentry")
            }
            if answer.status == 200 and answer.content_type == "application/json":
                body = json.dumps(rewrite(request.path, json.loads(body), auth)).encode()
            return web.Response(status=answer.status, body=body, headers=headers)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", paths
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- the token


def echo_token(path: str, body: Any, auth: str) -> Any:
    """Put the Authorization header wherever a name or slug is shown."""
    if path == "/api/0/organizations/acme/":
        body.update(slug=auth, name=f"Org {auth}")
    if path.endswith("/projects/") and isinstance(body, list) and body:
        body[0]["name"] = auth
    return body


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
async def test_a_server_echoing_the_token_never_gets_it_shown(
    fake: FakeSentry, tmp_path: Path, fmt: str
) -> None:
    async with proxy(fake, echo_token) as (url, paths):
        shown = await audit(None, "--base-url", url, "--format", fmt, "--no-progress")
        target = tmp_path / "report.out"
        written = await audit(
            None, "--base-url", url, "--format", fmt, "-o", str(target), "--no-progress"
        )
    assert shown.code == written.code == 0, shown.err
    shown.assert_no_token()
    written.assert_no_token(target)
    # Masked where it stood (by the library's decoding or by the report's one redaction);
    # HTML shows the marker as text, never as a tag.
    marker = "&lt;redacted&gt;" if fmt == "html" else "<redacted>"
    both = shown.out + target.read_text(encoding="utf-8")
    assert marker in both
    if fmt == "html":
        assert "<redacted>" not in both
    # Every request used the slug the admin gave, never the one the server sent back.
    scoped = ("/api/0/organizations/acme/", "/api/0/projects/acme/", "/api/0/teams/acme/")
    assert paths and all(p.startswith(scoped) or p == "/api/0/users/me/regions/" for p in paths)
    assert not any(TOKEN in p or "Bearer" in p for p in paths)


# --------------------------------------------------------------------------- unreadable items


def break_one_member(path: str, body: Any, auth: str) -> Any:
    if path.endswith("/members/") and isinstance(body, list) and body:
        body[0].pop("id", None)  # an identity field: that item cannot be decoded
    return body


async def test_one_undecodable_member_keeps_the_others(fake: FakeSentry) -> None:
    async with proxy(fake, break_one_member) as (url, _):
        result = await audit(None, "--base-url", url, "--format", "json", "--no-progress")
    assert result.code == 6, result.err
    report = json.loads(result.out)
    members = report["coverage"]["members"]
    assert members["state"] == "checked" and members["unreadable"] == 1
    assert members["scope"] is None
    assert "read with 1 unreadable item" in members["why"]
    assert report["partial"] is True
    assert report["members"] and report["totals"]["members"] is not None
    assert "members: read with 1 unreadable item" in result.err
    assert "scope" not in result.err and ".items" not in result.err + result.out


# --------------------------------------------------------------------------- output targets


async def test_output_through_a_symlink_writes_its_target(fake: FakeSentry, tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = await audit(fake, "-o", str(link), "--no-progress")
    assert result.code == 0, result.err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text(encoding="utf-8"))["org"]["slug"] == "acme"
    assert names_in(tmp_path) == ["link.json", "real.json"]


def test_a_pipe_is_written_as_it_is(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_report(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert got == ["through the pipe\n"]
    assert names_in(tmp_path) == ["pipe"]  # still the pipe, no temp file beside it


async def test_dash_means_stdout(
    fake: FakeSentry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = await audit(fake, "-o", "-", "--format", "json", "--no-progress")
    assert result.code == 0, result.err
    assert json.loads(result.out)["org"]["slug"] == "acme"
    assert names_in(tmp_path) == []


async def test_an_unwritable_output_is_found_before_the_audit(
    fake: FakeSentry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(tmp_path / ".a.json.x1y2.tmp"))

    monkeypatch.setattr(_output.tempfile, "mkstemp", refuse)
    result = await audit(fake, "-o", str(tmp_path / "a.json"), "--no-progress")
    assert result.code == 1
    assert f"cannot write the report to {str(tmp_path / 'a.json')!r}" in result.err
    assert ".tmp" not in result.err
    assert sum(fake.counters.by_route.values()) == 0  # nothing was asked of Sentry


async def test_an_unknown_extension_is_refused_with_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = await audit(None, "-o", str(tmp_path / "a.xlsx"), "--base-url", "http://x.test")
    assert result.code == 2
    err = capsys.readouterr().err  # argparse's own channel
    assert "'.xlsx'" in err and ".json" in err and ".html" in err
    assert err.startswith("sentry-async: ") and len(err.splitlines()) == 1


# --------------------------------------------------------------------------- wrong servers


async def test_an_api_prefix_in_the_base_url_is_named(fake: FakeSentry) -> None:
    result = await audit(None, "--base-url", fake.url + "/api", "--no-progress")
    assert result.code == 7, result.err
    assert "does not answer like a Sentry API" in result.err and "/api/0" in result.err
    assert "not found" not in result.err


async def test_other_json_is_described_as_such() -> None:
    async def other(request: web.Request) -> web.StreamResponse:
        return web.json_response({"hello": "world"})

    async with serve(other) as url:
        result = await audit(None, "--base-url", url, "--no-progress")
    assert result.code == 7
    assert "200 with JSON that is not what Sentry sends here" in result.err
    assert "no content" not in result.err


async def test_a_redirect_elsewhere_is_not_a_sentry_api() -> None:
    async def moved(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": "https://elsewhere.example/x"})

    async with serve(moved) as url:
        result = await audit(None, "--base-url", url, "--no-progress")
    assert result.code == 7
    assert "redirects elsewhere" in result.err
    result.assert_no_token()


async def test_a_server_that_never_answers_is_given_up_on_in_time() -> None:
    never = asyncio.Event()

    async def silent(request: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response()

    async with serve(silent) as url:
        result = await audit(None, "--base-url", url, "--timeout", "0.3")
        never.set()
    assert result.code == 5
    assert "no answer from" in result.err and "within 0.9 s" in result.err
    assert "still waiting for" in result.err


async def test_a_token_revoked_midway_keeps_a_partial_report(
    fake: FakeSentry, tmp_path: Path
) -> None:
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, HOOKS, status=401))
    target = tmp_path / "a.json"
    result = await audit(fake, "-o", str(target), "--no-progress")
    assert result.code == 3
    assert "partial json report written to" in result.err
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["partial"] is True and report["org"]["slug"] == "acme"
    assert len(report["projects"]) == PROJECTS
    result.assert_no_token(target)


async def test_a_write_failing_at_the_end_never_names_the_temporary_file(
    fake: FakeSentry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = _output.tempfile.mkstemp
    calls: list[int] = []

    def second_fails(**kwargs: Any) -> tuple[int, str]:
        calls.append(1)
        if len(calls) == 1:
            return real(**kwargs)  # the check before the audit passes
        raise OSError(28, "No space left on device", str(tmp_path / ".a.json.q7r8.tmp"))

    monkeypatch.setattr(_output.tempfile, "mkstemp", second_fails)
    result = await audit(fake, "-o", str(tmp_path / "a.json"), "--no-progress")
    assert result.code == 1
    assert "could not write the report to" in result.err and "No space left" in result.err
    assert ".tmp" not in result.err
    assert names_in(tmp_path) == []


def test_the_one_redaction_covers_escaped_forms_and_keeps_html_text() -> None:
    from sentry_async.cli._app import _IO

    secret = 'tok"<&>'
    io = _IO(stdout=io_module.StringIO(), stderr=io_module.StringIO(), environ={}, rich=False)
    io.secrets.append(secret)
    text = f"raw {secret} html {html.escape(secret)} json {json.dumps(secret)[1:-1]}"
    assert io.mask(text) == "raw <redacted> html <redacted> json <redacted>"
    page = io.mask(text, html_page=True)
    assert page == "raw &lt;redacted&gt; html &lt;redacted&gt; json &lt;redacted&gt;"
