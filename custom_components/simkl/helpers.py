"""Builds the API client the same way for setup and for the config flow."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.loader import async_get_loaded_integration
from homeassistant.util.hass_dict import HassKey

from .api import API_URL, DATA_URL, IMAGE_URL, SimklClient, UserSettings
from .const import APP_NAME, DOMAIN, READ_RETRY_BUDGET

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class SimklHosts:
    """Where the client sends its requests: the API, the calendar files, the images."""

    api_url: str = API_URL
    data_url: str = DATA_URL
    image_url: str = IMAGE_URL


# Simkl's own hosts, on every install. Only the tests (`tests/conftest.py`) and
# `scripts/develop` (through `scripts/develop_hass.py`) replace this, to point the integration
# at the project's fake Simkl server; nothing a user sets can send the token elsewhere.
SIMKL_HOSTS = SimklHosts()

# Accounts the config flow has just read, by account id, until their entry is set up.
_LINKED_ACCOUNTS: HassKey[dict[str, UserSettings]] = HassKey(f"{DOMAIN}_linked_accounts")


def create_client(
    hass: HomeAssistant, client_id: str, access_token: str | None = None
) -> SimklClient:
    """Return a client on Home Assistant's shared session, talking to `SIMKL_HOSTS`."""
    hosts = SIMKL_HOSTS
    return SimklClient(
        async_get_clientsession(hass),
        client_id,
        app_name=APP_NAME,
        app_version=str(async_get_loaded_integration(hass, DOMAIN).version),
        access_token=access_token,
        api_url=hosts.api_url,
        data_url=hosts.data_url,
        image_url=hosts.image_url,
        retry_budget=READ_RETRY_BUDGET,
    )


def hand_over_account(hass: HomeAssistant, settings: UserSettings) -> None:
    """Keep the account the config flow read for the entry it creates or reloads.

    The entry then need not read it again: one request less, within Simkl's 1 POST/s.
    """
    hass.data.setdefault(_LINKED_ACCOUNTS, {})[str(settings.account_id)] = settings


def pop_linked_account(hass: HomeAssistant, entry: ConfigEntry) -> UserSettings | None:
    """Take the account the config flow handed over for this entry, if any."""
    return hass.data.get(_LINKED_ACCOUNTS, {}).pop(entry.unique_id or "", None)
