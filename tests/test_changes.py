"""Finding the changes between two versions of a title, and publishing each once."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from custom_components.simkl.api import Activities, ListStatus, MediaType
from custom_components.simkl.changes import (
    MAX_AWAITED,
    MAX_HELD,
    Activity,
    ActivityType,
    ChangeFeed,
    entry_changes,
)
from custom_components.simkl.library import Account, Library, LibraryEntry

MONDAY = datetime(2026, 10, 12, 20, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 10, 13, 20, 0, tzinfo=UTC)

SHOW = LibraryEntry(
    simkl_id=1,
    media_type=MediaType.SHOWS,
    title="Severance",
    status=ListStatus.WATCHING,
    last_watched="S01E02",
    watched_episodes=2,
)
MOVIE = LibraryEntry(
    simkl_id=2, media_type=MediaType.MOVIES, title="Dune", status=ListStatus.PLAN_TO_WATCH
)

# (before, after) -> the changes found, as (type, key detail).
CHANGES = [
    pytest.param(None, SHOW, [("added", "watching")], id="added"),
    pytest.param(SHOW, None, [("removed", None)], id="removed"),
    pytest.param(SHOW, SHOW, [], id="unchanged"),
    pytest.param(
        SHOW,
        replace(SHOW, watched_episodes=3, last_watched="S01E03"),
        [("watched", "S01E03")],
        id="episode-watched",
    ),
    pytest.param(
        SHOW,
        replace(SHOW, watched_episodes=3, last_watched=None),
        [("watched", None)],
        id="episode-watched-without-code",
    ),
    pytest.param(
        SHOW,
        replace(SHOW, watched_episodes=1, last_watched="S01E01"),
        [],
        id="episode-unmarked",
    ),
    pytest.param(
        SHOW,
        replace(SHOW, status=ListStatus.COMPLETED, watched_episodes=9),
        [("watched", "S01E02"), ("status_changed", "completed")],
        id="show-finished",
    ),
    pytest.param(
        MOVIE,
        replace(MOVIE, status=ListStatus.COMPLETED, last_watched_at=MONDAY),
        [("watched", None)],
        id="movie-watched-is-one-change",
    ),
    pytest.param(
        replace(MOVIE, status=ListStatus.COMPLETED, last_watched_at=MONDAY),
        replace(MOVIE, status=ListStatus.COMPLETED, last_watched_at=TUESDAY),
        [("watched", None)],
        id="movie-watched-again",
    ),
    pytest.param(
        MOVIE,
        replace(MOVIE, status=ListStatus.DROPPED),
        [("status_changed", "dropped")],
        id="movie-dropped",
    ),
    pytest.param(SHOW, replace(SHOW, user_rating=8), [("rated", "8")], id="rated"),
    pytest.param(replace(SHOW, user_rating=8), SHOW, [], id="rating-removed"),
    pytest.param(
        None,
        replace(MOVIE, user_rating=9),
        [("added", "plantowatch"), ("rated", "9")],
        id="rated-unlisted",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CHANGES)
def test_entry_changes(
    old: LibraryEntry | None, new: LibraryEntry | None, expected: list[tuple[str, str | None]]
) -> None:
    """Each kind of change is found once, with what identifies it."""
    found = entry_changes(old, new)
    assert [(activity.type.value, activity.key[2]) for activity in found] == expected


def _activity(simkl_id: int) -> Activity:
    return Activity(type=ActivityType.ADDED, entry=replace(MOVIE, simkl_id=simkl_id))


def test_feed_bounds_what_it_remembers() -> None:
    """Changes nobody listens to, and writes never confirmed by a sync, are bounded."""
    feed = ChangeFeed()
    feed.publish([_activity(simkl_id) for simkl_id in range(MAX_HELD + 10)])
    assert feed.held == MAX_HELD

    received: list[Activity] = []
    stop = feed.async_add_listener(received.extend)
    assert [activity.entry.simkl_id for activity in received] == list(range(10, MAX_HELD + 10))
    assert feed.held == 0

    feed.publish_write([_activity(simkl_id) for simkl_id in range(MAX_AWAITED + 5)])
    assert feed.awaiting_sync == MAX_AWAITED
    stop()
    feed.publish([_activity(0)])
    assert feed.held == 1


def test_sync_confirms_a_write() -> None:
    """A write's change seen again by the sync is not published twice."""
    feed = ChangeFeed()
    received: list[Activity] = []
    feed.async_add_listener(received.extend)
    before = Library(account=Account(account_id=1, name="alice"), activities=Activities(all=MONDAY))
    after = before.copy()
    after.items[MOVIE.simkl_id] = MOVIE
    after.changed.add(MOVIE.simkl_id)

    feed.publish_write(entry_changes(None, MOVIE))
    assert feed.awaiting_sync == 1
    feed.publish_sync(before, after)

    assert [activity.type for activity in received] == [ActivityType.ADDED]
    assert feed.awaiting_sync == 0
