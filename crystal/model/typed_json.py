"""Dataclasses to and from JSON, with every field's type checked on the way in.

A model card arrives from a stranger's zip as much as from our own training, so reading one must
refuse anything that is not what the dataclass says: a threshold given as text or a list, a count
that is a float, a field that is missing. :func:`from_json` walks the dataclass's own type hints
(``int``, ``float``, ``str``, ``bool``, ``list[...]``, ``tuple[...]``, ``dict[str, ...]``,
``X | None`` and nested dataclasses), so the shape of the data is written once, in the dataclass,
and nesting can go no deeper than the dataclasses do. Keys the dataclass does not know are left out.

>>> @dataclass(frozen=True)
... class Point:
...     x: float
...     tags: list[str] = field(default_factory=list)
>>> from_json(Point, {"x": 1, "tags": ["a"]})
Point(x=1.0, tags=['a'])
>>> from_json(Point, {"x": "1"})
Traceback (most recent call last):
...
ValueError: x: expected a number, not '1'
>>> to_json(Point(2.5))
{'x': 2.5, 'tags': []}
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field  # noqa: F401 (field: used by the doctest)
from typing import Any, TypeVar

T = TypeVar("T")
_SHOWN = 40  # characters of a wrong value quoted in a message


def from_json(cls: type[T], data: Any, where: str = "") -> T:
    """An instance of dataclass ``cls`` from parsed JSON ``data``; ValueError naming the first field
    (``where``, dotted) whose value is missing or of the wrong type."""
    return _value(cls, data, where)


def to_json(instance: Any) -> Any:
    """A dataclass as plain JSON values (tuples become lists)."""
    if dataclasses.is_dataclass(instance):
        return {f.name: to_json(getattr(instance, f.name)) for f in dataclasses.fields(instance)}
    if isinstance(instance, (list, tuple)):
        return [to_json(item) for item in instance]
    if isinstance(instance, dict):
        return {key: to_json(value) for key, value in instance.items()}
    return instance


def _value(kind: Any, data: Any, where: str) -> Any:
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        return _dataclass(kind, data, where)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in arguments:
            return None
        (inner,) = [argument for argument in arguments if argument is not type(None)]
        return _value(inner, data, where)
    if origin is list:
        return [_value(arguments[0], item, f"{where}[{i}]") for i, item in enumerate(_expect(data, list, where))]
    if origin is tuple:
        items = _expect(data, list, where)
        if len(items) != len(arguments):
            raise ValueError(f"{where}: expected {len(arguments)} values, not {len(items)}")
        return tuple(
            _value(argument, item, f"{where}[{i}]") for i, (argument, item) in enumerate(zip(arguments, items))
        )
    if origin is dict:
        return {
            _expect(key, str, where): _value(arguments[1], value, f"{where}.{key}")
            for key, value in _expect(data, dict, where).items()
        }
    if kind is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not math.isfinite(data):
            raise ValueError(f"{where}: expected a number, not {_shown(data)}")
        return float(data)
    if kind is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise ValueError(f"{where}: expected a whole number, not {_shown(data)}")
        return data
    if kind in (str, bool):
        return _expect(data, kind, where)
    raise TypeError(f"{where}: no JSON reading for {kind!r}")  # a programming error, not bad data


def _dataclass(cls: type, data: Any, where: str) -> Any:
    data, hints = _expect(data, dict, where), typing.get_type_hints(cls)
    values = {}
    for spec in dataclasses.fields(cls):
        name = f"{where}.{spec.name}" if where else spec.name
        if spec.name in data:
            values[spec.name] = _value(hints[spec.name], data[spec.name], name)
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise ValueError(f"{name} is missing")
    return cls(**values)


def _expect(data: Any, kind: type, where: str) -> Any:
    if not isinstance(data, kind) or (kind is not bool and isinstance(data, bool)):
        names = {list: "a list", dict: "an object", str: "text", bool: "true or false"}
        raise ValueError(f"{where or 'the card'}: expected {names[kind]}, not {_shown(data)}")
    return data


def _shown(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
