"""Search hits and the catalog records of titles and episodes."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from mashumaro import field_options

from .common import EpisodeRef, Ids, MediaInfo, media_and_episode, runtime_minutes
from .media import MediaType
from .model import JsonDict, SimklModel, as_dict, first_number


def _texts(value: Any) -> list[str]:
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult(SimklModel):
    """A search hit; `media_type` is None when the hit names no type Simkl documents.

    The type comes from `endpoint_type`, else `type` (an id lookup), else the searched type.
    Anime text search puts the anime kind (tv, ova, ...) in `type`.
    """

    media_type: MediaType | None = None
    title: str = ""
    year: int | None = None
    poster: str | None = None
    ids: Ids = field(default_factory=Ids)
    status: str | None = None
    total_episodes: int | None = None
    anime_type: str | None = None
    url: str | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        endpoint_type = MediaType.parse(raw.get("endpoint_type"))
        given_type = raw.get("type")
        anime_kind = given_type if endpoint_type is MediaType.ANIME else None
        return raw | {
            "media_type": endpoint_type or MediaType.parse(given_type) or raw.get("media_type"),
            "total_episodes": first_number(raw.get("total_episodes"), raw.get("ep_count")),
            "anime_type": raw.get("anime_type") or anime_kind,
        }

    @classmethod
    def of_search(cls, data: Any, media_type: MediaType) -> SearchResult:
        """Read a hit of a search of `media_type`, which counts when the hit names no type."""
        return cls.from_dict({"media_type": media_type} | as_dict(data))


@dataclass(frozen=True, slots=True, kw_only=True)
class FileMatch(SimklModel):
    """What /search/file recognised; `media` is None when nothing matched."""

    type: str = ""
    media: MediaInfo | None = None
    media_type: MediaType | None = None
    episode: EpisodeRef | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        return {"type": raw.get("type", ""), **media_and_episode(raw)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Airs(SimklModel):
    """Regular broadcast slot of a show, in the network's time zone."""

    day: str | None = None
    time: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaSummary(SimklModel):
    """Catalog record of a show, anime or movie (/tv/{id}, /anime/{id}, /movies/{id})."""

    title: str = ""
    year: int | None = None
    ids: Ids = field(default_factory=Ids)
    poster: str | None = None
    fanart: str | None = None
    overview: str | None = None
    runtime: int | None = field(default=None, metadata=field_options(deserialize=runtime_minutes))
    network: str | None = None
    status: str | None = None
    genres: list[str] = field(default_factory=list, metadata=field_options(deserialize=_texts))
    first_aired: datetime | None = None
    released: date | None = None
    airs: Airs | None = None
    total_episodes: int | None = None
    anime_type: str | None = None
    certification: str | None = None
    country: str | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        airs = raw.get("airs")
        return raw | {"airs": airs if isinstance(airs, dict) else None}


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeInfo(SimklModel):
    """Catalog episode (/tv/episodes/{id}, /anime/episodes/{id}).

    `date` keeps the network's offset. Specials have no season/episode; anime has no season
    but may carry the TVDB numbering in `tvdb_season`/`tvdb_episode`.
    """

    title: str | None = None
    description: str | None = None
    season: int | None = None
    episode: int | None = None
    type: str | None = None
    aired: bool = False
    img: str | None = None
    date: datetime | None = None
    ids: Ids = field(default_factory=Ids)
    tvdb_season: int | None = None
    tvdb_episode: int | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        tvdb = as_dict(raw.get("tvdb"))
        return raw | {
            "episode": first_number(raw.get("episode"), raw.get("number")),
            "tvdb_season": tvdb.get("season"),
            "tvdb_episode": tvdb.get("episode"),
        }
