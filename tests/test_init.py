"""Setting up, unloading and removing a linked account."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN
from tests.conftest import ACCOUNT_ID, setup_integration
from tests.fake_simkl import FakeSimkl, FakeUser, FaultKind

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant


def _store_key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}"


async def test_setup(init_integration: MockConfigEntry) -> None:
    """A linked account is set up with its synced library."""
    assert init_integration.state is ConfigEntryState.LOADED
    library = init_integration.runtime_data.library.current
    assert library.account.account_id == ACCOUNT_ID
    assert library.items


async def test_unload_stops_everything(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """After unloading, nothing polls Simkl any more, and the library is stored."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert _store_key(init_integration) in hass_storage

    fake_simkl.clear_requests()
    freezer.tick(timedelta(hours=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert fake_simkl.requests == []


async def test_setup_retried_on_connection_error(
    hass: HomeAssistant, fake_simkl: FakeSimkl, mock_config_entry: MockConfigEntry
) -> None:
    """Simkl out of reach at start-up: Home Assistant retries later."""
    fake_simkl.inject_fault("/", FaultKind.RESET, count=1000)
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_revoked_token_starts_reauth(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    access_token: str,
) -> None:
    """A token Simkl refuses fails the setup and asks the user to link again."""
    fake_simkl.revoke_token(access_token)
    await setup_integration(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [
        (flow["step_id"], flow["context"]["source"], flow["context"]["entry_id"]) for flow in flows
    ] == [("reauth_confirm", SOURCE_REAUTH, mock_config_entry.entry_id)]


async def test_refused_app_is_retried_and_explained(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    access_token: str,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Simkl's 412 (a wrong client id, or the app over its request limit) is retried like
    an outage, explained in a repair issue, and cleared once Simkl answers again; it never
    asks to link the account again."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="alice",
        unique_id=str(ACCOUNT_ID),
        data={CONF_CLIENT_ID: "deleted-app", CONF_ACCESS_TOKEN: access_token},
    )
    await setup_integration(hass, entry)

    assert entry.state is ConfigEntryState.SETUP_RETRY
    issue = issue_registry.async_get_issue(DOMAIN, f"request_refused_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "request_refused"
    assert issue.translation_placeholders == {
        "account": "alice",
        "developer_url": "https://simkl.com/settings/developer",
        "hours": "1",
    }
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

    fake_simkl.client_ids.add("deleted-app")  # the app's limit cleared
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, f"request_refused_{entry.entry_id}") is None


async def test_removal_deletes_the_stored_library(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """The library of a removed account is deleted, even when a save was still pending."""
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _store_key(init_integration) not in hass_storage

    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _store_key(init_integration) not in hass_storage
