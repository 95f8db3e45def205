"""Upcoming episodes and releases: Simkl's calendar files joined with the synced library.

Simkl has no per-user calendar for free accounts, and asking for each show's episodes would
cost one request per title. Instead, Simkl's public calendar files (every episode and movie
release of the next weeks, for everyone) are fetched and joined with the library on the Simkl
id, as Simkl recommends (reference §8):
- the rolling files (`tv`, `anime`, `movie_release`; yesterday to +33 days) are checked at most
  every 6 hours, with `If-Modified-Since`, so an unchanged file costs a body-less 304;
- windows outside them (the past, or further ahead) read the monthly archives, fetched only
  when asked for and only from a year back to three months ahead; past months never
  change, so they are fetched once;
- files and their `Last-Modified` are stored, so a restart fetches nothing that is still fresh.
"""

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final, Self, override

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import (
    FANART_MOBILE,
    POSTER_MEDIUM,
    CalendarEntry,
    CalendarNotModified,
    ImageKind,
    ListStatus,
    MediaType,
    SimklClient,
    SimklError,
    SimklNotFoundError,
    format_datetime,
    no_poster_url,
)
from .const import (
    CONF_CALENDAR_LISTS,
    CONF_CALENDAR_MOVIES,
    CONF_UPCOMING_DAYS,
    DEFAULT_CALENDAR_LISTS,
    DEFAULT_CALENDAR_MOVIES,
    DEFAULT_UPCOMING_DAYS,
    DOMAIN,
    LOGGER,
    SIMKL_WEB_URL,
    STORAGE_SAVE_DELAY,
)
from .coordinator import CacheStore, SimklDataUpdateCoordinator, translate_errors
from .library import (
    Episode,
    Library,
    LibraryEntry,
    datetime_from_json,
    datetime_to_json,
    episode_code,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import SimklConfigEntry

# Simkl regenerates the calendar files every 6 hours.
FILE_MAX_AGE = timedelta(hours=6)
# Files are checked only once older than FILE_MAX_AGE; the updates in between keep "what is
# next" current as episodes air.
UPDATE_INTERVAL = timedelta(minutes=30)
# The rolling files hold yesterday to +33 days (UTC days of their generation), each episode
# filed under its network's local date, which is up to 14 hours off UTC.
ROLLING_DAYS_BEFORE = timedelta(days=1)
ROLLING_DAYS_AFTER = timedelta(days=33)
NETWORK_OFFSET_MAX = timedelta(hours=14)
# Archives may file an episode under its network's local date, up to 14 hours off UTC, and an
# all-day release starts up to a day before the window that shows it.
ARCHIVE_MARGIN = timedelta(days=1)
# How far from today the monthly archives are read: a window of years would otherwise cost a
# file per month and kind, fetched one after another. Simkl files little further ahead.
ARCHIVE_REACH_BACK = timedelta(days=365)
ARCHIVE_REACH_AHEAD = timedelta(days=92)
# Bounds the stored archives (about a year of the three kinds); the least recently used go first.
MAX_CACHED_ARCHIVES = 36

# Simkl's own fallbacks when a title has no runtime.
DEFAULT_TV_RUNTIME = timedelta(minutes=45)
DEFAULT_ANIME_RUNTIME = timedelta(minutes=25)


def _absolute_url(path: str) -> str:
    return path if path.startswith(("https://", "http://")) else f"{SIMKL_WEB_URL}{path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Airing:
    """An episode airing or a movie release, as read from a calendar file."""

    simkl_id: int
    title: str
    air_date: date
    """The release date, or the day it airs in the network's time zone."""
    air_time: datetime | None = None
    season: int | None = None
    episode: int | None = None
    episode_title: str | None = None
    url: str | None = None
    rating: float | None = None
    finale_type: int | None = None

    @classmethod
    def from_entry(cls, entry: CalendarEntry) -> Self | None:
        """Keep what the calendar needs; None for entries without a Simkl id or a date."""
        air_date = entry.release_date or (entry.date.date() if entry.date else None)
        if entry.ids.simkl is None or air_date is None:
            return None
        return cls(
            simkl_id=entry.ids.simkl,
            title=entry.title,
            air_date=air_date,
            air_time=entry.date,
            season=entry.season,
            episode=entry.episode,
            episode_title=entry.episode_title,
            url=entry.episode_url or entry.url,
            rating=entry.rating,
            finale_type=entry.finale_type,
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-able dict for the store, without empty fields."""
        stored = {
            "simkl_id": self.simkl_id,
            "title": self.title,
            "air_date": self.air_date.isoformat(),
            "air_time": datetime_to_json(self.air_time),
            "season": self.season,
            "episode": self.episode,
            "episode_title": self.episode_title,
            "url": self.url,
            "rating": self.rating,
            "finale_type": self.finale_type,
        }
        return {key: value for key, value in stored.items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """Rebuild an airing from the store; raises on a malformed record."""
        return cls(
            simkl_id=int(data["simkl_id"]),
            title=str(data["title"]),
            air_date=date.fromisoformat(data["air_date"]),
            air_time=datetime_from_json(data.get("air_time")),
            season=data.get("season"),
            episode=data.get("episode"),
            episode_title=data.get("episode_title"),
            url=data.get("url"),
            rating=data.get("rating"),
            finale_type=data.get("finale_type"),
        )


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


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedFile:
    """A calendar file as last received, and when it was last checked."""

    airings: tuple[Airing, ...]
    last_modified: str | None
    generated_at: datetime
    checked_at: datetime

    @property
    def coverage(self) -> tuple[datetime, datetime]:
        """Return the span of time a rolling file covers for certain, whatever the network."""
        day = self.generated_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return (
            day - ROLLING_DAYS_BEFORE + NETWORK_OFFSET_MAX,
            day + ROLLING_DAYS_AFTER + timedelta(days=1) - NETWORK_OFFSET_MAX,
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-able dict for the store."""
        return {
            "last_modified": self.last_modified,
            "generated_at": self.generated_at.isoformat(),
            "checked_at": self.checked_at.isoformat(),
            "airings": [airing.to_json() for airing in self.airings],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """Rebuild a file from the store; raises on a malformed record."""
        return cls(
            airings=tuple(Airing.from_json(airing) for airing in data["airings"]),
            last_modified=data.get("last_modified"),
            generated_at=datetime.fromisoformat(data["generated_at"]),
            checked_at=datetime.fromisoformat(data["checked_at"]),
        )


def _generated_at(last_modified: str | None, received_at: datetime) -> datetime:
    if last_modified:
        try:
            return parsedate_to_datetime(last_modified).astimezone(UTC)
        except TypeError, ValueError:
            pass
    return received_at


@dataclass(frozen=True, slots=True, kw_only=True)
class UpcomingItem:
    """An episode or a movie release of a title in the calendar lists."""

    uid: str
    media_type: MediaType
    simkl_id: int
    title: str
    status: ListStatus | None
    season: int | None
    episode: int | None
    episode_title: str | None
    air_time: datetime | None
    """When it airs, in the network's offset; None for a release known by its date only."""
    air_date: date
    """The day it airs or is released, in the network's time zone."""
    runtime: int | None
    watched: bool
    url: str
    poster: str
    fanart: str | None
    rating: float | None
    finale_type: int | None

    @property
    def all_day(self) -> bool:
        """Return whether the item is known by its date only."""
        return self.air_time is None

    @property
    def number(self) -> str | None:
        """Return "S02E05", or "E148" for anime numbered without seasons."""
        return episode_code(self.season, self.episode) if self.episode is not None else None

    @property
    def duration(self) -> timedelta:
        """Return how long an episode runs, using Simkl's fallbacks when unknown."""
        if self.runtime:
            return timedelta(minutes=self.runtime)
        return DEFAULT_ANIME_RUNTIME if self.media_type is MediaType.ANIME else DEFAULT_TV_RUNTIME

    @property
    def start(self) -> datetime:
        """Return the start; a date-only release starts at local midnight."""
        if self.air_time is not None:
            return self.air_time
        return dt_util.start_of_local_day(self.air_date)

    @property
    def end(self) -> datetime:
        """Return the end; a date-only release ends with its local day."""
        if self.air_time is not None:
            return self.air_time + self.duration
        return dt_util.start_of_local_day(self.air_date + timedelta(days=1))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Tell whether the item is on between `start` (inclusive) and `end` (exclusive)."""
        return self.start < end and self.end > start

    def as_dict(self) -> dict[str, Any]:
        """Return the item as sensor attributes and action responses show it."""
        return {
            "title": self.title,
            "media_type": self.media_type.value,
            "simkl_id": self.simkl_id,
            "list": self.status.value if self.status else None,
            "season": self.season,
            "episode": self.episode,
            "number": self.number,
            "episode_title": self.episode_title,
            "airs_at": dt_util.as_utc(self.air_time).isoformat() if self.air_time else None,
            "date": (
                dt_util.as_local(self.air_time).date() if self.air_time else self.air_date
            ).isoformat(),
            "all_day": self.all_day,
            "runtime": self.runtime,
            "watched": self.watched,
            "url": self.url,
            "poster": self.poster,
        }


def _uid(media_type: MediaType, airing: Airing) -> str:
    if media_type is MediaType.MOVIES:
        return f"simkl-{airing.simkl_id}-release"
    if airing.episode is None:
        return f"simkl-{airing.simkl_id}-{airing.air_date}"
    if airing.season is None:
        return f"simkl-{airing.simkl_id}-e{airing.episode}"
    return f"simkl-{airing.simkl_id}-s{airing.season}e{airing.episode}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarSelection:
    """Which library titles the calendar follows (from the options)."""

    lists: frozenset[ListStatus]
    movies: bool

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self:
        """Read the calendar options, with their defaults."""
        lists = options.get(CONF_CALENDAR_LISTS, DEFAULT_CALENDAR_LISTS)
        return cls(
            lists=frozenset(ListStatus(status) for status in lists),
            movies=bool(options.get(CONF_CALENDAR_MOVIES, DEFAULT_CALENDAR_MOVIES)),
        )

    def follows(self, entry: LibraryEntry) -> bool:
        """Tell whether the calendar shows this title's episodes or release."""
        if entry.is_movie:
            return self.movies and entry.status is ListStatus.PLAN_TO_WATCH
        return entry.status in self.lists

    def kinds(self, library: Library) -> list[MediaType]:
        """Return the calendar files worth fetching for the followed titles."""
        types = {entry.media_type for entry in library.items.values() if self.follows(entry)}
        return [media_type for media_type in MediaType if media_type in types]


type ImageUrl = Callable[[ImageKind, str | None, str | None], str | None]


def join_library(
    airings: Iterable[Airing],
    library: Library,
    selection: CalendarSelection,
    image_url: ImageUrl,
) -> Iterator[UpcomingItem]:
    """Yield the airings of followed titles, described with what the library knows of them.

    The join is on the Simkl id alone, so an anime Simkl files under TV still matches.
    """
    for airing in airings:
        entry = library.items.get(airing.simkl_id)
        if entry is None or not selection.follows(entry):
            continue
        # A release is an all-day event; an episode keeps its time and its network's date.
        air_time = None if entry.is_movie else airing.air_time
        air_date = air_time.date() if air_time is not None else airing.air_date
        # Movies link to their page; episodes to the episode's page when the file names it.
        episode_url = None if entry.is_movie else airing.url
        yield UpcomingItem(
            uid=_uid(entry.media_type, airing),
            media_type=entry.media_type,
            simkl_id=entry.simkl_id,
            title=entry.title or airing.title,
            status=entry.status,
            season=None if entry.is_movie else airing.season,
            episode=None if entry.is_movie else airing.episode,
            episode_title=airing.episode_title,
            air_time=air_time,
            air_date=air_date,
            runtime=entry.runtime,
            watched=not entry.is_movie and entry.has_watched(airing.season, airing.episode),
            url=_absolute_url(episode_url) if episode_url else entry.url,
            poster=image_url(ImageKind.POSTER, entry.poster, POSTER_MEDIUM) or no_poster_url(),
            fanart=image_url(ImageKind.FANART, entry.fanart, FANART_MOBILE),
            rating=airing.rating,
            finale_type=airing.finale_type,
        )


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _months(start: datetime, end: datetime) -> Iterator[tuple[int, int]]:
    """Yield the UTC months from the one holding `start` to the one holding `end`."""
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _uncovered(
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


type RollingFiles = Mapping[MediaType, CachedFile]


def _in_air_order(item: UpcomingItem) -> tuple[datetime, str, str]:
    return (item.start, item.title, item.uid)


class SimklUpcomingCoordinator(DataUpdateCoordinator[RollingFiles]):
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
        library_coordinator: SimklDataUpdateCoordinator,
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
        self._store = CacheStore(hass, calendar_store_key(config_entry.entry_id), what="calendar")
        self._files: dict[FileKey, CachedFile] = {}
        self._archive_use: dict[FileKey, datetime] = {}
        self._fetch_lock = asyncio.Lock()
        self._stale_logged = False
        self._joined: tuple[Library, RollingFiles, tuple[UpcomingItem, ...]] | None = None

    @property
    def files(self) -> RollingFiles:
        """Return the rolling files; before the first update (which setup does not wait
        for), the stored ones."""
        # `data` is None until the first update, although typed as the files.
        updated: RollingFiles | None = self.data
        if updated is not None:
            return updated
        return {key.kind: file for key, file in self._files.items() if key.year is None}

    async def async_start(self) -> None:
        """Read the stored files, fetch those due in the background, and follow the library.

        Setup does not wait for the CDN, and a failure is logged and retried with the next
        update instead of failing the entry: the library's entities do not need the calendar.
        """
        await self._async_load_stored()
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
        await self._store.async_save(self._stored())

    @callback
    def _async_library_updated(self) -> None:
        """Fetch at once a file that a newly followed title needs."""
        if set(self.selection.kinds(self.library_coordinator.library)) - set(self.files):
            self.config_entry.async_create_task(self.hass, self.async_request_refresh())

    async def _async_load_stored(self) -> None:
        """Read the stored files, so that fresh ones are not fetched again after a restart."""
        files = await self._store.async_load_copy(_files_from_json)
        if files is None:
            return
        self._files = files
        now = dt_util.utcnow()
        self._archive_use = {key: now for key in files if key.year is not None}

    async def _async_update_data(self) -> RollingFiles:
        now = dt_util.utcnow()
        rolling: dict[MediaType, CachedFile] = {}
        failure: SimklError | None = None
        # A file that fails with no copy to fall back on fails the update.
        with translate_errors("calendar_update_failed"):
            for kind in self.selection.kinds(self.library_coordinator.library):
                key = FileKey(kind)
                try:
                    rolling[kind] = await self._async_file(key, now)
                except SimklError as err:
                    if (cached := self._files.get(key)) is None:
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

    def _needs_check(self, key: FileKey, cached: CachedFile, now: datetime) -> bool:
        if key.year is not None and key.month is not None:
            year, month = (key.year + 1, 1) if key.month == 12 else (key.year, key.month + 1)
            if cached.checked_at >= _month_start(year, month) + ARCHIVE_MARGIN:
                return False  # checked after its month was over: final
        return now - cached.checked_at >= FILE_MAX_AGE

    async def _async_file(self, key: FileKey, now: datetime) -> CachedFile:
        """Return a file, asking Simkl only when the stored copy is due for a check."""
        async with self._fetch_lock:
            cached = self._files.get(key)
            if cached is not None and not self._needs_check(key, cached, now):
                return cached
            try:
                result = await self.client.get_calendar(
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
                        airings=tuple(airing for airing in airings if airing is not None),
                        last_modified=result.last_modified,
                        generated_at=_generated_at(result.last_modified, now),
                        checked_at=now,
                    )
            self._files[key] = fresh
            self._store.async_delay_save(self._stored, STORAGE_SAVE_DELAY.total_seconds())
            return fresh

    def _stored(self) -> dict[str, Any]:
        return {"files": {key.storage_key: file.to_json() for key, file in self._files.items()}}

    def _archive_keys(
        self, rolling: RollingFiles, start: datetime, end: datetime
    ) -> Iterator[FileKey]:
        """Yield the archives holding what the rolling files leave out of [start, end),
        within the reach of the archives."""
        now = dt_util.utcnow()
        start, end = max(start, now - ARCHIVE_REACH_BACK), min(end, now + ARCHIVE_REACH_AHEAD)
        if start >= end:
            return
        for kind in self.selection.kinds(self.library_coordinator.library):
            file = rolling.get(kind)
            for part_start, part_end in _uncovered(start, end, file.coverage if file else None):
                for year, month in _months(part_start - ARCHIVE_MARGIN, part_end + ARCHIVE_MARGIN):
                    yield FileKey(kind, year, month)

    async def _async_load_archives(
        self, rolling: RollingFiles, start: datetime, end: datetime
    ) -> None:
        now = dt_util.utcnow()
        needed = set(self._archive_keys(rolling, start, end))
        for key in needed:
            await self._async_file(key, now)
            self._archive_use[key] = now
        others = sorted(
            (key for key in self._archive_use if key not in needed),
            key=self._archive_use.__getitem__,
            reverse=True,
        )
        for key in others[max(0, MAX_CACHED_ARCHIVES - len(needed)) :]:
            del self._archive_use[key]
            del self._files[key]

    def _join(self, airings: Iterable[Airing]) -> Iterator[UpcomingItem]:
        return join_library(
            airings, self.library_coordinator.library, self.selection, self.client.image_url
        )

    @property
    def items(self) -> tuple[UpcomingItem, ...]:
        """Return the followed titles' airings in the rolling files, unsorted.

        Joined again only when the library or a file changed, so entities may call this on
        every state write.
        """
        library, files = self.library_coordinator.library, self.files
        if self._joined is not None and self._joined[0] is library and self._joined[1] is files:
            return self._joined[2]
        airings = (airing for file in files.values() for airing in file.airings)
        joined = tuple(self._join(airings))
        self._joined = (library, files, joined)
        return joined

    def items_between(self, start: datetime, end: datetime) -> list[UpcomingItem]:
        """Return the items on between `start` and `end`, soonest first, from loaded files.

        The rolling files win over the archives where they cover the time.
        """
        found = {item.uid: item for item in self.items if item.overlaps(start, end)}
        for key in set(self._archive_keys(self.files, start, end)):
            if (archive := self._files.get(key)) is None:
                continue
            rolling = self.files.get(key.kind)
            for item in self._join(archive.airings):
                if item.uid in found or not item.overlaps(start, end):
                    continue
                if rolling is None or not rolling.coverage[0] <= item.start < rolling.coverage[1]:
                    found[item.uid] = item
        return sorted(found.values(), key=_in_air_order)

    def upcoming(self) -> list[UpcomingItem]:
        """Return what is on or coming in the upcoming window (the `upcoming_days` option)."""
        now = dt_util.utcnow()
        return self.items_between(now, now + self.upcoming_days)

    def episodes_by_title(self) -> dict[int, list[Episode]]:
        """Return the followed titles' episodes in the rolling files, by Simkl id.

        Simkl's activity timestamps do not move when an episode airs, so the library's
        progress of a title can predate the episodes these show as aired since.
        """
        episodes: dict[int, list[Episode]] = {}
        for item in self.items:
            if item.episode is not None:
                episodes.setdefault(item.simkl_id, []).append(
                    Episode(
                        season=item.season,
                        number=item.episode,
                        title=item.episode_title,
                        aired_at=item.air_time,
                    )
                )
        return episodes

    def next_item(self) -> UpcomingItem | None:
        """Return the item on now, or else the next one, from the rolling files."""
        now = dt_util.utcnow()
        return min((item for item in self.items if item.end > now), key=_in_air_order, default=None)

    async def async_get_items(self, start: datetime, end: datetime) -> list[UpcomingItem]:
        """Return the items on between `start` and `end`, fetching archives where needed.

        Raises HomeAssistantError when an archive the window needs cannot be fetched.
        """
        try:
            await self._async_load_archives(self.files, start, end)
        except SimklError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="calendar_archive_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        return self.items_between(start, end)


# upcoming-media-card reads its line layout and icon from the first item (landscape.md §2).
UPCOMING_CARD_DEFAULTS: Final = {
    "title_default": "$title",
    "line1_default": "$episode",
    "line2_default": "$release",
    "line3_default": "$number",
    "line4_default": "$runtime",
    "icon": "mdi:calendar-star",
}


def card_item(item: UpcomingItem) -> dict[str, Any]:
    """Return an item in upcoming-media-card's format (empty strings for unknown values).

    `airdate` is UTC; a date-only release uses local midnight so the card shows its own day.
    """
    return {
        "airdate": format_datetime(item.start),
        "title": item.title,
        "episode": item.episode_title or "",
        "number": item.number or "",
        "season_num": item.season if item.season is not None else "",
        "episode_num": item.episode if item.episode is not None else "",
        "release": "$day, $date" if item.all_day else "$day, $date $time",
        "runtime": item.runtime or "",
        "rating": f"\N{BLACK STAR} {item.rating:.1f}" if item.rating else "",
        "poster": item.poster,
        "fanart": item.fanart or "",
        # The corner flag marks what is already watched; `hide_flagged` hides it.
        "flag": item.watched,
        "deep_link": item.url,
    }


def _files_from_json(stored: dict[str, Any]) -> dict[FileKey, CachedFile]:
    """Read the stored calendar files."""
    return {
        FileKey.from_storage_key(key): CachedFile.from_json(value)
        for key, value in stored["files"].items()
    }


def calendar_store_key(entry_id: str) -> str:
    """Return the store key of an account's calendar files."""
    return f"{DOMAIN}.{entry_id}.calendar"
