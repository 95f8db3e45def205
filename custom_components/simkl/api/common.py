"""Blocks shared by many answers: ids, a title's media block, an episode reference."""

from dataclasses import dataclass, field
import re
from typing import Any

from mashumaro import field_options

from .media import MediaType
from .model import JsonDict, SimklModel, as_dict, as_is, first_number, parse_int, parse_text

_RUNTIME_RE = re.compile(r"\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*")

_INT_ID_KEYS = frozenset({"simkl", "tmdb", "tvdb", "mal", "anidb", "anilist", "kitsu"})
_STR_ID_KEYS = frozenset({"slug", "imdb"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Ids(SimklModel):
    """Identifiers of a title or episode. Ids without a dedicated field live in `other`.

    `simkl_id` is read as `simkl`; a non-numeric value of a numeric id (a TVDB slug) goes to
    `other`. Written, `other` sits next to the other ids, as Simkl expects.
    """

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
    other: dict[str, str | int] = field(
        default_factory=dict, hash=False, metadata=field_options(deserialize=as_is)
    )

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        typed: JsonDict = {}
        other: dict[str, str | int] = {}
        for key, value in as_dict(d).items():
            name = "simkl" if key == "simkl_id" else key
            if name in _INT_ID_KEYS:
                if (number := parse_int(value)) is not None:
                    typed[name] = number
                elif (text := parse_text(value)) is not None:
                    other[name] = text
            elif name in _STR_ID_KEYS:
                if (text := parse_text(value)) is not None:
                    typed[name] = text
            elif isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                other[key] = value
        return {**typed, "other": other}

    def __post_serialize__(self, d: JsonDict) -> JsonDict:
        other = d.pop("other", {})
        return d | {key: value for key, value in other.items() if key not in d}


def runtime_minutes(value: Any) -> int | None:
    """Read a runtime given as minutes or as text such as `45m` or `1h 30m`."""
    number = parse_int(value)
    if number is not None or not isinstance(value, str):
        return number
    match = _RUNTIME_RE.fullmatch(value.lower())
    if match is None or not any(match.groups()):
        return None
    return int(match[1] or 0) * 60 + int(match[2] or 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInfo(SimklModel):
    """Title block (`show`, `anime` or `movie`) shared by most responses."""

    title: str = ""
    year: int | None = None
    poster: str | None = None
    fanart: str | None = None
    # Minutes; Simkl sends a number or text such as `45m`.
    runtime: int | None = field(default=None, metadata=field_options(deserialize=runtime_minutes))
    ids: Ids = field(default_factory=Ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeRef(SimklModel):
    """Episode block of playback, scrobble and file-search answers.

    The number may be called `number` or `episode`, the TVDB numbering may come flat or as a
    `tvdb` block.
    """

    season: int | None = None
    number: int | None = None
    title: str | None = None
    tvdb_season: int | None = None
    tvdb_number: int | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        tvdb = as_dict(raw.get("tvdb"))
        return {
            "season": raw.get("season"),
            "number": first_number(raw.get("number"), raw.get("episode")),
            "title": raw.get("title"),
            "tvdb_season": first_number(raw.get("tvdb_season"), tvdb.get("season")),
            "tvdb_number": first_number(raw.get("tvdb_number"), tvdb.get("episode")),
        }


def media_block(data: JsonDict) -> tuple[MediaType | None, JsonDict]:
    """Return the type named by an item's media block (`show`, `anime`, `movie`) and its body."""
    for media_type in MediaType:
        block = data.get(media_type.item_key)
        if isinstance(block, dict):
            return media_type, block
    return None, {}


def media_and_episode(data: JsonDict) -> JsonDict:
    """The type and media block an answer names (None without one), and its episode block."""
    media_type, block = media_block(data)
    episode = data.get("episode")
    return {
        "media_type": media_type,
        "media": block if media_type is not None else None,
        "episode": episode if isinstance(episode, dict) else None,
    }
