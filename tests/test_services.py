"""Actions: what each one sends to Simkl, what it answers, and the input it refuses."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.simkl.const import DOMAIN
from custom_components.simkl.write_queue import EVENT_WRITE_FAILED
from tests.conftest import second_account, sent_writes, setup_integration
from tests.fake_simkl import FakeSimkl, FaultKind

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.components.persistent_notification import Notification
    from homeassistant.core import HomeAssistant

PLAYER = "media_player.living_room"
MATRIX = {"simkl": 53992}
STRANGER_THINGS = {"simkl": 548312}
# The episode `play_episode` shows, as a scrobble names it.
PLAYED_EPISODE = {
    "show": {"title": "Stranger Things", "ids": {}},
    "episode": {"season": 1, "number": 3},
}

# The actions need no entities; the library they change is read from the coordinator.
pytestmark = pytest.mark.usefixtures("no_platforms")


async def call(
    hass: HomeAssistant, action: str, data: dict[str, Any], *, response: bool = True
) -> dict[str, Any] | None:
    """Call a Simkl action and wait for what it set off (refreshes after writes)."""
    result = await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=response
    )
    await hass.async_block_till_done()
    return result


def play(hass: HomeAssistant, state: str = "playing", **attributes: Any) -> None:
    """Make the test player report `attributes`."""
    hass.states.async_set(PLAYER, state, attributes)


def play_episode(hass: HomeAssistant, *, position: float, updated_ago: float = 0) -> None:
    """The player shows Stranger Things S01E03 (50 minutes) at `position` seconds."""
    play(
        hass,
        media_content_type="episode",
        media_content_id="plex://episode/5d9c0874ffd9ef001e99607a",
        media_series_title="Stranger Things",
        media_title="Chapter Three: Holly, Jolly",
        media_season="1",
        media_episode="3",
        media_duration=3000,
        media_position=position,
        media_position_updated_at=dt_util.utcnow() - timedelta(seconds=updated_ago),
    )


async def test_actions_are_described(hass: HomeAssistant) -> None:
    """Every action is registered at start-up, with its fields for the action editor."""
    assert await async_setup_component(hass, DOMAIN, {})

    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]

    assert set(descriptions) == set(hass.services.async_services_for_domain(DOMAIN))
    assert set(descriptions) >= {
        "scrobble",
        "mark_watched",
        "mark_unwatched",
        "rate",
        "unrate",
        "set_status",
        "search",
        "get_statistics",
    }
    assert all("config_entry_id" in action["fields"] for action in descriptions.values())
    assert set(descriptions["scrobble"]["fields"]) == {
        "config_entry_id",
        "action",
        "entity_id",
        "type",
        "ids",
        "title",
        "year",
        "season",
        "episode",
        "progress",
    }


# --- scrobble ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_start_from_player(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory
) -> None:
    """The item, episode and progress (moved on since the last report) come from the player."""
    play_episode(hass, position=1200, updated_ago=60)
    fake_simkl.clear_requests()

    response = await call(hass, "scrobble", {"action": "start", "entity_id": PLAYER})

    assert sent_writes(fake_simkl) == [("/scrobble/start", {"progress": 42.0, **PLAYED_EPISODE})]
    assert response is not None
    assert response["status"] == "sent"
    assert response["action"] == "start"
    assert response["type"] == "show"
    assert response["title"] == "Stranger Things"
    assert response["ids"]["simkl"] == 548312
    assert response["ids"]["imdb"] == "tt4574334"
    assert response["episode"]["season"] == 1
    assert response["episode"]["number"] == 3


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_stop_after_the_player_cleared_its_item(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory
) -> None:
    """A stopped player reports nothing; the item it played last is scrobbled as watched."""
    play_episode(hass, position=600)
    await call(hass, "scrobble", {"action": "start", "entity_id": PLAYER})
    freezer.tick(timedelta(minutes=40))
    play(hass, "idle")
    fake_simkl.clear_requests()

    response = await call(hass, "scrobble", {"action": "stop", "entity_id": PLAYER})

    # 10 minutes in at the start, 40 minutes played since: the whole 50 minutes.
    assert sent_writes(fake_simkl) == [("/scrobble/stop", {"progress": 100.0, **PLAYED_EPISODE})]
    assert response is not None
    assert response["status"] == "sent"
    assert response["action"] == "scrobble"

    # Forgotten once stopped: a second stop has no item left.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "scrobble", {"action": "stop", "entity_id": PLAYER})
    assert err.value.translation_key == "player_not_identifiable"


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_stop_of_a_player_gone_unavailable(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory
) -> None:
    """Jellyfin's player disappears when its session ends; the stop still names the item."""
    play_episode(hass, position=1500)
    await call(hass, "scrobble", {"action": "pause", "entity_id": PLAYER})
    play(hass, "unavailable")
    fake_simkl.clear_requests()

    response = await call(hass, "scrobble", {"action": "stop", "entity_id": PLAYER})

    assert sent_writes(fake_simkl) == [("/scrobble/stop", {"progress": 50.0, **PLAYED_EPISODE})]
    assert response is not None
    assert response["action"] == "pause"


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_paused_player_keeps_its_position(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory
) -> None:
    """A paused player's position is taken as it is, however old the report."""
    play(
        hass,
        "paused",
        media_content_type="movie",
        media_content_id={"imdb": "tt1375666", "tmdb": 27205},
        media_title="Inception",
        media_duration=8880,
        media_position=2220,
        media_position_updated_at=dt_util.utcnow() - timedelta(minutes=30),
    )
    fake_simkl.clear_requests()

    response = await call(hass, "scrobble", {"action": "pause", "entity_id": PLAYER})

    assert sent_writes(fake_simkl) == [
        (
            "/scrobble/pause",
            {
                "progress": 25.0,
                "movie": {"title": "Inception", "ids": {"imdb": "tt1375666", "tmdb": 27205}},
            },
        )
    ]
    assert response is not None
    assert response["action"] == "pause"
    assert response["title"] == "Inception"
    assert response["episode"] is None


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_fields_override_the_player(
    hass: HomeAssistant, fake_simkl: FakeSimkl
) -> None:
    """Explicit type, ids and progress win over what the player reports."""
    play(
        hass,
        media_content_type="tvshow",
        media_content_id="f27caa37e5142225cceded48f6553502",
        media_series_title="Frieren",
        media_season=1,
        media_episode=5,
    )
    fake_simkl.clear_requests()

    response = await call(
        hass,
        "scrobble",
        {
            "action": "start",
            "entity_id": PLAYER,
            "type": "anime",
            "ids": {"mal": 52991},
            "progress": 3,
        },
    )

    assert sent_writes(fake_simkl) == [
        (
            "/scrobble/start",
            {
                "progress": 3.0,
                "anime": {"title": "Frieren", "ids": {"mal": 52991}},
                "episode": {"season": 1, "number": 5},
            },
        )
    ]
    assert response is not None
    assert response["type"] == "anime"
    assert response["title"] == "Sousou no Frieren"


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (
            {"action": "start", "ids": {"imdb": "tt0133093"}, "progress": 12.5},
            {"progress": 12.5, "movie": {"ids": {"imdb": "tt0133093"}}},
        ),
        (
            {"action": "pause", "title": "The Matrix", "year": 1999, "progress": 30},
            {"progress": 30.0, "movie": {"title": "The Matrix", "year": 1999, "ids": {}}},
        ),
        (
            {
                "action": "checkin",
                "ids": {"tvdb": "305288"},
                "season": 1,
                "episode": 2,
            },
            {"show": {"ids": {"tvdb": 305288}}, "episode": {"season": 1, "number": 2}},
        ),
        (
            {"action": "start", "type": "anime", "ids": {"mal": 21}, "episode": 1000},
            {"anime": {"ids": {"mal": 21}}, "episode": {"number": 1000}},
        ),
    ],
    ids=["movie-by-id", "movie-by-title", "checkin-episode", "anime-absolute-episode"],
)
@pytest.mark.usefixtures("init_integration")
async def test_scrobble_explicit_item(
    hass: HomeAssistant, fake_simkl: FakeSimkl, data: dict[str, Any], body: dict[str, Any]
) -> None:
    """Without a player the fields name the item; an episode makes it a show."""
    fake_simkl.clear_requests()

    response = await call(hass, "scrobble", data)

    assert sent_writes(fake_simkl) == [(f"/scrobble/{data['action']}", body)]
    assert response is not None
    assert response["status"] == "sent"
    assert response["ids"]["simkl"] is not None


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_stop_already_recorded(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Simkl answers 409 to a stop it already recorded: the call still succeeds."""
    data = {"action": "stop", "ids": MATRIX, "progress": 95}
    await call(hass, "scrobble", data)

    response = await call(hass, "scrobble", data)

    assert [path for path, _ in sent_writes(fake_simkl)] == ["/scrobble/stop", "/scrobble/stop"]
    # The first stop filed the movie in the library, which names it in the answer.
    assert response == {
        "status": "sent",
        "action": "scrobble",
        "progress": 95.0,
        "type": "movie",
        "title": "The Matrix",
        "year": 1999,
        "ids": MATRIX,
        "episode": None,
    }


@pytest.mark.usefixtures("init_integration")
async def test_checkin_in_progress(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Simkl answers 409 to a checkin of an item already checked in: the call succeeds."""
    data = {"action": "checkin", "ids": MATRIX}
    await call(hass, "scrobble", data)

    response = await call(hass, "scrobble", data)

    assert sent_writes(fake_simkl) == [("/scrobble/checkin", {"movie": {"ids": MATRIX}})] * 2
    assert response is not None
    assert (response["status"], response["action"]) == ("sent", "checkin")


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_without_response(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Automations may call it without asking for the response."""
    assert await call(hass, "scrobble", {"action": "start", "ids": MATRIX}, response=False) is None
    assert sent_writes(fake_simkl) == [("/scrobble/start", {"movie": {"ids": MATRIX}})]


@pytest.mark.usefixtures("init_integration")
async def test_scrobble_unknown_item_is_rejected(
    hass: HomeAssistant, fake_simkl: FakeSimkl, notifications: list[Notification]
) -> None:
    """A 404 drops the write; the caller learns why, and an event names the item."""
    events = async_capture_events(hass, EVENT_WRITE_FAILED)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "scrobble", {"action": "start", "title": "No Such Film", "year": 2001})

    assert err.value.translation_key == "write_rejected"
    assert "No Such Film (2001)" in str(err.value)
    assert len(sent_writes(fake_simkl)) == 1
    assert len(events) == 1
    assert events[0].data["item"] == "No Such Film (2001)"
    assert events[0].data["operation"] == "scrobble/start"
    assert events[0].data["request"] == {
        "movie": {"title": "No Such Film", "year": 2001, "ids": {}}
    }
    # The caller was told; no notification repeats it.
    assert notifications == []


# --- library writes -------------------------------------------------------------------------------


@pytest.mark.usefixtures("init_integration")
async def test_mark_watched_movie_updates_the_library(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """The write is sent with its time, and the synced library follows at once."""
    coordinator = init_integration.runtime_data.library
    assert 53992 not in coordinator.current.items

    response = await call(
        hass,
        "mark_watched",
        {"type": "movie", "ids": MATRIX, "watched_at": "2026-05-13T21:30:00+00:00"},
    )

    assert sent_writes(fake_simkl) == [
        ("/sync/history", {"movies": [{"ids": MATRIX, "watched_at": "2026-05-13T21:30:00Z"}]})
    ]
    assert response == {
        "status": "sent",
        "item": "simkl 53992",
        "added": {"movies": 1, "shows": 0, "episodes": 0},
        "deleted": {},
    }
    assert coordinator.current.items[53992].status == "completed"


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (
            {"type": "show", "ids": STRANGER_THINGS},
            {"shows": [{"ids": STRANGER_THINGS, "watched_at": "2026-06-01T12:00:00Z"}]},
        ),
        (
            {"type": "show", "ids": STRANGER_THINGS, "season": 2},
            {
                "shows": [
                    {
                        "ids": STRANGER_THINGS,
                        "seasons": [{"number": 2, "watched_at": "2026-06-01T12:00:00Z"}],
                    }
                ]
            },
        ),
        (
            {"type": "show", "title": "Stranger Things", "season": 1, "episodes": [4, "5"]},
            {
                "shows": [
                    {
                        "ids": {},
                        "title": "Stranger Things",
                        "seasons": [
                            {
                                "number": 1,
                                "episodes": [
                                    {"number": 4, "watched_at": "2026-06-01T12:00:00Z"},
                                    {"number": 5, "watched_at": "2026-06-01T12:00:00Z"},
                                ],
                            }
                        ],
                    }
                ]
            },
        ),
        (
            {"type": "anime", "ids": {"mal": 1}, "episodes": [3]},
            {
                "anime": [
                    {
                        "ids": {"mal": 1},
                        "episodes": [{"number": 3, "watched_at": "2026-06-01T12:00:00Z"}],
                    }
                ]
            },
        ),
        (
            {"type": "anime", "ids": {"mal": 1}, "season": 1, "episodes": [3]},
            {
                "anime": [
                    {
                        "ids": {"mal": 1},
                        "seasons": [
                            {
                                "number": 1,
                                "episodes": [{"number": 3, "watched_at": "2026-06-01T12:00:00Z"}],
                            }
                        ],
                        "use_tvdb_anime_seasons": True,
                    }
                ]
            },
        ),
        (
            # Times without a zone are Home Assistant's (US/Pacific in tests).
            {"type": "movie", "ids": MATRIX, "watched_at": "2026-05-13 21:30:00"},
            {"movies": [{"ids": MATRIX, "watched_at": "2026-05-14T04:30:00Z"}]},
        ),
    ],
    ids=[
        "whole-show",
        "season",
        "episodes",
        "anime-episodes",
        "anime-tvdb-season",
        "local-time",
    ],
)
@pytest.mark.freeze_time("2026-06-01T12:00:00Z")
@pytest.mark.usefixtures("init_integration")
async def test_mark_watched(
    hass: HomeAssistant, fake_simkl: FakeSimkl, data: dict[str, Any], body: dict[str, Any]
) -> None:
    """Shows, seasons and episodes; without `watched_at` the time of the call is sent."""
    response = await call(hass, "mark_watched", data)

    assert sent_writes(fake_simkl) == [("/sync/history", body)]
    assert response is not None
    assert response["status"] == "sent"


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (
            {"type": "movie", "ids": {"imdb": "tt1375666"}},
            {"movies": [{"ids": {"imdb": "tt1375666"}}]},
        ),
        (
            {"type": "show", "ids": {"tvdb": 81189}, "season": 5, "episodes": [16]},
            {
                "shows": [
                    {
                        "ids": {"tvdb": 81189},
                        "seasons": [{"number": 5, "episodes": [{"number": 16}]}],
                    }
                ]
            },
        ),
    ],
    ids=["movie", "episode"],
)
@pytest.mark.usefixtures("init_integration")
async def test_mark_unwatched(
    hass: HomeAssistant, fake_simkl: FakeSimkl, data: dict[str, Any], body: dict[str, Any]
) -> None:
    """Removals carry no time."""
    response = await call(hass, "mark_unwatched", data)

    assert sent_writes(fake_simkl) == [("/sync/history/remove", body)]
    assert response is not None
    assert response["status"] == "sent"
    assert sum(response["deleted"].values()) == 1


@pytest.mark.freeze_time("2026-06-01T12:00:00Z")
async def test_rate_and_unrate(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Ratings are sent with their time; the library follows within seconds."""
    coordinator = init_integration.runtime_data.library

    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    assert coordinator.current.items[53992].user_rating == 7

    await call(hass, "unrate", {"type": "movie", "title": "The Matrix", "year": 1999})
    # Refreshes requested in quick succession are spaced by the coordinator's debouncer.
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert coordinator.current.items[53992].user_rating is None

    assert sent_writes(fake_simkl) == [
        (
            "/sync/ratings",
            {"movies": [{"ids": MATRIX, "rating": 7, "rated_at": "2026-06-01T12:00:00Z"}]},
        ),
        ("/sync/ratings/remove", {"movies": [{"ids": {}, "title": "The Matrix", "year": 1999}]}),
    ]


@pytest.mark.usefixtures("init_integration")
async def test_set_status(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """The item moves to the list, in Simkl and in the synced library."""
    response = await call(
        hass, "set_status", {"type": "show", "ids": STRANGER_THINGS, "status": "hold"}
    )

    assert sent_writes(fake_simkl) == [
        ("/sync/add-to-list", {"shows": [{"ids": STRANGER_THINGS, "to": "hold"}]})
    ]
    assert response is not None
    assert response["status"] == "sent"
    assert init_integration.runtime_data.library.current.items[548312].status == "hold"


@pytest.mark.usefixtures("init_integration")
async def test_write_of_unknown_item(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Simkl lists the item as not found: the write is dropped and the caller told."""
    events = async_capture_events(hass, EVENT_WRITE_FAILED)

    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass, "set_status", {"type": "movie", "ids": {"simkl": 1}, "status": "completed"}
        )

    assert err.value.translation_key == "write_not_found"
    assert "simkl 1" in str(err.value)
    assert len(sent_writes(fake_simkl)) == 1
    assert [event.data["operation"] for event in events] == ["sync/add_to_list"]


# --- refused input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("player", "data", "error"),
    [
        (
            None,
            {"action": "start", "entity_id": "media_player.attic"},
            ("entity_not_found", "media_player.attic"),
        ),
        (
            ("unavailable", {}),
            {"action": "start", "entity_id": PLAYER},
            ("entity_unavailable", PLAYER),
        ),
        (
            ("idle", {}),
            {"action": "start", "entity_id": PLAYER},
            ("player_not_identifiable", PLAYER),
        ),
        (
            ("idle", {}),
            {"action": "stop", "entity_id": PLAYER},
            ("player_not_identifiable", PLAYER),
        ),
        (
            ("playing", {"media_content_type": "music", "media_title": "Song"}),
            {"action": "start", "entity_id": PLAYER},
            ("player_not_identifiable", PLAYER),
        ),
        (
            ("playing", {"media_content_type": "tvshow", "media_series_title": "Dark"}),
            {"action": "start", "entity_id": PLAYER},
            ("player_not_identifiable", PLAYER),
        ),
        (None, {"action": "start"}, ("no_item", "ids or a title")),
        (
            None,
            {"action": "start", "ids": MATRIX, "progress": 100.5},
            ("progress_out_of_range", "100.5"),
        ),
        (
            None,
            {"action": "start", "ids": MATRIX, "progress": -1},
            ("progress_out_of_range", "-1"),
        ),
        (
            None,
            {"action": "start", "type": "show", "ids": STRANGER_THINGS, "episode": 3},
            ("season_required", "Episode 3"),
        ),
        (
            None,
            {"action": "start", "type": "show", "ids": STRANGER_THINGS},
            ("episode_required", "episode"),
        ),
    ],
    ids=[
        "unknown-entity",
        "unavailable-entity",
        "idle-player",
        "stop-with-nothing-played",
        "music",
        "show-without-episode",
        "no-item",
        "progress-above-100",
        "progress-below-0",
        "episode-without-season",
        "show-without-episode-field",
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_scrobble_refused(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    player: tuple[str, dict[str, Any]] | None,
    data: dict[str, Any],
    error: tuple[str, str],
) -> None:
    """Bad input is refused with a message naming the problem; nothing is sent."""
    if player is not None:
        play(hass, player[0], **player[1])
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "scrobble", data)
    assert (err.value.translation_key, error[1] in str(err.value)) == (error[0], True)
    assert sent_writes(fake_simkl) == []


@pytest.mark.parametrize(
    ("action", "data", "error"),
    [
        ("mark_watched", {"type": "movie"}, ("no_item", "ids or a title")),
        (
            "mark_watched",
            {"type": "show", "ids": STRANGER_THINGS, "episodes": [1, 2]},
            ("season_required", "1, 2"),
        ),
        (
            "mark_unwatched",
            {"type": "movie", "ids": MATRIX, "season": 1},
            ("movie_has_no_episodes", "movie"),
        ),
        ("rate", {"type": "movie", "ids": MATRIX, "rating": 11}, ("rating_out_of_range", "11")),
        ("rate", {"type": "movie", "ids": MATRIX, "rating": 0}, ("rating_out_of_range", "0")),
        ("unrate", {"type": "show"}, ("no_item", "ids or a title")),
        (
            "set_status",
            {"type": "movie", "ids": MATRIX, "status": "watching"},
            ("status_not_for_movies", "watching"),
        ),
        ("search", {}, ("no_search_term", "file name")),
    ],
    ids=[
        "no-item",
        "episodes-without-season",
        "movie-season",
        "rating-above-10",
        "rating-below-1",
        "unrate-no-item",
        "movie-watching",
        "search-nothing",
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_library_action_refused(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    action: str,
    data: dict[str, Any],
    error: tuple[str, str],
) -> None:
    """Bad input is refused with a message naming the problem; nothing is sent."""
    fake_simkl.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, action, data)
    assert (err.value.translation_key, error[1] in str(err.value)) == (error[0], True)
    assert fake_simkl.requests == []


@pytest.mark.usefixtures("init_integration")
async def test_unknown_account(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """An account id that does not exist is refused."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "rate", {"config_entry_id": "nope", "type": "movie", "ids": MATRIX, "rating": 5}
        )
    assert err.value.translation_key == "service_config_entry_not_found"
    assert sent_writes(fake_simkl) == []


async def test_account_not_loaded_still_takes_writes(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """An account that exists takes writes even while not loaded (between an unload and the
    next setup), named or not; loading it again sends nothing twice."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    data = {"type": "movie", "ids": MATRIX, "rating": 5}

    named = await call(hass, "rate", {"config_entry_id": init_integration.entry_id, **data})
    unnamed = await call(hass, "unrate", {"type": "movie", "ids": MATRIX})
    await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()

    assert (named["status"], unnamed["status"]) == ("sent", "sent")
    assert [path for path, _ in sent_writes(fake_simkl)] == [
        "/sync/ratings",
        "/sync/ratings/remove",
    ]


async def test_two_accounts_need_the_account_named(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """With two accounts an action must say which one; each writes with its own token."""
    bob, second = second_account(fake_simkl)
    await setup_integration(hass, second)
    fake_simkl.clear_requests()

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 5})
    assert err.value.translation_key == "service_found_multiple_config_entry_for_domain"

    await call(
        hass,
        "rate",
        {"config_entry_id": second.entry_id, "type": "movie", "ids": MATRIX, "rating": 5},
    )
    assert fake_simkl.library(bob).entries[53992].rating == 5
    assert 53992 not in fake_simkl.library(fake_simkl.users[0]).entries


# --- search and statistics ------------------------------------------------------------------------


@pytest.mark.usefixtures("init_integration")
async def test_search_text(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """A text search of one type: matches with ids, year, type, poster and Simkl page."""
    fake_simkl.clear_requests()

    response = await call(hass, "search", {"query": "Inception", "type": "movie", "limit": 5})

    assert fake_simkl.request_paths() == ["GET /search/movie"]
    assert fake_simkl.requests[0].query["q"] == "Inception"
    assert fake_simkl.requests[0].query["limit"] == "5"
    assert response is not None
    inception = response["results"][0]
    assert inception["type"] == "movie"
    assert inception["title"] == "Inception"
    assert inception["year"] == 2010
    assert inception["ids"]["simkl"] == 475479
    assert inception["poster"].startswith("https://simkl.in/posters/")
    assert inception["poster"].endswith("_m.webp")
    assert inception["url"] == "https://simkl.com/movies/475479/inception"


@pytest.mark.usefixtures("init_integration")
async def test_search_text_of_every_type(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Without a type, shows, anime and movies are searched."""
    fake_simkl.clear_requests()

    response = await call(hass, "search", {"query": "Frieren"})

    assert fake_simkl.request_paths() == [
        "GET /search/movie",
        "GET /search/tv",
        "GET /search/anime",
    ]
    assert response is not None
    assert {(hit["type"], hit["ids"]["simkl"]) for hit in response["results"]} >= {
        ("anime", 2133914),
        ("anime", 2494385),
    }


@pytest.mark.usefixtures("init_integration")
async def test_search_by_id(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """An id lookup; a type narrows ambiguous TMDB ids."""
    fake_simkl.clear_requests()

    response = await call(hass, "search", {"ids": {"tmdb": 1396}, "type": "show"})

    assert fake_simkl.request_paths() == ["GET /search/id"]
    assert fake_simkl.requests[0].query["tmdb"] == "1396"
    assert fake_simkl.requests[0].query["type"] == "show"
    assert response is not None
    assert [(hit["type"], hit["title"], hit["ids"]["simkl"]) for hit in response["results"]] == [
        ("show", "Breaking Bad", 11121)
    ]


@pytest.mark.usefixtures("init_integration")
async def test_search_by_file(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """A file name is recognised down to the episode."""
    fake_simkl.clear_requests()

    response = await call(hass, "search", {"file": "Stranger.Things.S01E03.1080p.WEB.x264.mkv"})

    assert [(r.path, r.json) for r in fake_simkl.requests] == [
        ("/search/file", {"file": "Stranger.Things.S01E03.1080p.WEB.x264.mkv"})
    ]
    assert response is not None
    [hit] = response["results"]
    assert hit["title"] == "Stranger Things"
    assert hit["ids"]["simkl"] == 548312
    assert hit["episode"]["season"] == 1
    assert hit["episode"]["number"] == 3


@pytest.mark.usefixtures("init_integration")
async def test_search_without_match(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Nothing recognised, or an id Simkl answers with 404: no results."""
    response = await call(hass, "search", {"file": "holiday-2019.mp4"})
    assert response == {"results": []}

    fake_simkl.inject_fault("/search/id", FaultKind.STATUS, status=404, error="id_err")
    response = await call(hass, "search", {"ids": {"imdb": "tt0000001"}})
    assert response == {"results": []}


@pytest.mark.usefixtures("init_integration")
async def test_search_failure(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """A Simkl failure is reported, not swallowed."""
    fake_simkl.inject_fault("/search/", FaultKind.STATUS, status=503, count=None)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "search", {"query": "Dark", "type": "show"})

    assert err.value.translation_key == "request_failed"
    assert "503" in str(err.value)


async def test_get_statistics(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """Statistics are fetched on demand only, for the linked account."""
    assert not any("/stats" in path for path in fake_simkl.request_paths())
    fake_simkl.clear_requests()

    response = await call(hass, "get_statistics", {})

    assert fake_simkl.request_paths() == ["POST /users/424242/stats"]
    assert response is not None
    assert response["total_mins"] > 0
    # Inception and Dune: Part Two (Your Name. counts as anime).
    assert response["movies"]["completed"]["count"] == 2
    assert set(response) >= {"movies", "tv", "anime", "watched_last_week"}


async def test_read_with_refused_token(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """A refused token fails the action and asks the user to link the account again."""
    fake_simkl.inject_fault("/users/", FaultKind.STATUS, status=401, error="user_token_failed")

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "get_statistics", {})

    assert err.value.translation_key == "auth_failed"
    flows = init_integration.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert len(list(flows)) == 1


@pytest.mark.parametrize(
    ("action", "data", "item"),
    [
        ("mark_watched", {"type": "movie", "ids": {"simkl": 2020815}}, "Dune: Part Two (2024)"),
        (
            "rate",
            {"type": "movie", "ids": {"imdb": "tt15239678"}, "rating": 8},
            "Dune: Part Two (2024)",
        ),
        (
            "set_status",
            {"type": "show", "ids": STRANGER_THINGS, "status": "completed"},
            "Stranger Things (2016)",
        ),
        ("mark_watched", {"type": "movie", "ids": MATRIX}, "simkl 53992"),
    ],
    ids=["by-simkl-id", "by-imdb-id", "show", "not-in-the-library"],
)
@pytest.mark.usefixtures("init_integration")
async def test_items_are_named_by_their_title(
    hass: HomeAssistant, action: str, data: dict[str, Any], item: str
) -> None:
    """An item named by ids is answered with its title when the library has it."""
    response = await call(hass, action, data)

    assert response is not None
    assert response["item"] == item
