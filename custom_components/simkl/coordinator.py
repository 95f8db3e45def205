"""Keeps each account's library in step with Simkl, gated by /sync/activities.

Simkl suspends apps that poll the library without that gate, so every poll asks for the
activity timestamps first and fetches only what moved:
- a type's first `all`        -> /sync/all-items/{type}, the whole list, ratings included
- a list timestamp of a type, -> /sync/all-items/{type}?date_from=<the type's stored `all`,
  or a type's `all` that no      a second early>
  other timestamp explains
- `removed_from_list`         -> /sync/all-items/{type}?extended=simkl_ids_only, then a diff
- `rated_at`                  -> /sync/ratings/{type}, the type's (small) ratings list, then a
                                 diff, so removed ratings go even when others changed too
- `playback` of any type      -> /sync/playback, the whole (short) list, so that sessions
                                 that were resumed or finished disappear too
- `settings.all`              -> /users/settings
The library and the timestamps are stored, so a restart costs one activities request.

A poll either applies everything that moved or fails as a whole, keeping the stored
timestamps, so the next poll asks again: an answer that cannot be read never moves them on.
"""

from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, override

from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    AllItems,
    Extended,
    LibraryItem,
    ListStatus,
    MediaActivities,
    MediaType,
    SimklClient,
    SimklConnectionError,
    SimklInvalidClientError,
    UserSettings,
)
from .changes import ChangeFeed
from .const import (
    CONF_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    SIMKL_DEVELOPER_URL,
)
from .errors import REQUEST_REFUSED_RETRY_AFTER, translate_errors
from .library import Account, Library
from .library_store import LibraryStore
from .storage import AccountStore

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterator

    from homeassistant.core import HomeAssistant

    from .data import SimklConfigEntry
    from .watching import UpNextList

# Deltas start this long before the stored stamp: the stamps have whole seconds, so a change
# within the second of the stored one could fall outside `date_from`. Upserting an item twice
# is harmless.
DATE_FROM_OVERLAP = timedelta(seconds=1)


def _moved(old: datetime | None, new: datetime | None) -> bool:
    return new is not None and new != old


async def _complete(answer: Awaitable[AllItems], media_type: MediaType) -> list[LibraryItem]:
    """Return the items of a type, all of them readable.

    Skipped, an entry that could not be read would be a change missed for good (the
    timestamps move on), or in a diff a title taken as removed.
    """
    items = await answer
    typed = items.items(media_type)
    unread = items.unread + sum(item.media.ids.simkl is None for item in typed)
    if unread:
        msg = f"Simkl sent {unread} unreadable entries of {media_type}"
        raise SimklConnectionError(msg)
    return typed


def request_refused_issue_id(entry_id: str) -> str:
    """Return the id of the repair issue raised while Simkl answers an account with 412."""
    return f"request_refused_{entry_id}"


class SimklLibraryCoordinator(DataUpdateCoordinator[Library]):
    """Syncs one account's library."""

    config_entry: SimklConfigEntry

    def __init__(
        self, hass: HomeAssistant, config_entry: SimklConfigEntry, client: SimklClient
    ) -> None:
        """Set up the coordinator; nothing is fetched until the first refresh."""
        minutes = config_entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {config_entry.title}",
            update_interval=timedelta(minutes=minutes),
            always_update=False,
        )
        self.client = client
        self._store = LibraryStore(hass, AccountStore.LIBRARY.key(config_entry.entry_id))
        self._cached: Library | None = None
        self.changes = ChangeFeed()
        # The up-next lists of this account's titles, by media types (watching.py).
        self.up_next_lists: dict[frozenset[MediaType], UpNextList] = {}
        # Polls refused in a row with 429; each one doubles the wait before the next.
        self._rate_limited = 0
        # Set once shut down: an update still running then must not save the library again.
        self._shut_down = False

    async def _async_setup(self) -> None:
        """Read the account: setup waits for this only when `async_load_stored` found
        neither a stored library nor the account the config flow read."""
        with self._translate_errors():
            settings = await self.client.get_user_settings()
        self._cached = Library(account=Account.from_api(settings))

    async def async_load_stored(self, linked: UserSettings | None) -> bool:
        """Use the stored library, else the account the config flow just read.

        True when either exists: setup then need not wait for Simkl.
        """
        self._cached = await self._async_load_cache()
        if self._cached is None and linked is not None:
            self._cached = Library(account=Account.from_api(linked))
        return self._cached is not None

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        """Translate errors; a 412 also raises a repair issue, a 429 backs off further."""
        try:
            with translate_errors():
                yield
        except UpdateFailed as err:
            if isinstance(err.__cause__, SimklInvalidClientError):
                self._raise_request_refused_issue()
            elif err.retry_after is not None:
                err.retry_after = self._rate_limit_wait(err.retry_after)
            raise

    def _raise_request_refused_issue(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            request_refused_issue_id(self.config_entry.entry_id),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="request_refused",
            translation_placeholders={
                "account": self.config_entry.title,
                "developer_url": SIMKL_DEVELOPER_URL,
                "hours": str(int(REQUEST_REFUSED_RETRY_AFTER.total_seconds() // 3600)),
            },
        )

    async def _async_load_cache(self) -> Library | None:
        library = await self._store.async_load_library()
        if library is None or str(library.account.account_id) != self.config_entry.unique_id:
            return None
        return library

    @property
    def current(self) -> Library:
        """Return the current library, stored or synced."""
        # `data` is None until the first refresh, although typed as the library.
        synced: Library | None = self.data
        if synced is not None:
            return synced
        assert self._cached is not None
        return self._cached

    async def _async_update_data(self) -> Library:
        current = self.current
        with self._translate_errors():
            library = await self._async_sync(current)
        self._rate_limited = 0
        ir.async_delete_issue(
            self.hass, DOMAIN, request_refused_issue_id(self.config_entry.entry_id)
        )
        if library is not current and not self._shut_down:
            self._store.async_delay_save_library(library)
            self.changes.publish_sync(current, library)
        return library

    @override
    async def async_shutdown(self) -> None:
        """Stop polling and write the library now.

        A delayed save left pending would write the file after an unload, and after a
        removal bring back the file `async_remove_entry` just deleted.
        """
        self._shut_down = True
        await super().async_shutdown()
        await self.async_save_now()

    async def async_save_now(self) -> None:
        """Write the synced library now, instead of when the delayed save is due."""
        synced: Library | None = self.data
        if synced is not None:
            await self._store.async_save_library(synced)

    def _rate_limit_wait(self, suggested: float) -> float:
        """Double the suggested wait for each 429 in a row, up to the polling interval."""
        self._rate_limited += 1
        wait = suggested * 2.0 ** (self._rate_limited - 1)
        if self.update_interval is not None:
            wait = min(wait, self.update_interval.total_seconds())
        return wait

    async def _async_sync(self, current: Library) -> Library:
        """Return `current` when nothing moved, else an updated copy."""
        activities = await self.client.get_activities()
        previous = current.activities
        if previous is not None:
            activities = activities.keeping(previous)
            if activities == previous:
                return current
        library = current.copy()
        if previous is None:
            await self._async_full_sync(library)
        else:
            playback_moved = False
            for media_type in MediaType:
                old, new = previous.for_type(media_type), activities.for_type(media_type)
                await self._async_sync_type(library, media_type, old, new)
                playback_moved |= _moved(old.playback, new.playback)
            if playback_moved:
                library.replace_playback(await self.client.get_playback())
            if _moved(previous.settings_all, activities.settings_all):
                library.account = Account.from_api(await self.client.get_user_settings())
        library.activities = activities
        return library

    async def _async_full_sync(self, library: Library) -> None:
        """Pull the whole library once, type by type, and the paused sessions."""
        for media_type in MediaType:
            await self._async_full_sync_type(library, media_type)
        library.replace_playback(await self.client.get_playback())

    async def _async_full_sync_type(self, library: Library, media_type: MediaType) -> None:
        items = await _complete(
            self.client.get_all_items(media_type, next_watch_info=True), media_type
        )
        library.replace_type(media_type, items)

    async def _async_sync_type(
        self,
        library: Library,
        media_type: MediaType,
        old: MediaActivities,
        new: MediaActivities,
    ) -> None:
        """Fetch the library deltas of one type; paused sessions are fetched by the caller."""
        if new.all is None or new.all == old.all:
            return
        if old.all is None:
            # The full list holds the removals and ratings too.
            await self._async_full_sync_type(library, media_type)
            return
        # An `all` later than every named timestamp moved for a reason this version does not
        # know (a key Simkl added, a change stamped in `all` alone): the list delta carries
        # whatever changed in an item.
        latest = new.latest_known
        unexplained = latest is None or new.all > latest
        if unexplained or any(
            _moved(old.status(status), new.status(status)) for status in ListStatus
        ):
            delta = self.client.get_all_items(
                media_type, date_from=old.all - DATE_FROM_OVERLAP, next_watch_info=True
            )
            library.upsert(await _complete(delta, media_type))
        if _moved(old.removed_from_list, new.removed_from_list):
            remaining = await _complete(
                self.client.get_all_items(media_type, extended=Extended.SIMKL_IDS_ONLY),
                media_type,
            )
            ids = {item.media.ids.simkl for item in remaining}
            library.keep_only(media_type, {simkl_id for simkl_id in ids if simkl_id is not None})
        if _moved(old.rated_at, new.rated_at):
            rated = await _complete(self.client.get_ratings(media_type), media_type)
            library.apply_ratings(media_type, rated)
