"""Actions of the Simkl integration, for automations and scripts.

Writes (scrobble, history, ratings, lists) go through the account's write queue and answer
whether Simkl accepted them or they are queued; reads (search, statistics, upcoming) call
Simkl directly. Every action takes an optional `config_entry_id`, needed only with several
accounts. One scrobble reads top to bottom: `scrobble.py` builds the request and its label,
the write queue sends it, the client posts it.
"""

from functools import partial

from homeassistant.core import HomeAssistant, SupportsResponse, callback

from ..const import DOMAIN
from ..write_store import SyncEndpoint
from .library import async_mark, async_rate, async_set_status, async_unrate
from .reads import async_get_statistics, async_get_upcoming, async_search
from .schemas import (
    ACCOUNT_SCHEMA,
    GET_UPCOMING_SCHEMA,
    MARK_UNWATCHED_SCHEMA,
    MARK_WATCHED_SCHEMA,
    RATE_SCHEMA,
    SCROBBLE_SCHEMA,
    SEARCH_SCHEMA,
    SERVICE_GET_STATISTICS,
    SERVICE_GET_UPCOMING,
    SERVICE_MARK_UNWATCHED,
    SERVICE_MARK_WATCHED,
    SERVICE_RATE,
    SERVICE_SCROBBLE,
    SERVICE_SEARCH,
    SERVICE_SET_STATUS,
    SERVICE_UNRATE,
    SET_STATUS_SCHEMA,
    UNRATE_SCHEMA,
)
from .scrobble import async_scrobble


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions; they check for a loaded account when called."""
    for name, handler, schema, supports_response in (
        (SERVICE_SCROBBLE, async_scrobble, SCROBBLE_SCHEMA, SupportsResponse.OPTIONAL),
        (
            SERVICE_MARK_WATCHED,
            partial(async_mark, endpoint=SyncEndpoint.ADD_TO_HISTORY),
            MARK_WATCHED_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (
            SERVICE_MARK_UNWATCHED,
            partial(async_mark, endpoint=SyncEndpoint.REMOVE_FROM_HISTORY),
            MARK_UNWATCHED_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (SERVICE_RATE, async_rate, RATE_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_UNRATE, async_unrate, UNRATE_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_SET_STATUS, async_set_status, SET_STATUS_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_SEARCH, async_search, SEARCH_SCHEMA, SupportsResponse.ONLY),
        (SERVICE_GET_STATISTICS, async_get_statistics, ACCOUNT_SCHEMA, SupportsResponse.ONLY),
        (SERVICE_GET_UPCOMING, async_get_upcoming, GET_UPCOMING_SCHEMA, SupportsResponse.ONLY),
    ):
        hass.services.async_register(
            DOMAIN, name, handler, schema=schema, supports_response=supports_response
        )
