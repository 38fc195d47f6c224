"""Compiled structuring functions for model classes; generic, knows no JSON names.

``ModelHookFactory`` writes one plain Python function per attrs model, e.g.::

    def structure_ProjectTeam(o, _t=None):
        ...
        f = 'slug'                       # required (identity) field
        v = o.get('slug', _M)
        if v is _M: raise _missing(('slug',))
        if v is None: raise _null()
        s1(x, v if v.__class__ is str else _to_str(v))
        v = o.get('name')                # optional field: never raises
        if v is not None:
            try: v = v if v.__class__ is str else _to_str(v)
            except Exception: v = None
        s2(x, v)
        ...

so decoding one item costs a dict lookup and a slot store per field, with the type check
inlined for the common case (``try`` costs nothing on Python 3.11+ unless it fires). Key
names and the ``"" -> None`` fields come from the caller. The generated source is kept as
the function's ``__doc__`` for debugging.

Models with :data:`LAZY_FIELDS` or more optional fields get two functions instead: the
structurer stores only the identity fields and ``raw``, and ``fill_<Model>(x, o)`` (the
optional fields' lines above) runs on the first read of any other field, through the
``__getattr__`` that :func:`_install_lazy_fields` gives the class.

Why not cattrs' own ``cattrs.gen.make_dict_structure_fn`` (which also generates code):
measured on 10,000 project list items (Python 3.11, same machine, best of 7), that function
with key-rename overrides took ~296 ms while this generator took ~70-110 ms, and that was
cattrs *without* the per-field leniency (unconvertible value -> None), ``raw`` and
multi-key fallbacks this module adds; each of those would be a further per-field hook call
there. Paging speed is decoding-bound (benchmarks/bench_stream.py), so this stays.
"""

import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Union, cast

import attrs
import cattrs

from ._time import parse_datetime

__all__ = ["ModelDecodeError", "ModelHookFactory", "fail", "register_scalar_hooks"]

Hook = Callable[..., Any]


class ModelDecodeError(ValueError):
    """A JSON value did not have the shape a model needs.

    ``model`` is the outermost model being decoded and ``path`` the attribute path to the
    offending value, e.g. ``"Project"`` and ``("team", "slug")``; ``reason`` says what was
    wrong. The underlying exception, if any, is the ``__cause__``.
    """

    def __init__(self, model: str, path: tuple[str, ...], reason: str) -> None:
        self.model = model
        self.path = path
        self.reason = reason
        where = ".".join((model, *path)) if model else ".".join(path)
        super().__init__(f"{where}: {reason}" if where else reason)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# Scalar checks: generated code inlines the exact-type case and calls these for the rest.


def _to_str(value: Any) -> str:
    if value.__class__ is str:
        return value
    if value.__class__ is int:  # some ids travel as numbers
        return str(value)
    raise TypeError(f"expected a string, got {_kind(value)}")


# Integers above this do not survive a trip through a JSON float: 2**53 + 1 arrives as
# 9007199254740992.0, so such a float is refused rather than read as a wrong id or count.
_EXACT_FLOAT = 2.0**53


def _to_int(value: Any) -> int:
    if value.__class__ is int:
        return value
    if value.__class__ is str:  # counts such as an issue's "count": "1289"
        try:
            return int(value)
        except ValueError:
            # "12.0" reads like 12.0 does; "NaN", "inf", "1e400" raise below.
            return _to_int(float(value))
    if value.__class__ is float and value.is_integer() and abs(value) <= _EXACT_FLOAT:
        return int(value)
    raise TypeError(f"expected an integer, got {_kind(value)}")


def _finite(number: float) -> float:
    if number - number != 0.0:  # NaN or infinity: not a count or a rate
        raise ValueError(f"expected a finite number, got {number!r}")
    return number


def _to_float(value: Any) -> float:
    if value.__class__ is float or value.__class__ is int:
        return _finite(float(value))
    if value.__class__ is str:  # numbers quoted like counts
        return _finite(float(value))
    raise TypeError(f"expected a number, got {_kind(value)}")


def _to_number(value: Any, _type: Any = None) -> float | int:
    if value.__class__ is int:
        return value
    if value.__class__ is float:
        return _finite(value)
    if value.__class__ is str:  # quoted numbers, as counts sometimes are
        try:
            return int(value)
        except ValueError:
            return _finite(float(value))  # "12.0" stays 12.0, as the float 12.0 does
    raise TypeError(f"expected a number, got {_kind(value)}")


_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False}


def _to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    if value.__class__ is int and value in (0, 1):  # flags stored as integers
        return bool(value)
    if value.__class__ is str and value.lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.lower()]
    raise TypeError(f"expected a boolean, got {_kind(value)}")


def _str_list(value: Any, _type: Any = None) -> list[str]:
    if value.__class__ is not list:
        raise TypeError(f"expected a list of strings, got {_kind(value)}")
    for item in value:
        if item.__class__ is not str:
            return [_to_str(item) for item in value]
    checked: list[str] = value  # not typing.cast: a call per list on the hot path
    return checked


def _json_object(value: Any, _type: Any = None) -> Mapping[str, Any]:
    if value.__class__ is dict:
        checked: Mapping[str, Any] = value
        return checked
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"expected a JSON object, got {_kind(value)}")


def _flag_map(value: Any, _type: Any = None) -> Mapping[str, bool]:
    flags = _json_object(value)
    for flag in flags.values():
        if flag is not True and flag is not False:
            raise TypeError(f"expected boolean flags, got {_kind(flag)}")
    return cast(Mapping[str, bool], flags)


def _not_list(value: Any) -> Any:
    raise TypeError(f"expected a list, got {_kind(value)}")


def _good_items(hook: Hook, value: Any) -> list[Any] | None:
    """The items of a nested list that decode, in order; None when it is not a list."""
    if value.__class__ is not list:
        return None
    good = []
    for item in value:
        try:
            good.append(hook(item))
        except Exception:
            continue
    return good


def _each_or_none(hook: Hook, value: Any) -> list[Any]:
    """A positional list (``list[X | None]``): an item that does not decode becomes None in
    its place, so positions still line up (a stats series with its intervals)."""
    if value.__class__ is not list:
        raise TypeError(f"expected a list, got {_kind(value)}")
    out: list[Any] = []
    for item in value:
        try:
            out.append(None if item is None else hook(item))
        except Exception:
            out.append(None)
    return out


def _values_or_none(hook: Hook, value: Any) -> dict[str, Any]:
    """A ``Mapping[str, X | None]``: a value that does not decode becomes None."""
    items = _json_object(value)
    out: dict[str, Any] = {}
    for key, item in items.items():
        try:
            out[key] = None if item is None else hook(item)
        except Exception:
            out[key] = None
    return out


def _optional_inner(tp: Any) -> Any:
    """``X`` for ``X | None`` (X itself may be a union), else None."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) not in (Union, types.UnionType) or type(None) not in args:
        return None
    rest = tuple(arg for arg in args if arg is not type(None))
    return rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007


def _is_positional_list(tp: Any) -> bool:
    origin: Any = typing.get_origin(tp)
    return origin is list and _optional_inner(typing.get_args(tp)[0]) is not None


def _is_optional_values(tp: Any) -> bool:
    origin: Any = typing.get_origin(tp)
    args = typing.get_args(tp)
    return origin is Mapping and args[0] is str and _optional_inner(args[1]) is not None


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def register_scalar_hooks(converter: cattrs.Converter) -> None:
    """Make ``converter`` strict about scalars, and share JSON lists/objects instead of copying.

    Lists of strings and ``Mapping[str, Any]`` values come back as the decoded JSON objects
    themselves (also reachable through ``raw``): a page of items is not copied twice.
    """
    converter.register_structure_hook(str, lambda value, _: _to_str(value))
    converter.register_structure_hook(int, lambda value, _: _to_int(value))
    converter.register_structure_hook(float, lambda value, _: _to_float(value))
    converter.register_structure_hook(bool, lambda value, _: _to_bool(value))
    converter.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
    converter.register_structure_hook_func(lambda tp: tp == list[str], _str_list)
    converter.register_structure_hook_func(lambda tp: tp == Mapping[str, Any], _json_object)
    converter.register_structure_hook_func(lambda tp: tp == Mapping[str, bool], _flag_map)
    converter.register_structure_hook_func(lambda tp: tp == (float | int), _to_number)

    def item_hook(tp: Any) -> Hook:
        hook = converter.get_structure_hook(tp)
        return lambda item: hook(item, tp)

    def positional_list(tp: Any) -> Hook:
        each = item_hook(_optional_inner(typing.get_args(tp)[0]))
        return lambda value, _type=None: _each_or_none(each, value)

    def optional_values(tp: Any) -> Hook:
        each = item_hook(_optional_inner(typing.get_args(tp)[1]))
        return lambda value, _type=None: _values_or_none(each, value)

    converter.register_structure_hook_factory(_is_positional_list, positional_list)
    converter.register_structure_hook_factory(_is_optional_values, optional_values)


def _missing(keys: tuple[str, ...]) -> ModelDecodeError:
    spelled = " or ".join(repr(key) for key in keys)
    return ModelDecodeError("", (), f"required key {spelled} is missing")


def _null() -> ModelDecodeError:
    return ModelDecodeError("", (), "null is not allowed here")


def _not_object(cls: type[Any], value: Any) -> ModelDecodeError:
    return ModelDecodeError(cls.__name__, (), f"expected a JSON object, got {_kind(value)}")


def fail(cls: type[Any], field: str | None, exc: Exception) -> ModelDecodeError:
    """Wrap ``exc``, raised while decoding ``field`` of ``cls``, with the full path."""
    head = (field,) if field else ()
    if isinstance(exc, ModelDecodeError):
        error = ModelDecodeError(cls.__name__, head + exc.path, exc.reason)
        cause = exc.__cause__
    else:
        error = ModelDecodeError(cls.__name__, head, f"{type(exc).__name__}: {exc}")
        cause = exc
    error.__cause__ = cause
    return error


_SCALARS: dict[Any, str] = {
    str: "v if v.__class__ is str else _to_str(v)",
    int: "v if v.__class__ is int else _to_int(v)",
    float: "v if v.__class__ is float else _to_float(v)",
    bool: "v if v.__class__ is bool else _to_bool(v)",
    datetime: "_dt(v)",
    Any: "v",
}

_GLOBALS: dict[str, Any] = {
    "_new": object.__new__,
    "_Mapping": Mapping,
    "_dt": parse_datetime,
    "_to_str": _to_str,
    "_to_int": _to_int,
    "_to_float": _to_float,
    "_to_bool": _to_bool,
    "_str_list": _str_list,
    "_not_list": _not_list,
    "_missing": _missing,
    "_null": _null,
    "_not_object": _not_object,
    "_fail": fail,
    "_good_items": _good_items,
}


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = typing.get_args(tp)
        if type(None) in args:
            rest = tuple(arg for arg in args if arg is not type(None))
            return (rest[0] if len(rest) == 1 else Union[rest]), True  # noqa: UP007
    return tp, False


def _list_item(tp: Any) -> Any:
    if typing.get_origin(tp) is list:
        return typing.get_args(tp)[0]
    return None


def _slot_setter(cls: type[Any], name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name].__set__
    raise TypeError(f"{cls.__name__}.{name} is not a slot")


_MISSING = object()

#: A model with at least this many optional fields converts them on first read (see
#: :func:`_install_lazy_fields`); smaller ones convert everything at once. The first read
#: of a late model costs about one microsecond more (a failed slot lookup, then
#: ``__getattr__``); an optional field costs ~0.2-0.3 µs to convert, so from about six of
#: them a model never read beyond its identity saves more than a read model loses.
LAZY_FIELDS = 6


def _install_lazy_fields(cls: type[Any], fill: Hook) -> None:
    """Give ``cls`` a ``__getattr__`` that converts its optional fields on first read.

    The structurer stores only the identity fields and ``raw``; the other slots stay empty
    until something reads one of them (an attribute, ``==``, ``repr``, ``pickle``,
    ``attrs.asdict``: all go through attribute access), which finds the slot empty and
    lands here: ``fill`` then converts every optional field from ``raw`` at once. Nothing
    changes for the caller as long as ``raw`` is not changed before that first read (it
    is the decoded answer itself; documented as read-only): optional fields never raise
    (an unconvertible value is None), so converting them later cannot turn a success into
    a failure; only the work moves to where it is needed (a list walked for its slugs never
    pays for the rest). Instances built with ``__init__`` have every slot set and never get
    here.
    """
    own = vars(cls).get("__getattr__")
    if own is not None and not getattr(own, "_lazy_fields", False):
        raise TypeError(f"{cls.__name__}: models must not define __getattr__")
    names = frozenset(f.name for f in attrs.fields(cls))
    raw_of = _slot_getter(cls, "raw")

    def __getattr__(self: Any, name: str) -> Any:
        if name in names:
            try:
                raw = raw_of(self)
            except AttributeError:
                raw = None
            if raw is not None and name != "raw":
                fill(self, raw)
                return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    __getattr__._lazy_fields = True  # type: ignore[attr-defined]  # another converter may recompile
    cls.__getattr__ = __getattr__


def _slot_getter(cls: type[Any], name: str) -> Callable[[Any], Any]:
    for klass in cls.__mro__:
        if name in vars(klass):
            descriptor = vars(klass)[name]
            return lambda obj: descriptor.__get__(obj, klass)
    raise TypeError(f"{cls.__name__}.{name} is not a slot")


class ModelHookFactory:
    """A cattrs structure-hook factory compiling one function per model class.

    Instances are created with ``object.__new__`` and their slots filled through the slot
    descriptors: the frozen ``__init__`` costs about twice as much, and models may not have
    validators, converters or init hooks that this would skip (checked at compile time).
    """

    def __init__(
        self,
        converter: cattrs.Converter,
        models: Iterable[type[Any]],
        *,
        json_keys: Callable[[type[Any], str], tuple[str, ...]],
        blank_is_none: frozenset[tuple[type[Any], str]],
    ) -> None:
        self._converter = converter
        self._models = frozenset(models)
        self._json_keys = json_keys
        self._blank_is_none = blank_is_none
        # Forward references between model modules resolve against this namespace.
        self._namespace = {cls.__name__: cls for cls in self._models}
        # Models refer to each other in cycles (Organization.projects -> Project.organization
        # -> Organization), so nested model hooks are linked after compilation.
        self._links: list[tuple[dict[str, Any], str, type[Any]]] = []

    def handles(self, tp: Any) -> bool:
        """cattrs predicate: is ``tp`` one of the models?"""
        return isinstance(tp, type) and tp in self._models

    def compile_all(self) -> dict[type[Any], Hook]:
        """Compile every model now and link nested hooks directly; return them by class."""
        compiled = {cls: self._converter.get_structure_hook(cls) for cls in self._models}
        for ns, name, model in self._links:
            ns[name] = compiled[model]
        self._links.clear()
        return compiled

    def __call__(self, cls: type[Any]) -> Hook:
        fields = attrs.fields(cls)
        if any(f.validator or f.converter or not f.init for f in fields) or hasattr(
            cls, "__attrs_post_init__"
        ):
            raise TypeError(f"{cls.__name__}: models must be plain attrs classes")
        hints = typing.get_type_hints(cls, localns=self._namespace)
        ns: dict[str, Any] = {**_GLOBALS, "cls": cls, "_M": _MISSING}
        optional = [f for f in fields if f.default is not attrs.NOTHING and f.name != "raw"]
        lazy = len(optional) >= LAZY_FIELDS and "raw" in attrs.fields_dict(cls)
        body = ["x = _new(cls)"]
        rest: list[str] = []
        for index, field in enumerate(fields):
            ns[f"s{index}"] = _slot_setter(cls, field.name)
            if field.name == "raw":
                body.append(f"s{index}(x, o)")
            else:
                lines = self._field_lines(cls, field, index, hints[field.name], ns)
                (rest if lazy and field in optional else body).extend(lines)
        if lazy:
            _install_lazy_fields(cls, self._compile(f"fill_{cls.__name__}", "x, o", rest, ns))
        name = f"structure_{cls.__name__}"
        source = "\n".join(
            [
                f"def {name}(o, _t=None):",
                "    if o.__class__ is not dict and not isinstance(o, _Mapping):",
                "        raise _not_object(cls, o)",
                "    f = None",
                "    try:",
                *(f"        {line}" for line in body),
                "        return x",
                "    except Exception as e:",
                "        raise _fail(cls, f, e)",
            ]
        )
        return self._exec(cls, name, source, ns)

    @staticmethod
    def _exec(cls: type[Any], name: str, source: str, ns: dict[str, Any]) -> Hook:
        exec(compile(source, f"<structurer for {cls.__qualname__}>", "exec"), ns)
        function = cast(Hook, ns[name])
        function.__doc__ = source
        return function

    def _compile(self, name: str, args: str, lines: list[str], ns: dict[str, Any]) -> Hook:
        """A function ``name(args)`` running ``lines`` (which never raise) in ``ns``."""
        source = "\n".join([f"def {name}({args}):", *(f"    {line}" for line in lines)])
        return self._exec(ns["cls"], name, source, ns)

    def _field_lines(
        self,
        cls: type[Any],
        field: "attrs.Attribute[Any]",
        index: int,
        hint: Any,
        ns: dict[str, Any],
    ) -> list[str]:
        """Source lines that read one field from ``o`` and store it on ``x``.

        A required field raises when missing, null or not convertible. Any other field
        gets its default instead: a value that cannot be converted is dropped (it stays in
        ``raw``), because a call must never fail over a field the caller may not read.
        """
        keys = self._json_keys(cls, field.name)
        tp, nullable = _unwrap_optional(hint)
        required = field.default is attrs.NOTHING
        # Only required fields can raise, so only they record where a failure happened.
        lines = [f"f = {field.name!r}"] if required else []
        if required:
            lines.append(f"v = o.get({keys[0]!r}, _M)")
            lines.extend(f"if v is _M: v = o.get({key!r}, _M)" for key in keys[1:])
            lines.append(f"if v is _M: raise _missing({keys!r})")
        else:
            lines.append(f"v = o.get({keys[0]!r})")
            lines.extend(f"if v is None: v = o.get({key!r})" for key in keys[1:])
        if (cls, field.name) in self._blank_is_none:
            lines.append("if v == '': v = None")
        if tp is str and _is_id(field.name):
            # Sentry writes a missing id as the Python repr of None in some answers.
            lines.append("if v == 'None': v = None")
        conversion = self._conversion(tp, index, ns)
        if required and not nullable:
            lines.append("if v is None: raise _null()")
            lines.append(f"s{index}(x, {conversion})")
            return lines
        if required:
            lines.append(f"s{index}(x, None if v is None else {conversion})")
            return lines
        fallback = self._fallback(tp, index, ns)
        default = _default_expr(field, index, ns)
        lines.append("if v is not None:")
        lines.append(f"    try: v = {conversion}")
        lines.append(f"    except Exception: v = {fallback}")
        store = "v" if default == "None" else f"{default} if v is None else v"
        lines.append(f"s{index}(x, {store})")
        return lines

    def _fallback(self, tp: Any, index: int, ns: dict[str, Any]) -> str:
        """What an optional field gets when its value does not convert as a whole.

        A list keeps the items that decode, in order; the rest stay in ``raw`` only. (A
        ``list[X | None]`` never gets here: its undecodable items become None in place.)
        """
        item = _list_item(tp)
        if item in self._models:
            return f"_good_items(h{index}, v)"
        if item is not None:
            hook = self._converter.get_structure_hook(item)
            ns[f"i{index}"] = lambda value: hook(value, item)
            return f"_good_items(i{index}, v)"
        return "None"

    def _conversion(self, tp: Any, index: int, ns: dict[str, Any]) -> str:
        """An expression turning the JSON value ``v`` (never None) into ``tp``."""
        item = _list_item(tp)
        if tp in _SCALARS:
            return _SCALARS[tp]
        if tp in self._models:
            self._link(ns, f"h{index}", tp)
            return f"h{index}(v)"
        if item is str:
            return "_str_list(v)"
        if item in self._models:
            self._link(ns, f"h{index}", item)
            return f"[h{index}(i) for i in v] if v.__class__ is list else _not_list(v)"
        ns[f"t{index}"] = tp
        if self._mentions_model(tp):
            # Looked up per call: compiling it now could recurse through the model graph.
            ns["_structure"] = self._converter.structure
            return f"_structure(v, t{index})"
        ns[f"h{index}"] = self._converter.get_structure_hook(tp)
        return f"h{index}(v, t{index})"

    def _mentions_model(self, tp: Any) -> bool:
        return tp in self._models or any(self._mentions_model(a) for a in typing.get_args(tp))

    def _link(self, ns: dict[str, Any], name: str, model: type[Any]) -> None:
        converter = self._converter

        def first_call(value: Any, _type: Any = None) -> Any:
            hook = converter.get_structure_hook(model)
            ns[name] = hook
            return hook(value, model)

        ns[name] = first_call
        self._links.append((ns, name, model))


def _default_expr(field: "attrs.Attribute[Any]", index: int, ns: dict[str, Any]) -> str:
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.factory is list:
            return "[]"
        if default.factory is dict:
            return "{}"
        ns[f"d{index}"] = default.factory
        return f"d{index}()"
    if default is None or default is True or default is False:
        return repr(default)
    ns[f"d{index}"] = default
    return f"d{index}"
