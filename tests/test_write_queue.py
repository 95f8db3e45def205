"""The write queue: waits Simkl asks for, retries, rejections, and writes kept over a restart."""

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant import loader
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import CoreState
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_test_home_assistant,
)

from custom_components.simkl.api import Ids, MediaType, SimklClient, SyncItem, SyncRequest
from custom_components.simkl.const import DOMAIN
from custom_components.simkl.write_queue import (
    EVENT_WRITE_FAILED,
    RETRY_MAX_DELAY,
    refused_issue_id,
)
from custom_components.simkl.write_store import SyncEndpoint, SyncWrite
from tests.conftest import let_tasks_start, sent_writes
from tests.fake_simkl import FakeSimkl, FaultKind
from tests.write_helpers import (
    MATRIX,
    STRANGER_THINGS,
    WRITE_LOCK,
    call,
    stored_writes as stored,
    wait,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.components.persistent_notification import Notification
    from homeassistant.core import HomeAssistant

pytestmark = pytest.mark.usefixtures("no_platforms")


@pytest.fixture
def write_lock_seconds() -> float:
    """Like Simkl, the fake locks a user's writes for 20 seconds after each write."""
    return WRITE_LOCK.total_seconds()


def stored_writes(hass_storage: dict[str, Any], entry: MockConfigEntry) -> list[str]:
    """The operations of the writes kept in storage."""
    return stored(hass_storage, entry.entry_id)


async def test_write_lock_is_waited_out(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """A write that meets the 20-second lock is queued and sent once the lock is gone."""
    rated = await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    unrated = await call(hass, "unrate", {"type": "movie", "ids": MATRIX})

    assert rated["status"] == "sent"
    # Rating it filed the movie in the library, which now names it.
    assert unrated == {"status": "queued", "item": "The Matrix (1999)"}
    assert [path for path, _ in sent_writes(fake_simkl)] == [
        "/sync/ratings",
        "/sync/ratings/remove",
    ]
    assert stored_writes(hass_storage, init_integration) == ["sync/remove_ratings"]
    assert fake_simkl.library(fake_simkl.users[0]).entries[53992].rating == 7

    await wait(hass, freezer, WRITE_LOCK)

    assert [path for path, _ in sent_writes(fake_simkl)] == [
        "/sync/ratings",
        "/sync/ratings/remove",
        "/sync/ratings/remove",
    ]
    assert fake_simkl.library(fake_simkl.users[0]).entries[53992].rating is None
    assert stored_writes(hass_storage, init_integration) == []


@pytest.mark.parametrize("write_lock_seconds", [0])
async def test_writes_are_paced_to_one_a_second(
    hass: HomeAssistant, fake_simkl: FakeSimkl, mock_config_entry: MockConfigEntry
) -> None:
    """With the client set up as in production, back-to-back writes stay within 1 POST/s."""
    fake_simkl.max_posts_per_second = 1
    # Undo the fast pacing the other tests use.
    with patch("custom_components.simkl.helpers.SimklClient", SimklClient):
        mock_config_entry.add_to_hass(hass)
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    rated = await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    watched = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})

    # A second POST within the same second would have met a 429 and been queued.
    assert (rated["status"], watched["status"]) == ("sent", "sent")
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/ratings", "/sync/history"]


@pytest.mark.usefixtures("init_integration")
async def test_writes_leave_in_order(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory
) -> None:
    """Writes made while others wait are sent after them, one per lock."""
    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    second = await call(
        hass, "set_status", {"type": "show", "ids": STRANGER_THINGS, "status": "hold"}
    )
    third = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})

    assert (second["status"], third["status"]) == ("queued", "queued")
    # The third write was not tried: it waits behind the second.
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/ratings", "/sync/add-to-list"]

    await wait(hass, freezer, WRITE_LOCK)
    await wait(hass, freezer, WRITE_LOCK)

    assert [path for path, _ in sent_writes(fake_simkl)] == [
        "/sync/ratings",
        "/sync/add-to-list",
        "/sync/add-to-list",
        "/sync/history",
        "/sync/history",
    ]
    library = fake_simkl.library(fake_simkl.users[0])
    assert library.entries[548312].status == "hold"
    assert library.entries[53992].movie_watched_at is not None


@pytest.mark.usefixtures("init_integration")
async def test_too_many_requests_is_waited_out(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory
) -> None:
    """A 429 queues the write; it is sent again after the wait Simkl's limits call for."""
    fake_simkl.inject_fault("/sync/history", FaultKind.STATUS, status=429)

    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})

    assert response["status"] == "queued"
    await wait(hass, freezer, timedelta(seconds=10))
    writes = sent_writes(fake_simkl)
    assert [path for path, _ in writes] == ["/sync/history", "/sync/history"]
    assert writes[0][1] == writes[1][1]
    assert fake_simkl.library(fake_simkl.users[0]).entries[53992].movie_watched_at is not None


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (FaultKind.STATUS, 503),
        (FaultKind.STATUS, 500),
        (FaultKind.RESET, 500),
        (FaultKind.STATUS, 412),
    ],
    ids=["unavailable", "server-error", "connection-reset", "request-limit"],
)
@pytest.mark.usefixtures("init_integration")
async def test_failures_are_retried_with_backoff(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    kind: FaultKind,
    status: int,
) -> None:
    """Outages are retried after 5 s, then 10 s, ... until Simkl takes the write."""
    fake_simkl.inject_fault("/scrobble/", kind, status=status, count=2)

    response = await call(hass, "scrobble", {"action": "stop", "ids": MATRIX, "progress": 90})

    assert response["status"] == "queued"
    await wait(hass, freezer, timedelta(seconds=5))
    assert len(sent_writes(fake_simkl)) == 2
    await wait(hass, freezer, timedelta(seconds=10))
    assert (
        sent_writes(fake_simkl)
        == [("/scrobble/stop", {"progress": 90.0, "movie": {"ids": MATRIX}})] * 3
    )
    assert fake_simkl.library(fake_simkl.users[0]).entries[53992].movie_watched_at is not None


async def test_refused_token_keeps_writes_until_linked_again(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """A 401 starts re-linking; the write stays queued and is sent after the reload."""
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=401, method="POST")

    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})

    assert response["status"] == "queued"
    assert len(list(init_integration.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1
    await wait(hass, freezer, timedelta(hours=1))
    assert len(sent_writes(fake_simkl)) == 1
    assert stored_writes(hass_storage, init_integration) == ["sync/add_to_history"]

    # Linking the account again reloads it.
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/history", "/sync/history"]
    assert stored_writes(hass_storage, init_integration) == []


async def test_queued_write_rejected_later_is_told_once(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    notifications: list[Notification],
) -> None:
    """Nobody waits for a queued write, so its rejection becomes a notification and an event."""
    events = async_capture_events(hass, EVENT_WRITE_FAILED)
    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    response = await call(
        hass,
        "scrobble",
        {"action": "start", "type": "show", "title": "Nowhere Man", "season": 2, "episode": 4},
    )
    assert response["status"] == "queued"

    await wait(hass, freezer, WRITE_LOCK)
    await wait(hass, freezer, WRITE_LOCK)

    assert len(sent_writes(fake_simkl)) == 3
    assert len(notifications) == 1
    assert "Nowhere Man S02E04" in notifications[0]["message"]
    assert "id_err" in notifications[0]["message"]
    assert notifications[0]["title"] == "Simkl: alice"
    assert len(events) == 1
    assert events[0].data["config_entry_id"] == init_integration.entry_id
    assert events[0].data["item"] == "Nowhere Man S02E04"


BACKOFF = [5, 10, 20, 40, 80, 160, 320, 600, 600]


@pytest.mark.usefixtures("init_integration")
async def test_retry_delays_double_up_to_the_cap_and_start_again_after_a_success(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory
) -> None:
    """Each failure in a row doubles the wait, up to 10 minutes; a success resets it."""
    assert BACKOFF[-1] == RETRY_MAX_DELAY
    fake_simkl.inject_fault(
        "/sync/", FaultKind.STATUS, status=503, count=len(BACKOFF), method="POST"
    )

    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})
    assert response["status"] == "queued"

    for attempt, delay in enumerate(BACKOFF, start=2):
        # A second early nothing is sent; on time, exactly one attempt.
        await wait(hass, freezer, timedelta(seconds=delay - 1))
        assert len(sent_writes(fake_simkl)) == attempt - 1
        await wait(hass, freezer, timedelta(seconds=2))
        assert len(sent_writes(fake_simkl)) == attempt
    assert fake_simkl.library(fake_simkl.users[0]).entries[53992].movie_watched_at is not None

    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=503, method="POST")
    await wait(hass, freezer, WRITE_LOCK)
    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    before = len(sent_writes(fake_simkl))
    await wait(hass, freezer, timedelta(seconds=4))
    assert len(sent_writes(fake_simkl)) == before
    await wait(hass, freezer, timedelta(seconds=2))
    assert len(sent_writes(fake_simkl)) == before + 1
    assert fake_simkl.library(fake_simkl.users[0]).entries[53992].rating == 7


async def test_unload_stops_sending(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """After unload nothing more is sent; the queued write stays stored."""
    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    await call(hass, "unrate", {"type": "movie", "ids": MATRIX})

    await hass.config_entries.async_unload(init_integration.entry_id)
    await wait(hass, freezer, timedelta(minutes=5))

    assert len(sent_writes(fake_simkl)) == 2
    assert stored_writes(hass_storage, init_integration) == ["sync/remove_ratings"]


async def test_writes_survive_a_restart_and_are_sent_once(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """Home Assistant stops with writes queued; the next start sends each of them once."""
    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    stop = await call(hass, "scrobble", {"action": "stop", "ids": MATRIX, "progress": 95})
    status = await call(
        hass, "set_status", {"type": "show", "ids": STRANGER_THINGS, "status": "hold"}
    )
    assert (stop["status"], status["status"]) == ("queued", "queued")

    await hass.async_stop()
    assert stored_writes(hass_storage, init_integration) == [
        "scrobble/stop",
        "sync/add_to_list",
    ]
    before_restart = len(sent_writes(fake_simkl))

    async with async_test_home_assistant(config_dir=hass.config.config_dir) as restarted:
        restarted.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id=init_integration.entry_id,
            title=init_integration.title,
            unique_id=init_integration.unique_id,
            data=dict(init_integration.data),
        )
        entry.add_to_hass(restarted)
        await restarted.config_entries.async_setup(entry.entry_id)
        await restarted.async_block_till_done()
        for _ in range(3):
            await wait(restarted, freezer, WRITE_LOCK)

        after_restart = sent_writes(fake_simkl)[before_restart:]
        # Each write meets the lock of the one before it once, then goes through.
        assert [path for path, _ in after_restart] == [
            "/scrobble/stop",
            "/scrobble/stop",
            "/sync/add-to-list",
            "/sync/add-to-list",
        ]
        assert stored_writes(hass_storage, entry) == []
        library = fake_simkl.library(fake_simkl.users[0])
        assert library.entries[53992].movie_watched_at is not None
        assert library.entries[548312].status == "hold"
        await restarted.async_stop(force=True)


async def test_stop_waits_for_the_write_in_flight(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """A write Simkl is answering while Home Assistant stops is finished, not sent again."""
    fake_simkl.inject_fault("/sync/history", FaultKind.DELAY, delay=3600)
    action = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "mark_watched",
            {"type": "movie", "ids": MATRIX},
            blocking=True,
            return_response=True,
        )
    )
    while not sent_writes(fake_simkl):  # noqa: ASYNC110 - the fake offers no event to await
        await asyncio.sleep(0)
    stopping = hass.async_create_task(hass.async_stop())
    await let_tasks_start(20)

    # The shutdown waits for Simkl's answer before integrations stop.
    assert hass.state is CoreState.running
    assert not stopping.done()
    # Stopping the fake answers the request it holds back.
    await fake_simkl.stop()
    await stopping

    assert (await action)["status"] == "sent"
    assert len(sent_writes(fake_simkl)) == 1
    assert stored_writes(hass_storage, init_integration) == []
    assert fake_simkl.library(fake_simkl.users[0]).entries[53992].movie_watched_at is not None


async def test_a_start_refused_with_409_stays_queued(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """Only a stop or check-in answered 409 counts as done: a refused start is kept and
    sent again, and the refusal is shown as a repair issue until Simkl takes it."""
    fake_simkl.inject_fault("/scrobble/start", FaultKind.STATUS, status=409)

    response = await call(
        hass, "scrobble", {"action": "start", "type": "movie", "ids": MATRIX, "progress": 5}
    )

    assert response["status"] == "queued"
    assert stored_writes(hass_storage, init_integration) == ["scrobble/start"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, refused_issue_id(init_integration.entry_id))
    await wait(hass, freezer, timedelta(seconds=RETRY_MAX_DELAY))
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/scrobble/start"] * 2
    assert stored_writes(hass_storage, init_integration) == []
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, refused_issue_id(init_integration.entry_id)
    )


@pytest.mark.parametrize(
    ("item", "dated"),
    [
        ({"type": "movie", "ids": MATRIX}, lambda body: body["movies"][0]),
        (
            {"type": "anime", "ids": {"mal": 21}, "episode": 1000},
            lambda body: body["anime"][0]["episodes"][0],
        ),
    ],
    ids=["movie", "anime-absolute-episode"],
)
async def test_a_late_stop_of_a_movie_or_an_absolute_episode_is_dated(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    item: dict[str, Any],
    dated: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """A watched stop sent hours late becomes a history entry dated when it happened."""
    fake_simkl.inject_fault("/scrobble/", FaultKind.STATUS, status=503, count=None)
    stopped_at = dt_util.utcnow()
    await call(hass, "scrobble", {"action": "stop", "progress": 95, **item})
    await wait(hass, freezer, timedelta(hours=3))

    path, body = sent_writes(fake_simkl)[-1]
    assert path == "/sync/history"
    assert dt_util.parse_datetime(dated(body)["watched_at"]) == stopped_at.replace(microsecond=0)


async def test_a_write_handed_to_a_queue_stopped_by_a_reload_is_sent_by_the_new_one(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """A part of the integration that still holds the queue from before a reload loses
    nothing: the account's current queue takes the write."""
    before_reload = init_integration.runtime_data.writes
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    write = SyncWrite(
        label="The Matrix",
        endpoint=SyncEndpoint.ADD_TO_HISTORY,
        request=SyncRequest.of(MediaType.MOVIES, SyncItem(ids=Ids.from_dict(MATRIX))),
    )
    outcome = await before_reload.async_submit(write)

    assert outcome.sent
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/history"]
    assert stored_writes(hass_storage, init_integration) == []
