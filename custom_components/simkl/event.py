"""The activity event of a linked account: one event for each change of its lists.

Library changes come from the account's change feed (syncs, and writes made from Home
Assistant). New episodes come from time passing: Simkl moves no activity timestamp when an
episode airs, so the calendar's and the library's air times are read at each update, and an
episode is announced when its air time falls after the previous check. That check time is
kept with the entity's restored state, so a restart announces nothing twice and misses
nothing that aired meanwhile.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Self, override

from homeassistant.components.event import (
    EventEntity,
    EventEntityDescription,
    EventExtraStoredData,
)
from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .changes import Activity, ActivityType
from .entity import SimklEntity
from .watching import NewEpisodes

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import SimklConfigEntry

# Coordinator entities: the coordinator serialises the updates.
PARALLEL_UPDATES = 0

ACTIVITY: Final = EventEntityDescription(
    key="activity",
    translation_key="activity",
    event_types=[activity_type.value for activity_type in ActivityType],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SimklConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's activity event."""
    async_add_entities([SimklActivityEvent(entry, ACTIVITY)])


@dataclass
class ActivityStoredData(EventExtraStoredData):
    """The last event, and until when new episodes were announced."""

    episodes_checked_until: str | None = None

    @classmethod
    @override
    def from_dict(cls, restored: dict[str, Any]) -> Self | None:
        return cls(
            restored.get("last_event_type"),
            restored.get("last_event_attributes"),
            restored.get("episodes_checked_until"),
        )


class SimklActivityEvent(SimklEntity, EventEntity):
    """Fires `watched`, `added`, `rated`, `status_changed`, `removed` and `new_episode`."""

    entity_description: EventEntityDescription

    def __init__(self, entry: SimklConfigEntry, description: EventEntityDescription) -> None:
        """Bind the event to the account and the media types the options select."""
        super().__init__(entry, description)
        self._checked_until = dt_util.utcnow()
        self._new_episodes = NewEpisodes(self.media_types)

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the change feed and the calendar; resume the episode check where it was."""
        await super().async_added_to_hass()
        if (restored := await self.async_get_last_extra_data()) is not None and (
            stored := ActivityStoredData.from_dict(restored.as_dict())
        ) is not None:
            checked = dt_util.parse_datetime(stored.episodes_checked_until or "")
            if checked is not None:
                self._checked_until = min(checked, self._checked_until)
        self.async_on_remove(self.coordinator.changes.async_add_listener(self._async_fire))
        self.async_on_remove(self.calendar.async_add_listener(self._async_check_episodes))
        self._async_check_episodes()

    @property
    @override
    def extra_restore_state_data(self) -> ActivityStoredData:
        """Keep the episode check time with the last event."""
        last = super().extra_restore_state_data
        return ActivityStoredData(
            last.last_event_type, last.last_event_attributes, self._checked_until.isoformat()
        )

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._async_check_episodes()
        super()._handle_coordinator_update()

    @callback
    def _async_check_episodes(self) -> None:
        """Announce the episodes of watched titles that aired since the last check."""
        now = dt_util.utcnow()
        new = self._new_episodes.aired_between(
            self.coordinator.current, self.calendar, self._checked_until, now
        )
        self._checked_until = max(now, self._checked_until)
        self._async_fire(new)

    @callback
    def _async_fire(self, activities: list[Activity]) -> None:
        image_url = self.coordinator.client.image_url
        for activity in activities:
            if activity.entry.media_type in self.media_types:
                self._trigger_event(activity.type, activity.event_attributes(image_url))
                self.async_write_ha_state()
