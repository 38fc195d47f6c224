"""Each example in ``examples/``, run against the fake Sentry: in-process, then its main()."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib.util
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from sentry_async import SentryClient, SentryError
from sentry_async.testing import FakeOrg, FakeSentry, Fault, FaultKind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "sntryu_EXAMPLES-TEST-TOKEN-e1f2"
MEMBERS_ROUTE = "POST /organizations/{org}/members/"


def load(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` as a module (examples are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def examples() -> Iterator[dict[str, ModuleType]]:
    names = ("aiohttp_app", "webhook_receiver", "scim_worker", "starlette_receiver", "triage_bot")
    yield {name: load(name) for name in names}
    for name in names:
        sys.modules.pop(f"example_{name}", None)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSentry]:
    async with FakeSentry(FakeOrg.generate(projects=12, members=14, seed=5), token=TOKEN) as f:
        yield f


@pytest.fixture
async def sentry(fake: FakeSentry) -> AsyncIterator[SentryClient]:
    async with SentryClient(TOKEN, fake.url) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(extra)
    return env


async def start_script(name: str, *args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / f"{name}.py"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )


async def wait_until_serving(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with http.get(url):
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered")


async def stop(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.terminate()
    _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    return err.decode()


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- aiohttp app


async def test_app_shares_one_client_through_its_lifespan(
    examples: dict[str, ModuleType], fake: FakeSentry
) -> None:
    mod = examples["aiohttp_app"]
    app = mod.create_app(org="acme", token=TOKEN, base_url=fake.url)
    async with TestClient(TestServer(app)) as client:
        shared = app[mod.CLIENT]
        responses = await asyncio.gather(*(client.get("/projects") for _ in range(5)))
        bodies = [await r.json() for r in responses]
        assert all(r.status == 200 for r in responses)
        assert all(b == bodies[0] for b in bodies)
        assert [p["slug"] for p in bodies[0]] == [p.slug for p in fake.org.projects]
        slug = fake.org.projects[0].slug
        detail = await client.get(f"/projects/{slug}")
        assert detail.status == 200 and (await detail.json())["slug"] == slug
        missing = await client.get("/projects/no-such-project")
        assert missing.status == 404
        assert app[mod.CLIENT] is shared  # one client for every request
    # The lifespan closed it on shutdown.
    with pytest.raises(SentryError, match="closed"):
        await shared.projects.list("acme").collect()


async def test_app_main_serves_against_the_fake(fake: FakeSentry) -> None:
    port = free_port()
    env = child_env(SENTRY_URL=fake.url, SENTRY_AUTH_TOKEN=TOKEN, SENTRY_ORG="acme")
    proc = await start_script("aiohttp_app", "--port", str(port), env=env)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_until_serving(http, f"http://127.0.0.1:{port}/health")
            async with http.get(f"http://127.0.0.1:{port}/projects") as resp:
                assert resp.status == 200
                assert len(await resp.json()) == len(fake.org.projects)
    finally:
        err = await stop(proc)
    assert "Traceback" not in err
    assert TOKEN not in err


# --------------------------------------------------------------------------- webhooks


async def test_receiver_verifies_both_schemes(
    examples: dict[str, ModuleType], fake: FakeSentry, sentry: SentryClient
) -> None:
    mod = examples["webhook_receiver"]
    project = fake.org.projects[0].slug
    hook = await sentry.projects.create_hook(
        "acme", project, url="https://receiver.example/sentry/webhook", events=["event.alert"]
    )
    assert hook.secret
    app = mod.create_app(client_secret="app-client-secret", hook_secrets={hook.id: hook.secret})
    body = json.dumps({"action": "triggered", "data": {"event": {"title": "Boom ü"}}}).encode()
    async with TestClient(TestServer(app)) as client:

        async def post(data: bytes, headers: dict[str, str]) -> int:
            resp = await client.post("/sentry/webhook", data=data, headers=headers)
            return int(resp.status)

        hook_headers = {
            "X-ServiceHook-Signature": sign(body, hook.secret),
            "X-ServiceHook-GUID": hook.id,
            "X-ServiceHook-Timestamp": "1717243200",
        }
        assert await post(body, hook_headers) == 200
        assert await post(body + b" ", hook_headers) == 401  # the body was altered
        wrong_hook = {**hook_headers, "X-ServiceHook-GUID": "someone-else"}
        assert await post(body, wrong_hook) == 401
        app_headers = {
            "Sentry-Hook-Signature": sign(body, "app-client-secret"),
            "Sentry-Hook-Resource": "event_alert",
        }
        assert await post(body, app_headers) == 200
        assert await post(body, {"Sentry-Hook-Signature": sign(body, hook.secret)}) == 401
        assert await post(body, {}) == 401
    deliveries: list[Any] = app[mod.DELIVERIES]
    assert [(d.scheme, d.resource, d.hook_id) for d in deliveries] == [
        ("service_hook", None, hook.id),
        ("integration", "event_alert", None),
    ]
    assert deliveries[0].json()["data"]["event"]["title"] == "Boom ü"


async def test_receiver_main_runs(fake: FakeSentry, sentry: SentryClient) -> None:
    hook = await sentry.projects.create_hook(
        "acme", fake.org.projects[1].slug, url="https://r.example/h", events=["event.created"]
    )
    assert hook.secret
    port = free_port()
    env = child_env(SENTRY_HOOK_SECRETS=f"{hook.id}={hook.secret}")
    proc = await start_script("webhook_receiver", "--port", str(port), env=env)
    url = f"http://127.0.0.1:{port}/sentry/webhook"
    body = b'{"action":"created"}'
    try:
        async with aiohttp.ClientSession() as http:
            await wait_until_serving(http, url)
            headers = {
                "X-ServiceHook-Signature": sign(body, hook.secret),
                "X-ServiceHook-GUID": hook.id,
            }
            async with http.post(url, data=body, headers=headers) as resp:
                assert resp.status == 200
            async with http.post(
                url, data=body, headers={**headers, "X-ServiceHook-Signature": "0" * 64}
            ) as resp:
                assert resp.status == 401
    finally:
        err = await stop(proc)
    assert "verified service_hook webhook" in err
    assert "webhook refused" in err


# --------------------------------------------------------------------------- Starlette receiver


async def asgi(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, Any]:
    """One request through an ASGI app, as a server would hand it over (no network)."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(status), json.loads(data) if data else None


async def test_starlette_receiver_verifies_all_three_schemes(
    examples: dict[str, ModuleType], fake: FakeSentry, sentry: SentryClient
) -> None:
    mod = examples["starlette_receiver"]
    hook = await sentry.projects.create_hook(
        "acme", fake.org.projects[2].slug, url="https://r.example/h", events=["event.alert"]
    )
    assert hook.secret
    app = mod.create_app(client_secret="app-client-secret", hook_secrets={hook.id: hook.secret})
    body = json.dumps({"action": "triggered", "data": {"event": {"title": "Boom ü"}}}).encode()

    hook_headers = {
        "X-ServiceHook-Signature": sign(body, hook.secret),
        "X-ServiceHook-GUID": hook.id,
    }
    assert (await asgi(app, "POST", "/sentry/hook", hook_headers, body))[0] == 200
    assert (await asgi(app, "POST", "/sentry/hook", hook_headers, body + b" "))[0] == 401
    app_headers = {"Sentry-Hook-Signature": sign(body, "app-client-secret")}
    assert (await asgi(app, "POST", "/sentry/webhook", app_headers, body))[0] == 200
    # Each route takes only its own scheme: a valid hook signature is no app webhook.
    assert (await asgi(app, "POST", "/sentry/webhook", hook_headers, body))[0] == 401
    assert (await asgi(app, "POST", "/sentry/hook", app_headers, body))[0] == 401

    link = json.dumps({"fields": {"title": "Crash on pay"}, "issueId": "7"}).encode()
    link_headers = {"Sentry-App-Signature": sign(link, "app-client-secret")}
    status, created = await asgi(app, "POST", "/sentry/issue-link", link_headers, link)
    assert status == 201 and created["title"] == "Crash on pay"
    wrong = {"Sentry-App-Signature": sign(link, hook.secret)}
    assert (await asgi(app, "POST", "/sentry/issue-link", wrong, link))[0] == 401
    # Signed with the hook's secret under the hook's own header: still refused here.
    forged = {"X-ServiceHook-Signature": sign(link, hook.secret), "X-ServiceHook-GUID": hook.id}
    assert (await asgi(app, "POST", "/sentry/issue-link", forged, link))[0] == 401
    forged_get = {"X-ServiceHook-Signature": sign(b"", hook.secret), "X-ServiceHook-GUID": hook.id}
    assert (await asgi(app, "GET", "/sentry/options", forged_get))[0] == 401
    # A signed JSON array (or non-JSON) body is a clear 400, not a crash.
    for bad in (b"[1, 2]", b"not json"):
        signed = {"Sentry-App-Signature": sign(bad, "app-client-secret")}
        assert (await asgi(app, "POST", "/sentry/issue-link", signed, bad))[0] == 400

    # The select-options GET: empty body, signature of the empty string (query unsigned).
    empty = {"Sentry-App-Signature": sign(b"", "app-client-secret")}
    status, choices = await asgi(app, "GET", "/sentry/options", empty)
    assert status == 200 and choices[0] == {"label": "Ops", "value": "ops"}
    status, choices = await asgi(app, "GET", "/sentry/options?query=we", empty)
    assert status == 200 and choices == [{"label": "Web", "value": "web"}]
    assert (await asgi(app, "GET", "/sentry/options", {}))[0] == 401

    deliveries: list[Any] = app.state.deliveries
    assert [d.scheme for d in deliveries][:4] == [
        "service_hook",
        "integration",
        "sentry_app",
        "sentry_app",
    ]
    assert deliveries[0].json()["data"]["event"]["title"] == "Boom ü"
    assert deliveries[-1].json() is None


def test_starlette_receiver_from_env(
    examples: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = examples["starlette_receiver"]
    monkeypatch.setenv("SENTRY_CLIENT_SECRET", "")
    monkeypatch.setenv("SENTRY_HOOK_SECRETS", "")
    with pytest.raises(SystemExit, match="SENTRY_CLIENT_SECRET"):
        mod.app_from_env()
    monkeypatch.setenv("SENTRY_HOOK_SECRETS", "guid-1=s1, guid-2 = s2")
    app = mod.app_from_env()
    assert app.state.hook_secrets == {"guid-1": "s1", "guid-2": "s2"}
    assert app.state.client_secret is None


# --------------------------------------------------------------------------- SCIM worker


def a_plain_member(fake: FakeSentry) -> Any:
    return next(
        m
        for m in fake.org.members.values()
        if not m.pending and m.role != "owner" and m.invite_status == "approved"
    )


async def test_worker_deactivates_and_invites(
    examples: dict[str, ModuleType], fake: FakeSentry, sentry: SentryClient
) -> None:
    mod = examples["scim_worker"]
    leaver = a_plain_member(fake)
    existing = next(m for m in fake.org.members.values() if m is not leaver).email
    jobs = [
        mod.Deactivate(leaver.id),
        mod.Deactivate("999999"),
        mod.Invite("new.hire@acme.example", "admin"),
        mod.Invite(existing),
    ]
    outcomes = await mod.process(sentry, "acme", jobs, workers=2)
    assert {(o.job, o.status) for o in outcomes} == {
        (jobs[0], "deactivated"),
        (jobs[1], "not found"),
        (jobs[2], "invited"),
        (jobs[3], "already member"),
    }
    assert leaver.id not in fake.org.members
    invited = fake.org.member_by_email("new.hire@acme.example")
    assert invited is not None and invited.role == "admin"


@pytest.mark.parametrize(
    ("kind", "posts"),
    [
        (FaultKind.APPLIED_THEN_500, 1),  # the invite happened: the check finds it, no retry
        (FaultKind.DROP, 2),  # connection dropped after sending, nothing applied: retried once
    ],
)
async def test_worker_checks_before_retrying_an_ambiguous_invite(
    examples: dict[str, ModuleType],
    fake: FakeSentry,
    sentry: SentryClient,
    kind: FaultKind,
    posts: int,
) -> None:
    mod = examples["scim_worker"]
    fake.faults.fail_next(MEMBERS_ROUTE, 1, kind)
    outcomes = await mod.process(sentry, "acme", [mod.Invite("maybe@acme.example")])
    assert [o.status for o in outcomes] == ["invited"]
    assert fake.counters.created["member"] == 1  # never twice
    assert fake.counters.by_route[MEMBERS_ROUTE] == posts
    assert sum(1 for m in fake.org.members.values() if m.email == "maybe@acme.example") == 1


async def test_worker_gives_up_without_duplicates(
    examples: dict[str, ModuleType], fake: FakeSentry, sentry: SentryClient
) -> None:
    mod = examples["scim_worker"]
    fake.set_faults(Fault(FaultKind.SERVER_ERROR, MEMBERS_ROUTE))
    outcomes = await mod.process(sentry, "acme", [mod.Invite("never@acme.example")])
    assert [(o.status, o.detail) for o in outcomes] == [
        ("failed", "gave up after 3 unclear attempts")
    ]
    assert fake.counters.created["member"] == 0
    assert fake.counters.by_route[MEMBERS_ROUTE] == 3


async def test_worker_main_runs(fake: FakeSentry) -> None:
    leaver = a_plain_member(fake)
    env = child_env(SENTRY_URL=fake.url, SENTRY_AUTH_TOKEN=TOKEN, SENTRY_ORG="acme")
    proc = await start_script(
        "scim_worker", "--deactivate", leaver.id, "--invite", "cli.hire@acme.example", env=env
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
    lines = sorted(out.decode().splitlines())
    assert lines == [
        f"Deactivate(user_id='{leaver.id}'): deactivated",
        "Invite(email='cli.hire@acme.example', role='member'): invited",
    ]
    assert fake.org.member_by_email("cli.hire@acme.example") is not None
    assert TOKEN not in out.decode() + err.decode()


# --------------------------------------------------------------------------- triage bot


def a_user(fake: FakeSentry) -> Any:
    return next(m for m in fake.org.members.values() if not m.pending)


async def test_bot_assigns_resolves_and_records_a_deploy(
    examples: dict[str, ModuleType], fake: FakeSentry, sentry: SentryClient
) -> None:
    mod = examples["triage_bot"]
    project = fake.org.projects[0]
    quiet = fake.org.add_issue(project, "Warning: quiet", events=1)
    noisy = fake.org.add_issue(project, "KeyError: 'cart'", events=3)
    noisy.count = 10_000
    user = a_user(fake)

    result = await mod.triage(
        sentry,
        "acme",
        project=project.slug,
        assignee=user.email,
        release="bot@1.0.0+b7",
        environment="production",
    )

    assert result.unresolved[0].id == noisy.id
    assert quiet.id in {i.id for i in result.unresolved}
    assert (noisy.status, noisy.assigned_to) == ("resolved", f"user:{user.user_id}")
    assert noisy.status_details == {"inRelease": "bot@1.0.0+b7"}
    assert quiet.status == "unresolved"
    release = fake.org.releases["bot@1.0.0+b7"]
    assert [(d.environment, d.name) for d in release.deploys] == [
        ("production", "bot@1.0.0+b7 to production")
    ]


@pytest.mark.parametrize(("kind", "posts"), [(FaultKind.APPLIED_THEN_500, 1), (FaultKind.DROP, 2)])
async def test_bot_never_records_a_deploy_twice(
    examples: dict[str, ModuleType],
    fake: FakeSentry,
    sentry: SentryClient,
    kind: FaultKind,
    posts: int,
) -> None:
    mod = examples["triage_bot"]
    route = "POST /organizations/{org}/releases/{version}/deploys/"
    fake.faults.fail_next(route, 1, kind)
    project = fake.org.projects[1]
    result = await mod.triage(
        sentry,
        "acme",
        project=project.slug,
        assignee=a_user(fake).email,
        release="bot@2.0",
        environment="staging",
    )
    assert result.deploy is not None
    assert len(fake.org.releases["bot@2.0"].deploys) == 1
    assert fake.counters.by_route[route] == posts


async def test_bot_main_runs(fake: FakeSentry) -> None:
    project = fake.org.projects[2]
    fake.org.add_issue(project, "RuntimeError: boom", events=2)
    env = child_env(SENTRY_URL=fake.url, SENTRY_AUTH_TOKEN=TOKEN, SENTRY_ORG="acme")
    proc = await start_script(
        "triage_bot",
        "--project",
        project.slug,
        "--assignee",
        a_user(fake).email,
        "--release",
        "cli@3.1",
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith("unresolved: ")
    assert lines[1].startswith(f"resolved: {project.slug.upper()}-")
    assert lines[-1] == "deploy: cli@3.1 to production (production)"
    assert TOKEN not in out.decode() + err.decode()


async def test_the_bots_documented_demo_command_names_what_the_demo_has(
    examples: dict[str, ModuleType],
) -> None:
    # The command in the docstring must work against `python -m sentry_async.testing --demo`.
    doc = examples["triage_bot"].__doc__ or ""
    words = doc.replace("\\", " ").split()
    project = words[words.index("--project") + 1]
    assignee = words[words.index("--assignee") + 1]
    demo = FakeOrg.demo(slug="acme", seed=2024)
    assert project in {p.slug for p in demo.projects}
    assert assignee in {m.email for m in demo.members.values() if not m.pending}
    async with FakeSentry(demo, token=TOKEN) as fake, SentryClient(TOKEN, fake.url) as sentry:
        result = await examples["triage_bot"].triage(
            sentry,
            "acme",
            project=project,
            assignee=assignee,
            release=f"{project}@2.0.0",
            environment="production",
        )
    assert result.handled is not None and result.deploy is not None
