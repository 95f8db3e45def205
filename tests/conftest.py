"""Shared fixtures: a fake Simkl server per test and a linked account on it."""

from collections.abc import AsyncIterator, Iterator
from functools import partial
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.simkl.api import SimklClient
from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN, ENV_API_URL
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import HomeAssistant
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
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Store snapshots the way Home Assistant core does."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


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
