"""Request-body field checks that fail the way Sentry's serializers do: 400 ``{"f": ["..."]}``."""

from __future__ import annotations

import re
from typing import Any

from ._http import field_error

__all__ = [
    "SLUG_MESSAGE",
    "boolean",
    "required_string",
    "required_url",
    "slugify",
    "string",
    "string_list",
    "url",
    "valid_slug",
]

SLUG_MESSAGE = (
    "Enter a valid slug consisting of lowercase letters, numbers, underscores or hyphens. "
    "It cannot be entirely numeric."
)
_SLUG = re.compile(r"^(?![0-9]+$)[a-z0-9_\-]+$")
_NOT_SLUG = re.compile(r"[^a-z0-9_\-]+")
_URL = re.compile(r"^https?://[^\s/]+")


def string(body: dict[str, Any], field: str, *, max_length: int = 200) -> str | None:
    """An optional string field (None when absent)."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise field_error(field, "Not a valid string.")
    if len(value) > max_length:
        raise field_error(field, f"Ensure this field has no more than {max_length} characters.")
    return value


def required_string(body: dict[str, Any], field: str, *, max_length: int = 200) -> str:
    """A required, non-blank string field."""
    value = string(body, field, max_length=max_length)
    if value is None:
        raise field_error(field, "This field is required.")
    if not value.strip():
        raise field_error(field, "This field may not be blank.")
    return value


def boolean(body: dict[str, Any], field: str) -> bool | None:
    value = body.get(field)
    if value is None or isinstance(value, bool):
        return value
    raise field_error(field, "Must be a valid boolean.")


def string_list(body: dict[str, Any], field: str) -> list[str] | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise field_error(field, 'Expected a list of items but got type "str".')
    return value


def valid_slug(field: str, value: str) -> str:
    if not _SLUG.match(value) or len(value) > 50:
        raise field_error(field, SLUG_MESSAGE)
    return value


def slugify(name: str) -> str:
    return _NOT_SLUG.sub("-", name.lower()).strip("-")[:50]


def url(body: dict[str, Any], field: str) -> str | None:
    """An optional http(s) URL field."""
    value = string(body, field, max_length=512)
    if value is not None and not _URL.match(value):
        raise field_error(field, "Enter a valid URL.")
    return value


def required_url(body: dict[str, Any], field: str) -> str:
    """A required http(s) URL field."""
    value = required_string(body, field, max_length=512)
    if not _URL.match(value):
        raise field_error(field, "Enter a valid URL.")
    return value
