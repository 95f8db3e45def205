"""The scrobble blueprint, loaded by Home Assistant and run against a media player."""

from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.media_player.const import MediaPlayerState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from tests.conftest import sent_writes
from tests.fake_simkl import FakeSimkl
from tests.media_players import STRANGER_THINGS_3, Playback, add_player

BLUEPRINT = Path(__file__).parents[1] / "blueprints/automation/simkl/scrobble_media_player.yaml"
PLAYER = "media_player.living_room"

pytestmark = pytest.mark.usefixtures("no_platforms", "init_integration", "blueprint_dir")


@pytest.fixture
def blueprint_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory holding the blueprint, as the README's import puts it."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints/automation/simkl" / BLUEPRINT.name
    target.parent.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target)
    return target


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (
            [],
            [
                ("start", 0.3, 3),
                ("pause", 40, 3),
                ("start", 40, 3),
                ("stop", 96, 3),
                ("start", 0, 4),
                ("stop", 50, 4),
            ],
        ),
        ([{"condition": "template", "value_template": "{{ false }}"}], []),
    ],
    ids=["always", "condition-not-met"],
)
async def test_blueprint_scrobbles_a_player(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_simkl: FakeSimkl,
    conditions: list[dict[str, Any]],
    expected: list[tuple[str, float, int]],
) -> None:
    """Play, pause, resume, autoplay and stop: each one scrobble, only when conditions hold."""
    player = await add_player(hass)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": f"simkl/{BLUEPRINT.name}",
                    "input": {
                        "media_player": PLAYER,
                        "account": hass.config_entries.async_entries("simkl")[0].entry_id,
                        "conditions": conditions,
                    },
                }
            }
        },
    )
    fake_simkl.clear_requests()

    playback = Playback(hass, freezer, player, "plex", STRANGER_THINGS_3)
    playback.report(MediaPlayerState.PLAYING)
    await playback.wait(20 * 60)
    playback.report(MediaPlayerState.PAUSED)
    await playback.wait(60)
    playback.report(MediaPlayerState.PLAYING)
    await playback.wait(28 * 60)
    playback.load(STRANGER_THINGS_3.next_episode())
    await playback.wait(25 * 60)
    playback.report(MediaPlayerState.IDLE)
    await playback.wait(5 * 60)

    sent = [
        (path.removeprefix("/scrobble/"), body.get("progress"), body["episode"]["number"])
        for path, body in sent_writes(fake_simkl)
    ]
    assert sent == [
        (path, pytest.approx(progress, abs=1), number) for path, progress, number in expected
    ]
