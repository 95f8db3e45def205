"""Per-user libraries of the fake Simkl API, and how their activities move.

Activities (``/sync/activities``) move as follows; every change made by one API request or
one test control gets a single timestamp, applied to all keys it moves and to the changed
items, so that ``date_from`` deltas are exact:

* the top-level ``all`` moves on any change of the user's data, including settings;
* ``settings.all`` moves when the user's settings change;
* a type's ``all`` (``tv_shows``, ``anime``, ``movies``) moves on any change of that type;
* a status key (``watching``, ``plantowatch``, ...) moves when an item is added to that list,
  moved into it, or changes while in it (episodes watched or unwatched). The list an item
  leaves does not move: ``/sync/all-items/{type}/{status}?date_from=`` on it could not return
  the item anyway, and clients find the move by Simkl id in the destination list's delta;
* ``rated_at`` moves when a rating is added, changed or removed (also when removing an item
  deletes its rating). Rating an item that is not in the library files it (movie ->
  completed, show/anime -> watching) and moves that list's key too;
* ``playback`` moves when a paused playback is saved, replaced or deleted (scrobble pause or
  stop below 80 %, scrobble start or stop clearing it, DELETE /sync/playback, removals);
* ``removed_from_list`` moves when an item leaves the library. Removals never show up in
  ``date_from`` deltas; only full and ``extended=simkl_ids_only`` lists reveal them.

Timestamps have second precision and strictly increase: a change within the same second as
the previous one is stamped one second later.
"""

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from .titles import MEDIA_KINDS, CatalogItem, MediaKind

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import TracebackType

type Status = Literal["watching", "plantowatch", "hold", "dropped", "completed"]

STATUSES: tuple[Status, ...] = ("watching", "plantowatch", "hold", "dropped", "completed")
MOVIE_STATUSES: tuple[Status, ...] = ("plantowatch", "completed", "dropped")
SECTIONS: dict[MediaKind, str] = {"tv": "tv_shows", "anime": "anime", "movie": "movies"}
_SHOW_ACTIVITY_KEYS = ("all", "rated_at", "playback", *STATUSES, "removed_from_list")
_MOVIE_ACTIVITY_KEYS = ("all", "rated_at", "playback", *MOVIE_STATUSES, "removed_from_list")
# Where Simkl says a watched item goes: the same rule files rated items that were not listed.
AUTO_STATUS: dict[MediaKind, Status] = {"tv": "watching", "anime": "watching", "movie": "completed"}


def iso(moment: datetime | None) -> str | None:
    """Return a user timestamp the way Simkl writes it: UTC, seconds, ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time as sent by clients; raise ValueError if invalid."""
    return as_utc(datetime.fromisoformat(text.strip()))


def floor_second(moment: datetime) -> datetime:
    return as_utc(moment).replace(microsecond=0)


@dataclass(eq=False)
class LibraryEntry:
    """An item in a user's library."""

    item: CatalogItem
    status: Status
    added_at: datetime
    updated_at: datetime
    watched: dict[tuple[int, int], datetime] = field(default_factory=dict)
    movie_watched_at: datetime | None = None
    rating: int | None = None
    rated_at: datetime | None = None
    # When the rating last changed (user_rated_at may be back-dated by the client).
    rating_changed_at: datetime | None = None

    @property
    def last_watched_at(self) -> datetime | None:
        """Return when the item (or its latest watched episode) was watched."""
        if self.item.is_movie:
            return self.movie_watched_at
        return max(self.watched.values(), default=None)

    @property
    def last_watched_key(self) -> tuple[int, int] | None:
        """Return the furthest watched episode in broadcast order."""
        return max(self.watched, default=None)

    def next_to_watch(self, now: datetime) -> tuple[int, int] | None:
        """Return the aired episode after the furthest watched one (None when caught up)."""
        last = self.last_watched_key
        key = next(self.item.all_keys(), None) if last is None else self.item.next_key(*last)
        if key is None:
            return None
        aired_at = self.item.air_time(*key)
        return key if aired_at is not None and aired_at <= now else None

    def all_aired_watched(self, now: datetime) -> bool:
        """Return whether every aired episode (at least one) is watched."""
        aired = list(self.item.aired_keys(now))
        return bool(aired) and all(key in self.watched for key in aired)


@dataclass(eq=False)
class Playback:
    """A paused playback session (one per item)."""

    id: int
    item: CatalogItem
    progress: float
    paused_at: datetime
    season: int | None = None
    number: int | None = None


@dataclass(eq=False)
class Checkin:
    """A check-in that marks its episode or movie watched once its runtime has passed."""

    id: int
    item: CatalogItem
    season: int | None
    number: int | None
    started_at: datetime
    ends_at: datetime


class Activities:
    """The timestamps ``/sync/activities`` returns."""

    def __init__(self) -> None:
        """Start with nothing ever changed."""
        self.all: datetime | None = None
        self.settings: datetime | None = None
        self.sections: dict[MediaKind, dict[str, datetime | None]] = {
            kind: dict.fromkeys(_MOVIE_ACTIVITY_KEYS if kind == "movie" else _SHOW_ACTIVITY_KEYS)
            for kind in MEDIA_KINDS
        }

    def as_json(self) -> dict[str, object]:
        """Return the response body of ``/sync/activities``."""
        body: dict[str, object] = {"all": iso(self.all), "settings": {"all": iso(self.settings)}}
        for kind, keys in self.sections.items():
            body[SECTIONS[kind]] = {key: iso(value) for key, value in keys.items()}
        return body


class Change(AbstractContextManager["Change"]):
    """One change of a user's data: everything it touches gets the same timestamp.

    The timestamp is chosen when the change starts and committed on exit, only if something
    was touched, so a request that changes nothing does not move the activities.
    """

    def __init__(self, library: Library) -> None:
        """Pick the timestamp the change will carry."""
        self.library = library
        self.stamp = library.next_stamp()
        self._touched: set[tuple[MediaKind | None, str]] = set()

    def touch(self, kind: MediaKind, key: str) -> None:
        """Move activity ``key`` of the type ``kind`` (and the ``all`` keys above it)."""
        if key not in self.library.activities.sections[kind]:
            msg = f"{SECTIONS[kind]} has no activity {key!r}"
            raise ValueError(msg)
        self._touched.add((kind, key))

    def touch_settings(self) -> None:
        """Move ``settings.all``."""
        self._touched.add((None, "all"))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Commit what was touched, even when the change stopped half-way."""
        if not self._touched:
            return
        activities = self.library.activities
        activities.all = self.stamp
        for kind, key in self._touched:
            if kind is None:
                activities.settings = self.stamp
            else:
                activities.sections[kind]["all"] = self.stamp
                activities.sections[kind][key] = self.stamp
        self.library.last_stamp = self.stamp


class Library:
    """A user's lists, watched episodes, ratings, paused playbacks and activities."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        """Start empty; ``clock`` gives the current time."""
        self._clock = clock
        self.entries: dict[int, LibraryEntry] = {}
        self.playbacks: dict[int, Playback] = {}
        self.activities = Activities()
        self.last_stamp: datetime | None = None
        self.last_write_at: datetime | None = None
        # Episode (or movie: None, None) -> when a scrobble stop marked it watched.
        self.scrobbled: dict[tuple[int, int | None, int | None], datetime] = {}
        self.checkins: dict[int, Checkin] = {}

    def next_stamp(self) -> datetime:
        """Return the timestamp for the next change."""
        stamp = floor_second(self._clock())
        if self.last_stamp is not None and stamp <= self.last_stamp:
            stamp = self.last_stamp + timedelta(seconds=1)
        return stamp

    def change(self) -> Change:
        """Start a change; use it as a context manager."""
        return Change(self)

    def _touch_entry(self, change: Change, entry: LibraryEntry) -> None:
        entry.updated_at = change.stamp
        change.touch(entry.item.kind, entry.status)

    def _settle_show_status(self, entry: LibraryEntry) -> None:
        """Apply Simkl's list rules after episodes were watched or unwatched: a show with
        every episode of its ended run watched is completed, any other show with watched
        episodes is watching (whichever list it was in)."""
        now = self._clock()
        if entry.item.status(now) == "ended" and entry.all_aired_watched(now):
            entry.status = "completed"
        elif entry.watched:
            entry.status = "watching"

    def file(
        self,
        change: Change,
        item: CatalogItem,
        status: Status,
        *,
        watched_at: datetime | None = None,
        added_at: datetime | None = None,
    ) -> LibraryEntry:
        """Add ``item`` to list ``status`` or move it there, as ``/sync/add-to-list`` does.

        A movie sent to ``watching`` becomes completed. Completing a movie marks it watched;
        completing a show marks its aired episodes watched.
        """
        if item.is_movie and status == "watching":
            status = "completed"
        if item.is_movie and status not in MOVIE_STATUSES:
            msg = f"movies cannot be in {status!r}"
            raise ValueError(msg)
        entry = self.entries.get(item.simkl_id)
        if entry is None:
            entry = LibraryEntry(item, status, added_at or change.stamp, change.stamp)
            self.entries[item.simkl_id] = entry
        entry.status = status
        if status == "completed":
            moment = watched_at or change.stamp
            if item.is_movie:
                entry.movie_watched_at = watched_at or entry.movie_watched_at or moment
            else:
                for key in item.aired_keys(self._clock()):
                    entry.watched.setdefault(key, moment)
        self._touch_entry(change, entry)
        return entry

    def watch_episodes(
        self, change: Change, item: CatalogItem, episodes: Iterable[tuple[int, int, datetime]]
    ) -> LibraryEntry:
        """Mark ``(season, number, watched_at)`` episodes watched, filing the show if needed."""
        entry = self.entries.get(item.simkl_id)
        if entry is None:
            entry = LibraryEntry(item, "watching", change.stamp, change.stamp)
            self.entries[item.simkl_id] = entry
        for season, number, watched_at in episodes:
            entry.watched[season, number] = watched_at
        self._settle_show_status(entry)
        self._touch_entry(change, entry)
        return entry

    def unwatch_episodes(
        self, change: Change, entry: LibraryEntry, keys: Iterable[tuple[int, int]]
    ) -> int:
        """Unmark episodes; return how many were watched."""
        removed = sum(entry.watched.pop(key, None) is not None for key in keys)
        if entry.status == "completed" and not entry.all_aired_watched(self._clock()):
            entry.status = "watching"
        self._touch_entry(change, entry)
        return removed

    def watch_movie(self, change: Change, item: CatalogItem, watched_at: datetime) -> LibraryEntry:
        """Mark a movie watched, which completes it."""
        entry = self.file(change, item, "completed")
        entry.movie_watched_at = watched_at
        return entry

    def rate(
        self, change: Change, item: CatalogItem, rating: int, rated_at: datetime | None = None
    ) -> LibraryEntry:
        """Rate ``item`` (1-10), filing it first when it is not in the library."""
        entry = self.entries.get(item.simkl_id)
        if entry is None:
            entry = self.file(change, item, AUTO_STATUS[item.kind])
        entry.rating = rating
        entry.rated_at = rated_at or change.stamp
        entry.rating_changed_at = change.stamp
        change.touch(item.kind, "rated_at")
        return entry

    def unrate(self, change: Change, entry: LibraryEntry) -> bool:
        """Remove a rating; return whether there was one."""
        if entry.rating is None:
            return False
        entry.rating = entry.rated_at = None
        entry.rating_changed_at = change.stamp
        change.touch(entry.item.kind, "rated_at")
        return True

    def remove(self, change: Change, item: CatalogItem) -> bool:
        """Remove ``item`` from the library with its rating and paused playback."""
        entry = self.entries.pop(item.simkl_id, None)
        if entry is None:
            return False
        change.touch(item.kind, "removed_from_list")
        if entry.rating is not None:
            change.touch(item.kind, "rated_at")
        self.drop_playback(change, item)
        return True

    def save_playback(
        self,
        change: Change,
        item: CatalogItem,
        playback_id: int,
        progress: float,
        *,
        season: int | None = None,
        number: int | None = None,
    ) -> Playback:
        """Save a paused playback, replacing the item's previous one."""
        playback = Playback(playback_id, item, progress, change.stamp, season, number)
        self.playbacks[item.simkl_id] = playback
        change.touch(item.kind, "playback")
        return playback

    def drop_playback(self, change: Change, item: CatalogItem) -> bool:
        """Delete the item's paused playback; return whether there was one."""
        if self.playbacks.pop(item.simkl_id, None) is None:
            return False
        change.touch(item.kind, "playback")
        return True

    def playback_by_id(self, playback_id: int) -> Playback | None:
        """Return the paused playback with this id."""
        return next((p for p in self.playbacks.values() if p.id == playback_id), None)

    def settle_checkins(self) -> None:
        """Mark watched the check-ins whose runtime has passed (Simkl does it on its own)."""
        now = self._clock()
        for checkin in [c for c in self.checkins.values() if c.ends_at <= now]:
            del self.checkins[checkin.item.simkl_id]
            with self.change() as change:
                if checkin.season is None or checkin.number is None:
                    self.watch_movie(change, checkin.item, checkin.ends_at)
                else:
                    episode = (checkin.season, checkin.number, checkin.ends_at)
                    self.watch_episodes(change, checkin.item, [episode])
