"""The converter's contract: raw kept out of eq/repr, strictness, key mapping, model shape."""

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest

import sentry_async.models as models
from sentry_async.models import (
    ClientKey,
    Group,
    Member,
    ModelDecodeError,
    Organization,
    Project,
    ProjectTeam,
    ProjectUser,
    ScimUser,
    StatPoint,
    json_name,
    structure,
    structurer,
)
from sentry_async.models._converter import MODELS
from tests import payloads

# (model, payload factory) pairs covering every model class between them.
RICH: list[tuple[type[Any], Callable[[], Any]]] = [
    (Organization, payloads.organization_detailed),
    (Project, payloads.project_detailed),
    (Member, payloads.member),
    (models.ProjectUser, lambda: payloads.project_user(date_created="2024-01-01T00:00:00Z")),
    (models.TagValue, payloads.tag_value),
    (models.ServiceHook, payloads.service_hook),
    (ClientKey, lambda: payloads.client_key(rate_limit={"window": 60, "count": 10})),
    (models.Repository, payloads.repository),
    (models.Commit, payloads.commit),
    (models.ShortIdResolution, payloads.short_id_resolution),
    (models.EventIdResolution, payloads.event_id_resolution),
    (models.StatsV2, payloads.stats_v2),
    (models.RelayUsage, payloads.relay_usage),
    (models.SentryAppInstallation, payloads.sentry_app_installation),
    (models.ExternalIssue, payloads.external_issue),
    (ScimUser, payloads.scim_user),
    (models.ScimListResponse, lambda: payloads.scim_list([payloads.scim_user()])),
    (models.Group, payloads.issue),
    (models.Event, payloads.event_full),
    (models.IssueChanges, payloads.issue_changes),
    (models.Release, payloads.release),
    (models.Environment, payloads.environment),
]


def _walk(value: Any, seen: dict[type[Any], set[str]]) -> None:
    """Record, per model class, which fields had their JSON key present in ``raw``."""
    if isinstance(value, list):
        for item in value:
            _walk(item, seen)
        return
    if not attrs.has(type(value)):
        return
    cls = type(value)
    present = seen.setdefault(cls, set())
    for field in attrs.fields(cls):
        if field.name == "raw":
            continue
        if json_name(cls, field.name) in value.raw:
            present.add(field.name)
        _walk(getattr(value, field.name), seen)


def test_every_field_of_every_model_is_read_from_its_wire_key() -> None:
    # A misspelt JSON key would leave its field at the default without any error, so check
    # that the rich payloads (written with Sentry's spellings) reach every field.
    seen: dict[type[Any], set[str]] = {}
    for cls, make in RICH:
        _walk(structure(make(), cls), seen)

    assert set(seen) == set(MODELS) - {StatPoint}
    missing = {
        cls.__name__: sorted({f.name for f in attrs.fields(cls)} - {"raw"} - names)
        for cls, names in seen.items()
    }
    assert {name: fields for name, fields in missing.items() if fields} == {}


@pytest.mark.parametrize(("cls", "make"), RICH, ids=[cls.__name__ for cls, _ in RICH])
def test_unknown_keys_are_kept_in_raw_and_ignored_by_eq_and_repr(
    cls: type[Any], make: Callable[[], Any]
) -> None:
    plain = make()
    extended = make()
    extended["fieldAddedNextWeek"] = {"nested": [1, 2, 3]}

    a = structure(plain, cls)
    b = structure(extended, cls)

    assert b.raw["fieldAddedNextWeek"] == {"nested": [1, 2, 3]}
    assert b.raw is extended
    assert a == b
    assert repr(a) == repr(b)
    assert "raw=" not in repr(b)


def test_nested_models_keep_their_own_raw() -> None:
    body = payloads.project()
    body["team"]["parentTeam"] = "finance"

    project = structure(body, Project)

    assert project.team is not None
    assert project.team.raw is body["team"]
    assert project.team.raw["parentTeam"] == "finance"


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_model_shape(cls: type[Any]) -> None:
    fields = attrs.fields(cls)
    raw = fields[-1]
    assert raw.name == "raw"
    assert raw.eq is False
    assert raw.repr is False
    assert "__dict__" not in dir(cls)  # slotted
    assert cls.__doc__
    blank = object.__new__(cls)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(blank, fields[0].name, None)


def test_instances_are_frozen() -> None:
    team = structure(payloads.project_team(), ProjectTeam)

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        team.slug = "other"  # type: ignore[misc]


def test_every_model_is_exported() -> None:
    assert {cls.__name__ for cls in MODELS} <= set(models.__all__)
    for name in models.__all__:
        assert getattr(models, name) is not None


class TestStrictness:
    def test_missing_required_key_raises_with_path(self) -> None:
        body = payloads.project()
        del body["slug"]

        with pytest.raises(ModelDecodeError) as caught:
            structure(body, Project)

        assert str(caught.value) == "Project.slug: required key 'slug' is missing"
        assert (caught.value.model, caught.value.path) == ("Project", ("slug",))

    def test_null_identity_field_raises(self) -> None:
        body = payloads.project()
        body["id"] = None

        with pytest.raises(ModelDecodeError, match=r"Project\.id: null"):
            structure(body, Project)

    @pytest.mark.parametrize("value", [True, ["checkout"], {"a": 1}])
    def test_unconvertible_identity_field_raises(self, value: Any) -> None:
        body = payloads.project()
        body["slug"] = value

        with pytest.raises(ModelDecodeError, match=r"^Project\.slug"):
            structure(body, Project)

    @pytest.mark.parametrize("value", [None, [], "project", 7])
    def test_non_object_raises(self, value: Any) -> None:
        with pytest.raises(ModelDecodeError, match="expected a JSON object"):
            structure(value, Project)

    def test_cause_is_kept(self) -> None:
        body = payloads.project()
        body["slug"] = ["not", "a", "slug"]

        with pytest.raises(ModelDecodeError) as caught:
            structure(body, Project)

        assert isinstance(caught.value.__cause__, TypeError)


class TestLeniency:
    def test_integer_ids_become_strings(self) -> None:
        body = payloads.project(id="1")
        body["id"] = 5102
        body["team"]["id"] = 88

        project = structure(body, Project)

        assert (project.id, project.team.id if project.team else None) == ("5102", "88")

    def test_null_optional_fields_are_none(self) -> None:
        body = payloads.project()
        body.update({"features": None, "teams": None, "isMember": None, "options": None})

        project = structure(body, Project)

        assert (project.features, project.teams, project.is_member, project.options) == (
            None,
            None,
            None,
            None,
        )

    def test_trimmed_payload_decodes_and_absent_lists_are_none(self) -> None:
        body = {"id": "1", "slug": "s"}

        project = structure(body, Project)

        assert (project.name, project.date_created, project.team) == (None, None, None)
        assert (project.features, project.teams, project.is_member) == (None, None, None)

    @pytest.mark.parametrize(
        ("key", "value", "attribute"),
        [
            ("isBookmarked", ["x"], "is_bookmarked"),
            ("features", "releases", "features"),
            ("teams", {"id": "1", "slug": "x"}, "teams"),
            ("team", "payments", "team"),
            ("firstEvent", "yesterday", "first_event"),
            ("options", ["a"], "options"),
            ("dateCreated", "not a date", "date_created"),
            ("name", {"a": 1}, "name"),
        ],
    )
    def test_unconvertible_optional_field_is_none_and_kept_in_raw(
        self, key: str, value: Any, attribute: str
    ) -> None:
        body = payloads.project()
        body[key] = value

        project = structure(body, Project)

        assert getattr(project, attribute) is None
        assert project.raw[key] == value

    @pytest.mark.parametrize(
        ("value", "expected"), [("true", True), ("False", False), (1, True), (0, False)]
    )
    def test_booleans_absorb_drift(self, value: Any, expected: bool) -> None:
        body = payloads.project()
        body["isBookmarked"] = value
        assert structure(body, Project).is_bookmarked is expected

    def test_counts_as_strings_and_none_as_an_id(self) -> None:
        group = structure({"id": "1", "count": "1289", "userCount": 7.0}, Group)
        user = structure({"id": "None", "username": "u"}, ProjectUser)
        assert (group.count, group.user_count, user.id, user.username) == (1289, 7, None, "u")

    def test_nested_model_missing_its_identity_is_none(self) -> None:
        body = payloads.project()
        del body["team"]["slug"]

        assert structure(body, Project).team is None

    def test_nested_list_keeps_the_items_that_decode(self) -> None:
        body = payloads.project()
        body["teams"] = [{"id": "9"}, payloads.project_team("web", "7"), None]

        project = structure(body, Project)

        assert [t.slug for t in project.teams or []] == ["web"]
        assert len(project.raw["teams"]) == 3

    def test_flags_that_are_not_booleans_give_none(self) -> None:
        body = payloads.member()
        body["flags"]["sso:linked"] = "yes"

        assert structure(body, Member).flags is None

    def test_any_mapping_is_accepted(self) -> None:
        class ReadOnly(Mapping[str, Any]):
            def __init__(self, data: dict[str, Any]) -> None:
                self._data = data

            def __getitem__(self, key: str) -> Any:
                return self._data[key]

            def __iter__(self) -> Any:
                return iter(self._data)

            def __len__(self) -> int:
                return len(self._data)

        team = structure(ReadOnly(payloads.project_team()), ProjectTeam)

        assert team.slug == "payments"


class TestStructurer:
    def test_is_cached(self) -> None:
        assert structurer(Project) is structurer(Project)
        assert structurer(list[Project]) is structurer(list[Project])

    def test_one_argument_function(self) -> None:
        decode = structurer(ProjectTeam)

        assert decode({"id": "1", "slug": "a"}) == ProjectTeam(id="1", slug="a")

    def test_list_of_models(self) -> None:
        body = [payloads.project("a", "1"), payloads.project_without_team("b", "2")]

        projects = structurer(list[Project])(body)

        assert [(p.slug, p.team is None) for p in projects] == [("a", False), ("b", True)]

    def test_decoded_models_equal_constructed_ones(self) -> None:
        decoded = structure({"id": "1", "slug": "a", "name": None}, ProjectTeam)

        assert decoded == ProjectTeam(id="1", slug="a")
        assert decoded.raw == {"id": "1", "slug": "a", "name": None}
        assert ProjectTeam(id="1", slug="a").raw == {}


def test_json_name() -> None:
    assert json_name(Project, "date_created") == "dateCreated"
    assert json_name(Organization, "require_2fa") == "require2FA"
    assert json_name(Member, "role") == "orgRole"
    assert json_name(models.MemberUser, "has2fa") == "has2fa"
    assert json_name(models.Event, "event_id") == "eventID"
    assert json_name(models.ScimListResponse, "resources") == "Resources"
    assert json_name(ScimUser, "sentry_org_role") == "sentryOrgRole"
    with pytest.raises(ValueError, match="no field"):
        json_name(Project, "raw")
    with pytest.raises(ValueError, match="no field"):
        json_name(Project, "dateCreated")
