"""Identifying what a followed player plays: ids, library, searches, files; never a guess."""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.media_player.const import MediaPlayerState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.simkl.api import Ids, MediaType, SimklClient
from custom_components.simkl.const import CONF_MEDIA_PLAYERS, DOMAIN
from custom_components.simkl.helpers import create_client
from custom_components.simkl.library import Account, Library, LibraryEntry
from custom_components.simkl.player_match import Match, NoMatch, TitleResolver
from custom_components.simkl.players import EVENT_SCROBBLE
from custom_components.simkl.scrobble import PlayerReading
from tests.conftest import CLIENT_ID, sent_writes, setup_integration
from tests.fake_simkl import CatalogItem, FakeSimkl, FakeUser, FaultKind
from tests.media_players import STRANGER_THINGS_3, FakePlayer, Item, Playback, add_player

PLAYER = "media_player.living_room"

pytestmark = pytest.mark.usefixtures("no_platforms")

BREAKING_BAD = {"simkl": 11121, "slug": "breaking-bad", "imdb": "tt0903747"}


async def watch(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, player: FakePlayer, shape: str, item: Item
) -> Playback:
    """Play half of `item`, then stop."""
    playback = Playback(hass, freezer, player, shape, item)
    playback.report(MediaPlayerState.PLAYING)
    await playback.wait(item.minutes * 30)
    playback.report(MediaPlayerState.IDLE)
    await playback.wait(5 * 60)
    return playback


@pytest.fixture
async def player(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    mock_config_entry: MockConfigEntry,
) -> FakePlayer:
    """The living room player, followed by the account (set up once the catalog is ready)."""
    # Two series share a name, neither in the library; one of two "The Office" is.
    for simkl_id, year in ((9000001, 1980), (9000002, 2024)):
        fake_simkl.catalog.add(CatalogItem(simkl_id=simkl_id, kind="tv", title="Shogun", year=year))
    fake_simkl.catalog.add(CatalogItem(simkl_id=9000003, kind="tv", title="The Office", year=2001))
    fake_simkl.remove_item(simkl_user, 11121)  # Breaking Bad: known to Simkl, not in the lists
    entity = await add_player(hass)
    await setup_integration(hass, mock_config_entry, {CONF_MEDIA_PLAYERS: [PLAYER]})
    fake_simkl.clear_requests()
    return entity


def _episode(series: str, season: int, number: int, minutes: float = 45) -> Item:
    return Item(
        title=f"Episode {number}",
        minutes=minutes,
        series=series,
        season=season,
        episode=number,
        kind="episode",
    )


# (name, shape, item, the scrobbled item's block and episode, or the event's outcome details)
CASES: list[tuple[str, str, Item, dict[str, Any]]] = [
    (
        "library-wins-over-a-search",
        "jellyfin",
        _episode("The Office", 4, 1, minutes=22),
        {"show": 17086, "episode": {"season": 4, "number": 1}},
    ),
    (
        "anime-keeps-the-player-numbering",
        "plex",
        _episode("Sousou no Frieren", 1, 5, minutes=24),
        {"anime": 2133914, "episode": {"season": 1, "number": 5}},
    ),
    (
        "movie-by-kodi-ids",
        "kodi",
        Item(title="The Matrix", minutes=136, kind="movie", ids={"imdb": "tt0133093"}),
        {"movie": 53992},
    ),
    (
        "episode-by-plex-guid",
        "plex",
        Item(
            title="Pilot",
            minutes=47,
            series="Breaking Bad",
            season=1,
            episode=1,
            kind="episode",
            # Shown by some Plex clients: the agent's GUID names the show.
            content_id="com.plexapp.agents.thetvdb://81189/1/1?lang=en",
        ),
        {"show": 11121, "episode": {"season": 1, "number": 1}},
    ),
    (
        "ambiguous-title",
        "jellyfin",
        _episode("Shogun", 1, 1, minutes=60),
        {"outcome": "unmatched", "reason": "ambiguous", "candidates": [1980, 2024]},
    ),
    (
        "unidentifiable-home-video",
        "apple_tv",
        Item(title="Holiday 2019", minutes=30, kind="movie"),
        {"outcome": "unmatched", "reason": "not_found", "candidates": []},
    ),
    (
        "unknown-plex-movie",
        "plex",
        Item(title="Our Wedding", minutes=80, year=2019, kind="movie"),
        {"outcome": "unmatched", "reason": "not_found", "item": "Our Wedding (2019)"},
    ),
    (
        "music",
        "plex",
        Item(title="Harvest Moon", minutes=5, kind="music"),
        {"outcome": "ignored", "reason": "music"},
    ),
    (
        "emby-trailer",
        "emby",
        Item(title="Dune: Part Two", minutes=3, kind="trailer"),
        {"outcome": "ignored", "reason": "trailer"},
    ),
    (
        "plex-trailer-clip",
        "plex",
        Item(title="Dune: Part Two", minutes=3, kind="trailer"),
        {"outcome": "ignored", "reason": "too_short"},
    ),
    (
        "live-tv",
        "kodi",
        Item(title="BBC One", minutes=60, kind="channel"),
        {"outcome": "ignored", "reason": "channel"},
    ),
]


@pytest.mark.parametrize("case", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
async def test_identification(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_simkl: FakeSimkl,
    player: FakePlayer,
    case: tuple[str, Item, dict[str, Any]],
) -> None:
    """An identified item is scrobbled as that title; anything else only fires an event."""
    shape, item, expected = case
    events = async_capture_events(hass, EVENT_SCROBBLE)
    await watch(hass, freezer, player, shape, item)

    if "outcome" not in expected:
        sent = sent_writes(fake_simkl)
        assert [path for path, _ in sent] == ["/scrobble/start", "/scrobble/stop"]
        (kind,) = {"show", "anime", "movie"} & set(sent[0][1])
        assert {kind: sent[0][1][kind]["ids"]["simkl"]} | (
            {"episode": sent[0][1]["episode"]} if "episode" in sent[0][1] else {}
        ) == expected
        assert [event.data["outcome"] for event in events] == ["started", "stopped"]
        return
    assert sent_writes(fake_simkl) == []
    (event,) = events
    assert event.data["outcome"] == expected["outcome"]
    assert event.data["reason"] == expected["reason"]
    assert event.data["entity_id"] == PLAYER
    if "item" in expected:
        assert event.data["item"] == expected["item"]
    if "candidates" in expected:
        assert sorted(title["year"] for title in event.data["candidates"]) == expected["candidates"]


async def test_a_show_is_looked_up_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_simkl: FakeSimkl, player: FakePlayer
) -> None:
    """The title a search found is kept, across episodes and restarts."""
    playback = await watch(hass, freezer, player, "jellyfin", _episode("Breaking Bad", 1, 1))
    playback.load(_episode("Breaking Bad", 1, 2))
    playback.report(MediaPlayerState.PLAYING)
    await playback.wait(60)
    entry = hass.config_entries.async_entries("simkl")[0]
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    playback.load(_episode("Breaking Bad", 1, 3))
    await playback.wait(60)

    searches = [path for path in fake_simkl.request_paths() if "/search/" in path]
    # Once, as a show and as an anime; not for the next episodes, not after a restart.
    assert searches == ["GET /search/tv", "GET /search/anime"]
    started = [
        body["episode"]["number"] for path, body in sent_writes(fake_simkl) if "start" in path
    ]
    assert started == [1, 2, 3]


async def test_file_name_is_only_sent_for_the_item_playing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_simkl: FakeSimkl, player: FakePlayer
) -> None:
    """A renderer that shows a file found paused is not looked up until it plays."""
    playback = Playback(hass, freezer, player, "dlna", STRANGER_THINGS_3)
    playback.report(MediaPlayerState.PAUSED)
    await playback.wait(60)
    assert [path for path in fake_simkl.request_paths() if "/search/" in path] == []

    playback.report(MediaPlayerState.PLAYING)
    await playback.wait(60)

    assert [path for path in fake_simkl.request_paths() if "/search/" in path] == [
        "POST /search/file"
    ]
    assert [path for path, _ in sent_writes(fake_simkl)] == ["/scrobble/start"]


# --- the resolver on its own ------------------------------------------------------------------

MATRIX_FILE = "/media/movies/The Matrix (1999).mkv"


def _reading(**fields: Any) -> PlayerReading:
    return PlayerReading(**{"media_type": MediaType.MOVIES, "title": None, **fields})


def _library() -> Library:
    entries = [
        LibraryEntry(simkl_id=17086, media_type=MediaType.SHOWS, title="The Office", year=2005),
        LibraryEntry(simkl_id=9000003, media_type=MediaType.SHOWS, title="The Office", year=2001),
        LibraryEntry(
            simkl_id=475479,
            media_type=MediaType.MOVIES,
            title="Inception",
            year=2010,
            ids={"imdb": "tt1375666"},
        ),
    ]
    library = Library(account=Account(account_id=1, name="alice"))
    library.add(entries)
    return library


# (name, reading, fault on a path, found title and year or the reason nothing was)
RESOLVER_CASES: list[tuple[str, PlayerReading, tuple[str, int] | None, Any]] = [
    (
        "id-unknown-to-simkl-falls-back-to-the-title",
        _reading(title="The Matrix", ids={"imdb": "tt0133093"}),
        ("/search/id", 404),
        ("The Matrix", 1999),
    ),
    (
        "id-lookup-down-sends-the-ids",
        _reading(title="The Matrix", ids={"imdb": "tt0133093"}),
        ("/search/id", 503),
        ("The Matrix", None),
    ),
    ("id-of-nothing", _reading(ids={"imdb": "tt9999999"}), None, "not_found"),
    (
        "two-titles-of-that-name-in-the-library",
        _reading(media_type=MediaType.SHOWS, title="The Office", season=1, episode=1),
        None,
        "ambiguous",
    ),
    (
        "the-year-tells-them-apart",
        _reading(media_type=MediaType.SHOWS, title="The Office", year=2001, season=1, episode=1),
        None,
        ("The Office", 2001),
    ),
    ("search-down", _reading(title="Arrival"), ("/search/", 503), "lookup_failed"),
    ("file-unknown", _reading(file="/media/home/IMG_2041.mkv"), None, "not_found"),
    (
        "file-not-recognised",
        _reading(file="/media/home/IMG_2041.mkv"),
        ("/search/file", 404),
        "not_found",
    ),
    ("file-search-down", _reading(file=MATRIX_FILE), ("/search/file", 503), "lookup_failed"),
    ("movie-by-file", _reading(file=MATRIX_FILE), None, ("The Matrix", 1999)),
]


@pytest.fixture
async def client(hass: HomeAssistant, fake_simkl: FakeSimkl) -> SimklClient:
    """A client of the fake, built as the integration builds it."""
    assert await async_setup_component(hass, DOMAIN, {})
    return create_client(hass, CLIENT_ID)


@pytest.mark.parametrize(
    "case", [case[1:] for case in RESOLVER_CASES], ids=[case[0] for case in RESOLVER_CASES]
)
async def test_resolver(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    client: SimklClient,
    case: tuple[PlayerReading, tuple[str, int] | None, Any],
) -> None:
    """Ids, then the library, then searches; what cannot be told apart is not guessed."""
    reading, fault, expected = case
    if fault is not None:
        fake_simkl.inject_fault(fault[0], FaultKind.STATUS, status=fault[1], count=None)
    resolver = TitleResolver(hass, "entry", client, _library)

    found = await resolver.async_resolve(reading, playing_now=True)

    if isinstance(expected, str):
        assert isinstance(found, NoMatch)
        assert found.reason == expected
    else:
        assert isinstance(found, Match)
        assert (found.title.title, found.title.year) == expected


async def test_resolver_remembers(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    client: SimklClient,
    hass_storage: dict[str, Any],
) -> None:
    """Found titles are stored and name ids later; misses are not searched twice."""
    hass_storage["simkl.entry.titles"] = {
        "version": 1,
        "data": {
            "titles": {"untyped": {"title": "A"}, "podcast": {"type": "podcast", "title": "B"}}
        },
    }
    resolver = TitleResolver(hass, "entry", client, _library)
    await resolver.async_load()
    matrix = _reading(title="The Matrix", ids={"imdb": "tt0133093"})
    unknown = _reading(title="A Film Nobody Made")

    for _ in range(2):
        await resolver.async_resolve(matrix, playing_now=True)
        await resolver.async_resolve(unknown, playing_now=True)

    assert fake_simkl.request_paths() == [
        "GET /search/id",
        "GET /search/movie",
        "GET /search/anime",
    ]
    named = resolver.name_of(Ids(imdb="tt0133093"))
    assert named is not None
    assert named.name == "The Matrix (1999)"
    inception = resolver.name_of(Ids(imdb="tt1375666"))
    assert inception is not None
    assert inception.name == "Inception (2010)"
    assert resolver.name_of(Ids()) is None
    assert resolver.name_of(Ids(imdb="tt0000001")) is None
