"""Media player entities shaped like the core players a user follows, and a clock to drive them.

Each shape sets the `media_*` attributes the way the core integration's `media_player.py`
does: Plex and Jellyfin call an episode's content type `tvshow` and give the server's item
id; Plex appends " (year)" to movie titles; Kodi's content id is its item's `uniqueid` map;
Apple TV reports films as `video` and numbers as text; Cast reports `buffering`; a DLNA
renderer plays a URL whose file name says what it is.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import MediaPlayerState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockEntityPlatform

from tests.conftest import advance_time


@dataclass(frozen=True, kw_only=True)
class Item:
    """What a player plays: an episode (with a series) or a movie, and its length."""

    title: str
    minutes: float
    series: str | None = None
    season: int | None = None
    episode: int | None = None
    year: int | None = None
    kind: str = "video"
    ids: dict[str, str] = field(default_factory=dict)
    file: str | None = None
    # What the player shows as `media_content_id` instead of its usual value.
    content_id: str | None = None

    def next_episode(self) -> Item:
        """The episode autoplay moves on to."""
        assert self.episode is not None
        return Item(
            title=f"Episode {self.episode + 1}",
            minutes=self.minutes,
            series=self.series,
            season=self.season,
            episode=self.episode + 1,
            kind=self.kind,
            file=self.file.replace(f"E{self.episode:02d}", f"E{self.episode + 1:02d}")
            if self.file
            else None,
        )


STRANGER_THINGS_3 = Item(
    title="Chapter Three: Holly, Jolly",
    minutes=50,
    series="Stranger Things",
    season=1,
    episode=3,
    kind="episode",
    file="/media/tv/Stranger Things/Season 01/Stranger.Things.S01E03.1080p.mkv",
)
INCEPTION = Item(
    title="Inception",
    minutes=148,
    year=2010,
    kind="movie",
    ids={"imdb": "tt1375666", "tmdb": "27205"},
    file="/media/movies/Inception (2010).mkv",
)

type Shape = Callable[[Item], dict[str, Any]]


def _episode_or_movie(item: Item, episode_type: str, movie_type: str) -> dict[str, Any]:
    if item.kind == "episode":
        return {
            "media_content_type": episode_type,
            "media_title": item.title,
            "media_series_title": item.series,
            "media_season": item.season,
            "media_episode": item.episode,
        }
    if item.kind == "movie":
        return {"media_content_type": movie_type, "media_title": item.title}
    return {"media_content_type": item.kind, "media_title": item.title}


def plex(item: Item) -> dict[str, Any]:
    """Plex: `tvshow`/`movie`, the ratingKey, movies titled "Title (Year)"."""
    attributes = _episode_or_movie(item, "tvshow", "movie") | {"media_content_id": 48213}
    if item.kind == "movie" and item.year:
        attributes["media_title"] = f"{item.title} ({item.year})"
    if item.kind == "trailer":
        attributes["media_content_type"] = "video"  # Plex clips
    return attributes


def jellyfin(item: Item) -> dict[str, Any]:
    """Jellyfin: `tvshow`/`movie` and the item's GUID; trailers have no content type."""
    attributes = _episode_or_movie(item, "tvshow", "movie")
    if item.kind == "trailer":
        attributes["media_content_type"] = None
    return attributes | {"media_content_id": "8c1f5d0a9a3e4c0f8a0b6c6a3f1e2d4b"}


def emby(item: Item) -> dict[str, Any]:
    """Emby: `tvshow`/`movie`/`trailer` and the item id."""
    return _episode_or_movie(item, "tvshow", "movie") | {"media_content_id": "10233"}


def kodi(item: Item) -> dict[str, Any]:
    """Kodi: the item's `uniqueid` map (an episode's own ids, a movie's ids)."""
    unique_id = dict(item.ids) if item.kind == "movie" else {"tvdb": "7121491"}
    return _episode_or_movie(item, "tvshow", "movie") | {"media_content_id": unique_id}


def apple_tv(item: Item) -> dict[str, Any]:
    """Apple TV: films are `video`, season and episode are text."""
    attributes = _episode_or_movie(item, "tvshow", "video")
    if item.kind == "episode":
        attributes |= {"media_season": str(item.season), "media_episode": str(item.episode)}
    return attributes | {"media_content_id": "umc.cmc.7gvn6fekgfpq5fc72pgi1c47o"}


def cast(item: Item) -> dict[str, Any]:
    """Cast: `tvshow`/`movie` and the stream URL."""
    return _episode_or_movie(item, "tvshow", "movie") | {
        "media_content_id": "https://cdn.example.com/stream/7d1f.m3u8"
    }


def dlna(item: Item) -> dict[str, Any]:
    """A DLNA renderer playing a file from a NAS: a generic video named by its file."""
    name = (item.file or item.title).rpartition("/")[2]
    return {
        "media_content_type": "video",
        "media_title": name.rpartition(".")[0],
        "media_content_id": f"http://192.168.1.20:8200/MediaItems{item.file}",
    }


SHAPES: dict[str, Shape] = {
    "plex": plex,
    "jellyfin": jellyfin,
    "emby": emby,
    "kodi": kodi,
    "apple_tv": apple_tv,
    "cast": cast,
    "dlna": dlna,
}
# What each player reports while it rebuffers.
BUFFERING_STATES: dict[str, MediaPlayerState] = {
    "cast": MediaPlayerState.BUFFERING,
    "apple_tv": MediaPlayerState.IDLE,
    "plex": MediaPlayerState.IDLE,
}


class FakePlayer(MediaPlayerEntity):
    """A media player whose state and `media_*` attributes a test sets."""

    _attr_should_poll = False

    def __init__(self, unique_id: str, name: str) -> None:
        """Start idle, showing nothing."""
        self._attr_unique_id = unique_id
        self._attr_name = name
        self._attr_state = MediaPlayerState.IDLE
        self._media: dict[str, Any] = {}
        self._available = True

    @property
    def available(self) -> bool:
        """Whether the player is reachable."""
        return self._available

    def show(
        self, state: MediaPlayerState, media: dict[str, Any], *, available: bool = True
    ) -> None:
        """Report `state` with `media` attributes (and no others)."""
        self._attr_state = state
        self._media = media
        self._available = available
        for name in (
            "media_content_type",
            "media_content_id",
            "media_title",
            "media_series_title",
            "media_season",
            "media_episode",
            "media_duration",
            "media_position",
            "media_position_updated_at",
        ):
            setattr(self, f"_attr_{name}", media.get(name))
        self.async_write_ha_state()


async def add_player(hass: HomeAssistant, unique_id: str = "living_room") -> FakePlayer:
    """Add a player entity, `media_player.living_room`, registered in the entity registry."""
    assert await async_setup_component(hass, "media_player", {})
    platform = MockEntityPlatform(hass, domain="media_player", platform_name="test")
    player = FakePlayer(unique_id, unique_id.replace("_", " ").title())
    await platform.async_add_entities([player])
    return player


class Playback:
    """Plays items on a player the way its integration reports them, on the frozen clock."""

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        player: FakePlayer,
        shape: str,
        item: Item,
    ) -> None:
        """Start with `item` loaded at 0, not playing."""
        self.hass = hass
        self.freezer = freezer
        self.player = player
        self.shape = shape
        self.item = item
        self.position = 0.0
        self.state = MediaPlayerState.IDLE
        self._since = dt_util.utcnow()

    def _now_position(self) -> float:
        if self.state == MediaPlayerState.PLAYING:
            elapsed = (dt_util.utcnow() - self._since).total_seconds()
            return min(self.position + elapsed, self.item.minutes * 60)
        return self.position

    def report(self, state: MediaPlayerState | None = None, *, available: bool = True) -> None:
        """Report the current position, moving to `state` when given."""
        self.position = self._now_position()
        self._since = dt_util.utcnow()
        if state is not None:
            self.state = state
        if self.state in (MediaPlayerState.IDLE, MediaPlayerState.OFF) or not available:
            self.player.show(self.state, {}, available=available)
            return
        media = SHAPES[self.shape](self.item) | {
            "media_duration": int(self.item.minutes * 60),
            "media_position": int(self.position),
            "media_position_updated_at": self._since,
        }
        if self.item.content_id is not None:
            media["media_content_id"] = self.item.content_id
        self.player.show(self.state, media)

    async def wait(self, seconds: float, *, report: bool = True) -> None:
        """Let time pass; players report their position while playing (Cast does not)."""
        target = dt_util.utcnow() + timedelta(seconds=seconds)
        while (now := dt_util.utcnow()) < target:
            await advance_time(self.hass, self.freezer, min(target, now + timedelta(seconds=15)))
        if report and self.state == MediaPlayerState.PLAYING and self.shape != "cast":
            self.report()
            await self.hass.async_block_till_done()

    async def rebuffer(self, seconds: float) -> None:
        """Stall for `seconds` the way the player shows it, then play on."""
        self.report()
        stalled = BUFFERING_STATES.get(self.shape, MediaPlayerState.PLAYING)
        media = dict(self.player.state_attributes or {})
        self.player.show(stalled, media)
        await self.wait(seconds, report=False)
        self._since = dt_util.utcnow()
        self.report(MediaPlayerState.PLAYING)

    def seek(self, minutes: float) -> None:
        """Jump to a position."""
        self.report()
        self.position = minutes * 60
        self.report()

    def load(self, item: Item) -> None:
        """Autoplay moves on to `item`, from its start."""
        self.report()
        self.item = item
        self.position = 0.0
        self.report()
