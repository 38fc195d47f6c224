"""Path parameters can never change which endpoint is addressed."""

from __future__ import annotations

import pytest

from sentry_async.route import Route, encode_segment


@pytest.mark.parametrize(
    ("slug", "encoded"),
    [
        ("acme", "acme"),
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("x#y", "x%23y"),
        ("%2e%2e", "%252e%252e"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("ünï code", "%C3%BCn%C3%AF%20code"),
        (42, "42"),
    ],
)
def test_segments_are_single_and_opaque(slug: str | int, encoded: str) -> None:
    assert encode_segment(slug) == encoded
    assert "/" not in encode_segment(slug)


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_values_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="org must not be empty"):
        Route.build("GET", "/organizations/{org}/", org=bad)


@pytest.mark.parametrize("bad", [None, 1.5, True, b"acme"])
def test_wrong_types_are_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        encode_segment(bad)


def test_route_keeps_template_as_its_key() -> None:
    route = Route.build("get", "/projects/{org}/{project}/", org="acme", project="a/b")
    assert route.path == "/projects/acme/a%2Fb/"
    assert route.key == "GET /projects/{org}/{project}/"
    assert route.method == "GET"


def test_missing_or_extra_parameters_are_errors() -> None:
    with pytest.raises(TypeError, match="missing"):
        Route.build("GET", "/projects/{org}/{project}/", org="acme")
    with pytest.raises(TypeError, match="unexpected"):
        Route.build("GET", "/organizations/{org}/", org="acme", project="x")


def test_built_routes_are_reused_but_never_across_types() -> None:
    template = "/projects/{org}/{project}/"
    first = Route.build("GET", template, org="acme", project="web")
    assert Route.build("GET", template, org="acme", project="web") is first
    # 1 and "1" fill the template alike; True must still be refused, never served a hit.
    assert Route.build("GET", template, org="acme", project=1).path == "/projects/acme/1/"
    with pytest.raises(TypeError):
        Route.build("GET", template, org="acme", project=True)
    with pytest.raises(TypeError, match="str or int"):
        Route.build("GET", template, org="acme", project=["web"])
    assert Route.build("GET", template, org="acme", project="a/b").path == "/projects/acme/a%2Fb/"
