"""Command-line parsing: ``sentry-async [--version] audit ORG [options]``.

Usage errors exit with status 2 (argparse's convention). Nothing parsed here is ever echoed
with the token in it: the parser redacts any token it was given from its error messages.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from yarl import URL

from sentry_async import __version__

from ._collect import period_seconds
from ._demo import DEMO_ORG, DEMO_SIZES

__all__ = ["EXTENSIONS", "FORMATS", "AuditOptions", "UsageError", "build_parser", "parse"]

FORMATS = ("table", "json", "csv", "markdown", "html")
#: ``--output`` file extensions and the format each implies when ``--format`` is not given.
EXTENSIONS = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "table",
}
PROG = "sentry-async"
_MAX_PERIOD = 90 * 86400  # Sentry keeps 90 days of event stats
_REDACTED = "<redacted>"

_DESCRIPTION = """\
Audit a Sentry organization in one go: every member, project, client key and service hook,
fetched through the Sentry Web API at the rate limit, with a report of what to fix."""

_AUDIT_EPILOG = f"""\
formats:
  table     a readable summary (default; rich tables on a terminal if rich is installed)
  json      the full report: org, partial, coverage, totals, findings, projects, members...
  csv       the findings, one per row: rule,severity,subject,message
  markdown  the full report as markdown tables
  html      one self-contained page (inline CSS and SVG charts, nothing fetched) to share
  With --output and no --format, the file's extension picks the format (.json, .csv,
  .md, .html, .txt); a --format that contradicts the extension is refused.

authentication:
  The token comes from --token or $SENTRY_AUTH_TOKEN and is never printed. It needs the
  org:read, project:read and member:read scopes; without one of the last two, the audit
  reads what it can and names the scope that would read the rest. $SENTRY_URL sets the base
  URL of a self-hosted Sentry (default https://sentry.io).

exit status:
  0 done, everything was read; 6 done with gaps: some sections or projects could not be
  read (the report lists them, with the scope that would unlock them; "partial": true);
  1 other Sentry error; 2 usage error; 3 token missing or rejected, or not allowed to read
  the organization; 4 organization not found; 5 network error; 7 the URL does not answer
  like a Sentry API (check --base-url); 130 interrupted (Ctrl-C); 143 terminated.
  Interrupted with --output, a partial report ("partial": true, "interrupted": true) is
  written first.

examples:
  {PROG} audit --demo                       # no token, no network: a built-in fake Sentry
  {PROG} audit my-org
  {PROG} audit my-org --output audit.json   # the format follows the extension
  {PROG} audit my-org --output report.html  # a page to attach to a ticket
  {PROG} audit my-org --stats-period 30d --format csv > findings.csv"""


class UsageError(Exception):
    """Bad arguments; the message is safe to print."""


class _Parser(argparse.ArgumentParser):
    """Redacts secrets from error messages; errors exit 2 as usual."""

    secrets: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        for secret in self.secrets:
            if secret:
                message = message.replace(secret, _REDACTED)
        self.print_usage()
        self.exit(2, f"{self.prog}: error: {message}\n")


@dataclass(frozen=True)
class AuditOptions:
    """Parsed ``audit`` arguments (the token is resolved later, with the environment)."""

    org: str
    format: str
    output: Path | None
    concurrency: int
    stats_period: str
    base_url: str | None
    token: str | None
    demo: bool
    demo_size: str
    progress: bool


def _concurrency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 1 and 100, got {value}")
    return value


def _period(text: str) -> str:
    try:
        seconds = period_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds > _MAX_PERIOD:
        raise argparse.ArgumentTypeError(f"at most 90d (Sentry keeps 90 days), got {text!r}")
    return text.strip().lower()


def _base_url(text: str) -> str:
    try:
        url = URL(text.strip())
    except ValueError:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise argparse.ArgumentTypeError(f"not an http(s) URL like https://sentry.io: {text!r}")
    if url.user is not None or url.password is not None:
        raise argparse.ArgumentTypeError("must not contain credentials; use --token")
    return str(url)


def build_parser(
    secrets: Sequence[str] = (),
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The top-level parser and its ``audit`` sub-parser."""
    parser = _Parser(prog=PROG, description=_DESCRIPTION)
    parser.secrets = secrets
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    audit = commands.add_parser(
        "audit",
        help="audit an organization and report what to fix",
        description=_DESCRIPTION,
        epilog=_AUDIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    assert isinstance(audit, _Parser)
    audit.secrets = secrets
    audit.add_argument(
        "org", nargs="?", metavar="ORG", help=f"organization slug (with --demo: {DEMO_ORG})"
    )
    audit.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default=None,
        help="report format (default: from the --output extension, else table)",
    )
    audit.add_argument(
        "-o", "--output", metavar="FILE", help="write the report to FILE (atomically)"
    )
    audit.add_argument(
        "-c",
        "--concurrency",
        type=_concurrency,
        default=25,
        metavar="N",
        help="projects audited at once (default 25); pacing follows Sentry's rate limits",
    )
    audit.add_argument(
        "--stats-period",
        type=_period,
        default="14d",
        metavar="PERIOD",
        help="event volume window, e.g. 24h, 14d, 4w (default 14d)",
    )
    audit.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="Sentry root URL (default $SENTRY_URL, else https://sentry.io)",
    )
    audit.add_argument(
        "--token", metavar="TOKEN", help="auth token (default $SENTRY_AUTH_TOKEN; never printed)"
    )
    audit.add_argument(
        "--demo",
        action="store_true",
        help="audit a built-in fake Sentry (in-process on 127.0.0.1; no token, no network)",
    )
    audit.add_argument(
        "--demo-size",
        choices=tuple(DEMO_SIZES),
        default="full",
        help="demo org size: full (540 projects, 230 members; default) or small (60, 70)",
    )
    audit.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    return parser, audit


def _secrets(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    found = [environ.get("SENTRY_AUTH_TOKEN", "")]
    for n, arg in enumerate(argv):
        if arg == "--token" and n + 1 < len(argv):
            found.append(argv[n + 1])
        elif arg.startswith("--token="):
            found.append(arg.split("=", 1)[1])
    return [s for s in found if s.strip()]


def parse(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> AuditOptions | int:
    """Parse ``argv``: options to run, or an exit status (help, version, usage error)."""
    parser, audit = build_parser(_secrets(argv, environ))
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return _options(args)
    except UsageError as exc:
        try:
            audit.error(str(exc))
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else 2


def _options(args: argparse.Namespace) -> AuditOptions:
    if args.demo:
        if args.base_url is not None:
            raise UsageError("--demo runs its own fake Sentry; leave out --base-url")
    elif not args.org:
        raise UsageError("give the organization slug (ORG), or use --demo")
    output = None
    fmt = args.format
    if args.output is not None:
        output = Path(args.output)
        if output.is_dir():
            raise UsageError(f"--output {args.output!r} is a directory; give a file name")
        if not output.parent.is_dir():
            raise UsageError(f"--output: directory {str(output.parent)!r} does not exist")
        implied = EXTENSIONS.get(output.suffix.lower())
        if fmt is None:
            fmt = implied or "table"
        elif implied is not None and implied != fmt:
            raise UsageError(
                f"--format {fmt} contradicts --output {args.output!r} (a {implied} file "
                f"name): drop --format, or name the file for {fmt}"
            )
    return AuditOptions(
        org=args.org or DEMO_ORG,
        format=fmt or "table",
        output=output,
        concurrency=args.concurrency,
        stats_period=args.stats_period,
        base_url=args.base_url,
        token=args.token,
        demo=args.demo,
        demo_size=args.demo_size,
        progress=not args.no_progress,
    )
