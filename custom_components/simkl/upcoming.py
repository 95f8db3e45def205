"""Upcoming episodes and releases: Simkl's calendar files joined with the synced library.

Simkl has no per-user calendar for free accounts, and asking for each show's episodes would
cost one request per title. Instead, Simkl's public calendar files (every episode and movie
release of the next weeks, for everyone) are fetched and joined with the library on the Simkl
id, as Simkl recommends. The files are shared by every account (`calendar_files.py`); each
account keeps its own join (`calendar_join.py`):
- the rolling files (`tv`, `anime`, `movie_release`; yesterday to +33 days) are checked at most
  every 6 hours, with `If-Modified-Since`, so an unchanged file costs a body-less 304;
- windows outside them (the past, or further ahead) read the monthly archives, fetched only
  when asked for and only from a year back to three months ahead; past months never
  change, so they are fetched once.
"""

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, override

from homeassistant.core import callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import MediaType, SimklClient, SimklError
from .calendar_files import (
    ARCHIVE_MARGIN,
    ARCHIVE_REACH_AHEAD,
    ARCHIVE_REACH_BACK,
    FileKey,
    calendar_files,
    months,
    uncovered,
)
from .calendar_join import CalendarSelection, UpcomingItem, in_air_order
from .calendar_store import CachedFile, microseconds
from .const import CONF_UPCOMING_DAYS, DEFAULT_UPCOMING_DAYS, DOMAIN, LOGGER, NEVER
from .coordinator import SimklLibraryCoordinator
from .errors import request_failed, translate_errors
from .joined_file import AiredEpisodes, JoinedFile, Slot
from .storage import AccountStore, CacheStore

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import SimklConfigEntry
    from .library import Episode

# Files are checked only once older than their maximum age (6 hours); the updates in between
# keep "what is next" current as episodes air.
UPDATE_INTERVAL = timedelta(minutes=30)


type RollingFiles = Mapping[MediaType, CachedFile]


class SimklCalendarCoordinator(DataUpdateCoordinator[RollingFiles]):
    """Keeps one account's calendar files and joins them with its library.

    Its data are the rolling files; archives are kept aside and read through
    `async_get_items`. Every update also loads what the upcoming sensor's window needs.
    """

    config_entry: SimklConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: SimklConfigEntry,
        client: SimklClient,
        library_coordinator: SimklLibraryCoordinator,
    ) -> None:
        """Set up the coordinator; the stored files are read on the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {config_entry.title} calendar",
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client
        self.library_coordinator = library_coordinator
        self.selection = CalendarSelection.from_options(config_entry.options)
        self.upcoming_days = timedelta(
            days=config_entry.options.get(CONF_UPCOMING_DAYS, DEFAULT_UPCOMING_DAYS)
        )
        self._calendar_files = calendar_files(hass)
        self._joins: dict[FileKey, JoinedFile] = {}
        self._aired: AiredEpisodes | None = None
        self._stale_logged = False

    @property
    def files(self) -> RollingFiles:
        """Return the rolling files; before the first update (which setup does not wait
        for), the stored ones."""
        # `data` is None until the first update, although typed as the files.
        updated: RollingFiles | None = self.data
        if updated is not None:
            return updated
        return {
            kind: file
            for kind in self.selection.kinds(self.library_coordinator.current)
            if (file := self._calendar_files.get(FileKey(kind))) is not None
        }

    async def async_start(self) -> None:
        """Read the stored files, fetch those due in the background, and follow the library.

        Setup does not wait for the CDN, and a failure is logged and retried with the next
        update instead of failing the entry: the library's entities do not need the calendar.
        """
        await self._calendar_files.async_load(dt_util.utcnow())
        # Earlier versions kept a copy of the files per account.
        await CacheStore(
            self.hass, AccountStore.LEGACY_CALENDAR.key(self.config_entry.entry_id), what="calendar"
        ).async_remove()
        self.config_entry.async_create_task(
            self.hass, self.async_refresh(), f"{DOMAIN} calendar of {self.config_entry.title}"
        )
        self.config_entry.async_on_unload(
            self.library_coordinator.async_add_listener(self._async_library_updated)
        )

    @override
    async def async_shutdown(self) -> None:
        """Stop updating and write the files now.

        A delayed save left pending would write the file after an unload, and after a
        removal bring back the file `async_remove_entry` just deleted.
        """
        await super().async_shutdown()
        await self._calendar_files.async_save_now()

    @callback
    def _async_library_updated(self) -> None:
        """Fetch at once a file that a newly followed title needs."""
        if set(self.selection.kinds(self.library_coordinator.current)) - set(self.files):
            self.config_entry.async_create_task(self.hass, self.async_request_refresh())

    async def _async_update_data(self) -> RollingFiles:
        now = dt_util.utcnow()
        rolling: dict[MediaType, CachedFile] = {}
        failure: SimklError | None = None
        # A file that fails with no copy to fall back on fails the update.
        with translate_errors("calendar_update_failed"):
            for kind in self.selection.kinds(self.library_coordinator.current):
                key = FileKey(kind)
                try:
                    rolling[kind] = await self._async_file(key, now)
                except SimklError as err:
                    if (cached := self._calendar_files.get(key)) is None:
                        raise
                    rolling[kind] = cached
                    failure = err
        try:
            await self._async_load_archives(rolling, now, now + self.upcoming_days)
        except SimklError as err:
            failure = err
        if failure is not None and not self._stale_logged:
            LOGGER.warning("Could not update the Simkl calendar, showing what it has: %s", failure)
        elif failure is None and self._stale_logged:
            LOGGER.info("The Simkl calendar is up to date again")
        self._stale_logged = failure is not None
        return rolling

    async def _async_file(self, key: FileKey, now: datetime) -> CachedFile:
        return await self._calendar_files.async_file(self.client, key, now)

    def _archive_keys(
        self, rolling: RollingFiles, start: datetime, end: datetime
    ) -> Iterator[FileKey]:
        """Yield the archives holding what the rolling files leave out of [start, end),
        within the reach of the archives."""
        now = dt_util.utcnow()
        start, end = max(start, now - ARCHIVE_REACH_BACK), min(end, now + ARCHIVE_REACH_AHEAD)
        if start >= end:
            return
        for kind in self.selection.kinds(self.library_coordinator.current):
            file = rolling.get(kind)
            for part_start, part_end in uncovered(start, end, file.coverage if file else None):
                for year, month in months(part_start - ARCHIVE_MARGIN, part_end + ARCHIVE_MARGIN):
                    yield FileKey(kind, year, month)

    async def _async_load_archives(
        self, rolling: RollingFiles, start: datetime, end: datetime
    ) -> None:
        now = dt_util.utcnow()
        needed = set(self._archive_keys(rolling, start, end))
        for key in needed:
            await self._async_file(key, now)
        self._calendar_files.use_archives(needed, now)

    def _joined(self, key: FileKey, file: CachedFile) -> JoinedFile:
        """Return a file joined with the current library."""
        joined = self._joins.get(key)
        if joined is None or joined.airings is not file.airings:
            joined = self._joins[key] = JoinedFile(
                file.airings, self.selection, self.client.image_url
            )
        joined.update(self.library_coordinator.current)
        return joined

    def _rolling_joined(self) -> list[JoinedFile]:
        joined = [self._joined(FileKey(kind), file) for kind, file in self.files.items()]
        for key in [key for key in self._joins if self._calendar_files.get(key) is None]:
            del self._joins[key]  # an archive no longer kept
        return joined

    def slots_between(self, start: datetime, end: datetime) -> list[Slot]:
        """Return the items on between `start` and `end`, soonest first, from loaded files.

        The rolling files win over the archives where they cover the time.
        """
        joined_files = self._rolling_joined()
        slots = list(chain.from_iterable(joined.between(start, end) for joined in joined_files))
        found: dict[str, Slot] = dict(zip(map(attrgetter("uid"), slots), slots, strict=True))
        for key in set(self._archive_keys(self.files, start, end)):
            if (archive := self._calendar_files.get(key)) is None:
                continue
            # Without its rolling file, a kind's archives cover every time.
            rolling = self.files.get(key.kind)
            covered = rolling.coverage if rolling else (NEVER, NEVER)
            covered_from, covered_until = (microseconds(moment) for moment in covered)
            for slot in self._joined(key, archive).between(start, end):
                if slot.uid not in found and not covered_from <= slot.start_us < covered_until:
                    found[slot.uid] = slot
        return sorted(found.values())

    def upcoming(self) -> list[Slot]:
        """Return what is on or coming in the upcoming window (the `upcoming_days` option)."""
        now = dt_util.utcnow()
        return self.slots_between(now, now + self.upcoming_days)

    def episodes_by_title(self) -> Mapping[int, tuple[Episode, ...]]:
        """Return the followed shows' episodes in the rolling files, by Simkl id.

        Simkl's activity timestamps do not move when an episode airs, so the library's
        progress of a title can predate the episodes these show as aired since. The mapping
        looks titles up as they are asked for.
        """
        library, joined = self.library_coordinator.current, self._rolling_joined()
        if self._aired is None or not self._aired.reads(library, joined):
            self._aired = AiredEpisodes(library, joined)
        return self._aired

    def titles_aired_between(self, start: datetime, end: datetime) -> set[int]:
        """Return the Simkl ids of the titles with an episode in the rolling files that aired
        after `start`, up to `end`: found in the files' time order, not title by title."""
        return {
            simkl_id
            for joined in self._rolling_joined()
            for simkl_id in joined.titles_aired_between(start, end)
        }

    def next_item(self) -> UpcomingItem | None:
        """Return the item on now, or else the next one, from the rolling files."""
        now = dt_util.utcnow()
        found = (item for joined in self._rolling_joined() if (item := joined.next_item(now)))
        return min(found, key=in_air_order, default=None)

    async def async_get_items(self, start: datetime, end: datetime) -> list[UpcomingItem]:
        """Return the items on between `start` and `end`, fetching archives where needed.

        Raises HomeAssistantError when an archive the window needs cannot be fetched.
        """
        try:
            await self._async_load_archives(self.files, start, end)
        except SimklError as err:
            raise request_failed(err, "calendar_archive_failed") from err
        return [slot.item for slot in self.slots_between(start, end)]
