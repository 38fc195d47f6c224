"""The ``audit`` command from start to exit status: set up, gather, report, map errors.

Exit statuses: 0 done, everything read; 6 done with gaps (some sections or projects could
not be read; the report says which, and which scope would unlock them); 1 other Sentry
error (or the report could not be written); 2 usage; 3 token missing or rejected; 4
organization not found; 5 network; 7 the base URL does not answer like a Sentry API; 128 +
signal number when interrupted (130 Ctrl-C, 143 SIGTERM). Every failure is one line on
stderr, prefixed ``sentry-async:``, saying what to do; none shows a traceback (unless
``SENTRY_ASYNC_DEBUG`` is set) or the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io as _stringio
import json
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TextIO, cast

from yarl import URL

from sentry_async import (
    ConfigurationError,
    DecodeError,
    Forbidden,
    NotFound,
    RedirectRefused,
    SentryClient,
    SentryError,
    TransportError,
    Unauthorized,
)
from sentry_async.client import DEFAULT_BASE_URL
from sentry_async.models import Organization

from ._args import PROG, AuditOptions, parse
from ._collect import Collector
from ._demo import DEMO_SIZES, demo_server
from ._html import render_html
from ._output import check_writable, write_report
from ._progress import Progress, make_progress, use_rich_for
from ._report import (
    Report,
    build_report,
    clean,
    gaps,
    render_csv,
    render_json,
    render_markdown,
    shown_total,
)
from ._signals import Interrupt, handle_signals
from ._table import render_plain

__all__ = [
    "EXIT_AUTH",
    "EXIT_ERROR",
    "EXIT_GAPS",
    "EXIT_NETWORK",
    "EXIT_NOT_SENTRY",
    "EXIT_OK",
    "EXIT_ORG_NOT_FOUND",
    "EXIT_USAGE",
    "run",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_ORG_NOT_FOUND = 4
EXIT_NETWORK = 5
EXIT_GAPS = 6
EXIT_NOT_SENTRY = 7
DEBUG_ENV = "SENTRY_ASYNC_DEBUG"
REDACTED = "<redacted>"
#: The first request (the organization) gives up after this many per-attempt timeouts.
PROBE_DEADLINE_FACTOR = 3.0
#: Seconds between "still waiting" lines while the first request has no answer (at most).
WAITING_EVERY = 5.0
_ORG_ROUTE = "/organizations/{org}/"


class _Exit(Exception):
    """Stop with ``code`` after printing ``message`` (already safe to show)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _IO:
    stdout: TextIO
    stderr: TextIO
    environ: Mapping[str, str]
    rich: bool | None
    #: Never printed: :meth:`say` masks these, whatever message carries them.
    secrets: list[str] = field(default_factory=list)
    base_url: str = ""

    def mask(self, text: str, *, html_page: bool = False) -> str:
        """``text`` with every secret replaced, also as HTML or JSON would have escaped it:
        the one redaction every report and every line on stdout/stderr goes through.
        ``html_page``: the marker is written escaped, as page text."""
        marker = html.escape(REDACTED) if html_page else REDACTED
        for secret in self.secrets:
            for form in {secret, html.escape(secret, quote=True), json.dumps(secret)[1:-1]}:
                text = text.replace(form, marker)
        return text

    def say(self, message: str) -> None:
        """One line on stderr, never wrapped over several, with any secret masked."""
        self.stderr.write(f"{PROG}: {' '.join(clean(self.mask(message)).split())}\n")
        self.stderr.flush()


async def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    rich: bool | None = None,
    handle_signals_: bool = False,
    interrupt: Interrupt | None = None,
) -> int:
    """Run the CLI inside a running event loop; returns the exit status.

    ``rich`` forces rich output on (True) or off (False); None decides per stream (a
    terminal with rich installed, unless ``SENTRY_ASYNC_NO_RICH`` is set).
    ``handle_signals_`` routes SIGINT/SIGTERM to a clean stop (main thread only);
    ``interrupt`` lets an embedding program (or a test) ask for that stop itself.
    """
    io = _IO(
        stdout=stdout or sys.stdout,
        stderr=stderr or sys.stderr,
        environ=os.environ if environ is None else environ,
        rich=rich,
    )
    parsed = parse(sys.argv[1:] if argv is None else argv, io.environ)
    if isinstance(parsed, int):
        return parsed
    io.secrets += [
        s.strip() for s in (parsed.token, io.environ.get("SENTRY_AUTH_TOKEN")) if s and s.strip()
    ]
    interrupt = interrupt or Interrupt()
    guard = handle_signals(interrupt) if handle_signals_ else contextlib.nullcontext()
    try:
        with guard:
            return await _audit(parsed, io, interrupt)
    except _Exit as stop:
        io.say(str(stop))
        return stop.code
    except SentryError as exc:
        code, message = _explain(exc, parsed, io.base_url)
        io.say(message)
        return code
    except BrokenPipeError:
        raise  # the reader went away (`| head`): main() ends quietly
    except Exception as exc:  # a bug: one line, a traceback only on request
        if io.environ.get(DEBUG_ENV):
            io.stderr.write(io.mask(traceback.format_exc()))
        io.say(
            f"internal error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 to see the "
            "traceback, and please report it)"
        )
        return EXIT_ERROR


def _sentry_like(body: object) -> bool:
    """Sentry's API errors are JSON objects with a ``detail``; an HTML page is not."""
    return isinstance(body, dict) and "detail" in body


def _not_sentry(url: str, what: str) -> tuple[int, str]:
    return EXIT_NOT_SENTRY, (
        f"{url} does not answer like a Sentry API ({what}): check --base-url / SENTRY_URL "
        "-- it should be the address of a Sentry: https://sentry.io, or a self-hosted "
        "Sentry's root, with the path prefix it is served under if any"
    )


def _answer(exc: DecodeError) -> str:
    """What came back, in words: "200 with JSON that is not...", "an empty 200"..."""
    kind = (exc.content_type or "").split(";")[0].strip().lower()
    if not kind and not exc.snippet:
        return f"an empty {exc.status} answer"
    looks_json = not kind and exc.snippet.lstrip()[:1] in ("{", "[")
    if kind.endswith("json") or looks_json:
        return f"{exc.status} with JSON that is not what Sentry sends here"
    return f"{exc.status} with {kind or 'untyped'} content, not JSON"


def _api_prefix_hint(base_url: str) -> str | None:
    path = URL(base_url).path.rstrip("/")
    if path.endswith("/api") or ("/api/" in path and not path.endswith("/api/0")):
        return (
            f"--base-url ends in {path!r}: give the Sentry's root (the library adds "
            "/api/0 itself), e.g. without the /api part"
        )
    return None


def _explain(exc: SentryError, options: AuditOptions, base_url: str = "") -> tuple[int, str]:
    """Exit status and one line of advice for an error that stopped the audit."""
    hint = _api_prefix_hint(base_url) if base_url else None
    if hint and isinstance(exc, (DecodeError, NotFound)) and exc.route == _ORG_ROUTE:
        return EXIT_NOT_SENTRY, f"{base_url} does not answer like a Sentry API: {hint}"
    if isinstance(exc, RedirectRefused):
        return EXIT_NOT_SENTRY, (
            f"{exc}: the base URL redirects elsewhere, so it does not answer like a Sentry API "
            "here: set --base-url / SENTRY_URL to the address the API is served from"
        )
    if isinstance(exc, DecodeError):
        return _not_sentry(exc.url, _answer(exc))
    if isinstance(exc, NotFound) and not _sentry_like(exc.body):
        return _not_sentry(exc.url, "404 without Sentry's JSON error body")
    if isinstance(exc, Forbidden) and exc.route == _ORG_ROUTE:
        return EXIT_AUTH, (
            f"the token may not read organization {options.org!r} (403): it needs the "
            "org:read scope, and membership of the organization"
        )
    if isinstance(exc, Unauthorized):
        return EXIT_AUTH, (
            "Sentry rejected the auth token (401): set SENTRY_AUTH_TOKEN (or pass --token) "
            "to a valid, unexpired token with the org:read, project:read and member:read "
            "scopes, for this Sentry and organization"
        )
    if isinstance(exc, NotFound) and exc.route == _ORG_ROUTE:
        return EXIT_ORG_NOT_FOUND, (
            f"organization {options.org!r} not found (404): check the slug (Settings > "
            "Organization) and that the token belongs to a member of it"
        )
    if isinstance(exc, TransportError):
        where = str(URL(exc.url).origin()) if exc.url else "Sentry"
        return EXIT_NETWORK, (
            f"could not reach {where} ({exc.reason}): check --base-url / SENTRY_URL, the "
            "network and any proxy, then try again"
        )
    if isinstance(exc, ConfigurationError):
        return EXIT_ERROR, f"configuration error: {exc}"
    return EXIT_ERROR, f"the audit stopped: {exc}"


def _token(options: AuditOptions, environ: Mapping[str, str]) -> str:
    token = options.token if options.token is not None else environ.get("SENTRY_AUTH_TOKEN")
    if not token or not token.strip():
        raise _Exit(
            EXIT_AUTH,
            "no auth token: set SENTRY_AUTH_TOKEN (or pass --token) to a token with the "
            "org:read, project:read and member:read scopes (Sentry: Settings > Auth Tokens); "
            "or try --demo",
        )
    if any(c in token for c in "\r\n"):
        raise _Exit(EXIT_AUTH, "the auth token (SENTRY_AUTH_TOKEN / --token) has a line break")
    return token.strip()


async def _audit(options: AuditOptions, io: _IO, interrupt: Interrupt) -> int:
    progress = make_progress(io.stderr, io.environ, enabled=options.progress, rich=io.rich)
    async with contextlib.AsyncExitStack() as stack:
        if options.demo:
            server = await stack.enter_async_context(demo_server(options.org, options.demo_size))
            projects, members = DEMO_SIZES[options.demo_size]
            progress.status(
                f"demo: fake Sentry at {server.url} with {projects} projects and {members} "
                "members, invitations and requests to join (Sentry lists no request to join), "
                "limited like sentry.io (40 requests/s per route, 25 in flight)"
            )
            token, base_url = server.token, server.url
            io.secrets.append(token)
        else:
            token = _token(options, io.environ)
            base_url = options.base_url or io.environ.get("SENTRY_URL") or DEFAULT_BASE_URL
        io.base_url = base_url
        if options.output is not None:
            _preflight(options)
        client = await stack.enter_async_context(
            SentryClient(token, base_url, timeout=options.timeout)
        )
        collector = _Collector(
            client,
            options.org,
            stats_period=options.stats_period,
            concurrency=options.concurrency,
            progress=progress,
        )
        collector.deadline = options.timeout * PROBE_DEADLINE_FACTOR
        collector.origin = str(URL(base_url).origin())
        progress.status(f"connecting to {collector.origin}")
        stack.enter_context(_retries_shown(progress))
        try:
            finished = await _until_done_or_interrupted(collector, interrupt)
        except (Unauthorized, TransportError) as exc:
            if collector.data.org is None or options.output is None:
                raise
            # The token was revoked (or the network went) partway: keep what was read.
            report = build_report(collector.data, now=datetime.now(timezone.utc), interrupted=True)
            _write(report, options, io)
            code, message = _explain(exc, options, base_url)
            io.say(f"{message} -- partial {options.format} report written to {options.output}")
            return code
    report = build_report(collector.data, now=datetime.now(timezone.utc), interrupted=not finished)
    if not finished:
        return _interrupted(report, options, io, interrupt)
    _deliver(report, options, io)
    return EXIT_GAPS if report.partial else EXIT_OK


def _preflight(options: AuditOptions) -> None:
    """Fail before the audit, not after it, when the report could not be written."""
    assert options.output is not None
    try:
        check_writable(options.output)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise _Exit(
            EXIT_ERROR, f"cannot write the report to {str(options.output)!r}: {why}"
        ) from None


class _Collector(Collector):
    """The collector with the first request bounded by an overall deadline, saying what it
    waits for while it waits (an address that accepts connections and never answers)."""

    deadline: float = 30.0
    origin: str = ""

    async def probe(self, call: Awaitable[Organization]) -> Organization:
        waiting = asyncio.ensure_future(self._say_waiting())
        try:
            return await asyncio.wait_for(call, self.deadline)
        except asyncio.TimeoutError:
            raise _Exit(
                EXIT_NETWORK,
                f"no answer from {self.origin} within {self.deadline:g} s: check --base-url / "
                "SENTRY_URL, the network and any proxy (or raise --timeout)",
            ) from None
        finally:
            waiting.cancel()

    async def _say_waiting(self) -> None:
        waited = 0.0
        every = min(WAITING_EVERY, self.deadline / 3)
        while True:
            await asyncio.sleep(every)
            waited += every
            self.progress.status(
                f"still waiting for {self.origin} to answer ({waited:.3g} s of at most "
                f"{self.deadline:g} s)"
            )


class _RetryLines(logging.Handler):
    """Shows the library's retry notices (INFO on ``sentry_async``) as progress lines."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.INFO and "retrying" in record.getMessage():
            self.progress.status(record.getMessage())


@contextlib.contextmanager
def _retries_shown(progress: Progress) -> Iterator[None]:
    """While the audit runs, say what is being retried (an unreachable host, a 5xx...)."""
    logger = logging.getLogger("sentry_async")
    handler = _RetryLines(progress)
    level = logger.level
    if not logger.isEnabledFor(logging.INFO):
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _until_done_or_interrupted(collector: Collector, interrupt: Interrupt) -> bool:
    """Run the collector; True if it finished, False if a signal stopped it first."""
    work = asyncio.ensure_future(collector.run())
    stop = asyncio.ensure_future(interrupt.wait())
    try:
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not work.done():
            work.cancel()  # cancels the fan-out, and with it every request in flight
        await asyncio.wait({work, stop})
    if interrupt.signum is not None and (work.cancelled() or work.exception() is not None):
        return False
    work.result()  # re-raises what stopped the audit
    return True


def _render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    return render_plain(report)


def _write(report: Report, options: AuditOptions, io: _IO) -> None:
    assert options.output is not None
    try:
        text = io.mask(_render(report, options.format), html_page=options.format == "html")
        write_report(options.output, text)
    except OSError as exc:
        # strerror only: the exception's filename may be the temporary file's.
        why = exc.strerror or type(exc).__name__
        raise _Exit(
            EXIT_ERROR, f"could not write the report to {str(options.output)!r}: {why}"
        ) from None


def _counts(report: Report) -> str:
    t = report.totals
    by = ", ".join(f"{t[f'findings_{s}']:,} {s}" for s in ("high", "medium", "low", "info"))
    findings = f"{t['findings']:,} finding{'' if t['findings'] == 1 else 's'}"

    def counted(key: str, noun: str) -> str:
        shown = shown_total(report, key)
        return f"{shown} {noun}" if shown != "1" else f"1 {noun.removesuffix('s')}"

    return (
        f"{counted('projects', 'projects')}, {counted('members', 'members')} "
        f"(+ {counted('pending_invites', 'pending invites')}); {findings} ({by})"
    )


def _interrupted(report: Report, options: AuditOptions, io: _IO, interrupt: Interrupt) -> int:
    t = report.totals
    done = (
        f"after {t['projects_audited']:,} of {t['projects']:,} projects"
        if report.coverage.get("projects", {}).get("state") == "checked"
        else "before the projects were listed"
    )
    if options.output is not None:
        _write(report, options, io)
        io.say(
            f"interrupted ({interrupt.name}) {done}: partial {options.format} report written "
            f"to {options.output}"
        )
    else:
        io.say(
            f"interrupted ({interrupt.name}) {done}; no report written (with --output FILE "
            "a partial report is kept)"
        )
    return interrupt.exit_code


def _deliver(report: Report, options: AuditOptions, io: _IO) -> None:
    if options.output is not None:
        _write(report, options, io)
        io.say(f"{options.format} report written to {options.output}: {_counts(report)}")
    elif options.format == "table" and use_rich_for(io.stdout, io.environ, io.rich):
        from rich.console import Console

        from ._richui import print_summary

        # Drawn off-screen first, so the one redaction applies to it too.
        screen = Console(file=io.stdout)
        buffer = _stringio.StringIO()
        print_summary(
            report,
            Console(
                file=buffer,
                force_terminal=True,
                color_system=cast(Any, screen.color_system),
                width=screen.width,
            ),
        )
        io.stdout.write(io.mask(buffer.getvalue()))
        io.stdout.flush()
    else:
        page = options.format == "html"
        io.stdout.write(io.mask(_render(report, options.format), html_page=page))
        io.stdout.flush()
    unread = gaps(report.coverage)
    if unread:
        io.say(
            f"completed with gaps (exit {EXIT_GAPS}): not everything could be read, so the "
            "audit may look cleaner than the organization is:"
        )
        for line in unread:
            io.say(f"  not read: {line}")
