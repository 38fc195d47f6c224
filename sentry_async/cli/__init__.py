"""The ``sentry-async`` command line: ``sentry-async audit ORG`` and ``--demo``.

::

    sentry-async audit --demo                  # a built-in fake Sentry: no token, no network
    sentry-async audit my-org --output audit.json   # the format follows the extension
    sentry-async audit my-org --output report.html  # a self-contained page

:func:`main` is the console script; :func:`run` is the same inside a running event loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from ._app import run

__all__ = ["main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sentry-async`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    try:
        return asyncio.run(run(argv, handle_signals_=True))
    except KeyboardInterrupt:
        # A second Ctrl-C while stopping, or one before the handlers were in place.
        sys.stderr.write("sentry-async: interrupted\n")
        return 130
    except BrokenPipeError:
        # stdout was closed early (`sentry-async audit ... | head`): nothing more to say.
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
