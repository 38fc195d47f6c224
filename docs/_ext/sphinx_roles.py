"""A griffe extension for the docs build: Sphinx roles in docstrings shown as code.

The docstrings use ``:class:`X```, ``:func:`f```, ``:meth:`m``` and ``:data:`D```; mkdocstrings
would print the role literally. This turns each into inline code, keeping the last dotted
part after a leading ``~`` as Sphinx does.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|data|attr|mod|exc|obj):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


class SphinxRoles(griffe.Extension):
    """Rewrites Sphinx cross-reference roles in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_code, obj.docstring.value)
