"""The calendar data files: episodes airing and movies released in the coming weeks."""

from dataclasses import dataclass, field
import datetime as dt
from typing import Any

from .common import Ids
from .json_stream import JsonStream
from .media import FinaleType
from .model import (
    JsonDict,
    SimklModel,
    as_dict,
    first_number,
    list_of,
    model_list,
    parse_float,
    read_entries,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEntry(SimklModel):
    """An airing episode or a movie release from a calendar data file (v1 entry shape).

    The episode's numbers, title and URL come flattened out of its `episode` block, the
    rating out of `ratings.simkl.rating`.
    """

    title: str = ""
    poster: str | None = None
    date: dt.datetime | None = None
    release_date: dt.date | None = None
    url: str | None = None
    ids: Ids = field(default_factory=Ids)
    season: int | None = None
    episode: int | None = None
    episode_url: str | None = None
    anime_type: str | None = None
    rank: int | None = None
    rating: float | None = None
    episode_title: str | None = None
    finale_type: FinaleType | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        episode = as_dict(raw.get("episode"))
        rating = as_dict(as_dict(raw.get("ratings")).get("simkl")).get("rating")
        return raw | {
            "season": episode.get("season"),
            "episode": first_number(episode.get("episode"), episode.get("number")),
            "episode_url": episode.get("url"),
            "episode_title": episode.get("title"),
            "rating": parse_float(rating),
        }

    @classmethod
    def of_v2(cls, data: Any, metadata: Any) -> CalendarEntry:
        """Read an entry of a v2 file, taking title, poster and ids from its metadata."""
        raw = as_dict(data)
        meta = as_dict(as_dict(metadata).get(str(raw.get("simkl_id"))))
        ids = {"simkl": raw.get("simkl_id")} | as_dict(meta.get("ids"))
        return cls.from_dict(
            meta
            | {
                "ids": ids,
                "date": raw.get("date"),
                "episode": raw.get("episode"),
                "finale_type": raw.get("finale_type"),
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarFile(SimklModel):
    """A calendar data file; `last_modified` is the header to send back next time."""

    entries: list[CalendarEntry] = list_of(CalendarEntry)
    last_modified: str | None = None

    @classmethod
    def parse(cls, data: Any, last_modified: str | None = None) -> CalendarFile:
        """Read a v1 file (flat array) or a v2 file (`{"calendar": [...], "metadata": {...}}`)."""
        if isinstance(data, dict) and isinstance(data.get("calendar"), list):
            metadata = data.get("metadata")
            entries = [
                CalendarEntry.of_v2(entry, metadata)
                for entry in data["calendar"]
                if isinstance(entry, dict)
            ]
        elif isinstance(data, list):
            entries = model_list(CalendarEntry)(data)
        else:
            # Taken as an empty file, it would replace the airings the calendar has.
            msg = "calendar file is neither a list nor a v2 object"
            raise ValueError(msg)
        return cls(entries=entries, last_modified=last_modified)

    @classmethod
    def read(cls, answer: JsonStream, last_modified: str | None = None) -> CalendarFile:
        """Read a file as `parse` does; a v1 file one entry at a time.

        A v2 file is decoded whole: its entries need the metadata, which may come after them.
        """
        if answer.peek() == "[":
            entries, _ = read_entries(CalendarEntry.from_dict, answer.array())
            return cls(entries=entries, last_modified=last_modified)
        data = answer.value()
        answer.end()
        return cls.parse(data, last_modified)


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarNotModified:
    """The file did not change since the `If-Modified-Since` value that was sent."""
