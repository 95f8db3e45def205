"""hassfest's `translations` plugin: the schema of strings.json and translations/en.json.

A custom integration is translated from translations/en.json, so both files are checked.
Besides hassfest's schema (no HTML, no URLs, valid placeholders and keys), the files must
be complete: every flow step, progress action, error and abort reason, exception and entity
translation key the code uses has its string.
"""

from collections.abc import Callable, Iterator
import re
import string
from typing import Any, Final

from homeassistant.helpers import config_validation as cv
import voluptuous as vol
from voluptuous.humanize import humanize_error

from . import code_scan
from .model import Project

# The patterns of hassfest's translations plugin.
RE_TRANSLATION_KEY: Final = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_COMBINED_REFERENCE: Final = re.compile(r"(.+\[%)|(%\].+)")
RE_PLACEHOLDER_IN_SINGLE_QUOTES: Final = re.compile(r"'{\w+}'")
RE_URL: Final = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)


def _text(*, placeholders: bool = True) -> Callable[[Any], str]:
    def validate(value: Any) -> str:
        text: str = cv.string_with_no_html(value)
        if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
            raise vol.Invalid("the string should not contain placeholders inside single quotes")
        for _, field_name, _, _ in string.Formatter().parse(text):
            if field_name and not placeholders:
                raise vol.Invalid("placeholders are not supported in this value")
            if field_name and not field_name.isidentifier():
                raise vol.Invalid("placeholders must be valid identifiers")
        if RE_COMBINED_REFERENCE.search(text):
            raise vol.Invalid("the string should not contain combined translations")
        if text != text.strip():
            raise vol.Invalid("the string should not contain leading or trailing spaces")
        if RE_URL.search(text):
            raise vol.Invalid(
                "the string should not contain URLs, please use description placeholders instead"
            )
        return text

    return validate


def _key(value: Any) -> str:
    if not isinstance(value, str) or RE_TRANSLATION_KEY.match(value) is None:
        msg = f"invalid translation key {value!r}: [a-z0-9-_]+, not starting or ending with - or _"
        raise vol.Invalid(msg)
    return value


TEXT: Final = _text()
PLAIN_TEXT: Final = _text(placeholders=False)


def _data_descriptions_have_data(value: dict[str, Any]) -> dict[str, Any]:
    for step_id, step in value.get("step", {}).items():
        for key in step.get("data_description", {}):
            if key not in step.get("data", {}):
                msg = f"step {step_id}: data_description key {key} is not in data"
                raise vol.Invalid(msg)
    return value


def _flow_schema() -> vol.All:
    step = {
        vol.Optional("title"): TEXT,
        vol.Optional("description"): TEXT,
        vol.Optional("data"): {str: TEXT},
        vol.Optional("data_description"): {str: TEXT},
        vol.Optional("menu_options"): {str: TEXT},
        vol.Optional("menu_option_descriptions"): {str: TEXT},
        vol.Optional("submit"): TEXT,
        vol.Optional("sections"): {
            str: {
                vol.Optional("name"): TEXT,
                vol.Optional("description"): TEXT,
                vol.Optional("data"): {str: TEXT},
                vol.Optional("data_description"): {str: TEXT},
            }
        },
    }
    return vol.All(
        vol.Schema(
            {
                vol.Optional("flow_title"): TEXT,
                vol.Required("step"): {str: step},
                vol.Optional("error"): {str: TEXT},
                vol.Optional("abort"): {str: TEXT},
                vol.Optional("progress"): {str: TEXT},
                vol.Optional("create_entry"): {str: TEXT},
                vol.Optional("initiate_flow"): {str: TEXT},
                vol.Optional("entry_type"): TEXT,
            }
        ),
        _data_descriptions_have_data,
    )


_FIELDS: Final = {vol.Required("name"): str, vol.Required("description"): TEXT}
STRINGS_SCHEMA: Final = vol.Schema(
    {
        vol.Optional("title"): TEXT,
        vol.Optional("config"): _flow_schema(),
        vol.Optional("options"): _flow_schema(),
        vol.Optional("config_subentries"): {str: _flow_schema()},
        vol.Optional("selector"): {
            str: {
                vol.Optional("options"): {_key: TEXT},
                vol.Optional("choices"): {_key: TEXT},
                vol.Optional("unit_of_measurement"): {_key: TEXT},
            }
        },
        vol.Optional("device"): {_key: {vol.Optional("name"): TEXT}},
        vol.Optional("entity"): {
            cv.slug: {
                _key: {
                    vol.Optional("name"): TEXT,
                    vol.Optional("state"): {_key: PLAIN_TEXT},
                    vol.Optional("state_attributes"): {
                        _key: {
                            vol.Optional("name"): PLAIN_TEXT,
                            vol.Optional("state"): {_key: PLAIN_TEXT},
                        }
                    },
                    vol.Optional("unit_of_measurement"): PLAIN_TEXT,
                }
            }
        },
        vol.Optional("exceptions"): {cv.slug: {vol.Optional("message"): TEXT}},
        vol.Optional("issues"): {
            str: {vol.Required("title"): TEXT, vol.Optional("description"): TEXT, str: object}
        },
        vol.Optional("services"): {
            _key: {
                vol.Required("name"): TEXT,
                vol.Required("description"): TEXT,
                vol.Optional("fields"): {_key: {**_FIELDS, vol.Optional("example"): TEXT}},
                vol.Optional("sections"): {
                    _key: {vol.Required("name"): str, vol.Optional("description"): TEXT}
                },
            }
        },
        vol.Optional("system_health"): {vol.Optional("info"): {_key: TEXT}},
        vol.Optional("common"): {cv.slug: TEXT},
    }
)


def _has(strings: dict[str, Any], *path: str) -> bool:
    node: Any = strings
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _unreadable(use: code_scan.Use, what: str) -> str:
    return (
        f"{use.where}: cannot read the {what} from the code; use a literal or a constant "
        "(the check must see every key)"
    )


def _flow_keys(project: Project, name: str, strings: dict[str, Any]) -> Iterator[str]:
    code = project.code
    for section in ("config", "options"):
        for use in code.of_kind(code_scan.STEP, section):
            if use.values is None:
                yield _unreadable(use, "step id")
                continue
            for step in sorted(use.values):
                if not _has(strings, section, "step", step):
                    yield f"{name}: {section}.step.{step} is missing (shown at {use.where})"
                    continue
                for data_field in sorted(use.fields or ()):
                    for part in ("data", "data_description"):
                        if not _has(strings, section, "step", step, part, data_field):
                            yield f"{name}: {section}.step.{step}.{part}.{data_field} is missing"
        for kind, part in (
            (code_scan.PROGRESS, "progress"),
            (code_scan.ERROR, "error"),
            (code_scan.ABORT, "abort"),
        ):
            for use in code.of_kind(kind, section):
                if use.values is None:
                    yield _unreadable(use, f"{part} key")
                    continue
                for key in sorted(use.values):
                    if not _has(strings, section, part, key):
                        yield f"{name}: {section}.{part}.{key} is missing (used at {use.where})"


def _code_keys(project: Project, name: str, strings: dict[str, Any]) -> Iterator[str]:
    for use in project.code.of_kind(code_scan.EXCEPTION):
        if use.values is None:
            yield _unreadable(use, "exception translation key")
            continue
        for key in sorted(use.values):
            if not _has(strings, "exceptions", key, "message"):
                yield f"{name}: exceptions.{key}.message is missing (raised at {use.where})"
    for use in project.code.of_kind(code_scan.SELECTOR):
        if use.values is None:
            yield _unreadable(use, "selector translation key")
            continue
        for key in sorted(use.values):
            if not _has(strings, "selector", key):
                yield f"{name}: selector.{key} is missing (used at {use.where})"
    for platform, keys in sorted(project.entities.translation_keys().items()):
        for key in sorted(keys):
            if not _has(strings, "entity", platform, key, "name"):
                yield f"{name}: entity.{platform}.{key}.name is missing"


def check_translations(project: Project) -> Iterator[str]:
    """Mirror hassfest's translations plugin, and check the strings are complete."""
    for name, strings in project.translations.items():
        if not (project.integration / name).is_file():
            yield f"{name} is missing"
            continue
        try:
            STRINGS_SCHEMA(strings)
        except vol.Invalid as err:
            yield f"Invalid {name}: {humanize_error(strings, err)}"
        yield from _flow_keys(project, name, strings)
        yield from _code_keys(project, name, strings)
