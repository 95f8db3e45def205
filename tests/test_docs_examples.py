"""The automation examples of docs/automations.md load in Home Assistant as written."""

from pathlib import Path
import re
import shutil
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import parse_yaml
import pytest

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "docs/automations.md"
BLUEPRINT = ROOT / "blueprints/automation/simkl/scrobble_media_player.yaml"


def automation_examples() -> list[dict[str, Any]]:
    """Return each YAML block of the page that is an automation (it has an alias)."""
    blocks = re.findall(r"```yaml\n(.*?)```", EXAMPLES.read_text(), re.S)
    return [config for block in blocks if "alias" in (config := parse_yaml(block))]


EXAMPLE_CONFIGS = automation_examples()


def test_the_page_has_its_four_kinds_of_example() -> None:
    """New episode (event and calendar), scrobble with the blueprint, rate, resume."""
    assert [config["alias"] for config in EXAMPLE_CONFIGS] == [
        "New episode out",
        "Episode starts",
        "Scrobble the living room TV in the evening",
        "Rate after watching",
        "Offer to resume a paused movie",
    ]


@pytest.mark.parametrize("config", EXAMPLE_CONFIGS, ids=lambda config: config["alias"])
async def test_example_loads(hass: HomeAssistant, tmp_path: Path, config: dict[str, Any]) -> None:
    """Pasted into Home Assistant, the automation is valid: it is created and switched on."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints/automation/simkl" / BLUEPRINT.name
    target.parent.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target)

    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()

    states = hass.states.async_all("automation")
    assert [(state.name, state.state) for state in states] == [(config["alias"], "on")]
