"""Request bodies: snake_case keyword arguments to Sentry's JSON names.

The reverse of the converter's decoding, for the small bodies write calls send. Fields left
``UNSET`` are dropped, so an argument the caller did not give is never sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..sentinel import Unset

__all__ = ["SCIM_PATCH_OP", "camel", "scim_patch", "to_wire"]

# Names whose JSON spelling the camelCase rule does not produce.
_IRREGULAR: dict[str, str] = {}


def camel(name: str) -> str:
    """``is_early_adopter`` -> ``isEarlyAdopter``."""
    if name in _IRREGULAR:
        return _IRREGULAR[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON body from keyword arguments: camelCase keys, UNSET values left out."""
    return {camel(k): v for k, v in fields.items() if not isinstance(v, Unset)}


SCIM_PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_patch(operations: list[dict[str, Any]]) -> dict[str, Any]:
    """A SCIM PatchOp message carrying ``operations`` (``{"op", "path"?, "value"}`` dicts)."""
    return {"schemas": [SCIM_PATCH_OP], "Operations": operations}
