"""Route table and matching on the *raw* (still percent-encoded) path.

aiohttp decodes paths before routing, which would let a slug holding ``%2F`` reach another
endpoint. Here the raw path is split on ``/`` first and each segment decoded afterwards, so a
parameter is always exactly one segment and literal segments must match byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote

import attrs

from ._http import Handler

__all__ = ["API_PREFIX", "Match", "Route", "Router"]

API_PREFIX = "/api/0"


@attrs.frozen
class Route:
    """One endpoint: method + template relative to ``/api/0`` (``/projects/{org}/{project}/``)."""

    method: str
    template: str
    handler: Handler

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


@attrs.frozen
class Match:
    """A matched path: the route for this method (None: path known, method not allowed)."""

    route: Route | None
    template: str
    params: dict[str, str]


@attrs.frozen
class _Pattern:
    template: str
    parts: tuple[str | None, ...]  # literal segment, or None for a parameter
    names: tuple[str, ...]
    by_method: dict[str, Route]


def _compile(template: str) -> tuple[tuple[str | None, ...], tuple[str, ...]]:
    parts: list[str | None] = []
    names: list[str] = []
    for segment in template.lstrip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            parts.append(None)
            names.append(segment[1:-1])
        else:
            parts.append(segment)
    return tuple(parts), tuple(names)


class Router:
    """Finds the route for (method, raw path); templates are grouped by segment count."""

    def __init__(self, routes: Iterable[Route]) -> None:
        patterns: dict[str, _Pattern] = {}
        for route in routes:
            pattern = patterns.get(route.template)
            if pattern is None:
                parts, names = _compile(route.template)
                pattern = patterns[route.template] = _Pattern(route.template, parts, names, {})
            pattern.by_method[route.method] = route
        self._patterns = patterns
        self.routes = {r.key: r for p in patterns.values() for r in p.by_method.values()}
        self._by_length: dict[int, list[_Pattern]] = {}
        for pattern in patterns.values():
            self._by_length.setdefault(len(pattern.parts), []).append(pattern)

    def methods(self, template: str) -> list[str]:
        """The methods served on ``template`` (for a 405's Allow header)."""
        return sorted(self._patterns[template].by_method)

    def match(self, method: str, raw_path: str) -> Match | None:
        if not raw_path.startswith(API_PREFIX + "/"):
            return None
        segments = raw_path[len(API_PREFIX) + 1 :].split("/")
        for pattern in self._by_length.get(len(segments), ()):
            values = []
            for part, segment in zip(pattern.parts, segments, strict=True):
                if part is None:
                    if not segment:
                        break
                    values.append(segment)
                elif part != segment:
                    break
            else:
                params = {name: unquote(v) for name, v in zip(pattern.names, values, strict=True)}
                route = pattern.by_method.get(method)
                if route is None and method == "HEAD":
                    route = pattern.by_method.get("GET")  # Django answers HEAD wherever GET is
                return Match(route, pattern.template, params)
        return None
