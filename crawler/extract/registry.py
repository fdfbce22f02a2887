"""The field registry: each contract field is one method of the page object marked `@field(name)`,
returning `(value, layer)`; `record()` walks the registry in the contract's order (web-poet's
`@field` page objects, Fundus's `@attribute`). A field marked `site_only` is GBAF's own block and is
empty on another host's page, without its method running."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

# What a `@field` method returns: (value, layer), layer None where no layer gave the value.
FieldResult = tuple[Any, str | None]
_F = TypeVar("_F", bound=Callable[..., FieldResult])


@dataclass(frozen=True)
class FieldSpec:
    name: str
    method: str
    site_only: bool
    empty: object


def field(name: str, *, site_only: bool = False, empty: object = None) -> Callable[[_F], _F]:
    """Mark a method as the extractor of one contract field."""
    def mark(fn):
        fn.field_spec = FieldSpec(name, fn.__name__, site_only, empty)
        return fn
    return mark


def registry(cls: type) -> dict[str, FieldSpec]:
    """{field name: FieldSpec} of a page class, collected over its bases."""
    found = {}
    for klass in reversed(cls.__mro__):
        for attr in vars(klass).values():
            spec = getattr(attr, "field_spec", None)
            if spec is not None:
                found[spec.name] = spec
    return found


def first_layer(candidates: Iterable[tuple[Callable[[], Any], str]], read: Callable[[Any], Any],
                default: FieldResult = (None, None)) -> FieldResult:
    """(value, layer) of the first of a field's layers, in order, whose raw value `read` turns
    into something: each layer is asked only when the ones before it gave nothing."""
    for get, layer in candidates:
        value = read(get())
        if value:
            return value, layer
    return default
