"""``UNSET``: "not given", so that ``None`` can still mean an explicit null."""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["UNSET", "Unset"]


class Unset(enum.Enum):
    """The type of :data:`UNSET`."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET
