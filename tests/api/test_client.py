"""Every method of the API client against the fake Simkl server, over real HTTP."""

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
import time
from unittest.mock import AsyncMock, patch

import aiohttp
import pytest

from simkl_api import (
    AVATAR_24,
    AVATAR_100,
    AVATAR_200,
    AVATAR_256,
    AVATAR_512,
    EPISODE_CARD,
    EPISODE_MINI,
    EPISODE_WIDE,
    FANART_DARK,
    FANART_MEDIUM,
    FANART_MOBILE,
    FANART_TINY,
    FANART_WIDE,
    POSTER_CARD,
    POSTER_CARD_LARGE,
    POSTER_CARD_MINI,
    POSTER_MEDIUM,
    POSTER_SMALL,
    POSTER_WIDE,
    AllItems,
    CalendarFile,
    CalendarNotModified,
    EchoedItem,
    EpisodeRef,
    Extended,
    Ids,
    ImageKind,
    ListStatus,
    MediaType,
    NotFound,
    PinAuthorized,
    PinCode,
    PinExpired,
    PinPending,
    ScrobbleAction,
    ScrobbleRequest,
    SimklClient,
    SimklServerError,
    SyncEpisode,
    SyncEpisodeNumber,
    SyncItem,
    SyncRequest,
    SyncResult,
    SyncSeason,
    WatchedQuery,
    build_image_url,
    no_poster_url,
    transport as transport_module,
)
from tests.api.conftest import ACCOUNT_ID, APP_NAME, APP_VERSION, CLIENT_ID
from tests.fake_simkl import FakeSimkl, FakeUser, FaultKind, MediaKind

type ClientFactory = Callable[..., SimklClient]

# Titles of the fake's demo catalogue (see tests/fake_simkl/seeds.py DEMO_LIBRARY).
STRANGER_THINGS = 548312  # completed, rated 9
BREAKING_BAD = 11121  # completed, rated 10, 62 episodes
SEVERANCE = 1186633  # watching, airing; paused at S3E3 (33 %)
THE_BEAR = 1830167  # plan to watch
FRIEREN_2 = 2494385  # anime, watching, airing
INCEPTION = 475479  # completed, rated 9
INTERSTELLAR = 465519  # plan to watch, paused at 42.5 %
THE_MATRIX = 53992  # in the catalogue, not in the library
UNKNOWN_ID = 999_999_999


@pytest.fixture
def client(make_api_client: ClientFactory, access_token: str) -> SimklClient:
    """A client of alice's account with fast pacing."""
    return make_api_client(access_token=access_token)


def _library_ids(fake: FakeSimkl, user: FakeUser, kind: MediaKind) -> set[int]:
    return {
        entry.item.simkl_id
        for entry in fake.library(user).entries.values()
        if entry.item.kind == kind
    }


# --- identification ---------------------------------------------------------------------------


async def test_every_request_identifies_the_application(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """client_id, app-name and app-version in the query; key, agent and token in headers."""
    client = make_api_client(access_token=access_token, app_name="ha-test", app_version="9.9")
    await client.get_activities()
    await client.add_to_list(
        SyncRequest(movies=[SyncItem(ids=Ids(simkl=INTERSTELLAR), to=ListStatus.COMPLETED)])
    )
    (paused,) = await client.get_playback("episodes")
    await client.delete_playback(paused.id)
    await client.get_calendar(MediaType.SHOWS)

    assert fake_simkl.request_paths() == [
        "GET /sync/activities",
        "POST /sync/add-to-list",
        "GET /sync/playback/episodes",
        f"DELETE /sync/playback/{paused.id}",
        "GET /calendar/tv.json",
    ]
    for request in fake_simkl.requests:
        assert request.query["client_id"] == CLIENT_ID
        assert request.query["app-name"] == "ha-test"
        assert request.query["app-version"] == "9.9"
        assert request.headers["simkl-api-key"] == CLIENT_ID
        assert request.headers["User-Agent"] == "ha-test/9.9"
    *api_calls, calendar = fake_simkl.requests
    assert all(call.headers["Authorization"] == f"Bearer {access_token}" for call in api_calls)
    # The CDN's files are public: the user's token is not sent there.
    assert "Authorization" not in calendar.headers
    post = fake_simkl.requests[1]
    assert post.headers["Content-Type"] == "application/json"
    assert post.json == {"movies": [{"ids": {"simkl": INTERSTELLAR}, "to": "completed"}]}
    assert "Content-Type" not in fake_simkl.requests[0].headers


async def test_without_a_token_no_authorization_is_sent(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory
) -> None:
    """Before linking, requests carry the app's identity only (default name and version)."""
    client = make_api_client()
    assert client.client_id == CLIENT_ID
    assert client.access_token is None
    await client.request_pin()
    (request,) = fake_simkl.requests
    assert "Authorization" not in request.headers
    assert request.headers["User-Agent"] == f"{APP_NAME}/{APP_VERSION}"
    assert request.query["app-name"] == APP_NAME
    assert request.query["app-version"] == APP_VERSION


# --- PIN flow and user ------------------------------------------------------------------------


async def test_pin_flow_pending_authorized_then_fresh_code(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, simkl_user: FakeUser
) -> None:
    """A code is pending until approved, then yields a token once; later polls get a new code."""
    client = make_api_client()
    code = await client.request_pin()
    assert code == PinCode(
        user_code=code.user_code,
        verification_url="https://simkl.com/pin",
        expires_in=900,
        interval=5,
    )
    assert fake_simkl.pending_pins == [code.user_code]

    assert await client.poll_pin(code.user_code) == PinPending()

    fake_simkl.approve_pin(code.user_code, simkl_user)
    authorized = await client.poll_pin(code.user_code)
    assert isinstance(authorized, PinAuthorized)
    client.access_token = authorized.access_token
    assert client.access_token == authorized.access_token
    assert (await client.get_user_settings()).account_id == ACCOUNT_ID

    consumed = await client.poll_pin(code.user_code)
    assert isinstance(consumed, PinExpired)
    assert consumed.new_code is not None
    assert consumed.new_code.user_code != code.user_code
    assert consumed.new_code.user_code in fake_simkl.pending_pins
    assert fake_simkl.request_paths()[1] == f"GET /oauth/pin/{code.user_code}"


async def test_pin_expires(fake_simkl: FakeSimkl, make_api_client: ClientFactory) -> None:
    """After `expires_in`, polling the code answers with a fresh code."""
    client = make_api_client()
    code = await client.request_pin()
    later = fake_simkl.now() + timedelta(seconds=code.expires_in + 1)
    fake_simkl.set_clock(lambda: later)

    expired = await client.poll_pin(code.user_code)

    assert isinstance(expired, PinExpired)
    assert expired.new_code is not None
    assert expired.new_code.user_code != code.user_code
    assert code.user_code not in fake_simkl.pending_pins


async def test_pin_unknown_to_the_server(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory
) -> None:
    """A 404 on the poll means the code is gone, like the fresh-code answer."""
    fake_simkl.inject_fault("/oauth/pin/", FaultKind.STATUS, status=404)
    assert await make_api_client().poll_pin("GONE1") == PinExpired()


async def test_user_settings(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """The profile of the token's owner (a POST for historical reasons)."""
    fake_simkl.set_settings(simkl_user, timezone="Europe/Lisbon", account_type="vip")
    settings = await client.get_user_settings()
    assert settings.account_id == ACCOUNT_ID
    assert settings.name == "alice"
    assert settings.timezone == "Europe/Lisbon"
    assert settings.account_type == "vip"
    assert settings.avatar == simkl_user.avatar
    assert settings.joined_at == simkl_user.joined_at
    assert fake_simkl.request_paths() == ["POST /users/settings"]


async def test_user_stats(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Counters per list, as the fake computes them from alice's library."""
    stats = await client.get_user_stats(ACCOUNT_ID)
    assert stats.for_type(MediaType.SHOWS).count(ListStatus.WATCHING) == 4
    assert stats.for_type(MediaType.SHOWS).count(ListStatus.HOLD) == 1
    assert stats.for_type(MediaType.MOVIES).count(ListStatus.COMPLETED) == 2
    assert stats.for_type(MediaType.ANIME).watched_episodes > 0
    assert stats.total_mins == stats.to_dict()["total_mins"] > 0
    assert fake_simkl.request_paths() == [f"POST /users/{ACCOUNT_ID}/stats"]


# --- sync reads -------------------------------------------------------------------------------


async def test_activities_move_with_the_library(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Rating a show moves the show timestamps and the top level, not the movies."""
    before = await client.get_activities()
    assert before.all is not None
    assert before.for_type(MediaType.MOVIES).watching is None

    fake_simkl.rate(simkl_user, THE_BEAR, 7)
    after = await client.get_activities()

    assert after.all is not None
    assert after.all > before.all
    shows_rated = after.for_type(MediaType.SHOWS).rated_at
    assert shows_rated is not None
    assert shows_rated == after.all
    assert after.movies == before.movies
    assert fake_simkl.request_paths() == ["GET /sync/activities"] * 2


async def test_all_items_full_library(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Without filters, every section of the library."""
    items = await client.get_all_items()
    assert {item.media.ids.simkl for item in items.shows} == _library_ids(
        fake_simkl, simkl_user, "tv"
    )
    assert {item.media.ids.simkl for item in items.anime} == _library_ids(
        fake_simkl, simkl_user, "anime"
    )
    assert {item.media.ids.simkl for item in items.movies} == _library_ids(
        fake_simkl, simkl_user, "movie"
    )
    breaking_bad = next(item for item in items.shows if item.media.ids.simkl == BREAKING_BAD)
    assert breaking_bad.status is ListStatus.COMPLETED
    assert breaking_bad.user_rating == 10
    assert breaking_bad.watched_episodes_count == breaking_bad.total_episodes_count == 62
    assert breaking_bad.media.title == "Breaking Bad"
    (request,) = fake_simkl.requests
    assert request.path == "/sync/all-items"
    assert set(request.query) == {"client_id", "app-name", "app-version"}


async def test_all_items_of_a_type_and_list_with_extended_info(
    fake_simkl: FakeSimkl, client: SimklClient
) -> None:
    """One list of one section, with watched episodes, their dates and the next episode."""
    items = await client.get_all_items(
        MediaType.SHOWS,
        ListStatus.WATCHING,
        extended=Extended.FULL,
        episode_watched_at=True,
        next_watch_info=True,
    )
    assert items.anime == items.movies == []
    assert {item.status for item in items.shows} == {ListStatus.WATCHING}
    severance = next(item for item in items.shows if item.media.ids.simkl == SEVERANCE)
    assert severance.next_to_watch == "S03E03"
    assert severance.next_to_watch_info is not None
    assert severance.next_to_watch_info.episode == 3
    watched = [
        (season.number, episode.number)
        for season in severance.seasons
        for episode in season.episodes
    ]
    assert len(watched) == severance.watched_episodes_count
    assert (3, 2) in watched
    assert (3, 3) not in watched
    assert all(episode.watched_at for season in severance.seasons for episode in season.episodes)
    (request,) = fake_simkl.requests
    assert request.path == "/sync/all-items/shows/watching"
    assert request.query["extended"] == "full"
    assert request.query["episode_watched_at"] == "yes"
    assert request.query["next_watch_info"] == "yes"


async def test_all_items_since_a_date(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """`date_from` returns only what changed after the stored activities timestamp."""
    since = (await client.get_activities()).all
    assert since is not None
    fake_simkl.set_status(simkl_user, THE_BEAR, "watching")

    delta = await client.get_all_items(date_from=since)

    assert [item.media.ids.simkl for item in delta.shows] == [THE_BEAR]
    assert delta.shows[0].status is ListStatus.WATCHING
    assert delta.anime == delta.movies == []
    assert fake_simkl.requests[-1].query["date_from"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")
    # Nothing changed since then: Simkl answers `null`.
    latest = (await client.get_activities()).all
    assert latest is not None
    assert await client.get_all_items(MediaType.SHOWS, date_from=latest) == AllItems()


async def test_all_items_simkl_ids_reveal_removals(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Removals only show in full id lists, which carry nothing but the Simkl id."""
    fake_simkl.remove_item(simkl_user, INTERSTELLAR)
    items = await client.get_all_items(MediaType.MOVIES, extended=Extended.SIMKL_IDS_ONLY)
    assert {item.media.ids.simkl for item in items.movies} == _library_ids(
        fake_simkl, simkl_user, "movie"
    )
    assert INTERSTELLAR not in {item.media.ids.simkl for item in items.movies}
    assert all(item.media.title == "" and item.status is None for item in items.movies)
    assert fake_simkl.requests[-1].query["extended"] == "simkl_ids_only"


async def test_all_items_of_an_empty_library(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory
) -> None:
    """An empty library answers `null`."""
    newcomer = fake_simkl.add_user("bob")
    client = make_api_client(access_token=fake_simkl.issue_token(newcomer))
    items = await client.get_all_items()
    assert all(items.items(media_type) == [] for media_type in MediaType)


async def test_all_items_status_needs_a_type(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Simkl has no path for a list across sections; nothing is sent."""
    with pytest.raises(ValueError, match="media type"):
        await client.get_all_items(status=ListStatus.WATCHING)
    assert fake_simkl.requests == []


async def test_playback_list_and_delete(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Paused sessions newest first, by kind, and deleted by id."""
    sessions = await client.get_playback()
    assert [session.media.ids.simkl for session in sessions] == [INTERSTELLAR, SEVERANCE]
    (episode,) = await client.get_playback("episodes")
    assert episode.type == "episode"
    assert episode.progress == 33.0
    assert episode.episode == EpisodeRef(
        season=3, number=3, title="Episode 3", tvdb_season=3, tvdb_number=3
    )
    (movie,) = await client.get_playback("movies")
    assert (movie.type, movie.media_type, movie.progress) == ("movie", MediaType.MOVIES, 42.5)

    await client.delete_playback(movie.id)

    assert await client.get_playback("movies") == []
    assert f"DELETE /sync/playback/{movie.id}" in fake_simkl.request_paths()
    assert fake_simkl.library(simkl_user).playback_by_id(movie.id) is None


async def test_playback_since_a_date(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Only sessions paused after `date_from`."""
    since = (await client.get_activities()).tv_shows.playback
    assert since is not None
    fake_simkl.add_playback(simkl_user, BREAKING_BAD, 12.5, season=5, episode=16)

    (session,) = await client.get_playback(date_from=since)

    assert session.media.ids.simkl == BREAKING_BAD
    assert session.progress == 12.5
    assert fake_simkl.requests[-1].path == "/sync/playback"
    assert fake_simkl.requests[-1].query["date_from"] == since.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_ratings_list(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """All ratings, one section's chosen ratings, and ratings changed since a date."""
    rated = await client.get_ratings()
    assert {item.media.ids.simkl: item.user_rating for item in rated.movies} == {
        INCEPTION: 9,
        2020815: 8,
    }
    top = await client.get_ratings(MediaType.SHOWS, [9, 10])
    assert {item.media.ids.simkl: item.user_rating for item in top.shows} == {
        STRANGER_THINGS: 9,
        BREAKING_BAD: 10,
    }
    assert fake_simkl.requests[-1].path == "/sync/ratings/shows/9,10"

    since = (await client.get_activities()).tv_shows.rated_at
    assert since is not None
    fake_simkl.rate(simkl_user, THE_BEAR, 7)
    (the_bear,) = (await client.get_ratings(MediaType.SHOWS, date_from=since)).shows
    assert (the_bear.media.ids.simkl, the_bear.user_rating) == (THE_BEAR, 7)
    assert the_bear.user_rated_at is not None
    assert fake_simkl.requests[-1].path == "/sync/ratings/shows"

    with pytest.raises(ValueError, match="media type"):
        await client.get_ratings(ratings=[10])


# --- sync writes ------------------------------------------------------------------------------


async def test_history_add_and_remove(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Mark a movie, a season's episodes and an episode by id watched, then undo."""
    library = fake_simkl.library(simkl_user)
    the_bear_s1e3 = THE_BEAR * 100_000 + 10_000 + 3
    request = SyncRequest(
        movies=[SyncItem(ids=Ids(simkl=INTERSTELLAR))],
        shows=[
            SyncItem(
                ids=Ids(imdb="tt14452776"),
                seasons=[
                    SyncSeason(
                        number=1,
                        episodes=[SyncEpisodeNumber(number=1), SyncEpisodeNumber(number=2)],
                    )
                ],
            ),
            SyncItem(ids=Ids(simkl=UNKNOWN_ID)),
        ],
        episodes=[SyncEpisode(ids=Ids(simkl=the_bear_s1e3))],
    )

    added = await client.add_to_history(request)

    assert added.added == {"movies": 1, "shows": 1, "episodes": 3}
    assert added.not_found == NotFound(shows=[EchoedItem(ids=Ids(simkl=UNKNOWN_ID))])
    assert added.not_found_count == 1
    assert [(status.status, status.media_type) for status in added.statuses] == [
        (ListStatus.COMPLETED, MediaType.MOVIES),
        (ListStatus.WATCHING, MediaType.SHOWS),
    ]
    assert added.statuses[0].item == EchoedItem(ids=Ids(simkl=INTERSTELLAR))
    assert library.entries[INTERSTELLAR].movie_watched_at is not None
    assert set(library.entries[THE_BEAR].watched) == {(1, 1), (1, 2), (1, 3)}
    assert fake_simkl.requests[-1].json == request.to_dict()

    removed = await client.remove_from_history(
        SyncRequest(
            movies=[SyncItem(ids=Ids(simkl=INTERSTELLAR))],
            shows=[
                SyncItem(
                    ids=Ids(simkl=THE_BEAR),
                    seasons=[SyncSeason(number=1, episodes=[SyncEpisodeNumber(number=2)])],
                )
            ],
        )
    )

    assert removed.deleted == {"movies": 1, "shows": 0, "episodes": 1}
    assert removed.not_found_count == 0
    assert INTERSTELLAR not in library.entries
    assert set(library.entries[THE_BEAR].watched) == {(1, 1), (1, 3)}
    assert fake_simkl.request_paths() == ["POST /sync/history", "POST /sync/history/remove"]


async def test_write_answered_without_content(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """A 204 to a write is a success with nothing to report (Simkl documents no body for some)."""
    fake_simkl.inject_fault("/sync/history/remove", FaultKind.STATUS, status=204)
    removed = await client.remove_from_history(
        SyncRequest(movies=[SyncItem(ids=Ids(simkl=INCEPTION))])
    )
    assert removed == SyncResult()
    assert fake_simkl.request_paths() == ["POST /sync/history/remove"]


async def test_ratings_add_and_remove(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Rating an unlisted movie files it as completed; removing the rating keeps it listed."""
    library = fake_simkl.library(simkl_user)
    added = await client.add_ratings(
        SyncRequest(
            movies=[
                SyncItem(ids=Ids(imdb="tt0133093"), rating=10),
                SyncItem(ids=Ids(simkl=UNKNOWN_ID), rating=5),
            ]
        )
    )
    assert added.added == {"movies": 1, "shows": 0}
    assert added.statuses[0].status is ListStatus.COMPLETED
    assert added.statuses[0].item.rating == 10
    assert added.not_found_count == 1
    assert library.entries[THE_MATRIX].rating == 10

    removed = await client.remove_ratings(SyncRequest(movies=[SyncItem(ids=Ids(simkl=THE_MATRIX))]))
    assert removed.deleted == {"movies": 1, "shows": 0}
    assert library.entries[THE_MATRIX].rating is None
    assert fake_simkl.request_paths() == ["POST /sync/ratings", "POST /sync/ratings/remove"]


async def test_add_to_list(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Moving titles between lists echoes the items that moved."""
    result = await client.add_to_list(
        SyncRequest(
            shows=[SyncItem(ids=Ids(simkl=THE_BEAR), to=ListStatus.HOLD)],
            movies=[SyncItem(ids=Ids(simkl=UNKNOWN_ID), to=ListStatus.PLAN_TO_WATCH)],
        )
    )
    assert result.added == {"movies": 0, "shows": 1}
    assert result.not_found == NotFound(movies=[EchoedItem(ids=Ids(simkl=UNKNOWN_ID))])
    assert fake_simkl.library(simkl_user).entries[THE_BEAR].status == "hold"


async def test_check_watched(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Watched state with counters; unknown items answer `not_found`."""
    breaking_bad = WatchedQuery(ids=Ids(simkl=BREAKING_BAD), media_type=MediaType.SHOWS)
    completed, unknown = await client.check_watched(
        [breaking_bad, WatchedQuery(ids=Ids(imdb="tt0000001"))], extended="counters"
    )
    assert completed.result is True
    assert completed.list is ListStatus.COMPLETED
    assert completed.episodes_watched == completed.episodes_total == 62
    assert completed.request == breaking_bad
    assert unknown.result is None
    assert fake_simkl.requests[-1].query["extended"] == "counters"
    assert fake_simkl.requests[-1].json == [
        {"simkl": BREAKING_BAD, "type": "show"},
        {"imdb": "tt0000001"},
    ]
    (plain,) = await client.check_watched([WatchedQuery(ids=Ids(simkl=THE_BEAR))])
    assert (plain.result, plain.list, plain.episodes_total) == (
        False,
        ListStatus.PLAN_TO_WATCH,
        None,
    )
    assert "extended" not in fake_simkl.requests[-1].query


# --- scrobble ---------------------------------------------------------------------------------


async def test_scrobble_start_pause_stop(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """A player session: start, pause saves a playback, stop past 80 % marks it watched."""
    library = fake_simkl.library(simkl_user)
    episode = ScrobbleRequest(
        media_type=MediaType.SHOWS, ids=Ids(simkl=SEVERANCE), season=3, episode=3
    )

    started = await client.scrobble(ScrobbleAction.START, replace(episode, progress=0))
    assert (started.id, started.action, started.media_type) == (0, "start", MediaType.SHOWS)
    assert started.media is not None
    assert started.media.title == "Severance"
    assert started.episode is not None
    assert (started.episode.season, started.episode.number) == (3, 3)

    paused = await client.scrobble(ScrobbleAction.PAUSE, replace(episode, progress=50))
    assert (paused.action, paused.progress) == ("pause", 50.0)
    assert library.playback_by_id(paused.id) is not None

    stopped = await client.scrobble(ScrobbleAction.STOP, replace(episode, progress=90.5))
    assert (stopped.action, stopped.progress) == ("scrobble", 90.5)
    assert (3, 3) in library.entries[SEVERANCE].watched
    assert library.playback_by_id(paused.id) is None

    assert fake_simkl.request_paths() == [
        "POST /scrobble/start",
        "POST /scrobble/pause",
        "POST /scrobble/stop",
    ]
    assert fake_simkl.requests[-1].json == {
        "progress": 90.5,
        "show": {"ids": {"simkl": SEVERANCE}},
        "episode": {"season": 3, "number": 3},
    }


async def test_scrobble_stop_early_keeps_a_playback(
    fake_simkl: FakeSimkl, client: SimklClient, simkl_user: FakeUser
) -> None:
    """Stopping a movie below 80 % pauses it instead of marking it watched."""
    movie = ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(imdb="tt0133093"), progress=30)
    stopped = await client.scrobble(ScrobbleAction.STOP, movie)
    assert (stopped.action, stopped.media_type, stopped.episode) == (
        "pause",
        MediaType.MOVIES,
        None,
    )
    sessions = {session.media.ids.simkl: session for session in await client.get_playback()}
    assert (sessions[THE_MATRIX].id, sessions[THE_MATRIX].progress) == (stopped.id, 30.0)
    entry = fake_simkl.library(simkl_user).entries.get(THE_MATRIX)
    assert entry is None or entry.movie_watched_at is None


async def test_checkin(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """A check-in answers with its id and the title; no progress is tracked."""
    result = await client.scrobble(
        ScrobbleAction.CHECKIN,
        ScrobbleRequest(media_type=MediaType.MOVIES, ids=Ids(simkl=INCEPTION)),
    )
    assert result.action == "checkin"
    assert result.id > 0
    assert result.media is not None
    assert result.media.ids.simkl == INCEPTION
    assert fake_simkl.requests[-1].json == {"movie": {"ids": {"simkl": INCEPTION}}}


# --- search and catalog -----------------------------------------------------------------------


async def test_search_text(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Text search with paging; `extended=full` adds status and episode count."""
    (show,) = await client.search_text(MediaType.SHOWS, "stranger things", limit=5, extended="full")
    assert (show.media_type, show.title, show.ids.simkl) == (
        MediaType.SHOWS,
        "Stranger Things",
        STRANGER_THINGS,
    )
    assert (show.status, show.total_episodes) == ("ended", 42)
    assert show.url == "https://simkl.com/tv/548312/stranger-things"
    assert fake_simkl.requests[-1].path == "/search/tv"
    assert {
        key: fake_simkl.requests[-1].query[key] for key in ("q", "page", "limit", "extended")
    } == {
        "q": "stranger things",
        "page": "1",
        "limit": "5",
        "extended": "full",
    }

    first = await client.search_text(MediaType.ANIME, "frieren", limit=1)
    second = await client.search_text(MediaType.ANIME, "frieren", page=2, limit=1)
    assert len(first) == len(second) == 1
    assert first[0].ids.simkl != second[0].ids.simkl
    assert {first[0].media_type, second[0].media_type} == {MediaType.ANIME}
    assert second[0].anime_type == "tv"
    assert "extended" not in fake_simkl.requests[-1].query


async def test_search_by_id(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Lookups by external ids; a type disambiguates TMDB ids."""
    (show,) = await client.search_id({"imdb": "tt0903747"})
    assert (show.media_type, show.title, show.ids.simkl) == (
        MediaType.SHOWS,
        "Breaking Bad",
        BREAKING_BAD,
    )
    assert (show.status, show.total_episodes) == ("ended", 62)

    (movie,) = await client.search_id({"tmdb": 157336}, media_type=MediaType.MOVIES)
    assert (movie.media_type, movie.ids.simkl, movie.status) == (
        MediaType.MOVIES,
        INTERSTELLAR,
        "released",
    )
    assert fake_simkl.requests[-1].query["tmdb"] == "157336"
    assert fake_simkl.requests[-1].query["type"] == "movie"

    assert await client.search_id({"imdb": "tt0000001"}) == []


async def test_search_by_id_single_object_answer(
    fake_simkl: FakeSimkl, client: SimklClient
) -> None:
    """Some lookups answer one object instead of an array."""
    fake_simkl.inject_fault(
        "/search/id",
        FaultKind.STATUS,
        status=200,
        body={"type": "movie", "title": "Inception", "ids": {"simkl": INCEPTION}},
    )
    (movie,) = await client.search_id({"imdb": "tt1375666"})
    assert (movie.media_type, movie.ids.simkl) == (MediaType.MOVIES, INCEPTION)


async def test_search_file(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """File names resolve to an episode (or one part of a multi-episode file) or a movie."""
    match = await client.search_file("Stranger.Things.S01E03.1080p.WEB.x264.mkv")
    assert (match.type, match.media_type) == ("episode", MediaType.SHOWS)
    assert match.media is not None
    assert match.media.ids.simkl == STRANGER_THINGS
    assert match.episode is not None
    assert (match.episode.season, match.episode.number) == (1, 3)
    assert fake_simkl.requests[-1].json == {"file": "Stranger.Things.S01E03.1080p.WEB.x264.mkv"}

    second_part = await client.search_file("Stranger.Things.S01E01E02.mkv", part=2)
    assert second_part.episode is not None
    assert second_part.episode.number == 2
    assert fake_simkl.requests[-1].json == {"file": "Stranger.Things.S01E01E02.mkv", "part": 2}

    movie = await client.search_file("/movies/Inception (2010)/Inception (2010).mkv")
    assert (movie.type, movie.media_type) == ("movie", MediaType.MOVIES)
    assert movie.media is not None
    assert movie.media.ids.simkl == INCEPTION


async def test_summaries(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Catalog records of a show (by Simkl or IMDb id), an anime and a movie."""
    severance = await client.get_summary(MediaType.SHOWS, SEVERANCE)
    assert (severance.title, severance.network, severance.status) == (
        "Severance",
        "Apple TV+",
        "airing",
    )
    assert severance.airs is not None
    assert severance.airs.timezone == "America/New_York"
    assert severance.total_episodes == 29
    assert "drama" in severance.genres
    assert fake_simkl.requests[-1].query["extended"] == "full"

    by_imdb = await client.get_summary(MediaType.SHOWS, "tt0903747")
    assert by_imdb.ids.simkl == BREAKING_BAD
    assert fake_simkl.requests[-1].path == "/tv/tt0903747"

    frieren = await client.get_summary(MediaType.ANIME, FRIEREN_2)
    assert (frieren.anime_type, frieren.status, frieren.ids.mal) == ("tv", "airing", 59978)

    inception = await client.get_summary(MediaType.MOVIES, INCEPTION)
    assert (inception.released, inception.runtime, inception.airs) == (date(2010, 7, 16), 148, None)
    assert fake_simkl.request_paths() == [
        f"GET /tv/{SEVERANCE}",
        "GET /tv/tt0903747",
        f"GET /anime/{FRIEREN_2}",
        f"GET /movies/{INCEPTION}",
    ]


async def test_episode_lists(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Episodes with aired flags and dates in the network's offset; anime has no seasons."""
    episodes = await client.get_episodes(MediaType.SHOWS, SEVERANCE)
    assert len(episodes) == 29
    season_three = [episode for episode in episodes if episode.season == 3]
    assert [episode.aired for episode in season_three] == [True] * 4 + [False] * 6
    assert season_three[0].date is not None
    assert season_three[0].date.utcoffset() in {timedelta(hours=-5), timedelta(hours=-4)}
    assert season_three[0].ids.simkl == SEVERANCE * 100_000 + 30_000 + 1

    anime = await client.get_episodes(MediaType.ANIME, FRIEREN_2)
    assert [episode.episode for episode in anime] == list(range(1, 11))
    assert {episode.season for episode in anime} == {None}
    assert (anime[0].tvdb_season, anime[0].tvdb_episode) == (1, 1)
    assert anime[0].date is not None
    assert anime[0].date.utcoffset() == timedelta(hours=9)
    assert fake_simkl.request_paths() == [
        f"GET /tv/episodes/{SEVERANCE}",
        f"GET /anime/episodes/{FRIEREN_2}",
    ]
    with pytest.raises(ValueError, match="movies have no episodes"):
        await client.get_episodes(MediaType.MOVIES, INCEPTION)
    assert len(fake_simkl.requests) == 2


# --- calendar files ---------------------------------------------------------------------------


async def test_calendar_files(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """The rolling files of TV, anime and movie releases, with their Last-Modified."""
    tv = await client.get_calendar(MediaType.SHOWS)
    assert isinstance(tv, CalendarFile)
    assert tv.last_modified is not None
    severance = [entry for entry in tv.entries if entry.ids.simkl == SEVERANCE]
    assert severance
    assert severance[0].season == 3
    assert severance[0].episode == 5
    assert severance[0].date is not None
    assert severance[0].date > fake_simkl.now()

    anime = await client.get_calendar(MediaType.ANIME)
    assert isinstance(anime, CalendarFile)
    frieren = next(entry for entry in anime.entries if entry.ids.simkl == FRIEREN_2)
    assert (frieren.season, frieren.episode, frieren.anime_type) == (None, 7, "tv")

    movies = await client.get_calendar(MediaType.MOVIES)
    assert isinstance(movies, CalendarFile)
    hail_mary = next(entry for entry in movies.entries if entry.title == "Project Hail Mary")
    assert hail_mary.episode is None
    assert hail_mary.release_date is not None
    assert hail_mary.release_date > fake_simkl.now().date()

    assert fake_simkl.request_paths() == [
        "GET /calendar/tv.json",
        "GET /calendar/anime.json",
        "GET /calendar/movie_release.json",
    ]


async def test_calendar_monthly_archive(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """A month's archive; Simkl's paths do not zero-pad the month."""
    archive = await client.get_calendar(MediaType.SHOWS, year=2025, month=4)
    assert isinstance(archive, CalendarFile)
    last_of_us = [entry for entry in archive.entries if entry.title == "The Last of Us"]
    assert [(entry.season, entry.episode) for entry in last_of_us] == [(2, 1), (2, 2), (2, 3)]
    assert all(
        entry.release_date is not None and entry.release_date.month == 4
        for entry in archive.entries
    )
    assert fake_simkl.request_paths() == ["GET /calendar/2025/4/tv.json"]
    with pytest.raises(ValueError, match="together"):
        await client.get_calendar(MediaType.SHOWS, year=2025)


async def test_calendar_not_modified(fake_simkl: FakeSimkl, client: SimklClient) -> None:
    """Sending back Last-Modified gets "not modified" until the file changes."""
    first = await client.get_calendar(MediaType.SHOWS)
    assert isinstance(first, CalendarFile)
    assert first.last_modified is not None

    unchanged = await client.get_calendar(MediaType.SHOWS, if_modified_since=first.last_modified)
    assert unchanged == CalendarNotModified()
    assert fake_simkl.requests[-1].headers["If-Modified-Since"] == first.last_modified

    fake_simkl.touch_calendar()
    changed = await client.get_calendar(MediaType.SHOWS, if_modified_since=first.last_modified)
    assert isinstance(changed, CalendarFile)
    assert changed.entries == first.entries
    assert changed.last_modified != first.last_modified
    assert "If-Modified-Since" not in fake_simkl.requests[0].headers


# --- images -----------------------------------------------------------------------------------

PATH = "74/74415673dcdc9cdd"


@pytest.mark.parametrize(
    ("kind", "size", "url"),
    [
        (ImageKind.POSTER, None, f"https://simkl.in/posters/{PATH}.webp"),
        (ImageKind.POSTER, POSTER_CARD, f"https://simkl.in/posters/{PATH}_c.webp"),
        (ImageKind.FANART, FANART_MEDIUM, f"https://simkl.in/fanart/{PATH}_medium.webp"),
        (ImageKind.FANART, FANART_DARK, f"https://simkl.in/fanart/{PATH}_d.jpg"),
        (ImageKind.EPISODE, EPISODE_WIDE, f"https://simkl.in/episodes/{PATH}_w.webp"),
        (ImageKind.AVATAR, AVATAR_100, f"https://simkl.in/avatars/{PATH}_100.jpg"),
        (ImageKind.AVATAR, AVATAR_200, f"https://simkl.in/avatars/{PATH}.jpg"),
        # Every other documented size, so the whole table of sizes is tested.
        (ImageKind.POSTER, POSTER_WIDE, f"https://simkl.in/posters/{PATH}_w.webp"),
        (ImageKind.POSTER, POSTER_MEDIUM, f"https://simkl.in/posters/{PATH}_m.webp"),
        (ImageKind.POSTER, POSTER_CARD_LARGE, f"https://simkl.in/posters/{PATH}_ca.webp"),
        (ImageKind.POSTER, POSTER_CARD_MINI, f"https://simkl.in/posters/{PATH}_cm.webp"),
        (ImageKind.POSTER, POSTER_SMALL, f"https://simkl.in/posters/{PATH}_s.webp"),
        (ImageKind.FANART, FANART_MOBILE, f"https://simkl.in/fanart/{PATH}_mobile.webp"),
        (ImageKind.FANART, FANART_WIDE, f"https://simkl.in/fanart/{PATH}_w.webp"),
        (ImageKind.FANART, FANART_TINY, f"https://simkl.in/fanart/{PATH}_s48.webp"),
        (ImageKind.EPISODE, EPISODE_CARD, f"https://simkl.in/episodes/{PATH}_c.webp"),
        (ImageKind.EPISODE, EPISODE_MINI, f"https://simkl.in/episodes/{PATH}_m.webp"),
        (ImageKind.AVATAR, AVATAR_24, f"https://simkl.in/avatars/{PATH}_24.jpg"),
        (ImageKind.AVATAR, AVATAR_256, f"https://simkl.in/avatars/{PATH}_256.jpg"),
        (ImageKind.AVATAR, AVATAR_512, f"https://simkl.in/avatars/{PATH}_512.jpg"),
    ],
)
async def test_image_urls(
    make_api_client: ClientFactory, kind: ImageKind, size: str | None, url: str
) -> None:
    """Paths become image URLs with the size suffix and the format Simkl serves."""
    client = make_api_client(image_url="https://simkl.in/")
    assert client.image_url(kind, PATH, size) == url
    assert build_image_url("https://simkl.in", kind, f"/{PATH}", size) == url


def test_image_urls_without_a_path() -> None:
    """No path, no URL; full URLs pass through; missing posters get Simkl's placeholder."""
    assert build_image_url("https://simkl.in", ImageKind.FANART, None) is None
    assert build_image_url("https://simkl.in", ImageKind.FANART, "") is None
    full = "https://simkl.net/fanart/abc_0.jpg"
    assert build_image_url("https://simkl.in", ImageKind.FANART, full, FANART_MEDIUM) == full
    assert no_poster_url() == "https://simkl.in/poster_no_pic_c.png"
    assert no_poster_url(size=POSTER_SMALL) == "https://simkl.in/poster_no_pic_s.png"
    assert no_poster_url("http://cdn.test/", POSTER_CARD) == "http://cdn.test/poster_no_pic_c.png"


async def test_image_urls_load(fake_simkl: FakeSimkl, make_api_client: ClientFactory) -> None:
    """A poster path from the API, built into a URL, loads from the (fake) image host."""
    client = make_api_client(image_url=fake_simkl.url)
    (show,) = await client.search_text(MediaType.SHOWS, "severance")
    url = client.image_url(ImageKind.POSTER, show.poster, POSTER_CARD)
    assert url is not None
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.content_type == "image/svg+xml"


# --- pacing and backoff -----------------------------------------------------------------------


async def test_requests_are_paced(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """Reads wait `min_get_interval`, writes (DELETE too) `min_post_interval`, separately."""
    get_interval, post_interval = 0.05, 0.2
    client = make_api_client(
        access_token=access_token, min_get_interval=get_interval, min_post_interval=post_interval
    )
    loop = asyncio.get_running_loop()
    # asyncio may wake a timer this much early.
    resolution = time.get_clock_info("monotonic").resolution
    with patch.object(transport_module, "asyncio", wraps=asyncio) as spy:
        started = loop.time()
        await client.get_activities()
        (session,) = await client.get_playback("movies")
        reads = loop.time() - started
        waits_for_reads = [call.args[0] for call in spy.sleep.call_args_list]

        # The first write does not queue behind the reads.
        started = loop.time()
        await client.add_to_list(
            SyncRequest(shows=[SyncItem(ids=Ids(simkl=THE_BEAR), to=ListStatus.HOLD)])
        )
        assert len(spy.sleep.call_args_list) == 1
        await client.delete_playback(session.id)
        writes = loop.time() - started
        waits_for_writes = [call.args[0] for call in spy.sleep.call_args_list[1:]]

    assert len(waits_for_reads) == 1
    assert 0 < waits_for_reads[0] <= get_interval
    assert reads >= get_interval - resolution
    assert len(waits_for_writes) == 1
    assert 0 < waits_for_writes[0] <= post_interval
    assert writes >= post_interval - resolution
    assert len(fake_simkl.requests) == 4


async def test_failed_reads_back_off_exponentially_within_the_budget(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """Waits double from the base delay and stop before exceeding the budget."""
    client = make_api_client(access_token=access_token, retry_base_delay=1.0, retry_budget=30.0)
    fake_simkl.inject_fault("/sync/activities", FaultKind.STATUS, status=503, count=None)
    with patch.object(transport_module, "asyncio", wraps=asyncio) as spy:
        spy.sleep = AsyncMock()
        with pytest.raises(SimklServerError):
            await client.get_activities()
        # 1 + 2 + 4 + 8 = 15 s slept; another 16 s would exceed the 30 s budget.
        assert [call.args[0] for call in spy.sleep.await_args_list] == [1.0, 2.0, 4.0, 8.0]
        assert fake_simkl.request_paths() == ["GET /sync/activities"] * 5

        fake_simkl.clear_faults()
        fake_simkl.clear_requests()
        spy.sleep.reset_mock()
        fake_simkl.inject_fault("/sync/activities", FaultKind.STATUS, status=429)
        assert (await client.get_activities()).all is not None
        assert [call.args[0] for call in spy.sleep.await_args_list] == [1.0]
        assert fake_simkl.request_paths() == ["GET /sync/activities"] * 2


async def test_no_retries_without_a_delay(
    fake_simkl: FakeSimkl, make_api_client: ClientFactory, access_token: str
) -> None:
    """A zero base delay turns retries off."""
    client = make_api_client(access_token=access_token, retry_base_delay=0)
    fake_simkl.inject_fault("/sync/activities", FaultKind.STATUS, status=502)
    with pytest.raises(SimklServerError):
        await client.get_activities()
    assert fake_simkl.request_paths() == ["GET /sync/activities"]
