"""Optional fields converted on first read: invisible to the caller, whatever is read how."""

import copy
import pickle
from typing import Any

import attrs
import pytest

from sentry_async.models import ClientKey, Project, ProjectTeam
from sentry_async.models._codegen import LAZY_FIELDS
from sentry_async.models._converter import MODELS, structure


def _project_json(**extra: Any) -> dict[str, Any]:
    return {
        "id": "42",
        "slug": "api",
        "name": "API",
        "platform": "python",
        "dateCreated": "2024-01-02T03:04:05Z",
        "isMember": True,
        "features": ["releases"],
        "team": {"id": "7", "slug": "core", "name": "Core"},
        "teams": [{"id": "7", "slug": "core", "name": "Core"}],
        "organization": {"id": "1", "slug": "acme", "name": "Acme"},
        **extra,
    }


def _eager(data: dict[str, Any]) -> Project:
    """The same project built with ``__init__`` (every slot set at once)."""
    decoded = structure(data, Project)
    values = {f.name: getattr(decoded, f.name) for f in attrs.fields(Project)}
    return Project(**values)


def _unset_slots(project: Project) -> list[str]:
    missing = []
    for field in attrs.fields(Project):
        try:
            object.__getattribute__(project, field.name)
        except AttributeError:
            missing.append(field.name)
    return missing


def test_decoding_stores_only_identity_and_raw_until_a_field_is_read() -> None:
    project = structure(_project_json(), Project)
    optional = {f.name for f in attrs.fields(Project)} - {"id", "slug", "raw"}
    assert set(_unset_slots(project)) == optional
    assert project.name == "API"
    assert _unset_slots(project) == []  # one read converts them all


@pytest.mark.parametrize(
    "read",
    [
        lambda p: p.platform,
        lambda p: repr(p),
        lambda p: attrs.asdict(p, recurse=False),
        lambda p: pickle.loads(pickle.dumps(p)),
        lambda p: copy.copy(p),
        lambda p: attrs.evolve(p, name="renamed"),
        lambda p: attrs.asdict(p),
        lambda p: attrs.astuple(p, recurse=False),
    ],
    ids=["attribute", "repr", "asdict", "pickle", "copy", "evolve", "deep asdict", "astuple"],
)
def test_every_way_of_reading_sees_the_converted_values(read: Any) -> None:
    project = structure(_project_json(), Project)
    read(project)
    assert project == _eager(_project_json())
    assert project.team == ProjectTeam(id="7", slug="core", name="Core")
    assert project.organization is not None and project.organization.slug == "acme"


def test_equality_and_repr_match_an_eagerly_built_model() -> None:
    lazy, eager = structure(_project_json(), Project), _eager(_project_json())
    assert lazy == eager and eager == structure(_project_json(), Project)
    assert repr(structure(_project_json(), Project)) == repr(eager)


def test_a_bad_optional_value_is_none_on_read_and_never_raises() -> None:
    data = _project_json(dateCreated="not a date", team=["odd"], features="x", isMember="maybe")
    project = structure(data, Project)
    assert project.date_created is None
    assert project.team is None and project.features is None and project.is_member is None
    assert project.raw["dateCreated"] == "not a date"


def test_identity_fields_still_fail_at_decode_time() -> None:
    with pytest.raises(ValueError, match="slug"):
        structure({"id": "1"}, Project)


def test_a_model_built_by_hand_never_takes_the_lazy_path() -> None:
    project = Project(id="1", slug="a", name="A")
    assert _unset_slots(project) == []
    assert project.platform is None


def test_unknown_attributes_raise_attribute_error() -> None:
    project = structure(_project_json(), Project)
    with pytest.raises(AttributeError, match="no_such_field"):
        _ = project.no_such_field  # type: ignore[attr-defined]
    assert not hasattr(project, "no_such_field")
    assert getattr(project, "also_missing", "default") == "default"


def test_secret_fields_stay_out_of_the_repr_when_converted_late() -> None:
    key = structure(
        {"id": "k1", "name": "Default", "secret": "s3cr3t-value", "public": "pub"}, ClientKey
    )
    assert "s3cr3t-value" not in repr(key)
    assert key.secret == "s3cr3t-value"


def test_only_models_with_many_optional_fields_are_lazy() -> None:
    for model in MODELS:
        optional = [f for f in attrs.fields(model) if f.default is not attrs.NOTHING]
        lazy = "__getattr__" in vars(model)
        many = len([f for f in optional if f.name != "raw"]) >= LAZY_FIELDS
        assert lazy == (many and "raw" in attrs.fields_dict(model)), model.__name__


def test_the_decoded_object_is_raw_itself_and_read_on_first_access() -> None:
    data = _project_json()
    project = structure(data, Project)
    assert project.raw is data  # shared, as documented: treat it as read-only
    assert project.name == "API"
    data["name"] = "changed after the first read"
    assert project.name == "API"  # converted once, then kept


def test_a_callers_cattrs_converter_unstructures_models_with_forward_references() -> None:
    import cattrs

    project = structure(_project_json(), Project)
    unstructured = cattrs.Converter().unstructure(project)
    assert unstructured["organization"]["slug"] == "acme"
    assert unstructured["team"]["slug"] == "core"
