"""An account's calendar: the calendar files joined with its library.

The files list every episode and release of the coming weeks, for everyone; the join keeps
the titles the account follows, described with what its library knows of them. A joined
file is kept in time order and, when the library changes, joined again only for the titles
that changed, so a watched episode costs the titles it touched, not a pass over the files.
"""

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, Self, override

from homeassistant.util import dt as dt_util

from .api import (
    FANART_MOBILE,
    POSTER_MEDIUM,
    ImageKind,
    ListStatus,
    MediaType,
)
from .const import (
    CONF_CALENDAR_LISTS,
    CONF_CALENDAR_MOVIES,
    DEFAULT_CALENDAR_LISTS,
    DEFAULT_CALENDAR_MOVIES,
    SIMKL_WEB_URL,
)
from .library import Episode, Library, LibraryEntry, episode_code

if TYPE_CHECKING:
    from .calendar_files import Airing

# Simkl's own fallbacks when a title has no runtime.
DEFAULT_TV_RUNTIME = timedelta(minutes=45)
DEFAULT_ANIME_RUNTIME = timedelta(minutes=25)


def _absolute_url(path: str) -> str:
    return path if path.startswith(("https://", "http://")) else f"{SIMKL_WEB_URL}{path}"


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
    poster: str | None
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
        return self.follows_list(entry.media_type, entry.status)

    def kinds(self, library: Library) -> list[MediaType]:
        """Return the calendar files worth fetching for the followed titles."""
        return [
            media_type
            for media_type in MediaType
            if any(
                library.count(media_type, status)
                for status in ListStatus
                if self.follows_list(media_type, status)
            )
        ]

    def follows_list(self, media_type: MediaType, status: ListStatus | None) -> bool:
        """Tell whether the calendar shows the titles of a type in a list."""
        if media_type is MediaType.MOVIES:
            return self.movies and status is ListStatus.PLAN_TO_WATCH
        return status in self.lists


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
        if entry is not None and selection.follows(entry):
            yield upcoming_item(airing, entry, image_url)


def upcoming_item(airing: Airing, entry: LibraryEntry, image_url: ImageUrl) -> UpcomingItem:
    """Describe an airing of a library title."""
    # A release is an all-day event; an episode keeps its time and its network's date.
    air_time = None if entry.is_movie else airing.air_time
    air_date = air_time.date() if air_time is not None else airing.air_date
    # Movies link to their page; episodes to the episode's page when the file names it.
    episode_url = None if entry.is_movie else airing.url
    return UpcomingItem(
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
        poster=image_url(ImageKind.POSTER, entry.poster, POSTER_MEDIUM),
        fanart=image_url(ImageKind.FANART, entry.fanart, FANART_MOBILE),
        rating=airing.rating,
        finale_type=airing.finale_type,
    )


def in_air_order(item: UpcomingItem) -> tuple[datetime, str, str]:
    """Return the key that sorts items by start, then title."""
    return (item.start, item.title, item.uid)


def _air_key(airing: Airing) -> datetime:
    """Return when an airing is filed in time, without the library.

    Its item starts at most a day away from it (an all-day item starts at local midnight).
    """
    return airing.air_time or datetime.combine(airing.air_date, time(), UTC)


# How far before a window the airings are read: an item starts up to a day from its airing's
# time and lasts at most two (an all-day release, an episode's runtime).
_REACH = timedelta(days=3)
_DAY = timedelta(days=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _utc_day_at(seconds: float) -> date:
    return datetime.fromtimestamp(seconds, UTC).date()


def microseconds(moment: datetime) -> int:
    """Return an instant as whole microseconds since the epoch, which compare faster than
    datetimes in different offsets and exactly like them."""
    return (moment - _EPOCH) // _MICROSECOND


def _day_start_us(day: date) -> int:
    return microseconds(datetime.combine(day, time(), UTC))


# What `next_item` holds its answer until when it found nothing: nothing ends later.
_NO_END = microseconds(datetime.max.replace(tzinfo=UTC))


class Slot(NamedTuple):
    """An item with when it is on, worked out once: slots sort in air order (start, title,
    uid) and a window tests them without working the times out again."""

    start_us: int
    title: str
    uid: str
    end_us: int
    item: UpcomingItem

    @classmethod
    def of(cls, item: UpcomingItem) -> Self:
        """Place an item in time (in the current time zone, for an all-day item)."""
        return cls(microseconds(item.start), item.title, item.uid, microseconds(item.end), item)


class JoinedFile:
    """A calendar file joined with an account's library, day by day as windows ask for them.

    The airings are put in time order once per file. The followed items of a day (by the UTC
    day of their airing) are made when a window first reaches that day and kept until one of
    its titles changes in the library, or the time zone changes; an item is kept until its
    title's library entry changes. A window thus costs the items it returns, and a change in
    the library the days of the titles it touched.
    """

    def __init__(
        self, airings: tuple[Airing, ...], selection: CalendarSelection, image_url: ImageUrl
    ) -> None:
        """Put the file's airings in time order."""
        self.airings = airings
        self._selection = selection
        self._image_url = image_url
        # Sorted by Unix time: comparing datetimes in different offsets (the networks' own)
        # costs several times more, in the sort and in every lookup.
        keyed = sorted(
            ((_air_key(airing).timestamp(), airing) for airing in airings), key=itemgetter(0)
        )
        self._keys = [key for key, _ in keyed]
        self._order = [airing for _, airing in keyed]
        self._library: Library | None = None
        # Position in `_order` -> the entry the item was made from, and the item.
        self._items: dict[int, tuple[LibraryEntry, UpcomingItem]] = {}
        # UTC day -> its followed items, for the library and the time zone they were made in.
        self._days: dict[date, list[Slot]] = {}
        self._zone: tzinfo | None = None
        # The last answer of `next_item`: from when, until when it holds (the end of the item
        # it found), and the item. Kept until a day's items change.
        self._next: tuple[int, int, UpcomingItem | None] | None = None
        # Each title's airings, in time order; its episodes are made when first asked for.
        self._title_airings: dict[int, list[Airing]] = {}
        for airing in self._order:
            self._title_airings.setdefault(airing.simkl_id, []).append(airing)
        self._episodes: dict[int, tuple[Episode, ...]] = {}

    def update(self, library: Library) -> None:
        """Join with `library` from now on, keeping the days its changes did not touch."""
        changed = library.changes_since(self._library) if self._library is not None else None
        if changed is None:
            self._forget_days()
        else:
            for simkl_id in changed:
                if airings := self._title_airings.get(simkl_id):
                    self._next = None
                    for airing in airings:
                        self._days.pop(_utc_day(_air_key(airing)), None)
        self._library = library

    def _forget_days(self) -> None:
        self._days.clear()
        self._next = None

    def _check_zone(self) -> None:
        """Forget the days made in another time zone: all-day items start at local midnight."""
        if (zone := dt_util.get_default_time_zone()) is not self._zone:
            self._forget_days()
            self._zone = zone

    def _item(self, position: int) -> UpcomingItem | None:
        assert self._library is not None
        airing = self._order[position]
        entry = self._library.items.get(airing.simkl_id)
        if entry is None or not self._selection.follows(entry):
            return None
        cached = self._items.get(position)
        if cached is None or cached[0] is not entry:
            cached = self._items[position] = (entry, upcoming_item(airing, entry, self._image_url))
        return cached[1]

    def _day(self, day: date) -> list[Slot]:
        """Return the followed items of the airings of a UTC day."""
        if (slots := self._days.get(day)) is None:
            midnight = datetime.combine(day, time(), UTC)
            first = bisect_left(self._keys, midnight.timestamp())
            last = bisect_left(self._keys, (midnight + _DAY).timestamp(), lo=first)
            items = (self._item(position) for position in range(first, last))
            slots = self._days[day] = [Slot.of(item) for item in items if item is not None]
        return slots

    def between(self, start: datetime, end: datetime) -> Iterator[Slot]:
        """Yield the items on between `start` and `end`, in no particular order."""
        if not self._keys:
            return
        self._check_zone()
        day = max(_utc_day(start - _REACH), _utc_day_at(self._keys[0]))
        last = min(_utc_day(end + _DAY), _utc_day_at(self._keys[-1]))
        start_us, end_us = microseconds(start), microseconds(end)
        while day <= last:
            for slot in self._day(day):
                if slot.start_us < end_us and slot.end_us > start_us:
                    yield slot
            day += _DAY

    def next_item(self, now: datetime) -> UpcomingItem | None:
        """Return the item on at `now`, or else the next one.

        The answer holds until the item it found ends, or until the library changes one of
        the file's titles: a calendar's state, attributes and next update all ask for it.
        """
        if not self._keys:
            return None
        self._check_zone()
        now_us = microseconds(now)
        if self._next is not None and self._next[0] <= now_us < self._next[1]:
            return self._next[2]
        best: Slot | None = None
        day = max(_utc_day(now - _REACH), _utc_day_at(self._keys[0]))
        last = _utc_day_at(self._keys[-1])
        while day <= last:
            # The items of a day's airings start at most a day before the day.
            if best is not None and _day_start_us(day - _DAY) > best.start_us:
                break
            for slot in self._day(day):
                if slot.end_us > now_us and (best is None or slot < best):
                    best = slot
            day += _DAY
        self._next = (now_us, best.end_us if best else _NO_END, best.item if best else None)
        return self._next[2]

    @property
    def titles_with_episodes(self) -> Iterable[int]:
        """Return the Simkl ids of the titles in the file (an id may turn out to have only
        airings without an episode number)."""
        return self._title_airings.keys()

    def episodes(self, entry: LibraryEntry) -> tuple[Episode, ...]:
        """Return the episodes in the file of a followed show (the same tuple each time)."""
        if (
            entry.is_movie
            or (airings := self._title_airings.get(entry.simkl_id)) is None
            or not self._selection.follows(entry)
        ):
            return ()
        if (found := self._episodes.get(entry.simkl_id)) is None:
            found = self._episodes[entry.simkl_id] = tuple(
                Episode(
                    season=airing.season,
                    number=airing.episode,
                    title=airing.episode_title,
                    aired_at=airing.air_time,
                )
                for airing in airings
                if airing.episode is not None
            )
        return found


class AiredEpisodes(Mapping[int, tuple[Episode, ...]]):
    """The followed shows' episodes in some joined files, by Simkl id, looked up when asked."""

    def __init__(self, library: Library, files: Iterable[JoinedFile]) -> None:
        """Read `files` for the titles of `library`."""
        self._library = library
        self._files = tuple(files)

    def of(self, entry: LibraryEntry) -> tuple[Episode, ...]:
        """Return a title's episodes (the same tuple while nothing changes)."""
        found = [episodes for file in self._files if (episodes := file.episodes(entry))]
        return found[0] if len(found) == 1 else tuple(chain.from_iterable(found))

    @override
    def __getitem__(self, simkl_id: int) -> tuple[Episode, ...]:
        if (entry := self._library.items.get(simkl_id)) is None or not (found := self.of(entry)):
            raise KeyError(simkl_id)
        return found

    @override
    def __iter__(self) -> Iterator[int]:
        titles = {simkl_id for file in self._files for simkl_id in file.titles_with_episodes}
        return (simkl_id for simkl_id in titles if simkl_id in self)

    @override
    def __len__(self) -> int:
        return sum(1 for _ in self)
