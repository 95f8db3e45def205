"""Base entity of the Simkl integration: one service device per account."""

from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api import MediaType
from .const import CONF_MEDIA_TYPES, DEFAULT_MEDIA_TYPES, DOMAIN
from .coordinator import SimklLibraryCoordinator
from .library_view import LibraryView

if TYPE_CHECKING:
    from .data import SimklConfigEntry
    from .watching import UpNextList


def selected_media_types(entry: SimklConfigEntry) -> frozenset[MediaType]:
    """Return the media types the options select for the account's entities."""
    return frozenset(
        MediaType(value) for value in entry.options.get(CONF_MEDIA_TYPES, DEFAULT_MEDIA_TYPES)
    )


class SimklEntity(CoordinatorEntity[SimklLibraryCoordinator]):
    """An entity that reads one account's synced library (and its calendar)."""

    _attr_has_entity_name = True

    def __init__(self, entry: SimklConfigEntry, description: EntityDescription) -> None:
        """Attach the entity to the account's device; unique ids use the Simkl account id.

        Every entity gets the account's calendar and the media types the options select
        too; those that show what the calendar holds listen to it.
        """
        data = entry.runtime_data
        super().__init__(data.library)
        self.calendar = data.calendar
        self.media_types = selected_media_types(entry)
        self.entity_description = description
        account = data.library.current.account
        self._attr_unique_id = f"{account.account_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            entry_type=DeviceEntryType.SERVICE,
            identifiers={(DOMAIN, str(account.account_id))},
            manufacturer="Simkl",
            name=account.name,
            configuration_url=account.profile_url,
        )

    def library_view(self, up_next: UpNextList) -> LibraryView:
        """Return the library as it is now, limited to the media types the options select."""
        return LibraryView(
            self.coordinator.current,
            self.media_types,
            self.coordinator.client.image_url,
            self.calendar,
            dt_util.utcnow(),
            up_next,
        )
