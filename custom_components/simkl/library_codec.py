"""How the stored library writes a title and a paused session.

A title is one row: a JSON array of positional values, in the order of `ROW_FIELDS`, the
fields at the end left at their default left out, timestamps in Unix seconds, the type and
the list as positions in `MEDIA_TYPES` and `LISTS`. Home Assistant writes a store indented,
one value per line, so a title stored as an object of named fields (version 1) took about
870 bytes; its row takes about a fifth of that. A paused session is an object (there are few).
"""

from datetime import UTC, datetime
from typing import Any, Final

from homeassistant.helpers.json import json_bytes
from homeassistant.util.json import json_loads

from .api import ListStatus, MediaType
from .library import LibraryEntry, PlaybackEntry, datetime_from_json, datetime_to_json

# Fixed since version 2: the stored type and list are positions in these.
MEDIA_TYPES: Final = (MediaType.SHOWS, MediaType.ANIME, MediaType.MOVIES)
LISTS: Final = (
    ListStatus.WATCHING,
    ListStatus.PLAN_TO_WATCH,
    ListStatus.HOLD,
    ListStatus.DROPPED,
    ListStatus.COMPLETED,
)
# The fields of a row and their defaults, the ones most often set first.
ROW_FIELDS: Final[tuple[tuple[str, Any], ...]] = (
    ("simkl_id", None),
    ("media_type", None),
    ("status", None),
    ("title", None),
    ("year", None),
    ("runtime", None),
    ("poster", None),
    ("fanart", None),
    ("ids", None),
    ("added_at", None),
    ("last_watched_at", None),
    ("watched_episodes", 0),
    ("total_episodes", 0),
    ("not_aired_episodes", 0),
    ("last_watched", None),
    ("next_to_watch", None),
    ("next_episode_aired_at", None),
    ("next_episode_title", None),
    ("user_rating", None),
    ("user_rated_at", None),
    ("anime_type", None),
)
_DEFAULTS: Final = [default for _, default in ROW_FIELDS]
_REQUIRED: Final = 4  # simkl_id, media_type, status, title
_MEDIA_TYPE_CODES: Final = {media_type: code for code, media_type in enumerate(MEDIA_TYPES)}
_LIST_CODES: Final = {status: code for code, status in enumerate(LISTS)}


def _seconds(value: datetime | None) -> int | float | None:
    if value is None:
        return None
    seconds = value.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def _moment(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def entry_row(entry: LibraryEntry) -> str:
    """Return a title's stored row."""
    ids = {key: value for key, value in entry.ids.items() if key != "simkl"}
    row = [
        entry.simkl_id,
        _MEDIA_TYPE_CODES[entry.media_type],
        _LIST_CODES[entry.status] if entry.status is not None else None,
        entry.title,
        entry.year,
        entry.runtime,
        entry.poster,
        entry.fanart,
        ids or None,
        _seconds(entry.added_at),
        _seconds(entry.last_watched_at),
        entry.watched_episodes,
        entry.total_episodes,
        entry.not_aired_episodes,
        entry.last_watched,
        entry.next_to_watch,
        _seconds(entry.next_episode_aired_at),
        entry.next_episode_title,
        entry.user_rating,
        _seconds(entry.user_rated_at),
        entry.anime_type,
    ]
    end = len(row)
    while end > _REQUIRED and row[end - 1] == _DEFAULTS[end - 1]:
        end -= 1
    return json_bytes(row[:end]).decode()


def entry_from_row(line: str) -> LibraryEntry:
    """Rebuild a title from its stored row; raises on a malformed one."""
    row = json_loads(line)
    if not isinstance(row, list) or len(row) < _REQUIRED:
        msg = f"Not a stored title: {line[:40]}"
        raise ValueError(msg)
    (
        simkl_id,
        media_type,
        status,
        title,
        year,
        runtime,
        poster,
        fanart,
        ids,
        added_at,
        last_watched_at,
        watched,
        total,
        not_aired,
        last_watched,
        next_to_watch,
        next_aired_at,
        next_title,
        user_rating,
        user_rated_at,
        anime_type,
    ) = row + _DEFAULTS[len(row) :]
    return LibraryEntry(
        simkl_id=int(simkl_id),
        media_type=MEDIA_TYPES[media_type],
        status=LISTS[status] if status is not None else None,
        title=str(title),
        year=year,
        runtime=runtime,
        poster=poster,
        fanart=fanart,
        ids={"simkl": int(simkl_id), **(ids or {})},
        added_at=_moment(added_at),
        last_watched_at=_moment(last_watched_at),
        watched_episodes=watched,
        total_episodes=total,
        not_aired_episodes=not_aired,
        last_watched=last_watched,
        next_to_watch=next_to_watch,
        next_episode_aired_at=_moment(next_aired_at),
        next_episode_title=next_title,
        user_rating=user_rating,
        user_rated_at=_moment(user_rated_at),
        anime_type=anime_type,
    )


def entry_from_v1(data: dict[str, Any]) -> LibraryEntry:
    """Read a title stored by version 1 (an object of named fields); raises when malformed."""
    status = data.get("status")
    return LibraryEntry(
        simkl_id=int(data["simkl_id"]),
        media_type=MediaType(data["media_type"]),
        title=str(data["title"]),
        year=data.get("year"),
        status=ListStatus(status) if status else None,
        poster=data.get("poster"),
        fanart=data.get("fanart"),
        runtime=data.get("runtime"),
        ids=dict(data.get("ids") or {}),
        added_at=datetime_from_json(data.get("added_at")),
        last_watched_at=datetime_from_json(data.get("last_watched_at")),
        user_rating=data.get("user_rating"),
        user_rated_at=datetime_from_json(data.get("user_rated_at")),
        last_watched=data.get("last_watched"),
        next_to_watch=data.get("next_to_watch"),
        watched_episodes=int(data.get("watched_episodes") or 0),
        total_episodes=int(data.get("total_episodes") or 0),
        not_aired_episodes=int(data.get("not_aired_episodes") or 0),
        anime_type=data.get("anime_type"),
        next_episode_title=data.get("next_episode_title"),
        next_episode_aired_at=datetime_from_json(data.get("next_episode_aired_at")),
    )


def playback_to_json(entry: PlaybackEntry) -> dict[str, Any]:
    """Return a paused session as stored (the same in every version)."""
    return {
        "playback_id": entry.playback_id,
        "media_type": entry.media_type.value,
        "progress": entry.progress,
        "paused_at": datetime_to_json(entry.paused_at),
        "title": entry.title,
        "year": entry.year,
        "simkl_id": entry.simkl_id,
        "poster": entry.poster,
        "season": entry.season,
        "episode": entry.episode,
        "episode_title": entry.episode_title,
    }


def playback_from_json(data: dict[str, Any]) -> PlaybackEntry:
    """Rebuild a paused session from the store; raises on a malformed record."""
    return PlaybackEntry(
        playback_id=int(data["playback_id"]),
        media_type=MediaType(data["media_type"]),
        progress=float(data["progress"]),
        paused_at=datetime_from_json(data.get("paused_at")),
        title=str(data["title"]),
        year=data.get("year"),
        simkl_id=data.get("simkl_id"),
        poster=data.get("poster"),
        season=data.get("season"),
        episode=data.get("episode"),
        episode_title=data.get("episode_title"),
    )
