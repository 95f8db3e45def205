"""The first link and the start of an entry: Simkl's limits kept, writes accepted at all times."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    ConfigEntryDisabler,
    ConfigEntryState,
)
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN
from tests.conftest import CLIENT_ID, sent_writes
from tests.fake_simkl import FakeSimkl, FakeUser, FaultKind
from tests.write_helpers import MATRIX, applied_writes, call, stored_writes, wait

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant


@pytest.mark.usefixtures("no_client_retries")
async def test_link_costs_one_settings_call_and_loads_at_once(
    hass: HomeAssistant, fake_simkl: FakeSimkl, freezer: FrozenDateTimeFactory, simkl_user: FakeUser
) -> None:
    """The entry takes the account the flow read: one POST /users/settings, no setup retry,
    even with Simkl holding the app to 1 POST a second."""
    fake_simkl.max_posts_per_second = 1
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID}
    )
    fake_simkl.approve_pin(result["description_placeholders"]["code"], simkl_user)
    await wait(hass, freezer, timedelta(seconds=5))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert fake_simkl.request_paths().count("POST /users/settings") == 1
    assert entry.runtime_data.library.current.account.name == "alice"
    assert "GET /sync/activities" in fake_simkl.request_paths()


async def _first_setup_then_stop(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the account up once (storing its library), then unload it."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("no_platforms", "no_client_retries")
async def test_writes_queue_while_simkl_is_down_at_start(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """No stored library and Simkl down: the entry retries setup, the action still queues,
    and the write is delivered once Simkl is back."""
    fake_simkl.inject_fault("/", FaultKind.STATUS, status=503, count=None)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY

    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})

    assert response["status"] == "queued"
    assert stored_writes(hass_storage, mock_config_entry.entry_id) == ["sync/add_to_history"]
    fake_simkl.clear_faults()
    for _ in range(3):
        await wait(hass, freezer, timedelta(minutes=1))
    assert [path for path, _ in applied_writes(fake_simkl)] == ["/sync/history"]
    # The entry's own setup retry, which runs as a background task.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert stored_writes(hass_storage, mock_config_entry.entry_id) == []


@pytest.mark.usefixtures("no_platforms", "no_client_retries")
async def test_a_write_taken_while_the_entry_retries_setup_is_sent_once(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """Simkl's reads fail at start but its writes work: the action's write goes through at
    once, while the entry waits to retry its setup, and is not sent again."""
    fake_simkl.inject_fault("/", FaultKind.STATUS, status=503, count=None, method="GET")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY

    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})

    assert response["status"] == "sent"
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/sync/history"]
    assert stored_writes(hass_storage, mock_config_entry.entry_id) == []


@pytest.mark.parametrize("stored_library", [True, False])
@pytest.mark.usefixtures("no_platforms", "no_client_retries")
async def test_writes_queue_while_the_token_is_revoked(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    access_token: str,
    stored_library: bool,
) -> None:
    """A token revoked before the start: re-linking is asked for, and writes wait for it."""
    if stored_library:
        await _first_setup_then_stop(hass, mock_config_entry)
    else:
        mock_config_entry.add_to_hass(hass)
    fake_simkl.revoke_token(access_token)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    expected = ConfigEntryState.LOADED if stored_library else ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.state is expected
    assert len(list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1
    response = await call(hass, "mark_watched", {"type": "movie", "ids": MATRIX})
    assert response["status"] == "queued"
    assert stored_writes(hass_storage, mock_config_entry.entry_id) == ["sync/add_to_history"]
    assert applied_writes(fake_simkl) == []

    # Linking again gives a new token: the queue sends with it, once.
    fresh = fake_simkl.issue_token(fake_simkl.users[0])
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_ACCESS_TOKEN: fresh}
    )
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert [path for path, _ in applied_writes(fake_simkl)] == ["/sync/history"]
    assert stored_writes(hass_storage, mock_config_entry.entry_id) == []


@pytest.mark.parametrize("blackholed", ["/sync/", "/calendar/"])
async def test_with_a_stored_library_setup_does_not_wait_for_simkl(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    blackholed: str,
) -> None:
    """Setup ends with the stored state shown while the sync and the calendar still wait."""
    await _first_setup_then_stop(hass, mock_config_entry)
    fake_simkl.inject_fault(blackholed, FaultKind.DELAY, delay=3600, count=None)

    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.alice_movies_completed") is not None
    fake_simkl.clear_faults()
    fake_simkl.release_delayed()
    await hass.async_block_till_done()


async def _disabled(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    await hass.config_entries.async_set_disabled_by(entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    return entry.entry_id


async def _failed_migration(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    unmigrated = MockConfigEntry(domain=DOMAIN, title="bob", unique_id="777", data=entry.data)
    unmigrated.add_to_hass(hass)
    unmigrated.mock_state(hass, ConfigEntryState.MIGRATION_ERROR)
    return unmigrated.entry_id


async def _another_integration(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    other = MockConfigEntry(domain="hue", title="hue")
    other.add_to_hass(hass)
    return other.entry_id


# Accounts that take no writes, and the message of Home Assistant's that says why.
UNUSABLE_ACCOUNTS = {
    "disabled": (_disabled, "service_config_entry_not_loaded"),
    "failed-migration": (_failed_migration, "service_config_entry_not_loaded"),
    "another-integration": (_another_integration, "service_config_entry_wrong_domain"),
}


@pytest.mark.parametrize(
    ("make_unusable", "message"), UNUSABLE_ACCOUNTS.values(), ids=UNUSABLE_ACCOUNTS
)
async def test_an_unusable_account_takes_no_writes(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    make_unusable: Callable[[HomeAssistant, MockConfigEntry], Awaitable[str]],
    message: str,
) -> None:
    """Writes need an enabled Simkl account whose data can be used; Home Assistant's own
    message says what is wrong."""
    entry_id = await make_unusable(hass, init_integration)

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "mark_watched", {"type": "movie", "ids": MATRIX, "config_entry_id": entry_id}
        )
    assert err.value.translation_key == message
    assert sent_writes(fake_simkl) == []
