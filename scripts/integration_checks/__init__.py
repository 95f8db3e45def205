"""Offline checks of the integration: what hassfest and the HACS action would report.

Neither tool can run here (hassfest needs a Home Assistant core checkout, the HACS action
GitHub), so each of their checks that applies to this repository is mirrored by a rule of
the same name: `hassfest:<plugin>` or `hacs:<check>`. `project:` rules keep the
repository's own promises (the changelog, the declared minimum Home Assistant).
"""

from pathlib import Path
from typing import Final

# Imported first: from 2026.9 Home Assistant makes `voluptuous` its own validators, which
# the rules must share with Home Assistant's helpers.
import homeassistant  # noqa: F401

from .hacs import (
    check_brands,
    check_changelog,
    check_hacsjson,
    check_information,
    check_integration_manifest,
    check_license,
    check_minimum_version,
)
from .hassfest import (
    check_config_flow,
    check_config_schema,
    check_json,
    check_manifest,
    check_quality_scale,
)
from .model import Check, Finding, Project
from .services import check_icons, check_services
from .translations import check_translations

RULES: Final[dict[str, Check]] = {
    "hassfest:json": check_json,
    "hassfest:manifest": check_manifest,
    "hassfest:translations": check_translations,
    "hassfest:services": check_services,
    "hassfest:icons": check_icons,
    "hassfest:config_flow": check_config_flow,
    "hassfest:config_schema": check_config_schema,
    "hassfest:quality_scale": check_quality_scale,
    "hacs:hacsjson": check_hacsjson,
    "hacs:information": check_information,
    "hacs:license": check_license,
    "hacs:brands": check_brands,
    "hacs:integration_manifest": check_integration_manifest,
    "project:changelog": check_changelog,
    "project:minimum_version": check_minimum_version,
}


def check(root: Path) -> list[Finding]:
    """Run every rule on the checkout at `root`."""
    project = Project(root)
    return [Finding(rule, message) for rule, run in RULES.items() for message in run(project)]


__all__ = ["RULES", "Finding", "check"]
