"""Sensors of a linked account: which exist, their states and their attributes."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform

from custom_components.simkl.const import CONF_LISTS, CONF_MEDIA_TYPES, DOMAIN, ENV_IMAGE_URL
from tests.conftest import ACCOUNT_ID, advance_time, setup_integration

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion

    from tests.fake_simkl import FakeSimkl


@pytest.fixture(autouse=True)
def frozen_time(freezer: FrozenDateTimeFactory) -> None:
    """Build the fake's catalogue and library at a fixed time, for stable snapshots."""
    freezer.move_to("2026-10-15T18:00:00+00:00")


@pytest.fixture
def sensors_only() -> Iterator[None]:
    """Set up the sensor platform alone."""
    with patch("custom_components.simkl.PLATFORMS", [Platform.SENSOR]):
        yield


def _sensor_keys(entity_registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    prefix = f"{ACCOUNT_ID}_"
    return {
        registered.unique_id.removeprefix(prefix)
        for registered in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if registered.domain == Platform.SENSOR
    }


def _state(hass: HomeAssistant, entity_registry: er.EntityRegistry, key: str) -> str:
    entity_id = entity_registry.async_get_entity_id(Platform.SENSOR, DOMAIN, f"{ACCOUNT_ID}_{key}")
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None, key
    return state.state


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "sensors_only")
async def test_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Every sensor of the demo library, with its state and attributes."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_rarely_used_lists_start_disabled(
    entity_registry: er.EntityRegistry, init_integration: MockConfigEntry
) -> None:
    """The on-hold and dropped counts exist but start disabled."""
    disabled = {
        registered.unique_id.removeprefix(f"{ACCOUNT_ID}_")
        for registered in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
        if registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {
        "shows_hold",
        "shows_dropped",
        "anime_hold",
        "anime_dropped",
        "movies_dropped",
    }


async def test_options_choose_the_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Only the selected media types and lists get sensors, and they count only those."""
    await setup_integration(
        hass, mock_config_entry, {CONF_MEDIA_TYPES: ["shows"], CONF_LISTS: ["watching"]}
    )

    assert _sensor_keys(entity_registry, mock_config_entry) == {
        "shows_watching",
        "next_to_watch",
        "upcoming",
        "paused_playback",
        "last_watched",
        "episodes_watched",
        "time_watched",
    }
    # Severance and Slow Horses; the anime waiting are not counted.
    assert _state(hass, entity_registry, "next_to_watch") == "2"
    # Severance's paused episode; the paused movie is left out.
    assert _state(hass, entity_registry, "paused_playback") == "1"


async def test_deselected_sensors_are_removed(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Deselecting movies in the options removes the movie sensors instead of leaving
    them unavailable."""
    assert "movies_completed" in _sensor_keys(entity_registry, init_integration)

    hass.config_entries.async_update_entry(
        init_integration, options={CONF_MEDIA_TYPES: ["shows", "anime"]}
    )
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.LOADED
    keys = _sensor_keys(entity_registry, init_integration)
    assert not {key for key in keys if key.startswith("movies_")}
    assert {"shows_watching", "anime_watching", "time_watched"} <= keys


async def test_empty_library(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A new account: zero everywhere, no last watched, and an empty card list."""
    library = fake_simkl.library(fake_simkl.users[0])
    library.entries.clear()
    library.playbacks.clear()
    await setup_integration(hass, mock_config_entry)

    for key in ("shows_watching", "movies_completed", "episodes_watched", "paused_playback"):
        assert _state(hass, entity_registry, key) == "0"
    assert _state(hass, entity_registry, "last_watched") == STATE_UNKNOWN
    assert _state(hass, entity_registry, "next_to_watch") == "0"
    state = hass.states.get("sensor.alice_next_to_watch")
    assert state is not None
    assert state.attributes["items"] == []
    # upcoming-media-card's defaults, and no title.
    assert len(state.attributes["data"]) == 1
    assert "title_default" in state.attributes["data"][0]


async def test_paused_title_outside_the_library(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A paused movie that is in no list is listed too, linked to its Simkl page."""
    fake_simkl.add_playback(fake_simkl.users[0], 53992, 12.5)  # The Matrix
    await setup_integration(hass, mock_config_entry)

    state = hass.states.get("sensor.alice_paused_playback")
    assert state is not None
    assert state.state == "3"
    matrix = next(item for item in state.attributes["items"] if item["title"] == "The Matrix")
    assert matrix["media_type"] == "movies"
    assert matrix["progress"] == 12.5
    assert matrix["url"] == "https://simkl.com/movies/53992"


async def test_next_to_watch_follows_airings(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A caught-up show joins the list once its next episode airs, though an airing moves
    none of Simkl's activity timestamps and so brings no new library data."""
    upcoming = hass.states.get("sensor.alice_upcoming")
    assert upcoming is not None
    episode = next(item for item in upcoming.attributes["items"] if item["simkl_id"] == 1447581)
    assert (episode["title"], episode["number"]) == ("The Last of Us", "S03E04")
    airs_at = datetime.fromisoformat(episode["airs_at"])
    before = hass.states.get("sensor.alice_next_to_watch")
    assert before is not None
    assert "The Last of Us" not in [item["title"] for item in before.attributes["items"]]
    fake_simkl.clear_requests()

    await advance_time(hass, freezer, airs_at - timedelta(minutes=1))
    state = hass.states.get("sensor.alice_next_to_watch")
    assert state is not None
    assert state.state == before.state

    # The calendar's half-hourly update brings the sensor up to date.
    await advance_time(hass, freezer, airs_at + timedelta(minutes=30))
    state = hass.states.get("sensor.alice_next_to_watch")
    assert state is not None
    assert int(state.state) == int(before.state) + 1
    listed = next(item for item in state.attributes["items"] if item["title"] == "The Last of Us")
    assert listed | {"poster": None, "fanart": None} == {
        "title": "The Last of Us",
        "media_type": "shows",
        "episode": "S03E04",
        "episode_title": episode["episode_title"],
        "aired_at": episode["airs_at"],
        "unwatched": 1,
        "poster": None,
        "fanart": None,
        "url": "https://simkl.com/tv/1447581/the-last-of-us",
    }
    requested = fake_simkl.request_paths()
    assert "GET /sync/activities" in requested  # the library was polled meanwhile
    assert not [path for path in requested if path.startswith("GET /sync/all-items")]


@pytest.mark.parametrize(
    ("entity_id", "first_poster"),
    [
        ("sensor.alice_next_to_watch", lambda attributes: attributes["items"][0]["poster"]),
        ("sensor.alice_paused_playback", lambda attributes: attributes["items"][0]["poster"]),
        ("sensor.alice_last_watched", lambda attributes: attributes["poster"]),
    ],
)
async def test_posters_as_entity_pictures(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    entity_id: str,
    first_poster: Callable[[dict[str, Any]], str],
) -> None:
    """Tile and entity cards show the poster of the sensor's first title; none when the
    sensor lists nothing."""
    await setup_integration(hass, mock_config_entry)
    state = hass.states.get(entity_id)
    assert state is not None
    poster = first_poster(state.attributes)
    assert poster.startswith("https://simkl.in/posters/")
    assert state.attributes["entity_picture"] == poster

    library = fake_simkl.library(fake_simkl.users[0])
    library.entries.clear()
    library.playbacks.clear()
    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="alice",
        unique_id=mock_config_entry.unique_id,
        data=mock_config_entry.data,
    )
    await setup_integration(hass, entry)
    state = hass.states.get(entity_id)
    assert state is not None
    assert "entity_picture" not in state.attributes


async def test_posters_from_the_image_host_setting(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With `SIMKL_IMAGE_URL` (the demo sets it), posters load from that host: an offline
    demo shows each title's poster instead of a broken image."""
    monkeypatch.setenv(ENV_IMAGE_URL, fake_simkl.url)
    await setup_integration(hass, mock_config_entry)
    state = hass.states.get("sensor.alice_last_watched")
    assert state is not None
    picture = state.attributes["entity_picture"]
    assert picture.startswith(f"{fake_simkl.url}/posters/")
    async with async_get_clientsession(hass).get(picture) as response:
        assert response.status == 200
        drawn = await response.read()
    # The poster carries the title (wrapped over lines).
    assert all(word.encode() in drawn for word in state.attributes["title"].split())
