"""``python -m sentry_async``: the ``sentry-async`` command line."""

import sys

from sentry_async.cli import main

if __name__ == "__main__":
    sys.exit(main())
