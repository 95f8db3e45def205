"""The activity event: one event per change, across syncs, writes, airings and restarts."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, callback
from homeassistant.helpers.event import async_track_state_change_event
import pytest

from tests.conftest import advance_time
from tests.fake_simkl import CatalogItem
from tests.test_todo import (
    DUNE,
    INTERSTELLAR,
    JUJUTSU_KAISEN,
    NOW,
    SEVERANCE,
    THE_BEAR,
    UP_NEXT,
    WATCHLIST,
    call_todo,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.fake_simkl import FakeSimkl, FakeUser

ACTIVITY = "event.alice_activity"
THE_LAST_OF_US = 1447581

type Fired = list[tuple[str, dict[str, Any]]]


@pytest.fixture(autouse=True)
def frozen_time(freezer: FrozenDateTimeFactory) -> None:
    """Build the fake's catalogue and library at a fixed time."""
    freezer.move_to(NOW)


@pytest.fixture
def fired(hass: HomeAssistant) -> Fired:
    """Every event the activity entity fires: its type and attributes, in order.

    A restored state after a restart is the last event again, not a new one.
    """
    events: Fired = []
    seen: set[str] = set()

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE, *seen):
            return
        seen.add(state.state)
        attributes = dict(state.attributes)
        events.append((attributes.pop("event_type"), attributes))

    async_track_state_change_event(hass, [ACTIVITY], record)
    return events


async def sync(entry: MockConfigEntry) -> None:
    """Run a library poll now."""
    await entry.runtime_data.coordinator.async_refresh()


def _add_dune(fake: FakeSimkl, user: FakeUser) -> None:
    fake.catalog.add(CatalogItem(simkl_id=DUNE, kind="movie", title="Dune", year=2021))
    fake.set_status(user, DUNE, "plantowatch")


# Each change made on Simkl (outside Home Assistant): the event the next sync fires.
SYNCED_CHANGES: list[Any] = [
    pytest.param(
        lambda fake, user: fake.watch_episodes(user, SEVERANCE, 3, [3]),
        "watched",
        {"title": "Severance", "media_type": "shows", "episode": "S03E03", "list": "watching"},
        id="episode-watched",
    ),
    pytest.param(
        lambda fake, user: fake.watch_movie(user, INTERSTELLAR),
        "watched",
        {"title": "Interstellar", "media_type": "movies", "episode": None, "list": "completed"},
        id="movie-watched",
    ),
    pytest.param(
        _add_dune,
        "added",
        {"title": "Dune", "year": 2021, "list": "plantowatch", "simkl_id": DUNE},
        id="title-added",
    ),
    pytest.param(
        lambda fake, user: fake.set_status(user, THE_BEAR, "watching"),
        "status_changed",
        {"title": "The Bear", "list": "watching", "previous_list": "plantowatch"},
        id="list-changed",
    ),
    pytest.param(
        lambda fake, user: fake.rate(user, THE_BEAR, 8),
        "rated",
        {"title": "The Bear", "rating": 8},
        id="rated",
    ),
    pytest.param(
        lambda fake, user: fake.remove_item(user, JUJUTSU_KAISEN),
        "removed",
        {
            "title": "Jujutsu Kaisen",
            "media_type": "anime",
            "url": "https://simkl.com/anime/1206393/jujutsu-kaisen",
        },
        id="removed",
    ),
]


@pytest.mark.parametrize(("change", "event_type", "attributes"), SYNCED_CHANGES)
async def test_sync_fires_one_event_per_change(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
    *,
    change: Callable[[FakeSimkl, FakeUser], object],
    event_type: str,
    attributes: dict[str, Any],
) -> None:
    """The initial sync fires nothing; a change fires one event, the polls after it none."""
    await sync(init_integration)
    assert fired == []

    freezer.tick(60)
    change(fake_simkl, fake_simkl.users[0])
    await sync(init_integration)
    await sync(init_integration)

    assert [name for name, _ in fired] == [event_type]
    assert fired[0][1] | attributes == fired[0][1]
    assert fired[0][1]["poster"] is None or fired[0][1]["poster"].startswith("https://")


# Writes made from the to-do lists: the event fires once, though the sync after the write
# sees the change again.
WRITES = [
    pytest.param(WATCHLIST, "add_item", {"item": "Dune"}, "added", id="add"),
    pytest.param(
        WATCHLIST,
        "update_item",
        {"item": "Interstellar", "status": "completed"},
        "watched",
        id="complete-movie",
    ),
    pytest.param(
        WATCHLIST,
        "update_item",
        {"item": "The Bear", "status": "completed"},
        "status_changed",
        id="complete-show",
    ),
    pytest.param(WATCHLIST, "remove_item", {"item": ["The Bear"]}, "removed", id="remove"),
    pytest.param(
        UP_NEXT,
        "update_item",
        {"item": f"{SEVERANCE}-S03E03", "status": "completed"},
        "watched",
        id="watch-episode",
    ),
]


@pytest.mark.parametrize(("entity_id", "service", "data", "event_type"), WRITES)
async def test_write_and_its_sync_fire_once(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    fired: Fired,
    *,
    entity_id: str,
    service: str,
    data: dict[str, Any],
    event_type: str,
) -> None:
    """The write reports its change at once; the sync that follows does not repeat it."""
    fake_simkl.catalog.add(CatalogItem(simkl_id=DUNE, kind="movie", title="Dune", year=2021))
    fake_simkl.clear_requests()

    await call_todo(hass, service, entity_id, **data)
    await sync(init_integration)

    # The library was fetched again after the write: the sync saw the change.
    assert [path for path in fake_simkl.request_paths() if path.startswith("GET /sync/all-items")]
    assert [name for name, _ in fired] == [event_type]


async def test_restart_fires_only_what_changed_meanwhile(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A restart replays nothing; a change made while Home Assistant was down fires once,
    and the entity keeps its last event across the restart."""
    freezer.tick(60)
    fake_simkl.rate(fake_simkl.users[0], THE_BEAR, 7)
    await sync(init_integration)
    assert [name for name, _ in fired] == ["rated"]
    last = hass.states.get(ACTIVITY)
    assert last is not None

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    restored = hass.states.get(ACTIVITY)
    assert restored is not None
    assert (restored.state, restored.attributes) == (last.state, last.attributes)
    assert [name for name, _ in fired] == ["rated"]

    await hass.config_entries.async_unload(init_integration.entry_id)
    freezer.tick(60)
    fake_simkl.watch_episodes(fake_simkl.users[0], SEVERANCE, 3, [3])
    await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()

    assert [name for name, _ in fired] == ["rated", "watched"]
    assert fired[-1][1]["episode"] == "S03E03"


def _next_airing(hass: HomeAssistant) -> datetime:
    upcoming = hass.states.get("sensor.alice_upcoming")
    assert upcoming is not None
    episode = next(
        item for item in upcoming.attributes["items"] if item["simkl_id"] == THE_LAST_OF_US
    )
    assert episode["number"] == "S03E04"
    return datetime.fromisoformat(episode["airs_at"])


@pytest.mark.usefixtures("init_integration")
async def test_new_episode_fires_once_when_it_airs(
    hass: HomeAssistant, fired: Fired, freezer: FrozenDateTimeFactory
) -> None:
    """A watched show's episode airing fires `new_episode` once, with the calendar update
    that follows it."""
    airs_at = _next_airing(hass)

    await advance_time(hass, freezer, airs_at - timedelta(minutes=1))
    assert fired == []
    await advance_time(hass, freezer, airs_at + timedelta(minutes=30))
    await advance_time(hass, freezer, airs_at + timedelta(hours=2))

    assert fired == [
        (
            "new_episode",
            fired[0][1] | {"title": "The Last of Us", "episode": "S03E04", "list": "watching"},
        )
    ]
    assert [name for name, _ in fired] == ["new_episode"]


async def test_new_episode_aired_during_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fired: Fired,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An episode that aired while Home Assistant was down fires once after the restart;
    another restart fires nothing."""
    airs_at = _next_airing(hass)
    await hass.config_entries.async_unload(init_integration.entry_id)
    freezer.move_to(airs_at + timedelta(hours=1))

    await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert [(name, attributes["episode"]) for name, attributes in fired] == [
        ("new_episode", "S03E04")
    ]

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert len(fired) == 1
