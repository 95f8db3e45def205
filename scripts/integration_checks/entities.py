"""Finds the entities an integration defines by importing its platform modules.

Entity descriptions are often built in loops (one sensor per list and media type), so
their translation keys are read from the imported objects rather than from the source:
every `EntityDescription` a platform module holds at module level (also inside tuples,
lists and dicts), and every entity class of the module with an `_attr_*` class attribute.

The integration is imported under a name of its own for each checkout, so a broken copy
in a test is never confused with the integration already imported.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
import importlib
import importlib.util
from itertools import count
from pathlib import Path
import sys
from types import ModuleType
from typing import Any

from homeassistant.const import Platform
from homeassistant.helpers.entity import Entity, EntityDescription


@dataclass(frozen=True)
class EntityKind:
    """An entity description or class: where it is, and what it sets."""

    platform: str
    name: str
    translation_key: str | None
    entity_category: object | None
    enabled_by_default: bool
    icon: str | None


@dataclass
class EntityIndex:
    """The entity descriptions and entity classes of each platform module."""

    kinds: list[EntityKind] = field(default_factory=list)
    platforms: set[str] = field(default_factory=set)

    def translation_keys(self) -> dict[str, set[str]]:
        """Return the entity translation keys of each platform."""
        keys: dict[str, set[str]] = {}
        for kind in self.kinds:
            if kind.translation_key is not None:
                keys.setdefault(kind.platform, set()).add(kind.translation_key)
        return keys


def _is_description(value: object) -> bool:
    # Descriptions of platforms that subclass with `frozen_or_thawed` (calendar, todo, ...)
    # are built on a copy of EntityDescription, which `isinstance` does not recognise.
    return isinstance(value, EntityDescription) or any(
        base.__name__ == "EntityDescription" for base in type(value).__mro__
    )


def _descriptions(value: Any) -> Iterator[EntityDescription]:
    if _is_description(value):
        yield value
    elif isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from _descriptions(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _descriptions(item)


# Every load imports the checkout afresh, under a new name: a copy may have changed.
_IMPORTS = count()


def _import_package(integration: Path) -> str:
    name = f"_checked_{integration.name}_{next(_IMPORTS)}"
    spec = importlib.util.spec_from_file_location(
        name, integration / "__init__.py", submodule_search_locations=[str(integration)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - a file location always has one
        msg = f"cannot import {integration}"
        raise ImportError(msg)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return name


def _module_kinds(platform: str, module: ModuleType) -> Iterator[EntityKind]:
    for attribute, value in vars(module).items():
        for description in _descriptions(value):
            yield EntityKind(
                platform,
                f"{attribute}[{description.key}]",
                description.translation_key,
                description.entity_category,
                description.entity_registry_enabled_default,
                description.icon,
            )
        if (
            isinstance(value, type)
            and issubclass(value, Entity)
            and value.__module__ == module.__name__
        ):
            own = vars(value)
            if any(name.startswith("_attr_") for name in own):
                yield EntityKind(
                    platform,
                    value.__name__,
                    own.get("_attr_translation_key"),
                    own.get("_attr_entity_category"),
                    own.get("_attr_entity_registry_enabled_default", True),
                    own.get("_attr_icon"),
                )


def load_entities(integration: Path) -> EntityIndex:
    """Import the integration's platform modules and collect their entities."""
    package = _import_package(integration)
    index = EntityIndex()
    platforms = {str(platform) for platform in Platform}
    for path in sorted(integration.glob("*.py")):
        if path.stem not in platforms:
            continue
        index.platforms.add(path.stem)
        module = importlib.import_module(f"{package}.{path.stem}")
        index.kinds.extend(_module_kinds(path.stem, module))
    return index
