"""The account's library: activities, library items and paused playbacks."""

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import partial
from typing import Any, Literal

from .common import EpisodeRef, Ids, MediaInfo, media_and_episode, media_block
from .const import ListStatus
from .json_stream import JsonArray, JsonStream
from .media import MediaType
from .model import (
    JsonDict,
    SimklModel,
    as_dict,
    by_type,
    first_number,
    list_of,
    parse_datetime,
    parse_list,
    read_entries,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaActivities(SimklModel):
    """Last-change timestamps of one section of /sync/activities.

    Movies have no `watching`/`hold` keys, which stay None. Written, every key is present.
    """

    class Config(SimklModel.Config):
        """A stored copy keeps the keys of timestamps that never moved, as Simkl sends them."""

        omit_default = False

    all: datetime | None = None
    rated_at: datetime | None = None
    playback: datetime | None = None
    plantowatch: datetime | None = None
    watching: datetime | None = None
    completed: datetime | None = None
    hold: datetime | None = None
    dropped: datetime | None = None
    removed_from_list: datetime | None = None

    def status(self, status: ListStatus) -> datetime | None:
        """When a list of this section last changed."""
        value: datetime | None = getattr(self, status.value)
        return value

    @property
    def latest_known(self) -> datetime | None:
        """The latest of the named timestamps: what `all` is when nothing else moved."""
        stamps = [getattr(self, item.name) for item in fields(self) if item.name != "all"]
        return max((stamp for stamp in stamps if stamp is not None), default=None)

    def keeping(self, previous: MediaActivities) -> MediaActivities:
        """Return these timestamps, with `previous` ones where this answer has none."""
        return replace(
            self,
            **{
                item.name: getattr(self, item.name) or getattr(previous, item.name)
                for item in fields(self)
            },
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Activities(SimklModel):
    """/sync/activities: compare with the stored copy to decide what to fetch.

    Reading raises ValueError unless the answer is an object with a top-level `all` that is a
    timestamp (or `null`: nothing ever happened): anything less says nothing about what
    changed, and stored as "no timestamps" it would make the next poll download the whole
    library again.
    """

    class Config(SimklModel.Config):
        """A stored copy keeps the keys of timestamps that never moved, as Simkl sends them."""

        omit_default = False

    all: datetime | None = None
    # Simkl nests it as `settings.all`.
    settings_all: datetime | None = None
    tv_shows: MediaActivities = field(default_factory=MediaActivities)
    anime: MediaActivities = field(default_factory=MediaActivities)
    movies: MediaActivities = field(default_factory=MediaActivities)

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        if not isinstance(d, dict) or "all" not in d:
            msg = "activities without an `all` timestamp"
            raise ValueError(msg)
        if d["all"] is not None and parse_datetime(d["all"]) is None:
            msg = "activities with an `all` that is not a timestamp"
            raise ValueError(msg)
        raw = super().__pre_deserialize__(d)
        return raw | {"settings_all": as_dict(raw.get("settings")).get("all")}

    def __post_serialize__(self, d: JsonDict) -> JsonDict:
        settings = {"all": d.pop("settings_all")}
        return {"all": d.pop("all"), "settings": settings, **d}

    def for_type(self, media_type: MediaType) -> MediaActivities:
        """Timestamps of one library section."""
        return by_type(media_type, shows=self.tv_shows, anime=self.anime, movies=self.movies)

    def keeping(self, previous: Activities) -> Activities:
        """Return these timestamps, with `previous` ones where this answer has none.

        A timestamp missing from one answer has not moved back to "never"; forgetting it
        would make the next answer look like a first sync of that section.
        """
        return replace(
            self,
            all=self.all or previous.all,
            settings_all=self.settings_all or previous.settings_all,
            tv_shows=self.tv_shows.keeping(previous.tv_shows),
            anime=self.anime.keeping(previous.anime),
            movies=self.movies.keeping(previous.movies),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedEpisode(SimklModel):
    """A watched episode (`extended=full`); `watched_at` needs `episode_watched_at=True`."""

    number: int
    watched_at: datetime | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        number = first_number(raw.get("number"), raw.get("episode"))
        if number is None:
            msg = "episode has no number"
            raise ValueError(msg)
        return {"number": number, "watched_at": raw.get("watched_at")}


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedSeason(SimklModel):
    """Watched episodes of a season; `number` is None for anime's flat episode lists."""

    number: int | None = None
    episodes: list[WatchedEpisode] = list_of(WatchedEpisode)


@dataclass(frozen=True, slots=True, kw_only=True)
class NextToWatch(SimklModel):
    """The next episode to watch (`next_watch_info=yes`); anime has no season."""

    title: str | None = None
    season: int | None = None
    episode: int | None = None
    date: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryItem(SimklModel):
    """A title in the user's library (/sync/all-items, /sync/ratings).

    The section comes from the answer's section, the item's `type`, or its media block, in
    that order. `extended=ids_only` rows may put the ids at the top level instead of a block.
    An anime's flat `episodes` become a season without a number.
    """

    media_type: MediaType
    media: MediaInfo = field(default_factory=MediaInfo)
    status: ListStatus | None = None
    added_to_watchlist_at: datetime | None = None
    last_watched_at: datetime | None = None
    user_rated_at: datetime | None = None
    user_rating: int | None = None
    last_watched: str | None = None
    next_to_watch: str | None = None
    watched_episodes_count: int | None = None
    total_episodes_count: int | None = None
    not_aired_episodes_count: int | None = None
    anime_type: str | None = None
    seasons: list[WatchedSeason] = list_of(WatchedSeason)
    next_to_watch_info: NextToWatch | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        block_type, block = media_block(raw)
        if block_type is None:
            if not isinstance(raw.get("ids"), dict):
                msg = "library item has no media block"
                raise ValueError(msg)
            block = raw
        media_type = (
            MediaType.parse(raw.get("media_type")) or MediaType.parse(raw.get("type")) or block_type
        )
        if media_type is None:
            msg = "library item has no media type"
            raise ValueError(msg)
        seasons: list[Any] = raw["seasons"] if isinstance(raw.get("seasons"), list) else []
        if parse_list(WatchedEpisode.from_dict, raw.get("episodes")):
            seasons = [*seasons, {"episodes": raw["episodes"]}]
        next_info = raw.get("next_to_watch_info")
        return raw | {
            "media_type": media_type,
            "media": block,
            "seasons": seasons,
            "next_to_watch_info": next_info if isinstance(next_info, dict) else None,
        }

    @classmethod
    def of_section(cls, data: Any, media_type: MediaType | None) -> LibraryItem:
        """Read an item of the section `media_type`; None infers it from the item."""
        raw = as_dict(data)
        return cls.from_dict(raw | {"media_type": media_type} if media_type else raw)


_SECTIONS = {str(media_type): media_type for media_type in MediaType}


def _read_section(media_type: MediaType | None, entries: Any) -> tuple[list[LibraryItem], int]:
    """Return the items of a section, and how many of its entries could not be read.

    A section that is `null` is empty; one that is neither that nor a list counts as one
    unread entry.
    """
    if entries is None:
        return [], 0
    if not isinstance(entries, list | JsonArray):
        return [], 1
    return read_entries(partial(LibraryItem.of_section, media_type=media_type), entries)


@dataclass(frozen=True, slots=True, kw_only=True)
class AllItems(SimklModel):
    """Library sections as returned by /sync/all-items and /sync/ratings."""

    shows: list[LibraryItem] = field(default_factory=list)
    anime: list[LibraryItem] = field(default_factory=list)
    movies: list[LibraryItem] = field(default_factory=list)
    # Entries of the answer that could not be read as items (a section that is not a list
    # counts as one): a list that must be complete, such as the ids of a removal diff,
    # cannot be trusted when this is not 0.
    unread: int = 0

    @classmethod
    def parse(cls, data: Any, media_type: MediaType | None = None) -> AllItems:
        """Read a sections object; `null`, `{}` and a bare list of items are accepted.

        `media_type` is the section that was requested, used for items of a bare list.
        Raises ValueError for anything else (a string, a number), which is no answer at all.
        """
        if isinstance(data, list):
            return cls._of_sections([_read_section(media_type, data)])
        if isinstance(data, dict) or data is None:
            raw = as_dict(data)
            return cls._of_sections([_read_section(kind, raw.get(kind)) for kind in MediaType])
        msg = "library items are neither a list nor an object"
        raise ValueError(msg)

    @classmethod
    def read(cls, answer: JsonStream, media_type: MediaType | None = None) -> AllItems:
        """Read a sections answer as `parse` does, decoding one item at a time."""
        match answer.peek():
            case "[":
                return cls._of_sections([_read_section(media_type, answer.array())])
            case "{":
                # By section, so that a section named twice counts once, as in `parse`.
                sections: dict[MediaType, tuple[list[LibraryItem], int]] = {}
                for key in answer.members():
                    if (kind := _SECTIONS.get(key)) is None:
                        answer.value()
                    else:
                        entries = answer.array() if answer.peek() == "[" else answer.value()
                        sections[kind] = _read_section(kind, entries)
                return cls._of_sections(list(sections.values()))
        data = answer.value()
        answer.end()
        return cls.parse(data, media_type)

    @classmethod
    def _of_sections(cls, sections: list[tuple[list[LibraryItem], int]]) -> AllItems:
        parsed = [item for items, _ in sections for item in items]
        return cls(
            shows=[item for item in parsed if item.media_type is MediaType.SHOWS],
            anime=[item for item in parsed if item.media_type is MediaType.ANIME],
            movies=[item for item in parsed if item.media_type is MediaType.MOVIES],
            unread=sum(unread for _, unread in sections),
        )

    def items(self, media_type: MediaType) -> list[LibraryItem]:
        """Items of one section."""
        return by_type(media_type, shows=self.shows, anime=self.anime, movies=self.movies)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackSession(SimklModel):
    """A paused playback (/sync/playback); `id` is what `delete_playback` takes."""

    id: int
    progress: float = 0.0
    paused_at: datetime | None = None
    type: Literal["episode", "movie"] = "episode"
    media_type: MediaType = MediaType.SHOWS
    media: MediaInfo = field(default_factory=MediaInfo)
    episode: EpisodeRef | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        found = media_and_episode(raw)
        kind, block_type = raw.get("type"), found["media_type"]
        is_movie = kind == "movie" or (kind != "episode" and block_type is MediaType.MOVIES)
        return (
            raw
            | found
            | {
                "type": "movie" if is_movie else "episode",
                "media_type": block_type or (MediaType.MOVIES if is_movie else MediaType.SHOWS),
            }
        )


# The keys of a /sync/watched item that are not ids (Simkl also takes the ids flat).
_WATCHED_QUERY_KEYS = frozenset({"ids", "type", "title", "year", "season", "episode"})


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedQuery(SimklModel):
    """An item /sync/watched is asked about: ids, or a title and year; an episode optionally.

    `media_type` is Simkl's `type`, needed with a TMDB id; it knows shows and movies only, so
    anime is asked about as a show. Written flat (`{"simkl": 1, "type": "show"}`), as Simkl
    echoes it back in each answer.
    """

    ids: Ids = field(default_factory=Ids)
    media_type: MediaType | None = None
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episode: int | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        flat_ids = {key: value for key, value in raw.items() if key not in _WATCHED_QUERY_KEYS}
        return super().__pre_deserialize__(
            {key: raw.get(key) for key in ("title", "year", "season", "episode")}
            | {"ids": flat_ids | as_dict(raw.get("ids")), "media_type": raw.get("type")}
        )

    def __post_serialize__(self, d: JsonDict) -> JsonDict:
        query: JsonDict = d.pop("ids", {})
        if self.media_type is not None:
            query["type"] = self.media_type.id_lookup_kind
        return query | {key: value for key, value in d.items() if key != "media_type"}


_WATCHED_ANSWER_KEYS = frozenset(
    {
        "result",
        "list",
        "last_watched_at",
        "episodes_total",
        "episodes_aired",
        "episodes_to_be_aired",
        "episodes_watched",
        "seasons",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedCheck(SimklModel):
    """One entry of /sync/watched; `result` is None when Simkl answered `not_found`.

    `request` is the item asked about, as Simkl echoed it.
    """

    result: bool | None = None
    list: ListStatus | None = None
    last_watched_at: datetime | None = None
    episodes_watched: int | None = None
    episodes_aired: int | None = None
    episodes_total: int | None = None
    episodes_to_be_aired: int | None = None
    request: WatchedQuery = field(default_factory=WatchedQuery)

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        answer = {key: value for key, value in raw.items() if key in _WATCHED_ANSWER_KEYS}
        request = {key: value for key, value in raw.items() if key not in _WATCHED_ANSWER_KEYS}
        return super().__pre_deserialize__(answer) | {"request": request}
