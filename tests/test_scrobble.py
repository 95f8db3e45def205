"""Reading what a media player plays: ids, titles, episodes and progress."""

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.core import State
import pytest

from custom_components.simkl.api import MediaType
from custom_components.simkl.scrobble import (
    PlayerReading,
    ids_from_content_id,
    read_player,
)

NOW = datetime(2026, 5, 13, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content_id", "media_type", "ids"),
    [
        (
            {"imdb": "tt0111161", "tmdb": "278", "tvdb": ""},
            MediaType.MOVIES,
            {"imdb": "tt0111161", "tmdb": 278},
        ),
        ({"tvdb": "7121491"}, MediaType.SHOWS, {}),
        (
            "/media/movies/Inception (2010) {imdb-tt1375666}.mkv",
            MediaType.MOVIES,
            {"imdb": "tt1375666"},
        ),
        ("/media/movies/Inception (2010) tt1375666.mkv", MediaType.MOVIES, {"imdb": "tt1375666"}),
        ("/media/tv/Dark/S01E01 {imdb-tt5753856}.mkv", MediaType.SHOWS, {}),
        (
            "/media/tv/Severance [tvdbid-371980]/Season 02/Severance S02E04 [tvdbid-9999].mkv",
            MediaType.SHOWS,
            {"tvdb": 371980},
        ),
        ("com.plexapp.agents.thetvdb://81189/1/3?lang=en", MediaType.SHOWS, {"tvdb": 81189}),
        ("tvdb://9182731", MediaType.SHOWS, {}),
        ("com.plexapp.agents.imdb://tt0111161?lang=en", MediaType.MOVIES, {"imdb": "tt0111161"}),
        ("tmdb://27205", MediaType.MOVIES, {"tmdb": 27205}),
        ("48213", MediaType.MOVIES, {}),
        ("8c1f5d0a9a3e4c0f8a0b6c6a3f1e2d4b", None, {}),
        (None, MediaType.MOVIES, {}),
    ],
    ids=[
        "kodi-movie",
        "kodi-episode",
        "file-with-imdb-tag",
        "file-with-bare-imdb-id",
        "episode-file-with-imdb-tag",
        "show-folder-with-tvdb-tag",
        "plex-legacy-episode-guid",
        "episode-guid-of-the-episode",
        "plex-legacy-movie-guid",
        "plex-movie-guid",
        "plex-library-key",
        "jellyfin-guid",
        "no-content-id",
    ],
)
def test_ids_from_content_id(
    content_id: str | None, media_type: MediaType | None, ids: dict[str, str | int]
) -> None:
    """A movie's ids are taken; for an episode only those that name its show."""
    assert ids_from_content_id(content_id, media_type) == ids


@pytest.mark.parametrize(
    ("attributes", "reading"),
    [
        (
            {
                "media_content_type": "episode",
                "media_series_title": "Dark",
                "media_title": "Secrets",
                "media_season": "01",
                "media_episode": 1.0,
                "media_duration": "3060",
                "media_position": "306",
                "media_position_updated_at": "2026-05-13T19:59:00+00:00",
            },
            PlayerReading(
                media_type=MediaType.SHOWS,
                title="Dark",
                season=1,
                episode=1,
                position=306.0,
                duration=3060.0,
                position_at=NOW - timedelta(minutes=1),
                playing=True,
            ),
        ),
        (
            {
                "media_content_type": "video",
                "media_series_title": "Dark",
                "media_season": "one",
                "media_episode": 1.5,
                "media_position": True,
                "media_duration": [3060],
                "media_position_updated_at": 1747166340,
            },
            PlayerReading(media_type=None, title="Dark", playing=True),
        ),
        (
            {"media_content_type": "video", "media_title": "Holiday 2019"},
            PlayerReading(media_type=None, title="Holiday 2019", playing=True),
        ),
        (
            {"media_content_type": "movie", "media_title": "Dune: Part Two (2024)"},
            PlayerReading(
                media_type=MediaType.MOVIES, title="Dune: Part Two", year=2024, playing=True
            ),
        ),
        (
            {
                "media_content_type": "video",
                "media_title": "Stranger.Things.S01E03.1080p",
                "media_content_id": "http://nas:8200/MediaItems/Stranger.Things.S01E03.1080p.mkv",
            },
            PlayerReading(
                media_type=None,
                title=None,
                file="/MediaItems/Stranger.Things.S01E03.1080p.mkv",
                content_id="http://nas:8200/MediaItems/Stranger.Things.S01E03.1080p.mkv",
                playing=True,
            ),
        ),
        (
            {"media_content_type": "music", "media_title": "Harvest Moon"},
            PlayerReading(
                media_type=None, title="Harvest Moon", other_content="music", playing=True
            ),
        ),
    ],
    ids=["text-attributes", "unusable-attributes", "home-video", "plex-movie", "file", "music"],
)
def test_read_player(attributes: dict[str, Any], reading: PlayerReading) -> None:
    """Attributes written as text are read; values that make no sense are left out."""
    assert read_player(State("media_player.tv", "playing", attributes)) == reading


def test_read_player_without_media() -> None:
    """A player showing nothing has no reading."""
    assert read_player(State("media_player.tv", "on", {"media_content_type": "movie"})) is None


# Readings of a 100-minute movie.
a_movie = partial(PlayerReading, media_type=MediaType.MOVIES, title="A", duration=6000)


@pytest.mark.parametrize(
    ("reading", "progress"),
    [
        (a_movie(position=600), 10.0),
        (a_movie(position=600, position_at=NOW - timedelta(minutes=10), playing=True), 20.0),
        (a_movie(position=5900, position_at=NOW - timedelta(hours=2), playing=True), 100.0),
        (a_movie(position=600, position_at=NOW + timedelta(minutes=1), playing=True), 10.0),
        (a_movie(position=600, duration=None), None),
        (a_movie(position=600, duration=0), None),
        (a_movie(), None),
    ],
    ids=[
        "paused",
        "playing-since-report",
        "capped-at-100",
        "report-from-the-future",
        "no-duration",
        "zero-duration",
        "no-position",
    ],
)
def test_progress(reading: PlayerReading, progress: float | None) -> None:
    """Progress is the position over the duration, moved on while playing."""
    assert reading.progress(NOW) == progress


def test_progress_of_a_stale_reading() -> None:
    """A reading from before a restart moves on only until it was known to play, plus 5 min."""
    reading = a_movie(position=600, position_at=NOW - timedelta(hours=3), playing=True)
    known_until = NOW - timedelta(hours=3) + timedelta(minutes=5)
    assert reading.progress(NOW, known_until=known_until) == 20.0
