"""hassfest's `json`, `manifest`, `config_flow`, `config_schema` and `quality_scale` plugins.

hassfest skips quality_scale.yaml for custom integrations; it is checked here anyway, and
the rules that can be read from the code are held to their `done`.
"""

from collections.abc import Callable, Iterator
import json
from typing import Any, Final

from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.yaml import load_yaml_dict
import voluptuous as vol
from voluptuous.humanize import humanize_error

from . import code_scan
from .model import Project

INTEGRATION_TYPES: Final = ("device", "entity", "hardware", "helper", "hub", "service", "system")
IOT_CLASSES: Final = (
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
)
QUALITY_SCALES: Final = ("bronze", "silver", "gold", "platinum", "internal")
VERSION_STRATEGIES: Final = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]


def valid_version(value: Any) -> str:
    """Accept the version formats hassfest accepts (and HACS reads)."""
    try:
        AwesomeVersion(str(value), ensure_strategy=VERSION_STRATEGIES)
    except AwesomeVersionException as err:
        msg = f"{value!r} is not a valid version"
        raise vol.Invalid(msg) from err
    return str(value)


def _https(value: Any) -> str:
    url: str = vol.Url()(value)
    if not url.startswith("https://"):
        msg = "Documentation url is not prefixed with https"
        raise vol.Invalid(msg)
    return url


_MANIFEST_KEYS: Final[dict[vol.Marker, Any]] = {
    vol.Required("domain"): str,
    vol.Required("name"): str,
    vol.Optional("integration_type"): vol.In(INTEGRATION_TYPES),
    vol.Optional("config_flow"): bool,
    vol.Optional("after_dependencies"): [str],
    vol.Required("codeowners"): [vol.Match(r"^@[\w.-]+(/[\w.-]+)?$")],
    vol.Optional("dependencies"): [str],
    vol.Optional("disabled"): str,
    vol.Required("documentation"): _https,
    vol.Optional("import_executor"): bool,
    vol.Required("iot_class"): vol.In(IOT_CLASSES),
    vol.Optional("issue_tracker"): vol.Url(),
    vol.Optional("loggers"): [str],
    vol.Optional("quality_scale"): vol.In(QUALITY_SCALES),
    vol.Optional("requirements"): [vol.Match(r"^[A-Za-z0-9][-\w.\[\],]*(==|>=|~=)\S+$")],
    vol.Optional("single_config_entry"): bool,
    vol.Required("version"): valid_version,
    # Discovery matchers: a cloud service has none, and their schema is long.
    **{vol.Optional(key): object for key in ("bluetooth", "dhcp", "homekit", "mqtt")},
    **{vol.Optional(key): object for key in ("ssdp", "usb", "zeroconf")},
}
MANIFEST_SCHEMA: Final = vol.Schema(_MANIFEST_KEYS)


def check_json(project: Project) -> Iterator[str]:
    """Every JSON file of the integration parses."""
    for path in sorted(project.integration.rglob("*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            yield f"{path.relative_to(project.integration)} is not valid JSON: {err}"


def check_manifest(project: Project) -> Iterator[str]:
    """Mirror hassfest's manifest plugin for a custom integration."""
    manifest = project.manifest
    try:
        MANIFEST_SCHEMA(manifest)
    except vol.Invalid as err:
        yield f"Invalid manifest: {humanize_error(manifest, err)}"
    if manifest.get("domain") != project.domain:
        yield "Domain does not match dir name"
    keys = list(manifest)
    if sorted(keys, key=lambda key: {"domain": ".0", "name": ".1"}.get(key, key)) != keys:
        yield "Manifest keys are not sorted correctly: domain, name, then alphabetical order"
    own_package = f"custom_components.{project.domain}"
    for logger in manifest.get("loggers") or []:
        if logger == own_package or str(logger).startswith(f"{own_package}."):
            yield (
                f"loggers: {logger} is the integration's own package, which Home Assistant "
                "includes already; list only the loggers of the requirements"
            )


def check_config_flow(project: Project) -> Iterator[str]:
    """A config flow is declared in the manifest exactly when config_flow.py has one."""
    has_flow = bool(project.code.flow_methods.get("config"))
    declared = project.manifest.get("config_flow") is True
    if declared and not (project.integration / "config_flow.py").is_file():
        yield "Config flows need to be defined in the file config_flow.py"
    if declared != has_flow:
        yield (
            "the manifest declares a config flow but the code has none"
            if declared
            else "the code has a config flow but the manifest does not set config_flow: true"
        )


def check_config_schema(project: Project) -> Iterator[str]:
    """An integration with `async_setup` says how YAML configuration is treated."""
    code = project.code
    if code.defines("", "async_setup") and not code.defines("", "CONFIG_SCHEMA"):
        yield (
            "Integrations which implement 'async_setup' must define 'CONFIG_SCHEMA' "
            "(cv.config_entry_only_config_schema for a UI-only integration)"
        )


# The 54 rules of the Integration Quality Scale, by tier.
QUALITY_SCALE_RULES: Final = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
ALL_RULES: Final = frozenset(rule for rules in QUALITY_SCALE_RULES.values() for rule in rules)

_RULE_SCHEMA: Final = vol.Any(
    vol.In(["todo", "done"]),
    vol.Schema({vol.Required("status"): vol.In(["todo", "done"]), vol.Optional("comment"): str}),
    vol.Schema({vol.Required("status"): "exempt", vol.Required("comment"): str}),
)
QUALITY_SCALE_SCHEMA: Final = vol.Schema({vol.Required("rules"): {vol.In(ALL_RULES): _RULE_SCHEMA}})


def _platform_modules(project: Project) -> list[str]:
    return sorted(project.entities.platforms)


# Rules whose `done` the code can prove: a message for each way the code contradicts it.
def _done_contradictions(project: Project) -> dict[str, Callable[[], Iterator[str]]]:
    code = project.code
    entities = project.entities.kinds

    def config_flow() -> Iterator[str]:
        yield from check_config_flow(project)

    def diagnostics() -> Iterator[str]:
        if not code.defines("diagnostics", "async_get_config_entry_diagnostics"):
            yield "diagnostics.py does not define async_get_config_entry_diagnostics"

    def flow_step(step: str) -> Callable[[], Iterator[str]]:
        def check() -> Iterator[str]:
            if step not in code.flow_methods.get("config", set()):
                yield f"the config flow has no async_step_{step}"

        return check

    def parallel_updates() -> Iterator[str]:
        for module in _platform_modules(project):
            if not code.defines(module, "PARALLEL_UPDATES"):
                yield f"{module}.py does not set PARALLEL_UPDATES"

    def runtime_data() -> Iterator[str]:
        # The rule is about an entry's data; objects shared by every entry may live in
        # hass.data under a HassKey of their own (as core's elgato does).
        for file in code.modules_using("hass.data[DOMAIN"):
            yield f"{file} keeps an entry's data in hass.data[DOMAIN]"

    def entity_category() -> Iterator[str]:
        if not any(kind.entity_category is not None for kind in entities):
            yield "no entity sets an entity category"

    def disabled_by_default() -> Iterator[str]:
        if all(kind.enabled_by_default for kind in entities):
            yield "no entity is disabled by default"

    def icon_translations() -> Iterator[str]:
        for kind in entities:
            if kind.icon is not None:
                yield f"{kind.platform}: {kind.name} sets its icon in code"

    def action_setup() -> Iterator[str]:
        for use in code.of_kind(code_scan.ACTION):
            if use.function == "async_setup_entry":
                yield f"{use.where}: an action is registered in async_setup_entry"

    def unique_config_entry() -> Iterator[str]:
        aborts = code.of_kind(code_scan.ABORT, "config")
        checked = any("already_configured" in (use.values or ()) for use in aborts)
        if not checked and not project.manifest.get("single_config_entry"):
            yield "the config flow never aborts with already_configured"

    def integration_owner() -> Iterator[str]:
        if not project.manifest.get("codeowners"):
            yield "the manifest names no code owner"

    return {
        "action-setup": action_setup,
        "config-flow": config_flow,
        "diagnostics": diagnostics,
        "entity-category": entity_category,
        "entity-disabled-by-default": disabled_by_default,
        "icon-translations": icon_translations,
        "integration-owner": integration_owner,
        "parallel-updates": parallel_updates,
        "reauthentication-flow": flow_step("reauth"),
        "reconfiguration-flow": flow_step("reconfigure"),
        "runtime-data": runtime_data,
        "unique-config-entry": unique_config_entry,
    }


def check_quality_scale(project: Project) -> Iterator[str]:
    """quality_scale.yaml lists every rule with a valid status, and its `done`s are true."""
    try:
        data = load_yaml_dict(str(project.integration / "quality_scale.yaml"))
    except FileNotFoundError:
        yield "quality_scale.yaml is missing"
        return
    except HomeAssistantError as err:
        yield f"Invalid quality_scale.yaml: {err}"
        return
    try:
        QUALITY_SCALE_SCHEMA(data)
    except vol.Invalid as err:
        yield f"Invalid quality_scale.yaml: {humanize_error(data, err)}"
        return
    rules: dict[str, Any] = data["rules"]
    for rule in sorted(ALL_RULES - set(rules)):
        yield f"rule {rule} is not listed"
    for rule, check in _done_contradictions(project).items():
        status = rules.get(rule)
        if (status if isinstance(status, str) else (status or {}).get("status")) == "done":
            for problem in check():
                yield f"rule {rule} is done, but {problem}"
