"""The shows and anime being watched, followed through library and calendar updates.

What a watched title shows (its next episode to watch, the episodes it has just aired)
changes only when its library entry changes, when the calendar files change, or when one of
its air times passes. Each title's answer is kept with the moment it next needs working out
again, so an update costs the titles that changed or whose episode just aired, not a pass
over every title being watched.
"""

from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING, override

from .api import ListStatus, MediaType
from .changes import Activity, episodes_aired_between
from .const import NEVER
from .ordered_titles import OrderedTitles, SortKey, changed_titles, is_same, latest_first

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from .coordinator import SimklLibraryCoordinator
    from .library import Episode, Library, LibraryEntry, UpNext
    from .upcoming import SimklCalendarCoordinator


def calendar_airings(calendar: SimklCalendarCoordinator) -> tuple[object, ...]:
    """Return what identifies the calendar files' contents (a new object when a file changes)."""
    return tuple(file.airings for file in calendar.files.values())


def next_air_time(
    entry: LibraryEntry, episodes: Iterable[Episode], after: datetime
) -> datetime | None:
    """Return the first air time after `after` of a title's episodes or its next episode."""
    first = entry.next_episode_aired_at
    if first is not None and first <= after:
        first = None
    for episode in episodes:
        aired_at = episode.aired_at
        if aired_at is not None and aired_at > after and (first is None or aired_at < first):
            first = aired_at
    return first


type AiredEpisodes = Mapping[int, tuple[Episode, ...]]


def _air_order(activity: Activity) -> tuple[datetime, str, int]:
    episode = activity.episode
    aired_at = (episode.aired_at if episode is not None else None) or NEVER
    return (aired_at, activity.entry.title, activity.entry.simkl_id)


class TitleFollower:
    """Follows the watched titles of some media types through library and calendar updates.

    `refresh` has every title worked out afresh (`update_every`) after the calendar files
    changed or when the library's changes are not known; otherwise `update` works out again
    the titles that changed and those whose moment (returned by their last answer) has come.
    """

    def __init__(self, media_types: frozenset[MediaType]) -> None:
        """Follow the titles of `media_types`."""
        self.media_types = media_types
        self._library: Library | None = None
        self._airings: tuple[object, ...] = ()
        # When each title needs working out again, and the same as a heap (with moments
        # since replaced, skipped when they come up).
        self._until: dict[int, datetime] = {}
        self._due: list[tuple[datetime, int]] = []

    def refresh(
        self, library: Library, calendar: SimklCalendarCoordinator, moment: datetime
    ) -> None:
        """Bring every title up to date at `moment`."""
        aired = calendar.episodes_by_title()
        airings = calendar_airings(calendar)
        changed = changed_titles(library, self._library)
        self._library = library
        if changed is None or not is_same(airings, self._airings):
            self._airings = airings
            followed = [
                entry
                for media_type in self.media_types
                for entry in library.entries(media_type, ListStatus.WATCHING)
            ]
            moments = self.update_every(followed, aired, moment)
            self._until = {
                entry.simkl_id: until
                for entry, until in zip(followed, moments, strict=True)
                if until is not None
            }
            # One heap made at once costs a comparison or two per title, not one per level.
            self._due = [(until, simkl_id) for simkl_id, until in self._until.items()]
            heapify(self._due)
            return
        due = set(changed)
        while self._due and self._due[0][0] <= moment:
            until, simkl_id = heappop(self._due)
            if self._until.get(simkl_id) == until:
                due.add(simkl_id)
        for simkl_id in sorted(due):
            title = library.items.get(simkl_id)
            if title is None or not self.follows(title):
                self._schedule(simkl_id, None)
                self.forget(simkl_id)
            else:
                self._schedule(simkl_id, self.update(title, aired, moment))

    def follows(self, entry: LibraryEntry) -> bool:
        """Tell whether a title is one followed: being watched, of a followed media type."""
        return entry.status is ListStatus.WATCHING and entry.media_type in self.media_types

    def _schedule(self, simkl_id: int, until: datetime | None) -> None:
        if until is None:
            self._until.pop(simkl_id, None)
            return
        self._until[simkl_id] = until
        heappush(self._due, (until, simkl_id))

    def update_every(
        self, followed: list[LibraryEntry], aired: AiredEpisodes, moment: datetime
    ) -> list[datetime | None]:
        """Work every title's answer out afresh at `moment`, the titles followed being
        `followed`; return when each next needs it."""
        raise NotImplementedError

    def update(
        self, entry: LibraryEntry, aired: AiredEpisodes, moment: datetime
    ) -> datetime | None:
        """Work a title's answer out again at `moment`; return when it next needs it."""
        raise NotImplementedError

    def forget(self, simkl_id: int) -> None:
        """Forget a title no longer watched."""
        raise NotImplementedError


class UpNextList(TitleFollower):
    """The watched titles with an aired, unwatched episode, most recently watched first.

    Simkl's activity timestamps do not move when an episode airs, so a title's answer is
    worked out again when its next air time passes.
    """

    def __init__(self, media_types: frozenset[MediaType]) -> None:
        """Follow the titles of `media_types`."""
        super().__init__(media_types)
        self._titles: OrderedTitles[tuple[LibraryEntry, UpNext]] = OrderedTitles()

    def pairs(
        self, library: Library, calendar: SimklCalendarCoordinator, now: datetime
    ) -> list[tuple[LibraryEntry, UpNext]]:
        """Return each title and its next episode (the same list while nothing changes)."""
        return self.titles(library, calendar, now).values()

    def titles(
        self, library: Library, calendar: SimklCalendarCoordinator, now: datetime
    ) -> OrderedTitles[tuple[LibraryEntry, UpNext]]:
        """Return each title and its next episode, to be mirrored title by title."""
        self.refresh(library, calendar, now)
        return self._titles

    @staticmethod
    def _place(entry: LibraryEntry) -> SortKey:
        return latest_first(entry.watched_at or entry.added_at, entry.title)

    @staticmethod
    def _work_out(
        entry: LibraryEntry, aired: AiredEpisodes, moment: datetime
    ) -> tuple[UpNext | None, datetime | None]:
        """Return a title's next episode at `moment`, and when it next needs working out."""
        episodes = aired.get(entry.simkl_id, ())
        return entry.up_next(moment, episodes), next_air_time(entry, episodes, moment)

    @override
    def update_every(
        self, followed: list[LibraryEntry], aired: AiredEpisodes, moment: datetime
    ) -> list[datetime | None]:
        # The list is filled at once, and sorted once.
        rows: list[tuple[int, SortKey, tuple[LibraryEntry, UpNext]]] = []
        moments: list[datetime | None] = []
        for entry in followed:
            found, until = self._work_out(entry, aired, moment)
            if found is not None:
                rows.append((entry.simkl_id, self._place(entry), (entry, found)))
            moments.append(until)
        self._titles.fill(rows)
        return moments

    @override
    def update(
        self, entry: LibraryEntry, aired: AiredEpisodes, moment: datetime
    ) -> datetime | None:
        found, until = self._work_out(entry, aired, moment)
        if found is None:
            self._titles.discard(entry.simkl_id)
        else:
            self._titles.put(entry.simkl_id, self._place(entry), (entry, found))
        return until

    @override
    def forget(self, simkl_id: int) -> None:
        self._titles.discard(simkl_id)


def shared_up_next_list(
    coordinator: SimklLibraryCoordinator, media_types: frozenset[MediaType]
) -> UpNextList:
    """Return the up-next list of an account's titles of `media_types`: the next-to-watch
    sensor and the up-next to-do list show the same titles, worked out once."""
    lists = coordinator.up_next_lists
    if (found := lists.get(media_types)) is None:
        found = lists[media_types] = UpNextList(media_types)
    return found


class NewEpisodes(TitleFollower):
    """The episodes of watched titles that aired in a window.

    The calendar's episodes are found in the files' time order (the titles with an airing in
    the window), and the next episode Simkl reported for a title by its air time, which each
    title is followed by. A check thus costs the episodes that aired in it, not a pass over
    every title being watched.
    """

    def __init__(self, media_types: frozenset[MediaType]) -> None:
        """Follow the titles of `media_types`."""
        super().__init__(media_types)
        self._start: datetime | None = None
        # The titles whose next episode, as Simkl reported it, aired in the window.
        self._next_aired: set[int] = set()

    def aired_between(
        self, library: Library, calendar: SimklCalendarCoordinator, start: datetime, end: datetime
    ) -> list[Activity]:
        """Return the unwatched episodes that aired after `start`, up to `end`, in air order
        (then by title).

        Consecutive windows report each episode once.
        """
        self._start, self._next_aired = start, set()
        self.refresh(library, calendar, end)
        aired = calendar.episodes_by_title()
        found: list[Activity] = []
        for simkl_id in self._next_aired | calendar.titles_aired_between(start, end):
            entry = library.items.get(simkl_id)
            if entry is not None and self.follows(entry):
                found.extend(episodes_aired_between((entry,), aired, start, end))
        return sorted(found, key=_air_order)

    @override
    def update_every(
        self, followed: list[LibraryEntry], aired: AiredEpisodes, moment: datetime
    ) -> list[datetime | None]:
        return [self.update(entry, aired, moment) for entry in followed]

    @override
    def update(
        self, entry: LibraryEntry, aired: AiredEpisodes, moment: datetime
    ) -> datetime | None:
        """Note the title when its next episode aired in the window; return its air time while
        it is to come."""
        assert self._start is not None
        aired_at = entry.next_episode_aired_at
        if aired_at is None:
            return None
        if aired_at > moment:
            return aired_at
        if aired_at > self._start:
            self._next_aired.add(entry.simkl_id)
        return None

    @override
    def forget(self, simkl_id: int) -> None:
        """Nothing is kept per title but its next episode's air time."""
