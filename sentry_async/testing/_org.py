"""The in-memory organization the fake serves: lookups and the mutations write endpoints make."""

from __future__ import annotations

import bisect
import secrets
import time
from collections.abc import Iterable, Sequence

from ._generate import ChildrenOfSeed, generate
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
from ._records_issues import Issue, Release
from ._synth_issues import generate_issues, generate_releases, new_event

__all__ = ["FakeOrg"]


def _slug_key(project: Project) -> str:
    return project.slug


class FakeOrg:
    """One Sentry organization held in memory.

    Build one by hand (``add_team``, ``add_project``, ``add_member``...) or with
    :meth:`generate` / :meth:`demo`. Projects are kept sorted by slug, as the org projects
    list is. ``now`` (epoch seconds) anchors generated dates; ``seed`` feeds the synthesised
    data (stats, users, tag values, commits) so answers are repeatable.
    """

    def __init__(
        self,
        slug: str = "acme",
        name: str | None = None,
        *,
        id: str = "1",
        now: float | None = None,
        seed: int = 0,
        scim_enabled: bool = True,
    ) -> None:
        self.slug = slug
        self.name = name or slug.replace("-", " ").title()
        self.id = id
        self.now = time.time() if now is None else now
        self.seed = seed
        self.scim_enabled = scim_enabled
        # What links.regionUrl says; None: the URL of the fake serving the org.
        self.region_url: str | None = None
        self.is_early_adopter = False
        self.date_created = self.now - 3 * 365 * 86400
        self.environments: list[str] = ["production", "staging"]
        self.teams: dict[str, Team] = {}
        self.members: dict[str, Member] = {}
        self.repos: dict[str, Repo] = {}
        self.relays: list[Relay] = []
        self.installations: dict[str, Installation] = {}
        self._projects: list[Project] = []
        self._by_slug: dict[str, Project] = {}
        self._by_id: dict[int, Project] = {}
        self._renamed: dict[str, str] = {}
        self._keys_cache: tuple[int, list[ClientKey]] | None = None
        # Generated orgs derive keys and hooks on first read; hand-built ones start with none.
        self.children: ChildrenOfSeed | None = None
        self._version = 0
        self._next_id = 1000
        self._issues: dict[str, Issue] | None = None
        self._releases: dict[str, Release] | None = None

    @classmethod
    def generate(
        cls,
        slug: str = "acme",
        *,
        name: str | None = None,
        projects: int = 20,
        members: int = 10,
        teams: int | None = None,
        repos: int = 3,
        commits_per_repo: int = 40,
        relays: int = 2,
        installations: int = 2,
        external_issues: int = 3,
        seed: int = 0,
        now: float | None = None,
    ) -> FakeOrg:
        """An org of the given size; the same arguments always give the same org.

        ``teams`` defaults to one per 20 projects (at least 1, at most 50); ``external_issues``
        is per installation. ``now`` (epoch seconds, default: the current time) anchors all
        dates, so "older than 30 days" findings stay true whenever the org is built. Audit
        findings are planted at fixed index patterns (see ``_generate``), so every org big
        enough has them.
        """
        org = cls(slug, name, now=now, seed=seed)
        made = generate(
            slug,
            seed=seed,
            now=org.now,
            new_id=org.new_id,
            projects=projects,
            members=members,
            teams=teams,
            repos=repos,
            commits_per_repo=commits_per_repo,
            relays=relays,
            installations=installations,
            external_issues=external_issues,
        )
        org.teams.update((team.slug, team) for team in made.teams)
        org.extend_projects(made.projects)
        org.children = made.children
        org.members.update((member.id, member) for member in made.members)
        org.repos.update((repo.id, repo) for repo in made.repos)
        org.relays.extend(made.relays)
        org.installations.update((inst.uuid, inst) for inst in made.installations)
        return org

    @classmethod
    def demo(
        cls,
        *,
        slug: str = "acme",
        projects: int = 540,
        members: int = 230,
        seed: int = 2024,
        now: float | None = None,
    ) -> FakeOrg:
        """The ``--demo`` org: realistic size (540 projects, 230 members), every planted audit
        finding present, and a team nobody belongs to (``legacy-ops``)."""
        org = cls.generate(
            slug,
            name="Acme Corporation",
            projects=projects,
            members=members,
            teams=max(1, min(24, projects // 10)),
            repos=14,
            commits_per_repo=60,
            relays=3,
            installations=4,
            external_issues=6,
            seed=seed,
            now=now,
        )
        org.add_team("legacy-ops", "Legacy Ops")  # planted: a team with no members
        return org

    # -- ids ---------------------------------------------------------------------------------

    def new_id(self) -> str:
        """A fresh numeric string id, unique within this org."""
        self._next_id += 1
        return str(self._next_id)

    # -- projects ----------------------------------------------------------------------------

    @property
    def projects(self) -> Sequence[Project]:
        """All projects, sorted by slug (read-only view; mutate through the methods)."""
        return self._projects

    def project(self, id_or_slug: str) -> Project | None:
        """Look a project up by slug, or by id when the value is numeric."""
        found = self._by_slug.get(id_or_slug)
        if found is None and id_or_slug.isdigit():
            found = self._by_id.get(int(id_or_slug))
        return found

    def renamed_to(self, old_slug: str) -> str | None:
        """The current slug of a project once known as ``old_slug``, if it was renamed."""
        return self._renamed.get(old_slug)

    def add_project(self, project: Project) -> Project:
        """Insert a project; raises ``KeyError`` if the slug is taken."""
        if project.slug in self._by_slug:
            raise KeyError(project.slug)
        bisect.insort(self._projects, project, key=_slug_key)
        self._by_slug[project.slug] = project
        self._by_id[project.id] = project
        self._renamed.pop(project.slug, None)
        self._touch()
        return project

    def extend_projects(self, projects: Iterable[Project]) -> None:
        """Bulk insert (one sort at the end); used by the generator."""
        for project in projects:
            if project.slug in self._by_slug:
                raise KeyError(project.slug)
            self._by_slug[project.slug] = project
            self._by_id[project.id] = project
            self._projects.append(project)
        self._projects.sort(key=_slug_key)
        self._touch()

    def new_project_id(self) -> int:
        return max(self._by_id, default=4_505_000_000) + 1

    def rename_project(self, project: Project, new_slug: str) -> None:
        """Change a slug; the old one then answers with a 302 to the new one."""
        if new_slug == project.slug:
            return
        if new_slug in self._by_slug:
            raise KeyError(new_slug)
        old = project.slug
        self._projects.remove(project)
        del self._by_slug[old]
        project.slug = new_slug
        bisect.insort(self._projects, project, key=_slug_key)
        self._by_slug[new_slug] = project
        # Earlier names of this project now point at the newest one.
        for former, current in self._renamed.items():
            if current == old:
                self._renamed[former] = new_slug
        self._renamed[old] = new_slug
        self._renamed.pop(new_slug, None)

    def delete_project(self, project: Project) -> None:
        self._projects.remove(project)
        del self._by_slug[project.slug]
        del self._by_id[project.id]
        self._renamed = {k: v for k, v in self._renamed.items() if v != project.slug}
        self._touch()

    # -- client keys and hooks ---------------------------------------------------------------

    def keys_of(self, project: Project) -> list[ClientKey]:
        """The project's client keys (generated on first read for generated orgs)."""
        if project.keys is None:
            project.keys = self.children.keys(project) if self.children else []
        return project.keys

    def hooks_of(self, project: Project) -> list[ServiceHook]:
        """The project's service hooks (generated on first read for generated orgs)."""
        if project.hooks is None:
            project.hooks = self.children.hooks(project) if self.children else []
        return project.hooks

    def all_keys(self) -> list[ClientKey]:
        """Every client key of every project (cached until a key or project changes)."""
        if self._keys_cache is None or self._keys_cache[0] != self._version:
            keys = [key for project in self._projects for key in self.keys_of(project)]
            self._keys_cache = (self._version, keys)
        return self._keys_cache[1]

    def add_key(self, project: Project, label: str) -> ClientKey:
        key = ClientKey(
            id=secrets.token_hex(16),
            label=label,
            secret=secrets.token_hex(16),
            project_id=project.id,
            is_active=True,
            rate_limit=None,
            date_created=time.time(),
        )
        self.keys_of(project).append(key)
        self._touch()
        return key

    def add_hook(self, project: Project, url: str, events: list[str]) -> ServiceHook:
        hook = ServiceHook(
            id=secrets.token_hex(16),
            url=url,
            secret=secrets.token_hex(32),
            status="active",
            events=events,
            date_created=time.time(),
        )
        self.hooks_of(project).append(hook)
        return hook

    # -- teams and members -------------------------------------------------------------------

    def add_team(self, slug: str, name: str | None = None) -> Team:
        team = Team(
            id=self.new_id(),
            slug=slug,
            name=name or slug.replace("-", " ").title(),
            date_created=self.now - 365 * 86400,
        )
        self.teams[slug] = team
        return team

    def add_member(self, member: Member) -> Member:
        self.members[member.id] = member
        return member

    def member_by_email(self, email: str) -> Member | None:
        wanted = email.casefold()
        for member in self.members.values():
            if member.email.casefold() == wanted:
                return member
        return None

    def is_only_owner(self, member: Member) -> bool:
        """True if ``member`` is the last joined owner (Sentry refuses to remove them)."""
        if member.role != "owner" or member.pending:
            return False
        return not any(
            other is not member and other.role == "owner" and not other.pending
            for other in self.members.values()
        )

    # -- integrations ------------------------------------------------------------------------

    def add_external_issue(
        self, installation: Installation, issue_id: str, web_url: str, display_name: str
    ) -> ExternalIssue:
        issue = ExternalIssue(
            id=self.new_id(),
            issue_id=issue_id,
            service_type=installation.app_slug,
            display_name=display_name,
            web_url=web_url,
        )
        installation.external_issues.append(issue)
        return issue

    # -- issues and releases -----------------------------------------------------------------

    @property
    def issues(self) -> dict[str, Issue]:
        """Issues by id: synthesised from the projects on first read, then kept and mutated."""
        if self._issues is None:
            self._issues = generate_issues(self.seed, self.now, self._projects)
        return self._issues

    @property
    def releases(self) -> dict[str, Release]:
        """Releases by version (the projects' latest releases on first read)."""
        if self._releases is None:
            self._releases = generate_releases(self._projects)
        return self._releases

    def add_issue(
        self,
        project: Project,
        title: str,
        *,
        level: str = "error",
        culprit: str = "app.main in handle",
        events: int = 1,
    ) -> Issue:
        """Add an unresolved issue with ``events`` events (newest ``now``)."""
        issue_id = str(8_000_000 + len(self.issues))
        while issue_id in self.issues:
            issue_id = str(int(issue_id) + 1)
        count = sum(1 for i in self.issues.values() if i.project is project)
        issue = Issue(
            id=issue_id,
            project=project,
            short_id=f"{project.slug.upper()}-{count + 1:X}",
            title=title,
            culprit=culprit,
            level=level,
            error_type=title.split(":", 1)[0],
            first_seen=self.now - 3600 * events,
            last_seen=self.now,
        )
        issue.events = [new_event(self.seed, issue, n, self.now - 3600 * n) for n in range(events)]
        issue.count, issue.user_count = events, 1
        self.issues[issue.id] = issue
        return issue

    def add_release(self, version: str, projects: Iterable[Project]) -> Release:
        """Add a release (or return the existing one with ``projects`` added)."""
        release = self.releases.get(version)
        if release is None:
            release = Release(
                version=version, id=len(self.releases) + 1, date_created=self.now, projects=[]
            )
            self.releases[version] = release
        for project in projects:
            if project not in release.projects:
                release.projects.append(project)
        return release

    def _touch(self) -> None:
        self._version += 1
