"""Where the integration keeps its data: every store key, and the cache stores.

The library and the calendar files are copies of what Simkl holds (`CacheStore`); the
unsent writes, the titles resolved for media players and the players' readings are the
integration's own (each module keeps its own format and version).
"""

from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from typing import Any, Final, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER, STORAGE_VERSION

# The calendar files are public, so one copy serves every account.
CALENDAR_STORE_KEY: Final = f"{DOMAIN}.calendar"
# However many changes arrive, a cached copy is written at most once a minute, and when Home
# Assistant stops or an account unloads. A copy older than the last change is still
# consistent: the library's activity timestamps are as old as its titles, so the next start
# fetches what changed since; an older calendar file only costs a check of the file.
CACHE_SAVE_DELAY: Final = timedelta(minutes=1)


class AccountStore(StrEnum):
    """What is stored for one account; the value ends the store's key."""

    LIBRARY = ""
    # The titles changed since the library was last written whole (library_store.py).
    LIBRARY_CHANGES = ".library_changes"
    # Where earlier versions stored an account's own calendar files.
    LEGACY_CALENDAR = ".calendar"
    # The titles resolved for the account's media players, and the players' readings.
    TITLES = ".titles"
    PLAYERS = ".players"
    # The unsent writes, and those the queue set aside.
    WRITES = ".writes"
    WRITES_SET_ASIDE = ".writes_set_aside"

    def key(self, entry_id: str) -> str:
        """Return the storage key of this store of the account `entry_id`."""
        return f"{DOMAIN}.{entry_id}{self.value}"


async def async_remove_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Delete everything stored for an account (the shared calendar files stay)."""
    for store in AccountStore:
        await Store[dict[str, Any]](hass, STORAGE_VERSION, store.key(entry_id)).async_remove()


class CacheStore(Store[dict[str, Any]]):
    """A stored copy of data Simkl holds.

    The copy is only a cache, so one written in a format the store cannot migrate is
    dropped: the next update fetches the data again.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        key: str,
        *,
        what: str,
        version: int = STORAGE_VERSION,
        minor_version: int = 1,
    ) -> None:
        """Store `what` (named in warnings) under `key`; the file is private to the account."""
        super().__init__(hass, version, key, private=True, minor_version=minor_version)
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

    def async_delay_save_copy(self, data_func: Callable[[], dict[str, Any]]) -> None:
        """Write the copy `data_func` returns within `CACHE_SAVE_DELAY`."""
        self.async_delay_save(data_func, CACHE_SAVE_DELAY.total_seconds())

    def warn_unknown_format(self) -> None:
        """Log that the stored copy is dropped because its format is unknown."""
        LOGGER.warning("The stored Simkl %s has an unknown format; fetching it again", self._what)

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return {}
