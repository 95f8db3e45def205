"""Shared fixtures: a fake Simkl server per test and a linked account on it."""

from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any
from unittest.mock import PropertyMock, patch

import aiohttp
from homeassistant.components import persistent_notification
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.simkl.api import SimklClient
from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN, ENV_API_URL
from tests.fake_simkl import FakeSimkl, FakeUser

CLIENT_ID = "test-client-id"
ACCOUNT_ID = 424242


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/."""


@pytest.fixture(autouse=True)
def _local_sockets(socket_enabled: None) -> None:
    """Open sockets before `hass` exists: every test talks to the fake over 127.0.0.1."""


@pytest.fixture(autouse=True)
def fast_client() -> Iterator[None]:
    """Keep the client's pacing and retry backoff from slowing the tests down."""
    fast = partial(
        SimklClient,
        min_get_interval=0.0,
        min_post_interval=0.0,
        retry_base_delay=0.001,
        retry_budget=0.05,
    )
    with patch("custom_components.simkl.helpers.SimklClient", fast):
        yield


@pytest.fixture
async def make_api_client(
    fake_simkl: FakeSimkl,
) -> AsyncIterator[Callable[..., SimklClient]]:
    """Build API clients aimed at the fake, without Home Assistant, on one aiohttp session.

    Pacing and backoff are fast unless a test passes its own values.
    """
    async with aiohttp.ClientSession() as session:

        def make(
            *,
            fake: FakeSimkl = fake_simkl,
            client_id: str = CLIENT_ID,
            access_token: str | None = None,
            **options: Any,
        ) -> SimklClient:
            return SimklClient(
                session,
                client_id,
                access_token=access_token,
                **{
                    "api_url": fake.url,
                    "data_url": fake.url,
                    "min_get_interval": 0.0,
                    "min_post_interval": 0.0,
                    "retry_base_delay": 0.001,
                    "retry_budget": 0.05,
                    **options,
                },
            )

        yield make


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
async def fake_simkl(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSimkl]:
    """Run a fake Simkl on 127.0.0.1 and point the integration at it."""
    fake = FakeSimkl(client_ids=(CLIENT_ID,), write_lock_seconds=0, max_gets_per_second=None)
    await fake.start()
    monkeypatch.setenv(ENV_API_URL, fake.url)
    yield fake
    await fake.stop()


@pytest.fixture
def simkl_user(fake_simkl: FakeSimkl) -> FakeUser:
    """A Simkl account with the demo library."""
    user = fake_simkl.add_user(name="alice", account_id=ACCOUNT_ID)
    fake_simkl.seed_demo_library(user)
    return user


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
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


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
