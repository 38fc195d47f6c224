"""The pure parts of region routing: org tokens, origins and trust, org-scoped paths, listings."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentry_async.regions import (
    Origin,
    is_https_subdomain,
    is_trusted,
    org_of,
    parse_org_token,
    parse_region_listing,
    region_url_of,
)

SECRET = "Zm9vYmFyYmF6cXV4K3NlY3JldC9wYXJ0MTIzNDU2Nzg5MA"


def org_token(claims: object, *, pad: bool = True, urlsafe: bool = False) -> str:
    raw = json.dumps(claims).encode()
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()
    return f"sntrys_{encoded if pad else encoded.rstrip('=')}_{SECRET}"


CLAIMS = {
    "iat": 1700000000.5,
    "url": "https://sentry.io",
    "region_url": "https://de.sentry.io",
    "org": "acme",
}


# -- org auth tokens -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pad", "urlsafe"), [(True, False), (False, False), (True, True), (False, True)]
)
def test_org_token_claims_are_read_padded_or_not_in_either_alphabet(
    pad: bool, urlsafe: bool
) -> None:
    # "~~~" encodes to "fn5+" / "fn5-": the payload holds a character the alphabets disagree on.
    claims = {**CLAIMS, "org": "acme~~~"}
    parsed = parse_org_token(org_token(claims, pad=pad, urlsafe=urlsafe))
    assert parsed is not None
    assert (parsed.org, parsed.region_url, parsed.url) == (
        "acme~~~",
        "https://de.sentry.io",
        "https://sentry.io",
    )


def test_org_token_claims_never_hold_the_secret() -> None:
    parsed = parse_org_token(org_token(CLAIMS))
    assert parsed is not None
    assert SECRET not in repr(parsed) and SECRET not in str(parsed)


@pytest.mark.parametrize(
    "token",
    [
        "sntryu_" + "a" * 64,  # a user token
        "a" * 64,  # a legacy token
        "sntrys_",
        "sntrys__" + SECRET,  # no payload
        org_token(CLAIMS)[: -len(SECRET)],  # no secret
        "sntrys_%%%%_" + SECRET,  # not base64
        "sntrys_" + base64.b64encode(b"[1, 2]").decode() + "_" + SECRET,  # not an object
        "sntrys_" + base64.b64encode(b"\xff\xfe").decode() + "_" + SECRET,  # not UTF-8
        org_token({"region_url": "https://de.sentry.io"}),  # no org
        org_token({**CLAIMS, "org": ""}),
        org_token({**CLAIMS, "region_url": None}),
        "sntrys_" + "A" * 5000 + "_" + SECRET,  # far too long to be a payload
        "sntrys_" + base64.b64encode(b"[" * 2900).decode() + "_x",  # nested too deep
    ],
)
def test_anything_but_an_org_token_has_no_claims(token: str) -> None:
    assert parse_org_token(token) is None


@given(st.text())
def test_any_text_parses_without_raising(token: str) -> None:
    parse_org_token(token)
    parse_org_token("sntrys_" + token)


@given(st.binary(max_size=300), st.text(min_size=1, max_size=20))
def test_any_payload_parses_without_raising(payload: bytes, secret: str) -> None:
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        parse_org_token(f"sntrys_{encode(payload).decode()}_{secret}")


@given(
    st.dictionaries(
        st.sampled_from(["org", "region_url", "url", "iat", "other"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=30), st.lists(st.integers())),
    )
)
def test_any_json_object_parses_to_claims_or_none(claims: dict[str, object]) -> None:
    parsed = parse_org_token(org_token(claims))
    valid = isinstance(claims.get("org"), str) and str(claims["org"]).strip()
    valid = valid and isinstance(claims.get("region_url"), str)
    assert (parsed is not None) == bool(valid)


# -- origins and trust -------------------------------------------------------------------------

BASE = Origin("https", "sentry.io", 443)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://us.sentry.io", Origin("https", "us.sentry.io", 443)),
        ("HTTPS://US.Sentry.IO:443/", Origin("https", "us.sentry.io", 443)),
        ("http://us.sentry.io", Origin("http", "us.sentry.io", 80)),
        ("https://us.sentry.io:8443", Origin("https", "us.sentry.io", 8443)),
        ("http://127.0.0.1:9000/some/path", Origin("http", "127.0.0.1", 9000)),
        ("http://[::1]:9000", Origin("http", "::1", 9000)),
    ],
)
def test_origins_compare_as_browsers_compare_them(url: str, expected: Origin) -> None:
    assert Origin.parse(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "us.sentry.io",
        "/api/0/",
        "ftp://us.sentry.io",
        "javascript:alert(1)",
        "https://token@us.sentry.io",
        "https://user:pw@us.sentry.io",
        "https://us.sentry.io/?next=x",
        "https://us.sentry.io/#x",
        "https://us.sentry.io:99999",
        "https://us.sentry.io:-1",
        "https://evil.example\\@us.sentry.io",
        "https://us.sentry.io\n.evil.example",
        "https://us sentry.io",
        "https://us..sentry.io",
        "https://us.sentry.io.",
        "https://",
        None,
        42,
    ],
)
def test_anything_but_an_http_origin_is_refused(url: object) -> None:
    assert Origin.parse(url) is None


def test_the_port_is_shown_only_when_not_the_default() -> None:
    assert Origin.parse("https://de.sentry.io:443") == Origin.parse("https://de.sentry.io")
    assert str(Origin("https", "de.sentry.io", 443)) == "https://de.sentry.io"
    assert str(Origin("http", "de.sentry.io", 8000)) == "http://de.sentry.io:8000"
    assert str(Origin("http", "::1", 8000)) == "http://[::1]:8000"


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://us.sentry.io", True),
        ("https://de.sentry.io:8443", True),  # a subdomain: any port
        ("https://a.b.sentry.io", True),
        ("https://sentry.io", True),  # the base itself
        ("http://us.sentry.io", False),  # the subdomain rule needs https
        ("https://evilsentry.io", False),  # label by label, not by suffix
        ("https://sentry.io.evil.example", False),
        ("https://us.sentry.io.evil.example", False),
        ("https://evil.example", False),
        ("https://listed.example:8443", True),  # listed
        ("https://listed.example", False),  # listed, but on another port: another origin
        ("http://listed.example:8443", False),  # listed, but another scheme
    ],
)
def test_trust_is_a_listed_origin_or_an_https_subdomain(url: str, trusted: bool) -> None:
    listed = {Origin("https", "listed.example", 8443)}
    candidate = Origin.parse(url)
    assert candidate is not None
    assert is_trusted(candidate, BASE, listed) is trusted


def test_an_ip_base_has_no_subdomains() -> None:
    base = Origin("http", "127.0.0.1", 80)
    assert not is_https_subdomain(Origin("https", "1.127.0.0.1", 443), base)
    assert not is_https_subdomain(Origin("https", "10.0.0.1", 443), base)


HOSTS = st.from_regex(r"[a-z0-9-]{1,10}(\.[a-z0-9-]{1,10}){0,3}", fullmatch=True)


@given(st.text(max_size=80))
def test_any_text_as_a_url_never_raises(url: str) -> None:
    Origin.parse(url)
    Origin.parse("https://" + url)


@given(
    st.sampled_from(["http", "https", "HTTPS", "ftp", "ws"]),
    st.text(max_size=30),
    st.one_of(st.none(), st.integers(min_value=-5, max_value=70000)),
)
def test_a_foreign_origin_is_never_trusted(scheme: str, host: str, port: int | None) -> None:
    url = f"{scheme}://{host}" + ("" if port is None else f":{port}")
    candidate = Origin.parse(url)
    if candidate is None:
        return
    trusted = is_trusted(candidate, BASE, ())
    under_base = candidate.host == "sentry.io" or candidate.host.endswith(".sentry.io")
    assert not trusted or under_base
    assert not trusted or candidate.scheme == "https"


@given(HOSTS, HOSTS)
def test_a_subdomain_of_another_host_is_not_trusted(label: str, other: str) -> None:
    candidate = Origin.parse(f"https://{label}.{other}")
    if candidate is None or other == "sentry.io" or other.endswith(".sentry.io"):
        return
    assert not is_trusted(candidate, BASE, ())


# -- org-scoped paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "org"),
    [
        ("/organizations/acme/", "acme"),
        ("/organizations/acme/projects/", "acme"),
        ("/organizations/acme/members/12/", "acme"),
        ("/organizations/acme/issues/?query=is:unresolved", "acme"),
        ("/organizations/acme/scim/v2/Users", "acme"),
        ("/organizations/acme/scim/v2/Users/42", "acme"),
        ("/projects/acme/web/", "acme"),
        ("/projects/acme/web/keys/", "acme"),
        ("/teams/acme/backend/members/", "acme"),
        ("/organizations/a%2Fb/", "a/b"),  # decoded: one segment whatever it holds
        ("/organizations/", None),
        ("/organizations/acme", None),  # not an endpoint
        ("/projects/", None),
        ("/users/me/", None),
        ("/users/me/regions/", None),
        ("/sentry-app-installations/abc/external-issues/", None),
        ("/organizations/acme/integrations/", None),  # control silo
        ("/organizations/acme/integrations/7/repos/", None),
        ("/organizations/acme/sentry-app-installations/", None),
        ("/organizations/acme/org-auth-tokens/", None),
        ("/organizations/acme/api-keys/1/", None),
        ("/organizations/acme/audit-logs/", None),
        ("/organizations/acme/config/integrations/", None),
        ("/organizations/%2E%2E/", None),
        ("organizations/acme/", None),
    ],
)
def test_org_scoped_paths_and_control_silo_exceptions(path: str, org: str | None) -> None:
    assert org_of(path) == org


@given(st.text(max_size=60))
def test_any_path_is_classified_without_raising(path: str) -> None:
    found = org_of(path)
    assert found is None or found.strip()
    org_of("/organizations/" + path)


# -- what the server says ----------------------------------------------------------------------


def test_a_region_listing_is_read() -> None:
    listing = parse_region_listing(
        {
            "regions": [
                {"name": "de", "url": "https://de.sentry.io"},
                {"name": "us", "url": "https://us.sentry.io"},
                {"name": "copy", "url": "https://US.sentry.io:443"},  # the same origin again
                {"name": "bad", "url": "not a url"},
                {"url": "https://x.sentry.io"},
                "junk",
            ]
        }
    )
    assert listing is not None
    assert [(r.name, str(r.origin)) for r in listing] == [
        ("de", "https://de.sentry.io"),
        ("us", "https://us.sentry.io"),
        (None, "https://x.sentry.io"),
    ]


@pytest.mark.parametrize(
    "payload",
    [None, [], "regions", {"regions": None}, {"regions": {"us": "x"}}, {"regions": [{}] * 100}],
)
def test_anything_but_a_listing_is_none(payload: object) -> None:
    assert parse_region_listing(payload) is None


def test_an_empty_listing_is_empty() -> None:
    assert parse_region_listing({"regions": []}) == ()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON)
def test_any_json_is_read_without_raising(payload: object) -> None:
    parse_region_listing(payload)
    parse_region_listing({"regions": payload})
    parse_region_listing({"regions": [payload]})
    region_url_of(payload)
    region_url_of({"links": payload})
    region_url_of({"links": {"regionUrl": payload}})


@pytest.mark.parametrize(
    ("payload", "url"),
    [
        ({"links": {"regionUrl": "https://de.sentry.io"}}, "https://de.sentry.io"),
        ({"links": {"regionUrl": ""}}, None),  # self-hosted
        ({"links": {"regionUrl": None}}, None),
        ({"links": {}}, None),
        ({"links": "x"}, None),
        ({}, None),
        ([], None),
    ],
)
def test_region_url_of_an_org(payload: object, url: str | None) -> None:
    assert region_url_of(payload) == url


@pytest.mark.parametrize(
    "url",
    ["https://evil.test%2f.sentry.io", "https://a;b.sentry.io", "https://%65vil.sentry.io"],
)
def test_hosts_that_are_not_dns_names_are_no_origin(url: str) -> None:
    assert Origin.parse(url) is None
