"""Shared fixtures: a fake Simkl server per test and a linked account on it."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.const import CONF_ACCESS_TOKEN, Platform
from homeassistant.core import HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.simkl import helpers
from custom_components.simkl.api import SimklClient
from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN

# The account on the fake is the one of the API client's tests.
from tests.api.conftest import ACCOUNT_ID, CLIENT_ID, add_demo_user, no_time
from tests.fake_simkl import FakeSimkl, FakeUser

CALENDAR_ENTITY_ID = "calendar.alice_releases"
BOB_ACCOUNT_ID = ACCOUNT_ID + 1


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture(autouse=True)
def _local_sockets(socket_enabled: None) -> None:
    """Open sockets before `hass` exists: every test talks to the fake over 127.0.0.1."""


def client_settings(**settings: Any) -> AbstractContextManager[object]:
    """Build the integration's API clients with `settings` instead of the ones it picks."""

    def build(*args: Any, **kwargs: Any) -> SimklClient:
        return SimklClient(*args, **(kwargs | settings))

    return patch("custom_components.simkl.helpers.SimklClient", build)


@pytest.fixture(autouse=True)
def fast_client() -> Iterator[None]:
    """Keep the client's pacing and retry backoff from slowing the tests down."""
    with client_settings(
        min_get_interval=0.0,
        min_post_interval=0.0,
        retry_base_delay=0.001,
        retry_budget=0.05,
        clock=no_time,
    ):
        yield


@pytest.fixture
def no_client_retries() -> Iterator[None]:
    """Let failed requests fail at once: the client's retries would sleep on a frozen clock."""
    with client_settings(min_get_interval=0.0, min_post_interval=0.0, retry_budget=0.0):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Store snapshots the way Home Assistant core does."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create the entities that start disabled as enabled (as core's fixture does)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def write_lock_seconds() -> float:
    """How long the fake locks a user's writes after each write: off unless a test needs it."""
    return 0


@pytest.fixture
async def fake_simkl(
    monkeypatch: pytest.MonkeyPatch, write_lock_seconds: float
) -> AsyncIterator[FakeSimkl]:
    """Run a fake Simkl on 127.0.0.1 and point the integration at it.

    Images keep Simkl's host, so snapshots show the URLs users see.
    """
    fake = FakeSimkl(
        client_ids=(CLIENT_ID,), write_lock_seconds=write_lock_seconds, max_gets_per_second=None
    )
    await fake.start()
    monkeypatch.setattr(
        helpers, "SIMKL_HOSTS", helpers.SimklHosts(api_url=fake.url, data_url=fake.url)
    )
    yield fake
    await fake.stop()


@pytest.fixture
def simkl_user(fake_simkl: FakeSimkl) -> FakeUser:
    """A Simkl account with the demo library."""
    return add_demo_user(fake_simkl)


@pytest.fixture
def access_token(fake_simkl: FakeSimkl, simkl_user: FakeUser) -> str:
    """A token the fake accepts for the account."""
    return fake_simkl.issue_token(simkl_user)


@pytest.fixture
def mock_config_entry(simkl_user: FakeUser, access_token: str) -> MockConfigEntry:
    """A config entry linked to the account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="alice",
        unique_id=str(ACCOUNT_ID),
        data={CONF_CLIENT_ID: CLIENT_ID, CONF_ACCESS_TOKEN: access_token},
        options={},
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, fake_simkl: FakeSimkl, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the account up in Home Assistant, synced with the fake."""
    await setup_integration(hass, mock_config_entry)
    return mock_config_entry


async def setup_integration(
    hass: HomeAssistant, entry: MockConfigEntry, options: dict[str, Any] | None = None
) -> None:
    """Set an account up in Home Assistant, with `options` when given."""
    entry.add_to_hass(hass)
    if options is not None:
        hass.config_entries.async_update_entry(entry, options=options)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def second_account(fake: FakeSimkl) -> tuple[FakeUser, MockConfigEntry]:
    """A second Simkl account, bob, and a config entry linked to it (not set up yet)."""
    bob = fake.add_user(name="bob", account_id=BOB_ACCOUNT_ID)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="bob",
        unique_id=str(BOB_ACCOUNT_ID),
        data={CONF_CLIENT_ID: CLIENT_ID, CONF_ACCESS_TOKEN: fake.issue_token(bob)},
        options={},
    )
    return bob, entry


async def add_second_account(hass: HomeAssistant, fake: FakeSimkl) -> MockConfigEntry:
    """Link a second account, bob, and set it up."""
    _, entry = second_account(fake)
    await setup_integration(hass, entry)
    return entry


async def let_tasks_start(turns: int = 10) -> None:
    """Give the event loop a few turns, so that the tasks just started reach their first wait
    (a request to the fake, a lock) before the test goes on."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def advance_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory, to: datetime) -> None:
    """Move the clock to `to` and run everything due by then."""
    freezer.move_to(to)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def calendar_in_los_angeles(hass: HomeAssistant) -> AsyncIterator[None]:
    """Set accounts up with their calendar alone, with Home Assistant in Los Angeles."""
    await hass.config.async_set_time_zone("America/Los_Angeles")
    with patch("custom_components.simkl.PLATFORMS", [Platform.CALENDAR]):
        yield


async def calendar_events(hass: HomeAssistant, **window: Any) -> list[dict[str, Any]]:
    """The account calendar's events in a window, as `calendar.get_events` returns them."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": CALENDAR_ENTITY_ID, **window},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[CALENDAR_ENTITY_ID]["events"]  # type: ignore[index,assignment]
    return events


def calendar_requests(fake: FakeSimkl) -> list[str]:
    """The calendar files the fake was asked for, in order."""
    return [path for path in fake.request_paths() if " /calendar/" in path]


@pytest.fixture
async def notifications(hass: HomeAssistant) -> list[persistent_notification.Notification]:
    """Every persistent notification created or updated during the test, in order."""
    shown: list[persistent_notification.Notification] = []

    @callback
    def record(
        update_type: persistent_notification.UpdateType,
        changed: dict[str, persistent_notification.Notification],
    ) -> None:
        if update_type is not persistent_notification.UpdateType.REMOVED:
            shown.extend(changed.values())

    persistent_notification.async_register_callback(hass, record)
    return shown


@pytest.fixture
def no_platforms() -> Iterator[None]:
    """Set the account up without entities, for tests of the actions and the write queue."""
    with patch("custom_components.simkl.PLATFORMS", []):
        yield


def sent_writes(fake: FakeSimkl) -> list[tuple[str, Any]]:
    """The writes Simkl received (accepted or not): endpoint and body."""
    return [
        (request.path, request.json)
        for request in fake.requests
        if request.method == "POST" and request.path.startswith(("/scrobble/", "/sync/"))
    ]
