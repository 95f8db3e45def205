"""Base entity of the Simkl integration: one service device per account."""

from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import MediaType
from .const import CONF_MEDIA_TYPES, DEFAULT_MEDIA_TYPES, DOMAIN
from .coordinator import SimklLibraryCoordinator

if TYPE_CHECKING:
    from .data import SimklConfigEntry
    from .upcoming import SimklCalendarCoordinator


def selected_media_types(entry: SimklConfigEntry) -> frozenset[MediaType]:
    """Return the media types the options select for the account's entities."""
    return frozenset(
        MediaType(value) for value in entry.options.get(CONF_MEDIA_TYPES, DEFAULT_MEDIA_TYPES)
    )


class SimklEntity(CoordinatorEntity[SimklLibraryCoordinator]):
    """An entity that reads one account's synced library (and its calendar)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: SimklLibraryCoordinator,
        calendar: SimklCalendarCoordinator,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to the account's device; unique ids use the Simkl account id.

        Every entity gets the account's calendar too; those that show what it holds listen
        to it.
        """
        super().__init__(coordinator)
        self.calendar = calendar
        self.entity_description = description
        account = coordinator.current.account
        self._attr_unique_id = f"{account.account_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            entry_type=DeviceEntryType.SERVICE,
            identifiers={(DOMAIN, str(account.account_id))},
            manufacturer="Simkl",
            name=account.name,
            configuration_url=account.profile_url,
        )
