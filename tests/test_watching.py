"""The watched titles followed change by change: always what a full pass would find."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

import pytest

from custom_components.simkl.api import ListStatus, MediaType
from custom_components.simkl.changes import Activity, episodes_aired_between
from custom_components.simkl.const import NEVER
from custom_components.simkl.library import Account, Episode, Library, LibraryEntry, UpNext
from custom_components.simkl.watching import NewEpisodes, UpNextList

if TYPE_CHECKING:
    from custom_components.simkl.upcoming import SimklCalendarCoordinator

NOW = datetime(2026, 10, 15, 18, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SHOWS = frozenset({MediaType.SHOWS, MediaType.ANIME})


@dataclass
class File:
    """A calendar file: only the identity of its airings matters here."""

    airings: object


class Calendar:
    """The calendar as the followers read it: its files and the episodes they list."""

    def __init__(self, episodes: Mapping[int, tuple[Episode, ...]]) -> None:
        """List `episodes` in one file."""
        self.files = {MediaType.SHOWS: File(object())}
        self.episodes = episodes

    def episodes_by_title(self) -> Mapping[int, tuple[Episode, ...]]:
        """Return the listed episodes by Simkl id."""
        return self.episodes

    def titles_aired_between(self, start: datetime, end: datetime) -> set[int]:
        """Return the titles with a listed episode that aired after `start`, up to `end`."""
        return {
            simkl_id
            for simkl_id, listed in self.episodes.items()
            if any(episode.aired_at and start < episode.aired_at <= end for episode in listed)
        }


def _entry(simkl_id: int, **fields: object) -> LibraryEntry:
    defaults: dict[str, object] = {
        "media_type": MediaType.SHOWS,
        "title": f"Show {simkl_id}",
        "status": ListStatus.WATCHING,
        "total_episodes": 10,
        "watched_episodes": 2,
        "next_to_watch": "S01E03",
        "next_episode_aired_at": NOW - 24 * HOUR,
        "last_watched_at": NOW - simkl_id * HOUR,
    }
    return LibraryEntry(simkl_id=simkl_id, **(defaults | fields))  # type: ignore[arg-type]


def _library() -> Library:
    library = Library(account=Account(account_id=1, name="alice"))
    library.add(
        [
            _entry(1),
            _entry(2, media_type=MediaType.ANIME, next_to_watch="E5", total_episodes=4),
            # Its next episode airs in two hours.
            _entry(3, next_episode_aired_at=NOW + 2 * HOUR, total_episodes=2),
            _entry(4, status=ListStatus.PLAN_TO_WATCH),
            _entry(5, media_type=MediaType.MOVIES, next_to_watch=None),
            # Nothing aired left, and the calendar lists its next episode in three hours.
            _entry(6, watched_episodes=10, next_to_watch=None, next_episode_aired_at=None),
            _entry(7, last_watched_at=None, added_at=NOW - 3 * HOUR),
        ]
    )
    return library


def _episode(number: int, aired_at: datetime) -> Episode:
    return Episode(season=1, number=number, title=f"Episode {number}", aired_at=aired_at)


EPISODES: dict[int, tuple[Episode, ...]] = {
    1: (_episode(3, NOW - 24 * HOUR), _episode(4, NOW + HOUR)),
    6: (_episode(11, NOW + 3 * HOUR),),
    7: (_episode(3, NOW - 30 * HOUR), _episode(4, NOW + 30 * HOUR)),
}


def _watch(library: Library) -> None:
    entry = library.items[1]
    library.add([replace(entry, watched_episodes=3, next_to_watch="S01E04", last_watched_at=NOW)])


def _start_watching(library: Library) -> None:
    library.add([replace(library.items[4], status=ListStatus.WATCHING)])


def _put_on_hold(library: Library) -> None:
    library.add([replace(library.items[2], status=ListStatus.HOLD)])


def _remove(library: Library) -> None:
    library.keep_only(MediaType.SHOWS, {3, 4, 6, 7})


def _add(library: Library) -> None:
    library.add([_entry(8, next_episode_aired_at=NOW + 90 * timedelta(minutes=1))])


def _rename(library: Library) -> None:
    library.add([replace(library.items[7], title="A show first in titles")])


CHANGES: list[Callable[[Library], None]] = [
    _watch,
    _start_watching,
    _put_on_hold,
    _remove,
    _add,
    _rename,
]
CHANGE_IDS = [change.__name__.strip("_") for change in CHANGES]

# Moments after the start at which the lists are read again: before any air time, just
# after the first, and past all of them.
LATER = [timedelta(0), timedelta(minutes=61), 4 * HOUR, 40 * HOUR]


def _full_up_next(
    library: Library, episodes: Mapping[int, tuple[Episode, ...]], now: datetime
) -> list[tuple[LibraryEntry, UpNext]]:
    """The list as a pass over every title being watched finds it."""
    waiting = [
        (entry, up_next)
        for media_type in SHOWS
        for entry in library.entries(media_type, ListStatus.WATCHING)
        if (up_next := entry.up_next(now, episodes.get(entry.simkl_id, ())))
    ]
    waiting.sort(key=lambda pair: pair[0].title)
    waiting.sort(key=lambda pair: pair[0].watched_at or pair[0].added_at or NEVER, reverse=True)
    return waiting


def _calendar(episodes: Mapping[int, tuple[Episode, ...]]) -> SimklCalendarCoordinator:
    return cast("SimklCalendarCoordinator", Calendar(episodes))


@pytest.mark.parametrize("later", LATER)
@pytest.mark.parametrize("change", CHANGES, ids=CHANGE_IDS)
def test_up_next_follows_a_change_as_a_full_pass_finds_it(
    change: Callable[[Library], None], later: timedelta
) -> None:
    """After a change and time passing, the list is the one a full pass finds."""
    library, calendar = _library(), _calendar(EPISODES)
    followed = UpNextList(SHOWS)
    assert followed.pairs(library, calendar, NOW) == _full_up_next(library, EPISODES, NOW)

    changed = library.copy()
    change(changed)
    moment = NOW + later

    assert followed.pairs(changed, calendar, moment) == _full_up_next(changed, EPISODES, moment)
    assert followed.pairs(changed, calendar, moment) is followed.pairs(changed, calendar, moment)


def test_up_next_follows_new_calendar_files() -> None:
    """New calendar files bring the episodes they list."""
    library = _library()
    followed = UpNextList(SHOWS)
    followed.pairs(library, _calendar({}), NOW)
    later = NOW + 2 * HOUR

    assert followed.pairs(library, _calendar(EPISODES), later) == _full_up_next(
        library, EPISODES, later
    )


def _aired(library: Library, start: datetime, end: datetime) -> list[Activity]:
    """The new episodes a pass over every title being watched finds, in air order."""
    watching = (
        entry for entry in library.entries(status=ListStatus.WATCHING) if entry.media_type in SHOWS
    )
    found = episodes_aired_between(watching, EPISODES, start, end)
    return sorted(found, key=_air_order)


def _air_order(activity: Activity) -> tuple[datetime, str]:
    assert activity.episode is not None
    return (activity.episode.aired_at or NEVER, activity.entry.title)


@pytest.mark.parametrize("change", CHANGES, ids=CHANGE_IDS)
def test_new_episodes_follow_a_change_as_a_full_pass_finds_them(
    change: Callable[[Library], None],
) -> None:
    """Window after window, with a change in between, the episodes announced are those a
    full pass finds, each once."""
    library, calendar = _library(), _calendar(EPISODES)
    followed = NewEpisodes(SHOWS)
    start = NOW - 48 * HOUR
    ends = [NOW, NOW + 30 * timedelta(minutes=1), *(NOW + later for later in LATER[1:])]
    for number, end in enumerate(ends):
        if number == 1:
            library = library.copy()
            change(library)
        assert followed.aired_between(library, calendar, start, end) == _aired(library, start, end)
        start = end


def test_the_table_announces_episodes() -> None:
    """The windows above do announce episodes (the comparison is not between empty lists):
    those listed by the calendar, and a next episode Simkl reported."""
    found = _aired(_library(), NOW - 48 * HOUR, NOW + 40 * HOUR)
    announced = {(activity.entry.simkl_id, activity.episode) for activity in found}
    assert {(simkl_id, episode) for simkl_id, listed in EPISODES.items() for episode in listed} < (
        announced
    )
    assert (3, _library().items[3].next_episode) in announced
