"""Declared, validated options in the standard library alone (the base of kb.course.config.KbOptions).

Options are declared like pydantic fields, because that reads well and keeps the plugin's
typed mirror simple::

    class KbOptions(Options):
        related: int = Field(5, ge=0, le=50, description="related papers on each paper page")

        @field_validator("related", mode="before")
        @classmethod
        def _related(cls, value: Any) -> Any: ...

but nothing of pydantic is imported: every ``kb`` command reads mkdocs.yml first, and
pydantic's import alone took longer than a whole keyword search. The types an option may
have are the few mkdocs.yml needs (:data:`_CHECKS`, and ``Literal[...]`` of constants); an
unsupported annotation fails when the class is defined. Messages follow pydantic's wording
("Input should be ...").
"""

from __future__ import annotations

import ast
import copy
import inspect
from collections.abc import Callable
from typing import Any, ClassVar

_MISSING: Any = object()


class OptionError(ValueError):
    """An option that cannot be accepted: ``field`` names it; ``unknown`` when no such option."""

    def __init__(self, field: str, message: str, *, unknown: bool = False):
        super().__init__(message)
        self.field = field
        self.message = message
        self.unknown = unknown


class FieldInfo:
    """An option's default (or default factory), bounds and description."""

    def __init__(self, default: Any = _MISSING, *, default_factory: Callable[[], Any] | None = None,
                 ge: float | None = None, le: float | None = None, description: str = ""):
        self.default = default
        self.default_factory = default_factory
        self.ge, self.le = ge, le
        self.description = description
        self.annotation = ""

    def get_default(self, *, call_default_factory: bool = True) -> Any:
        if self.default_factory is not None and call_default_factory:
            return self.default_factory()
        return copy.deepcopy(self.default) if self.default is not _MISSING else None


def Field(default: Any = _MISSING, **kwargs: Any) -> Any:
    """Declare an option (see :class:`FieldInfo`)."""
    return FieldInfo(default, **kwargs)


def field_validator(*names: str, mode: str = "after") -> Callable[[Any], Any]:
    """Mark a classmethod that checks or converts the named options (``before``: the raw value;
    ``after``: the type-checked one); it returns the value or raises ValueError."""
    def mark(method: Any) -> Any:
        target: Any = method.__func__ if isinstance(method, classmethod) else method
        target.kb_validates = (names, mode)
        return method
    return mark


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _check_int(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError("Input should be a valid integer")
    return v


def _check_float(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError("Input should be a valid number")
    return float(v)


def _check_bool(v: Any) -> Any:
    if not isinstance(v, bool):
        raise ValueError("Input should be a valid boolean")
    return v


def _check_str(v: Any) -> Any:
    if not isinstance(v, str):
        raise ValueError("Input should be a valid string")
    return v


def _check_str_dict(v: Any) -> Any:
    if not isinstance(v, dict):
        raise ValueError("Input should be a valid dictionary")
    if not all(_is_str(k) and _is_str(x) for k, x in v.items()):
        raise ValueError("Input should be a mapping of strings to strings")
    return dict(v)


def _check_str_list(v: Any) -> Any:
    if not isinstance(v, list):
        raise ValueError("Input should be a valid list")
    if not all(_is_str(x) for x in v):
        raise ValueError("Input should be a list of strings")
    return list(v)


def _check_str_lists(v: Any) -> Any:
    if not isinstance(v, list) or not all(isinstance(x, list) for x in v):
        raise ValueError("Input should be a list of lists")
    if not all(_is_str(y) for x in v for y in x):
        raise ValueError("Input should be a list of lists of strings")
    return [list(x) for x in v]


def _literal(annotation: str) -> Callable[[Any], Any]:
    """The check of ``Literal['a', 'b']``: one of the given values."""
    allowed = ast.literal_eval("(" + annotation[len("Literal["):-1] + ",)")
    names = [repr(v) for v in allowed]
    wording = " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]

    def check(v: Any) -> Any:
        if v not in allowed:
            raise ValueError(f"Input should be {wording}")
        return v
    return check


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "str": _check_str, "int": _check_int, "float": _check_float, "bool": _check_bool,
    "dict[str, str]": _check_str_dict, "list[str]": _check_str_list,
    "list[list[str]]": _check_str_lists,
}


class Options:
    """Base of a declared options class: keyword construction, validation, ``model_dump``."""

    model_fields: ClassVar[dict[str, FieldInfo]] = {}
    _validators: ClassVar[dict[tuple[str, str], list[Callable[..., Any]]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: dict[str, FieldInfo] = {}
        for name, annotation in inspect.get_annotations(cls).items():
            if str(annotation).startswith("ClassVar"):
                continue
            if str(annotation).startswith("Literal["):
                _CHECKS.setdefault(str(annotation), _literal(str(annotation)))
            if str(annotation) not in _CHECKS:
                raise TypeError(f"option {name}: unsupported type {annotation!r}")
            declared = cls.__dict__.get(name, _MISSING)
            info = declared if isinstance(declared, FieldInfo) else FieldInfo(declared)
            info.annotation = str(annotation)
            fields[name] = info
            if name in cls.__dict__:
                delattr(cls, name)
        validators: dict[tuple[str, str], list[Callable[..., Any]]] = {}
        for attr in list(cls.__dict__.values()):
            func = attr.__func__ if isinstance(attr, classmethod) else attr
            marked = getattr(func, "kb_validates", None)
            if marked:
                names, mode = marked
                for name in names:
                    validators.setdefault((name, mode), []).append(func)
        cls.model_fields = fields
        cls._validators = validators

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        for name in values:
            if name not in cls.model_fields:
                raise OptionError(name, f"unknown option {name!r}", unknown=True)
        for name, info in cls.model_fields.items():
            value = values[name] if name in values else info.get_default()
            try:
                for func in cls._validators.get((name, "before"), []):
                    value = func(cls, value)
                value = _CHECKS[info.annotation](value)
                if info.ge is not None and value < info.ge:
                    raise ValueError(f"Input should be greater than or equal to {info.ge:g}")
                if info.le is not None and value > info.le:
                    raise ValueError(f"Input should be less than or equal to {info.le:g}")
                for func in cls._validators.get((name, "after"), []):
                    value = func(cls, value)
            except ValueError as exc:
                raise OptionError(name, str(exc)) from None
            object.__setattr__(self, name, value)

    def model_dump(self) -> dict[str, Any]:
        return {name: copy.deepcopy(getattr(self, name)) for name in type(self).model_fields}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and type(other) is type(self) \
            and self.model_dump() == other.model_dump()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.model_dump().items())
        return f"{type(self).__name__}({args})"
