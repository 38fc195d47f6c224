"""``help(SentryClient)`` shows where each part of the API lives."""

from __future__ import annotations

import pydoc

from sentry_async import SentryClient


def test_help_lists_every_resource_namespace() -> None:
    text = pydoc.render_doc(SentryClient, renderer=pydoc.plaintext)
    namespaces = [name for name in SentryClient.__annotations__ if not name.startswith("_")]
    assert namespaces
    for name in namespaces:
        assert f"``{name}``:" in text, name
