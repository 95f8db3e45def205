"""What Simkl receives from the write queue, and what the user sees, for each way a write can go.

Every test reads the fake's log: `sent_writes` is every write Simkl was sent, `applied_writes`
the ones it took.
"""

import asyncio
from datetime import timedelta
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.simkl.const import DOMAIN
from custom_components.simkl.write_queue import EVENT_ITEMS_NOT_FOUND, EVENT_WRITE_FAILED
from tests.conftest import add_second_account, let_tasks_start, sent_writes
from tests.fake_simkl import FakeSimkl, FaultKind
from tests.write_helpers import (
    GOOD_WRITE,
    MATRIX,
    STRANGER_THINGS,
    WRITE_LOCK,
    applied_writes,
    call,
    set_aside,
    store_writes,
    stored_writes,
    wait,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.components.persistent_notification import Notification
    from homeassistant.core import HomeAssistant

pytestmark = pytest.mark.usefixtures("no_platforms")

# The client's write timeout, and a second for the rounding of its timer.
WRITE_TIMEOUT = timedelta(seconds=9)
# The limits docs/actions.md states: a write is set aside after this many refusals, or at a
# refusal this long after it was queued; the queue holds this many writes.
REFUSALS_BEFORE_SET_ASIDE = 8
REFUSED_AFTER = timedelta(days=3)
QUEUE_CAP = 500
INCEPTION = {"simkl": 475479}


def issues(issue_registry: ir.IssueRegistry) -> list[ir.IssueEntry]:
    """The integration's repair issues."""
    return [issue for issue in issue_registry.issues.values() if issue.domain == DOMAIN]


async def until_sent(fake: FakeSimkl, count: int) -> None:
    """Let the event loop run until the fake received `count` writes."""
    while len(sent_writes(fake)) < count:  # noqa: ASYNC110 - the fake offers no event to await
        await asyncio.sleep(0)


def start_action(hass: HomeAssistant, action: str, data: dict[str, Any]) -> asyncio.Task[Any]:
    """Call a write action without waiting for its answer."""
    return hass.async_create_task(
        hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True)
    )


async def test_home_assistant_stop_stops_the_queue_of_every_account(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Home Assistant stopping with a write in flight on each of two accounts: both writes
    end, and neither account sends what waits behind them."""
    accounts = [init_integration, await add_second_account(hass, fake_simkl)]
    fake_simkl.inject_fault("/sync/history", FaultKind.DELAY, delay=3600, count=2)
    watched = {"type": "movie", "ids": MATRIX}
    in_flight = [
        start_action(hass, "mark_watched", {"config_entry_id": e.entry_id, **watched})
        for e in accounts
    ]
    await until_sent(fake_simkl, 2)
    rating = {"type": "movie", "ids": MATRIX, "rating": 7}
    behind = [
        start_action(hass, "rate", {"config_entry_id": e.entry_id, **rating}) for e in accounts
    ]
    await let_tasks_start()

    stopping = hass.async_create_task(hass.async_stop())
    while not stopping.done():  # a held write may reach the fake after a release: again
        fake_simkl.release_delayed()
        await asyncio.sleep(0)
    await wait(hass, freezer, WRITE_LOCK)
    await wait(hass, freezer, WRITE_LOCK)

    assert [(await task)["status"] for task in in_flight] == ["sent", "sent"]
    assert [(await task)["status"] for task in behind] == ["queued", "queued"]
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/history"] * 2


async def test_each_account_has_its_own_refusal_issue(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Refused writes of two accounts raise one repair issue each; removing an account
    removes its issue only."""
    second = await add_second_account(hass, fake_simkl)
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=403, count=None, method="POST")

    for entry in (init_integration, second):
        rating = {"type": "movie", "ids": MATRIX, "rating": 5}
        await call(hass, "rate", {"config_entry_id": entry.entry_id, **rating})

    accounts = [issue.translation_placeholders["account"] for issue in issues(issue_registry)]
    assert sorted(accounts) == ["alice", "bob"]
    await hass.config_entries.async_remove(second.entry_id)
    await hass.async_block_till_done()
    assert [issue.translation_placeholders["account"] for issue in issues(issue_registry)] == [
        "alice"
    ]


@pytest.mark.parametrize(
    ("kind", "status"),
    [(FaultKind.EMPTY, 201), (FaultKind.MALFORMED, 200), (FaultKind.HTML, 200)],
    ids=["empty", "not-json", "proxy-page"],
)
async def test_any_2xx_is_success_and_sent_once(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    kind: FaultKind,
    status: int,
) -> None:
    """A 2xx answer whose body cannot be read is still Simkl taking the write: never resent."""
    fake_simkl.inject_fault("/sync/history", kind, status=status)

    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})
    await wait(hass, freezer, timedelta(hours=1))

    assert response == {"status": "sent", "item": "simkl 53992", "added": {}, "deleted": {}}
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/history"]
    assert [path for path, _ in applied_writes(fake_simkl)] == ["/sync/history"]
    assert stored_writes(hass_storage, init_integration.entry_id) == []


async def test_two_overlapping_calls_send_each_write_once(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """Two actions called at once: one sender, each write POSTed once, in order."""
    first = start_action(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    second = start_action(hass, "mark_watched", {"type": "movie", "ids": INCEPTION})

    answers = await asyncio.gather(first, second)
    await hass.async_block_till_done()

    assert [answer["status"] for answer in answers] == ["sent", "sent"]
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/ratings", "/sync/history"]


async def test_a_later_event_replaces_a_queued_pause_but_not_the_start_in_flight(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """The start being sent is sent; the pause behind it gives way to the stop, and its
    caller is answered at once instead of waiting for the start."""
    fake_simkl.inject_fault("/scrobble/start", FaultKind.DELAY, delay=3600)
    start = start_action(hass, "scrobble", {"action": "start", "ids": MATRIX, "progress": 10})
    await until_sent(fake_simkl, 1)
    pause = start_action(hass, "scrobble", {"action": "pause", "ids": MATRIX, "progress": 40})
    await let_tasks_start()
    stop = start_action(hass, "scrobble", {"action": "stop", "ids": MATRIX, "progress": 95})
    await let_tasks_start()

    assert stored_writes(hass_storage, init_integration.entry_id) == [
        "scrobble/start",
        "scrobble/stop",
    ]
    assert pause.done()
    assert (await pause)["status"] == "queued"
    while not start.done():  # the held start may reach the fake after a release: again
        fake_simkl.release_delayed()
        await asyncio.sleep(0)
    assert (await start)["status"] == "sent"
    # The stop then waits out Simkl's write lock after the start, and is sent. The clock moves
    # in steps shorter than a write's time-out: the client's clock is frozen too, and one long
    # jump would time out the stop on its way (and leave it waiting for a retry).
    while not stop.done():
        await wait(hass, freezer, timedelta(seconds=1))

    assert (await stop)["status"] == "sent"
    assert [path for path, _ in applied_writes(fake_simkl)] == ["/scrobble/start", "/scrobble/stop"]


@pytest.mark.parametrize(
    ("kind", "status", "possibly_sent"),
    [(FaultKind.RESET, 500, True), (FaultKind.STATUS, 503, False)],
    ids=["no-answer", "server-error"],
)
async def test_a_write_left_without_an_answer_is_kept_as_possibly_sent(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    kind: FaultKind,
    status: int,
    possibly_sent: bool,
) -> None:
    """Simkl may have recorded a write whose answer never came: it stays queued, marked so;
    an answer of any kind means it was not recorded."""
    fake_simkl.inject_fault("/sync/", kind, status=status, method="POST")

    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})

    assert response["status"] == "queued"
    [stored] = hass_storage[f"{DOMAIN}.{init_integration.entry_id}.writes"]["data"]["writes"]
    assert stored["possibly_sent"] is possibly_sent


@pytest.mark.parametrize("how", ["unload", "stop"])
async def test_stop_with_a_write_in_flight_and_two_queued(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    how: str,
) -> None:
    """Nothing is sent after the stop, every caller gets an answer, the unsent writes stay."""
    fake_simkl.inject_fault("/sync/history", FaultKind.DELAY, delay=3600)
    in_flight = start_action(hass, "mark_watched", {"type": "movie", "ids": MATRIX})
    await until_sent(fake_simkl, 1)
    behind = [
        start_action(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7}),
        start_action(hass, "unrate", {"type": "movie", "ids": MATRIX}),
    ]
    await let_tasks_start()

    if how == "unload":
        stopping = hass.async_create_task(
            hass.config_entries.async_unload(init_integration.entry_id)
        )
    else:
        stopping = hass.async_create_task(hass.async_stop())
    await let_tasks_start()
    assert not stopping.done()
    fake_simkl.release_delayed()
    await stopping

    assert (await in_flight)["status"] == "sent"
    assert [(await task)["status"] for task in behind] == ["queued", "queued"]
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/history"]
    assert stored_writes(hass_storage, init_integration.entry_id) == [
        "sync/add_ratings",
        "sync/remove_ratings",
    ]


@pytest.mark.parametrize("then", ["reload", "remove"])
async def test_reload_or_removal_during_a_slow_write(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    then: str,
) -> None:
    """Simkl takes a stop but answers later than the unload waits: the write times out first
    and stays queued, possibly sent.

    On reload the new queue starts after the old one's write ended and sends it again:
    Simkl recorded the stop once, and answers the copy with 409, which counts as done. After
    a removal nothing more is sent and no file comes back.
    """
    entry_id = init_integration.entry_id
    fake_simkl.inject_fault("/scrobble/stop", FaultKind.SLOW_ANSWER, delay=3600)
    action = start_action(hass, "scrobble", {"action": "stop", "ids": MATRIX, "progress": 95})
    await until_sent(fake_simkl, 1)

    if then == "reload":
        changing = hass.async_create_task(hass.config_entries.async_reload(entry_id))
    else:
        changing = hass.async_create_task(hass.config_entries.async_remove(entry_id))
    await let_tasks_start()
    assert not changing.done()
    # Within Home Assistant's 10-second unload wait the write gives up.
    await wait(hass, freezer, WRITE_TIMEOUT)
    await changing
    await hass.async_block_till_done()
    assert (await action)["status"] == "queued"

    fake_simkl.release_delayed()
    await wait(hass, freezer, timedelta(minutes=5))

    library = fake_simkl.library(fake_simkl.users[0])
    assert library.entries[53992].movie_watched_at is not None
    assert [path for path, _ in applied_writes(fake_simkl)] == ["/scrobble/stop"]
    if then == "reload":
        assert [path for path, _ in sent_writes(fake_simkl)] == ["/scrobble/stop"] * 2
        assert stored_writes(hass_storage, entry_id) == []
    else:
        assert [path for path, _ in sent_writes(fake_simkl)] == ["/scrobble/stop"]
        assert f"{DOMAIN}.{entry_id}.writes" not in hass_storage
        assert f"{DOMAIN}.{entry_id}" not in hass_storage


@pytest.mark.parametrize(
    ("kind", "status", "error", "answer"),
    [
        (FaultKind.STATUS, 403, None, "HTTP 403"),
        (FaultKind.HTML, 403, None, "HTTP 403"),
        (FaultKind.HTML, 520, None, None),
        (FaultKind.STATUS, 418, "teapot", "[teapot]"),
        (FaultKind.STATUS, 400, "wrong_parameter", "[wrong_parameter]"),
    ],
    ids=["forbidden", "cloudflare-403", "cloudflare-520", "unknown-4xx", "bad-request"],
)
async def test_refusal_storm_keeps_every_write(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    notifications: list[Notification],
    kind: FaultKind,
    status: int,
    error: str | None,
    answer: str | None,
) -> None:
    """Refusals pause the queue with growing waits; nothing is dropped; one repair issue."""
    events = async_capture_events(hass, EVENT_WRITE_FAILED)
    fake_simkl.inject_fault("/sync/", kind, status=status, error=error, count=None)

    for rating in (6, 7, 8):
        response = await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": rating})
        assert response["status"] == "queued"
    for delay in (5, 10, 20, 40, 80):
        await wait(hass, freezer, timedelta(seconds=delay))

    # Only the head write was tried, once per wait.
    assert [body for _, body in sent_writes(fake_simkl)] == [
        {"movies": [{"ids": MATRIX, "rating": 6, "rated_at": body["movies"][0]["rated_at"]}]}
        for _, body in sent_writes(fake_simkl)
    ]
    assert len(sent_writes(fake_simkl)) == 6
    assert stored_writes(hass_storage, init_integration.entry_id) == ["sync/add_ratings"] * 3
    assert (events, notifications) == ([], [])
    if answer is None:
        # A 5xx page is an outage: waited out without a repair issue.
        assert issues(issue_registry) == []
    else:
        [issue] = issues(issue_registry)
        # Nothing to fix from the dialog: it says what Simkl answered, and goes away by itself.
        assert (issue.translation_key, issue.is_fixable) == ("writes_refused", False)
        assert answer in issue.translation_placeholders["answer"]

    fake_simkl.clear_faults()
    await wait(hass, freezer, timedelta(seconds=160))
    for _ in range(2):
        await wait(hass, freezer, WRITE_LOCK)

    assert [body["movies"][0]["rating"] for _, body in applied_writes(fake_simkl)] == [6, 7, 8]
    assert stored_writes(hass_storage, init_integration.entry_id) == []
    assert issues(issue_registry) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, "id_err"), (400, "empty_field"), (404, "url_failed"), (404, None), (422, "id_err")],
)
async def test_item_rejections_drop_the_write(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    status: int,
    error: str | None,
) -> None:
    """Only an answer about the item drops a write: the caller learns why."""
    fake_simkl.inject_fault("/sync/add-to-list", FaultKind.STATUS, status=status, error=error)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "set_status", {"type": "show", "ids": STRANGER_THINGS, "status": "hold"})

    assert err.value.translation_key == "write_rejected"
    assert stored_writes(hass_storage, init_integration.entry_id) == []
    assert issues(issue_registry) == []


async def test_partial_success_counts_the_found_items(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """Episodes Simkl found are marked and synced; the answer and an event name the others."""
    events = async_capture_events(hass, EVENT_ITEMS_NOT_FOUND)
    response = await call(
        hass,
        "mark_watched",
        {"type": "show", "ids": STRANGER_THINGS, "season": 1, "episodes": [1, 99]},
    )

    assert response["status"] == "sent"
    assert response["added"]["episodes"] == 1
    not_found = response["not_found"]
    assert [entry["episode"]["number"] for entry in not_found["episodes"]] == [99]
    assert len(events) == 1
    assert events[0].data["not_found"]["episodes"] == not_found["episodes"]
    # The library was synced after the write.
    paths = fake_simkl.request_paths()
    assert "GET /sync/activities" in paths[paths.index("POST /sync/history") :]


async def test_every_item_not_found_is_a_rejection(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """When Simkl found nothing, the write is dropped with the not-found message."""
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "rate", {"type": "movie", "title": "No Such Film", "rating": 3})

    assert err.value.translation_key == "write_not_found"
    assert len(sent_writes(fake_simkl)) == 1


@pytest.mark.parametrize("write_lock_seconds", [20])
async def test_superseded_scrobbles_merge_and_the_cap_sets_the_oldest_aside(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    notifications: list[Notification],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Queued starts and pauses of an item give way to its later events; a full queue sets
    its oldest waiting write aside, with a notification."""
    monkeypatch.setattr("custom_components.simkl.write_queue.MAX_QUEUED_WRITES", 3)
    await call(hass, "rate", {"type": "movie", "ids": INCEPTION, "rating": 9})
    for action, progress in (("start", 10), ("pause", 40), ("start", 40), ("stop", 95)):
        await call(hass, "scrobble", {"action": action, "ids": MATRIX, "progress": progress})
    entry_id = init_integration.entry_id
    assert stored_writes(hass_storage, entry_id) == ["scrobble/stop"]

    await call(hass, "unrate", {"type": "movie", "ids": INCEPTION})
    await call(hass, "set_status", {"type": "show", "ids": STRANGER_THINGS, "status": "hold"})
    await call(hass, "mark_watched", {"type": "movie", "ids": INCEPTION})

    assert stored_writes(hass_storage, entry_id) == [
        "sync/remove_ratings",
        "sync/add_to_list",
        "sync/add_to_history",
    ]
    [aside] = set_aside(hass_storage, entry_id)
    assert (aside["reason"], aside["write"]["operation"]) == ("The queue is full", "scrobble/stop")
    assert len(notifications) == 1
    assert "set aside" in notifications[0]["message"]


async def test_a_full_queue_sets_its_oldest_write_aside_for_a_new_one(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """With as many writes waiting as the queue holds, a new one moves the oldest aside."""
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=503, count=None, method="POST")
    waiting = [{**GOOD_WRITE, "id": f"{n:03}"} for n in range(QUEUE_CAP)]
    store_writes(hass_storage, mock_config_entry, {"writes": waiting})
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})

    stored = stored_writes(hass_storage, mock_config_entry.entry_id)
    assert stored == ["sync/add_to_list"] * (QUEUE_CAP - 1) + ["sync/add_ratings"]
    [aside] = set_aside(hass_storage, mock_config_entry.entry_id)
    assert (aside["reason"], aside["write"]["id"]) == ("The queue is full", "000")


async def test_a_poison_write_is_set_aside_and_the_rest_goes_through(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    notifications: list[Notification],
) -> None:
    """A write Simkl keeps refusing stops blocking the ones behind it after N refusals."""
    events = async_capture_events(hass, EVENT_WRITE_FAILED)
    fake_simkl.inject_fault(
        "/sync/ratings", FaultKind.STATUS, status=400, error="wrong_parameter", count=None
    )
    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    await call(hass, "mark_watched", {"type": "movie", "ids": INCEPTION})

    for _ in range(REFUSALS_BEFORE_SET_ASIDE):
        await wait(hass, freezer, timedelta(minutes=10))

    assert [path for path, _ in sent_writes(fake_simkl)] == [
        *["/sync/ratings"] * REFUSALS_BEFORE_SET_ASIDE,
        "/sync/history",
    ]
    assert stored_writes(hass_storage, init_integration.entry_id) == []
    [aside] = set_aside(hass_storage, init_integration.entry_id)
    assert aside["write"]["attempts"] == REFUSALS_BEFORE_SET_ASIDE
    assert len(notifications) == 1
    assert [event.data["set_aside"] for event in events] == [True]


async def test_an_old_write_is_set_aside_at_its_first_refusal(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """A write queued days ago (Simkl down meanwhile) that Simkl then refuses goes aside."""
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=503, count=None)
    await call(hass, "rate", {"type": "movie", "ids": MATRIX, "rating": 7})
    await wait(hass, freezer, REFUSED_AFTER)
    fake_simkl.clear_faults()
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=403, method="POST")
    await wait(hass, freezer, timedelta(minutes=10))

    assert len(set_aside(hass_storage, init_integration.entry_id)) == 1
    assert stored_writes(hass_storage, init_integration.entry_id) == []


@pytest.mark.parametrize(
    ("waiting_for", "set_aside_now"),
    [(REFUSED_AFTER, True), (REFUSED_AFTER - timedelta(seconds=1), False)],
    ids=["old-enough", "a-second-younger"],
)
async def test_a_refusal_sets_aside_a_write_that_has_waited_long_enough(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    waiting_for: timedelta,
    set_aside_now: bool,
) -> None:
    """The age limit counts from when the write was queued to the refusal, inclusive."""
    queued_at = dt_util.utcnow() - waiting_for
    store_writes(
        hass_storage,
        mock_config_entry,
        {"writes": [{**GOOD_WRITE, "queued_at": queued_at.isoformat()}]},
    )
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=403, method="POST")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert len(sent_writes(fake_simkl)) == 1
    assert len(set_aside(hass_storage, mock_config_entry.entry_id)) == (1 if set_aside_now else 0)
    stored = stored_writes(hass_storage, mock_config_entry.entry_id)
    assert stored == ([] if set_aside_now else ["sync/add_to_list"])


@pytest.mark.parametrize(
    ("late", "sent_as"),
    [(timedelta(minutes=14), "/scrobble/stop"), (timedelta(hours=3), "/sync/history")],
)
async def test_a_late_stop_becomes_a_dated_history_entry(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    late: timedelta,
    sent_as: str,
) -> None:
    """A watched stop sent long after it happened keeps the time it happened."""
    fake_simkl.inject_fault("/scrobble/", FaultKind.STATUS, status=503, count=None)
    fake_simkl.inject_fault("/sync/history", FaultKind.STATUS, status=503, count=None)
    stopped_at = dt_util.utcnow()
    await call(
        hass,
        "scrobble",
        {"action": "stop", "type": "show", "ids": STRANGER_THINGS, "season": 1, "episode": 2,
         "progress": 90},
    )  # fmt: skip
    await wait(hass, freezer, late)
    fake_simkl.clear_faults()
    # The retry after the second failure.
    await wait(hass, freezer, timedelta(seconds=10))

    path, body = applied_writes(fake_simkl)[-1]
    assert path == sent_as
    watched_at = fake_simkl.library(fake_simkl.users[0]).entries[548312].watched[1, 2]
    if sent_as == "/sync/history":
        [show] = body["shows"]
        assert show["ids"] == STRANGER_THINGS
        [season] = show["seasons"]
        assert season["number"] == 1
        [episode] = season["episodes"]
        assert episode["number"] == 2
        assert dt_util.parse_datetime(episode["watched_at"]) == stopped_at.replace(microsecond=0)
        assert watched_at == stopped_at.replace(microsecond=0)
    else:
        # Simkl dates a scrobble when it arrives.
        arrived = stopped_at + late + timedelta(seconds=10)
        assert abs((watched_at - arrived).total_seconds()) < 1


@pytest.mark.parametrize(
    ("fault", "headers", "waits"),
    [
        ({"status": 429}, {"Retry-After": "3"}, [3, 3, 3]),
        ({"status": 400, "error": "RATE_LIMIT"}, {"Retry-After": "7"}, [7, 7, 7]),
        ({"status": 429}, {}, [10, 20, 40]),
        ({"status": 400, "error": "RATE_LIMIT"}, {}, [20, 40, 80]),
    ],
    ids=["429-retry-after", "lock-retry-after", "429-growing", "lock-growing"],
)
async def test_rate_limit_waits_honour_retry_after_or_grow(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
    headers: dict[str, str],
    waits: list[int],
) -> None:
    """Refusals in a row wait longer each time, unless Simkl says how long; one warning."""
    fake_simkl.inject_fault(
        "/sync/history", FaultKind.STATUS, count=len(waits), headers=headers, **fault
    )
    with caplog.at_level(logging.DEBUG):
        await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})
        for attempt, delay in enumerate(waits, start=2):
            await wait(hass, freezer, timedelta(seconds=delay - 1))
            assert len(sent_writes(fake_simkl)) == attempt - 1
            await wait(hass, freezer, timedelta(seconds=2))
            assert len(sent_writes(fake_simkl)) == attempt

    assert len(applied_writes(fake_simkl)) == 1
    warnings = [
        r
        for r in caplog.records
        if r.name == "custom_components.simkl" and r.levelno >= logging.WARNING
    ]
    assert len(warnings) == (0 if fault.get("error") == "RATE_LIMIT" else 1)


@pytest.mark.parametrize(
    ("outage_ends_with", "logged"),
    [
        (None, [logging.WARNING, logging.INFO]),
        (404, [logging.WARNING, logging.WARNING, logging.INFO]),
    ],
    ids=["accepted", "rejected"],
)
async def test_one_warning_when_writes_wait_and_one_line_when_simkl_answers(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    outage_ends_with: int | None,
    logged: list[int],
) -> None:
    """An outage logs once when it starts and once when Simkl answers again (taking or
    rejecting the write), not once per retry; the next outage warns again."""
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=503, count=5, method="POST")
    if outage_ends_with is not None:
        fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=outage_ends_with, method="POST")
    await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})
    for delay in (5, 10, 20, 40, 80):
        await wait(hass, freezer, timedelta(seconds=delay))
    assert len(sent_writes(fake_simkl)) == 6

    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=503, method="POST")
    await call(hass, "rate", {"type": "movie", "ids": INCEPTION, "rating": 8})
    await wait(hass, freezer, WRITE_LOCK)
    await wait(hass, freezer, WRITE_LOCK)

    assert len(applied_writes(fake_simkl)) == (1 if outage_ends_with else 2)
    queue_logs = [
        r
        for r in caplog.records
        if r.name == "custom_components.simkl" and r.levelno >= logging.INFO
    ]
    assert [r.levelno for r in queue_logs] == [*logged, logging.WARNING, logging.INFO]
