"""A worker that takes membership jobs from an asyncio.Queue: deactivate SCIM users, invite
members, without ever inviting anyone twice.

An invite is a POST. If it fails in a way that leaves its outcome unknown (the connection
dropped after sending, or Sentry answered 5xx), the client raises ``AmbiguousWriteError`` and
does not re-send it. This worker then *checks* (lists the members and looks for the email)
and only invites again if the invite is really not there.

Run it against a Sentry (or the fake: ``python -m sentry_async.testing --demo``)::

    SENTRY_URL=http://127.0.0.1:PORT SENTRY_AUTH_TOKEN=... SENTRY_ORG=acme \\
        python examples/scim_worker.py --deactivate 1042 --invite new.hire@acme.example
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

from sentry_async import AmbiguousWriteError, Conflict, NotFound, SentryClient, SentryError

log = logging.getLogger("scim_worker")


@dataclass(frozen=True)
class Deactivate:
    """Deactivate (and so remove) the member with this SCIM user id."""

    user_id: str


@dataclass(frozen=True)
class Invite:
    """Invite ``email`` with an organization role."""

    email: str
    role: str = "member"


Job = Deactivate | Invite


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str  # "deactivated", "invited", "already member", "not found", "failed"
    detail: str = ""


async def is_member(sentry: SentryClient, org: str, email: str) -> bool:
    """True if ``email`` is a member or has a pending invite (the check before a retry)."""
    wanted = email.casefold()
    # ``query`` narrows the list on Sentry's side; the comparison here is what decides.
    members = await sentry.members.list(org, query=f"email:{email}").collect()
    return any((member.email or "").casefold() == wanted for member in members)


async def invite_once(sentry: SentryClient, org: str, job: Invite, *, attempts: int = 3) -> Outcome:
    """Invite ``job.email``; after an ambiguous failure, check before trying again."""
    for attempt in range(1, attempts + 1):
        try:
            await sentry.members.add(org, email=job.email, role=job.role)
        except Conflict:
            return Outcome(job, "already member")
        except AmbiguousWriteError as exc:
            log.warning("invite of %s may or may not have happened: %s", job.email, exc)
            if await is_member(sentry, org, job.email):
                return Outcome(job, "invited", "confirmed after an unclear answer")
            log.info("no invite for %s found; trying again (%d/%d)", job.email, attempt, attempts)
            continue
        return Outcome(job, "invited")
    return Outcome(job, "failed", f"gave up after {attempts} unclear attempts")


async def run_job(sentry: SentryClient, org: str, job: Job) -> Outcome:
    try:
        if isinstance(job, Deactivate):
            await sentry.scim.set_active(org, job.user_id, False)
            return Outcome(job, "deactivated")
        return await invite_once(sentry, org, job)
    except NotFound:
        return Outcome(job, "not found")
    except SentryError as exc:
        return Outcome(job, "failed", str(exc))


async def worker(
    sentry: SentryClient, org: str, queue: asyncio.Queue[Job], outcomes: list[Outcome]
) -> None:
    """Take jobs until cancelled; every job gets an outcome, whatever happens."""
    while True:
        job = await queue.get()
        try:
            outcome = await run_job(sentry, org, job)
            outcomes.append(outcome)
            log.info("%s: %s %s", job, outcome.status, outcome.detail)
        finally:
            queue.task_done()


async def process(
    sentry: SentryClient, org: str, jobs: Sequence[Job], *, workers: int = 4
) -> list[Outcome]:
    """Run ``jobs`` through a queue served by ``workers`` tasks; returns their outcomes."""
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    outcomes: list[Outcome] = []
    tasks = [asyncio.create_task(worker(sentry, org, queue, outcomes)) for _ in range(workers)]
    try:
        await queue.join()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return outcomes


async def amain(args: argparse.Namespace) -> list[Outcome]:
    jobs: list[Job] = [Deactivate(u) for u in args.deactivate]
    jobs += [Invite(e, args.role) for e in args.invite]
    async with SentryClient(args.token, args.base_url) as sentry:
        return await process(sentry, args.org, jobs, workers=args.workers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deactivate SCIM users and invite members.")
    parser.add_argument("--org", default=os.environ.get("SENTRY_ORG"))
    parser.add_argument("--base-url", default=os.environ.get("SENTRY_URL"))
    parser.add_argument("--token", default=None, help="default: $SENTRY_AUTH_TOKEN")
    parser.add_argument("--deactivate", action="append", default=[], metavar="USER_ID")
    parser.add_argument("--invite", action="append", default=[], metavar="EMAIL")
    parser.add_argument("--role", default="member")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if not args.org:
        parser.error("give --org or set SENTRY_ORG")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    outcomes = asyncio.run(amain(args))
    for outcome in outcomes:
        print(
            f"{outcome.job}: {outcome.status}" + (f" ({outcome.detail})" if outcome.detail else "")
        )
    return 0 if all(o.status != "failed" for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
