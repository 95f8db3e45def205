"""Describes scrobbles in the logbook, on the timeline of the player that played the item."""

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.components.logbook.models import LazyEventPartialState
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN
from .player_session import Outcome
from .players import EVENT_SCROBBLE

_MESSAGES: Final[dict[str, str]] = {
    Outcome.STARTED: "started on Simkl",
    Outcome.PAUSED: "paused on Simkl",
    Outcome.WATCHED: "watched on Simkl",
    Outcome.STOPPED: "stopped on Simkl",
    Outcome.UNMATCHED: "not found on Simkl, so it was not scrobbled",
    Outcome.IGNORED: "not scrobbled to Simkl (not a movie or an episode)",
}
_REASONS: Final[dict[str, str]] = {
    "ambiguous": "several Simkl titles have this name, so it was not scrobbled",
    "rejected": "rejected by Simkl, so it was not scrobbled",
    "lookup_failed": "not scrobbled: Simkl could not be asked what it is",
    "too_short": "not scrobbled to Simkl (shorter than the shortest item to scrobble)",
}


def describe_scrobble(data: Mapping[str, Any], *, name_account: bool) -> dict[str, Any]:
    """Say what happened: "Severance S02E04 watched on Simkl" (and for which account)."""
    outcome = data.get("outcome", "")
    message = _MESSAGES.get(outcome, f"{outcome} on Simkl")
    if outcome in {Outcome.UNMATCHED, Outcome.IGNORED} and data.get("reason") in _REASONS:
        message = _REASONS[data["reason"]]
    elif outcome in {Outcome.PAUSED, Outcome.STOPPED} and data.get("progress") is not None:
        message = f"{message} at {data['progress']:g} %"
    return {
        LOGBOOK_ENTRY_NAME: data.get("item") or data.get("title") or "Simkl",
        LOGBOOK_ENTRY_MESSAGE: f"{message} ({data.get('account')})" if name_account else message,
        LOGBOOK_ENTRY_ENTITY_ID: data.get("entity_id"),
    }


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[
        [str, str, Callable[[LazyEventPartialState], dict[str, Any]]], None
    ],
) -> None:
    """Describe the `simkl_scrobble` events."""

    @callback
    def async_describe(event: LazyEventPartialState) -> dict[str, Any]:
        # With several accounts, each one's line says whose it is.
        accounts = len(hass.config_entries.async_loaded_entries(DOMAIN))
        return describe_scrobble(event.data, name_account=accounts > 1)

    async_describe_event(DOMAIN, EVENT_SCROBBLE, async_describe)
