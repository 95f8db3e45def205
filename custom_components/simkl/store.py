"""Stored copies of data Simkl holds (the library, the calendar files)."""

from collections.abc import Callable
from typing import Any, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import LOGGER, STORAGE_VERSION


class CacheStore(Store[dict[str, Any]]):
    """A stored copy of data Simkl holds.

    The copy is only a cache, so one written in a format the store cannot migrate is
    dropped: the next update fetches the data again.
    """

    def __init__(
        self, hass: HomeAssistant, key: str, *, what: str, version: int = STORAGE_VERSION
    ) -> None:
        """Store `what` (named in warnings) under `key`; the file is private to the account."""
        super().__init__(hass, version, key, private=True)
        self._what = what

    async def async_load_copy[T](self, parse: Callable[[dict[str, Any]], T]) -> T | None:
        """Return the parsed copy; None when there is none or it cannot be used."""
        try:
            stored = await self.async_load()
        except HomeAssistantError:
            # Unreadable, or written by a newer version of the integration.
            LOGGER.warning("The stored Simkl %s could not be read; fetching it again", self._what)
            return None
        if not stored:
            return None
        try:
            return parse(stored)
        except KeyError, TypeError, ValueError, AttributeError:
            self.warn_unknown_format()
            return None

    def warn_unknown_format(self) -> None:
        """Log that the stored copy is dropped because its format is unknown."""
        LOGGER.warning("The stored Simkl %s has an unknown format; fetching it again", self._what)

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return {}
