"""Every endpoint family against every fault Simkl (or the network) can produce.

For each pair the fake answers the family's requests with the fault for an hour (seven for
the calendar files, which are checked every six hours) while the account changes on Simkl,
then answers normally again. The integration must not raise, log a traceback or loop; it
shows as unavailable only what it cannot trust, asks to link the account again only for a
401 to a request that carried the token, loses no write, and ends with Simkl's library.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN
from custom_components.simkl.storage import AccountStore
from tests.conftest import CALENDAR_ENTITY_ID, CLIENT_ID, client_settings, no_time
from tests.fake_simkl import FaultKind
from tests.sync_account import SEVERANCE, SLOW_HORSES, THE_BEAR, Account, account, frozen_time

__all__ = ["account", "frozen_time"]  # fixtures

DUNE_PART_TWO = 2020815
THE_MATRIX = 53992
STEP = timedelta(minutes=5)
# The client's own wait for an answer; the fake holds "timeout" answers longer.
REQUEST_TIMEOUT = 0.5
# Polls allowed in an hour of faults: every 15 minutes, or after 429s 10 s, 20 s, 40 s ...
# up to the 15 minutes, i.e. at most 7 + 4 in an hour; each poll asks a family at most
# twice (a delta and a diff), with one attempt each (no client retries on a frozen clock).
REQUESTS_PER_HOUR = 2 * (7 + 4 + 1)
WRITE_FAILED_EVENT = "simkl_write_failed"


@dataclass(frozen=True, slots=True)
class Fault:
    """What the fake answers instead of the real thing."""

    kind: FaultKind
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    @property
    def refuses_the_token(self) -> bool:
        """A 401: Simkl says the token is no good."""
        return self.kind is FaultKind.STATUS and self.status == 401


FAULTS: dict[str, Fault] = {
    **{str(status): Fault(FaultKind.STATUS, status) for status in (401, 403, 404, 409, 412)},
    "429": Fault(FaultKind.STATUS, 429),
    "429 Retry-After": Fault(FaultKind.STATUS, 429, {"Retry-After": "120"}),
    **{str(status): Fault(FaultKind.STATUS, status) for status in (500, 502, 503)},
    "timeout": Fault(FaultKind.DELAY),
    "connection reset": Fault(FaultKind.RESET),
    "malformed JSON": Fault(FaultKind.MALFORMED),
    "empty body": Fault(FaultKind.EMPTY),
}
# Bodies of the wrong shape, per family: what each endpoint answers is either an object or
# a list, so "a list for an object" is an object for the list endpoints.
WRONG_SHAPES = ("a list for an object", "a string for a number", "null fields")


@dataclass(frozen=True, slots=True)
class Family:
    """A group of endpoints, how to make the integration call them, and what it shows."""

    prefix: str
    method: str
    call: Callable[[Account], Awaitable[None]]
    shapes: tuple[Any, Any, Any]
    library: bool = False
    """The library sensors show its data."""
    token: bool = True
    """The request carries the access token."""
    write: int | None = None
    """The movie a write of this family marks as watched."""
    hours: int = 1


async def _change_settings(account: Account) -> None:
    account.fake.set_settings(account.user, name="alice b.")


async def _watch(account: Account) -> None:
    account.fake.watch_episodes(account.user, SEVERANCE, 3, [3])


async def _pause(account: Account) -> None:
    account.fake.add_playback(account.user, SLOW_HORSES, 61.5, season=6, episode=2)


async def _rate(account: Account) -> None:
    account.fake.rate(account.user, THE_BEAR, 7)


async def _new_calendar(account: Account) -> None:
    account.fake.touch_calendar()


async def _action(account: Account, action: str, data: dict[str, Any]) -> None:
    """Call an action; a failure must be a translated error, never anything else."""
    outcome = await asyncio.gather(
        account.hass.services.async_call(DOMAIN, action, data, blocking=True, return_response=True),
        return_exceptions=True,
    )
    if isinstance(outcome[0], BaseException):
        assert isinstance(outcome[0], HomeAssistantError)
        assert outcome[0].translation_key is not None


async def _scrobble(account: Account) -> None:
    await _action(
        account,
        "scrobble",
        {"action": "stop", "type": "movie", "ids": {"simkl": DUNE_PART_TWO}, "progress": 95},
    )


async def _mark_watched(account: Account) -> None:
    await _action(account, "mark_watched", {"type": "movie", "ids": {"simkl": THE_MATRIX}})


async def _search(account: Account) -> None:
    await _action(account, "search", {"query": "Inception", "type": "movie"})


async def _link(account: Account) -> None:
    """Start linking another account: the PIN code is asked for."""
    result = await account.hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await account.hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID}
    )
    assert result["type"] in {"form", "progress", "abort"}


_LIST_SHAPES = ({"code": 1}, [{"id": "one", "progress": "half"}], [{"id": None, "show": None}])
FAMILIES: dict[str, Family] = {
    "PIN": Family(
        "/oauth/pin", "GET", _link, ([], {"user_code": 5}, {"user_code": None}), token=False
    ),
    "settings": Family(
        "/users/settings",
        "POST",
        _change_settings,
        ([], {"account": {"id": "alice"}}, {"user": None, "account": None}),
        library=True,
    ),
    "activities": Family(
        "/sync/activities",
        "GET",
        _watch,
        ([{"all": "2026-10-15T18:00:00Z"}], {"all": 1}, {"all": None, "tv_shows": None}),
        library=True,
    ),
    "all-items": Family(
        "/sync/all-items",
        "GET",
        _watch,
        ([["shows"]], "1186633", {"shows": [{"show": None, "status": None}]}),
        library=True,
    ),
    "playback": Family("/sync/playback", "GET", _pause, _LIST_SHAPES, library=True),
    "ratings": Family(
        "/sync/ratings",
        "GET",
        _rate,
        ([["shows"]], {"shows": [{"show": {"ids": {"simkl": "x"}}}]}, {"shows": [None]}),
        library=True,
    ),
    "calendar files": Family(
        "/calendar/", "GET", _new_calendar, _LIST_SHAPES, token=False, hours=7
    ),
    "scrobble": Family(
        "/scrobble/",
        "POST",
        _scrobble,
        ([], {"id": "x", "progress": "much"}, {"id": None, "movie": None}),
        write=DUNE_PART_TWO,
    ),
    "history": Family(
        "/sync/history",
        "POST",
        _mark_watched,
        ([], {"added": {"movies": "one"}}, {"added": None, "not_found": None}),
        write=THE_MATRIX,
    ),
    "search": Family("/search/", "GET", _search, _LIST_SHAPES),
}


def _cases() -> list[Any]:
    cases = []
    for family_name, family in FAMILIES.items():
        faults = dict(FAULTS)
        for shape, body in zip(WRONG_SHAPES, family.shapes, strict=True):
            faults[shape] = Fault(FaultKind.BODY, body=body)
        cases.extend(
            pytest.param(family, fault, id=f"{family_name}: {fault_name}")
            for fault_name, fault in faults.items()
        )
    return cases


async def _settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Run what is due. A request timing out waits on the clock, which only moves when the
    test moves it, so the clock moves a second whenever nothing else can progress."""
    done = asyncio.ensure_future(hass.async_block_till_done(wait_background_tasks=True))
    while not done.done():
        for _ in range(500):
            await asyncio.sleep(0)  # sockets are served while the clock stands
            if done.done():
                break
        else:
            freezer.tick(timedelta(seconds=1))
    await done


async def _run(account: Account, duration: timedelta) -> None:
    passed = timedelta()
    while passed < duration:
        account.freezer.tick(STEP)
        passed += STEP
        async_fire_time_changed(account.hass)
        await _settle(account.hass, account.freezer)


def _library_of_simkl(account: Account) -> dict[str, Any]:
    library = account.fake.library(account.user)
    return {
        "name": account.user.name,
        "items": {sid: (e.status, e.rating) for sid, e in library.entries.items()},
        "playback": {playback.id for playback in library.playbacks.values()},
    }


def _library_in_home_assistant(account: Account) -> dict[str, Any]:
    library = account.coordinator.current
    return {
        "name": library.account.name,
        "items": {sid: (e.status.value, e.user_rating) for sid, e in library.items.items()},
        "playback": set(library.playback),
    }


def _problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.simkl") and record.levelno >= logging.WARNING
    ]


def _assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert "Traceback" not in record.getMessage()


@pytest.fixture
def matrix_client() -> Any:
    """No client retries (they would sleep on the frozen clock) and a short timeout."""
    with client_settings(
        min_get_interval=0.0,
        min_post_interval=0.0,
        retry_budget=0.0,
        request_timeout=REQUEST_TIMEOUT,
        clock=no_time,
    ):
        yield


@pytest.mark.usefixtures("matrix_client")
@pytest.mark.parametrize(("family", "fault"), _cases())
async def test_fault(
    account: Account,
    caplog: pytest.LogCaptureFixture,
    hass_storage: dict[str, Any],
    family: Family,
    fault: Fault,
) -> None:
    """The integration rides out the fault and recovers by itself (see the module)."""
    hass, fake, entry_id = account.hass, account.fake, account.entry.entry_id
    await account.setup()
    failed_writes: list[Event] = []
    hass.bus.async_listen(WRITE_FAILED_EVENT, failed_writes.append)
    caplog.clear()
    caplog.set_level(logging.INFO)
    fake.clear_requests()

    fake.inject_fault(
        family.prefix,
        fault.kind,
        count=None,
        status=fault.status,
        headers=fault.headers,
        body=fault.body,
        delay=10 * REQUEST_TIMEOUT,
        method=family.method,
    )
    call = hass.async_create_task(family.call(account))
    await _settle(hass, account.freezer)
    await call
    await _run(account, timedelta(hours=family.hours))

    # Never a loop: the family was asked a bounded number of times.
    asked = [r for r in fake.requests if r.path.startswith(family.prefix)]
    assert len(asked) <= REQUESTS_PER_HOUR * family.hours
    # Unavailable only what shows untrusted data; the stored calendar stays shown.
    if not family.library:
        assert STATE_UNAVAILABLE not in account.states().values()
    assert hass.states.get(CALENDAR_ENTITY_ID).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    # A 401 asks to link the account again only when the request carried the token.
    reauth = list(account.entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert bool(reauth) is (fault.refuses_the_token and family.token)
    # One line when it starts (a write: one more when it is dropped or set aside), no traceback.
    started = _problems(caplog)
    assert len(started) <= (1 if family.write is None else 2)
    _assert_no_traceback(caplog)

    fake.clear_faults()
    caplog.clear()
    if reauth:
        # Polling stops until the account is linked again, which reloads it; with the
        # stored library the reload's first sync runs in the background.
        await hass.config_entries.async_reload(account.entry.entry_id)
        await _settle(hass, account.freezer)
    await _run(account, timedelta(minutes=35))
    if family.call is _link:
        await _link(account)

    # Recovered by itself, with Simkl's library; no write lost.
    assert _library_in_home_assistant(account) == _library_of_simkl(account)
    account.assert_synced()
    assert hass.states.get(CALENDAR_ENTITY_ID).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    if family.write is not None:
        entry = fake.library(account.user).entries.get(family.write)
        watched = entry is not None and entry.movie_watched_at is not None
        reported = [event.data for event in failed_writes]
        stored_writes = hass_storage.get(AccountStore.WRITES.key(entry_id))
        queued = str(family.write) in json.dumps(stored_writes)
        # A 200 with an odd body is Simkl's word that it took the write.
        taken = fault.kind is FaultKind.BODY and any(r.method == "POST" for r in asked)
        assert watched or reported or queued or taken
    # One line when it recovers.
    assert not _problems(caplog)
    recovered = [r for r in caplog.records if r.getMessage().endswith("recovered")]
    assert len(recovered) == (1 if family.library and started and not reauth else 0)
    _assert_no_traceback(caplog)
