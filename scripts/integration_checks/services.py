"""hassfest's `services` and `icons` plugins.

services.yaml must follow Home Assistant's schema, name exactly the actions the code
registers, and have a name and description (and one for each field) in the strings;
icons.json must have an icon for every entity translation key and every action.
"""

from collections.abc import Iterator
import re
from typing import Any, Final

from homeassistant.helpers import config_validation as cv, selector
import voluptuous as vol
from voluptuous.humanize import humanize_error

from . import code_scan
from .model import Project


def _exists(value: Any) -> Any:
    if value is None:
        raise vol.Invalid("Value cannot be None")
    return value


_FIELD: Final = {
    vol.Optional("example"): _exists,
    vol.Optional("default"): _exists,
    vol.Optional("required"): bool,
    vol.Optional("advanced"): bool,
    vol.Optional("selector"): selector.validate_selector,
    vol.Optional("filter"): dict,
    vol.Optional("name"): str,
    vol.Optional("description"): str,
}
_SECTION: Final = {
    vol.Required("fields"): {str: _FIELD},
    vol.Optional("collapsed"): bool,
    vol.Optional("name"): str,
    vol.Optional("description"): str,
}
SERVICES_SCHEMA: Final = vol.Schema(
    {
        cv.slug: vol.Any(
            None,
            {
                vol.Optional("target"): vol.Any(selector.TargetSelector.CONFIG_SCHEMA, None),
                vol.Optional("fields"): {str: vol.Any(_FIELD, _SECTION)},
                vol.Optional("name"): str,
                vol.Optional("description"): str,
            },
        )
    }
)

RE_ICON: Final = re.compile(r"^mdi:[-a-z0-9]+$")


def _icon(value: Any) -> str:
    if not isinstance(value, str) or not RE_ICON.match(value):
        msg = f"{value!r} is not an icon (mdi:name)"
        raise vol.Invalid(msg)
    return value


ICONS_SCHEMA: Final = vol.Schema(
    {
        vol.Optional("entity"): {
            cv.slug: {
                str: {
                    vol.Optional("default"): _icon,
                    vol.Optional("state"): {str: _icon},
                    vol.Optional("range"): {vol.Coerce(float): _icon},
                    vol.Optional("state_attributes"): {
                        str: {vol.Optional("default"): _icon, vol.Optional("state"): {str: _icon}}
                    },
                }
            }
        },
        vol.Optional("services"): {
            cv.slug: {vol.Required("service"): _icon, vol.Optional("sections"): {str: _icon}}
        },
    }
)


def registered_actions(project: Project) -> Iterator[tuple[str | None, code_scan.Use]]:
    """Yield each action name the code registers (None when unreadable) and where."""
    for use in project.code.of_kind(code_scan.ACTION):
        if use.values is None:
            yield None, use
        else:
            for name in sorted(use.values):
                yield name, use


def _field_strings(service: str, fields: dict[str, Any], strings: dict[str, Any]) -> Iterator[str]:
    translated = strings.get("services", {}).get(service, {})
    for field_name, field in fields.items():
        if isinstance(field, dict) and "fields" in field:
            if "name" not in translated.get("sections", {}).get(field_name, {}):
                yield f"action {service}: section {field_name} has no name in the strings"
            yield from _field_strings(service, field["fields"], strings)
            continue
        for part in ("name", "description"):
            if part not in translated.get("fields", {}).get(field_name, {}):
                yield f"action {service}: field {field_name} has no {part} in the strings"
        select = (field or {}).get("selector", {}).get("select") or {}
        if (key := select.get("translation_key")) is not None:
            labels = strings.get("selector", {}).get(key, {}).get("options", {})
            for option in select.get("options", []):
                value = option["value"] if isinstance(option, dict) else option
                if value not in labels:
                    yield (
                        f"action {service}: option {value} of field {field_name} "
                        f"has no label in selector.{key}"
                    )


def check_services(project: Project) -> Iterator[str]:
    """Mirror hassfest's services plugin, and compare services.yaml with the code."""
    registered = dict(registered_actions(project))
    for name, use in registered.items():
        if name is None:
            yield f"{use.where}: cannot read the action name; use a literal or a constant"
    data = project.services_yaml
    if data is None:
        if (project.integration / "services.yaml").exists():
            yield "Invalid services.yaml"
        elif registered:
            yield "Registers actions but has no services.yaml"
        return
    try:
        services: dict[str, Any] = SERVICES_SCHEMA(data)
    except vol.Invalid as err:
        yield f"Invalid services.yaml: {humanize_error(data, err)}"
        return
    for name in sorted(set(services) - set(registered)):
        yield f"services.yaml describes {name}, which the code does not register"
    for name in sorted({key for key in registered if key} - set(services)):
        yield f"the code registers {name}, which services.yaml does not describe"
    for file, strings in project.translations.items():
        described = strings.get("services", {})
        for name in sorted(set(described) - set(services)):
            yield f"{file}: services.{name} describes an action services.yaml does not have"
        for name, schema in services.items():
            for part in ("name", "description"):
                if part not in described.get(name, {}):
                    yield f"{file}: action {name} has no {part}"
            for problem in _field_strings(name, (schema or {}).get("fields", {}), strings):
                yield f"{file}: {problem}"


def check_icons(project: Project) -> Iterator[str]:
    """Mirror hassfest's icons plugin: an icon for every entity and every action."""
    if not (project.integration / "icons.json").is_file():
        yield "icons.json is missing"
        return
    icons = project.json_object("icons.json")
    try:
        ICONS_SCHEMA(icons)
    except vol.Invalid as err:
        yield f"Invalid icons.json: {humanize_error(icons, err)}"
        return
    entity_icons = icons.get("entity", {})
    keys = project.entities.translation_keys()
    for platform, platform_keys in sorted(keys.items()):
        for key in sorted(platform_keys):
            if "default" not in entity_icons.get(platform, {}).get(key, {}):
                yield f"entity.{platform}.{key} has no default icon"
    for platform, platform_icons in sorted(entity_icons.items()):
        for key in sorted(set(platform_icons) - keys.get(platform, set())):
            yield f"entity.{platform}.{key} is the icon of no entity"
    actions = set(project.services_yaml or {})
    action_icons = icons.get("services", {})
    for name in sorted(actions - set(action_icons)):
        yield f"action {name} has no icon"
    for name in sorted(set(action_icons) - actions):
        yield f"services.{name} is the icon of no action"
