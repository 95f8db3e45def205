"""What the HACS action checks for an integration repository, and the project's own files.

HACS checks `hacs.json`, a README, an OSI licence, the brand images (since Home Assistant
2026.3 a custom integration ships its own, under `brand/`) and the manifest keys it reads.
"""

from collections.abc import Iterator
import json
import re
import tomllib
from typing import Any, Final

import voluptuous as vol
from voluptuous.humanize import humanize_error

from .hassfest import valid_version
from .model import Project

HACS_JSON_SCHEMA: Final = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): valid_version,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): valid_version,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
    }
)
HACS_MANIFEST_KEYS: Final = (
    "codeowners",
    "documentation",
    "domain",
    "issue_tracker",
    "name",
    "version",
)
BRAND_IMAGES: Final = frozenset(
    f"{name}{scale}.png"
    for name in ("icon", "logo", "dark_icon", "dark_logo")
    for scale in ("", "@2x")
)
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
# OSI-approved licences HACS recognises, by a phrase of their text.
OSI_LICENCES: Final = {
    "MIT": "Permission is hereby granted, free of charge",
    "Apache-2.0": "Apache License",
    "GPL-3.0-or-later": "GNU GENERAL PUBLIC LICENSE",
    "LGPL-3.0-or-later": "GNU LESSER GENERAL PUBLIC LICENSE",
    "MPL-2.0": "Mozilla Public License",
    "BSD-3-Clause": "Redistribution and use in source and binary forms",
    "ISC": "Permission to use, copy, modify, and/or distribute this software",
    "Unlicense": "This is free and unencumbered software released into the public domain",
}


def hacs_json(project: Project) -> dict[str, Any]:
    """Return hacs.json, or {} when it is missing or not an object."""
    path = project.root / "hacs.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError, ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def check_hacsjson(project: Project) -> Iterator[str]:
    """hacs.json exists and holds only keys HACS accepts."""
    path = project.root / "hacs.json"
    if not path.is_file():
        yield "hacs.json is missing"
        return
    data = hacs_json(project)
    if not data:
        yield "hacs.json is not a JSON object"
        return
    try:
        HACS_JSON_SCHEMA(data)
    except vol.Invalid as err:
        yield f"Invalid hacs.json: {humanize_error(data, err)}"


def check_information(project: Project) -> Iterator[str]:
    """The repository has a README (and an info.md when HACS is not to render the README)."""
    if not any(project.root.glob("[Rr][Ee][Aa][Dd][Mm][Ee]*")):
        yield "the repository has no README"
    if not hacs_json(project).get("render_readme") and not (project.root / "info.md").is_file():
        yield "render_readme is off and there is no info.md"


def check_license(project: Project) -> Iterator[str]:
    """The repository has an OSI-approved licence, the one pyproject.toml names."""
    path = next(iter(sorted(project.root.glob("LICEN[CS]E*"))), None)
    if path is None:
        yield "the repository has no LICENSE file"
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [spdx for spdx, phrase in OSI_LICENCES.items() if phrase.lower() in text.lower()]
    if not found:
        yield f"{path.name} is not an OSI-approved licence HACS recognises"
        return
    pyproject = project.root / "pyproject.toml"
    if pyproject.is_file():
        declared = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        licence = declared.get("license")
        if isinstance(licence, str) and licence not in found:
            yield f"pyproject.toml declares {licence}, but {path.name} is {found[0]}"


def check_brands(project: Project) -> Iterator[str]:
    """brand/icon.png exists; brand/ holds only the PNG names Home Assistant serves."""
    brand = project.integration / "brand"
    if not (brand / "icon.png").is_file():
        yield f"custom_components/{project.domain}/brand/icon.png is missing"
    for path in sorted(brand.glob("*")) if brand.is_dir() else []:
        if path.name not in BRAND_IMAGES:
            yield f"brand/{path.name} is not one of {', '.join(sorted(BRAND_IMAGES))}"
        elif path.read_bytes()[: len(PNG_SIGNATURE)] != PNG_SIGNATURE:
            yield f"brand/{path.name} is not a PNG image"


def check_integration_manifest(project: Project) -> Iterator[str]:
    """The manifest has the keys HACS reads."""
    for key in HACS_MANIFEST_KEYS:
        if not project.manifest.get(key):
            yield f"manifest.json has no {key}"


def check_changelog(project: Project) -> Iterator[str]:
    """CHANGELOG.md has an Unreleased section and one for the manifest's version."""
    path = project.root / "CHANGELOG.md"
    if not path.is_file():
        yield "CHANGELOG.md is missing"
        return
    headings = re.findall(r"^## \[?([^\]\s]+)\]?", path.read_text(encoding="utf-8"), re.MULTILINE)
    version = project.manifest.get("version")
    if "Unreleased" not in headings:
        yield "CHANGELOG.md has no '## [Unreleased]' section for changes not yet released"
    if version not in headings:
        yield f"CHANGELOG.md has no section for version {version} of the manifest"


def check_minimum_version(project: Project) -> Iterator[str]:
    """hacs.json, the README and requirements_minimum.txt name the same oldest Home Assistant.

    scripts/test runs the tests on that version and fails when another one got installed.
    """
    minimum = hacs_json(project).get("homeassistant")
    if not minimum:
        yield "hacs.json does not declare the oldest Home Assistant supported (homeassistant)"
        return
    readme = project.root / "README.md"
    if readme.is_file() and f"Home Assistant {minimum} or newer" not in readme.read_text(
        encoding="utf-8"
    ):
        yield f"README.md does not say 'Home Assistant {minimum} or newer'"
    requirements = project.root / "requirements_minimum.txt"
    if not requirements.is_file():
        yield "requirements_minimum.txt (the tests' pin for the oldest version) is missing"
    elif f"homeassistant=={minimum}" not in requirements.read_text(encoding="utf-8"):
        yield f"requirements_minimum.txt does not say it pins homeassistant=={minimum}"
