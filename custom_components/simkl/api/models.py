"""Typed, immutable views of Simkl's JSON payloads.

Every `from_json` is lenient: unknown keys are ignored, missing optional fields become None or
empty, numeric strings are read as numbers where a number is expected, and `ids.simkl_id` is
read as `ids.simkl`. Only a missing field a model cannot exist without (a PIN code, a playback
id, an account id) raises ValueError; list parsers skip such entries instead.

Datetimes are always timezone-aware: `Z` becomes UTC, an explicit offset is kept, and a value
without offset is taken as UTC. Models with a `to_json` (write bodies, activities) produce
Simkl's wire format, and `X.from_json(x.to_json()) == x` for second-precision timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
import datetime as dt
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import partial
import re
from typing import TYPE_CHECKING, Any, Literal, Self

from .const import (
    DEFAULT_PIN_EXPIRES_IN,
    DEFAULT_PIN_INTERVAL,
    PIN_VERIFICATION_URL,
    ListStatus,
    MediaType,
)

if TYPE_CHECKING:
    from collections.abc import Callable

type JsonDict = dict[str, Any]

# Anything before this instant is Simkl's "watched, date unknown" placeholder (1970-01-01
# 00:00:01Z); a day of margin absorbs the placeholder being echoed in another offset.
_UNKNOWN_DATE_CUTOFF = datetime(1970, 1, 2, tzinfo=UTC)
_RUNTIME_RE = re.compile(r"\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*")

type _MediaKey = Literal["show", "anime", "movie"]

# Keys naming the media block of an item, and the library section each one implies.
_MEDIA_KEYS: dict[_MediaKey, MediaType] = {
    "show": MediaType.SHOWS,
    "anime": MediaType.ANIME,
    "movie": MediaType.MOVIES,
}
# Spellings of a media type found in `type` fields across endpoints.
_TYPE_NAMES: dict[str, MediaType] = {
    "show": MediaType.SHOWS,
    "shows": MediaType.SHOWS,
    "tv": MediaType.SHOWS,
    "anime": MediaType.ANIME,
    "movie": MediaType.MOVIES,
    "movies": MediaType.MOVIES,
}


# --- lenient readers -------------------------------------------------------------------------


def _as_dict(value: Any) -> JsonDict:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[JsonDict]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _strs(value: Any) -> list[str]:
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return None


def _first_int(*values: Any) -> int | None:
    """Read the first value that is a number; endpoints spell the same number differently."""
    for value in values:
        if (number := _int(value)) is not None:
            return number
    return None


def _required[T](value: T | None, message: str) -> T:
    if value is None:
        raise ValueError(message)
    return value


def _minutes(value: Any) -> int | None:
    """Read a runtime given as minutes or as text such as `45m` or `1h 30m`."""
    number = _int(value)
    if number is not None or not isinstance(value, str):
        return number
    match = _RUNTIME_RE.fullmatch(value.lower())
    if match is None or not any(match.groups()):
        return None
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def _enum[E: StrEnum](enum: type[E], value: Any) -> E | None:
    if not isinstance(value, str):
        return None
    try:
        return enum(value)
    except ValueError:
        return None


def _put(target: JsonDict, key: str, value: Any) -> None:
    """Set `key` only when there is a value, so written bodies omit unset fields."""
    if value is not None:
        target[key] = value


def _format_optional(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


def _put_datetime(target: JsonDict, key: str, value: datetime | None) -> None:
    _put(target, key, _format_optional(value))


def _section[T](media_type: MediaType, *, shows: T, anime: T, movies: T) -> T:
    """Pick the value belonging to a library section."""
    match media_type:
        case MediaType.SHOWS:
            return shows
        case MediaType.ANIME:
            return anime
        case MediaType.MOVIES:
            return movies


def _media_block(data: JsonDict) -> tuple[_MediaKey | None, JsonDict]:
    """Return the key (`show`, `anime` or `movie`) and body of an item's media block."""
    for key in _MEDIA_KEYS:
        block = data.get(key)
        if isinstance(block, dict):
            return key, block
    return None, {}


def parse_list[T](parser: Callable[[Any], T], data: Any) -> list[T]:
    """Parse the objects of a JSON array, skipping entries the parser rejects with ValueError.

    Anything but an array (`null`, `{}`) gives an empty list.
    """
    parsed = []
    for entry in _dicts(data):
        try:
            parsed.append(parser(entry))
        except ValueError:
            continue
    return parsed


def parse_float(value: Any) -> float | None:
    """Read a number given as a JSON number or numeric text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_datetime(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp (or date) into an aware datetime; None when unusable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    """Parse `YYYY-MM-DD` (or the date part of a timestamp); None when unusable."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            parsed = parse_datetime(value)
            return parsed.date() if parsed is not None else None
    return None


def format_datetime(value: datetime) -> str:
    """Format as Simkl expects: UTC, whole seconds, `Z` suffix (naive values are UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def is_unknown_date(value: datetime | None) -> bool:
    """Tell whether a timestamp is Simkl's "watched, date unknown" placeholder."""
    if value is None:
        return False
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware < _UNKNOWN_DATE_CUTOFF


# --- identifiers and media -------------------------------------------------------------------

_INT_ID_KEYS = frozenset({"simkl", "tmdb", "tvdb", "mal", "anidb", "anilist", "kitsu"})
_STR_ID_KEYS = frozenset({"slug", "imdb"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Ids:
    """Identifiers of a title or episode. Ids without a dedicated field live in `other`."""

    simkl: int | None = None
    slug: str | None = None
    imdb: str | None = None
    tmdb: int | None = None
    tvdb: int | None = None
    mal: int | None = None
    anidb: int | None = None
    anilist: int | None = None
    kitsu: int | None = None
    # Left out of the hash so Ids stay usable as dict keys; equality still compares it.
    other: dict[str, str | int] = field(default_factory=dict, hash=False)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read an `ids` object; a non-numeric value of a numeric id goes to `other`."""
        typed: JsonDict = {}
        other: dict[str, str | int] = {}
        for key, value in _as_dict(data).items():
            name = "simkl" if key == "simkl_id" else key
            if name in _INT_ID_KEYS:
                number = _int(value)
                if number is not None:
                    typed[name] = number
                elif (text := _str(value)) is not None:
                    other[name] = text  # e.g. a TVDB slug
            elif name in _STR_ID_KEYS:
                if (text := _str(value)) is not None:
                    typed[name] = text
            elif isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                other[key] = value
        return cls(**typed, other=other)

    def to_json(self) -> JsonDict:
        """Return the ids that are set, in the shape Simkl accepts."""
        result: JsonDict = {}
        for item in fields(self):
            if item.name != "other":
                _put(result, item.name, getattr(self, item.name))
        for key, value in self.other.items():
            result.setdefault(key, value)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInfo:
    """Title block (`show`, `anime` or `movie`) shared by most responses."""

    title: str = ""
    year: int | None = None
    poster: str | None = None
    fanart: str | None = None
    runtime: int | None = None
    ids: Ids = field(default_factory=Ids)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a media block."""
        raw = _as_dict(data)
        return cls(
            title=_str(raw.get("title")) or "",
            year=_int(raw.get("year")),
            poster=_str(raw.get("poster")),
            fanart=_str(raw.get("fanart")),
            runtime=_minutes(raw.get("runtime")),
            ids=Ids.from_json(raw.get("ids")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeRef:
    """Episode block of playback, scrobble and file-search answers."""

    season: int | None = None
    number: int | None = None
    title: str | None = None
    tvdb_season: int | None = None
    tvdb_number: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read an episode block; the number may be called `number` or `episode`."""
        raw = _as_dict(data)
        tvdb = _as_dict(raw.get("tvdb"))
        return cls(
            season=_int(raw.get("season")),
            number=_first_int(raw.get("number"), raw.get("episode")),
            title=_str(raw.get("title")),
            tvdb_season=_first_int(raw.get("tvdb_season"), tvdb.get("season")),
            tvdb_number=_first_int(raw.get("tvdb_number"), tvdb.get("episode")),
        )


def _episode_ref(value: Any) -> EpisodeRef | None:
    return EpisodeRef.from_json(value) if isinstance(value, dict) else None


# --- authentication and user -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PinCode:
    """A device code to show the user; poll it with `SimklClient.poll_pin(user_code)`."""

    user_code: str
    verification_url: str = PIN_VERIFICATION_URL
    expires_in: int = DEFAULT_PIN_EXPIRES_IN
    interval: int = DEFAULT_PIN_INTERVAL

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read the /oauth/pin payload; raises ValueError without a `user_code`."""
        raw = _as_dict(data)
        return cls(
            user_code=_required(_str(raw.get("user_code")), "PIN payload has no user_code"),
            verification_url=_str(raw.get("verification_url"))
            or _str(raw.get("verification_uri"))
            or PIN_VERIFICATION_URL,
            expires_in=_int(raw.get("expires_in")) or DEFAULT_PIN_EXPIRES_IN,
            interval=_int(raw.get("interval")) or DEFAULT_PIN_INTERVAL,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PinPending:
    """The user has not approved yet; `slow_down` asks for a longer poll interval."""

    slow_down: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PinAuthorized:
    """The user approved; the token does not expire and has no refresh token."""

    access_token: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PinExpired:
    """The code expired or is unknown; Simkl may already have issued `new_code`."""

    new_code: PinCode | None = None


PinResult = PinPending | PinAuthorized | PinExpired


def parse_pin_result(data: Any) -> PinResult:
    """Classify a /oauth/pin/{code} answer, which is always HTTP 200."""
    raw = _as_dict(data)
    token = _str(raw.get("access_token"))
    if token is not None:
        return PinAuthorized(access_token=token)
    # Simkl answers an expired, unknown or consumed code with a fresh step-1 payload.
    if "device_code" in raw or "user_code" in raw:
        try:
            return PinExpired(new_code=PinCode.from_json(raw))
        except ValueError:
            return PinExpired()
    message = _str(raw.get("message")) or ""
    return PinPending(slow_down="slow down" in message.lower())


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSettings:
    """Profile and account of the token's owner (/users/settings)."""

    account_id: int
    name: str = ""
    avatar: str | None = None
    timezone: str | None = None
    account_type: str | None = None
    joined_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read /users/settings; raises ValueError without `account.id`."""
        raw = _as_dict(data)
        user = _as_dict(raw.get("user"))
        account = _as_dict(raw.get("account"))
        return cls(
            account_id=_required(_int(account.get("id")), "user settings have no account id"),
            name=_str(user.get("name")) or "",
            avatar=_str(user.get("avatar")),
            timezone=_str(account.get("timezone")),
            account_type=_str(account.get("type")),
            joined_at=parse_datetime(user.get("joined_at")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusStats:
    """Counters of one list in /users/{id}/stats (which counters exist varies by list)."""

    count: int | None = None
    mins: int | None = None
    watched_episodes_count: int | None = None
    total_episodes_count: int | None = None
    left_to_watch_episodes: int | None = None
    left_to_watch_mins: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read one list's counters."""
        raw = _as_dict(data)
        return cls(**{item.name: _int(raw.get(item.name)) for item in fields(cls)})


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaStats:
    """Statistics of one section; `statuses` is keyed by Simkl's list name."""

    total_mins: int | None = None
    statuses: dict[str, StatusStats] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a section; every object-valued key is a list (incl. legacy ones)."""
        raw = _as_dict(data)
        return cls(
            total_mins=_int(raw.get("total_mins")),
            statuses={
                key: StatusStats.from_json(value)
                for key, value in raw.items()
                if isinstance(value, dict)
            },
        )

    def count(self, status: ListStatus) -> int:
        """Number of titles in a list (0 when Simkl did not report it)."""
        stats = self.statuses.get(status.value)
        return (stats.count or 0) if stats is not None else 0

    @property
    def watched_episodes(self) -> int:
        """Episodes watched across all lists."""
        return sum(stats.watched_episodes_count or 0 for stats in self.statuses.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class UserStats:
    """Watch statistics (/users/{id}/stats); `raw` keeps the whole answer."""

    total_mins: int | None = None
    movies: MediaStats = field(default_factory=MediaStats)
    tv: MediaStats = field(default_factory=MediaStats)
    anime: MediaStats = field(default_factory=MediaStats)
    watched_last_week_mins: int | None = None
    raw: JsonDict = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read /users/{id}/stats."""
        raw = _as_dict(data)
        return cls(
            total_mins=_int(raw.get("total_mins")),
            movies=MediaStats.from_json(raw.get("movies")),
            tv=MediaStats.from_json(raw.get("tv")),
            anime=MediaStats.from_json(raw.get("anime")),
            watched_last_week_mins=_int(_as_dict(raw.get("watched_last_week")).get("total_mins")),
            raw=raw,
        )

    def for_type(self, media_type: MediaType) -> MediaStats:
        """Statistics of one library section."""
        return _section(media_type, shows=self.tv, anime=self.anime, movies=self.movies)


# --- activities ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaActivities:
    """Last-change timestamps of one section of /sync/activities."""

    all: datetime | None = None
    rated_at: datetime | None = None
    playback: datetime | None = None
    plantowatch: datetime | None = None
    watching: datetime | None = None
    completed: datetime | None = None
    hold: datetime | None = None
    dropped: datetime | None = None
    removed_from_list: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a section; movies have no `watching`/`hold` keys, which stay None."""
        raw = _as_dict(data)
        return cls(**{item.name: parse_datetime(raw.get(item.name)) for item in fields(cls)})

    def to_json(self) -> dict[str, str | None]:
        """Return the section in Simkl's shape."""
        return {item.name: _format_optional(getattr(self, item.name)) for item in fields(self)}

    def status(self, status: ListStatus) -> datetime | None:
        """When a list of this section last changed."""
        value: datetime | None = getattr(self, status.value)
        return value

    @property
    def latest_known(self) -> datetime | None:
        """The latest of the named timestamps: what `all` is when nothing else moved."""
        stamps = [getattr(self, item.name) for item in fields(self) if item.name != "all"]
        return max((stamp for stamp in stamps if stamp is not None), default=None)

    def keeping(self, previous: MediaActivities) -> Self:
        """Return these timestamps, with `previous` ones where this answer has none."""
        return replace(
            self,
            **{
                item.name: getattr(self, item.name) or getattr(previous, item.name)
                for item in fields(self)
            },
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Activities:
    """/sync/activities: compare with the stored copy to decide what to fetch."""

    all: datetime | None = None
    settings_all: datetime | None = None
    tv_shows: MediaActivities = field(default_factory=MediaActivities)
    anime: MediaActivities = field(default_factory=MediaActivities)
    movies: MediaActivities = field(default_factory=MediaActivities)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read /sync/activities (or a stored `to_json()` copy).

        Raises ValueError unless the answer is an object with a top-level `all` that is a
        timestamp (or `null`: nothing ever happened): anything less says nothing about what
        changed, and stored as "no timestamps" it would make the next poll download the
        whole library again.
        """
        if not isinstance(data, dict) or "all" not in data:
            msg = "activities without an `all` timestamp"
            raise ValueError(msg)
        raw: JsonDict = data
        if raw["all"] is not None and parse_datetime(raw["all"]) is None:
            msg = "activities with an `all` that is not a timestamp"
            raise ValueError(msg)
        return cls(
            all=parse_datetime(raw.get("all")),
            settings_all=parse_datetime(_as_dict(raw.get("settings")).get("all")),
            tv_shows=MediaActivities.from_json(raw.get("tv_shows")),
            anime=MediaActivities.from_json(raw.get("anime")),
            movies=MediaActivities.from_json(raw.get("movies")),
        )

    def to_json(self) -> JsonDict:
        """Return a JSON-serialisable copy in Simkl's shape."""
        return {
            "all": _format_optional(self.all),
            "settings": {"all": _format_optional(self.settings_all)},
            "tv_shows": self.tv_shows.to_json(),
            "anime": self.anime.to_json(),
            "movies": self.movies.to_json(),
        }

    def for_type(self, media_type: MediaType) -> MediaActivities:
        """Timestamps of one library section."""
        return _section(media_type, shows=self.tv_shows, anime=self.anime, movies=self.movies)

    def keeping(self, previous: Activities) -> Self:
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


# --- library ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedEpisode:
    """A watched episode (`extended=full`); `watched_at` needs `episode_watched_at=True`."""

    number: int
    watched_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read an episode; raises ValueError without a number."""
        raw = _as_dict(data)
        return cls(
            number=_required(
                _first_int(raw.get("number"), raw.get("episode")), "episode has no number"
            ),
            watched_at=parse_datetime(raw.get("watched_at")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedSeason:
    """Watched episodes of a season; `number` is None for anime's flat episode lists."""

    number: int | None = None
    episodes: list[WatchedEpisode] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a season block."""
        raw = _as_dict(data)
        return cls(
            number=_int(raw.get("number")),
            episodes=parse_list(WatchedEpisode.from_json, raw.get("episodes")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryItem:
    """A title in the user's library (/sync/all-items, /sync/ratings)."""

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
    seasons: list[WatchedSeason] = field(default_factory=list)
    next_to_watch_info: JsonDict | None = None

    @classmethod
    def from_json(cls, data: Any, media_type: MediaType | None = None) -> Self:
        """Read an item of the section `media_type` (inferred from the item when None).

        Raises ValueError when the item has neither a media block nor ids, or its section
        cannot be told.
        """
        raw = _as_dict(data)
        key, block = _media_block(raw)
        if key is None:
            if not isinstance(raw.get("ids"), dict):
                msg = "library item has no media block"
                raise ValueError(msg)
            block = raw  # extended=ids_only variants may put the ids at the top level
        section = (
            media_type
            or _TYPE_NAMES.get(str(raw.get("type")))
            or (_MEDIA_KEYS[key] if key is not None else None)
        )
        if section is None:
            msg = "library item has no media type"
            raise ValueError(msg)
        seasons = [WatchedSeason.from_json(season) for season in _dicts(raw.get("seasons"))]
        flat = parse_list(WatchedEpisode.from_json, raw.get("episodes"))
        if flat:
            seasons.append(WatchedSeason(episodes=flat))
        next_info = raw.get("next_to_watch_info")
        return cls(
            media_type=section,
            media=MediaInfo.from_json(block),
            status=_enum(ListStatus, raw.get("status")),
            added_to_watchlist_at=parse_datetime(raw.get("added_to_watchlist_at")),
            last_watched_at=parse_datetime(raw.get("last_watched_at")),
            user_rated_at=parse_datetime(raw.get("user_rated_at")),
            user_rating=_int(raw.get("user_rating")),
            last_watched=_str(raw.get("last_watched")),
            next_to_watch=_str(raw.get("next_to_watch")),
            watched_episodes_count=_int(raw.get("watched_episodes_count")),
            total_episodes_count=_int(raw.get("total_episodes_count")),
            not_aired_episodes_count=_int(raw.get("not_aired_episodes_count")),
            anime_type=_str(raw.get("anime_type")),
            seasons=seasons,
            next_to_watch_info=next_info if isinstance(next_info, dict) else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AllItems:
    """Library sections as returned by /sync/all-items and /sync/ratings."""

    shows: list[LibraryItem] = field(default_factory=list)
    anime: list[LibraryItem] = field(default_factory=list)
    movies: list[LibraryItem] = field(default_factory=list)

    unread: int = 0
    """Entries of the answer that could not be read as items (a section that is not a list
    counts as one): a list that must be complete, such as the ids of a removal diff, cannot
    be trusted when this is not 0."""

    @classmethod
    def from_json(cls, data: Any, media_type: MediaType | None = None) -> Self:
        """Read a sections object; `null`, `{}` and a bare list of items are accepted.

        `media_type` is the section that was requested, used for items of a bare list.
        Raises ValueError for anything else (a string, a number), which is no answer at all.
        """
        if isinstance(data, list):
            sections: list[tuple[MediaType | None, Any]] = [(media_type, data)]
        elif isinstance(data, dict) or data is None:
            raw = _as_dict(data)
            sections = [(kind, raw.get(kind)) for kind in MediaType]
        else:
            msg = "library items are neither a list nor an object"
            raise ValueError(msg)
        parsed: list[LibraryItem] = []
        unread = 0
        for kind, entries in sections:
            items = parse_list(partial(LibraryItem.from_json, media_type=kind), entries)
            parsed += items
            unread += len(entries) - len(items) if isinstance(entries, list) else 0
            unread += entries is not None and not isinstance(entries, list)
        return cls(
            shows=[item for item in parsed if item.media_type is MediaType.SHOWS],
            anime=[item for item in parsed if item.media_type is MediaType.ANIME],
            movies=[item for item in parsed if item.media_type is MediaType.MOVIES],
            unread=unread,
        )

    def items(self, media_type: MediaType) -> list[LibraryItem]:
        """Items of one section."""
        return _section(media_type, shows=self.shows, anime=self.anime, movies=self.movies)


# --- playback and scrobble -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackSession:
    """A paused playback (/sync/playback); `id` is what `delete_playback` takes."""

    id: int
    progress: float = 0.0
    paused_at: datetime | None = None
    type: Literal["episode", "movie"] = "episode"
    media_type: MediaType = MediaType.SHOWS
    media: MediaInfo = field(default_factory=MediaInfo)
    episode: EpisodeRef | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a session; raises ValueError without an id."""
        raw = _as_dict(data)
        session_id = _required(_int(raw.get("id")), "playback session has no id")
        key, block = _media_block(raw)
        kind = raw.get("type")
        is_movie = kind == "movie" or (kind != "episode" and key == "movie")
        return cls(
            id=session_id,
            progress=parse_float(raw.get("progress")) or 0.0,
            paused_at=parse_datetime(raw.get("paused_at")),
            type="movie" if is_movie else "episode",
            media_type=_MEDIA_KEYS[key]
            if key is not None
            else (MediaType.MOVIES if is_movie else MediaType.SHOWS),
            media=MediaInfo.from_json(block),
            episode=_episode_ref(raw.get("episode")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrobbleRequest:
    """Body of a /scrobble call: one title, optionally one episode, and the progress.

    For anime, `season`/`episode` may use TVDB/TMDB numbering; Simkl maps it to AniDB.
    """

    media_type: Literal["movie", "show", "anime"]
    ids: Ids = field(default_factory=Ids)
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    progress: float | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Rebuild a request from `to_json()`; raises ValueError without a media block."""
        raw = _as_dict(data)
        key, block = _media_block(raw)
        if key is None:
            msg = "scrobble request has no movie, show or anime block"
            raise ValueError(msg)
        episode = _as_dict(raw.get("episode"))
        return cls(
            media_type=key,
            ids=Ids.from_json(block.get("ids")),
            title=_str(block.get("title")),
            year=_int(block.get("year")),
            season=_int(episode.get("season")),
            episode=_first_int(episode.get("number"), episode.get("episode")),
            progress=parse_float(raw.get("progress")),
        )

    def to_json(self) -> JsonDict:
        """Return the body; progress is clamped to 0-100 and rounded to 2 decimals."""
        result: JsonDict = {}
        if self.progress is not None:
            result["progress"] = round(min(max(self.progress, 0.0), 100.0), 2)
        block: JsonDict = {}
        _put(block, "title", self.title)
        _put(block, "year", self.year)
        block["ids"] = self.ids.to_json()
        result[self.media_type] = block
        episode: JsonDict = {}
        _put(episode, "season", self.season)
        _put(episode, "number", self.episode)
        if episode:
            result["episode"] = episode
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrobbleResult:
    """Answer to a /scrobble call.

    `id` is 0 after start; after pause/stop it is the playback id. `action` is `scrobble`
    when a stop marked the item watched and `pause` when it saved a playback instead.
    """

    id: int = 0
    action: str = ""
    progress: float | None = None
    media_type: str | None = None
    media: MediaInfo | None = None
    episode: EpisodeRef | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a scrobble answer."""
        raw = _as_dict(data)
        key, block = _media_block(raw)
        return cls(
            id=_int(raw.get("id")) or 0,
            action=_str(raw.get("action")) or "",
            progress=parse_float(raw.get("progress")),
            media_type=key,
            media=MediaInfo.from_json(block) if key is not None else None,
            episode=_episode_ref(raw.get("episode")),
        )


# --- sync writes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncEpisodeNumber:
    """An episode of a season (or of an anime's flat list) in a sync write."""

    number: int
    watched_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read an episode; raises ValueError without a number."""
        raw = _as_dict(data)
        return cls(
            number=_required(_int(raw.get("number")), "episode has no number"),
            watched_at=parse_datetime(raw.get("watched_at")),
        )

    def to_json(self) -> JsonDict:
        """Return the episode body."""
        result: JsonDict = {"number": self.number}
        _put_datetime(result, "watched_at", self.watched_at)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncSeason:
    """A season in a sync write; without episodes it stands for the whole season."""

    number: int
    episodes: list[SyncEpisodeNumber] = field(default_factory=list)
    watched_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a season; raises ValueError without a number."""
        raw = _as_dict(data)
        return cls(
            number=_required(_int(raw.get("number")), "season has no number"),
            episodes=parse_list(SyncEpisodeNumber.from_json, raw.get("episodes")),
            watched_at=parse_datetime(raw.get("watched_at")),
        )

    def to_json(self) -> JsonDict:
        """Return the season body."""
        result: JsonDict = {"number": self.number}
        _put_datetime(result, "watched_at", self.watched_at)
        if self.episodes:
            result["episodes"] = [episode.to_json() for episode in self.episodes]
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncItem:
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
    seasons: list[SyncSeason] = field(default_factory=list)
    episodes: list[SyncEpisodeNumber] = field(default_factory=list)
    rated_at: datetime | None = None
    added_at: datetime | None = None
    # Read the seasons/episodes of an anime in TVDB numbering instead of AniDB's.
    use_tvdb_anime_seasons: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Rebuild an item from its body."""
        raw = _as_dict(data)
        return cls(
            ids=Ids.from_json(raw.get("ids")),
            title=_str(raw.get("title")),
            year=_int(raw.get("year")),
            watched_at=parse_datetime(raw.get("watched_at")),
            to=_enum(ListStatus, raw.get("to")),
            rating=_int(raw.get("rating")),
            status=_enum(ListStatus, raw.get("status")),
            seasons=parse_list(SyncSeason.from_json, raw.get("seasons")),
            episodes=parse_list(SyncEpisodeNumber.from_json, raw.get("episodes")),
            rated_at=parse_datetime(raw.get("rated_at")),
            added_at=parse_datetime(raw.get("added_at")),
            use_tvdb_anime_seasons=raw.get("use_tvdb_anime_seasons") is True,
        )

    def to_json(self) -> JsonDict:
        """Return the item body without unset fields."""
        result: JsonDict = {"ids": self.ids.to_json()}
        _put(result, "title", self.title)
        _put(result, "year", self.year)
        _put_datetime(result, "watched_at", self.watched_at)
        _put(result, "to", self.to.value if self.to else None)
        _put(result, "rating", self.rating)
        _put(result, "status", self.status.value if self.status else None)
        if self.seasons:
            result["seasons"] = [season.to_json() for season in self.seasons]
        if self.episodes:
            result["episodes"] = [episode.to_json() for episode in self.episodes]
        _put_datetime(result, "rated_at", self.rated_at)
        _put_datetime(result, "added_at", self.added_at)
        if self.use_tvdb_anime_seasons:
            result["use_tvdb_anime_seasons"] = True
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncEpisode:
    """An episode addressed by its own ids (top-level `episodes[]` of a history write)."""

    ids: Ids
    watched_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Rebuild an episode from its body."""
        raw = _as_dict(data)
        return cls(
            ids=Ids.from_json(raw.get("ids")), watched_at=parse_datetime(raw.get("watched_at"))
        )

    def to_json(self) -> JsonDict:
        """Return the episode body."""
        result: JsonDict = {"ids": self.ids.to_json()}
        _put_datetime(result, "watched_at", self.watched_at)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncRequest:
    """Body of /sync/history, /sync/ratings, /sync/add-to-list and their removals."""

    movies: list[SyncItem] = field(default_factory=list)
    shows: list[SyncItem] = field(default_factory=list)
    anime: list[SyncItem] = field(default_factory=list)
    episodes: list[SyncEpisode] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Rebuild a request from `to_json()`."""
        raw = _as_dict(data)
        return cls(
            movies=[SyncItem.from_json(entry) for entry in _dicts(raw.get("movies"))],
            shows=[SyncItem.from_json(entry) for entry in _dicts(raw.get("shows"))],
            anime=[SyncItem.from_json(entry) for entry in _dicts(raw.get("anime"))],
            episodes=[SyncEpisode.from_json(entry) for entry in _dicts(raw.get("episodes"))],
        )

    def to_json(self) -> JsonDict:
        """Return the body; empty sections are left out."""
        result: JsonDict = {}
        for key, entries in (
            ("movies", self.movies),
            ("shows", self.shows),
            ("anime", self.anime),
            ("episodes", self.episodes),
        ):
            if entries:
                result[key] = [entry.to_json() for entry in entries]
        return result


def _counts(value: Any) -> dict[str, int]:
    """Read `added`/`deleted`: numbers per section, or echoed lists (add-to-list) to count."""
    counts = {}
    for key, entry in _as_dict(value).items():
        if key == "statuses":
            continue
        count = len(entry) if isinstance(entry, list) else _int(entry)
        if count is not None:
            counts[key] = count
    return counts


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResult:
    """Answer to a sync write; `statuses` echoes each request with the resulting list."""

    added: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    not_found: dict[str, list[JsonDict]] = field(default_factory=dict)
    statuses: list[JsonDict] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a sync write answer."""
        raw = _as_dict(data)
        added = _as_dict(raw.get("added"))
        return cls(
            added=_counts(added),
            deleted=_counts(raw.get("deleted")),
            not_found={
                key: _dicts(value)
                for key, value in _as_dict(raw.get("not_found")).items()
                if isinstance(value, list)
            },
            statuses=_dicts(added.get("statuses")) + _dicts(raw.get("statuses")),
        )

    @property
    def not_found_count(self) -> int:
        """Number of requested entries Simkl could not resolve."""
        return sum(len(entries) for entries in self.not_found.values())


_WATCHED_RESPONSE_KEYS = frozenset(
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
class WatchedCheck:
    """One entry of /sync/watched; `request` holds the echoed identifying keys."""

    result: bool | None = None
    list: ListStatus | None = None
    last_watched_at: datetime | None = None
    episodes_watched: int | None = None
    episodes_aired: int | None = None
    episodes_total: int | None = None
    episodes_to_be_aired: int | None = None
    request: JsonDict = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read an entry; `result` is None when Simkl answered `not_found`."""
        raw = _as_dict(data)
        result = raw.get("result")
        return cls(
            result=result if isinstance(result, bool) else None,
            list=_enum(ListStatus, raw.get("list")),
            last_watched_at=parse_datetime(raw.get("last_watched_at")),
            episodes_watched=_int(raw.get("episodes_watched")),
            episodes_aired=_int(raw.get("episodes_aired")),
            episodes_total=_int(raw.get("episodes_total")),
            episodes_to_be_aired=_int(raw.get("episodes_to_be_aired")),
            request={k: v for k, v in raw.items() if k not in _WATCHED_RESPONSE_KEYS},
        )


# --- search and catalog ----------------------------------------------------------------------

# Search answers spell sections as endpoints do (`movies`, `tv`); results use the singular.
_SEARCH_TYPES = {"movies": "movie", "movie": "movie", "tv": "tv", "show": "tv", "anime": "anime"}


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """A search hit; `media_type` is `movie`, `tv` or `anime`."""

    media_type: str
    title: str = ""
    year: int | None = None
    poster: str | None = None
    ids: Ids = field(default_factory=Ids)
    status: str | None = None
    total_episodes: int | None = None
    anime_type: str | None = None
    url: str | None = None

    @classmethod
    def from_json(cls, data: Any, default_type: str = "") -> Self:
        """Read a hit; `default_type` is used when the hit does not say its type."""
        raw = _as_dict(data)
        endpoint_type = _SEARCH_TYPES.get(str(raw.get("endpoint_type")))
        given_type = _str(raw.get("type"))
        # Anime text search puts the anime kind (tv, ova, ...) in `type`.
        anime_type = _str(raw.get("anime_type")) or (
            given_type if endpoint_type == "anime" else None
        )
        return cls(
            media_type=endpoint_type
            or _SEARCH_TYPES.get(given_type or "", given_type or "")
            or default_type,
            title=_str(raw.get("title")) or "",
            year=_int(raw.get("year")),
            poster=_str(raw.get("poster")),
            ids=Ids.from_json(raw.get("ids")),
            status=_str(raw.get("status")),
            total_episodes=_first_int(raw.get("total_episodes"), raw.get("ep_count")),
            anime_type=anime_type,
            url=_str(raw.get("url")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FileMatch:
    """What /search/file recognised; `media` is None when nothing matched."""

    type: str = ""
    media: MediaInfo | None = None
    media_kind: str | None = None
    episode: EpisodeRef | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a file match (`episode`, `movie` or `show`)."""
        raw = _as_dict(data)
        key, block = _media_block(raw)
        return cls(
            type=_str(raw.get("type")) or "",
            media=MediaInfo.from_json(block) if key is not None else None,
            media_kind=key,
            episode=_episode_ref(raw.get("episode")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Airs:
    """Regular broadcast slot of a show, in the network's time zone."""

    day: str | None = None
    time: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaSummary:
    """Catalog record of a show, anime or movie (/tv/{id}, /anime/{id}, /movies/{id})."""

    title: str = ""
    year: int | None = None
    ids: Ids = field(default_factory=Ids)
    poster: str | None = None
    fanart: str | None = None
    overview: str | None = None
    runtime: int | None = None
    network: str | None = None
    status: str | None = None
    genres: list[str] = field(default_factory=list)
    first_aired: datetime | None = None
    released: date | None = None
    airs: Airs | None = None
    total_episodes: int | None = None
    anime_type: str | None = None
    certification: str | None = None
    country: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a summary."""
        raw = _as_dict(data)
        airs = raw.get("airs")
        return cls(
            title=_str(raw.get("title")) or "",
            year=_int(raw.get("year")),
            ids=Ids.from_json(raw.get("ids")),
            poster=_str(raw.get("poster")),
            fanart=_str(raw.get("fanart")),
            overview=_str(raw.get("overview")),
            runtime=_minutes(raw.get("runtime")),
            network=_str(raw.get("network")),
            status=_str(raw.get("status")),
            genres=_strs(raw.get("genres")),
            first_aired=parse_datetime(raw.get("first_aired")),
            released=parse_date(raw.get("released")),
            airs=Airs(
                day=_str(airs.get("day")),
                time=_str(airs.get("time")),
                timezone=_str(airs.get("timezone")),
            )
            if isinstance(airs, dict)
            else None,
            total_episodes=_int(raw.get("total_episodes")),
            anime_type=_str(raw.get("anime_type")),
            certification=_str(raw.get("certification")),
            country=_str(raw.get("country")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeInfo:
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
    def from_json(cls, data: Any) -> Self:
        """Read a catalog episode."""
        raw = _as_dict(data)
        tvdb = _as_dict(raw.get("tvdb"))
        return cls(
            title=_str(raw.get("title")),
            description=_str(raw.get("description")),
            season=_int(raw.get("season")),
            episode=_first_int(raw.get("episode"), raw.get("number")),
            type=_str(raw.get("type")),
            aired=raw.get("aired") is True,
            img=_str(raw.get("img")),
            date=parse_datetime(raw.get("date")),
            ids=Ids.from_json(raw.get("ids")),
            tvdb_season=_int(tvdb.get("season")),
            tvdb_episode=_int(tvdb.get("episode")),
        )


# --- calendar --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEntry:
    """An airing episode or a movie release from a calendar data file."""

    title: str = ""
    poster: str | None = None
    date: datetime | None = None
    release_date: dt.date | None = None  # `date` is shadowed by the field above
    url: str | None = None
    ids: Ids = field(default_factory=Ids)
    season: int | None = None
    episode: int | None = None
    episode_url: str | None = None
    anime_type: str | None = None
    rank: int | None = None
    rating: float | None = None
    episode_title: str | None = None
    finale_type: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read an entry of a v1 (flat array) file."""
        raw = _as_dict(data)
        episode = _as_dict(raw.get("episode"))
        return cls(
            title=_str(raw.get("title")) or "",
            poster=_str(raw.get("poster")),
            date=parse_datetime(raw.get("date")),
            release_date=parse_date(raw.get("release_date")),
            url=_str(raw.get("url")),
            ids=Ids.from_json(raw.get("ids")),
            season=_int(episode.get("season")),
            episode=_first_int(episode.get("episode"), episode.get("number")),
            episode_url=_str(episode.get("url")),
            anime_type=_str(raw.get("anime_type")),
            rank=_int(raw.get("rank")),
            rating=parse_float(_as_dict(_as_dict(raw.get("ratings")).get("simkl")).get("rating")),
            episode_title=_str(episode.get("title")),
            finale_type=_int(raw.get("finale_type")),
        )

    @classmethod
    def from_v2_json(cls, data: Any, metadata: Any) -> Self:
        """Read an entry of a v2 file, taking title, poster and ids from its metadata."""
        raw = _as_dict(data)
        simkl_id = _int(raw.get("simkl_id"))
        meta = _as_dict(_as_dict(metadata).get(str(simkl_id)))
        base = cls.from_json(
            {
                **meta,
                "date": raw.get("date"),
                "episode": raw.get("episode"),
                "finale_type": raw.get("finale_type"),
            }
        )
        if base.ids.simkl is None and simkl_id is not None:
            return replace(base, ids=replace(base.ids, simkl=simkl_id))
        return base


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarFile:
    """A calendar data file; `last_modified` is the header to send back next time."""

    entries: list[CalendarEntry] = field(default_factory=list)
    last_modified: str | None = None

    @classmethod
    def from_json(cls, data: Any, last_modified: str | None = None) -> Self:
        """Read a v1 file (flat array) or a v2 file (`{"calendar": [...], "metadata": {...}}`)."""
        if isinstance(data, dict) and isinstance(data.get("calendar"), list):
            metadata = data.get("metadata")
            entries = [
                CalendarEntry.from_v2_json(entry, metadata) for entry in _dicts(data["calendar"])
            ]
        elif isinstance(data, list):
            entries = [CalendarEntry.from_json(entry) for entry in _dicts(data)]
        else:
            # Taken as an empty file, it would replace the airings the calendar has.
            msg = "calendar file is neither a list nor a v2 object"
            raise ValueError(msg)
        return cls(entries=entries, last_modified=last_modified)


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarNotModified:
    """The file did not change since the `If-Modified-Since` value that was sent."""
