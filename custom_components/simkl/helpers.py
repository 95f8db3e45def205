"""Builds the API client the same way for setup and for the config flow."""

import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.loader import async_get_loaded_integration

from .api import API_URL, DATA_URL, IMAGE_URL, SimklClient
from .const import APP_NAME, DOMAIN, ENV_API_URL, ENV_IMAGE_URL, READ_RETRY_BUDGET


def create_client(
    hass: HomeAssistant, client_id: str, access_token: str | None = None
) -> SimklClient:
    """Return a client on Home Assistant's shared session.

    `SIMKL_API_URL` (a developer setting, documented in the README) points the client at a
    Simkl-compatible server such as the project's demo server, for both the API and the
    calendar files; `SIMKL_IMAGE_URL` does the same for posters and fanart. Normal installs
    leave both unset and talk to Simkl.
    """
    api_url = os.environ.get(ENV_API_URL)
    return SimklClient(
        async_get_clientsession(hass),
        client_id,
        app_name=APP_NAME,
        app_version=str(async_get_loaded_integration(hass, DOMAIN).version),
        access_token=access_token,
        api_url=api_url or API_URL,
        data_url=api_url or DATA_URL,
        image_url=os.environ.get(ENV_IMAGE_URL) or IMAGE_URL,
        retry_budget=READ_RETRY_BUDGET,
    )
