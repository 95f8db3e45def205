"""Libraries filed for the demo account and, at any size, for benchmarks."""

from dataclasses import dataclass
from datetime import datetime, timedelta
import random

from .catalog import Catalog
from .library import Change, LibraryEntry, Status
from .state import FakeUser, State
from .titles import CatalogItem


@dataclass(frozen=True, slots=True)
class _DemoEntry:
    """A demo library row. ``unwatched``: aired episodes left unwatched at the end (0: caught
    up, None: nothing watched); ``through``: watched up to this (season, episode)."""

    simkl_id: int
    status: Status
    unwatched: int | None = None
    through: tuple[int, int] | None = None
    rating: int | None = None
    playback: tuple[float, int | None, int | None] | None = None


DEMO_LIBRARY = (
    _DemoEntry(548312, "completed", unwatched=0, rating=9),  # Stranger Things
    _DemoEntry(11121, "completed", unwatched=0, rating=10),  # Breaking Bad
    _DemoEntry(17086, "hold", through=(4, 5)),  # The Office
    _DemoEntry(1186633, "watching", unwatched=2, playback=(33.0, 3, 3)),  # Severance
    _DemoEntry(1447581, "watching", unwatched=0),  # The Last of Us: next episode tomorrow
    _DemoEntry(1184213, "watching", unwatched=1),  # Slow Horses: airs at London midnight
    _DemoEntry(1830167, "plantowatch"),  # The Bear
    _DemoEntry(1046349, "dropped", through=(1, 4)),  # Andor
    _DemoEntry(1999361, "watching", unwatched=0),  # Fallout: season 2 premieres in 12 days
    _DemoEntry(38636, "watching", unwatched=50),  # One Piece
    _DemoEntry(2133914, "completed", unwatched=0, rating=10),  # Frieren
    _DemoEntry(2494385, "watching", unwatched=1),  # Frieren season 2
    _DemoEntry(2239716, "completed", unwatched=0, rating=8),  # Dandadan
    _DemoEntry(2473210, "watching", unwatched=0),  # Dandadan season 2: 00:26 in Tokyo
    _DemoEntry(1206393, "plantowatch"),  # Jujutsu Kaisen
    _DemoEntry(37078, "completed", unwatched=0, rating=9),  # Cowboy Bebop
    _DemoEntry(556932, "completed", unwatched=0),  # Your Name.
    _DemoEntry(475479, "completed", unwatched=0, rating=9),  # Inception
    _DemoEntry(465519, "plantowatch", playback=(42.5, None, None)),  # Interstellar
    _DemoEntry(2020815, "completed", unwatched=0, rating=8),  # Dune: Part Two
    _DemoEntry(2134550, "plantowatch"),  # Project Hail Mary: released in 9 days
)


def _watched_at(aired_at: datetime, delay: timedelta, latest: datetime) -> datetime:
    """Return a plausible watch time: ``delay`` after airing, but not in the future."""
    return max(aired_at, min(aired_at + delay, latest))


def _put(
    change: Change,
    item: CatalogItem,
    status: Status,
    *,
    watched_count: int,
    delay: timedelta,
) -> LibraryEntry:
    """File ``item`` in ``status`` with its first ``watched_count`` aired episodes watched."""
    entry = LibraryEntry(item, status, change.stamp, change.stamp)
    now = change.stamp
    if item.is_movie:
        release = item.release_at
        if watched_count and release is not None:
            entry.movie_watched_at = _watched_at(release, delay, now)
    else:
        remaining = watched_count
        for plan in item.seasons:
            taken = min(remaining, plan.aired_count(now))
            for number in range(1, taken + 1):
                entry.watched[plan.number, number] = _watched_at(plan.air_time(number), delay, now)
            remaining -= taken
    change.library.entries[item.simkl_id] = entry
    change.touch(item.kind, status)
    return entry


def seed_demo_library(state: State, user: FakeUser) -> None:
    """File the demo library for ``user`` (adding missing demo items to the catalogue)."""
    now = state.now()
    missing = {row.simkl_id for row in DEMO_LIBRARY if row.simkl_id not in state.catalog}
    for demo_item in Catalog.demo(now) if missing else ():
        if demo_item.simkl_id in missing:
            state.catalog.add(demo_item)
    library = user.library
    with library.change() as change:
        for row in DEMO_LIBRARY:
            item = state.catalog.get(row.simkl_id)
            if item is None:
                continue
            aired = 1 if item.is_movie else item.aired_count(now)
            if row.through is not None:
                watched = sum(1 for key in item.aired_keys(now) if key <= row.through)
            elif row.unwatched is not None:
                watched = max(aired - row.unwatched, 0)
            else:
                watched = 0
            _put(change, item, row.status, watched_count=watched, delay=timedelta(hours=20))
            if row.rating is not None:
                library.rate(change, item, row.rating)
            if row.playback is not None:
                progress, season, number = row.playback
                library.save_playback(
                    change, item, state.next_id(), progress, season=season, number=number
                )


def _pick_status(rng: random.Random, item: CatalogItem, now: datetime) -> tuple[Status, int]:
    """Return a plausible list and number of watched episodes for a seeded item."""
    if item.is_movie:
        released = item.status(now) == "released"
        roll = rng.random()
        if released and roll < 0.5:
            return "completed", 1
        return ("dropped", 0) if released and roll > 0.9 else ("plantowatch", 0)
    aired = item.aired_count(now)
    if not aired:
        return "plantowatch", 0
    roll = rng.random()
    if roll < 0.35:
        return "watching", rng.randint(1, aired)
    if roll < 0.6:
        return ("completed" if item.status(now) == "ended" else "watching"), aired
    if roll < 0.8:
        return "plantowatch", 0
    return ("hold" if roll < 0.9 else "dropped"), rng.randint(1, aired)


def seed_library(state: State, user: FakeUser, count: int, seed: int) -> list[LibraryEntry]:
    """File ``count`` catalogue items not yet in the library, generating items if needed."""
    now = state.now()
    library = user.library
    candidates = [item for item in state.catalog if item.simkl_id not in library.entries]
    if len(candidates) < count:
        candidates += state.catalog.add_synthetic(count - len(candidates), seed=seed, now=now)
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    chosen = candidates
    if len(candidates) > count:
        positions = sorted(rng.sample(range(len(candidates)), count))
        chosen = [candidates[position] for position in positions]
    entries = []
    with library.change() as change:
        for item in chosen:
            status, watched = _pick_status(rng, item, change.stamp)
            delay = timedelta(hours=rng.randint(1, 24 * 30))
            entry = _put(change, item, status, watched_count=watched, delay=delay)
            if status != "plantowatch" and rng.random() < 0.3:
                library.rate(change, item, rng.randint(1, 10))
            entries.append(entry)
    return entries
