"""Linking accounts: the PIN flow, reauthentication, reconfiguration and options.

The flow runs against the fake Simkl over HTTP. Where a code is polled, the clock is frozen
and the tests move it by the poll interval (`PinClock.tick`).
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.simkl.const import (
    CONF_CALENDAR_LISTS,
    CONF_CALENDAR_MOVIES,
    CONF_CLIENT_ID,
    CONF_LISTS,
    CONF_MEDIA_PLAYERS,
    CONF_MEDIA_TYPES,
    CONF_MIN_DURATION,
    CONF_SCAN_INTERVAL,
    CONF_UPCOMING_DAYS,
    DOMAIN,
)
from tests.conftest import ACCOUNT_ID, CLIENT_ID
from tests.fake_simkl import FakeSimkl, FakeUser, FaultKind

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

PIN_INTERVAL = 5
PIN_EXPIRES_IN = 900
OTHER_CLIENT_ID = "other-client-id"
OTHER_ACCOUNT_ID = 777
SIMKL_DEVELOPER_PAGE = "https://simkl.com/settings/developer/"

# The PIN is polled on a frozen clock, where the client's retry backoff would never end.
pytestmark = pytest.mark.usefixtures("no_client_retries")


@dataclass
class PinClock:
    """Moves the frozen clock so that the flow polls, and approves codes on the fake."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    fake: FakeSimkl

    async def tick(self, seconds: float = PIN_INTERVAL) -> None:
        """Move the clock; the flow polls the code when its interval is over."""
        self.freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done()

    def polls(self, result: ConfigFlowResult) -> int:
        """Return how often Simkl was asked about the code the flow shows."""
        code = result["description_placeholders"]["code"]
        return self.fake.request_paths().count(f"GET /oauth/pin/{code}")

    async def approve(self, result: ConfigFlowResult, user: FakeUser) -> ConfigFlowResult:
        """Approve the shown code on Simkl and return what the flow does next."""
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        self.fake.approve_pin(result["description_placeholders"]["code"], user)
        await self.tick()
        return await self.hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.fixture
def pin(hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_simkl: FakeSimkl) -> PinClock:
    """Drive the PIN polling with the frozen clock."""
    return PinClock(hass, freezer, fake_simkl)


@pytest.fixture
def other_user(fake_simkl: FakeSimkl) -> FakeUser:
    """A second Simkl account."""
    return fake_simkl.add_user(name="bob", account_id=OTHER_ACCOUNT_ID)


@pytest.fixture
def other_app(fake_simkl: FakeSimkl) -> str:
    """The client id of a second app registered at Simkl."""
    fake_simkl.client_ids.add(OTHER_CLIENT_ID)
    return OTHER_CLIENT_ID


@pytest.fixture
def entry_of_deleted_app(simkl_user: FakeUser, access_token: str) -> MockConfigEntry:
    """An entry whose client id Simkl no longer accepts."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=simkl_user.name,
        unique_id=str(ACCOUNT_ID),
        data={CONF_CLIENT_ID: "deleted-app", CONF_ACCESS_TOKEN: access_token},
    )


async def _start(hass: HomeAssistant) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})


async def _submit(
    hass: HomeAssistant, result: ConfigFlowResult, client_id: str = CLIENT_ID
) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: client_id}
    )


async def _configure(hass: HomeAssistant, result: ConfigFlowResult) -> ConfigFlowResult:
    """Go on, as the frontend does after a progress step or on submitting an empty form."""
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {} if result["type"] is FlowResultType.FORM else None
    )


def _in_progress(hass: HomeAssistant, result: ConfigFlowResult) -> list[str]:
    """Return the step the flow waits in, or nothing once it ended."""
    return [
        flow["step_id"]
        for flow in hass.config_entries.flow.async_progress()
        if flow["flow_id"] == result["flow_id"]
    ]


def _suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """Return the values a form is pre-filled with."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def test_link_account(hass: HomeAssistant, pin: PinClock, simkl_user: FakeUser) -> None:
    """The code stays pending until approved; then the account is linked and set up."""
    result = await _start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await _submit(hass, result)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "link"
    assert result["progress_action"] == "wait_for_pin"
    placeholders = result["description_placeholders"]
    assert placeholders["code"] in pin.fake.pending_pins
    assert placeholders["url"] == "https://simkl.com/pin"
    assert placeholders["minutes"] == "15"

    await pin.tick()
    assert pin.polls(result) == 1
    assert _in_progress(hass, result) == ["link"]
    shown_again = await _configure(hass, result)
    assert shown_again["type"] is FlowResultType.SHOW_PROGRESS
    assert shown_again["description_placeholders"] == placeholders

    result = await pin.approve(result, simkl_user)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "alice"
    entry = result["result"]
    assert entry.unique_id == str(ACCOUNT_ID)
    assert entry.data[CONF_CLIENT_ID] == CLIENT_ID
    assert entry.data[CONF_ACCESS_TOKEN]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.library.current.account.name == "alice"


@pytest.mark.usefixtures("simkl_user")
async def test_slow_down_stretches_the_interval(hass: HomeAssistant, pin: PinClock) -> None:
    """After Simkl asks to slow down, the next poll waits five seconds longer."""
    result = await _submit(hass, await _start(hass))
    pin.fake.inject_fault(
        "/oauth/pin/", FaultKind.STATUS, status=200, body={"result": "KO", "message": "Slow down"}
    )
    await pin.tick()
    assert pin.polls(result) == 1

    await pin.tick()
    assert pin.polls(result) == 1
    await pin.tick()
    assert pin.polls(result) == 2


async def test_expired_code_then_new_code(
    hass: HomeAssistant, pin: PinClock, simkl_user: FakeUser
) -> None:
    """An expired code is replaced by a new one without starting over."""
    first = await _submit(hass, await _start(hass))

    await pin.tick(PIN_EXPIRES_IN)
    result = await _configure(hass, first)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin_expired"
    assert result["errors"] == {}

    result = await _configure(hass, result)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    code = result["description_placeholders"]["code"]
    assert code != first["description_placeholders"]["code"]
    assert code in pin.fake.pending_pins

    result = await pin.approve(result, simkl_user)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "alice"


@pytest.mark.usefixtures("simkl_user")
async def test_new_code_after_a_connection_error(hass: HomeAssistant, pin: PinClock) -> None:
    """When no new code can be had, the expired form says why and can be submitted again."""
    result = await _submit(hass, await _start(hass))
    await pin.tick(PIN_EXPIRES_IN)
    result = await _configure(hass, result)
    assert result["step_id"] == "pin_expired"

    pin.fake.inject_fault("/oauth/pin", FaultKind.STATUS, status=503)
    result = await _configure(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin_expired"
    assert result["errors"] == {"base": "cannot_connect"}

    result = await _configure(hass, result)
    assert result["type"] is FlowResultType.SHOW_PROGRESS


async def test_network_errors_while_polling_then_recovery(
    hass: HomeAssistant, pin: PinClock, simkl_user: FakeUser
) -> None:
    """Failed polls do not end the flow; the next successful one links the account."""
    result = await _submit(hass, await _start(hass))
    pin.fake.inject_fault("/oauth/pin/", FaultKind.MALFORMED)
    pin.fake.inject_fault("/oauth/pin/", FaultKind.STATUS, status=503)

    await pin.tick()
    await pin.tick()
    assert pin.polls(result) == 2
    assert _in_progress(hass, result) == ["link"]

    result = await pin.approve(result, simkl_user)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("simkl_user")
async def test_network_errors_until_the_code_expires(hass: HomeAssistant, pin: PinClock) -> None:
    """Without a single answer, polling stops when the code's lifetime is over."""
    result = await _submit(hass, await _start(hass))
    pin.fake.inject_fault("/oauth/pin/", FaultKind.RESET, count=None)

    await pin.tick(PIN_EXPIRES_IN)
    result = await _configure(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin_expired"


@pytest.mark.usefixtures("simkl_user")
async def test_invalid_client_id_then_fixed(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Simkl's 412 is shown on the form, which accepts a corrected client id."""
    result = await _submit(hass, await _start(hass), "not-registered")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "invalid_client_id"}
    assert _suggested(result) == {CONF_CLIENT_ID: "not-registered"}
    # The form links to where client ids come from (the strings themselves hold no URLs).
    assert result["description_placeholders"] == {"developer_url": SIMKL_DEVELOPER_PAGE}

    result = await _submit(hass, result, f"  {CLIENT_ID} ")
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["description_placeholders"]["code"] in fake_simkl.pending_pins


@pytest.mark.usefixtures("simkl_user")
async def test_cannot_connect_then_fixed(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """A connection problem is shown on the form; submitting again retries."""
    fake_simkl.inject_fault("/oauth/pin", FaultKind.STATUS, status=503)
    result = await _submit(hass, await _start(hass))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    result = await _submit(hass, result)
    assert result["type"] is FlowResultType.SHOW_PROGRESS


async def test_account_unreadable_after_approval(
    hass: HomeAssistant, pin: PinClock, simkl_user: FakeUser
) -> None:
    """If the approved account cannot be read, the flow ends with a clear reason."""
    result = await _submit(hass, await _start(hass))
    pin.fake.inject_fault("/users/settings", FaultKind.STATUS, status=500)

    result = await pin.approve(result, simkl_user)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_duplicate_account(
    hass: HomeAssistant, pin: PinClock, simkl_user: FakeUser, init_integration: MockConfigEntry
) -> None:
    """The stored client id is reused; the same account cannot be linked twice."""
    result = await _start(hass)
    assert result["type"] is FlowResultType.SHOW_PROGRESS

    result = await pin.approve(result, simkl_user)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert hass.config_entries.async_entries(DOMAIN) == [init_integration]


@pytest.mark.usefixtures("init_integration")
async def test_two_accounts_side_by_side(
    hass: HomeAssistant, pin: PinClock, other_user: FakeUser
) -> None:
    """A second account gets its own entry, and both work."""
    result = await pin.approve(await _start(hass), other_user)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "bob"
    await hass.async_block_till_done()

    entries = hass.config_entries.async_entries(DOMAIN)
    assert sorted(entry.unique_id or "" for entry in entries) == sorted(
        [str(ACCOUNT_ID), str(OTHER_ACCOUNT_ID)]
    )
    for entry in entries:
        assert entry.data[CONF_CLIENT_ID] == CLIENT_ID
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data.library.current.account.name == entry.title


async def test_stored_client_id_rejected(
    hass: HomeAssistant, entry_of_deleted_app: MockConfigEntry
) -> None:
    """When Simkl no longer accepts the stored client id, the form asks for another one."""
    entry_of_deleted_app.add_to_hass(hass)

    result = await _start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "invalid_client_id"}

    result = await _submit(hass, result)
    assert result["type"] is FlowResultType.SHOW_PROGRESS


@pytest.mark.usefixtures("simkl_user")
async def test_closing_the_dialog_stops_polling(hass: HomeAssistant, pin: PinClock) -> None:
    """Aborting the flow mid-way leaves nothing polling Simkl."""
    result = await _submit(hass, await _start(hass))
    await pin.tick()
    assert pin.polls(result) == 1

    hass.config_entries.flow.async_abort(result["flow_id"])
    for _ in range(3):
        await pin.tick()
    assert pin.polls(result) == 1
    assert not hass.config_entries.flow.async_progress()
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_reauth_same_account(
    hass: HomeAssistant, pin: PinClock, simkl_user: FakeUser, init_integration: MockConfigEntry
) -> None:
    """Reauthentication stores the new token and reloads the entry."""
    revoked = init_integration.data[CONF_ACCESS_TOKEN]
    pin.fake.revoke_token(revoked)
    result = await init_integration.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {"name": "alice"}

    result = await pin.approve(await _configure(hass, result), simkl_user)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()

    assert init_integration.data[CONF_ACCESS_TOKEN] != revoked
    assert init_integration.data[CONF_CLIENT_ID] == CLIENT_ID
    assert init_integration.state is ConfigEntryState.LOADED


async def test_reauth_with_rejected_client_id(
    hass: HomeAssistant, entry_of_deleted_app: MockConfigEntry
) -> None:
    """Reauthentication lets the user correct a client id Simkl no longer accepts."""
    entry_of_deleted_app.add_to_hass(hass)
    result = await entry_of_deleted_app.start_reauth_flow(hass)
    result = await _configure(hass, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "invalid_client_id"}
    assert _suggested(result) == {CONF_CLIENT_ID: "deleted-app"}

    result = await _submit(hass, result)
    assert result["type"] is FlowResultType.SHOW_PROGRESS


async def test_reconfigure_new_client_id(
    hass: HomeAssistant,
    pin: PinClock,
    simkl_user: FakeUser,
    other_app: str,
    init_integration: MockConfigEntry,
) -> None:
    """Reconfigure checks the new client id, links again and keeps the entry."""
    old_token = init_integration.data[CONF_ACCESS_TOKEN]
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert _suggested(result) == {CONF_CLIENT_ID: CLIENT_ID}
    assert result["description_placeholders"] == {"developer_url": SIMKL_DEVELOPER_PAGE}

    result = await _submit(hass, result, "not-registered")
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_client_id"}

    result = await pin.approve(await _submit(hass, result, other_app), simkl_user)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert init_integration.data[CONF_CLIENT_ID] == other_app
    assert init_integration.data[CONF_ACCESS_TOKEN] != old_token
    assert init_integration.state is ConfigEntryState.LOADED


async def _reauth_code(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    return await _configure(hass, await entry.start_reauth_flow(hass))


async def _reconfigure_code(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    return await _submit(hass, await entry.start_reconfigure_flow(hass))


@pytest.mark.parametrize(
    "show_code",
    [pytest.param(_reauth_code, id="reauth"), pytest.param(_reconfigure_code, id="reconfigure")],
)
async def test_relink_other_account(
    hass: HomeAssistant,
    pin: PinClock,
    other_user: FakeUser,
    init_integration: MockConfigEntry,
    show_code: Callable[[HomeAssistant, MockConfigEntry], Awaitable[ConfigFlowResult]],
) -> None:
    """A code approved by another account does not take over the entry."""
    before = dict(init_integration.data)
    result = await pin.approve(await show_code(hass, init_integration), other_user)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert dict(init_integration.data) == before


OPTIONS: dict[str, Any] = {
    CONF_SCAN_INTERVAL: 30,
    CONF_MEDIA_TYPES: ["shows", "anime"],
    CONF_LISTS: ["watching", "plantowatch"],
    CONF_CALENDAR_LISTS: ["watching", "hold"],
    CONF_CALENDAR_MOVIES: False,
    CONF_UPCOMING_DAYS: 14,
    CONF_MEDIA_PLAYERS: ["media_player.living_room"],
    CONF_MIN_DURATION: 20,
}


async def test_options_saved_and_reloaded(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Saved options reload the entry, which then polls at the new interval."""
    coordinator = init_integration.runtime_data.library
    assert coordinator.update_interval == timedelta(minutes=15)

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(result["flow_id"], OPTIONS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert init_integration.options == OPTIONS
    assert init_integration.state is ConfigEntryState.LOADED
    reloaded = init_integration.runtime_data.library
    assert reloaded is not coordinator
    assert reloaded.update_interval == timedelta(minutes=30)

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert _suggested(result) == OPTIONS


async def test_options_defaults(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Options left out get the documented defaults."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_SCAN_INTERVAL: 15,
        CONF_MEDIA_TYPES: ["shows", "anime", "movies"],
        CONF_LISTS: ["watching", "plantowatch", "hold", "dropped", "completed"],
        CONF_CALENDAR_LISTS: ["watching", "plantowatch"],
        CONF_CALENDAR_MOVIES: True,
        CONF_UPCOMING_DAYS: 7,
        CONF_MEDIA_PLAYERS: [],
        CONF_MIN_DURATION: 10,
    }


@pytest.mark.parametrize(
    "invalid",
    [
        {CONF_SCAN_INTERVAL: 4},
        {CONF_UPCOMING_DAYS: 0},
        {CONF_UPCOMING_DAYS: 61},
        {CONF_MEDIA_TYPES: ["podcasts"]},
        {CONF_CALENDAR_LISTS: ["dropped"]},
        {CONF_MEDIA_PLAYERS: ["light.kitchen"]},
        {CONF_MIN_DURATION: 0},
        {CONF_MIN_DURATION: 121},
    ],
)
async def test_options_rejected(
    hass: HomeAssistant, init_integration: MockConfigEntry, invalid: dict[str, Any]
) -> None:
    """Values outside the allowed ranges and choices are refused."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(result["flow_id"], {**OPTIONS, **invalid})
    assert init_integration.options == {}
