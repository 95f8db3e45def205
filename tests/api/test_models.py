"""Lenient parsing of Simkl payloads and the wire format of request bodies."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

from simkl_api import (
    UNKNOWN_WATCHED_AT,
    Activities,
    Airs,
    AllItems,
    CalendarEntry,
    CalendarFile,
    EchoedItem,
    EpisodeInfo,
    EpisodeRef,
    FileMatch,
    Ids,
    JsonStream,
    LibraryItem,
    ListStatus,
    MediaActivities,
    MediaInfo,
    MediaSummary,
    MediaType,
    NextToWatch,
    NotFound,
    PinAuthorized,
    PinCode,
    PinExpired,
    PinPending,
    PlaybackSession,
    ScrobbleRequest,
    ScrobbleResult,
    SearchResult,
    SyncEpisode,
    SyncEpisodeNumber,
    SyncItem,
    SyncRequest,
    SyncResult,
    SyncSeason,
    SyncStatus,
    UserSettings,
    UserStats,
    WatchedCheck,
    WatchedEpisode,
    WatchedQuery,
    WatchedSeason,
    format_datetime,
    is_unknown_date,
    parse_date,
    parse_datetime,
    parse_float,
    parse_list,
    parse_pin_result,
)

TOKYO = timezone(timedelta(hours=9))

# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-05-13T16:08:00Z", datetime(2026, 5, 13, 16, 8, tzinfo=UTC)),
        ("2026-05-13T16:08:00", datetime(2026, 5, 13, 16, 8, tzinfo=UTC)),
        (" 2026-05-13 ", datetime(2026, 5, 13, tzinfo=UTC)),
        ("2026-05-14T00:26:00+09:00", datetime(2026, 5, 14, 0, 26, tzinfo=TOKYO)),
        ("not a date", None),
        ("", None),
        (1747152480, None),
        (None, None),
    ],
)
def test_parse_datetime_is_aware_or_none(value: object, expected: datetime | None) -> None:
    """Timestamps come back aware (naive ones as UTC); junk becomes None."""
    parsed = parse_datetime(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


def test_parse_datetime_keeps_the_network_offset() -> None:
    """Broadcast times keep the network's offset, which decides the local air date."""
    parsed = parse_datetime("2026-05-14T00:26:00+09:00")
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=9)
    assert parsed.date() == date(2026, 5, 14)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-08-07", date(2026, 8, 7)),
        ("2026-08-07T04:00:00Z", date(2026, 8, 7)),
        ("08/07/2026", None),
        (None, None),
        (20260807, None),
    ],
)
def test_parse_date(value: object, expected: date | None) -> None:
    """Release dates are plain dates; a timestamp gives its date part."""
    assert parse_date(value) == expected


def test_format_datetime_is_utc_seconds_with_z() -> None:
    """Simkl expects `...Z` in UTC without fractions; naive values count as UTC."""
    assert (
        format_datetime(datetime(2026, 5, 14, 0, 26, 30, 999_999, tzinfo=TOKYO))
        == "2026-05-13T15:26:30Z"
    )
    assert format_datetime(datetime(2026, 5, 13, 16, 8)) == "2026-05-13T16:08:00Z"  # noqa: DTZ001


def test_the_1970_placeholder_is_an_unknown_date() -> None:
    """`1970-01-01T00:00:01Z` means "watched, date unknown", in any offset."""
    placeholder = parse_datetime("1970-01-01T00:00:01Z")
    assert placeholder == UNKNOWN_WATCHED_AT
    assert is_unknown_date(placeholder)
    assert is_unknown_date(parse_datetime("1969-12-31T19:00:01-05:00"))
    assert is_unknown_date(datetime(1970, 1, 1, 0, 0, 1))  # noqa: DTZ001
    assert not is_unknown_date(parse_datetime("2026-05-13T16:08:00Z"))
    assert not is_unknown_date(None)
    assert format_datetime(UNKNOWN_WATCHED_AT) == "1970-01-01T00:00:01Z"


# --- ids and media blocks ---------------------------------------------------------------------


def test_ids_read_simkl_and_simkl_id_alike() -> None:
    """Some endpoints say `simkl`, others `simkl_id`; both are the Simkl id."""
    assert Ids.from_dict({"simkl": 548312}).simkl == 548312
    assert Ids.from_dict({"simkl_id": 548312}).simkl == 548312
    assert Ids.from_dict({"simkl_id": "548312"}).simkl == 548312


def test_ids_are_lenient() -> None:
    """Numeric strings become numbers, slugs and unknown ids land in `other`, junk is dropped."""
    ids = Ids.from_dict(
        {
            "simkl": 548312,
            "slug": "stranger-things",
            "imdb": "tt4574334",
            "tmdb": "66732",
            "tvdb": "stranger-things-slug",
            "mal": 1.0,
            "anidb": 2.5,
            "zap2it": "SH02",
            "netflix": 80057281,
            "empty": "",
            "flag": True,
            "nested": {"a": 1},
            "imdb_missing": None,
        }
    )
    assert ids.simkl == 548312
    assert ids.slug == "stranger-things"
    assert ids.imdb == "tt4574334"
    assert ids.tmdb == 66732
    assert ids.tvdb is None
    assert ids.mal == 1
    assert ids.anidb is None
    assert ids.other == {
        "tvdb": "stranger-things-slug",
        "anidb": "2.5",
        "zap2it": "SH02",
        "netflix": 80057281,
    }
    assert ids.to_dict() == {
        "simkl": 548312,
        "slug": "stranger-things",
        "imdb": "tt4574334",
        "tmdb": 66732,
        "mal": 1,
        "tvdb": "stranger-things-slug",
        "anidb": "2.5",
        "zap2it": "SH02",
        "netflix": 80057281,
    }


def test_ids_skip_nulls_and_read_numeric_imdb_as_text() -> None:
    """`null` ids are absent; a number where text is expected becomes text."""
    assert Ids.from_dict({"tmdb": None, "slug": None, "imdb": 1375666, "anilist": [1]}) == Ids(
        imdb="1375666"
    )


@pytest.mark.parametrize("empty", [None, {}, [], "x"])
def test_ids_of_nothing(empty: object) -> None:
    """A missing or malformed `ids` gives empty ids."""
    assert Ids.from_dict(empty) == Ids()
    assert Ids.from_dict(empty).to_dict() == {}


def test_ids_round_trip_and_hash() -> None:
    """Ids survive to_json/from_json and can key a dict despite `other`."""
    ids = Ids(simkl=1, imdb="tt1", tmdb=2, other={"letterboxd": "x"})
    assert Ids.from_dict(ids.to_dict()) == ids
    assert {ids: "found"}[Ids(simkl=1, imdb="tt1", tmdb=2, other={"letterboxd": "x"})] == "found"


@pytest.mark.parametrize(
    ("runtime", "minutes"),
    [(50, 50), ("50", 50), ("45m", 45), ("1h 30m", 90), ("2h", 120), ("24 min", 24), ("?", None)],
)
def test_media_runtime_in_minutes(runtime: object, minutes: int | None) -> None:
    """Runtimes come as numbers or as text such as `45m` (calendar v2 metadata)."""
    assert MediaInfo.from_dict({"title": "X", "runtime": runtime}).runtime == minutes


def test_media_info_tolerates_missing_fields() -> None:
    """Only the block itself is needed; everything else is optional."""
    assert MediaInfo.from_dict(None) == MediaInfo()
    info = MediaInfo.from_dict({"title": "Inception", "year": "2010", "poster": "ab/abc", "x": 1})
    assert (info.title, info.year, info.poster, info.fanart) == ("Inception", 2010, "ab/abc", None)


def test_episode_ref_reads_episode_or_number() -> None:
    """Playback examples show both `episode.episode` and `episode.number`."""
    assert EpisodeRef.from_dict({"season": 1, "number": 3}).number == 3
    assert EpisodeRef.from_dict({"season": 1, "episode": 3}).number == 3
    ref = EpisodeRef.from_dict(
        {"season": 1, "number": 3, "episode": 9, "title": "Ep", "tvdb": {"season": 2, "episode": 5}}
    )
    assert ref == EpisodeRef(season=1, number=3, title="Ep", tvdb_season=2, tvdb_number=5)
    flat = EpisodeRef.from_dict({"number": 4, "tvdb_season": 1, "tvdb_number": 16})
    assert (flat.tvdb_season, flat.tvdb_number) == (1, 16)


def test_parse_list_skips_unusable_entries() -> None:
    """A bad entry is skipped, not fatal; `null` and `{}` are empty lists."""
    assert parse_list(PlaybackSession.from_dict, [{"id": 1}, {"progress": 3}, "junk"]) == [
        PlaybackSession(id=1)
    ]
    assert parse_list(PlaybackSession.from_dict, None) == []
    assert parse_list(PlaybackSession.from_dict, {}) == []


@pytest.mark.parametrize(
    ("raw", "number"),
    [(8, 8.0), ("8.5", 8.5), (" 7 ", 7.0), ("n/a", None), (True, None), (None, None)],
)
def test_numbers_are_read_leniently(raw: object, number: float | None) -> None:
    """Numeric strings count as numbers; booleans and text do not."""
    assert parse_float(raw) == number
    entry = CalendarEntry.from_dict({"ratings": {"simkl": {"rating": raw}}, "rank": raw})
    assert entry.rating == number
    assert entry.rank == (int(number) if number is not None and number.is_integer() else None)


# --- authentication and user ------------------------------------------------------------------


def test_pin_code_defaults_and_aliases() -> None:
    """`verification_uri` stands in for `verification_url`; missing timings get defaults."""
    code = PinCode.from_dict({"user_code": "5G6JA", "verification_uri": "https://simkl.com/pin/"})
    assert code == PinCode(
        user_code="5G6JA", verification_url="https://simkl.com/pin/", expires_in=900, interval=5
    )
    assert PinCode.from_dict({"user_code": "X"}).verification_url == "https://simkl.com/pin"
    with pytest.raises(ValueError, match="user_code"):
        PinCode.from_dict({"result": "OK"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"result": "KO", "message": "Authorization pending"}, PinPending()),
        ({"result": "KO", "message": "Slow down"}, PinPending(slow_down=True)),
        (None, PinPending()),
        ({"result": "OK", "access_token": "tok"}, PinAuthorized(access_token="tok")),
        (
            {"result": "OK", "device_code": "DEVICE_CODE", "user_code": "NEW01", "interval": 2},
            PinExpired(new_code=PinCode(user_code="NEW01", interval=2)),
        ),
        ({"result": "OK", "device_code": "DEVICE_CODE"}, PinExpired()),
    ],
)
def test_pin_poll_results(body: object, expected: object) -> None:
    """Every poll answer is 200; the body tells pending, authorized and expired apart."""
    assert parse_pin_result(body) == expected


def test_pin_authorized_hides_the_token_from_repr() -> None:
    """A logged result must not leak the token."""
    assert "secret-token" not in repr(PinAuthorized(access_token="secret-token"))


def test_user_settings() -> None:
    """The account id is required; the rest is optional."""
    settings = UserSettings.from_dict(
        {
            "user": {"name": "alice", "avatar": "av/avatar", "joined_at": "2020-01-02T03:04:05Z"},
            "account": {"id": "424242", "timezone": "Europe/Lisbon", "type": "vip"},
            "connections": {"facebook": False},
        }
    )
    assert settings == UserSettings(
        account_id=424242,
        name="alice",
        avatar="av/avatar",
        timezone="Europe/Lisbon",
        account_type="vip",
        joined_at=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert UserSettings.from_dict({"account": {"id": 1}}) == UserSettings(account_id=1)
    with pytest.raises(ValueError, match="account id"):
        UserSettings.from_dict({"user": {"name": "alice"}})


def test_user_stats() -> None:
    """Counters per list, legacy lists included, and the watched-episode total."""
    stats = UserStats.from_dict(
        {
            "total_mins": 1000,
            "movies": {"total_mins": 300, "completed": {"mins": 300, "count": 2}},
            "tv": {
                "total_mins": 600,
                "watching": {"watched_episodes_count": 10, "count": 2, "left_to_watch_mins": 90},
                "completed": {"watched_episodes_count": 20, "count": 1},
                "notinteresting": {"count": 4},
            },
            "anime": None,
            "watched_last_week": {"total_mins": 95},
        }
    )
    assert stats.total_mins == 1000
    assert stats.watched_last_week.total_mins == 95
    assert stats.for_type(MediaType.MOVIES).count(ListStatus.COMPLETED) == 2
    assert stats.for_type(MediaType.MOVIES).count(ListStatus.WATCHING) == 0
    tv = stats.for_type(MediaType.SHOWS)
    assert tv.total_mins == 600
    assert tv.watched_episodes == 30
    assert tv.statuses["watching"].left_to_watch_mins == 90
    assert tv.statuses["notinteresting"].count == 4
    assert tv.count(ListStatus.HOLD) == 0
    assert stats.for_type(MediaType.ANIME).statuses == {}
    assert stats.to_dict()["total_mins"] == 1000
    assert UserStats.from_dict(None) == UserStats()


# --- activities -------------------------------------------------------------------------------

ACTIVITIES = {
    "all": "2026-05-13T16:08:00Z",
    "settings": {"all": "2026-01-01T00:00:00Z"},
    "tv_shows": {
        "all": "2026-05-13T16:08:00Z",
        "rated_at": None,
        "playback": "2026-05-12T10:00:00Z",
        "plantowatch": None,
        "watching": "2026-05-13T16:08:00Z",
        "completed": None,
        "hold": None,
        "dropped": None,
        "removed_from_list": None,
    },
    "anime": {
        "all": None,
        "rated_at": None,
        "playback": None,
        "plantowatch": None,
        "watching": None,
        "completed": None,
        "hold": None,
        "dropped": None,
        "removed_from_list": None,
    },
    "movies": {
        "all": "2026-04-01T00:00:00Z",
        "rated_at": "2026-04-01T00:00:00Z",
        "playback": None,
        "plantowatch": None,
        "completed": "2026-04-01T00:00:00Z",
        "dropped": None,
        "removed_from_list": "2026-03-01T00:00:00Z",
    },
}


def test_activities_round_trip() -> None:
    """A stored copy reads back equal; movies' missing keys stay None."""
    activities = Activities.from_dict(ACTIVITIES)
    assert activities.all == datetime(2026, 5, 13, 16, 8, tzinfo=UTC)
    assert activities.settings_all == datetime(2026, 1, 1, tzinfo=UTC)
    assert activities.for_type(MediaType.SHOWS).status(ListStatus.WATCHING) == activities.all
    assert activities.for_type(MediaType.MOVIES).watching is None
    assert activities.for_type(MediaType.MOVIES).status(ListStatus.COMPLETED) == datetime(
        2026, 4, 1, tzinfo=UTC
    )
    assert activities.for_type(MediaType.ANIME) == MediaActivities()
    stored = activities.to_dict()
    assert stored["tv_shows"]["playback"] == "2026-05-12T10:00:00Z"
    assert stored["movies"]["watching"] is None
    assert Activities.from_dict(stored) == activities


@pytest.mark.parametrize("empty", [{"all": None}, {"all": None, "settings": None, "tv_shows": []}])
def test_activities_of_an_account_without_history(empty: object) -> None:
    """Nothing ever happened: every timestamp is None, and the copy still round-trips."""
    activities = Activities.from_dict(empty)
    assert activities == Activities()
    assert activities.to_dict()["settings"] == {"all": None}
    assert Activities.from_dict(activities.to_dict()) == activities


@pytest.mark.parametrize(
    "answer",
    [None, {}, [], [{"all": "2026-05-13T16:08:00Z"}], "2026-05-13T16:08:00Z", {"all": 5},
     {"all": "yesterday"}, {"tv_shows": {"all": "2026-05-13T16:08:00Z"}}],
)  # fmt: skip
def test_activities_without_a_usable_all_are_refused(answer: object) -> None:
    """An answer that does not say when the account last changed is no answer."""
    with pytest.raises(ValueError, match="all"):
        Activities.from_dict(answer)


def test_missing_timestamps_keep_the_previous_ones() -> None:
    """A timestamp an answer leaves out has not gone back to "never"."""
    previous = Activities.from_dict(
        {
            "all": "2026-05-13T16:08:00Z",
            "settings": {"all": "2026-01-01T00:00:00Z"},
            "tv_shows": {"all": "2026-05-13T16:08:00Z", "rated_at": "2026-05-01T00:00:00Z"},
            "movies": {"all": "2026-04-01T00:00:00Z"},
        }
    )
    answer = Activities.from_dict(
        {"all": None, "tv_shows": {"all": "2026-05-14T00:00:00Z"}, "movies": None}
    )
    kept = answer.keeping(previous)
    assert kept.all == previous.all
    assert kept.settings_all == previous.settings_all
    assert kept.tv_shows.all == datetime(2026, 5, 14, tzinfo=UTC)
    assert kept.tv_shows.rated_at == previous.tv_shows.rated_at
    assert kept.movies == previous.movies
    assert kept.for_type(MediaType.SHOWS).latest_known == previous.tv_shows.rated_at


# --- library ----------------------------------------------------------------------------------


def test_library_item_full() -> None:
    """An all-items row with extended episodes and next-watch info."""
    item = LibraryItem.of_section(
        {
            "added_to_watchlist_at": "2026-01-01T00:00:00Z",
            "last_watched_at": "2026-05-01T00:00:00Z",
            "user_rated_at": None,
            "user_rating": None,
            "status": "watching",
            "last_watched": "S01E02",
            "next_to_watch": "S01E03",
            "watched_episodes_count": "2",
            "total_episodes_count": 8,
            "not_aired_episodes_count": 0,
            "show": {"title": "Severance", "year": 2022, "ids": {"simkl": 1186633}},
            "seasons": [
                {
                    "number": 1,
                    "episodes": [
                        {"number": 1, "watched_at": "1970-01-01T00:00:01Z"},
                        {"episode": 2},
                        {"title": "no number"},
                    ],
                }
            ],
            "next_to_watch_info": {"title": "Ep 3", "season": 1, "episode": 3},
            "memo": {"text": "unknown field"},
        },
        MediaType.SHOWS,
    )
    assert item.media_type is MediaType.SHOWS
    assert item.media.ids.simkl == 1186633
    assert item.status is ListStatus.WATCHING
    assert item.watched_episodes_count == 2
    assert item.user_rating is None
    assert item.seasons == [
        WatchedSeason(
            number=1,
            episodes=[
                WatchedEpisode(number=1, watched_at=UNKNOWN_WATCHED_AT),
                WatchedEpisode(number=2),
            ],
        )
    ]
    assert item.next_to_watch_info == NextToWatch(title="Ep 3", season=1, episode=3)


def test_library_item_anime_flat_episodes_and_inferred_type() -> None:
    """Anime lists episodes without seasons; the section comes from `type` when not given."""
    item = LibraryItem.from_dict(
        {
            "type": "anime",
            "anime_type": "tv",
            "status": "not-a-status",
            "show": {"title": "Frieren", "ids": {"simkl_id": 2133914, "mal": 52991}},
            "episodes": [{"number": 1}, {"number": 2}],
            "next_to_watch_info": "junk",
        }
    )
    assert item.media_type is MediaType.ANIME
    assert item.anime_type == "tv"
    assert item.status is None
    assert item.seasons == [
        WatchedSeason(episodes=[WatchedEpisode(number=1), WatchedEpisode(number=2)])
    ]
    assert item.next_to_watch_info is None


def test_library_item_ids_only_and_errors() -> None:
    """`extended=simkl_ids_only` rows may carry bare ids; a row of nothing is rejected."""
    movie = LibraryItem.from_dict({"movie": {"ids": {"simkl": 475479}}})
    assert movie.media_type is MediaType.MOVIES
    bare = LibraryItem.of_section({"ids": {"simkl": 475479}}, MediaType.MOVIES)
    assert bare.media.ids.simkl == 475479
    with pytest.raises(ValueError, match="media block"):
        LibraryItem.of_section({"status": "completed"}, MediaType.MOVIES)
    with pytest.raises(ValueError, match="media type"):
        LibraryItem.from_dict({"ids": {"simkl": 1}})


def _readers[M](parse: Callable[..., M], read: Callable[..., M]) -> list[Any]:
    """The two ways of reading a long answer, which follow the same rules: from decoded JSON,
    and from its text one element at a time, as the client does."""

    def streamed(data: object, *args: Any) -> M:
        return read(JsonStream(orjson.dumps(data).decode()), *args)

    return [pytest.param(parse, id="decoded"), pytest.param(streamed, id="streamed")]


ALL_ITEMS_READERS = _readers(AllItems.parse, AllItems.read)
type ReadAllItems = Callable[..., AllItems]


@pytest.mark.parametrize("read", ALL_ITEMS_READERS)
@pytest.mark.parametrize("empty", [None, {}, []])
def test_all_items_empty_answers(read: ReadAllItems, empty: object) -> None:
    """An empty library is `null`, an empty delta `{}`."""
    items = read(empty)
    assert items == AllItems()
    assert all(items.items(media_type) == [] for media_type in MediaType)


@pytest.mark.parametrize("read", ALL_ITEMS_READERS)
@pytest.mark.parametrize("answer", ["junk", 5, True])
def test_all_items_of_another_kind_are_refused(read: ReadAllItems, answer: object) -> None:
    """A string or a number is no list of items, not an empty one."""
    with pytest.raises(ValueError, match="neither a list nor an object"):
        read(answer)


@pytest.mark.parametrize("read", ALL_ITEMS_READERS)
@pytest.mark.parametrize(
    ("answer", "unread"),
    [
        ({"shows": [{"show": {"ids": {"simkl": 1}}}]}, 0),
        ({"shows": [{"show": {"ids": {"simkl": 1}}}, {"show": None}, "x"]}, 2),
        ({"shows": "abc", "movies": None}, 1),
        ({"shows": {}, "anime": [], "movies": [1, [], {"movie": {"ids": {"simkl": 2}}}]}, 3),
        ({"other": "abc", "shows": [{"show": {"ids": {"simkl": 1}}}]}, 0),
        ([{"status": "watching"}], 1),
    ],
)
def test_all_items_count_what_they_could_not_read(
    read: ReadAllItems, answer: object, unread: int
) -> None:
    """Entries that are not items are skipped and counted, so a diff can refuse them."""
    assert read(answer, MediaType.SHOWS).unread == unread


@pytest.mark.parametrize("read", ALL_ITEMS_READERS)
def test_all_items_sections_and_bare_lists(read: ReadAllItems) -> None:
    """Sections are kept apart; a bare list takes the requested section."""
    items = read(
        {
            "shows": [{"show": {"title": "A", "ids": {"simkl": 1}}}, {"bad": True}],
            "unknown": [{"movie": {"title": "D"}}],
            "anime": [{"show": {"title": "B", "ids": {"simkl": 2}}}],
            "movies": [{"movie": {"title": "C", "ids": {"simkl": 3}}}],
        }
    )
    assert [item.media.title for item in items.items(MediaType.SHOWS)] == ["A"]
    assert [item.media.title for item in items.items(MediaType.ANIME)] == ["B"]
    assert [item.media.title for item in items.items(MediaType.MOVIES)] == ["C"]
    assert items.anime[0].media_type is MediaType.ANIME
    bare = read([{"show": {"title": "E"}}], MediaType.ANIME)
    assert [item.media.title for item in bare.anime] == ["E"]


def test_a_section_named_twice_counts_once() -> None:
    """Read one item at a time, a section Simkl named twice is the last one, as decoded."""
    text = (
        '{"shows": [{"show": {"title": "A", "ids": {"simkl": 1}}}, "x"],'
        ' "shows": [{"show": {"title": "B", "ids": {"simkl": 2}}}]}'
    )
    items = AllItems.read(JsonStream(text))
    assert items == AllItems.parse(orjson.loads(text))
    assert [item.media.title for item in items.shows] == ["B"]
    assert items.unread == 0


# --- playback and scrobble --------------------------------------------------------------------


def test_playback_sessions() -> None:
    """Episodes and movies, with either episode-number spelling; an id is required."""
    episode = PlaybackSession.from_dict(
        {
            "id": 7340000002,
            "progress": "33.5",
            "paused_at": "2026-05-12T10:00:00Z",
            "type": "episode",
            "episode": {"season": 3, "episode": 3},
            "show": {"title": "Severance", "ids": {"simkl": 1186633}},
        }
    )
    assert episode.id == 7340000002
    assert episode.progress == 33.5
    assert episode.type == "episode"
    assert episode.media_type is MediaType.SHOWS
    assert episode.episode == EpisodeRef(season=3, number=3)
    movie = PlaybackSession.from_dict({"id": 5, "movie": {"title": "Interstellar"}})
    assert (movie.type, movie.media_type, movie.episode) == ("movie", MediaType.MOVIES, None)
    anime = PlaybackSession.from_dict({"id": 6, "anime": {"title": "Frieren"}, "episode": {}})
    assert anime.media_type is MediaType.ANIME
    assert anime.episode == EpisodeRef()
    typed_movie = PlaybackSession.from_dict({"id": 7, "type": "movie", "progress": None})
    assert (typed_movie.media_type, typed_movie.progress) == (MediaType.MOVIES, 0.0)
    assert PlaybackSession.from_dict({"id": 8}).media_type is MediaType.SHOWS
    with pytest.raises(ValueError, match="no id"):
        PlaybackSession.from_dict({"progress": 10})


def test_scrobble_request_wire_format_and_round_trip() -> None:
    """One singular media block, an `episode` object, progress clamped to 0-100."""
    request = ScrobbleRequest(
        media_type=MediaType.SHOWS,
        ids=Ids(simkl=548312, imdb="tt4574334"),
        title="Stranger Things",
        year=2016,
        season=1,
        episode=3,
        progress=42.123,
    )
    body = request.to_dict()
    assert body == {
        "progress": 42.12,
        "show": {
            "title": "Stranger Things",
            "year": 2016,
            "ids": {"simkl": 548312, "imdb": "tt4574334"},
        },
        "episode": {"season": 1, "number": 3},
    }
    assert ScrobbleRequest.from_dict(body) == ScrobbleRequest(
        media_type=MediaType.SHOWS,
        ids=Ids(simkl=548312, imdb="tt4574334"),
        title="Stranger Things",
        year=2016,
        season=1,
        episode=3,
        progress=42.12,
    )
    movie = ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(imdb="tt1375666"), progress=120)
    assert movie.to_dict() == {"progress": 100.0, "movie": {"ids": {"imdb": "tt1375666"}}}
    assert ScrobbleRequest.from_dict(movie.to_dict()) == ScrobbleRequest(
        media_type=MediaType.MOVIES, ids=Ids(imdb="tt1375666"), progress=100.0
    )
    anime = ScrobbleRequest(media_type=MediaType.ANIME, ids=Ids(mal=37987))
    assert anime.to_dict() == {"anime": {"ids": {"mal": 37987}}}
    assert ScrobbleRequest.from_dict(anime.to_dict()) == anime
    assert ScrobbleRequest(media_type=MediaType.MOVIES, progress=-5).to_dict()["progress"] == 0.0
    legacy = ScrobbleRequest.from_dict({"show": {"ids": {}}, "episode": {"episode": 4}})
    assert legacy.episode == 4
    with pytest.raises(ValueError, match="no movie, show or anime"):
        ScrobbleRequest.from_dict({"progress": 10})


def test_scrobble_result() -> None:
    """The playback id, action and echoed item; an empty answer gives defaults."""
    result = ScrobbleResult.from_dict(
        {
            "id": 7340000003,
            "action": "scrobble",
            "progress": 100,
            "show": {"title": "Stranger Things", "ids": {"simkl": 548312}},
            "episode": {"season": 1, "number": 3, "tvdb_season": 1, "tvdb_number": 3},
        }
    )
    assert (result.id, result.action, result.progress, result.media_type) == (
        7340000003,
        "scrobble",
        100.0,
        MediaType.SHOWS,
    )
    assert result.media is not None
    assert result.media.ids.simkl == 548312
    assert result.episode == EpisodeRef(season=1, number=3, tvdb_season=1, tvdb_number=3)
    assert ScrobbleResult.from_dict(None) == ScrobbleResult()


# --- sync writes ------------------------------------------------------------------------------


def test_sync_request_round_trip() -> None:
    """Every part of a sync write survives to_json/from_json; unset fields are left out."""
    watched = datetime(2026, 5, 13, 16, 8, tzinfo=UTC)
    request = SyncRequest(
        movies=[
            SyncItem(
                ids=Ids(simkl=475479, imdb="tt1375666"),
                title="Inception",
                year=2010,
                watched_at=UNKNOWN_WATCHED_AT,
                to=ListStatus.COMPLETED,
                rating=9,
                rated_at=watched,
                added_at=watched,
            )
        ],
        shows=[
            SyncItem(
                ids=Ids(simkl=548312),
                status=ListStatus.WATCHING,
                seasons=[
                    SyncSeason(number=1, watched_at=watched),
                    SyncSeason(
                        number=2,
                        episodes=[
                            SyncEpisodeNumber(number=1, watched_at=watched),
                            SyncEpisodeNumber(number=2),
                        ],
                    ),
                ],
            )
        ],
        anime=[
            SyncItem(
                ids=Ids(mal=52991),
                episodes=[SyncEpisodeNumber(number=1)],
                use_tvdb_anime_seasons=True,
            )
        ],
        episodes=[
            SyncEpisode(ids=Ids(simkl=54831210003), watched_at=watched),
            SyncEpisode(ids=Ids(tvdb=1)),
        ],
    )
    body = request.to_dict()
    assert body == {
        "movies": [
            {
                "ids": {"simkl": 475479, "imdb": "tt1375666"},
                "title": "Inception",
                "year": 2010,
                "watched_at": "1970-01-01T00:00:01Z",
                "to": "completed",
                "rating": 9,
                "rated_at": "2026-05-13T16:08:00Z",
                "added_at": "2026-05-13T16:08:00Z",
            }
        ],
        "shows": [
            {
                "ids": {"simkl": 548312},
                "status": "watching",
                "seasons": [
                    {"number": 1, "watched_at": "2026-05-13T16:08:00Z"},
                    {
                        "number": 2,
                        "episodes": [
                            {"number": 1, "watched_at": "2026-05-13T16:08:00Z"},
                            {"number": 2},
                        ],
                    },
                ],
            }
        ],
        "anime": [
            {"ids": {"mal": 52991}, "episodes": [{"number": 1}], "use_tvdb_anime_seasons": True}
        ],
        "episodes": [
            {"ids": {"simkl": 54831210003}, "watched_at": "2026-05-13T16:08:00Z"},
            {"ids": {"tvdb": 1}},
        ],
    }
    assert SyncRequest.from_dict(body) == request
    assert SyncRequest().to_dict() == {}
    assert SyncRequest.from_dict(None) == SyncRequest()


def test_sync_parts_need_numbers() -> None:
    """Seasons and episodes without a number cannot be written, and are skipped on reading."""
    with pytest.raises(ValueError, match="no number"):
        SyncSeason.from_dict({"episodes": []})
    with pytest.raises(ValueError, match="no number"):
        SyncEpisodeNumber.from_dict({"watched_at": "2026-01-01T00:00:00Z"})
    item = SyncItem.from_dict({"ids": {"simkl": 1}, "seasons": [{"x": 1}, {"number": 2}]})
    assert item.seasons == [SyncSeason(number=2)]


def test_sync_result_counts_and_statuses() -> None:
    """Counts per section, echoed lists counted, statuses and unresolved items collected."""
    result = SyncResult.from_dict(
        {
            "added": {
                "movies": 1,
                "shows": [{"ids": {"simkl": 1}}, {"ids": {"simkl": 2}}],
                "episodes": "3",
                "junk": None,
                "statuses": [
                    {"request": {"ids": {"simkl": 1}}, "response": {"status": "watching"}}
                ],
            },
            "deleted": {"movies": 2},
            "not_found": {"movies": [{"ids": {"imdb": "tt0"}}], "shows": [], "episodes": None},
            "statuses": [{"request": {}, "response": {"status": "completed"}}],
        }
    )
    assert result.added == {"movies": 1, "shows": 2, "episodes": 3}
    assert result.deleted == {"movies": 2}
    assert result.not_found == NotFound(movies=[EchoedItem(ids=Ids(imdb="tt0"))])
    assert result.not_found_count == 1
    assert result.statuses == [
        SyncStatus(item=EchoedItem(ids=Ids(simkl=1)), status=ListStatus.WATCHING),
        SyncStatus(status=ListStatus.COMPLETED),
    ]
    empty = SyncResult.from_dict(None)
    assert empty == SyncResult()
    assert empty.not_found_count == 0


def test_sync_result_echoes() -> None:
    """Echoed items keep what was sent and the part of a title Simkl could not find; a status
    names the list and the type Simkl filed the item as."""
    result = SyncResult.from_dict(
        {
            "added": {
                "statuses": [
                    {
                        "request": {"ids": {"simkl": 7}, "to": "hold"},
                        "response": {"status": "hold", "simkl_type": "tv", "anime_type": None},
                    },
                    {"response": {"status": "hold", "simkl_type": "anime", "anime_type": "ova"}},
                ]
            },
            "not_found": {
                "shows": [
                    {"ids": {"simkl": 7}, "season": 9},
                    {"ids": {"simkl": 7}, "season": 1, "episode": {"number": 99}},
                    {"ids": {"simkl": 7}, "season": 1, "episode": {"number": "x"}},
                    {"ids": {"simkl": 7}, "season": 1, "episode": 99},
                ],
                "anime": [{}],
            },
        }
    )
    assert result.statuses == [
        SyncStatus(
            item=EchoedItem(ids=Ids(simkl=7), to=ListStatus.HOLD),
            status=ListStatus.HOLD,
            media_type=MediaType.SHOWS,
        ),
        SyncStatus(status=ListStatus.HOLD, media_type=MediaType.ANIME, anime_type="ova"),
    ]
    # An episode Simkl echoes in a shape of its own still counts as not found.
    assert result.not_found_count == 5
    assert [item.episode for item in result.not_found.shows] == [
        None,
        SyncEpisodeNumber(number=99),
        None,
        None,
    ]
    assert result.not_found.to_dict() == {
        "shows": [
            {"ids": {"simkl": 7}, "season": 9},
            {"ids": {"simkl": 7}, "season": 1, "episode": {"number": 99}},
            {"ids": {"simkl": 7}, "season": 1},
            {"ids": {"simkl": 7}, "season": 1},
        ],
        "anime": [{}],
    }


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (WatchedQuery(ids=Ids(simkl=1)), {"simkl": 1}),
        (
            WatchedQuery(ids=Ids(tmdb=1399), media_type=MediaType.SHOWS, season=1, episode=2),
            {"tmdb": 1399, "type": "show", "season": 1, "episode": 2},
        ),
        (
            WatchedQuery(ids=Ids(tmdb=27205), media_type=MediaType.MOVIES),
            {"tmdb": 27205, "type": "movie"},
        ),
        (WatchedQuery(title="Dune", year=2021), {"title": "Dune", "year": 2021}),
    ],
)
def test_watched_query_is_written_flat(query: WatchedQuery, body: dict[str, object]) -> None:
    """A /sync/watched item is written with its ids flat, and read back the same."""
    assert query.to_dict() == body
    assert WatchedQuery.from_dict(body) == query


def test_watched_query_reads_an_ids_block() -> None:
    """Simkl also takes (and may echo) the ids as a block; anime is asked about as a show."""
    assert WatchedQuery.from_dict({"ids": {"mal": 5114}, "type": "anime"}) == WatchedQuery(
        ids=Ids(mal=5114), media_type=MediaType.ANIME
    )
    assert WatchedQuery(ids=Ids(mal=5114), media_type=MediaType.ANIME).to_dict() == {
        "mal": 5114,
        "type": "show",
    }


def test_watched_check() -> None:
    """`result` is a bool, or None for `not_found`; the request keys are echoed back."""
    check = WatchedCheck.from_dict(
        {
            "simkl": 548312,
            "type": "show",
            "result": True,
            "list": "completed",
            "last_watched_at": "2026-01-01T00:00:00Z",
            "episodes_total": 42,
            "episodes_aired": 42,
            "episodes_to_be_aired": 0,
            "episodes_watched": "42",
            "seasons": [],
        }
    )
    assert check.result is True
    assert check.list is ListStatus.COMPLETED
    assert check.episodes_watched == 42
    assert check.episodes_total == 42
    assert check.request == WatchedQuery(ids=Ids(simkl=548312), media_type=MediaType.SHOWS)
    unknown = WatchedCheck.from_dict({"imdb": "tt0", "result": "not_found", "list": None})
    assert (unknown.result, unknown.list, unknown.request) == (
        None,
        None,
        WatchedQuery(ids=Ids(imdb="tt0")),
    )


# --- search and catalog -----------------------------------------------------------------------


def test_search_results_types() -> None:
    """The type comes from `endpoint_type`, `type` or the endpoint that was searched."""
    movie = SearchResult.from_dict(
        {"title": "Inception", "endpoint_type": "movies", "ids": {"simkl_id": 475479}}
    )
    assert (movie.media_type, movie.ids.simkl, movie.anime_type) == (MediaType.MOVIES, 475479, None)
    anime = SearchResult.from_dict(
        {"title": "Frieren", "endpoint_type": "anime", "type": "tv", "ep_count": 28}
    )
    assert (anime.media_type, anime.anime_type, anime.total_episodes) == (MediaType.ANIME, "tv", 28)
    by_id = SearchResult.from_dict(
        {"type": "tv", "title": "Breaking Bad", "status": "ended", "total_episodes": 62}
    )
    assert (by_id.media_type, by_id.status, by_id.total_episodes) == (MediaType.SHOWS, "ended", 62)
    assert SearchResult.from_dict({"type": "show"}).media_type is MediaType.SHOWS
    assert SearchResult.from_dict({"type": "podcast"}).media_type is None
    assert SearchResult.of_search({"title": "X"}, MediaType.ANIME).media_type is MediaType.ANIME
    assert SearchResult.from_dict({"url": "/tv/1", "anime_type": "ova"}).url == "/tv/1"


def test_file_match() -> None:
    """A recognised episode, and the answer when nothing matched."""
    match = FileMatch.from_dict(
        {
            "type": "episode",
            "show": {"title": "Stranger Things", "ids": {"simkl": 548312, "tmdbtv": "66732"}},
            "episode": {"season": 1, "episode": 3, "multipart": False, "ids": {"simkl": 9}},
        }
    )
    assert match.type == "episode"
    assert match.media_type is MediaType.SHOWS
    assert match.media is not None
    assert match.media.ids.other == {"tmdbtv": "66732"}
    assert match.episode == EpisodeRef(season=1, number=3)
    assert FileMatch.from_dict({}) == FileMatch()


def test_media_summary() -> None:
    """A catalog record with air slot, genres and release date."""
    summary = MediaSummary.from_dict(
        {
            "title": "Severance",
            "year": 2022,
            "type": "show",
            "ids": {"simkl": 1186633, "imdb": "tt11280740"},
            "overview": "Work-life balance.",
            "runtime": 55,
            "network": "Apple TV+",
            "status": "airing",
            "genres": ["drama", 3, "mystery"],
            "first_aired": "2022-02-18T02:00:00Z",
            "airs": {"day": "Thursday", "time": "21:00", "timezone": "America/New_York"},
            "total_episodes": 19,
            "certification": "TV-MA",
            "country": "us",
            "ratings": {"simkl": {"rating": 8.7}},
        }
    )
    assert summary.ids.imdb == "tt11280740"
    assert summary.genres == ["drama", "mystery"]
    assert summary.airs == Airs(day="Thursday", time="21:00", timezone="America/New_York")
    assert summary.first_aired == datetime(2022, 2, 18, 2, tzinfo=UTC)
    movie = MediaSummary.from_dict({"title": "Dune", "released": "2024-03-01", "airs": None})
    assert (movie.released, movie.airs, movie.genres) == (date(2024, 3, 1), None, [])
    # Answers convert to plain JSON values, e.g. to cache them.
    cached = orjson.loads(orjson.dumps(movie.to_dict()))
    assert cached == {"title": "Dune", "released": "2024-03-01"}


def test_episode_info() -> None:
    """TV episodes have a season; anime carries the TVDB numbering; specials have neither."""
    tv = EpisodeInfo.from_dict(
        {
            "title": "Good News About Hell",
            "season": 1,
            "episode": 1,
            "type": "episode",
            "aired": True,
            "img": "ep/img",
            "date": "2022-02-17T21:00:00-05:00",
            "ids": {"simkl_id": 118663310001},
        }
    )
    assert (tv.season, tv.episode, tv.aired, tv.ids.simkl) == (1, 1, True, 118663310001)
    assert tv.date is not None
    assert tv.date.utcoffset() == timedelta(hours=-5)
    anime = EpisodeInfo.from_dict({"number": 5, "tvdb": {"season": 1, "episode": 5}, "aired": 1})
    assert (anime.season, anime.episode, anime.tvdb_season, anime.tvdb_episode) == (None, 5, 1, 5)
    assert anime.aired is False
    special = EpisodeInfo.from_dict({"title": "Special", "type": "special"})
    assert (special.season, special.episode) == (None, None)


# --- calendar ---------------------------------------------------------------------------------


CALENDAR_READERS = _readers(CalendarFile.parse, CalendarFile.read)
type ReadCalendar = Callable[..., CalendarFile]


@pytest.mark.parametrize("read", CALENDAR_READERS)
def test_calendar_v1_entries(read: ReadCalendar) -> None:
    """A v1 file is a flat array; movies have a release date and no episode."""
    calendar = read(
        [
            {
                "title": "Severance",
                "poster": "po/ster",
                "date": "2026-05-15T01:00:00Z",
                "url": "/tv/1186633/severance",
                "ids": {"simkl_id": 1186633, "slug": "severance"},
                "episode": {"season": 2, "episode": 5, "url": "/tv/1186633/season-2/episode-5"},
                "rank": 8,
                "ratings": {"simkl": {"rating": 8.7, "votes": 100}},
            },
            {"title": "Frieren", "episode": {"number": 3}, "anime_type": "tv"},
            {"title": "Project Hail Mary", "release_date": "2026-06-01"},
            "junk",
        ],
        "Wed, 13 May 2026 12:00:00 GMT",
    )
    assert calendar.last_modified == "Wed, 13 May 2026 12:00:00 GMT"
    first, anime, movie = calendar.entries
    assert first.ids.simkl == 1186633
    assert (first.season, first.episode, first.rank, first.rating) == (2, 5, 8, 8.7)
    assert first.episode_url == "/tv/1186633/season-2/episode-5"
    assert first.date == datetime(2026, 5, 15, 1, tzinfo=UTC)
    assert (anime.season, anime.episode, anime.anime_type) == (None, 3, "tv")
    assert (movie.release_date, movie.episode, movie.date) == (date(2026, 6, 1), None, None)
    with pytest.raises(ValueError, match="calendar file"):
        read(None)


@pytest.mark.parametrize("read", CALENDAR_READERS)
def test_calendar_v2_entries_take_metadata(read: ReadCalendar) -> None:
    """A v2 file joins each airing with its title's metadata by Simkl id."""
    calendar = read(
        {
            "calendar": [
                {
                    "simkl_id": 1186633,
                    "date": "2026-05-15T01:00:00Z",
                    "finale_type": 2,
                    "episode": {"season": 2, "episode": 10, "title": "Finale"},
                },
                {"simkl_id": 2494385, "date": "2026-05-16T15:26:00Z"},
            ],
            "metadata": {
                "1186633": {"title": "Severance", "poster": "po/ster", "runtime": "55m"},
                "2494385": {"title": "Frieren", "ids": {"simkl_id": 2494385, "mal": 59978}},
            },
        }
    )
    severance, frieren = calendar.entries
    assert severance == CalendarEntry(
        title="Severance",
        poster="po/ster",
        date=datetime(2026, 5, 15, 1, tzinfo=UTC),
        ids=Ids(simkl=1186633),
        season=2,
        episode=10,
        episode_title="Finale",
        finale_type=2,
    )
    assert frieren.ids == Ids(simkl=2494385, mal=59978)
    assert frieren.episode is None


# --- media types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("media_type", "names"),
    [
        (MediaType.SHOWS, ("shows", "show", "tv", "tv", "tv", "show")),
        (MediaType.ANIME, ("anime", "anime", "anime", "anime", "anime", "show")),
        (MediaType.MOVIES, ("movies", "movie", "movie", "movies", "movie_release", "movie")),
    ],
)
def test_media_type_names(media_type: MediaType, names: tuple[str, ...]) -> None:
    """Each endpoint's name of a media type, and every one of them reads back as that type."""
    assert (
        media_type.value,
        media_type.item_key,
        media_type.search_kind,
        media_type.web_path,
        media_type.calendar_file,
        media_type.id_lookup_kind,
    ) == names
    # The id lookup knows shows and movies only: its `show` names anime as well.
    assert {MediaType.parse(name) for name in names[:-1]} == {media_type}


@pytest.mark.parametrize("name", ["podcast", "", None, 1, "SHOWS"])
def test_media_type_of_anything_else(name: object) -> None:
    """A name Simkl does not use is no media type."""
    assert MediaType.parse(name) is None
