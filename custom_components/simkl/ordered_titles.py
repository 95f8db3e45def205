"""Values kept for library titles in a fixed order, changed title by title.

The lists the entities show (the watchlist, the episodes up next) are sorted views of the
library. Rebuilt and sorted on every change, they would cost a pass over the library each
time; kept here, a change costs the titles it touched, and the list is materialised again
only when one of them moved in or out.
"""

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from .const import NEVER

if TYPE_CHECKING:
    from .library import Library

type SortKey = tuple[float, str]
# A title's place in the order: its sort key, then its Simkl id, in one flat tuple (sorting
# compares flat tuples about twice as fast as a key nested in a tuple).
type _Place = tuple[float, str, int]


def latest_first(moment: datetime | None, title: str) -> SortKey:
    """Sort the most recent `moment` first (unknown last), then by title."""
    return (-(moment or NEVER).timestamp(), title)


def changed_titles(library: Library, previous: Library | None) -> Iterable[int] | None:
    """Return the Simkl ids changed since `previous`; None when only a full pass can tell."""
    return library.changes_since(previous) if previous is not None else None


def is_same(one: tuple[object, ...], other: tuple[object, ...]) -> bool:
    """Tell whether two tuples hold the very same objects (without comparing contents)."""
    return len(one) == len(other) and all(a is b for a, b in zip(one, other, strict=True))


class OrderedTitles[V]:
    """A value per Simkl id, listed in the order of a sort key given with each value.

    `values()` returns the same list object until something changes, so a reader can tell
    that nothing did without comparing the lists. Each change counts as a revision, and the
    titles changed are logged, so that a list derived from this one (`mirror`) can follow it
    title by title.
    """

    __slots__ = (
        "_filling",
        "_keys",
        "_listed",
        "_log",
        "_log_start",
        "_order",
        "_shared",
        "_values",
    )

    def __init__(self) -> None:
        """Start empty."""
        self._keys: dict[int, SortKey] = {}
        self._values: dict[int, V] = {}
        self._order: list[_Place] = []
        # The values in order, once asked for; changed in place until handed out again
        # (a copy is cheaper than listing the values again, at every change of a long list).
        self._listed: list[V] | None = None
        self._shared = False
        # Filled since the last `clear`: the order is sorted once, when first needed.
        self._filling = True
        # The titles changed since the revision `_log_start`, one per revision.
        self._log: list[int] = []
        self._log_start = 0

    @property
    def revision(self) -> int:
        """Return how many changes were made (a mirror remembers the revision it reached)."""
        return self._log_start + len(self._log)

    def _changed(self, simkl_id: int) -> None:
        self._log.append(simkl_id)
        # A log much longer than the list costs more than a mirror passing over the list.
        if len(self._log) > 2 * len(self._keys) + 64:
            self._restart_log()

    def _restart_log(self) -> None:
        """Forget the log: a mirror at an older revision then passes over every title."""
        self._log_start = self.revision + 1
        self._log.clear()

    def _sorted(self) -> list[_Place]:
        if self._filling:
            self._order.sort()
            self._filling = False
        return self._order

    def _own_listed(self) -> list[V] | None:
        """Return the listed values to change in place, if they are kept."""
        if self._listed is not None and self._shared:
            self._listed = self._listed.copy()
            self._shared = False
        return self._listed

    def put(self, simkl_id: int, key: SortKey, value: V) -> None:
        """Set a title's value and its place."""
        if self._keys.get(simkl_id) == key:
            if self._values[simkl_id] == value:
                return
            if (listed := self._own_listed()) is not None:
                listed[bisect_left(self._order, (*key, simkl_id))] = value
        else:
            self.discard(simkl_id)
            self._keys[simkl_id] = key
            place = (*key, simkl_id)
            if self._filling:
                self._order.append(place)
            else:
                position = bisect_left(self._order, place)
                self._order.insert(position, place)
                if (listed := self._own_listed()) is not None:
                    listed.insert(position, value)
        self._values[simkl_id] = value
        self._changed(simkl_id)

    def discard(self, simkl_id: int) -> None:
        """Remove a title, if it has a value."""
        if (key := self._keys.pop(simkl_id, None)) is None:
            return
        order = self._sorted()
        position = bisect_left(order, (*key, simkl_id))
        del order[position]
        if (listed := self._own_listed()) is not None:
            del listed[position]
        del self._values[simkl_id]
        self._changed(simkl_id)

    def clear(self) -> None:
        """Remove every title."""
        self._keys.clear()
        self._values.clear()
        self._order.clear()
        self._listed = None
        self._shared = False
        self._filling = True
        self._restart_log()

    def fill(self, titles: Iterable[tuple[int, SortKey, V]]) -> None:
        """Replace every title with `titles` (Simkl id, sort key, value), sorted once when
        first needed: a first pass costs a sort, not a place found per title."""
        self.clear()
        rows = list(titles)
        self._keys = {simkl_id: key for simkl_id, key, _ in rows}
        self._values = {simkl_id: value for simkl_id, _, value in rows}
        self._order = [(*key, simkl_id) for simkl_id, key, _ in rows]

    def mirror[S](
        self, source: OrderedTitles[S], revision: int | None, make: Callable[[S], V]
    ) -> int:
        """Bring this list in step with `source`, in its order, with a value made by `make`
        from each of its values; return `source`'s revision, to pass back next time.

        From a `revision` returned earlier, only the titles changed since are made again.
        """
        if revision is None or revision < source._log_start:
            # In `source`'s order, already sorted.
            self.clear()
            values = source._values
            self._keys = source._keys.copy()
            self._values = {simkl_id: make(values[simkl_id]) for simkl_id in self._keys}
            self._order = source._sorted().copy()
            self._filling = False
            return source.revision
        changed = dict.fromkeys(source._log[revision - source._log_start :])
        for simkl_id in changed:
            if (key := source._keys.get(simkl_id)) is None:
                self.discard(simkl_id)
            else:
                self.put(simkl_id, key, make(source._values[simkl_id]))
        return source.revision

    def values(self) -> list[V]:
        """Return the values in order (the same list while nothing changes; do not modify)."""
        if self._listed is None:
            values = self._values
            self._listed = [values[place[2]] for place in self._sorted()]
        # Handed out: a change makes a new list, by which a reader tells that one happened.
        self._shared = True
        return self._listed
