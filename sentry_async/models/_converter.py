"""The one cattrs Converter: decoded JSON from Sentry into model instances.

This is the only module that knows Sentry's JSON key names. A key is derived from the
attribute name (``date_created`` -> ``dateCreated``) unless ``_KEYS`` lists an irregular
spelling (``require2FA``, ``eventID``, snake_case keys, fallbacks such as ``orgRole`` then
``role``).

Rules shared by every model (compiled by ``_codegen.ModelHookFactory``):

- unknown keys never matter; the original object is kept as the model's ``raw``;
- only identity fields are required (``id``, ``slug``... and only where Sentry always sends
  them): a required key that is missing, ``null`` or not convertible raises
  ``ModelDecodeError`` (a ``ValueError``) naming the model and attribute path;
- every other field is None when its key is missing or ``null``, and also when its value
  cannot be converted: the value stays in ``raw``, and a call never fails over a field the
  caller may not even read. An absent list is None, not ``[]``; a nested list of models
  keeps the items that decode;
- coercible drift is absorbed: ``str`` fields take numbers (ids sent as numbers), ``int``
  and ``float`` fields take numeric strings (counts such as ``"1289"``), ``bool`` fields take
  ``0``/``1`` and ``"true"``/``"false"``, id fields read the string ``"None"`` as None, and
  ``""`` is None for the fields in ``_BLANK_IS_NONE`` (``platform``, ``regionUrl``);
  ``datetime`` fields go through ``parse_datetime``;
- lists of strings and ``Mapping[str, Any]`` values are the decoded JSON objects themselves,
  shared with ``raw`` rather than copied; treat them as read-only. So is the decoded object
  itself: it becomes ``raw``, and models with many optional fields convert those from it
  on first read (``_codegen.LAZY_FIELDS``).

Every model's function is compiled when this module is imported; ``structurer`` hands it out
for the hot path (one call per item of a paginated list).
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs
import cattrs

from . import (
    common,
    hooks,
    integrations,
    issues,
    keys,
    members,
    organizations,
    projects,
    relay,
    releases,
    repos,
    resolve,
    scim,
    stats,
    teams,
)
from ._codegen import ModelDecodeError, ModelHookFactory, fail, register_scalar_hooks

__all__ = [
    "MODELS",
    "ModelDecodeError",
    "converter",
    "json_name",
    "structure",
    "structurer",
]

T = TypeVar("T")

_MODULES = (
    common,
    teams,
    projects,
    organizations,
    members,
    hooks,
    keys,
    repos,
    issues,
    resolve,
    releases,
    stats,
    relay,
    integrations,
    scim,
)

#: Every model class, in module order.
MODELS: tuple[type[Any], ...] = tuple(
    obj
    for module in _MODULES
    for obj in vars(module).values()
    if isinstance(obj, type) and attrs.has(obj) and obj.__module__ == module.__name__
)

# Forward references between model modules ("Organization" on Project), resolved once so
# that any cattrs converter (a caller's ``cattrs.unstructure(project)``) can read the types.
_NAMESPACE = {cls.__name__: cls for cls in MODELS}
for _model in MODELS:
    attrs.resolve_types(_model, localns=_NAMESPACE)

# JSON keys that the camelCase rule does not produce. Several keys mean "first one present".
_KEYS: dict[tuple[type[Any], str], tuple[str, ...]] = {
    (organizations.Organization, "require_2fa"): ("require2FA",),
    (organizations.Organization, "scrub_ip_addresses"): ("scrubIPAddresses",),
    (organizations.Organization, "scrape_javascript"): ("scrapeJavaScript",),
    (organizations.Organization, "role"): ("orgRole", "role"),
    (members.Member, "role"): ("orgRole", "role"),
    (members.Member, "invite_link"): ("invite_link",),
    (members.MemberUserEmail, "is_verified"): ("is_verified",),
    (keys.ClientKeyDsn, "otlp_traces"): ("otlp_traces",),
    (keys.ClientKeyDsn, "otlp_logs"): ("otlp_logs",),
    (resolve.Event, "event_id"): ("eventID",),
    (resolve.Event, "group_id"): ("groupID",),
    (resolve.Event, "project_id"): ("projectID",),
    # SCIM attribute names are case-insensitive; Sentry spells it ``Resources``.
    (scim.ScimListResponse, "resources"): ("Resources", "resources"),
}

# Fields where Sentry sends "" to mean "none".
_BLANK_IS_NONE: frozenset[tuple[type[Any], str]] = frozenset(
    {
        (projects.Project, "platform"),
        (resolve.Group, "platform"),
        (resolve.GroupProject, "platform"),
        (resolve.Event, "platform"),
        (releases.ReleaseProject, "platform"),
        (organizations.OrganizationLinks, "region_url"),
    }
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _json_keys(cls: type[Any], name: str) -> tuple[str, ...]:
    return _KEYS.get((cls, name)) or (_camel(name),)


def _structure_stat_point(value: Any, _type: Any = None) -> projects.StatPoint:
    # Stats v1 points are bare [epoch_seconds, count] pairs, not objects.
    try:
        return projects.StatPoint.from_pair(value)
    except Exception as exc:
        raise fail(projects.StatPoint, None, exc) from exc


converter = cattrs.Converter(detailed_validation=False)
register_scalar_hooks(converter)
converter.register_structure_hook(projects.StatPoint, _structure_stat_point)
_factory = ModelHookFactory(
    converter,
    (cls for cls in MODELS if cls is not projects.StatPoint),
    json_keys=_json_keys,
    blank_is_none=_BLANK_IS_NONE,
)
converter.register_structure_hook_factory(_factory.handles, _factory)
_STRUCTURERS: dict[Any, Callable[[Any], Any]] = {
    **_factory.compile_all(),
    projects.StatPoint: _structure_stat_point,
}


def structurer(cls: type[T]) -> Callable[[Any], T]:
    """Return the cached function that turns decoded JSON into ``cls``.

    ``cls`` is a model class or any type the converter handles (``list[Project]``...).
    The function raises ``ModelDecodeError`` (a ``ValueError``) or another ``ValueError`` /
    ``TypeError`` when the value does not fit. It keeps the object it is given as the
    model's ``raw`` and converts the optional fields of larger models from it on first
    read: give it data nothing changes afterwards (a freshly decoded answer).
    """
    try:
        return _STRUCTURERS[cls]
    except KeyError:
        pass
    hook = converter.get_structure_hook(cls)

    def structure_value(data: Any) -> T:
        return cast(T, hook(data, cls))

    _STRUCTURERS[cls] = structure_value
    return structure_value


def structure(data: Any, cls: type[T]) -> T:
    """Turn decoded JSON into ``cls``; see ``structurer``.

    ``data`` becomes the model's ``raw`` (not copied) and the optional fields of larger
    models are converted from it on first read: treat it as read-only afterwards, or pass
    a copy (``copy.deepcopy``) if you go on changing it.
    """
    return structurer(cls)(data)


def json_name(cls: type[Any], field: str) -> str:
    """The JSON key Sentry uses for attribute ``field`` of model ``cls``."""
    if field == "raw" or field not in attrs.fields_dict(cls):
        raise ValueError(f"{cls.__name__} has no field {field!r}")
    return _json_keys(cls, field)[0]
