"""Links a Simkl account with a PIN code, and sets what the integration shows.

Simkl's PIN flow is a device-code flow: the integration asks for a code, the user types it
at simkl.com/pin, and the integration polls the code until Simkl hands out the token. No
redirect URL and no copied token are involved.
"""

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_ACCESS_TOKEN, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.util import dt as dt_util
import probatio

from .api import (
    ListStatus,
    MediaType,
    PinAuthorized,
    PinCode,
    PinExpired,
    PinPending,
    SimklClient,
    SimklError,
    SimklInvalidClientError,
)
from .const import (
    CALENDAR_LIST_CHOICES,
    CONF_CALENDAR_LISTS,
    CONF_CALENDAR_MOVIES,
    CONF_CLIENT_ID,
    CONF_LISTS,
    CONF_MEDIA_PLAYERS,
    CONF_MEDIA_TYPES,
    CONF_MIN_DURATION,
    CONF_SCAN_INTERVAL,
    CONF_UPCOMING_DAYS,
    DEFAULT_CALENDAR_LISTS,
    DEFAULT_CALENDAR_MOVIES,
    DEFAULT_LISTS,
    DEFAULT_MEDIA_TYPES,
    DEFAULT_MIN_DURATION,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_UPCOMING_DAYS,
    DOMAIN,
    LOGGER,
    MAX_MIN_DURATION,
    MAX_SCAN_INTERVAL,
    MAX_UPCOMING_DAYS,
    MIN_SCAN_INTERVAL,
    MIN_UPCOMING_DAYS,
)
from .helpers import create_client, hand_over_account

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

CLIENT_ID_SCHEMA = probatio.Schema({probatio.Required(CONF_CLIENT_ID): TextSelector()})

# Where a client id comes from; shown in the client id forms (translations hold no URLs).
DEVELOPER_URL = "https://simkl.com/settings/developer/"

# RFC 8628's answer to "slow down", which Simkl's PIN endpoint may send.
SLOW_DOWN_STEP = 5


def _whole_number(minimum: int, maximum: int, unit: str) -> probatio.All[int]:
    """A box for a whole number of `unit`s; the frontend sends it as a float."""
    return probatio.All(
        NumberSelector(
            NumberSelectorConfig(
                min=minimum,
                max=maximum,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement=unit,
            )
        ),
        probatio.Coerce(int),
    )


def _several_of(options: Iterable[str], translation_key: str) -> SelectSelector:
    """A list of checkboxes, labelled by the `selector` strings under `translation_key`."""
    return SelectSelector(
        SelectSelectorConfig(
            options=list(options),
            multiple=True,
            mode=SelectSelectorMode.LIST,
            translation_key=translation_key,
        )
    )


OPTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL): _whole_number(
            MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL, UnitOfTime.MINUTES
        ),
        probatio.Required(CONF_MEDIA_TYPES, default=list(DEFAULT_MEDIA_TYPES)): _several_of(
            MediaType, CONF_MEDIA_TYPES
        ),
        probatio.Required(CONF_LISTS, default=list(DEFAULT_LISTS)): _several_of(
            ListStatus, CONF_LISTS
        ),
        probatio.Required(CONF_CALENDAR_LISTS, default=list(DEFAULT_CALENDAR_LISTS)): _several_of(
            CALENDAR_LIST_CHOICES, CONF_LISTS
        ),
        probatio.Required(CONF_CALENDAR_MOVIES, default=DEFAULT_CALENDAR_MOVIES): BooleanSelector(),
        probatio.Required(CONF_UPCOMING_DAYS, default=DEFAULT_UPCOMING_DAYS): _whole_number(
            MIN_UPCOMING_DAYS, MAX_UPCOMING_DAYS, UnitOfTime.DAYS
        ),
        probatio.Required(CONF_MEDIA_PLAYERS, default=[]): EntitySelector(
            EntitySelectorConfig(domain="media_player", multiple=True)
        ),
        probatio.Required(CONF_MIN_DURATION, default=DEFAULT_MIN_DURATION): _whole_number(
            1, MAX_MIN_DURATION, UnitOfTime.MINUTES
        ),
    }
)


class SimklConfigFlow(ConfigFlow, domain=DOMAIN):
    """Link a Simkl account, and link it again for reauthentication or reconfiguration."""

    VERSION = 1

    def __init__(self) -> None:
        """Start without a client, a code or a polling task."""
        self._client: SimklClient | None = None
        self._pin: PinCode | None = None
        self._approval: asyncio.Task[str | None] | None = None

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> SimklOptionsFlow:
        """Return the options flow."""
        return SimklOptionsFlow()

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the client id, or reuse the one of an account already linked."""
        if user_input is None and (linked := self._async_current_entries(include_ignore=False)):
            user_input = {CONF_CLIENT_ID: linked[0].data[CONF_CLIENT_ID]}
        return await self._async_step_client_id("user", user_input)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start linking again after Simkl refused the token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell the user why a new code is needed, then show it."""
        entry = self._get_reauth_entry()
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm", description_placeholders={"name": entry.title}
            )
        # A rejected client id lands on the user form, where it can be corrected.
        stored = {CONF_CLIENT_ID: entry.data[CONF_CLIENT_ID]}
        return await self._async_step_client_id("user", stored)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the client id and link the account again."""
        return await self._async_step_client_id("reconfigure", user_input)

    async def _async_step_client_id(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Check a client id by asking Simkl for a code with it, then show the code."""
        errors: dict[str, str] = {}
        if user_input is not None:
            client = create_client(self.hass, user_input[CONF_CLIENT_ID].strip())
            if not (errors := await self._async_request_pin(client)):
                return await self.async_step_link()
        suggested = user_input
        if suggested is None and step_id == "reconfigure":
            suggested = {CONF_CLIENT_ID: self._get_reconfigure_entry().data[CONF_CLIENT_ID]}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(CLIENT_ID_SCHEMA, suggested),
            errors=errors,
            description_placeholders={"developer_url": DEVELOPER_URL},
        )

    async def _async_request_pin(self, client: SimklClient) -> dict[str, str]:
        """Get a new code; returns the form errors when Simkl gave none."""
        try:
            self._pin = await client.request_pin()
        except SimklInvalidClientError:
            return {"base": "invalid_client_id"}
        except SimklError as err:
            LOGGER.debug("Requesting a Simkl code failed: %s", err)
            return {"base": "cannot_connect"}
        self._client = client
        self._approval = None
        return {}

    async def async_step_link(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the code while Simkl is polled, until the user approves it or it expires."""
        assert self._client is not None
        assert self._pin is not None
        if self._approval is None:
            # Not tracked: `hass.async_block_till_done()` must not wait for a user.
            self._approval = self.hass.async_create_background_task(
                self._async_wait_for_approval(self._client, self._pin),
                name=f"{DOMAIN} PIN approval {self.flow_id}",
            )
        if not self._approval.done():
            return self.async_show_progress(
                step_id="link",
                progress_action="wait_for_pin",
                description_placeholders={
                    "code": self._pin.user_code,
                    "url": self._pin.verification_url,
                    "minutes": str(max(1, self._pin.expires_in // 60)),
                },
                progress_task=self._approval,
            )
        if (access_token := self._approval.result()) is None:
            return self.async_show_progress_done(next_step_id="pin_expired")
        self._client.access_token = access_token
        return self.async_show_progress_done(next_step_id="finish")

    async def _async_wait_for_approval(self, client: SimklClient, pin: PinCode) -> str | None:
        """Poll the code every `interval` seconds; the token, or None once it expired.

        Network errors do not end the wait: the code stays valid, so polling goes on.
        """
        interval = pin.interval
        expires_at = dt_util.utcnow() + timedelta(seconds=pin.expires_in)
        while dt_util.utcnow() < expires_at:
            await asyncio.sleep(interval)
            try:
                # Tracked, unlike this loop, so `hass.async_block_till_done()` waits for a
                # poll in flight; cancelling the loop cancels it too.
                answer = await self.hass.async_create_task(client.poll_pin(pin.user_code))
            except SimklError as err:
                LOGGER.debug("Checking the Simkl code failed, trying again: %s", err)
                continue
            match answer:
                case PinAuthorized(access_token=access_token):
                    return access_token
                case PinExpired():
                    return None
                case PinPending(slow_down=True):
                    interval += SLOW_DOWN_STEP
        return None

    async def async_step_pin_expired(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer a new code after the shown one expired unapproved."""
        errors: dict[str, str] = {}
        if user_input is not None:
            assert self._client is not None
            if not (errors := await self._async_request_pin(self._client)):
                return await self.async_step_link()
        return self.async_show_form(step_id="pin_expired", errors=errors)

    async def async_step_finish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Create the entry for the approved account, or update the one being fixed.

        The account read here is handed to the entry, which then sets up without asking
        Simkl again.
        """
        assert self._client is not None
        try:
            settings = await self._client.get_user_settings()
        except SimklError as err:
            LOGGER.debug("Reading the linked Simkl account failed: %s", err)
            return self.async_abort(reason="cannot_connect")
        await self.async_set_unique_id(str(settings.account_id))
        data = {
            CONF_CLIENT_ID: self._client.client_id,
            CONF_ACCESS_TOKEN: self._client.access_token,
        }
        if self.source == SOURCE_USER:
            self._abort_if_unique_id_configured()
            hand_over_account(self.hass, settings)
            title = settings.name or str(settings.account_id)
            return self.async_create_entry(title=title, data=data)
        self._abort_if_unique_id_mismatch(reason="wrong_account")
        hand_over_account(self.hass, settings)
        entry = (
            self._get_reauth_entry()
            if self.source == SOURCE_REAUTH
            else self._get_reconfigure_entry()
        )
        return self.async_update_reload_and_abort(entry, data_updates=data)


class SimklOptionsFlow(OptionsFlowWithReload):
    """Set the polling interval, what gets entities and calendar events, and the players."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options; saving them reloads the entry."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, self.config_entry.options
            ),
        )
