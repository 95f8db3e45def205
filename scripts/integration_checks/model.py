"""What a check reports, and the files of the checkout it reads."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
import json
from pathlib import Path
from typing import Any

from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.yaml import load_yaml_dict

from .code_scan import CodeIndex
from .entities import EntityIndex, load_entities

type Check = Callable[[Project], Iterator[str]]


@dataclass(frozen=True)
class Finding:
    """One problem, named after the hassfest plugin or HACS check that would report it."""

    rule: str
    message: str

    def __str__(self) -> str:
        """Return `[rule] message`."""
        return f"[{self.rule}] {self.message}"


class Project:
    """A checkout: the repository root and the one integration under custom_components/."""

    def __init__(self, root: Path) -> None:
        """Read the checkout at `root` lazily; every file is read at most once."""
        self.root = root

    @cached_property
    def integration(self) -> Path:
        """Return the integration's directory (the one with a manifest.json)."""
        found = sorted(path.parent for path in self.root.glob("custom_components/*/manifest.json"))
        if len(found) != 1:
            msg = f"expected one integration under custom_components/, found {len(found)}"
            raise ValueError(msg)
        return found[0]

    @property
    def domain(self) -> str:
        """Return the integration's directory name, which must be its domain."""
        return self.integration.name

    def json_file(self, relative: str) -> Any:
        """Return a JSON file of the integration, or None when it is missing or invalid.

        The `json` check reports invalid files; the others just see nothing.
        """
        path = self.integration / relative
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except OSError, ValueError:
            return None

    def json_object(self, relative: str) -> dict[str, Any]:
        """Return a JSON file that should hold an object, or {} when it does not."""
        value = self.json_file(relative)
        return value if isinstance(value, dict) else {}

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """Return manifest.json."""
        return self.json_object("manifest.json")

    @cached_property
    def translations(self) -> dict[str, dict[str, Any]]:
        """Return strings.json and translations/en.json, which must both be complete."""
        return {name: self.json_object(name) for name in ("strings.json", "translations/en.json")}

    @cached_property
    def services_yaml(self) -> dict[str, Any] | None:
        """Return services.yaml, or None when there is none (or it is not YAML)."""
        try:
            return load_yaml_dict(str(self.integration / "services.yaml"))
        except FileNotFoundError, HomeAssistantError:
            return None

    @cached_property
    def code(self) -> CodeIndex:
        """Return what the integration's source code uses, read without running it."""
        return CodeIndex(self.integration)

    @cached_property
    def entities(self) -> EntityIndex:
        """Return the entity descriptions and classes the platform modules define."""
        return load_entities(self.integration)
