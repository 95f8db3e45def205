"""Library sync around start and stop: quiet polls, a 429 right after a start, removal."""

import asyncio
from datetime import timedelta
import logging
from typing import Any

from homeassistant.const import Platform
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.simkl.const import DOMAIN
from custom_components.simkl.storage import CACHE_SAVE_DELAY
from tests.conftest import let_tasks_start
from tests.fake_simkl import FaultKind
from tests.sync_account import POLL, SEVERANCE, Account, account, frozen_time, synced

__all__ = ["account", "frozen_time", "synced"]  # fixtures


def _activity_polls(account: Account) -> int:
    return sum(request.path == "/sync/activities" for request in account.fake.requests)


async def _restart(account: Account) -> None:
    """Stop and start Home Assistant: setup uses the stored library, the sync follows."""
    await account.unload()
    await account.setup()


async def _first_link(account: Account) -> None:
    """Let the first scheduled poll after the account was linked come."""
    account.freezer.tick(POLL)
    async_fire_time_changed(account.hass)
    await account.hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("no_client_retries")
@pytest.mark.parametrize("start", [_first_link, _restart], ids=["after linking", "after restart"])
@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        pytest.param({}, 10, id="suggested wait"),
        pytest.param({"Retry-After": "120"}, 120, id="Retry-After"),
        pytest.param({"Retry-After": "3600"}, 15 * 60, id="Retry-After past the interval"),
    ],
)
async def test_429_on_the_first_poll_after_start(
    account: Account,
    caplog: pytest.LogCaptureFixture,
    start: Any,
    headers: dict[str, str],
    wait: int,
) -> None:
    """A 429 on the first poll after a start (the first sync of a restart with the stored
    library included) waits Simkl's `Retry-After` (or 10 seconds), never longer than the
    polling interval, then polls again; it logs no traceback."""
    await account.setup()
    account.fake.inject_fault(
        "/sync/activities", FaultKind.STATUS, status=429, headers=headers, count=1
    )
    await start(account)
    polls = _activity_polls(account)

    await account.poll(timedelta(seconds=wait - 1))
    assert _activity_polls(account) == polls
    await account.poll(timedelta(seconds=2))
    assert _activity_polls(account) == polls + 1
    account.assert_synced()
    tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
    assert not tracebacks


def _reported(account: Account) -> dict[str, Any]:
    """Return when each sensor's state was last written."""
    return {
        registered.entity_id: state.last_reported
        for registered in account.entity_registry.entities.values()
        if registered.platform == DOMAIN and registered.domain == Platform.SENSOR
        if (state := account.hass.states.get(registered.entity_id)) is not None
    }


async def test_a_poll_that_finds_nothing_new_writes_nothing(
    synced: Account, hass_storage: dict[str, Any]
) -> None:
    """When nothing moved on Simkl, a poll neither writes the stored library again nor
    the sensors' states (no wear on the disk, no rows in the recorder)."""
    await synced.poll(CACHE_SAVE_DELAY)  # the first sync's save
    del hass_storage[synced.store_key]
    reported = _reported(synced)
    assert reported

    await synced.poll()
    await synced.poll(CACHE_SAVE_DELAY)

    assert synced.store_key not in hass_storage
    assert _reported(synced) == reported


async def _until_requested(account: Account, path: str) -> None:
    """Let the event loop run until the fake was asked for `path`."""
    while not any(request.path == path for request in account.fake.requests):  # noqa: ASYNC110 - the fake offers no event to await
        await asyncio.sleep(0)


async def test_a_sync_running_at_removal_writes_no_library_back(
    synced: Account, hass_storage: dict[str, Any]
) -> None:
    """The first sync after a restart, still waiting for Simkl when the account is
    removed, does not write the library again once Simkl answers: the removed account
    leaves no file behind."""
    await synced.unload()
    synced.fake.watch_episodes(synced.user, SEVERANCE, 3, [3])  # something to save
    synced.fake.clear_requests()
    synced.fake.inject_fault("/sync/activities", FaultKind.DELAY, delay=3600)
    # Set up without waiting for the first sync, which waits for Simkl.
    assert await synced.hass.config_entries.async_setup(synced.entry.entry_id)
    await _until_requested(synced, "/sync/activities")

    removing = synced.hass.async_create_task(
        synced.hass.config_entries.async_remove(synced.entry.entry_id)
    )
    await let_tasks_start()
    synced.fake.release_delayed()
    await removing
    await synced.poll(CACHE_SAVE_DELAY)

    assert synced.store_key not in hass_storage


_UNREAD = {"show": None}
_WITHOUT_SIMKL_ID = {"show": {"title": "No id", "ids": {"imdb": "tt0000001"}}, "status": "watching"}


@pytest.mark.usefixtures("no_client_retries")
@pytest.mark.parametrize(
    "entries",
    [
        pytest.param([_UNREAD, {"status": "watching"}], id="unreadable"),
        pytest.param([_WITHOUT_SIMKL_ID, _WITHOUT_SIMKL_ID], id="without a Simkl id"),
        pytest.param([_UNREAD, _WITHOUT_SIMKL_ID], id="one of each"),
    ],
)
async def test_unreadable_entries_are_named_in_the_log(
    synced: Account, caplog: pytest.LogCaptureFixture, entries: list[Any]
) -> None:
    """A delta with entries that cannot be read or have no Simkl id fails the poll with a
    line that counts them, without a traceback; the library keeps what it had."""
    synced.fake.watch_episodes(synced.user, SEVERANCE, 3, [3])
    before = synced.coordinator.current.items
    body = {"shows": entries}
    synced.fake.inject_fault("/sync/all-items/shows", FaultKind.BODY, body=body, count=1)
    caplog.set_level(logging.ERROR)

    await synced.poll()

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.exc_info for record in errors] == [None]
    assert "Simkl sent 2 unreadable entries of shows" in errors[0].getMessage()
    assert synced.coordinator.current.items == before
