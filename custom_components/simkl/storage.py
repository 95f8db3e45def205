"""Where the integration keeps its data: every store key, and the cache stores.

The library and the calendar files are copies of what Simkl holds (`CacheStore`); the
unsent writes, the titles resolved for media players and the players' readings are the
integration's own (each module keeps its own format and version).
"""

from collections.abc import Callable
from typing import Any, Final, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER, STORAGE_VERSION

# The calendar files are public, so one copy serves every account.
CALENDAR_STORE_KEY: Final = f"{DOMAIN}.calendar"


def library_store_key(entry_id: str) -> str:
    """Return the storage key of an account's synced library."""
    return f"{DOMAIN}.{entry_id}"


def legacy_calendar_store_key(entry_id: str) -> str:
    """Return the key under which earlier versions stored an account's own calendar files."""
    return f"{DOMAIN}.{entry_id}.calendar"


def titles_store_key(entry_id: str) -> str:
    """Return the storage key of the titles resolved for an account's media players."""
    return f"{DOMAIN}.{entry_id}.titles"


def players_store_key(entry_id: str) -> str:
    """Return the storage key of the readings of an account's followed players."""
    return f"{DOMAIN}.{entry_id}.players"


def writes_store_key(entry_id: str) -> str:
    """Return the storage key of an account's unsent writes."""
    return f"{DOMAIN}.{entry_id}.writes"


def set_aside_store_key(entry_id: str) -> str:
    """Return the storage key of the writes an account's queue set aside."""
    return f"{DOMAIN}.{entry_id}.writes_set_aside"


async def async_remove_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Delete everything stored for an account (the shared calendar files stay)."""
    for key in (
        library_store_key(entry_id),
        legacy_calendar_store_key(entry_id),
        titles_store_key(entry_id),
        players_store_key(entry_id),
        writes_store_key(entry_id),
        set_aside_store_key(entry_id),
    ):
        await Store[dict[str, Any]](hass, STORAGE_VERSION, key).async_remove()


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
        except LookupError, TypeError, ValueError, AttributeError:
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
