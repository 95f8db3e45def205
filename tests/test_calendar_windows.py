"""Windows of the calendar: a window returns exactly what is on in it, whatever its edges.

A joined file answers a window from the days the window reaches, each made once and kept
while its titles do not change (see `JoinedFile`). Every window of the table must give what
a plain pass over the whole file finds on in it, and what the table says.

The file spans the end of November 2026, with Home Assistant in Los Angeles (UTC-8):
- Evening Show S01E05 airs at 21:00 in New York on 30 November, which is 1 December in UTC;
- Night Anime E7 airs at 00:30 in Tokyo on 1 December, the afternoon before in Los Angeles;
- Release (a movie) is out on 1 December: all day, from midnight to midnight in Los Angeles;
- Long Special runs five hours from 22:00 on 30 November, across midnight;
- Dropped is in no calendar list, so its episode never shows.
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.simkl.api import ListStatus, MediaType
from custom_components.simkl.calendar_join import (
    CalendarSelection,
    UpcomingItem,
    in_air_order,
    join_library,
)
from custom_components.simkl.calendar_store import Airing, in_time_order
from custom_components.simkl.joined_file import JoinedFile
from custom_components.simkl.library import Account, Library, LibraryEntry

SHOW, ANIME, MOVIE, LONG, DROPPED = 1, 2, 3, 4, 5
SELECTION = CalendarSelection(lists=frozenset({ListStatus.WATCHING}), movies=True)

ENTRIES = (
    LibraryEntry(
        simkl_id=SHOW,
        media_type=MediaType.SHOWS,
        title="Evening Show",
        status=ListStatus.WATCHING,
        runtime=60,
    ),
    LibraryEntry(
        simkl_id=ANIME, media_type=MediaType.ANIME, title="Night Anime", status=ListStatus.WATCHING
    ),
    LibraryEntry(
        simkl_id=MOVIE,
        media_type=MediaType.MOVIES,
        title="Release",
        status=ListStatus.PLAN_TO_WATCH,
    ),
    LibraryEntry(
        simkl_id=LONG,
        media_type=MediaType.SHOWS,
        title="Long Special",
        status=ListStatus.WATCHING,
        runtime=300,
    ),
    LibraryEntry(
        simkl_id=DROPPED, media_type=MediaType.SHOWS, title="Dropped", status=ListStatus.DROPPED
    ),
)


def _episode(simkl_id: int, air_time: str, season: int | None, episode: int) -> Airing:
    moment = datetime.fromisoformat(air_time)
    return Airing(
        simkl_id=simkl_id,
        title="?",
        air_date=moment.date(),
        air_time=moment,
        season=season,
        episode=episode,
    )


AIRINGS = (
    _episode(SHOW, "2026-11-23T21:00:00-05:00", 1, 4),
    _episode(SHOW, "2026-11-30T21:00:00-05:00", 1, 5),
    _episode(SHOW, "2026-12-07T21:00:00-05:00", 1, 6),
    _episode(ANIME, "2026-12-01T00:30:00+09:00", None, 7),
    Airing(simkl_id=MOVIE, title="Release", air_date=date(2026, 12, 1)),
    _episode(LONG, "2026-11-30T22:00:00-08:00", 1, 1),
    _episode(DROPPED, "2026-12-01T12:00:00+00:00", 2, 1),
)

S1E4, S1E5, S1E6 = (f"simkl-{SHOW}-s1e{number}" for number in (4, 5, 6))
E7, RELEASE, SPECIAL = f"simkl-{ANIME}-e7", f"simkl-{MOVIE}-release", f"simkl-{LONG}-s1e1"


def _library(*entries: LibraryEntry) -> Library:
    library = Library(account=Account(account_id=1, name="alice"))
    library.add(entries or ENTRIES)
    return library


def _joined(library: Library) -> JoinedFile:
    joined = JoinedFile(in_time_order(AIRINGS), SELECTION, lambda kind, path, size: None)
    joined.update(library)
    return joined


def _window(joined: JoinedFile, start: datetime, end: datetime) -> list[UpcomingItem]:
    """The items on in the window, in the order of their slots."""
    return [slot.item for slot in sorted(joined.between(start, end))]


def _plain_pass(library: Library, start: datetime, end: datetime) -> list[UpcomingItem]:
    """What is on in the window, item by item over the whole file."""
    items = join_library(AIRINGS, library, SELECTION, lambda kind, path, size: None)
    return sorted(
        (item for item in items if item.start < end and item.end > start), key=in_air_order
    )


@pytest.fixture(autouse=True)
async def los_angeles(hass: HomeAssistant) -> None:
    """Home Assistant in Los Angeles."""
    await hass.config.async_set_time_zone("America/Los_Angeles")


def _local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=dt_util.get_default_time_zone())


# (start, end) in Los Angeles, and the uids on in between, in air order.
WINDOWS = {
    "a quiet day": ("2026-11-26T00:00:00", "2026-11-27T00:00:00", []),
    "no time at all, between two episodes": ("2026-11-27T00:00:00", "2026-11-27T00:00:00", []),
    "no time at all, inside the special": ("2026-11-30T23:00:00", "2026-11-30T23:00:00", [SPECIAL]),
    "30 November": ("2026-11-30T00:00:00", "2026-12-01T00:00:00", [E7, S1E5, SPECIAL]),
    "1 December": ("2026-12-01T00:00:00", "2026-12-02T00:00:00", [SPECIAL, RELEASE]),
    "across the month's end": (
        "2026-11-30T12:00:00",
        "2026-12-01T12:00:00",
        [S1E5, SPECIAL, RELEASE],
    ),
    "ends as the release starts": ("2026-11-30T23:30:00", "2026-12-01T00:00:00", [SPECIAL]),
    "the release's last minute": ("2026-12-01T23:59:00", "2026-12-02T00:00:00", [RELEASE]),
    "starts as the release ends": ("2026-12-02T00:00:00", "2026-12-03T00:00:00", []),
    "ends as the episode starts": ("2026-11-30T17:00:00", "2026-11-30T18:00:00", []),
    "starts as the episode ends": ("2026-11-30T19:00:00", "2026-11-30T20:00:00", []),
    "the episode's last minute": ("2026-11-30T18:59:00", "2026-11-30T19:00:00", [S1E5]),
    "the special's last hour, the next day": (
        "2026-12-01T02:00:00",
        "2026-12-01T03:00:00",
        [SPECIAL, RELEASE],
    ),
    "the whole file": (
        "2026-11-01T00:00:00",
        "2027-01-01T00:00:00",
        [S1E4, E7, S1E5, SPECIAL, RELEASE, S1E6],
    ),
    "years before the file": ("2020-01-01T00:00:00", "2021-01-01T00:00:00", []),
    "years after the file": ("2030-01-01T00:00:00", "2031-01-01T00:00:00", []),
}


@pytest.mark.parametrize(("start", "end", "uids"), WINDOWS.values(), ids=WINDOWS.keys())
async def test_window(hass: HomeAssistant, start: str, end: str, uids: list[str]) -> None:
    """Each window holds what is on in it; asked again, the same."""
    library = _library()
    joined = _joined(library)
    window = (_local(start), _local(end))

    found = _window(joined, *window)

    assert [item.uid for item in found] == uids
    assert found == _plain_pass(library, *window)
    assert _window(joined, *window) == found


def _changes() -> Iterator[tuple[str, LibraryEntry]]:
    show, _, _, long, dropped = ENTRIES
    yield "an episode watched", replace(show, next_to_watch="S01E06", watched_episodes=5)
    yield "a title out of the calendar lists", replace(long, status=ListStatus.COMPLETED)
    yield "a title into the calendar lists", replace(dropped, status=ListStatus.WATCHING)


@pytest.mark.parametrize("copied", [True, False], ids=["copied", "rebuilt"])
async def test_window_after_library_changes(hass: HomeAssistant, copied: bool) -> None:
    """Days already made follow every change of the library, whether the new library was
    copied from the last one (only the days of its changes are made again) or not."""
    library = _library()
    joined = _joined(library)
    window = (_local("2026-11-20T00:00:00"), _local("2026-12-10T00:00:00"))
    assert _window(joined, *window) == _plain_pass(library, *window)

    for change, entry in _changes():
        if copied:
            library = library.copy()
            library.add([entry])
        else:
            kept = (old for old in library.items.values() if old.simkl_id != entry.simkl_id)
            library = _library(*kept, entry)
        joined.update(library)
        assert _window(joined, *window) == _plain_pass(library, *window), change

    assert [(item.uid, item.watched) for item in _window(joined, *window)] == [
        (S1E4, True),
        (E7, False),
        (S1E5, True),
        (RELEASE, False),
        (f"simkl-{DROPPED}-s2e1", False),
        (S1E6, False),
    ]


async def test_window_after_a_time_zone_change(hass: HomeAssistant) -> None:
    """An all-day release moves with the time zone's midnight; timed episodes stay put."""
    library = _library()
    joined = _joined(library)
    day = (_local("2026-12-01T00:00:00"), _local("2026-12-02T00:00:00"))
    assert [item.uid for item in _window(joined, *day)] == [SPECIAL, RELEASE]

    await hass.config.async_set_time_zone("Pacific/Auckland")
    day = (_local("2026-12-01T00:00:00"), _local("2026-12-02T00:00:00"))

    assert [item.uid for item in _window(joined, *day)] == [RELEASE, E7, S1E5, SPECIAL]
    assert _window(joined, *day) == _plain_pass(library, *day)
    # Auckland's first half hour of 1 December is still 30 November in UTC.
    first_minutes = (day[0], day[0] + timedelta(minutes=30))
    assert [item.uid for item in _window(joined, *first_minutes)] == [RELEASE]
