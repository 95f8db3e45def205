"""What the calendar of the seven-day run must show, worked out from the fake Simkl alone.

The fake makes its calendar files from its catalogue, so the events follow from the
catalogue, the fake's library and the rules of docs/calendar.md, never from the
integration's own join:
- titles in Watching or Plan to watch (the default lists) get their episodes, movies in
  Plan to watch an all-day event on their release date;
- an episode is `Title S02E05` (anime `Title E148`), checked (`✓ `, "Watched on Simkl.")
  when it is not after the last one watched, and lasts the show's runtime;
- the description ends with the link to the episode (or movie) on Simkl.

Simkl's schedule gains titles (`add_title`): the integration checks its files at most every
6 hours, so a new title reaches the calendar with the next check of its kind's file. The
model notes where in the fake's request log each title was added and each rolling file was
last asked for.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.util import dt as dt_util

from tests.fake_simkl import CatalogItem, MediaKind, SeasonPlan
from tests.fake_simkl.titles import MEDIA_KINDS, WEEK, zone
from tests.fake_simkl.views import episode_url, page_url

if TYPE_CHECKING:
    import random

    from tests.fake_simkl import FakeSimkl, FakeUser, LibraryEntry

type Event = dict[str, Any]

ROLLING_FILES: dict[str, MediaKind] = {
    "/calendar/tv.json": "tv",
    "/calendar/anime.json": "anime",
    "/calendar/movie_release.json": "movie",
}
FOLLOWED_LISTS = frozenset({"watching", "plantowatch"})
SIMKL_WEB = "https://simkl.com"
# Ids of the titles added to the schedule during the run.
NEW_TITLE_IDS = 9_100_000
NETWORK_ZONES = {"tv": ("America/New_York", "America/Los_Angeles", "Europe/London")}
BEFORE_THE_CATALOGUE = -1


@dataclass
class CalendarModel:
    """The fake's schedule as the integration last fetched it, and the events it makes."""

    fake: FakeSimkl
    user: FakeUser
    # Simkl id -> position in the fake's request log when the title joined the schedule.
    _added: dict[int, int] = field(default_factory=dict)
    # Kind -> position in the request log of the last request of its rolling file.
    _fetched: dict[MediaKind, int] = field(default_factory=dict)
    _seen: int = 0

    def observe(self) -> None:
        """Note the rolling files the integration asked for since the last call."""
        requests = self.fake.requests
        for position in range(self._seen, len(requests)):
            kind = ROLLING_FILES.get(requests[position].path)
            if kind is not None:
                self._fetched[kind] = position
        self._seen = len(requests)

    def clear_requests(self) -> None:
        """Clear the fake's request log, keeping what the files held."""
        self.observe()
        self.fake.clear_requests()
        self._fetched = dict.fromkeys(self._fetched, BEFORE_THE_CATALOGUE)
        self._added = dict.fromkeys(self._added, BEFORE_THE_CATALOGUE)
        self._seen = 0

    def add_title(self, rng: random.Random) -> CatalogItem:
        """Put a new show, anime or movie on Simkl's schedule, airing from a day ahead."""
        kind = rng.choice(MEDIA_KINDS)
        number = len(self._added) + 1
        simkl_id = NEW_TITLE_IDS + number
        now = self.fake.now()
        day = now.date() + timedelta(days=rng.randint(1, 60))
        common: dict[str, Any] = {"simkl_id": simkl_id, "kind": kind, "year": day.year}
        if kind == "movie":
            item = CatalogItem(
                **common,
                title=f"Premiere {number}",
                runtime=rng.randint(85, 170),
                timezone="America/New_York",
                released=day,
            )
        else:
            network = "Asia/Tokyo" if kind == "anime" else rng.choice(NETWORK_ZONES["tv"])
            first_air = datetime.combine(day, time(rng.randint(0, 23), 30), zone(network))
            # Weekly, or the whole season at once as streaming services do.
            interval = rng.choice([WEEK, WEEK, timedelta()])
            item = CatalogItem(
                **common,
                title=f"New Series {number}",
                runtime=rng.choice([24, 30, 45, 60]),
                timezone=network,
                seasons=(SeasonPlan(1, rng.randint(2, 10), first_air, interval),),
            )
        self.fake.catalog.add(item)
        self.fake.touch_calendar()
        self._added[simkl_id] = len(self.fake.requests)
        return item

    def settled(self) -> bool:
        """Tell whether every title added is in the files the integration last fetched."""
        latest = max(self._added.values(), default=BEFORE_THE_CATALOGUE)
        return all(position >= latest for position in self._fetched.values())

    def events(self, start: datetime, end: datetime) -> list[Event]:
        """Return the events between `start` and `end`, as `calendar.get_events` lists them.

        Right for windows the rolling files hold (the day before their fetch to 33 days
        after), or for any window once `settled`: the archives are fetched when a window
        asks for them, after their 6 hours.
        """
        found = []
        for entry in self.fake.library(self.user).entries.values():
            item = entry.item
            if not self._in_files(item) or not _followed(entry):
                continue
            if item.is_movie:
                found += _release(item, start, end)
            else:
                found += _episodes(entry, start, end)
        return sorted(found, key=_order)

    def _in_files(self, item: CatalogItem) -> bool:
        added = self._added.get(item.simkl_id, BEFORE_THE_CATALOGUE)
        return self._fetched.get(item.kind, BEFORE_THE_CATALOGUE) >= added


def ordered(events: list[Event]) -> list[Event]:
    """Return events in the model's order, to compare with it."""
    return sorted(events, key=_order)


def _order(event: Event) -> tuple[str, str]:
    return (str(event["start"]), str(event["summary"]))


def _followed(entry: LibraryEntry) -> bool:
    if entry.item.is_movie:
        return entry.status == "plantowatch"
    return entry.status in FOLLOWED_LISTS


def _release(item: CatalogItem, start: datetime, end: datetime) -> list[Event]:
    released = item.released
    assert released is not None
    day_after = released + timedelta(days=1)
    if not _local_midnight(released) < end or not _local_midnight(day_after) > start:
        return []
    return [
        {
            "start": released.isoformat(),
            "end": day_after.isoformat(),
            "summary": item.title,
            "description": f"{SIMKL_WEB}{page_url(item)}",
        }
    ]


def _episodes(entry: LibraryEntry, start: datetime, end: datetime) -> list[Event]:
    item = entry.item
    runtime = timedelta(minutes=item.runtime)
    found = []
    for plan in item.seasons:
        # Those aired a runtime before the window's start have ended before it.
        first = plan.aired_count(start - runtime) + 1
        for number in range(first, plan.aired_count(end) + 1):
            aired_at = plan.air_time(number)
            if not (aired_at < end and aired_at + runtime > start):
                continue
            watched = _watched(entry, plan.number, number)
            code = f"E{number}" if item.kind == "anime" else f"S{plan.number:02d}E{number:02d}"
            link = f"{SIMKL_WEB}{episode_url(item, plan.number, number)}"
            found.append(
                {
                    "start": dt_util.as_local(aired_at).isoformat(),
                    "end": dt_util.as_local(aired_at + runtime).isoformat(),
                    "summary": f"✓ {item.title} {code}" if watched else f"{item.title} {code}",
                    "description": f"Watched on Simkl.\n{link}" if watched else link,
                }
            )
    return found


def _watched(entry: LibraryEntry, season: int, number: int) -> bool:
    """Watched, as the progress Simkl reports tells: not after the last episode watched
    (anime by episode number alone)."""
    last = entry.last_watched_key
    if last is None:
        return False
    if entry.item.kind == "anime":
        return number <= last[1]
    return (season, number) <= last


def _local_midnight(day: date) -> datetime:
    return dt_util.start_of_local_day(day)
