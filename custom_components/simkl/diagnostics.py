"""Diagnostics of a linked Simkl account, without secrets or personal details."""

from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.const import CONF_ACCESS_TOKEN, Platform
from homeassistant.helpers import entity_registry as er

from .api import ListStatus, MediaType
from .const import CONF_CLIENT_ID

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import SimklConfigEntry

# The entry title and unique id are the user's name and account id.
TO_REDACT = {
    CONF_ACCESS_TOKEN,
    CONF_CLIENT_ID,
    "title",
    "unique_id",
    "account_id",
    "name",
    "avatar",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SimklConfigEntry
) -> dict[str, Any]:
    """Return the entry, its options and a summary of the synced library."""
    coordinator = entry.runtime_data.library
    library = coordinator.current
    activities = library.activities
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "account": async_redact_data(library.account.to_json(), TO_REDACT),
        "library": {
            "items": {
                media_type.value: {
                    status.value: library.count(media_type, status) for status in ListStatus
                }
                for media_type in MediaType
            },
            "paused_sessions": len(library.playback),
            "activities": activities.to_dict() if activities is not None else None,
        },
        "last_update_success": coordinator.last_update_success,
        "lists_and_activity": _lists_and_activity(hass, entry),
    }


def _lists_and_activity(hass: HomeAssistant, entry: SimklConfigEntry) -> dict[str, Any]:
    """Describe the to-do lists and the activity event: their states, not the titles."""
    described: dict[str, Any] = {}
    registry = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.domain not in (Platform.TODO, Platform.EVENT):
            continue
        state = hass.states.get(registered.entity_id)
        summary: dict[str, Any] = {
            "enabled": registered.disabled_by is None,
            "state": state.state if state is not None else None,
        }
        if registered.domain == Platform.EVENT:
            summary["last_event_type"] = (
                state.attributes.get(ATTR_EVENT_TYPE) if state is not None else None
            )
        described[registered.translation_key or registered.unique_id] = summary
    feed = entry.runtime_data.library.changes
    described["changes_awaiting_sync"] = feed.awaiting_sync
    described["changes_held"] = feed.held
    return described
