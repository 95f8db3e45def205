"""The synced library model: what the API rows become, and how updates merge."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.simkl.api import LibraryItem, ListStatus, MediaType, PlaybackSession
from custom_components.simkl.library import (
    Account,
    Episode,
    Library,
    LibraryEntry,
    PlaybackEntry,
    UpNext,
    episode_code,
)

WATCHED_AT = datetime(2026, 10, 1, 20, 0, tzinfo=UTC)


def _show(simkl_id: int, **fields: object) -> LibraryItem:
    return LibraryItem.of_section(
        {"show": {"title": f"Show {simkl_id}", "ids": {"simkl": simkl_id}}, **fields},
        MediaType.SHOWS,
    )


def _library(*items: LibraryItem) -> Library:
    library = Library(account=Account(account_id=1, name="alice"))
    library.upsert(items)
    return library


def test_rows_without_a_simkl_id_are_skipped() -> None:
    """A row Simkl sends without its Simkl id cannot be kept up to date, so it is left out."""
    anonymous = LibraryItem.from_dict({"show": {"title": "?", "ids": {"imdb": "tt1"}}})
    library = _library(anonymous, _show(1))

    assert LibraryEntry.from_api(anonymous) is None
    assert list(library.items) == [1]


def test_next_episode_details_come_from_next_watch_info() -> None:
    """The next episode's title and air date are kept, and survive the store."""
    row = _show(
        7,
        status="watching",
        next_to_watch="S02E05",
        next_to_watch_info={
            "title": "The Heist",
            "season": 2,
            "episode": 5,
            "date": "2026-10-01T20:00:00Z",
        },
    )
    entry = LibraryEntry.from_api(row)

    assert entry is not None
    assert entry.next_episode == Episode(season=2, number=5, title="The Heist", aired_at=WATCHED_AT)
    assert entry.next_episode_title == "The Heist"
    assert entry.next_episode_aired_at == WATCHED_AT
    assert LibraryEntry.from_json(entry.to_json()) == entry


def test_ratings_rows_change_only_the_rating() -> None:
    """Ratings rows carry fewer fields than all-items rows; the counts stay as they were."""
    library = _library(_show(1, status="watching", watched_episodes_count=12))

    library.merge_ratings(
        [_show(1, user_rating=8, user_rated_at="2026-10-01T20:00:00Z"), _show(2, user_rating=5)]
    )

    assert library.items[1].watched_episodes == 12
    assert library.items[1].user_rating == 8
    assert library.items[1].user_rated_at == WATCHED_AT
    assert library.items[2].user_rating == 5  # rated before it was listed


def test_full_ratings_list_clears_removed_ratings() -> None:
    """A rating missing from the type's full list was removed."""
    library = _library(_show(1, user_rating=9), _show(2, user_rating=4))

    library.apply_ratings(MediaType.SHOWS, [_show(2, user_rating=6)])

    assert (library.items[1].user_rating, library.items[2].user_rating) == (None, 6)


def test_full_list_of_a_type_replaces_only_that_type() -> None:
    """A full download of one type drops that type's titles it no longer holds."""
    movie = LibraryItem.from_dict({"movie": {"title": "Film", "ids": {"simkl": 9}}})
    library = _library(_show(1), _show(2), movie)

    library.replace_type(MediaType.SHOWS, [_show(2, status="completed")])

    assert sorted(library.items) == [2, 9]
    assert library.items[2].status is ListStatus.COMPLETED


def test_episode_codes() -> None:
    """Shows are numbered by season, anime (AniDB numbering) by episode only."""
    assert episode_code(1, 5) == "S01E05"
    assert episode_code(None, 148) == "E148"


def test_session_link_needs_a_simkl_id() -> None:
    """A paused session links to its title's page when Simkl names the title's id."""
    linked = PlaybackEntry.from_api(
        PlaybackSession.from_dict(
            {"id": 5, "type": "movie", "movie": {"title": "Film", "ids": {"simkl": 9}}}
        )
    )
    unlinked = PlaybackEntry.from_api(
        PlaybackSession.from_dict({"id": 6, "type": "movie", "movie": {"title": "Film"}})
    )

    assert linked.url == "https://simkl.com/movies/9"
    assert unlinked.url is None


def _entry(**progress: Any) -> LibraryEntry:
    return LibraryEntry(simkl_id=1, media_type=MediaType.SHOWS, title="Show", **progress)


@pytest.mark.parametrize(
    ("progress", "season", "episode", "watched"),
    [
        ({"next_to_watch": "S02E05"}, 2, 4, True),
        ({"next_to_watch": "S02E05"}, 2, 5, False),
        ({"next_to_watch": "S02E05"}, 1, 9, True),
        ({"next_to_watch": "S02E05"}, 3, 1, False),
        ({"next_to_watch": "E148"}, None, 147, True),  # anime: no seasons
        ({"next_to_watch": "E148"}, 1, 148, False),
        ({"last_watched": "S02E05"}, 2, 5, True),  # caught up
        ({"last_watched": "S02E05"}, 2, 6, False),
        ({}, 1, 1, False),  # nothing watched yet
        ({"next_to_watch": "S02E05"}, 2, None, False),  # an entry without a number
    ],
)
def test_watched_from_library_progress(
    progress: dict[str, Any], season: int | None, episode: int | None, watched: bool
) -> None:
    """Episodes before the next to watch, or up to the last watched, count as watched."""
    assert _entry(**progress).has_watched(season, episode) is watched


def test_next_episode_counts_once_its_air_time_passed() -> None:
    """Airing moves no activity timestamp, so the stored counts of a caught-up show stay at
    "nothing to watch": the next episode's own air time says when it has aired."""
    aired_at = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
    entry = _entry(
        next_to_watch="S02E05",
        next_episode_aired_at=aired_at,
        watched_episodes=4,
        total_episodes=10,
        not_aired_episodes=6,
    )

    assert entry.up_next(aired_at - timedelta(minutes=1)) is None
    assert entry.up_next(aired_at) == UpNext(
        episode=Episode(season=2, number=5, aired_at=aired_at), unwatched=1
    )


def test_episodes_aired_since_the_last_report() -> None:
    """Episodes the calendar files list count once aired, unless the progress covers them."""
    entry = _entry(last_watched="S02E04", watched_episodes=4, total_episodes=4)
    first, second = (
        Episode(season=2, number=number, title=f"Part {number}", aired_at=WATCHED_AT + week)
        for number, week in ((5, timedelta(days=7)), (6, timedelta(days=14)))
    )
    calendar = [Episode(season=2, number=4, aired_at=WATCHED_AT), first, second]

    assert entry.up_next(WATCHED_AT + timedelta(days=1), calendar) is None
    assert entry.up_next(WATCHED_AT + timedelta(days=7), calendar) == UpNext(
        episode=first, unwatched=1
    )
    assert entry.up_next(WATCHED_AT + timedelta(days=20), calendar) == UpNext(
        episode=first, unwatched=2
    )


def test_stored_progress_wins_over_fewer_aired_episodes() -> None:
    """The stored counts hold episodes older than the calendar files: never fewer."""
    entry = _entry(
        next_to_watch="S02E02", watched_episodes=1, total_episodes=6, not_aired_episodes=2
    )
    calendar = [Episode(season=2, number=5, aired_at=WATCHED_AT)]

    assert entry.up_next(WATCHED_AT, calendar) == UpNext(
        episode=Episode(season=2, number=2), unwatched=3
    )
