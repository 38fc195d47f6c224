"""Every model decodes from only its identity fields, and from a payload of nulls.

Only what identifies a resource may be required, and only where Sentry always sends it;
everything else is None when absent, null or not convertible (the value stays in ``raw``).
"""

from __future__ import annotations

import contextlib
import typing
from datetime import datetime
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_async.models as models
from sentry_async.models import ModelDecodeError, json_name, structure
from sentry_async.models._converter import MODELS

# StatPoint is a bare [timestamp, count] pair on the wire, not an object.
OBJECT_MODELS = [cls for cls in MODELS if cls is not models.StatPoint]

# The decision, pinned: the attributes each model requires. Everything else is optional.
IDENTITY: dict[type[Any], set[str]] = {
    models.Avatar: set(),
    models.ServiceHook: {"id"},
    models.SentryAppInstallationApp: {"uuid"},
    models.SentryAppInstallationOrganization: {"slug"},
    models.SentryAppInstallation: {"uuid"},
    models.ExternalIssue: {"id"},
    models.ClientKeyDsn: set(),
    models.ClientKeyRateLimit: set(),
    models.ClientKey: {"id"},
    models.MemberUserEmail: set(),
    models.MemberUser: {"id"},
    models.MemberTeamRole: {"team_slug"},
    models.Member: {"id"},
    models.OrganizationStatus: {"id"},
    models.OrganizationLinks: set(),
    models.OrganizationQuota: set(),
    models.Organization: {"id", "slug"},
    models.ProjectTeam: {"id", "slug"},
    models.Project: {"id", "slug"},
    # Sentry sends "id": null (and "None") for users known only from event data.
    models.ProjectUser: set(),
    models.TagValue: set(),
    models.RelayUsage: {"relay_id"},
    models.RepositoryProvider: {"id"},
    models.Repository: {"id"},
    models.CommitAuthor: set(),
    models.Commit: {"id"},
    models.GroupProject: {"id", "slug"},
    models.Group: {"id"},
    models.EventTag: {"key"},
    # Event-id resolution may answer "event": {}.
    models.Event: set(),
    models.ShortIdResolution: {"organization_slug", "project_slug", "group_id", "short_id"},
    models.EventIdResolution: {"organization_slug", "project_slug", "group_id", "event_id"},
    models.ScimEmail: set(),
    models.ScimName: set(),
    models.ScimMeta: set(),
    models.ScimUser: {"id"},
    models.ScimListResponse: set(),
    models.StatsGroup: set(),
    models.StatsV2: set(),
    models.Team: {"id", "slug"},
}


def required(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    return [f for f in attrs.fields(cls) if f.default is attrs.NOTHING]


def optional(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    return [f for f in attrs.fields(cls) if f.default is not attrs.NOTHING and f.name != "raw"]


def identity_value(cls: type[Any], field: attrs.Attribute[Any]) -> Any:
    hint = typing.get_type_hints(cls, localns={c.__name__: c for c in MODELS})[field.name]
    if hint is str:
        return f"{field.name}-1"
    if hint is datetime:
        return "2024-01-01T00:00:00Z"
    if attrs.has(hint):
        return identity_payload(hint)
    raise AssertionError(f"no identity value for {cls.__name__}.{field.name}: {hint}")


def identity_payload(cls: type[Any]) -> dict[str, Any]:
    return {json_name(cls, f.name): identity_value(cls, f) for f in required(cls)}


@pytest.mark.parametrize("cls", list(IDENTITY), ids=lambda cls: cls.__name__)
def test_identity_fields_are_the_only_required_ones(cls: type[Any]) -> None:
    assert {f.name for f in required(cls)} == IDENTITY[cls]


@pytest.mark.parametrize("cls", OBJECT_MODELS, ids=lambda cls: cls.__name__)
def test_every_model_decodes_from_its_identity_fields_alone(cls: type[Any]) -> None:
    payload = identity_payload(cls)

    value = structure(payload, cls)

    for field in required(cls):
        assert getattr(value, field.name) is not None
    for field in optional(cls):
        assert getattr(value, field.name) is None, field.name
    assert value.raw == payload


@pytest.mark.parametrize("cls", OBJECT_MODELS, ids=lambda cls: cls.__name__)
def test_every_optional_field_may_be_null(cls: type[Any]) -> None:
    payload = identity_payload(cls)
    for field in optional(cls):
        payload[json_name(cls, field.name)] = None

    value = structure(payload, cls)

    for field in optional(cls):
        assert getattr(value, field.name) is None, field.name


@pytest.mark.parametrize(
    "cls", [cls for cls in OBJECT_MODELS if required(cls)], ids=lambda cls: cls.__name__
)
def test_a_missing_identity_field_still_raises(cls: type[Any]) -> None:
    for field in required(cls):
        payload = identity_payload(cls)
        del payload[json_name(cls, field.name)]
        with pytest.raises(ModelDecodeError, match=field.name):
            structure(payload, cls)


def test_project_user_with_null_or_none_string_id() -> None:
    for value in (None, "None"):
        user = structure(
            {"id": value, "username": "guest", "email": "g@x.example"}, models.ProjectUser
        )
        assert (user.id, user.username, user.email) == (None, "guest", "g@x.example")
    assert structure({"username": "guest"}, models.ProjectUser).username == "guest"


def test_trimmed_organization_answer_decodes() -> None:
    org = structure({"id": "1", "slug": "acme", "name": "Acme"}, models.Organization)
    assert (org.name, org.date_created, org.features, org.teams) == ("Acme", None, None, None)


def test_event_id_resolution_with_an_empty_event() -> None:
    body = {
        "organizationSlug": "acme",
        "projectSlug": "web",
        "groupId": "1",
        "eventId": "c0ffee",
        "event": {},
    }
    resolution = structure(body, models.EventIdResolution)
    assert resolution.event is not None and resolution.event.event_id is None


def test_tag_value_without_name() -> None:
    tag = structure({"key": "browser", "value": "Firefox"}, models.TagValue)
    assert (tag.name, tag.key, tag.value) == (None, "browser", "Firefox")


def test_project_organization_is_decoded_once_and_never_raises() -> None:
    body = {"id": "1", "slug": "web", "organization": {"id": "9", "slug": "acme"}}
    project = structure(body, models.Project)
    assert project.organization is not None and project.organization.slug == "acme"
    assert project.organization is project.organization  # one object, not a decode per read
    broken = structure({"id": "1", "slug": "web", "organization": {"name": "x"}}, models.Project)
    assert broken.organization is None and broken.raw["organization"] == {"name": "x"}


@pytest.mark.parametrize(
    ("cls", "attribute", "payload"),
    [
        (models.ClientKey, "secret", {"id": "1", "secret": "s3cr3t-key"}),
        (models.ClientKeyDsn, "secret", {"secret": "https://pub:s3cr3t-key@o1.example/1"}),
        (models.ServiceHook, "secret", {"id": "1", "secret": "s3cr3t-key"}),
        (
            models.Member,
            "invite_link",
            {"id": "1", "invite_link": "https://x/accept/1/s3cr3t-key/"},
        ),
    ],
)
def test_secrets_are_readable_but_not_in_the_repr(
    cls: type[Any], attribute: str, payload: dict[str, Any]
) -> None:
    value = structure(payload, cls)
    assert "s3cr3t-key" in getattr(value, attribute)
    assert "s3cr3t-key" not in repr(value)


def test_a_client_keys_nested_dsn_secret_stays_out_of_the_repr() -> None:
    key = structure({"id": "1", "dsn": {"secret": "https://p:s3cr3t-key@o1/1"}}, models.ClientKey)
    assert "s3cr3t-key" not in repr(key) and key.dsn is not None


# -- properties: whatever the server sends, decoding fails only on identity fields ------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(["None", "", "true", "0", "2024-01-01T00:00:00Z", "1.5e3"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=6,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cls=st.sampled_from(OBJECT_MODELS), data=st.data())
def test_any_values_in_optional_fields_never_fail(cls: type[Any], data: st.DataObject) -> None:
    payload = identity_payload(cls)
    for field in optional(cls):
        if data.draw(st.booleans()):
            payload[json_name(cls, field.name)] = data.draw(json_values)

    value = structure(payload, cls)

    assert value.raw is payload


@settings(max_examples=250, deadline=None)
@given(cls=st.sampled_from(OBJECT_MODELS), payload=json_values)
def test_any_json_decodes_or_raises_model_decode_error(cls: type[Any], payload: Any) -> None:
    with contextlib.suppress(ModelDecodeError):
        structure(payload, cls)
