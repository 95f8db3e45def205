"""Simkl's calendar files, kept once for the whole Home Assistant.

The files are public and the same for every account, so however many accounts are linked,
each file is downloaded at most once per `FILE_MAX_AGE` (Simkl regenerates them every 6
hours), with `If-Modified-Since`, so an unchanged file costs a body-less 304:
- the rolling files (`tv`, `anime`, `movie_release`; yesterday to +33 days) are checked by the
  accounts' regular updates;
- the monthly archives are fetched when an account asks for a window outside the rolling
  files; past months never change, so they are fetched once;
- files and their `Last-Modified` are stored, so a restart fetches nothing that is still fresh.
Each account joins the files with its own library (`calendar_join.py`, `upcoming.py`); the
stored form of a file is in `calendar_store.py`.
"""

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final, Self

from homeassistant.util.hass_dict import HassKey

from .api import CalendarNotModified, MediaType, SimklClient, SimklNotFoundError
from .calendar_store import Airing, CachedFile, CalendarStore, in_time_order
from .const import DOMAIN

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from homeassistant.core import HomeAssistant

# Simkl regenerates the calendar files every 6 hours.
FILE_MAX_AGE = timedelta(hours=6)
# Archives may file an episode under its network's local date, up to 14 hours off UTC, and an
# all-day release starts up to a day before the window that shows it.
ARCHIVE_MARGIN = timedelta(days=1)
# How far from today the monthly archives are read: a window of years would otherwise cost a
# file per month and kind, fetched one after another. Simkl files little further ahead.
ARCHIVE_REACH_BACK = timedelta(days=365)
ARCHIVE_REACH_AHEAD = timedelta(days=92)
# Bounds the stored archives: every month the reach can touch (a month has at least 28 days),
# of each kind, so that paging through the reach never fetches a past month twice; the least
# recently used go first.
MAX_CACHED_ARCHIVES = (
    (ARCHIVE_REACH_BACK + ARCHIVE_REACH_AHEAD + 2 * ARCHIVE_MARGIN).days // 28 + 2
) * len(MediaType)


def _calendar_kind(name: str) -> MediaType | None:
    """The media type of a calendar file name (tv, anime, movie_release)."""
    kind = MediaType.parse(name)
    return kind if kind is not None and kind.calendar_file == name else None


@dataclass(frozen=True, slots=True)
class FileKey:
    """A rolling calendar file (no month) or a monthly archive."""

    kind: MediaType
    year: int | None = None
    month: int | None = None

    @property
    def storage_key(self) -> str:
        """Return the file's path below /calendar/, which also names it in the store."""
        if self.year is None:
            return self.kind.calendar_file
        return f"{self.year}/{self.month}/{self.kind.calendar_file}"

    @classmethod
    def from_storage_key(cls, key: str) -> Self:
        """Parse a `storage_key`; raises ValueError on anything else."""
        match key.split("/"):
            case [name] if (kind := _calendar_kind(name)) is not None:
                return cls(kind)
            case [year, month, name] if (kind := _calendar_kind(name)) is not None:
                return cls(kind, int(year), int(month))
        msg = f"Not a calendar file: {key}"
        raise ValueError(msg)


def _generated_at(last_modified: str | None, received_at: datetime) -> datetime:
    if last_modified:
        try:
            return parsedate_to_datetime(last_modified).astimezone(UTC)
        except TypeError, ValueError:
            pass
    return received_at


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def months(start: datetime, end: datetime) -> Iterator[tuple[int, int]]:
    """Yield the UTC months from the one holding `start` to the one holding `end`."""
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def uncovered(
    start: datetime, end: datetime, coverage: tuple[datetime, datetime] | None
) -> list[tuple[datetime, datetime]]:
    """Return the parts of [start, end) outside `coverage`."""
    if coverage is None:
        return [(start, end)]
    covered_from, covered_until = coverage
    parts = []
    if start < covered_from:
        parts.append((start, min(end, covered_from)))
    if end > covered_until:
        parts.append((max(start, covered_until), end))
    return parts


CALENDAR_FILES: Final[HassKey[CalendarFiles]] = HassKey(f"{DOMAIN}_calendar_files")


def calendar_files(hass: HomeAssistant) -> CalendarFiles:
    """Return the calendar files shared by every account."""
    if (files := hass.data.get(CALENDAR_FILES)) is None:
        files = hass.data[CALENDAR_FILES] = CalendarFiles(hass)
    return files


class CalendarFiles:
    """The calendar files as last received, for every account of this Home Assistant."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start empty; the stored files are read by the first account that starts."""
        self._store = CalendarStore(hass)
        # A stored file stays as stored until first asked for, and is written back as it was:
        # a start reads the rolling files, not every archive a window once needed.
        self._files: dict[FileKey, CachedFile | dict[str, Any]] = {}
        self._archive_use: dict[FileKey, datetime] = {}
        self._lock = asyncio.Lock()
        self._loaded = False

    def get(self, key: FileKey) -> CachedFile | None:
        """Return a file as last received, if any."""
        if isinstance(file := self._files.get(key), dict):
            try:
                file = self._files[key] = CachedFile.from_stored(file)
            except LookupError, TypeError, ValueError, AttributeError:
                self._store.warn_unknown_format()
                del self._files[key]
                return None
        return file

    async def async_load(self, now: datetime) -> None:
        """Read the stored files once, so that fresh ones are not fetched again."""
        async with self._lock:
            if self._loaded:
                return
            self._loaded = True
            if (files := await self._store.async_load_copy(_files_from_json)) is not None:
                self._files = dict(files)
                self._archive_use = {key: now for key in files if key.year is not None}
                # Every account's start reads the rolling files; the archives wait for a window.
                for key in files:
                    if key.year is None:
                        self.get(key)

    async def async_save_now(self) -> None:
        """Write the files now (an account unloads: no delayed write must outlive it)."""
        await self._store.async_save(self._stored())

    async def async_remove(self) -> None:
        """Delete the stored files (the last account was removed)."""
        await self._store.async_remove()

    def _needs_check(self, key: FileKey, cached: CachedFile, now: datetime) -> bool:
        if key.year is not None and key.month is not None:
            year, month = (key.year + 1, 1) if key.month == 12 else (key.year, key.month + 1)
            if cached.checked_at >= _month_start(year, month) + ARCHIVE_MARGIN:
                return False  # checked after its month was over: final
        return now - cached.checked_at >= FILE_MAX_AGE

    async def async_file(self, client: SimklClient, key: FileKey, now: datetime) -> CachedFile:
        """Return a file, asking Simkl only when the copy is due for a check.

        One account at a time: another one asking for the same file meanwhile gets the copy
        just received.
        """
        async with self._lock:
            cached = self.get(key)
            if cached is not None and not self._needs_check(key, cached, now):
                return cached
            try:
                result = await client.get_calendar(
                    key.kind,
                    year=key.year,
                    month=key.month,
                    if_modified_since=cached.last_modified if cached else None,
                )
            except SimklNotFoundError:
                if key.year is None:
                    raise
                # A month Simkl has not published: nothing airs in it as far as Simkl knows.
                fresh = CachedFile(airings=(), last_modified=None, generated_at=now, checked_at=now)
            else:
                if isinstance(result, CalendarNotModified):
                    assert cached is not None  # a 304 only answers a conditional request
                    fresh = replace(cached, checked_at=now)
                else:
                    airings = (Airing.from_entry(entry) for entry in result.entries)
                    fresh = CachedFile(
                        airings=in_time_order(airing for airing in airings if airing is not None),
                        last_modified=result.last_modified,
                        generated_at=_generated_at(result.last_modified, now),
                        checked_at=now,
                    )
            self._files[key] = fresh
            self._store.async_delay_save_copy(self._stored)
            return fresh

    def use_archives(self, needed: Iterable[FileKey], now: datetime) -> None:
        """Note the archives an account reads now; drop the least recently used beyond
        `MAX_CACHED_ARCHIVES`, never one in use."""
        needed = set(needed)
        for key in needed:
            self._archive_use[key] = now
        others = sorted(
            (key for key in self._archive_use if key not in needed),
            key=self._archive_use.__getitem__,
            reverse=True,
        )
        for key in others[max(0, MAX_CACHED_ARCHIVES - len(needed)) :]:
            del self._archive_use[key]
            self._files.pop(key, None)

    def _stored(self) -> dict[str, Any]:
        return {
            "files": {
                key.storage_key: file if isinstance(file, dict) else file.to_stored()
                for key, file in self._files.items()
            }
        }


def _files_from_json(stored: dict[str, Any]) -> dict[FileKey, dict[str, Any]]:
    """Name the stored calendar files; each is read when first asked for."""
    files = stored["files"]
    if not all(isinstance(file, dict) for file in files.values()):
        msg = "A stored calendar file is not an object"
        raise TypeError(msg)
    return {FileKey.from_storage_key(key): file for key, file in files.items()}
