"""Bodies of the writes (sync and scrobble) and Simkl's answers to them."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mashumaro import field_options

from .common import EpisodeRef, Ids, MediaInfo, media_and_episode, media_block
from .const import ListStatus
from .media import MediaType
from .model import (
    JsonDict,
    SimklModel,
    as_dict,
    as_is,
    by_type,
    first_number,
    model_list,
    parse_int,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncEpisodeNumber(SimklModel):
    """An episode of a season (or of an anime's flat list) in a sync write."""

    number: int
    watched_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncSeason(SimklModel):
    """A season in a sync write; without episodes it stands for the whole season."""

    number: int
    episodes: list[SyncEpisodeNumber] = field(
        default_factory=list, metadata=field_options(deserialize=model_list(SyncEpisodeNumber))
    )
    watched_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncItem(SimklModel):
    """A movie, show or anime in a sync write.

    Which fields matter depends on the endpoint: `watched_at`/`seasons`/`episodes` for
    history, `rating`/`rated_at` for ratings, `to` for add-to-list.
    """

    ids: Ids
    title: str | None = None
    year: int | None = None
    watched_at: datetime | None = None
    to: ListStatus | None = None
    rating: int | None = None
    status: ListStatus | None = None
    seasons: list[SyncSeason] = field(
        default_factory=list, metadata=field_options(deserialize=model_list(SyncSeason))
    )
    episodes: list[SyncEpisodeNumber] = field(
        default_factory=list, metadata=field_options(deserialize=model_list(SyncEpisodeNumber))
    )
    rated_at: datetime | None = None
    added_at: datetime | None = None
    # Read the seasons/episodes of an anime in TVDB numbering instead of AniDB's.
    use_tvdb_anime_seasons: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncEpisode(SimklModel):
    """An episode addressed by its own ids (top-level `episodes[]` of a history write)."""

    ids: Ids
    watched_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncRequest(SimklModel):
    """Body of /sync/history, /sync/ratings, /sync/add-to-list and their removals."""

    movies: list[SyncItem] = field(
        default_factory=list, metadata=field_options(deserialize=model_list(SyncItem))
    )
    shows: list[SyncItem] = field(
        default_factory=list, metadata=field_options(deserialize=model_list(SyncItem))
    )
    anime: list[SyncItem] = field(
        default_factory=list, metadata=field_options(deserialize=model_list(SyncItem))
    )
    episodes: list[SyncEpisode] = field(
        default_factory=list, metadata=field_options(deserialize=model_list(SyncEpisode))
    )

    @classmethod
    def of(cls, media_type: MediaType, item: SyncItem) -> SyncRequest:
        """A request for one item of a media type."""
        return by_type(
            media_type, shows=cls(shows=[item]), anime=cls(anime=[item]), movies=cls(movies=[item])
        )


def _counts(value: Any) -> dict[str, int]:
    """Read `added`/`deleted`: numbers per section, or echoed lists (add-to-list) to count."""
    counts = {}
    for key, entry in as_dict(value).items():
        if key == "statuses":
            continue
        count = len(entry) if isinstance(entry, list) else parse_int(entry)
        if count is not None:
            counts[key] = count
    return counts


def _dicts(value: Any) -> list[JsonDict]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResult(SimklModel):
    """Answer to a sync write; `statuses` echoes each request with the resulting list."""

    added: dict[str, int] = field(default_factory=dict, metadata=field_options(deserialize=as_is))
    deleted: dict[str, int] = field(default_factory=dict, metadata=field_options(deserialize=as_is))
    not_found: dict[str, list[JsonDict]] = field(
        default_factory=dict, metadata=field_options(deserialize=as_is)
    )
    statuses: list[JsonDict] = field(
        default_factory=list, metadata=field_options(deserialize=as_is)
    )

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        added = as_dict(raw.get("added"))
        return {
            "added": _counts(added),
            "deleted": _counts(raw.get("deleted")),
            "not_found": {
                key: _dicts(value)
                for key, value in as_dict(raw.get("not_found")).items()
                if isinstance(value, list)
            },
            "statuses": _dicts(added.get("statuses")) + _dicts(raw.get("statuses")),
        }

    @property
    def not_found_count(self) -> int:
        """Number of requested entries Simkl could not resolve."""
        return sum(len(entries) for entries in self.not_found.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrobbleRequest(SimklModel):
    """Body of a /scrobble call: one title, optionally one episode, and the progress.

    Written in Simkl's shape: the title under its media block (`movie`, `show`, `anime`), the
    episode as `{season, number}`, the progress clamped to 0-100 and rounded to 2 decimals.
    For anime, `season`/`episode` may use TVDB/TMDB numbering; Simkl maps it to AniDB.
    """

    media_type: MediaType
    ids: Ids = field(default_factory=Ids)
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    progress: float | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        media_type, block = media_block(raw)
        if media_type is None:
            msg = "scrobble request has no movie, show or anime block"
            raise ValueError(msg)
        episode = as_dict(raw.get("episode"))
        return super().__pre_deserialize__(
            {
                "media_type": media_type,
                "ids": block.get("ids"),
                "title": block.get("title"),
                "year": block.get("year"),
                "season": episode.get("season"),
                "episode": first_number(episode.get("number"), episode.get("episode")),
                "progress": raw.get("progress"),
            }
        )

    def __post_serialize__(self, d: JsonDict) -> JsonDict:
        body: JsonDict = {}
        if self.progress is not None:
            body["progress"] = round(min(max(self.progress, 0.0), 100.0), 2)
        block = {key: d[key] for key in ("title", "year") if key in d}
        body[self.media_type.item_key] = block | {"ids": self.ids.to_dict()}
        episode = {"season": self.season, "number": self.episode}
        if episode := {key: value for key, value in episode.items() if value is not None}:
            body["episode"] = episode
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrobbleResult(SimklModel):
    """Answer to a /scrobble call.

    `id` is 0 after start; after pause/stop it is the playback id. `action` is `scrobble`
    when a stop marked the item watched and `pause` when it saved a playback instead.
    """

    id: int = 0
    action: str = ""
    progress: float | None = None
    media_type: MediaType | None = None
    media: MediaInfo | None = None
    episode: EpisodeRef | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        return raw | media_and_episode(raw)
