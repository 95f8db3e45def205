"""A linked account on the fake Simkl, driven by a frozen clock: shared by the sync tests."""

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.const import STATE_UNAVAILABLE, Platform
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.simkl.const import DOMAIN
from tests.conftest import ACCOUNT_ID
from tests.fake_simkl import CatalogItem, FakeSimkl, FakeUser, SeasonPlan
from tests.fake_simkl.library import MOVIE_STATUSES, STATUSES, iso

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er

    from custom_components.simkl.coordinator import SimklLibraryCoordinator

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
    def coordinator(self) -> SimklLibraryCoordinator:
        """Return the library's coordinator."""
        return self.entry.runtime_data.library

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

    def delta_from(self, kind: str) -> dict[str, str]:
        """Return the parameters of the list delta asked for after the type's stamp now:
        from a second before it, so that changes within that second are not missed."""
        since = self.fake.library(self.user).activities.sections[kind]["all"]
        assert since is not None
        return {"date_from": iso(since - timedelta(seconds=1)), **NEXT}

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


def forget_type(fake: FakeSimkl, user: FakeUser, kind: str) -> None:
    """Make the account one that never had a title of the catalogue kind `kind`."""
    library = fake.library(user)
    for simkl_id in [key for key, entry in library.entries.items() if entry.item.kind == kind]:
        del library.entries[simkl_id]
    for playback_id in [key for key, p in library.playbacks.items() if p.item.kind == kind]:
        del library.playbacks[playback_id]
    library.activities.sections[kind] = dict.fromkeys(library.activities.sections[kind])
