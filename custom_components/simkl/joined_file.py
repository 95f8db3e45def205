"""A calendar file joined with an account's library, day by day as windows ask for them.

A file keeps its airings in time order, so a day's airings are found by bisecting. The
followed items of a day are placed in time (`Slot`) when a window first reaches the day, and
an item itself is made when first read; both are kept until the library changes one of the
day's titles. A window thus costs the items it returns, and a change in the library the days
of the titles it touched.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cached_property, lru_cache
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple, override

from homeassistant.util import dt as dt_util

from .api import MediaType
from .calendar_join import (
    CalendarSelection,
    ImageUrl,
    UpcomingItem,
    episode_duration,
    item_title,
    item_uid,
    upcoming_item,
)
from .calendar_store import TIME_ORDER, day_start_us, microseconds
from .library import Episode, Library, LibraryEntry
from .ordered_titles import is_same

if TYPE_CHECKING:
    from .calendar_store import Airing


# How far before a window the airings are read: an item starts up to a day from its airing's
# time and lasts at most two (an all-day release, an episode's runtime).
_REACH = timedelta(days=3)
_DAY = timedelta(days=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DAY_US = _DAY // _MICROSECOND
# The items of a UTC day's airings start from a day before the day to a day after it ends.
_ITEM_REACH_US = 2 * _DAY_US


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _utc_day_at(moment_us: int) -> date:
    return (_EPOCH + moment_us * _MICROSECOND).date()


# What `next_item` holds its answer until when it found nothing: nothing ends later.
_NO_END = microseconds(datetime.max.replace(tzinfo=UTC))


@lru_cache(maxsize=256)
def _duration_us(media_type: MediaType, runtime: int | None) -> int:
    return episode_duration(media_type, runtime) // _MICROSECOND


class Slot(NamedTuple):
    """When a followed item is on, worked out once, without the item itself.

    Slots sort in air order (start, title, uid), and a window tests them without working
    the times out again. The item is made when first read: a window's count needs every
    slot, but a sensor shows its first few items and a calendar's state one.
    """

    start_us: int
    title: str
    uid: str
    end_us: int
    media_type: MediaType
    # Where the item comes from: unique in its file, so that two slots never compare files.
    position: int
    file: JoinedFile

    @property
    def item(self) -> UpcomingItem:
        """Return the item (made once, kept until its title's library entry changes)."""
        return self.file.item_at(self.position)


class JoinedFile:
    """A calendar file joined with an account's library, day by day as windows ask for them.

    The airings come in time order (`in_time_order`, as a file keeps them). The followed items
    of a day (by the UTC day of their airing) are placed in time when a window first reaches
    that day, and kept until one of its titles changes in the library, or the time zone
    changes; an item is made when first read and kept until its title's library entry changes.
    """

    def __init__(
        self, airings: tuple[Airing, ...], selection: CalendarSelection, image_url: ImageUrl
    ) -> None:
        """Join a file's airings, in time order, with the library once `update` gives it."""
        self.airings = airings
        self._selection = selection
        self._image_url = image_url
        # The first and the last UTC day of the airings, when there are any.
        self._span = (
            (_utc_day_at(airings[0].filed_us), _utc_day_at(airings[-1].filed_us))
            if airings
            else None
        )
        self._library: Library | None = None
        # Position in `airings` -> the entry the item was made from, and the item.
        self._items: dict[int, tuple[LibraryEntry, UpcomingItem]] = {}
        # UTC day -> the slots of its followed items, for the library and the time zone they
        # were placed in.
        self._days: dict[date, list[Slot]] = {}
        self._zone: tzinfo | None = None
        # The last answer of `next_item`: from when, until when it holds (the end of the item
        # it found), and the item. Kept until a day's items change.
        self._next: tuple[int, int, UpcomingItem | None] | None = None
        # Each title's airings, in time order; its episodes are made when first asked for.
        self._title_airings: dict[int, list[Airing]] = {}
        for airing in airings:
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
                        self._days.pop(_utc_day_at(airing.filed_us), None)
        self._library = library

    def _forget_days(self) -> None:
        self._days.clear()
        self._next = None

    def _check_zone(self) -> None:
        """Forget the days made in another time zone: all-day items start at local midnight."""
        if (zone := dt_util.get_default_time_zone()) is not self._zone:
            self._forget_days()
            self._zone = zone

    def item_at(self, position: int) -> UpcomingItem:
        """Return the item of the airing at `position`, of a title in the library."""
        assert self._library is not None
        airing = self.airings[position]
        entry = self._library.items[airing.simkl_id]
        cached = self._items.get(position)
        if cached is None or cached[0] is not entry:
            cached = self._items[position] = (entry, upcoming_item(airing, entry, self._image_url))
        return cached[1]

    def _slot(self, position: int) -> Slot | None:
        """Place the airing at `position` in time; None when its title is not followed."""
        assert self._library is not None
        airing = self.airings[position]
        entry = self._library.items.get(airing.simkl_id)
        if entry is None or not self._selection.follows(entry):
            return None
        media_type = entry.media_type
        if airing.air_time is None or entry.is_movie:
            # An all-day item starts at local midnight: the item works it out.
            item = self.item_at(position)
            start_us, end_us = microseconds(item.start), microseconds(item.end)
            return Slot(start_us, item.title, item.uid, end_us, media_type, position, self)
        # An episode's item starts at its air time, which is the airing's key.
        start_us = airing.filed_us
        return Slot(
            start_us,
            item_title(entry, airing),
            item_uid(media_type, airing),
            start_us + _duration_us(media_type, entry.runtime),
            media_type,
            position,
            self,
        )

    def _day(self, day: date) -> list[Slot]:
        """Return the followed items of the airings of a UTC day."""
        if (slots := self._days.get(day)) is None:
            midnight = day_start_us(day)
            first = bisect_left(self.airings, midnight, key=TIME_ORDER)
            last = bisect_left(self.airings, midnight + _DAY_US, lo=first, key=TIME_ORDER)
            slots = self._days[day] = [
                slot for position in range(first, last) if (slot := self._slot(position))
            ]
        return slots

    def between(self, start: datetime, end: datetime) -> list[Slot]:
        """Return the items on between `start` and `end`, in no particular order."""
        if self._span is None:
            return []
        self._check_zone()
        first_day, last_day = self._span
        day = max(_utc_day(start - _REACH), first_day)
        last = min(_utc_day(end + _DAY), last_day)
        start_us, end_us = microseconds(start), microseconds(end)
        found: list[Slot] = []
        while day <= last:
            slots = self._day(day)
            midnight = day_start_us(day)
            if midnight - _DAY_US >= start_us and midnight + _ITEM_REACH_US <= end_us:
                # Every item of the day starts within the window (and ends after it starts).
                found.extend(slots)
            else:
                found.extend(
                    slot for slot in slots if slot.start_us < end_us and slot.end_us > start_us
                )
            day += _DAY
        return found

    def next_item(self, now: datetime) -> UpcomingItem | None:
        """Return the item on at `now`, or else the next one.

        The answer holds until the item it found ends, or until the library changes one of
        the file's titles: a calendar's state, attributes and next update all ask for it.
        """
        if self._span is None:
            return None
        self._check_zone()
        now_us = microseconds(now)
        if self._next is not None and self._next[0] <= now_us < self._next[1]:
            return self._next[2]
        best: Slot | None = None
        first_day, last = self._span
        day = max(_utc_day(now - _REACH), first_day)
        while day <= last:
            # The items of a day's airings start at most a day before the day.
            if best is not None and day_start_us(day - _DAY) > best.start_us:
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

    def titles_aired_between(self, start: datetime, end: datetime) -> Iterator[int]:
        """Yield the Simkl id of each airing of an episode after `start`, up to `end` (a title
        once per airing, followed or not)."""
        first = bisect_right(self.airings, microseconds(start), key=TIME_ORDER)
        last = bisect_right(self.airings, microseconds(end), lo=first, key=TIME_ORDER)
        for position in range(first, last):
            airing = self.airings[position]
            # An airing without a time is filed at its day's midnight, and airs at no moment.
            if airing.air_time is not None and airing.episode is not None:
                yield airing.simkl_id

    def episodes(self, entry: LibraryEntry) -> tuple[Episode, ...]:
        """Return the episodes in the file of a followed show (the same tuple each time)."""
        if (
            (airings := self._title_airings.get(entry.simkl_id)) is None
            or entry.is_movie
            or not self._selection.follows(entry)
        ):
            return ()
        if (found := self._episodes.get(entry.simkl_id)) is None:
            found = self._episodes[entry.simkl_id] = tuple(
                Episode(
                    season=airing.season,
                    number=airing.episode,
                    title=airing.episode_title,
                    # In UTC, as every moment it is compared with: comparing datetimes in
                    # different offsets (the networks' own) costs several times more.
                    aired_at=airing.air_time.astimezone(UTC) if airing.air_time else None,
                )
                for airing in airings
                if airing.episode is not None
            )
        return found


class AiredEpisodes(Mapping[int, tuple[Episode, ...]]):
    """The followed shows' episodes in some joined files, by Simkl id, looked up when asked.

    Each title's answer is kept: the up-next list and the new-episode check both ask for
    every title being watched.
    """

    def __init__(self, library: Library, files: Iterable[JoinedFile]) -> None:
        """Read `files` for the titles of `library`."""
        self._library = library
        self._files = tuple(files)
        self._found: dict[int, tuple[Episode, ...]] = {}

    @cached_property
    def _listed(self) -> frozenset[int]:
        """Return the Simkl ids in the files: most titles asked for are in none of them."""
        return frozenset(chain.from_iterable(file.titles_with_episodes for file in self._files))

    def reads(self, library: Library, files: Iterable[JoinedFile]) -> bool:
        """Tell whether this reads the very same library and files (and may be reused)."""
        return library is self._library and is_same(tuple(files), self._files)

    def of(self, entry: LibraryEntry) -> tuple[Episode, ...]:
        """Return a title's episodes (the same tuple while nothing changes)."""
        if (known := self._found.get(entry.simkl_id)) is not None:
            return known
        found = [episodes for file in self._files if (episodes := file.episodes(entry))]
        known = () if not found else found[0] if len(found) == 1 else tuple(chain(*found))
        self._found[entry.simkl_id] = known
        return known

    @override
    def __getitem__(self, simkl_id: int) -> tuple[Episode, ...]:
        if (entry := self._library.items.get(simkl_id)) is None or not (found := self.of(entry)):
            raise KeyError(simkl_id)
        return found

    @override
    def get(self, key: int, default: Any = None) -> Any:
        """Return a title's episodes, or `default`, without raising (most titles have none)."""
        if key not in self._listed:
            return default
        entry = self._library.items.get(key)
        return (self.of(entry) if entry is not None else None) or default

    @override
    def __iter__(self) -> Iterator[int]:
        return (simkl_id for simkl_id in self._listed if simkl_id in self)

    @override
    def __len__(self) -> int:
        return sum(1 for _ in self)
