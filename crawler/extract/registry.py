"""The field registry: each contract field is one method of the page object marked `@field(name)`,
returning `(value, layer)`; `record()` walks the registry in the contract's order (web-poet's
`@field` page objects, Fundus's `@attribute`). A field marked `site_only` is GBAF's own block and is
empty on another host's page, without its method running."""
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    method: str
    site_only: bool
    empty: object


def field(name, *, site_only=False, empty=None):
    """Mark a method as the extractor of one contract field."""
    def mark(fn):
        fn.field_spec = FieldSpec(name, fn.__name__, site_only, empty)
        return fn
    return mark


def registry(cls):
    """{field name: FieldSpec} of a page class, collected over its bases."""
    found = {}
    for klass in reversed(cls.__mro__):
        for attr in vars(klass).values():
            spec = getattr(attr, "field_spec", None)
            if spec is not None:
                found[spec.name] = spec
    return found
