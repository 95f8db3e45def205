"""The offline hassfest and HACS checks pass on the integration and catch each kind of break.

Every case breaks one thing in a copy of the repository and expects the rule that mirrors
the hassfest plugin or HACS check to report it.
"""

from collections.abc import Callable
from dataclasses import dataclass
import json
from pathlib import Path
import shutil
from typing import Any

import pytest

from scripts.integration_checks import RULES, check
from scripts.integration_checks.model import Project

ROOT = Path(__file__).resolve().parent.parent
VERSION = json.loads((ROOT / "custom_components/simkl/manifest.json").read_text())["version"]
COPIED = ("custom_components", "hacs.json", "README.md", "info.md", "LICENSE", "pyproject.toml")
COPIED_TOO = ("CHANGELOG.md", "requirements_minimum.txt")


@dataclass
class Checkout:
    """A copy of the repository to break."""

    root: Path

    @property
    def integration(self) -> Path:
        return self.root / "custom_components" / "simkl"

    def edit_json(self, relative: str, edit: Callable[[Any], object]) -> None:
        """Change a JSON file of the integration (`edit` changes the data in place)."""
        path = self.integration / relative
        data = json.loads(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    def edit_strings(self, edit: Callable[[Any], object]) -> None:
        """Change both strings.json and translations/en.json alike."""
        self.edit_json("strings.json", edit)
        self.edit_json("translations/en.json", edit)

    def replace(self, relative: str, old: str, new: str) -> None:
        """Replace text in a file of the repository; the text must be there."""
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def append(self, relative: str, text: str) -> None:
        """Append text to a file of the integration."""
        path = self.integration / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    def write(self, relative: str, content: bytes) -> None:
        """Write a file of the repository."""
        (self.root / relative).write_bytes(content)

    def remove(self, relative: str) -> None:
        """Delete a file of the repository."""
        (self.root / relative).unlink()


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    """Copy the parts of the repository the checks read."""
    for name in (*COPIED, *COPIED_TOO):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tmp_path / name)
    return Checkout(tmp_path)


def _delete(*path: str) -> Callable[[Any], object]:
    def edit(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return edit


def _set(value: object, *path: str) -> Callable[[Any], object]:
    def edit(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return edit


def _unsorted_manifest(manifest: dict[str, Any]) -> None:
    manifest["domain"] = manifest.pop("domain")


QS = "custom_components/simkl/quality_scale.yaml"
FLOW = "custom_components/simkl/config_flow.py"
USER_STEP = ("config", "step", "user")

# (id, rule, how the copy is broken, a part of the expected message)
BREAKS: list[tuple[str, str, Callable[[Checkout], object], str]] = [
    (
        "json-invalid",
        "hassfest:json",
        lambda c: c.write("custom_components/simkl/icons.json", b"{"),
        "icons.json is not valid JSON",
    ),
    (
        "manifest-no-version",
        "hassfest:manifest",
        lambda c: c.edit_json("manifest.json", _delete("version")),
        "version",
    ),
    (
        "manifest-bad-version",
        "hassfest:manifest",
        lambda c: c.edit_json("manifest.json", _set("one", "version")),
        "not a valid version",
    ),
    (
        "manifest-unsorted",
        "hassfest:manifest",
        lambda c: c.edit_json("manifest.json", _unsorted_manifest),
        "not sorted correctly",
    ),
    (
        "manifest-own-logger",
        "hassfest:manifest",
        lambda c: c.edit_json("manifest.json", _set(["custom_components.simkl"], "loggers")),
        "own package",
    ),
    (
        "manifest-iot-class",
        "hassfest:manifest",
        lambda c: c.edit_json("manifest.json", _set("cloud", "iot_class")),
        "iot_class",
    ),
    (
        "manifest-domain",
        "hassfest:manifest",
        lambda c: c.edit_json("manifest.json", _set("simkl2", "domain")),
        "Domain does not match dir name",
    ),
    (
        "url-in-strings",
        "hassfest:translations",
        lambda c: c.edit_json(
            "strings.json",
            _set("See https://simkl.com/settings/developer/", *USER_STEP, "description"),
        ),
        "should not contain URLs",
    ),
    (
        "url-in-en-json",
        "hassfest:translations",
        lambda c: c.edit_json(
            "translations/en.json",
            _set("At www.simkl.com", *USER_STEP, "data_description", "client_id"),
        ),
        "translations/en.json",
    ),
    (
        "html-in-strings",
        "hassfest:translations",
        lambda c: c.edit_strings(_set("<b>Link</b>", *USER_STEP, "title")),
        "HTML",
    ),
    (
        "placeholder-in-state",
        "hassfest:translations",
        lambda c: c.edit_strings(_set({"on": "On {x}"}, "entity", "sensor", "upcoming", "state")),
        "placeholders",
    ),
    (
        "data-description-without-data",
        "hassfest:translations",
        lambda c: c.edit_strings(
            _set({"client_id": "Id", "other": "Other"}, *USER_STEP, "data_description")
        ),
        "data_description key other is not in data",
    ),
    (
        "missing-step",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("config", "step", "pin_expired")),
        "config.step.pin_expired is missing",
    ),
    (
        "missing-field-label",
        "hassfest:translations",
        lambda c: c.edit_strings(
            _delete("options", "step", "init", "data_description", "upcoming_days")
        ),
        "options.step.init.data_description.upcoming_days is missing",
    ),
    (
        "missing-progress",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("config", "progress", "wait_for_pin")),
        "config.progress.wait_for_pin",
    ),
    (
        "missing-error",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("config", "error", "cannot_connect")),
        "config.error.cannot_connect",
    ),
    (
        "missing-abort",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("config", "abort", "wrong_account")),
        "config.abort.wrong_account",
    ),
    (
        "missing-implied-abort",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("config", "abort", "reauth_successful")),
        "config.abort.reauth_successful",
    ),
    (
        "missing-exception",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("exceptions", "calendar_update_failed")),
        "exceptions.calendar_update_failed.message",
    ),
    (
        "new-exception-in-code",
        "hassfest:translations",
        lambda c: c.append(
            "helpers.py",
            "\n\ndef _new() -> None:\n    raise HomeAssistantError(\n"
            '        translation_domain="simkl", translation_key="brand_new"\n    )\n',
        ),
        "exceptions.brand_new.message is missing",
    ),
    (
        "unreadable-key",
        "hassfest:translations",
        lambda c: c.append(
            "helpers.py",
            "\n\ndef _new(key: str) -> None:\n    raise HomeAssistantError(\n"
            '        translation_domain="simkl", translation_key=key.lower()\n    )\n',
        ),
        "cannot read the exception translation key",
    ),
    (
        "missing-entity-name",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("entity", "calendar", "upcoming")),
        "entity.calendar.upcoming.name",
    ),
    (
        "missing-selector",
        "hassfest:translations",
        lambda c: c.edit_strings(_delete("selector", "media_types")),
        "selector.media_types is missing",
    ),
    (
        "action-not-described",
        "hassfest:services",
        lambda c: c.replace("custom_components/simkl/services.yaml", "unrate:\n", "unrated:\n"),
        "the code registers unrate",
    ),
    (
        "action-not-registered",
        "hassfest:services",
        lambda c: c.replace(
            "custom_components/simkl/services.yaml",
            "get_statistics:\n",
            "forget:\nget_statistics:\n",
        ),
        "describes forget, which the code does not register",
    ),
    (
        "action-field-description",
        "hassfest:services",
        lambda c: c.edit_strings(_delete("services", "rate", "fields", "rating", "description")),
        "field rating has no description",
    ),
    (
        "action-name",
        "hassfest:services",
        lambda c: c.edit_strings(_delete("services", "search", "name")),
        "action search has no name",
    ),
    (
        "action-option-label",
        "hassfest:services",
        lambda c: c.edit_strings(_delete("selector", "scrobble_action", "options", "checkin")),
        "option checkin of field action has no label",
    ),
    (
        "action-bad-selector",
        "hassfest:services",
        lambda c: c.replace(
            "custom_components/simkl/services.yaml", "        text:\n", "        texts:\n"
        ),
        "Invalid services.yaml",
    ),
    (
        "entity-icon",
        "hassfest:icons",
        lambda c: c.edit_json("icons.json", _delete("entity", "sensor", "paused_playback")),
        "entity.sensor.paused_playback has no default icon",
    ),
    (
        "action-icon",
        "hassfest:icons",
        lambda c: c.edit_json("icons.json", _delete("services", "scrobble")),
        "action scrobble has no icon",
    ),
    (
        "stale-icon",
        "hassfest:icons",
        lambda c: c.edit_json(
            "icons.json", _set({"default": "mdi:star"}, "entity", "sensor", "gone")
        ),
        "entity.sensor.gone is the icon of no entity",
    ),
    (
        "icon-format",
        "hassfest:icons",
        lambda c: c.edit_json("icons.json", _set({"service": "star"}, "services", "rate")),
        "is not an icon",
    ),
    (
        "config-flow-undeclared",
        "hassfest:config_flow",
        lambda c: c.edit_json("manifest.json", _delete("config_flow")),
        "config_flow: true",
    ),
    (
        "config-schema",
        "hassfest:config_schema",
        lambda c: c.replace(
            "custom_components/simkl/__init__.py", "CONFIG_SCHEMA = ", "YAML_SCHEMA = "
        ),
        "CONFIG_SCHEMA",
    ),
    (
        "quality-unknown-rule",
        "hassfest:quality_scale",
        lambda c: c.replace(QS, "  brands: done", "  brand: done"),
        "did you mean 'brands'",
    ),
    (
        "quality-bad-status",
        "hassfest:quality_scale",
        lambda c: c.replace(QS, "  brands: done", "  brands: finished"),
        "Invalid quality_scale.yaml",
    ),
    (
        "quality-exempt-without-comment",
        "hassfest:quality_scale",
        lambda c: c.replace(QS, "  brands: done", "  brands:\n    status: exempt"),
        "Invalid quality_scale.yaml",
    ),
    (
        "quality-entity-category-lie",
        "hassfest:quality_scale",
        lambda c: c.replace(
            QS, "  entity-category:\n    status: exempt", "  entity-category:\n    status: done"
        ),
        "rule entity-category is done, but no entity sets an entity category",
    ),
    (
        "quality-parallel-updates",
        "hassfest:quality_scale",
        lambda c: c.replace("custom_components/simkl/calendar.py", "PARALLEL_UPDATES = 0", ""),
        "calendar.py does not set PARALLEL_UPDATES",
    ),
    (
        "quality-reconfigure",
        "hassfest:quality_scale",
        lambda c: c.replace(
            FLOW, "async def async_step_reconfigure(", "async def async_step_reconfigured("
        ),
        "rule reconfiguration-flow is done, but the config flow has no async_step_reconfigure",
    ),
    (
        "hacs-unknown-key",
        "hacs:hacsjson",
        lambda c: c.replace("hacs.json", '"render_readme"', '"domains": [],\n  "render_readme"'),
        "domains",
    ),
    (
        "hacs-bad-version",
        "hacs:hacsjson",
        lambda c: c.replace("hacs.json", '"homeassistant": "', '"homeassistant": "ten-'),
        "not a valid version",
    ),
    ("hacs-no-readme", "hacs:information", lambda c: c.remove("README.md"), "no README"),
    (
        "hacs-licence",
        "hacs:license",
        lambda c: c.write("LICENSE", b"Copyright 2026. All rights reserved."),
        "not an OSI-approved licence",
    ),
    (
        "hacs-licence-mismatch",
        "hacs:license",
        lambda c: c.replace("pyproject.toml", 'license = "MIT"', 'license = "GPL-2.0"'),
        "declares GPL-2.0",
    ),
    (
        "hacs-no-icon",
        "hacs:brands",
        lambda c: c.remove("custom_components/simkl/brand/icon.png"),
        "brand/icon.png is missing",
    ),
    (
        "hacs-brand-name",
        "hacs:brands",
        lambda c: c.write("custom_components/simkl/brand/banner.png", b"\x89PNG\r\n\x1a\n"),
        "brand/banner.png is not one of",
    ),
    (
        "hacs-brand-not-png",
        "hacs:brands",
        lambda c: c.write("custom_components/simkl/brand/logo.png", b"GIF89a"),
        "brand/logo.png is not a PNG",
    ),
    (
        "hacs-manifest-key",
        "hacs:integration_manifest",
        lambda c: c.edit_json("manifest.json", _delete("issue_tracker")),
        "manifest.json has no issue_tracker",
    ),
    (
        "changelog-version",
        "project:changelog",
        lambda c: c.replace("CHANGELOG.md", f"## [{VERSION}]", "## [0.0.9]"),
        f"no section for version {VERSION}",
    ),
    (
        "changelog-unreleased",
        "project:changelog",
        lambda c: c.replace("CHANGELOG.md", "## [Unreleased]", "## Next"),
        "Unreleased",
    ),
    (
        "minimum-version-in-readme",
        "project:minimum_version",
        lambda c: c.replace(
            "hacs.json", '"homeassistant": "2026.10.0"', '"homeassistant": "2026.11.0"'
        ),
        "README.md does not say 'Home Assistant 2026.11.0 or newer'",
    ),
    (
        "minimum-version-undeclared",
        "project:minimum_version",
        lambda c: c.replace("hacs.json", '"homeassistant": "2026.10.0",', ""),
        "hacs.json does not declare",
    ),
    (
        "minimum-version-pin",
        "project:minimum_version",
        lambda c: c.replace("requirements_minimum.txt", "homeassistant==2026.10.0", "2026.10"),
        "does not say it pins homeassistant==2026.10.0",
    ),
]


def test_the_integration_passes_every_rule() -> None:
    """hassfest and the HACS action would find nothing to complain about."""
    assert [str(finding) for finding in check(ROOT)] == []


def test_every_rule_is_shown_to_fail() -> None:
    """No rule of the checker is left without a case that breaks it."""
    assert {rule for _, rule, _, _ in BREAKS} == set(RULES)


@pytest.mark.parametrize(
    ("rule", "break_copy", "expected"),
    [
        pytest.param(rule, break_copy, expected, id=case)
        for case, rule, break_copy, expected in BREAKS
    ],
)
def test_rule_fails_on_a_broken_copy(
    checkout: Checkout, rule: str, break_copy: Callable[[Checkout], object], expected: str
) -> None:
    """The rule reports the break (the unbroken repository passes, see above)."""
    break_copy(checkout)
    problems = list(RULES[rule](Project(checkout.root)))
    assert any(expected in problem for problem in problems), problems
