"""Data computed on demand from (seed, ids) instead of stored: stats, users, tag values, commits.

Pure functions of the org's seed, so the same request always gets the same answer and a
100,000-project org costs nothing until asked.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ._records import Project, Repo
from ._util import iso, mix, unit

__all__ = [
    "TAG_KEYS",
    "commit_dates",
    "commit_json",
    "event_count",
    "project_users",
    "tag_values",
]

DAY = 86400

# Tag keys every project knows; any other key answers 404 like an unknown tag.
TAG_KEYS = (
    "environment", "release", "level", "browser", "os", "device", "url", "user",
    "server_name", "transaction",
)  # fmt: skip
_TAG_SAMPLES = {
    "environment": ("production", "staging", "development"),
    "level": ("error", "warning", "fatal", "info"),
    "browser": ("Chrome 126", "Firefox 128", "Safari 17.5", "Edge 126"),
    "os": ("Windows 11", "macOS 14.5", "Ubuntu 24.04", "Android 14", "iOS 17.5"),
    "device": ("Desktop", "iPhone15,2", "Pixel 8", "SM-S918B"),
}
_VALUE_COUNTS = {"url": 180, "user": 240, "transaction": 130, "release": 25, "server_name": 12}


def event_count(seed: int, project: Project, ts: int, resolution: int, stat: str) -> int:
    """Events of one bucket ``[ts, ts + resolution)`` for one project and stat."""
    if project.first_event is None or ts + resolution <= project.first_event:
        return 0
    if project.last_event is not None and ts > project.last_event:
        return 0
    per_second = project.hourly_events / 3600
    noise = 0.4 + 1.2 * unit(seed, project.id, ts, resolution)
    count = int(per_second * resolution * noise)
    if stat == "received":
        return count
    share = {"rejected": 0.04, "blacklisted": 0.01, "generated": 0.1}.get(stat, 0.0)
    return int(count * share)


def project_users(seed: int, project: Project, now: float) -> list[dict[str, Any]]:
    """The project's users (a handful to a few hundred), some with ``dateCreated: null``."""
    count = 3 + mix(seed, project.id, 31) % 160 if project.first_event is not None else 0
    users = []
    for n in range(count):
        email = f"user{n}@customer{mix(seed, project.id, n) % 90}.example"
        digest = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
        created = None if n % 10 == 7 else iso(now - (1 + mix(seed, project.id, n, 2) % 300) * DAY)
        users.append(
            {
                "id": str(project.id * 1000 + n),
                "tagValue": f"email:{email}",
                "identifier": str(10_000 + n),
                "username": f"user{n}",
                "email": email,
                "name": f"User {n}",
                "ipAddress": f"10.{n // 250 % 250}.{n % 250}.{1 + project.id % 250}",
                "avatarUrl": f"https://secure.gravatar.com/avatar/{digest}?s=32",
                "hash": digest,
                "dateCreated": created,
            }
        )
    return users


def tag_values(seed: int, project: Project, key: str, now: float) -> list[dict[str, Any]]:
    """Values of one tag, most frequent first (url/user/transaction span several pages)."""
    if project.first_event is None:
        return []
    samples = _TAG_SAMPLES.get(key)
    if samples is not None:
        values = list(samples)
    elif key == "release":
        values = [f"{project.slug}@1.{n}.0" for n in range(_VALUE_COUNTS[key])]
    else:
        values = [f"{key}-{n}" for n in range(_VALUE_COUNTS.get(key, 10))]
    rows: list[dict[str, Any]] = []
    for n, value in enumerate(values):
        h = mix(seed, project.id, n, len(key))
        last = now - (h % (20 * DAY))
        rows.append(
            {
                "key": key,
                "name": value,
                "value": value,
                "count": 1 + (h >> 20) % 5000,
                "lastSeen": iso(last),
                "firstSeen": iso(last - (h >> 40) % (200 * DAY)),
            }
        )
    rows.sort(key=lambda row: (-row["count"], row["value"]))
    return rows


def commit_dates(seed: int, repo: Repo, now: float) -> list[int]:
    """Commit dates in epoch milliseconds, newest first, strictly decreasing."""
    dates = []
    ms = int(now * 1000) - 3_600_000
    for n in range(repo.commit_count):
        ms -= 60_000 + mix(seed, int(repo.id), n) % (6 * 3_600_000)
        dates.append(ms)
    return dates


def commit_json(seed: int, repo: Repo, n: int, date_ms: int) -> dict[str, Any]:
    sha = f"{mix(seed, int(repo.id), n, 1):016x}{mix(seed, int(repo.id), n, 2):016x}"
    return {
        "id": sha + sha[:8],
        "message": f"Fix flaky path #{repo.commit_count - n} in {repo.name}",
        "dateCreated": iso(date_ms / 1000),
        "pullRequest": None,
        "suspectCommitType": "",
    }
