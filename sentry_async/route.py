"""Routes: a method plus a path template, and the safe way to fill the template in."""

from __future__ import annotations

import functools
import re
import string
from urllib.parse import quote

import attrs

__all__ = ["Route", "encode_segment"]

_FORMATTER = string.Formatter()
# Built routes by (method, template, *param items), for str values only (True == 1 would
# make a bool key hit an int's entry). Audits build the same few thousand routes over and
# over; a hit skips validation and encoding, which gave the same answer the first time.
_BUILT: dict[tuple[object, ...], Route] = {}
_BUILT_MAX = 4096
# Slugs and ids are nearly always made of these: nothing to encode, so skip quote().
_SAFE = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9_.~-]*")


@functools.lru_cache(maxsize=256)
def _fields(template: str) -> frozenset[str]:
    return frozenset(field for _, field, _, _ in _FORMATTER.parse(template) if field)


def encode_segment(value: object, name: str = "value") -> str:
    """Percent-encode one path parameter so it stays exactly one path segment.

    Every reserved character is encoded (``/``, ``?``, ``#``, ``%``...), and so are the dots
    of ``.`` and ``..``, which would otherwise be collapsed by URL normalisation and address
    the parent endpoint. Empty values are refused before any request is made.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"{name} must be a str or int, not {type(value).__name__}")
    text = value if isinstance(value, str) else str(value)
    if _SAFE.fullmatch(text):
        return text  # cannot be "." or "..": the first character is never a dot
    if not text.strip():
        raise ValueError(f"{name} must not be empty")
    encoded = quote(text, safe="")
    if set(encoded) == {"."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


@attrs.frozen(slots=True)
class Route:
    """A concrete request target, remembered by its template.

    ``key`` (``"GET /projects/{org}/{project}/"``) names the route in rate-limit state, logs
    and errors; ``path`` is the encoded concrete path relative to ``/api/0``.
    """

    method: str
    template: str
    path: str
    #: ``"GET /projects/{org}/{project}/"``: read several times per request, so made once.
    key: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.method} {self.template}")

    @classmethod
    def build(cls, method: str, template: str, **params: object) -> Route:
        """Fill ``template``'s ``{name}`` fields with single-segment-encoded ``params``."""
        cache_key = (method, template, *params.items())
        try:
            route = _BUILT.get(cache_key)
        except TypeError:  # an unhashable value: refused by _build with a clear message
            route = None
        if route is not None and cls is Route:
            return route
        route = cls._build(method, template, params)
        if cls is Route and all(type(value) is str for value in params.values()):
            if len(_BUILT) >= _BUILT_MAX:
                _BUILT.clear()  # bounded; refilling costs one build per route
            _BUILT[cache_key] = route
        return route

    @classmethod
    def _build(cls, method: str, template: str, params: dict[str, object]) -> Route:
        names = _fields(template)
        if names != params.keys():
            missing, extra = names - params.keys(), params.keys() - names
            raise TypeError(f"{template}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        encoded = {name: encode_segment(value, name) for name, value in params.items()}
        return cls(method.upper(), template, template.format_map(encoded))

    def __str__(self) -> str:
        return self.key
