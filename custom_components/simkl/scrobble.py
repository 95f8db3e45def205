"""Reads what a media player is playing, and builds the request of `simkl.scrobble`.

A player reports its item in the `media_*` attributes, in the shapes of the core players
(Plex, Jellyfin, Emby, Kodi, Apple TV, Cast, DLNA): readings feed both the action and the
followed players. In the action, explicit fields win over the player, so an automation can
add ids or fix the type. Players clear those attributes when they stop, so the action
remembers the last item read from each player (in memory) for the stop event.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import re
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

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
# Content types that may be a movie or an episode: Apple TV and Cast report films as
# `video`, DLNA renderers a bare `url`, some players nothing at all.
_GENERIC_VIDEO_TYPES: Final = frozenset({PlayerMediaType.VIDEO, PlayerMediaType.URL, "None", ""})

# How far the position of a playing item is moved on past the last moment the player was
# known to be playing (a reading restored after a restart): a stale reading claims no more.
POSITION_MARGIN: Final = timedelta(minutes=5)

# Ids in a player's `media_content_id`: Kodi gives its item's `uniqueid` map (imdb, tmdb,
# tvdb), Plex-style GUIDs name an agent (`com.plexapp.agents.thetvdb://81189/1/3`,
# `imdb://tt0111161`), and media files are often named with their ids
# (`Inception (2010) {imdb-tt1375666}.mkv`, `Severance [tvdbid-371980]/Season 02/...`).
_KODI_ID_KINDS: Final = ("imdb", "tmdb", "tvdb")
_GUID = re.compile(
    r"(?:com\.plexapp\.agents\.)?(imdb|themoviedb|tmdb|thetvdb|tvdb)://(tt\d+|\d+)(/\d+/\d+)?",
    re.IGNORECASE,
)
_GUID_KINDS: Final = {
    "imdb": "imdb",
    "themoviedb": "tmdb",
    "tmdb": "tmdb",
    "thetvdb": "tvdb",
    "tvdb": "tvdb",
}
_NAMED_ID = re.compile(r"[\[{](imdb|tmdb|tvdb)(?:id)?[-=](tt\d+|\d+)[\]}]", re.IGNORECASE)
_IMDB_ID = re.compile(r"\b(tt\d{7,})\b")
_VIDEO_FILE = re.compile(
    r"\.(?:mkv|mp4|m4v|avi|mov|wmv|ts|m2ts|webm|mpe?g|flv|ogv)$", re.IGNORECASE
)
# Plex names movies "Title (Year)".
_TITLE_YEAR = re.compile(r"^(?P<title>.+?)\s+\((?P<year>(?:18|19|20)\d{2})\)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayerReading:
    """What a media player reported playing, and how far it was.

    `media_type` is None when the player's content type may be either (a generic video);
    `other_content` names a content type that is neither a movie nor an episode.
    """

    media_type: MediaType | None
    title: str | None
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    ids: dict[str, str | int] = field(default_factory=dict)
    file: str | None = None
    content_id: str | None = None
    other_content: str | None = None
    position: float | None = None
    duration: float | None = None
    position_at: datetime | None = None
    playing: bool = False

    @property
    def is_episode(self) -> bool:
        """Tell whether it names an episode (a show's title with an episode number)."""
        return self.media_type is MediaType.SHOWS or (
            self.media_type is None and self.episode is not None and self.title is not None
        )

    @property
    def key(self) -> str:
        """Identity of the item, the same in every reading of it."""
        return "|".join(
            str(part)
            for part in (
                self.media_type,
                self.title,
                self.year,
                self.season,
                self.episode,
                self.content_id,
                self.file,
            )
        )

    def progress(self, now: datetime, *, known_until: datetime | None = None) -> float | None:
        """Percentage watched at `now`; a playing player moved on since its last report.

        The advance is capped at the duration and, when `known_until` is given (the last
        moment the player is known to have been playing), at that moment plus a margin.
        """
        if self.position is None or not self.duration:
            return None
        position = self.position
        if self.playing and self.position_at is not None:
            until = now if known_until is None else min(now, known_until + POSITION_MARGIN)
            position += max((until - self.position_at).total_seconds(), 0.0)
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


def _id_value(kind: str, value: str) -> str | int:
    return value if kind == "imdb" else int(value)


def ids_from_content_id(content_id: Any, media_type: MediaType | None) -> dict[str, str | int]:
    """Find the ids of a movie or show in a player's `media_content_id`.

    An episode's own ids (Kodi's `uniqueid` of an episode, a tag in an episode's file name)
    do not name its show: for episodes only GUIDs that carry the season and episode, and
    tags in the folders above the file, are taken.
    """
    if isinstance(content_id, Mapping):
        if media_type is not MediaType.MOVIES:
            return {}
        return {
            kind: _id_value(kind, str(value))
            for kind in _KODI_ID_KINDS
            if isinstance(value := content_id.get(kind), str | int)
            and str(value)
            and (kind == "imdb" or str(value).isdigit())
        }
    if not isinstance(content_id, str):
        return {}
    ids: dict[str, str | int] = {}
    for match in _GUID.finditer(content_id):
        if media_type is MediaType.MOVIES or match[3] is not None:
            ids.setdefault(_GUID_KINDS[match[1].lower()], _id_value(match[1].lower(), match[2]))
    searched = content_id if media_type is MediaType.MOVIES else content_id.rpartition("/")[0]
    for match in _NAMED_ID.finditer(searched):
        ids.setdefault(match[1].lower(), _id_value(match[1].lower(), match[2]))
    if (
        media_type is MediaType.MOVIES
        and "imdb" not in ids
        and (imdb := _IMDB_ID.search(content_id))
    ):
        ids["imdb"] = imdb[1]
    return ids


def _media_file(content_id: Any, title: str | None) -> str | None:
    """The path of the video file the player plays, when it shows one."""
    for candidate in (content_id, title):
        if isinstance(candidate, str) and _VIDEO_FILE.search(urlsplit(candidate).path):
            return unquote(urlsplit(candidate).path) if "://" in candidate else candidate
    return None


def _names_file(title: str, file: str) -> bool:
    """Tell whether a title is just the name of the file (with or without its extension)."""
    name = file.replace("\\", "/").rpartition("/")[2]
    return title in {name, name.rpartition(".")[0]}


def read_player(state: State) -> PlayerReading | None:
    """Read a player's item; None when it reports no title at all."""
    attributes = state.attributes
    content_type = str(attributes.get(ATTR_MEDIA_CONTENT_TYPE))
    media_type = _PLAYER_TYPES.get(content_type)
    series_title = attributes.get(ATTR_MEDIA_SERIES_TITLE) or None
    title = attributes.get(ATTR_MEDIA_TITLE) or None
    if series_title is None and title is None:
        return None
    raw_content_id = attributes.get(ATTR_MEDIA_CONTENT_ID)
    file = _media_file(raw_content_id, title)
    episode = _whole(attributes.get(ATTR_MEDIA_EPISODE))
    is_episode = media_type is MediaType.SHOWS or (
        media_type is None and series_title is not None and episode is not None
    )
    # An episode's `media_title` is the episode's own title; Simkl needs the show's.
    name = series_title if is_episode else title or series_title
    year = None
    if not is_episode and name is not None and (dated := _TITLE_YEAR.match(name)):
        name, year = dated["title"], int(dated["year"])
    if file is not None and name is not None and _names_file(name, file):
        # Kodi and DLNA renderers show the file name of an item missing from a library.
        name, year = None, None
    return PlayerReading(
        media_type=media_type if media_type is not None or not is_episode else MediaType.SHOWS,
        title=name,
        year=year,
        season=_whole(attributes.get(ATTR_MEDIA_SEASON)),
        episode=episode,
        ids=ids_from_content_id(raw_content_id, MediaType.SHOWS if is_episode else media_type),
        file=file,
        content_id=str(raw_content_id) if isinstance(raw_content_id, str | int) else None,
        other_content=None
        if media_type is not None or content_type in _GENERIC_VIDEO_TYPES
        else content_type,
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
        year=fields.get(ATTR_YEAR, reading.year if reading else None),
        season=season if media_type is not MediaType.MOVIES else None,
        episode=episode if media_type is not MediaType.MOVIES else None,
        progress=progress,
    )
