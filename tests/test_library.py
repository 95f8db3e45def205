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
from custom_components.simkl.library_codec import entry_from_row, entry_row

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
    assert entry_from_row(entry_row(entry)) == entry


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


def _movie(simkl_id: int, **fields: object) -> LibraryItem:
    return LibraryItem.of_section(
        {"movie": {"title": f"Film {simkl_id}", "ids": {"simkl": simkl_id}}, **fields},
        MediaType.MOVIES,
    )


def _changes(library: Library) -> None:
    library.upsert([_show(1, status="watching", watched_episodes_count=3)])
    library.upsert([_show(1, status="completed", watched_episodes_count=10)])
    library.keep_only(MediaType.SHOWS, {2, 3})
    library.replace_type(MediaType.MOVIES, [_movie(12, status="plantowatch")])
    library.apply_ratings(MediaType.SHOWS, [])
    library.merge_ratings([_show(4, user_rating=7)])


def _seen(day: int) -> str:
    return f"2026-10-{day:02d}T20:00:00Z"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda lib: None, id="unchanged"),
        pytest.param(_changes, id="every kind of change"),
        pytest.param(lambda lib: lib.keep_only(MediaType.SHOWS, set()), id="all shows removed"),
        pytest.param(
            lambda lib: lib.upsert([_show(3, status="watching", last_watched_at=_seen(1))]),
            id="the last watched show watched earlier",
        ),
        pytest.param(
            lambda lib: lib.upsert([_show(3, status="watching", last_watched_at=_seen(12))]),
            id="the last watched show watched again",
        ),
        pytest.param(
            lambda lib: lib.upsert(
                [
                    _show(simkl_id, status="watching", last_watched_at="1970-01-01T00:00:01Z")
                    for simkl_id in (2, 3)
                ]
            ),
            id="no show with a known date left",
        ),
    ],
)
def test_sensor_figures_follow_every_change(change: Any) -> None:
    """List sizes, totals and the last watched title, kept up to date change by change,
    match what a pass over the whole library finds; in a copy, without touching the
    original's."""
    library = _library(
        _show(2, status="watching", watched_episodes_count=5, last_watched_at=_seen(2)),
        _show(3, status="watching", watched_episodes_count=1, last_watched_at=_seen(9)),
        _movie(11, status="completed", last_watched_at=_seen(5)),
        _movie(12, status="plantowatch"),
    )
    assert library.last_watched() is library.items[3]
    copied = library.copy()
    change(copied)
    change(library)

    _assert_figures_match(copied)
    _assert_figures_match(library)
    if copied.changed:
        copied.copy().keep_only(MediaType.SHOWS, set())
        _assert_figures_match(copied)


def _assert_figures_match(library: Library) -> None:
    entries = list(library.items.values())
    for media_type in MediaType:
        for status in ListStatus:
            assert library.count(media_type, status) == sum(
                e.media_type is media_type and e.status is status for e in entries
            )
    for status in ListStatus:
        assert sorted(e.simkl_id for e in library.entries(status=status)) == sorted(
            e.simkl_id for e in entries if e.status is status
        )
    totals = library.totals()
    assert totals.episodes_watched == sum(e.watched_episodes for e in entries if not e.is_movie)
    assert totals.movies_watched == sum(
        e.is_movie and e.status is ListStatus.COMPLETED for e in entries
    )
    assert totals.minutes_watched == sum(e.watched_minutes() for e in entries)
    for media_types in [tuple(MediaType), *((media_type,) for media_type in MediaType)]:
        watched = [e for e in entries if e.watched_at and e.media_type in media_types]
        assert library.last_watched(media_types) == max(
            watched, key=lambda e: e.watched_at or WATCHED_AT, default=None
        )


def test_a_copy_tells_what_changed() -> None:
    """A copy names the titles changed since the library it was copied from, so that what
    depends on them is worked out again for those alone."""
    library = _library(_show(1), _show(2))
    copy = library.copy()
    copy.upsert([_show(3)])
    copy.keep_only(MediaType.SHOWS, {2, 3})

    assert copy.changes_since(library) == {1, 3}
    assert copy.changes_since(copy) == frozenset()
    assert library.changes_since(copy) is None
    assert sorted(library.items) == [1, 2]  # the original is untouched
    assert library.count(MediaType.SHOWS, ListStatus.WATCHING) == 0


@pytest.mark.parametrize(
    "entry",
    [
        # Entries always hold their own Simkl id among their ids: it is not stored twice.
        LibraryEntry(simkl_id=1, media_type=MediaType.SHOWS, title="Bare", ids={"simkl": 1}),
        LibraryEntry(
            simkl_id=2,
            media_type=MediaType.ANIME,
            title='Frieren \N{EM DASH} "2nd"\nSeason',
            year=2026,
            status=ListStatus.HOLD,
            poster="12/abc",
            fanart="13/def",
            runtime=24,
            ids={"simkl": 2, "slug": "frieren", "mal": 52991},
            added_at=WATCHED_AT,
            last_watched_at=datetime(1970, 1, 1, tzinfo=UTC),  # Simkl's "date unknown"
            user_rating=9,
            user_rated_at=WATCHED_AT + timedelta(microseconds=500000),
            last_watched="E4",
            next_to_watch="E5",
            watched_episodes=4,
            total_episodes=28,
            not_aired_episodes=3,
            anime_type="tv",
            next_episode_title="Part 5",
            next_episode_aired_at=WATCHED_AT,
        ),
        LibraryEntry(
            simkl_id=3,
            media_type=MediaType.MOVIES,
            title="Film",
            ids={"simkl": 3},
            anime_type="movie",
        ),
    ],
    ids=["defaults", "every field", "a field after defaults"],
)
def test_stored_line_keeps_every_field(entry: LibraryEntry) -> None:
    """A title's stored line gives back the same entry, and leaves its defaults out."""
    line = entry_row(entry)

    assert entry_from_row(line) == entry
    assert "\n" not in line
    assert "null]" not in line
    assert ",0]" not in line
