"""What the sensors read from a library, kept up to date entry by entry.

A sensor's value (a list's size, the totals, the last watched title) would otherwise be a
pass over every title of the library on each update; kept here, a change costs what it
touched.
"""

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from .api import ListStatus, MediaType
from .const import NEVER

if TYPE_CHECKING:
    from .library import LibraryEntry

type ListKey = tuple[MediaType, ListStatus | None]
type Sums = tuple[int, int, int]
"""Episodes watched, movies watched, minutes watched."""

_NOTHING: Sums = (0, 0, 0)


def _sums(entry: LibraryEntry) -> Sums:
    if entry.is_movie:
        return (0, int(entry.status is ListStatus.COMPLETED), entry.watched_minutes())
    return (entry.watched_episodes, 0, entry.watched_minutes())


def _plus(sums: Sums, other: Sums) -> Sums:
    return (sums[0] + other[0], sums[1] + other[1], sums[2] + other[2])


def _watched_at(entry: LibraryEntry) -> datetime:
    return entry.watched_at or NEVER


def _stored_watched_at(entry: LibraryEntry) -> datetime:
    """Return when an entry was last watched as stored, Simkl's "date unknown" placeholder
    included: it is older than any real date."""
    return entry.last_watched_at or NEVER


class LibraryIndex:
    """The entries of each list, the totals and the last watched entry of each type."""

    __slots__ = ("_latest", "_lists", "_owned", "_sums")

    def __init__(self) -> None:
        """Start empty."""
        self._lists: dict[ListKey, dict[int, LibraryEntry]] = {}
        # The lists this index may change in place; the others are shared with the index it
        # was copied from (or with its copies), and copied when first changed.
        self._owned: set[ListKey] = set()
        self._sums: dict[MediaType, Sums] = {}
        # A type missing here is worked out when asked (after its latest entry went).
        self._latest: dict[MediaType, LibraryEntry | None] = {}

    def copy(self) -> LibraryIndex:
        """Return a copy that can change without touching this one.

        The lists are shared until one side changes one, so a copy costs the lists changed
        afterwards, not the whole library.
        """
        copied = LibraryIndex()
        copied._lists = dict(self._lists)
        self._owned = set()
        copied._sums = dict(self._sums)
        copied._latest = dict(self._latest)
        return copied

    def _list(self, key: ListKey) -> dict[int, LibraryEntry]:
        """Return a list to change in place."""
        if key not in self._owned:
            self._lists[key] = dict(self._lists.get(key, {}))
            self._owned.add(key)
        return self._lists[key]

    def add(self, entry: LibraryEntry) -> None:
        """Count an entry in (remove the one it replaces first)."""
        self._list((entry.media_type, entry.status))[entry.simkl_id] = entry
        sums = self._sums.get(entry.media_type, _NOTHING)
        self._sums[entry.media_type] = _plus(sums, _sums(entry))
        if entry.media_type in self._latest and entry.watched_at is not None:
            latest = self._latest[entry.media_type]
            if latest is None or entry.watched_at > _watched_at(latest):
                self._latest[entry.media_type] = entry

    def replace(self, old: LibraryEntry, new: LibraryEntry) -> None:
        """Count `new` in instead of `old` (the same title)."""
        latest = self._latest.get(old.media_type) is old
        self.remove(old)
        # Watched later than the latest entry was, it is the latest now: no pass to find it.
        if latest and new.media_type is old.media_type and _watched_at(new) > _watched_at(old):
            self._latest[new.media_type] = new
        self.add(new)

    def remove(self, entry: LibraryEntry) -> None:
        """Count an entry out."""
        del self._list((entry.media_type, entry.status))[entry.simkl_id]
        episodes, movies, minutes = _sums(entry)
        self._sums[entry.media_type] = _plus(
            self._sums[entry.media_type], (-episodes, -movies, -minutes)
        )
        if self._latest.get(entry.media_type) is entry:
            del self._latest[entry.media_type]

    def entries(
        self, media_type: MediaType | None = None, status: ListStatus | None = None
    ) -> Iterator[LibraryEntry]:
        """Iterate over the entries of a type and/or a list."""
        if media_type is not None and status is not None:
            yield from self._lists.get((media_type, status), {}).values()
            return
        for (entry_type, entry_status), entries in self._lists.items():
            if media_type is not None and entry_type is not media_type:
                continue
            if status is not None and entry_status is not status:
                continue
            yield from entries.values()

    def count(self, media_type: MediaType, status: ListStatus) -> int:
        """Return how many entries of a type are in a list."""
        return len(self._lists.get((media_type, status), ()))

    def sums(self, media_types: Collection[MediaType]) -> Sums:
        """Return the totals of the given types."""
        episodes = movies = minutes = 0
        for media_type in media_types:
            add_episodes, add_movies, add_minutes = self._sums.get(media_type, _NOTHING)
            episodes += add_episodes
            movies += add_movies
            minutes += add_minutes
        return (episodes, movies, minutes)

    def _latest_of(self, media_type: MediaType) -> LibraryEntry | None:
        if media_type not in self._latest:
            # One plain lookup per entry: the latest stored date is the latest known one,
            # unless no entry has a known date.
            latest = max(self.entries(media_type), key=_stored_watched_at, default=None)
            self._latest[media_type] = latest if latest and latest.watched_at else None
        return self._latest[media_type]

    def last_watched(self, media_types: Collection[MediaType]) -> LibraryEntry | None:
        """Return the most recently watched entry of the given types with a known date."""
        latest = (entry for kind in media_types if (entry := self._latest_of(kind)) is not None)
        return max(latest, key=_watched_at, default=None)
