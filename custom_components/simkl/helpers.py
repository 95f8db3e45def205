"""Builds the API client the same way for setup and for the config flow."""

import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import SimklClient
from .const import APP_NAME, APP_VERSION, ENV_API_URL


def create_client(
    hass: HomeAssistant, client_id: str, access_token: str | None = None
) -> SimklClient:
    """Return a client on Home Assistant's shared session.

    `SIMKL_API_URL` (a developer setting, documented in the README) points the client at a
    Simkl-compatible server such as the project's demo server, for both the API and the
    calendar files; normal installs leave it unset and talk to Simkl.
    """
    session = async_get_clientsession(hass)
    if api_url := os.environ.get(ENV_API_URL):
        return SimklClient(
            session,
            client_id,
            access_token=access_token,
            app_name=APP_NAME,
            app_version=APP_VERSION,
            api_url=api_url,
            data_url=api_url,
        )
    return SimklClient(
        session, client_id, access_token=access_token, app_name=APP_NAME, app_version=APP_VERSION
    )
