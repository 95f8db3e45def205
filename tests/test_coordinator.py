"""Library sync: the requests Simkl sees, the stored copy, failures, and states that follow."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
import logging
from typing import TYPE_CHECKING, Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.simkl.api import client as client_module
from custom_components.simkl.const import DOMAIN
from custom_components.simkl.library_store import (
    LIBRARY_SAVE_DELAY,
    LIBRARY_STORAGE_VERSION,
    entry_from_row,
)
from tests.conftest import ACCOUNT_ID, client_settings
from tests.fake_simkl import CatalogItem, FakeSimkl, FakeUser, FaultKind, SeasonPlan
from tests.fake_simkl.state import MOVIE_STATUSES, STATUSES, iso

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er

    from custom_components.simkl.coordinator import SimklDataUpdateCoordinator

POLL = timedelta(minutes=15, seconds=1)
# Sent with every request to identify the application; not part of what a call asks for.
IDENTITY_PARAMS = frozenset({"client_id", "app-name", "app-version"})
NEXT = {"next_watch_info": "yes"}
FIRST_SYNC = [
    ("POST /users/settings", {}),
    ("GET /sync/activities", {}),
    ("GET /sync/all-items/shows", NEXT),
    ("GET /sync/all-items/anime", NEXT),
    ("GET /sync/all-items/movies", NEXT),
    ("GET /sync/playback", {}),
]
ACTIVITIES = ("GET /sync/activities", {})
SECTIONS = {"tv": "shows", "anime": "anime", "movie": "movies"}

STORED_HEADER = {
    "account": {"account_id": ACCOUNT_ID, "name": "alice"},
    "activities": None,
    "playback": [],
}

SEVERANCE = 1186633
SLOW_HORSES = 1184213
THE_BEAR = 1830167
ANDOR = 1046349
INCEPTION = 475479
INTERSTELLAR = 465519
NEW_SHOW = 9_000_001

type Requests = list[tuple[str, dict[str, str]]]


@dataclass
class Account:
    """The linked account in Home Assistant and on the fake Simkl, with a clock to poll."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    entity_registry: er.EntityRegistry
    fake: FakeSimkl
    entry: MockConfigEntry

    @property
    def user(self) -> FakeUser:
        """Return the account on the fake."""
        return self.fake.users[0]

    @property
    def coordinator(self) -> SimklDataUpdateCoordinator:
        """Return the library's coordinator."""
        return self.entry.runtime_data.coordinator

    @property
    def store_key(self) -> str:
        """Return the key of the stored library."""
        return f"{DOMAIN}.{self.entry.entry_id}"

    async def setup(self) -> None:
        """Set the account up (again, after an unload)."""
        if self.hass.config_entries.async_get_entry(self.entry.entry_id) is None:
            self.entry.add_to_hass(self.hass)
        await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def unload(self) -> None:
        """Unload the account, as stopping Home Assistant does."""
        assert await self.hass.config_entries.async_unload(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def poll(self, after: timedelta = POLL) -> None:
        """Let time pass (by default the polling interval) and the updates run."""
        self.freezer.tick(after)
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    def requests(self) -> Requests:
        """Return the library's requests (not the calendar files') with their parameters."""
        return [
            (
                f"{request.method} {request.path}",
                {key: value for key, value in request.query.items() if key not in IDENTITY_PARAMS},
            )
            for request in self.fake.requests
            if not request.path.startswith("/calendar/")
        ]

    def activities_at(self, kind: str, key: str = "all") -> str | None:
        """Return an activity timestamp of the fake, as a `date_from` parameter."""
        return iso(self.fake.library(self.user).activities.sections[kind][key])

    def states(self) -> dict[str, str]:
        """Return the states of the account's sensors by key (time watched rounded)."""
        prefix = f"{ACCOUNT_ID}_"
        states = {}
        for registered in self.entity_registry.entities.values():
            if registered.platform != DOMAIN or registered.domain != Platform.SENSOR:
                continue
            if registered.unique_id == f"{prefix}upcoming":
                continue  # from the calendar files, see test_upcoming.py
            if (state := self.hass.states.get(registered.entity_id)) is not None:
                states[registered.unique_id.removeprefix(prefix)] = state.state
        if states.get("time_watched", STATE_UNAVAILABLE) != STATE_UNAVAILABLE:
            states["time_watched"] = f"{float(states['time_watched']):.2f}"
        return states

    def expected_states(self) -> dict[str, str]:
        """Return the sensor states the fake's library calls for, by sensor key."""
        now = self.fake.now()
        library = self.fake.library(self.user)
        entries = list(library.entries.values())
        shows = [entry for entry in entries if not entry.item.is_movie]
        movies_seen = [
            entry for entry in entries if entry.item.is_movie and entry.status == "completed"
        ]
        counts = {
            f"{SECTIONS[kind]}_{status}": sum(
                entry.item.kind == kind and entry.status == status for entry in entries
            )
            for kind in SECTIONS
            for status in (MOVIE_STATUSES if kind == "movie" else STATUSES)
        }
        counts["next_to_watch"] = sum(
            entry.status == "watching" and entry.next_to_watch(now) is not None for entry in shows
        )
        counts["paused_playback"] = len(library.playbacks)
        counts["episodes_watched"] = sum(len(entry.watched) for entry in shows)
        counts["movies_watched"] = len(movies_seen)
        minutes = sum(len(entry.watched) * entry.item.runtime for entry in shows)
        minutes += sum(entry.item.runtime for entry in movies_seen)
        last = max(
            (entry.last_watched_at for entry in entries if entry.last_watched_at), default=None
        )
        return {key: str(value) for key, value in counts.items()} | {
            "last_watched": last.isoformat() if last else "unknown",
            "time_watched": f"{minutes / 60:.2f}",
        }

    def assert_synced(self) -> None:
        """Check that the sensors (those enabled) show what the fake's library holds."""
        states = self.states()
        assert states
        expected = self.expected_states()
        assert states == {key: value for key, value in expected.items() if key in states}


@pytest.fixture(autouse=True)
def frozen_time(freezer: FrozenDateTimeFactory) -> None:
    """Run on a fixed clock, so polls happen when the test lets time pass."""
    freezer.move_to("2026-10-15T18:00:00+00:00")


@pytest.fixture
def account(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
) -> Account:
    """The account, not set up yet."""
    return Account(hass, freezer, entity_registry, fake_simkl, mock_config_entry)


@pytest.fixture
async def synced(account: Account) -> Account:
    """The account, set up and synced."""
    await account.setup()
    return account


def add_show(fake: FakeSimkl, user: FakeUser) -> None:
    """File a show that was not in the library in plan to watch."""
    fake.catalog.add(
        CatalogItem(
            simkl_id=NEW_SHOW,
            kind="tv",
            title="A New Show",
            year=2026,
            seasons=(SeasonPlan(1, 8, fake.now() - timedelta(days=30)),),
        )
    )
    fake.set_status(user, NEW_SHOW, "plantowatch")


async def test_first_sync_reads_the_whole_library_once(synced: Account) -> None:
    """Linking an account reads the settings, the activities, each library type and the
    paused sessions, one after the other."""
    assert synced.requests() == FIRST_SYNC
    synced.assert_synced()


async def test_unchanged_library_costs_one_request_per_poll(synced: Account) -> None:
    """While nothing changes on Simkl, each poll is a single activities request."""
    states = synced.states()
    synced.fake.clear_requests()

    for _ in range(4):
        await synced.poll()

    assert synced.requests() == [ACTIVITIES] * 4
    assert synced.states() == states


type Change = Callable[[Account], Requests]


def _added(account: Account) -> Requests:
    since = account.activities_at("tv")
    add_show(account.fake, account.user)
    return [("GET /sync/all-items/shows", {"date_from": since, **NEXT})]


def _watched(account: Account) -> Requests:
    since = account.activities_at("tv")
    account.fake.watch_episodes(account.user, SEVERANCE, 3, [3])
    return [("GET /sync/all-items/shows", {"date_from": since, **NEXT})]


def _movie_watched(account: Account) -> Requests:
    since = account.activities_at("movie")
    account.fake.watch_movie(account.user, INTERSTELLAR)
    return [("GET /sync/all-items/movies", {"date_from": since, **NEXT})]


def _moved(account: Account) -> Requests:
    since = account.activities_at("tv")
    account.fake.set_status(account.user, THE_BEAR, "watching")
    return [("GET /sync/all-items/shows", {"date_from": since, **NEXT})]


def _rated(account: Account) -> Requests:
    since = account.activities_at("tv", "rated_at")
    account.fake.rate(account.user, THE_BEAR, 7)
    return [("GET /sync/ratings/shows", {"date_from": since})]


def _unrated(account: Account) -> Requests:
    since = account.activities_at("movie", "rated_at")
    account.fake.unrate(account.user, INCEPTION)
    # Nothing rated since: a rating went, found in the full list.
    return [("GET /sync/ratings/movies", {"date_from": since}), ("GET /sync/ratings/movies", {})]


def _removed(account: Account) -> Requests:
    account.fake.remove_item(account.user, ANDOR)
    return [("GET /sync/all-items/shows", {"extended": "simkl_ids_only"})]


def _removed_with_playback(account: Account) -> Requests:
    account.fake.remove_item(account.user, SEVERANCE)
    return [
        ("GET /sync/all-items/shows", {"extended": "simkl_ids_only"}),
        ("GET /sync/playback", {}),
    ]


def _paused(account: Account) -> Requests:
    account.fake.add_playback(account.user, SLOW_HORSES, 61.5, season=6, episode=2)
    return [("GET /sync/playback", {})]


def _settings(account: Account) -> Requests:
    account.fake.set_settings(account.user, name="alice b.")
    return [("POST /users/settings", {})]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_added, id="show added"),
        pytest.param(_watched, id="episode watched"),
        pytest.param(_movie_watched, id="movie watched"),
        pytest.param(_moved, id="moved to another list"),
        pytest.param(_rated, id="rated"),
        pytest.param(_unrated, id="rating removed"),
        pytest.param(_removed, id="removed"),
        pytest.param(_removed_with_playback, id="removed with its paused session"),
        pytest.param(_paused, id="playback paused"),
        pytest.param(_settings, id="settings changed"),
    ],
)
async def test_a_change_costs_exactly_its_delta(synced: Account, change: Change) -> None:
    """After a change on Simkl the next poll asks for that change only, and every sensor
    then matches Simkl's library."""
    synced.fake.clear_requests()
    delta = change(synced)

    await synced.poll()

    assert synced.requests() == [ACTIVITIES, *delta]
    assert synced.states() == synced.expected_states()

    synced.fake.clear_requests()
    await synced.poll()
    assert synced.requests() == [ACTIVITIES]


async def test_first_title_of_a_type_is_read_in_full(account: Account) -> None:
    """An account that never had a movie: its first movie is read with the whole (short)
    movie list, rating included, as Simkl has no earlier timestamp to ask from."""
    library = account.fake.library(account.user)
    for simkl_id in [key for key, entry in library.entries.items() if entry.item.is_movie]:
        del library.entries[simkl_id]
    library.playbacks.clear()
    library.activities.sections["movie"] = dict.fromkeys(library.activities.sections["movie"])
    await account.setup()
    account.fake.clear_requests()

    account.fake.watch_movie(account.user, INTERSTELLAR)
    account.fake.rate(account.user, INTERSTELLAR, 9)
    await account.poll()

    assert account.requests() == [ACTIVITIES, ("GET /sync/all-items/movies", NEXT)]
    account.assert_synced()
    assert account.coordinator.library.items[INTERSTELLAR].user_rating == 9


async def test_library_follows_every_change(synced: Account) -> None:
    """Several changes in one poll all land in the synced library, item by item."""
    fake, user = synced.fake, synced.user
    add_show(fake, user)
    fake.rate(user, NEW_SHOW, 6)
    fake.unrate(user, INCEPTION)
    fake.set_status(user, THE_BEAR, "dropped")
    fake.set_settings(user, name="alice b.")
    await synced.poll()

    library = synced.coordinator.library
    assert library.items[NEW_SHOW].title == "A New Show"
    assert library.account.name == "alice b."
    assert {
        simkl_id: (entry.status, entry.user_rating) for simkl_id, entry in library.items.items()
    } == {
        simkl_id: (entry.status, entry.rating)
        for simkl_id, entry in fake.library(user).entries.items()
    }
    synced.assert_synced()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_watched, id="episode watched"),
        pytest.param(_added, id="show added"),
        pytest.param(_removed, id="removed"),
        pytest.param(_rated, id="rated"),
    ],
)
async def test_restart_with_stored_library_costs_one_request(
    synced: Account, hass_storage: dict[str, Any], change: Change
) -> None:
    """The library is stored with each change; set up again, the sensors have their states
    after a single activities request."""
    change(synced)
    await synced.poll()
    states = synced.states()
    await synced.poll(LIBRARY_SAVE_DELAY)  # the delayed save
    assert hass_storage[synced.store_key]["version"] == LIBRARY_STORAGE_VERSION

    await synced.unload()
    synced.fake.clear_requests()
    await synced.setup()

    assert synced.entry.state is ConfigEntryState.LOADED
    assert synced.requests() == [ACTIVITIES]
    assert synced.states() == states


async def test_changes_are_written_at_most_once_a_minute(
    synced: Account, hass_storage: dict[str, Any]
) -> None:
    """However often the library changes, its stored copy is written a minute after the
    last change at the earliest, and then holds every change."""
    await synced.poll(LIBRARY_SAVE_DELAY)
    written = hass_storage[synced.store_key]["data"]["items"]

    for episode in (3, 4, 5):
        synced.fake.watch_episodes(synced.user, SEVERANCE, 3, [episode])
        await synced.poll(timedelta(seconds=20))
        await synced.coordinator.async_refresh()  # as after an action
        assert hass_storage[synced.store_key]["data"]["items"] == written

    await synced.poll(LIBRARY_SAVE_DELAY - timedelta(seconds=1))
    assert hass_storage[synced.store_key]["data"]["items"] == written
    await synced.poll(timedelta(seconds=2))
    stored = hass_storage[synced.store_key]["data"]["items"]
    assert stored != written
    assert (
        entry_from_row(
            next(line for line in stored.splitlines() if line.startswith(f"[{SEVERANCE},"))
        )
        == synced.coordinator.library.items[SEVERANCE]
    )


def _version_1(stored: dict[str, Any]) -> dict[str, Any]:
    """Return a stored library in the shape version 1 wrote: each title an object."""
    titles = []
    for line in stored["items"].splitlines():
        entry = entry_from_row(line)
        titles.append(
            {
                item.name: value.isoformat() if isinstance(value, datetime) else value
                for item in fields(entry)
                if (value := getattr(entry, item.name)) is not None or item.name == "status"
            }
        )
    return {**stored, "items": titles}


async def test_version_1_store_is_migrated(synced: Account, hass_storage: dict[str, Any]) -> None:
    """A library stored by the previous version is read as it was and rewritten in the
    compact shape; the restart still costs one request."""
    await synced.poll(LIBRARY_SAVE_DELAY)
    states = synced.states()
    await synced.unload()
    current = hass_storage[synced.store_key]
    hass_storage[synced.store_key] = {**current, "version": 1, "data": _version_1(current["data"])}
    synced.fake.clear_requests()

    await synced.setup()

    assert synced.requests() == [ACTIVITIES]
    assert synced.states() == states
    migrated = hass_storage[synced.store_key]
    assert migrated["version"] == LIBRARY_STORAGE_VERSION
    assert sorted(migrated["data"]["items"].splitlines()) == sorted(
        current["data"]["items"].splitlines()
    )


async def test_change_while_stopped_is_synced_as_a_delta(
    synced: Account, hass_storage: dict[str, Any]
) -> None:
    """What changed on Simkl while Home Assistant was stopped is fetched as a delta."""
    await synced.poll(LIBRARY_SAVE_DELAY)  # the delayed save
    assert synced.store_key in hass_storage
    await synced.unload()
    since = synced.activities_at("tv")
    synced.fake.watch_episodes(synced.user, SLOW_HORSES, 6, [2])
    synced.fake.clear_requests()

    await synced.setup()

    assert synced.requests() == [
        ACTIVITIES,
        ("GET /sync/all-items/shows", {"date_from": since, **NEXT}),
    ]
    synced.assert_synced()


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(
            {"version": LIBRARY_STORAGE_VERSION, "data": {"items": "?"}}, id="unknown format"
        ),
        pytest.param({"version": LIBRARY_STORAGE_VERSION, "data": []}, id="not an object"),
        pytest.param(
            {
                "version": LIBRARY_STORAGE_VERSION,
                "data": {**STORED_HEADER, "items": '[1, 0, 0, "A title"]\n{"simkl_id": 2}'},
            },
            id="a malformed title",
        ),
        pytest.param(
            {"version": LIBRARY_STORAGE_VERSION, "data": {**STORED_HEADER, "items": []}},
            id="titles not in one text",
        ),
        pytest.param(
            {"version": 1, "data": {"account": {"account_id": ACCOUNT_ID}}},
            id="version 1, malformed",
        ),
        pytest.param({"version": 0, "data": {**STORED_HEADER, "items": []}}, id="version 0"),
        pytest.param({"version": LIBRARY_STORAGE_VERSION + 1, "data": {}}, id="newer version"),
        pytest.param(
            {
                "version": LIBRARY_STORAGE_VERSION,
                "data": {
                    "account": {"account_id": 1, "name": "someone else"},
                    "activities": None,
                    "items": "",
                    "playback": [],
                },
            },
            id="another account",
        ),
    ],
)
async def test_unusable_store_is_discarded(
    account: Account, hass_storage: dict[str, Any], stored: dict[str, Any]
) -> None:
    """A stored library that cannot be used is dropped and the library synced again."""
    hass_storage[account.store_key] = {"key": account.store_key, **stored}

    await account.setup()

    assert account.entry.state is ConfigEntryState.LOADED
    assert account.requests() == FIRST_SYNC
    account.assert_synced()


@pytest.mark.usefixtures("no_client_retries")
async def test_unavailable_while_simkl_fails(
    account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    """Failing polls make the sensors unavailable, logged once; they come back after."""
    await account.setup()
    states = account.states()
    caplog.set_level(logging.INFO, logger="custom_components.simkl")
    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=503, count=None)

    await account.poll()
    await account.poll()

    assert set(account.states().values()) == {STATE_UNAVAILABLE}
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "HTTP 503" in failures[0].getMessage()

    account.fake.clear_faults()
    await account.poll()
    await account.poll()

    assert account.states() == states
    assert sum("recovered" in record.getMessage() for record in caplog.records) == 1


async def test_revoked_token_asks_to_link_again(synced: Account, access_token: str) -> None:
    """A token revoked on Simkl makes the sensors unavailable and starts a reauth flow."""
    synced.fake.revoke_token(access_token)
    await synced.poll()

    assert set(synced.states().values()) == {STATE_UNAVAILABLE}
    flows = synced.entry.async_get_active_flows(synced.hass, {SOURCE_REAUTH})
    assert [flow["context"]["entry_id"] for flow in flows] == [synced.entry.entry_id]


def _activity_checks(account: Account) -> list[datetime]:
    return [request.time for request in account.fake.requests if request.path == "/sync/activities"]


@pytest.mark.usefixtures("no_client_retries")
async def test_rate_limit_backs_off(account: Account) -> None:
    """A 429 retries after the suggested wait, doubled for each 429 in a row, and the
    normal interval resumes after a success."""
    await account.setup()
    states = account.states()
    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=429, count=None)
    await account.poll()
    assert set(account.states().values()) == {STATE_UNAVAILABLE}

    # Simkl sends no Retry-After; the client suggests 10 seconds.
    checks = _activity_checks(account)
    await account.poll(timedelta(seconds=11))
    assert len(_activity_checks(account)) == len(checks) + 1

    checks = _activity_checks(account)
    await account.poll(timedelta(seconds=11))
    assert _activity_checks(account) == checks  # now 20 seconds
    await account.poll(timedelta(seconds=10))
    assert len(_activity_checks(account)) == len(checks) + 1

    account.fake.clear_faults()
    await account.poll(timedelta(seconds=41))
    assert account.states() == states

    account.fake.clear_requests()
    await account.poll(timedelta(minutes=14))
    assert account.requests() == []
    await account.poll(timedelta(minutes=1, seconds=1))
    assert account.requests() == [ACTIVITIES]


async def test_rate_limited_setup_is_left_to_setup_retries(account: Account) -> None:
    """A 429 at start-up holds the setup up for a few seconds of client retries only; then
    Home Assistant sets the account up again later."""
    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=429, count=None)
    with (
        client_settings(min_get_interval=0.0, min_post_interval=0.0),
        patch.object(client_module, "asyncio", wraps=asyncio) as client_clock,
    ):
        client_clock.sleep = AsyncMock()
        await account.setup()

    assert account.entry.state is ConfigEntryState.SETUP_RETRY
    assert [call.args[0] for call in client_clock.sleep.await_args_list] == [1.0, 2.0]
    assert account.requests() == [("POST /users/settings", {}), *[ACTIVITIES] * 3]
