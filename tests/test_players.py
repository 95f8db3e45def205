"""Followed media players: what Simkl is sent for what each kind of player reports."""

from collections.abc import Awaitable, Callable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.media_player.const import MediaPlayerState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.simkl.const import CONF_MEDIA_PLAYERS
from custom_components.simkl.players import EVENT_SCROBBLE
from tests.conftest import second_account, sent_writes, setup_integration
from tests.fake_simkl import FakeSimkl, FaultKind
from tests.media_players import (
    INCEPTION,
    SHAPES,
    STRANGER_THINGS_3,
    FakePlayer,
    Item,
    Playback,
    add_player,
)

PLAYER = "media_player.living_room"
FOLLOW = {CONF_MEDIA_PLAYERS: [PLAYER]}

pytestmark = pytest.mark.usefixtures("no_platforms")

type Step = Callable[[Playback], Awaitable[None] | None]


def play(playback: Playback) -> None:
    """Press play."""
    playback.report(MediaPlayerState.PLAYING)


def pause(playback: Playback) -> None:
    """Press pause."""
    playback.report(MediaPlayerState.PAUSED)


def stop(playback: Playback) -> None:
    """Stop: the player goes idle and clears its item."""
    playback.report(MediaPlayerState.IDLE)


def minutes(count: float) -> Step:
    """Let the player run for `count` minutes."""
    return lambda playback: playback.wait(count * 60)


def seconds(count: float) -> Step:
    """Let `count` seconds pass."""
    return lambda playback: playback.wait(count)


def seek(to_minutes: float) -> Step:
    """Jump to a position."""
    return lambda playback: playback.seek(to_minutes)


def rebuffer(count: float) -> Step:
    """Stall for `count` seconds, reported as the player reports it."""
    return lambda playback: playback.rebuffer(count)


async def blip(playback: Playback) -> None:
    """The player drops off the network for 20 seconds, still playing."""
    playback.report(available=False)
    await playback.wait(20, report=False)
    playback.report()


def autoplay(playback: Playback) -> None:
    """The next episode starts by itself."""
    playback.load(playback.item.next_episode())


def restart(down_minutes: float, *, then: Step | None = None) -> Step:
    """Home Assistant stops, `then` happens while it is down, and it starts again."""

    async def run(playback: Playback) -> None:
        hass = playback.hass
        entry = hass.config_entries.async_entries("simkl")[0]
        await hass.config_entries.async_unload(entry.entry_id)
        if then is not None:
            await _run(then, playback)
        await playback.wait(down_minutes * 60)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()

    return run


async def _run(step: Step, playback: Playback) -> None:
    if (result := step(playback)) is not None:
        await result


# (name, item, steps, scrobbles as (endpoint, progress, episode number))
SCENARIOS: list[tuple[str, Item, list[Step], list[tuple[str, float, int | None]]]] = [
    (
        "stop-at-90",
        STRANGER_THINGS_3,
        [play, minutes(45), stop],
        [("start", 0.3, 3), ("stop", 90, 3)],
    ),
    (
        "stop-at-50",
        STRANGER_THINGS_3,
        [play, minutes(25), stop],
        [("start", 0.3, 3), ("stop", 50, 3)],
    ),
    (
        "pause-and-resume",
        STRANGER_THINGS_3,
        [play, minutes(20), pause, minutes(5), play, minutes(25), stop],
        [("start", 0.3, 3), ("pause", 40, 3), ("start", 40.3, 3), ("stop", 90, 3)],
    ),
    (
        "seek-sends-nothing",
        STRANGER_THINGS_3,
        [play, minutes(10), seek(35), minutes(10), stop],
        [("start", 0.3, 3), ("stop", 90, 3)],
    ),
    (
        "flapping-sends-nothing",
        STRANGER_THINGS_3,
        [
            play,
            seconds(5),
            minutes(10),
            pause,
            seconds(3),
            play,
            minutes(5),
            rebuffer(30),
            minutes(5),
            blip,
            minutes(10),
            stop,
        ],
        [("start", 0.3, 3), ("stop", 60.7, 3)],
    ),
    (
        "autoplay-next-episode",
        STRANGER_THINGS_3,
        [play, minutes(48), autoplay, minutes(20), stop],
        [("start", 0.3, 3), ("stop", 96, 3), ("start", 0.3, 4), ("stop", 40, 4)],
    ),
    (
        "restart-mid-episode",
        STRANGER_THINGS_3,
        [play, minutes(20), restart(2), minutes(23), stop],
        [("start", 0.3, 3), ("stop", 90, 3)],
    ),
    (
        "stopped-while-home-assistant-was-down",
        STRANGER_THINGS_3,
        [play, minutes(10), restart(60, then=stop)],
        # Known to play until the stop of Home Assistant, plus 5 minutes: not 100 %.
        [("start", 0.3, 3), ("stop", 30, 3)],
    ),
    (
        "movie-stopped-at-30",
        INCEPTION,
        [play, minutes(44.4), pause, minutes(1), stop],
        [("start", 0.1, None), ("pause", 30, None), ("stop", 30, None)],
    ),
]


def scrobbles(fake: FakeSimkl) -> list[tuple[str, float, int | None]]:
    """The scrobbles Simkl received: endpoint, progress and episode number."""
    return [
        (
            path.removeprefix("/scrobble/"),
            body.get("progress"),
            body.get("episode", {}).get("number"),
        )
        for path, body in sent_writes(fake)
    ]


def approximately(
    expected: list[tuple[str, float, int | None]],
) -> list[tuple[str, Any, int | None]]:
    """Progress to within a percent: players report whole seconds."""
    return [(path, pytest.approx(progress, abs=1), number) for path, progress, number in expected]


@pytest.fixture
async def player(hass: HomeAssistant) -> FakePlayer:
    """The living room player, followed by the account."""
    return await add_player(hass)


@pytest.fixture
async def follow(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    player: FakePlayer,
) -> MockConfigEntry:
    """Set the account up following the living room player."""
    await setup_integration(hass, mock_config_entry, FOLLOW)
    fake_simkl.clear_requests()
    return mock_config_entry


@pytest.fixture
def plex_playback(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, player: FakePlayer
) -> Playback:
    """The followed player, shaped like a Plex client, with an episode loaded."""
    return Playback(hass, freezer, player, "plex", STRANGER_THINGS_3)


@pytest.fixture(params=list(SHAPES))
def playback(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, player: FakePlayer, request: Any
) -> Playback:
    """The followed player, shaped like each of the core players in turn."""
    return Playback(hass, freezer, player, request.param, STRANGER_THINGS_3)


@pytest.mark.parametrize(
    ("item", "steps", "expected"),
    [scenario[1:] for scenario in SCENARIOS],
    ids=[scenario[0] for scenario in SCENARIOS],
)
@pytest.mark.usefixtures("follow")
async def test_scrobbles_of_a_followed_player(
    fake_simkl: FakeSimkl,
    playback: Playback,
    item: Item,
    steps: list[Step],
    expected: list[tuple[str, float, int | None]],
) -> None:
    """Each real transition sends one scrobble, with the progress the player reached."""
    playback.item = item
    for step in steps:
        await _run(step, playback)
    await playback.wait(5 * 60)

    assert scrobbles(fake_simkl) == approximately(expected)


@pytest.mark.usefixtures("follow")
async def test_events_and_logbook_names(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_simkl: FakeSimkl, player: FakePlayer
) -> None:
    """Each outcome fires an event naming the title, the player, the progress and the account."""
    events = async_capture_events(hass, EVENT_SCROBBLE)
    playback = Playback(hass, freezer, player, "plex", STRANGER_THINGS_3)
    for step in (play, minutes(45), stop, minutes(5)):
        await _run(step, playback)

    assert [(event.data["outcome"], event.data["item"]) for event in events] == [
        ("started", "Stranger Things S01E03"),
        ("watched", "Stranger Things S01E03"),
    ]
    watched = events[1].data
    assert watched["entity_id"] == PLAYER
    assert watched["account"] == "alice"
    assert watched["progress"] == pytest.approx(90, abs=1)
    assert watched["type"] == "show"
    assert watched["ids"]["simkl"] == 548312
    assert watched["status"] == "sent"


async def test_two_accounts_follow_one_player(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    player: FakePlayer,
) -> None:
    """Each account that follows the player gets its own scrobbles."""
    bob, bob_entry = second_account(fake_simkl)
    fake_simkl.seed_demo_library(bob)
    await setup_integration(hass, mock_config_entry, FOLLOW)
    await setup_integration(hass, bob_entry, FOLLOW)
    fake_simkl.clear_requests()
    events = async_capture_events(hass, EVENT_SCROBBLE)

    playback = Playback(hass, freezer, player, "plex", STRANGER_THINGS_3)
    for step in (play, minutes(45), stop, minutes(5)):
        await _run(step, playback)

    by_token: dict[str, list[str]] = {}
    for request in fake_simkl.requests:
        if request.path.startswith("/scrobble/"):
            token = request.headers["Authorization"].removeprefix("Bearer ")
            by_token.setdefault(token, []).append(request.path)
    assert sorted(by_token.values()) == [["/scrobble/start", "/scrobble/stop"]] * 2
    assert sorted((event.data["account"], event.data["outcome"]) for event in events) == [
        ("alice", "started"),
        ("alice", "watched"),
        ("bob", "started"),
        ("bob", "watched"),
    ]


@pytest.mark.usefixtures("follow")
async def test_renamed_player_is_still_followed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_simkl: FakeSimkl,
    follow: MockConfigEntry,
    player: FakePlayer,
) -> None:
    """A rename keeps the item playing and the option follows the new entity id."""
    playback = Playback(hass, freezer, player, "jellyfin", STRANGER_THINGS_3)
    for step in (play, minutes(20)):
        await _run(step, playback)

    er.async_get(hass).async_update_entity(PLAYER, new_entity_id="media_player.den")
    await hass.async_block_till_done()
    for step in (minutes(25), stop, minutes(5)):
        await _run(step, playback)

    assert follow.options[CONF_MEDIA_PLAYERS] == ["media_player.den"]
    assert scrobbles(fake_simkl) == approximately([("start", 0.3, 3), ("stop", 90, 3)])


@pytest.mark.usefixtures("follow")
async def test_removed_player_stops_its_item(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_simkl: FakeSimkl,
    follow: MockConfigEntry,
    player: FakePlayer,
) -> None:
    """A player removed mid-episode sends the stop at once, and is no longer followed."""
    playback = Playback(hass, freezer, player, "kodi", STRANGER_THINGS_3)
    for step in (play, minutes(25)):
        await _run(step, playback)

    er.async_get(hass).async_remove(PLAYER)
    await hass.async_block_till_done()

    assert follow.options[CONF_MEDIA_PLAYERS] == []
    assert scrobbles(fake_simkl) == approximately([("start", 0.3, 3), ("stop", 50, 3)])


@pytest.mark.usefixtures("follow")
async def test_without_a_duration_nothing_claims_a_progress(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_simkl: FakeSimkl, player: FakePlayer
) -> None:
    """A player without a duration starts the item on Simkl, and sends no pause or stop."""
    events = async_capture_events(hass, EVENT_SCROBBLE)
    media = {
        "media_content_type": "tvshow",
        "media_series_title": "Stranger Things",
        "media_title": "Chapter Three: Holly, Jolly",
        "media_season": 1,
        "media_episode": 3,
    }
    playback = Playback(hass, freezer, player, "cast", STRANGER_THINGS_3)
    player.show(MediaPlayerState.PLAYING, media)
    await playback.wait(60)
    player.show(MediaPlayerState.PAUSED, media)
    await playback.wait(60)
    player.show(MediaPlayerState.IDLE, {})
    await playback.wait(5 * 60)

    assert scrobbles(fake_simkl) == [("start", None, 3)]
    assert [(event.data["outcome"], event.data.get("status")) for event in events] == [
        ("started", "sent"),
        ("paused", "not_sent"),
        ("stopped", "not_sent"),
    ]


@pytest.mark.parametrize("write_lock_seconds", [300])
@pytest.mark.usefixtures("follow")
async def test_a_stop_waiting_in_the_queue_counts_as_watched(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_simkl: FakeSimkl, player: FakePlayer
) -> None:
    """Simkl's write lock queues the stop right after the start; it still reads as watched."""
    events = async_capture_events(hass, EVENT_SCROBBLE)
    media_at = {
        "media_content_type": "movie",
        "media_title": "Dune: Part Two (2024)",
        "media_duration": 600 * 60,
    }
    now = dt_util.utcnow()
    player.show(
        MediaPlayerState.PLAYING,
        media_at | {"media_position": 0, "media_position_updated_at": now},
    )
    playback = Playback(hass, freezer, player, "plex", INCEPTION)
    await playback.wait(15)
    player.show(
        MediaPlayerState.PLAYING,
        media_at | {"media_position": 590 * 60, "media_position_updated_at": dt_util.utcnow()},
    )
    player.show(MediaPlayerState.IDLE, {})
    await playback.wait(95, report=False)

    assert [(event.data["outcome"], event.data["status"]) for event in events] == [
        ("started", "sent"),
        ("watched", "queued"),
    ]
    assert events[1].data["item"] == "Dune: Part Two (2024)"


@pytest.mark.usefixtures("follow")
async def test_a_rejected_scrobble_is_reported(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_simkl: FakeSimkl, player: FakePlayer
) -> None:
    """Simkl refusing the item ends in an `unmatched` event, not a retry."""
    events = async_capture_events(hass, EVENT_SCROBBLE)
    fake_simkl.inject_fault("/scrobble/start", FaultKind.STATUS, status=404, error="id_err")
    playback = Playback(hass, freezer, player, "plex", STRANGER_THINGS_3)
    for step in (play, minutes(1)):
        await _run(step, playback)

    assert [(event.data["outcome"], event.data["reason"]) for event in events] == [
        ("unmatched", "rejected")
    ]


async def test_stored_readings(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    plex_playback: Playback,
    hass_storage: dict[str, Any],
) -> None:
    """Unreadable stored readings are dropped; expired ones are forgotten."""
    key = f"simkl.{mock_config_entry.entry_id}.players"
    unreadable = {"reading": {}, "seen_at": None}
    hass_storage[key] = {"version": 1, "data": {"players": {PLAYER: unreadable}}}
    await setup_integration(hass, mock_config_entry, FOLLOW)
    for step in (play, minutes(10)):
        await _run(step, plex_playback)
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    fake_simkl.clear_requests()

    # Back a day later: the episode has long ended, and nothing is sent for it.
    await plex_playback.wait(24 * 3600, report=False)
    plex_playback.player.show(MediaPlayerState.IDLE, {})
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await plex_playback.wait(5 * 60)

    assert scrobbles(fake_simkl) == []


@pytest.mark.usefixtures("follow")
async def test_an_item_paused_for_hours_is_forgotten(
    fake_simkl: FakeSimkl, plex_playback: Playback
) -> None:
    """Simkl keeps the paused playback; a stop long after the item would have ended is not sent."""
    for step in (play, minutes(5), pause, seconds(30)):
        await _run(step, plex_playback)
    await plex_playback.wait(3 * 3600, report=False)
    for step in (stop, minutes(5)):
        await _run(step, plex_playback)

    assert scrobbles(fake_simkl) == approximately([("start", 0.3, 3), ("pause", 10, 3)])
