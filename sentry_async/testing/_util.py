"""Deterministic hashing and Sentry-style timestamps, shared by the data modules."""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["iso", "iso_or_none", "mix", "unit"]

_MASK = (1 << 64) - 1


def mix(*values: int) -> int:
    """A 64-bit hash of integers, stable across processes (unlike ``hash`` of a str).

    SplitMix64 finalizer folded over the inputs: cheap and well spread, so synthesised
    values (stats, users, tag counts) look random yet repeat exactly for the same seed.
    """
    h = 0x9E3779B97F4A7C15
    for value in values:
        h = (h ^ (value & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & _MASK
        h ^= h >> 29
    return h


def unit(*values: int) -> float:
    """``mix`` mapped onto [0, 1)."""
    return mix(*values) / 18446744073709551616.0


def iso(epoch: float) -> str:
    """Epoch seconds as Sentry prints them: ``2024-01-31T12:00:00.123456Z``."""
    # isoformat is markedly faster than strftime, and pages of 100 items call this a lot.
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat("T", "microseconds")[:-6] + "Z"


def iso_or_none(epoch: float | None) -> str | None:
    return None if epoch is None else iso(epoch)
