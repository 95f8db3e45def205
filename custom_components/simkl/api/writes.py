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
    list_of,
    optional_model,
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
    episodes: list[SyncEpisodeNumber] = list_of(SyncEpisodeNumber)
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
    seasons: list[SyncSeason] = list_of(SyncSeason)
    episodes: list[SyncEpisodeNumber] = list_of(SyncEpisodeNumber)
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

    movies: list[SyncItem] = list_of(SyncItem)
    shows: list[SyncItem] = list_of(SyncItem)
    anime: list[SyncItem] = list_of(SyncItem)
    episodes: list[SyncEpisode] = list_of(SyncEpisode)

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


@dataclass(frozen=True, slots=True, kw_only=True)
class EchoedItem(SyncItem):
    """An item of a sync write as Simkl echoes it back, in `not_found` and `statuses`.

    The item as it was sent (ids optional: Simkl echoes what it could not resolve) and, when
    Simkl could not find a part of a title, the `season` and `episode` it names.
    """

    ids: Ids = field(default_factory=Ids)
    season: int | None = None
    episode: SyncEpisodeNumber | None = field(
        default=None, metadata=field_options(deserialize=optional_model(SyncEpisodeNumber))
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class NotFound(SimklModel):
    """The items of a sync write Simkl could not find, per section of the request."""

    movies: list[EchoedItem] = list_of(EchoedItem)
    shows: list[EchoedItem] = list_of(EchoedItem)
    anime: list[EchoedItem] = list_of(EchoedItem)
    episodes: list[EchoedItem] = list_of(EchoedItem)

    def __len__(self) -> int:
        """Number of items Simkl could not find."""
        return len(self.movies) + len(self.shows) + len(self.anime) + len(self.episodes)


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncStatus(SimklModel):
    """Where an item of a sync write ended up: the list it is on, the type Simkl filed it as.

    Read from Simkl's `{"request": {...}, "response": {"status", "simkl_type", "anime_type"}}`.
    """

    item: EchoedItem = field(default_factory=EchoedItem)
    status: ListStatus | None = None
    media_type: MediaType | None = None
    anime_type: str | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        response = as_dict(raw.get("response"))
        return super().__pre_deserialize__(
            {
                "item": raw.get("request"),
                "status": response.get("status"),
                "media_type": response.get("simkl_type"),
                "anime_type": response.get("anime_type"),
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResult(SimklModel):
    """Answer to a sync write: counts per section, what Simkl could not find, where items went.

    `added` and `deleted` count per section (`movies`, `shows`, `episodes`, ...).
    """

    added: dict[str, int] = field(default_factory=dict, metadata=field_options(deserialize=as_is))
    deleted: dict[str, int] = field(default_factory=dict, metadata=field_options(deserialize=as_is))
    not_found: NotFound = field(default_factory=NotFound)
    statuses: list[SyncStatus] = list_of(SyncStatus)

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        added = as_dict(raw.get("added"))
        statuses = [*_list(added.get("statuses")), *_list(raw.get("statuses"))]
        return super().__pre_deserialize__(
            {
                "added": _counts(added),
                "deleted": _counts(raw.get("deleted")),
                "not_found": raw.get("not_found"),
                "statuses": statuses,
            }
        )

    @property
    def not_found_count(self) -> int:
        """Number of requested entries Simkl could not resolve."""
        return len(self.not_found)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


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
