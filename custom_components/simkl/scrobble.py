"""Turns what a media player is playing, or explicit fields, into a scrobble request.

A player reports its item in the `media_*` attributes; explicit fields of the action win over
them, so an automation can add ids or fix the type. Players clear those attributes when they
stop, so the last item read from each player is remembered (in memory) for the stop event.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
import re
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.media_player.const import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_DURATION,
    ATTR_MEDIA_EPISODE,
    ATTR_MEDIA_POSITION,
    ATTR_MEDIA_POSITION_UPDATED_AT,
    ATTR_MEDIA_SEASON,
    ATTR_MEDIA_SERIES_TITLE,
    ATTR_MEDIA_TITLE,
    MediaPlayerState,
    MediaType as PlayerMediaType,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import Ids, MediaType, ScrobbleAction, ScrobbleRequest, parse_float
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant, State

ATTR_TYPE: Final = "type"
ATTR_IDS: Final = "ids"
ATTR_TITLE: Final = "title"
ATTR_YEAR: Final = "year"
ATTR_SEASON: Final = "season"
ATTR_EPISODE: Final = "episode"
ATTR_PROGRESS: Final = "progress"

# The types the actions' `type` field names (movie, show, anime), in the order searches run.
ACTION_MEDIA_TYPES: Final = (MediaType.MOVIES, MediaType.SHOWS, MediaType.ANIME)
ITEM_TYPES: Final = tuple(media_type.item_key for media_type in ACTION_MEDIA_TYPES)

_PLAYER_TYPES: Final[dict[str, MediaType]] = {
    PlayerMediaType.MOVIE: MediaType.MOVIES,
    PlayerMediaType.TVSHOW: MediaType.SHOWS,
    PlayerMediaType.EPISODE: MediaType.SHOWS,
}

# What players put in `media_content_id` differs: Kodi its item's `uniqueid` map (imdb, tmdb),
# Plex a library key, Jellyfin and Emby an item GUID, file-based players a path or URL, which
# may carry an IMDb id (`Inception (2010) {imdb-tt1375666}.mkv`).
_IMDB_ID = re.compile(r"\b(tt\d{7,})\b")
_KODI_ID_KINDS: Final = ("imdb", "tmdb")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerReading:
    """What a media player reported playing, and how far it was."""

    media_type: MediaType | None
    title: str | None
    season: int | None = None
    episode: int | None = None
    ids: dict[str, str | int] = field(default_factory=dict)
    position: float | None = None
    duration: float | None = None
    position_at: datetime | None = None
    playing: bool = False

    def progress(self, now: datetime) -> float | None:
        """Percentage watched at `now`; a playing player moved on since its last report."""
        if self.position is None or not self.duration:
            return None
        position = self.position
        if self.playing and self.position_at is not None:
            position += max((now - self.position_at).total_seconds(), 0.0)
        return round(min(max(position / self.duration * 100, 0.0), 100.0), 2)


_PLAYER_READINGS: HassKey[dict[str, PlayerReading]] = HassKey(f"{DOMAIN}_player_readings")


def _moment(value: Any) -> datetime | None:
    """Players store a datetime; states written by templates or scripts hold text."""
    if isinstance(value, str):
        value = dt_util.parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return dt_util.as_utc(value)


def _whole(value: Any) -> int | None:
    number = parse_float(value)
    return int(number) if number is not None and number.is_integer() else None


def ids_from_content_id(content_id: Any, media_type: MediaType | None) -> dict[str, str | int]:
    """Find a movie's ids in a player's `media_content_id`.

    Only movies: next to an episode, an id may be the episode's own rather than the show's.
    """
    if media_type is not MediaType.MOVIES:
        return {}
    if isinstance(content_id, Mapping):
        return {
            kind: value
            for kind in _KODI_ID_KINDS
            if isinstance(value := content_id.get(kind), str | int) and value
        }
    if isinstance(content_id, str) and (imdb := _IMDB_ID.search(content_id)):
        return {"imdb": imdb[1]}
    return {}


def read_player(state: State) -> PlayerReading | None:
    """Read a player's item; None when it reports no title at all."""
    attributes = state.attributes
    media_type = _PLAYER_TYPES.get(str(attributes.get(ATTR_MEDIA_CONTENT_TYPE)))
    series_title = attributes.get(ATTR_MEDIA_SERIES_TITLE) or None
    title = attributes.get(ATTR_MEDIA_TITLE) or None
    if series_title is None and title is None:
        return None
    is_episode = media_type is MediaType.SHOWS or (media_type is None and series_title is not None)
    return PlayerReading(
        media_type=media_type,
        # An episode's `media_title` is the episode's own title; Simkl needs the show's.
        title=series_title if is_episode else title,
        season=_whole(attributes.get(ATTR_MEDIA_SEASON)),
        episode=_whole(attributes.get(ATTR_MEDIA_EPISODE)),
        ids=ids_from_content_id(attributes.get(ATTR_MEDIA_CONTENT_ID), media_type),
        position=parse_float(attributes.get(ATTR_MEDIA_POSITION)),
        duration=parse_float(attributes.get(ATTR_MEDIA_DURATION)),
        position_at=_moment(attributes.get(ATTR_MEDIA_POSITION_UPDATED_AT)),
        playing=state.state == MediaPlayerState.PLAYING,
    )


def _reading_of_entity(
    hass: HomeAssistant, entity_id: str, action: ScrobbleAction
) -> PlayerReading:
    """Read the player, or what it played last when it already stopped."""
    state = hass.states.get(entity_id)
    if state is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entity_not_found",
            translation_placeholders={"entity_id": entity_id},
        )
    unavailable = state.state == STATE_UNAVAILABLE
    reading = None if unavailable else read_player(state)
    remembered = hass.data.setdefault(_PLAYER_READINGS, {})
    if action is ScrobbleAction.STOP:
        # Players clear their item when playback ends; some (Jellyfin) become unavailable.
        last = remembered.pop(entity_id, None)
        reading = reading or last
    elif reading is not None:
        remembered[entity_id] = reading
    if reading is not None:
        return reading
    if unavailable:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entity_unavailable",
            translation_placeholders={"entity_id": entity_id},
        )
    raise _not_identifiable(entity_id)


def _not_identifiable(entity_id: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="player_not_identifiable",
        translation_placeholders={"entity_id": entity_id},
    )


def check_progress(progress: float) -> None:
    """Reject a progress outside 0-100 %."""
    if not 0 <= progress <= 100:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="progress_out_of_range",
            translation_placeholders={"progress": f"{progress:g}"},
        )


def check_season_given(media_type: MediaType, season: int | None, episodes: str) -> None:
    """Shows number episodes within seasons; only anime has flat episode numbers."""
    if media_type is MediaType.SHOWS and season is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="season_required",
            translation_placeholders={"episodes": episodes},
        )


def no_item_error() -> ServiceValidationError:
    """The call named nothing to act on."""
    return ServiceValidationError(translation_domain=DOMAIN, translation_key="no_item")


def build_scrobble_request(
    hass: HomeAssistant, fields: Mapping[str, Any], action: ScrobbleAction
) -> ScrobbleRequest:
    """Build the request of a `simkl.scrobble` call, or raise ServiceValidationError."""
    entity_id: str | None = fields.get(ATTR_ENTITY_ID)
    reading = _reading_of_entity(hass, entity_id, action) if entity_id is not None else None
    explicit_progress: float | None = fields.get(ATTR_PROGRESS)
    if explicit_progress is not None:
        check_progress(explicit_progress)
    ids = {**(reading.ids if reading else {}), **fields.get(ATTR_IDS, {})}
    title: str | None = fields.get(ATTR_TITLE) or (reading.title if reading else None)
    season: int | None = fields.get(ATTR_SEASON, reading.season if reading else None)
    episode: int | None = fields.get(ATTR_EPISODE, reading.episode if reading else None)
    media_type = MediaType.parse(fields.get(ATTR_TYPE)) or (reading.media_type if reading else None)
    if reading is None and media_type is None:
        # Explicit fields: an episode number means a show, anything else a movie.
        media_type = MediaType.SHOWS if episode is not None else MediaType.MOVIES
    if entity_id is not None and (
        media_type is None
        or (media_type is MediaType.SHOWS and episode is None)
        or not (ids or title)
    ):
        # Not a movie or an episode (a track, a channel, a home video), or nothing to match.
        raise _not_identifiable(entity_id)
    if media_type is None or not (ids or title):
        raise no_item_error()
    if media_type is MediaType.SHOWS and episode is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="episode_required")
    if episode is not None:
        check_season_given(media_type, season, str(episode))
    progress = explicit_progress
    if progress is None and reading is not None:
        progress = reading.progress(dt_util.utcnow())
    return ScrobbleRequest(
        media_type=media_type,
        ids=Ids.from_dict(ids),
        title=title,
        year=fields.get(ATTR_YEAR),
        season=season if media_type is not MediaType.MOVIES else None,
        episode=episode if media_type is not MediaType.MOVIES else None,
        progress=progress,
    )
