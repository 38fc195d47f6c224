"""The coverage models (releases, deploys, environments, issues, events, teams, client keys,
organizations) absorb the drift Sentry really sends: a call never fails over a field the
caller may not read. Identity fields are pinned; everything else decodes to None (or the
coerced value) and stays in ``raw``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

import sentry_async.models as models
from sentry_async.models import structure

IDENTITY: dict[type[Any], set[str]] = {
    models.Release: {"version"},
    models.ReleaseProject: {"slug"},
    models.Deploy: {"id"},
    models.Environment: {"id", "name"},
    models.IssueAssignee: set(),
    models.IssueStatusDetails: set(),
    models.IssueChanges: set(),
}


@pytest.mark.parametrize("cls", list(IDENTITY), ids=lambda cls: cls.__name__)
def test_the_coverage_models_require_only_their_identity(cls: type[Any]) -> None:
    assert {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING} == IDENTITY[cls]


@pytest.mark.parametrize(
    ("cls", "payload", "attribute"),
    [
        (models.Release, {"version": "1", "dateCreated": ""}, "date_created"),
        (models.Release, {"version": "1", "dateReleased": ""}, "date_released"),
        (models.Release, {"version": "1", "lastDeploy": {"id": "1", "dateFinished": ""}}, None),
        (models.Deploy, {"id": "1", "dateStarted": "", "dateFinished": ""}, "date_finished"),
        (models.Group, {"id": "1", "firstSeen": "", "lastSeen": ""}, "last_seen"),
        (models.Event, {"id": "a", "dateCreated": "", "dateReceived": ""}, "date_created"),
        (models.Team, {"id": "1", "slug": "t", "dateCreated": ""}, "date_created"),
        (models.ClientKey, {"id": "k", "dateCreated": ""}, "date_created"),
        (models.Organization, {"id": "1", "slug": "a", "dateCreated": ""}, "date_created"),
        (models.TagValue, {"value": "x", "firstSeen": "", "lastSeen": ""}, "first_seen"),
        (models.IssueStatusDetails, {"ignoreUntil": ""}, "ignore_until"),
    ],
)
def test_an_empty_string_in_a_datetime_field_is_none(
    cls: type[Any], payload: dict[str, Any], attribute: str | None
) -> None:
    value = structure(payload, cls)
    if attribute is not None:
        assert getattr(value, attribute) is None
    assert value.raw == payload


def test_a_nested_last_deploy_with_a_blank_date_still_decodes() -> None:
    release = structure(
        {"version": "1", "lastDeploy": {"id": "7", "environment": "prod", "dateFinished": ""}},
        models.Release,
    )
    assert release.last_deploy is not None
    assert (release.last_deploy.environment, release.last_deploy.date_finished) == ("prod", None)
    no_id = structure({"version": "1", "lastDeploy": {"environment": "prod"}}, models.Release)
    assert no_id.last_deploy is None and no_id.raw["lastDeploy"] == {"environment": "prod"}


@pytest.mark.parametrize(
    ("cls", "payload", "attribute", "expected"),
    [
        (models.Group, {"id": "1", "isBookmarked": "true"}, "is_bookmarked", True),
        (models.Group, {"id": "1", "hasSeen": "false"}, "has_seen", False),
        (models.IssueChanges, {"isPublic": "true"}, "is_public", True),
        (models.IssueStatusDetails, {"inNextRelease": "true"}, "in_next_release", True),
        (models.Team, {"id": "1", "slug": "t", "isMember": "true"}, "is_member", True),
        (models.ClientKey, {"id": "k", "isActive": "true"}, "is_active", True),
        (models.Organization, {"id": "1", "slug": "a", "require2FA": "true"}, "require_2fa", True),
        (models.Group, {"id": "1", "isSubscribed": "maybe"}, "is_subscribed", None),
    ],
)
def test_a_bool_sent_as_text_is_absorbed(
    cls: type[Any], payload: dict[str, Any], attribute: str, expected: bool | None
) -> None:
    assert getattr(structure(payload, cls), attribute) is expected


@pytest.mark.parametrize(
    ("cls", "payload", "attribute"),
    [
        (models.Release, {"version": "1", "projects": [{"id": 1, "name": "x"}]}, None),
        (models.Release, {"version": "1", "newGroups": "many"}, "new_groups"),
        (models.Environment, {"id": "1", "name": "prod", "isHidden": "sometimes"}, None),
        (models.IssueAssignee, {"type": None, "id": 88, "name": None}, "name"),
        (models.IssueChanges, {"assignedTo": "team:1", "statusDetails": []}, "status_details"),
        (models.Group, {"id": "1", "project": {}, "assignedTo": 5}, "assigned_to"),
        (models.GroupProject, {"id": "1", "slug": "p", "name": ["x"]}, "name"),
        (models.Event, {"id": "a", "tags": [{"key": None, "value": "x"}]}, None),
        (models.EventTag, {"key": "k", "value": None}, "value"),
        (models.Team, {"id": "1", "slug": "t", "flags": {"idp:provisioned": None}}, None),
        (models.Team, {"id": "1", "slug": "t", "flags": "none"}, "flags"),
        (models.ClientKey, {"id": "k", "rateLimit": {"count": 5, "window": None}}, None),
        (models.ClientKey, {"id": "k", "dsn": "https://k@o1.example/1"}, "dsn"),
        (models.ClientKey, {"id": "k", "name": None, "projectId": "x"}, "project_id"),
        (models.Organization, {"id": "1", "slug": "a", "status": "active"}, "status"),
        (models.Organization, {"id": "1", "slug": "a", "status": {"name": "active"}}, "status"),
        # Sentry's UserTagValueSerializer: no EventUser matched, so no id and no name.
        (models.TagValue, {"key": "user", "id": None, "value": "id:42", "count": 3}, "name"),
    ],
)
def test_drift_in_a_non_identity_field_never_fails(
    cls: type[Any], payload: dict[str, Any], attribute: str | None
) -> None:
    value = structure(payload, cls)
    if attribute is not None:
        assert getattr(value, attribute) is None
    assert value.raw == payload


def test_coercible_drift_is_kept_as_the_right_type() -> None:
    release = structure(
        {"version": "1", "id": "12", "newGroups": "3", "dateCreated": 0}, models.Release
    )
    assert (release.id, release.new_groups) == (12, 3)
    assert release.date_created == datetime(1970, 1, 1, tzinfo=timezone.utc)
    key = structure({"id": "k", "rateLimit": {"count": "5", "window": "60"}}, models.ClientKey)
    assert key.rate_limit is not None and (key.rate_limit.count, key.rate_limit.window) == (5, 60)
