"""A ChatOps-style triage bot: read the unresolved issues, assign and resolve the noisiest
one in a release, and record that release's deploy.

Two writes here are POSTs (creating the release, recording the deploy). If one fails in a way
that leaves its outcome unknown, the client raises ``AmbiguousWriteError`` and does not re-send
it; the bot then *checks* (reads the release, lists its deploys) before trying again, so a
deploy is never recorded twice. Assigning and resolving are PUTs: the client retries them.

Run it against a Sentry, or the fake: ``python -m sentry_async.testing --demo`` prints its
URL, and its org ``acme`` has the project ``dusty-heron-493`` (with unresolved issues) and
the member ``hana.chen0@acme.example``::

    SENTRY_URL=http://127.0.0.1:PORT SENTRY_AUTH_TOKEN=any SENTRY_ORG=acme \\
        python examples/triage_bot.py --project dusty-heron-493 \\
        --assignee hana.chen0@acme.example --release dusty-heron-493@2.0.0 \\
        --environment production
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

from sentry_async import AmbiguousWriteError, NotFound, SentryClient
from sentry_async.models import Deploy, Group

log = logging.getLogger("triage_bot")


@dataclass(frozen=True)
class Triage:
    """What the bot did: the issues it saw, the one it handled, and the deploy it recorded."""

    unresolved: list[Group]
    handled: Group | None
    deploy: Deploy | None


async def noisiest_unresolved(
    sentry: SentryClient, org: str, project_id: str | None, *, limit: int = 10
) -> list[Group]:
    """The ``limit`` unresolved issues with the most events (one page of the search)."""
    issues = sentry.issues.list(
        org, query="is:unresolved", project=project_id or (), sort="freq", per_page=limit
    )
    return await issues.collect(limit=limit)


async def ensure_release(sentry: SentryClient, org: str, version: str, project: str) -> None:
    """Create the release (an existing one answers 208: fine); check before any retry."""
    for _ in range(3):
        try:
            await sentry.releases.create(org, version=version, projects=[project])
            return
        except AmbiguousWriteError as exc:
            log.warning("release %s may or may not exist: %s", version, exc)
            try:
                await sentry.releases.get(org, version)
                return
            except NotFound:
                continue
    raise RuntimeError(f"could not create release {version}")


async def record_deploy_once(
    sentry: SentryClient, org: str, version: str, environment: str, name: str
) -> Deploy:
    """Record a deploy named ``name``; after an unclear failure, look for it before retrying."""
    for _ in range(3):
        try:
            return await sentry.releases.create_deploy(
                org, version, environment=environment, name=name
            )
        except AmbiguousWriteError as exc:
            log.warning("deploy %s may or may not be recorded: %s", name, exc)
            async for deploy in sentry.releases.list_deploys(org, version):
                if deploy.name == name and deploy.environment == environment:
                    return deploy
    raise RuntimeError(f"could not record deploy {name}")


async def triage(
    sentry: SentryClient,
    org: str,
    *,
    project: str,
    assignee: str,
    release: str,
    environment: str,
) -> Triage:
    """Read, assign + resolve the noisiest issue of ``project`` in ``release``, record the
    deploy of ``release`` to ``environment``."""
    details = await sentry.projects.get(org, project)
    unresolved = await noisiest_unresolved(sentry, org, details.id)
    for issue in unresolved:
        log.info("%s %s (%s events)", issue.short_id, issue.title, issue.count)
    await ensure_release(sentry, org, release, project)
    handled = None
    if unresolved:
        target = unresolved[0]
        await sentry.issues.update(org, target.id, assigned_to=assignee)
        handled = await sentry.issues.update(
            org, target.id, status="resolved", status_details={"inRelease": release}
        )
    deploy = await record_deploy_once(
        sentry, org, release, environment, name=f"{release} to {environment}"
    )
    return Triage(unresolved, handled, deploy)


async def amain(args: argparse.Namespace) -> Triage:
    async with SentryClient(args.token, args.base_url) as sentry:
        return await triage(
            sentry,
            args.org,
            project=args.project,
            assignee=args.assignee,
            release=args.release,
            environment=args.environment,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Triage a project's unresolved issues.")
    parser.add_argument("--org", default=os.environ.get("SENTRY_ORG"))
    parser.add_argument("--base-url", default=os.environ.get("SENTRY_URL"))
    parser.add_argument("--token", default=None, help="default: $SENTRY_AUTH_TOKEN")
    parser.add_argument("--project", required=True, help="project slug")
    parser.add_argument("--assignee", required=True, help="email, username or user:<id>")
    parser.add_argument("--release", required=True, help="release version")
    parser.add_argument("--environment", default="production")
    args = parser.parse_args(argv)
    if not args.org:
        parser.error("give --org or set SENTRY_ORG")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    result = asyncio.run(amain(args))
    print(f"unresolved: {len(result.unresolved)}")
    if result.handled is not None:
        who = result.handled.assigned_to.name if result.handled.assigned_to else None
        print(f"resolved: {result.handled.short_id} (assigned to {who})")
    if result.deploy is not None:
        print(f"deploy: {result.deploy.name} ({result.deploy.environment})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
