"""Deterministic records of a sized org (``FakeOrg.generate`` and ``demo`` take them in).

Audit findings are planted at fixed index patterns (not by chance), so every org big enough
has them: projects that never received an event (index % 23 == 5), projects silent for over a
month (% 17 == 9), client keys without a rate limit (% 4 == 1), hooks on every 9th project
(some disabled, some plain http://), pending invites on every 11th member (half of them older
than 30 days), extra owners (% 29 == 7) and projects with no team (% 97 == 13). Names, ids
and volumes come from the seed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

import attrs

from ._records import (
    ClientKey,
    ExternalIssue,
    Installation,
    Member,
    Project,
    Relay,
    Repo,
    ServiceHook,
    Team,
)
from ._util import mix

__all__ = ["ChildrenOfSeed", "Generated", "generate"]

DAY = 86400.0

_ADJECTIVES = (
    "amber", "brave", "calm", "dusty", "eager", "fuzzy", "gentle", "hidden", "icy", "jolly",
    "keen", "lucky", "misty", "noble", "odd", "proud", "quiet", "rapid", "silver", "tidy",
)  # fmt: skip
_NOUNS = (
    "otter", "falcon", "badger", "heron", "lynx", "marten", "newt", "orca", "puffin", "quail",
    "raven", "salmon", "tapir", "urchin", "vole", "walrus", "yak", "zebra", "bison", "crane",
)  # fmt: skip
_TEAM_WORDS = (
    "platform", "payments", "mobile", "web", "data", "infra", "search", "growth", "billing",
    "identity", "checkout", "support", "ml", "edge", "sre", "frontend",
)  # fmt: skip
_FIRST = ("ada", "bo", "cy", "di", "eli", "fay", "gus", "hana", "ivo", "jun", "kai", "lea")
_LAST = ("archer", "brook", "chen", "diaz", "egan", "ford", "gray", "hale", "ito", "jones")
_PLATFORMS = (
    "python", "python-django", "javascript", "javascript-react", "node", "go", "java",
    "ruby-rails", "php-laravel", "android", "apple-ios", "dotnet", "rust", "elixir",
)  # fmt: skip
_ROLES = ("member",) * 14 + ("admin",) * 3 + ("manager",) * 2 + ("billing",)
_HOOK_EVENTS = (["event.alert"], ["event.created"], ["event.alert", "event.created"])
_APPS = ("issue-bridge", "pager-relay", "ticket-sync", "chat-notes", "deploy-board")


@attrs.frozen
class Generated:
    """What the generator makes for one org; ``FakeOrg.generate`` takes it in."""

    teams: list[Team]
    projects: list[Project]
    children: ChildrenOfSeed
    members: list[Member]
    repos: list[Repo]
    relays: list[Relay]
    installations: list[Installation]


@attrs.frozen
class _Org:
    """The org-wide inputs every record is derived from."""

    slug: str
    seed: int
    now: float
    new_id: Callable[[], str]


def generate(
    slug: str,
    *,
    seed: int,
    now: float,
    new_id: Callable[[], str],
    projects: int,
    members: int,
    teams: int | None,
    repos: int,
    commits_per_repo: int,
    relays: int,
    installations: int,
    external_issues: int,
) -> Generated:
    """The records of an org of the given size; the same arguments always give the same records.

    ``new_id`` is the org's id counter (drawn in a fixed order); ``teams`` defaults to one per
    20 projects (at least 1, at most 50); ``external_issues`` is per installation.
    """
    rng = random.Random(seed)
    org = _Org(slug, seed, now, new_id)
    team_count = teams if teams is not None else max(1, min(50, projects // 20))
    team_list = [_team(org, k) for k in range(team_count)]
    project_list = [_project(org, i, team_list) for i in range(projects)]
    member_list = [_member(org, rng, j, team_list) for j in range(members)]
    repo_list = [_repo(org, rng, k, commits_per_repo) for k in range(repos)]
    relay_list = [_relay(org, rng) for _ in range(relays)]
    installation_list = [_installation(org, rng, k, external_issues) for k in range(installations)]
    return Generated(
        teams=team_list,
        projects=project_list,
        children=ChildrenOfSeed(seed, slug),
        members=member_list,
        repos=repo_list,
        relays=relay_list,
        installations=installation_list,
    )


def _hex(rng: random.Random, bits: int = 128) -> str:  # for the few rng-built records
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def _team(org: _Org, k: int) -> Team:
    word = _TEAM_WORDS[k % len(_TEAM_WORDS)]
    slug = word if k < len(_TEAM_WORDS) else f"{word}-{k // len(_TEAM_WORDS) + 1}"
    return Team(
        id=org.new_id(),
        slug=slug,
        name=slug.replace("-", " ").title(),
        date_created=org.now - 365 * DAY,
    )


_PROJECT_ID_BASE = 4_505_000_000


def _project(org: _Org, i: int, teams: list[Team]) -> Project:
    # One 64-bit hash per project, carved into fields: far cheaper than many rng calls
    # when an org holds 100,000 projects.
    h = mix(org.seed, i)
    adjective = _ADJECTIVES[h % len(_ADJECTIVES)]
    noun = _NOUNS[(h >> 5) % len(_NOUNS)]
    slug = f"{adjective}-{noun}-{i}"
    created = org.now - (40 + ((h >> 10) & 0x3FF) * 0.94) * DAY
    roll = ((h >> 20) & 0xFF) / 256
    platform = "" if roll < 0.05 else None if roll < 0.08 else _PLATFORMS[i % len(_PLATFORMS)]
    project = Project(
        id=_PROJECT_ID_BASE + i,
        slug=slug,
        name=f"{adjective.title()} {noun.title()} {i}",
        platform=platform,
        team=teams[i % len(teams)] if teams and i % 97 != 13 else None,
        date_created=created,
        is_bookmarked=i % 50 == 0,
        latest_release=None if roll > 0.7 else f"{slug}@1.{i % 40}.{(h >> 52) % 10}",
    )
    if i % 23 != 5:  # planted: every 23rd project never received an event
        project.first_event = created + ((h >> 28) & 0xFF) / 256 * 3 * DAY
        project.hourly_events = int(10 ** (0.5 + ((h >> 36) & 0xFF) / 256 * 3))
        if i % 17 == 9:  # planted: silent for more than a month
            project.last_event = org.now - (35 + ((h >> 44) & 0xFF) / 256 * 3) * DAY
    return project


@attrs.frozen
class ChildrenOfSeed:
    """Keys and hooks of generated projects, derived from (seed, project id) on first read."""

    seed: int
    org_slug: str

    def _hex(self, *salt: int) -> str:
        return f"{mix(self.seed, *salt, 1):016x}{mix(self.seed, *salt, 2):016x}"

    def keys(self, project: Project) -> list[ClientKey]:
        i = project.id - _PROJECT_ID_BASE
        keys = [self._key(project, 0, "Default", limited=i % 4 != 1, active=True)]
        if i % 3 == 0:
            limited = mix(self.seed, project.id, 7) % 2 == 0
            keys.append(self._key(project, 1, "Backend", limited=limited, active=i % 20 != 6))
        return keys

    def _key(
        self, project: Project, n: int, label: str, *, limited: bool, active: bool
    ) -> ClientKey:
        return ClientKey(
            id=self._hex(project.id, n, 11),
            label=label,
            secret=self._hex(project.id, n, 12),
            project_id=project.id,
            is_active=active,
            rate_limit=(60, 100 * (1 + mix(self.seed, project.id, n) % 20)) if limited else None,
            date_created=project.date_created,
        )

    def hooks(self, project: Project) -> list[ServiceHook]:
        i = project.id - _PROJECT_ID_BASE
        if i < 0 or i % 9 != 2:  # planted: hooks on every 9th project
            return []
        flavour = (i // 9) % 4  # 0: disabled, 1: plain http://, else healthy
        return [
            ServiceHook(
                id=self._hex(project.id, n, 21),
                url=f"{'http' if flavour == 1 else 'https'}://hooks.{self.org_slug}.example"
                f"/sentry/{project.slug}/{n}",
                secret=self._hex(project.id, n, 22) + self._hex(project.id, n, 23),
                status="disabled" if flavour == 0 else "active",
                events=list(_HOOK_EVENTS[(i + n) % len(_HOOK_EVENTS)]),
                date_created=project.date_created + DAY,
            )
            for n in range(1 + i % 2)
        ]


def _member(org: _Org, rng: random.Random, j: int, teams: list[Team]) -> Member:
    first = _FIRST[rng.randrange(len(_FIRST))]
    last = _LAST[rng.randrange(len(_LAST))]
    email = f"{first}.{last}{j}@{org.slug}.example"
    owner = j == 0 or j % 29 == 7
    member = Member(
        id=org.new_id(),
        email=email,
        name=f"{first.title()} {last.title()}",
        role="owner" if owner else _ROLES[rng.randrange(len(_ROLES))],
        date_created=org.now - rng.uniform(40, 900) * DAY,
        teams=[teams[(j + n) % len(teams)].slug for n in range(1 + j % 2)] if teams else [],
    )
    if j % 11 == 4 and j != 0:  # planted: pending invite, every other one older than 30 days
        age = rng.uniform(31, 120) if (j // 11) % 2 == 0 else rng.uniform(1, 20)
        member.date_created = org.now - age * DAY
        member.invite_status = "requested_to_be_invited" if j % 43 == 15 else "approved"
        return member
    member.user_id = org.new_id()
    # Some usernames are not the email: SCIM userName then differs from emails[0].value.
    member.username = f"{first}.{last}{j}" if j % 5 == 3 else email
    member.has_2fa = rng.random() < 0.6
    member.sso_linked = rng.random() < 0.5
    member.last_active = org.now - rng.uniform(0, 60) * DAY
    return member


def _repo(org: _Org, rng: random.Random, k: int, commits: int) -> Repo:
    noun = _NOUNS[k % len(_NOUNS)]
    name = f"{org.slug}/{noun}-service" + (f"-{k}" if k >= len(_NOUNS) else "")
    github = k % 3 != 2
    return Repo(
        id=org.new_id(),
        name=name,
        provider="integrations:github" if github else "integrations:gitlab",
        url=f"https://{'github.com' if github else 'gitlab.com'}/{name}",
        status="disabled" if k % 7 == 6 else "active",
        date_created=org.now - rng.uniform(100, 700) * DAY,
        integration_id=str(900 + k % 3),
        commit_count=commits,
    )


def _relay(org: _Org, rng: random.Random) -> Relay:
    first = org.now - rng.uniform(30, 300) * DAY
    return Relay(
        relay_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        version=f"24.{rng.randrange(1, 12)}.{rng.randrange(5)}",
        public_key=_hex(rng, 256),
        first_seen=first,
        last_seen=min(org.now, first + rng.uniform(1, 30) * DAY),
    )


def _installation(org: _Org, rng: random.Random, k: int, external_issues: int) -> Installation:
    app = _APPS[k % len(_APPS)]
    installation = Installation(
        uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        app_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        app_slug=app if k < len(_APPS) else f"{app}-{k}",
        app_id=100 + k,
        status="pending" if k == 3 else "installed",
    )
    installation.external_issues.extend(
        ExternalIssue(
            id=org.new_id(),
            issue_id=str(rng.randint(1_000_000, 9_999_999)),
            service_type=installation.app_slug,
            display_name=f"OPS#{100 + n}",
            web_url=f"https://{installation.app_slug}.example/issues/{n + 1}",
        )
        for n in range(external_issues)
    )
    return installation
