"""The media types of Simkl, and every name Simkl gives each of them.

Simkl names the same type differently per endpoint: a library section (`shows`), the key of an
item's media block (`show`), a search path (`tv`), a web path (`tv`) and a calendar file (`tv`).
`MediaType` holds them all, so no other module spells them.
"""

from enum import IntEnum, StrEnum
from typing import Any


class MediaType(StrEnum):
    """A media type; its value is the library section (/sync/all-items, sync write bodies)."""

    SHOWS = "shows"
    ANIME = "anime"
    MOVIES = "movies"

    @property
    def item_key(self) -> str:
        """Key of the media block of an item (`show`, `anime`, `movie`), as in scrobbles."""
        return _ITEM_KEYS[self]

    @property
    def search_kind(self) -> str:
        """Path segment of the text search (/search/tv, /search/anime, /search/movie)."""
        return _SEARCH_KINDS[self]

    @property
    def id_lookup_kind(self) -> str:
        """`type` of an id lookup (/search/id), which knows shows and movies only."""
        return "movie" if self is MediaType.MOVIES else "show"

    @property
    def web_path(self) -> str:
        """Path segment of the title's pages, on simkl.com and in the catalog endpoints."""
        return _WEB_PATHS[self]

    @property
    def calendar_file(self) -> str:
        """Name of the calendar data file (tv, anime, movie_release)."""
        return _CALENDAR_FILES[self]

    @classmethod
    def parse(cls, value: Any) -> MediaType | None:
        """Read any of Simkl's names of a media type; None for anything else."""
        return _NAMES.get(value) if isinstance(value, str) else None


_ITEM_KEYS = {MediaType.SHOWS: "show", MediaType.ANIME: "anime", MediaType.MOVIES: "movie"}
_SEARCH_KINDS = {MediaType.SHOWS: "tv", MediaType.ANIME: "anime", MediaType.MOVIES: "movie"}
_WEB_PATHS = {MediaType.SHOWS: "tv", MediaType.ANIME: "anime", MediaType.MOVIES: "movies"}
_CALENDAR_FILES = {
    MediaType.SHOWS: "tv",
    MediaType.ANIME: "anime",
    MediaType.MOVIES: "movie_release",
}
_NAMES: dict[str, MediaType] = {
    name: media_type
    for media_type in MediaType
    for name in (
        media_type.value,
        media_type.item_key,
        media_type.search_kind,
        media_type.web_path,
        media_type.calendar_file,
    )
}


class FinaleType(IntEnum):
    """What an episode ends, in the calendar files' `finale_type`."""

    MID_SEASON = 1
    SEASON = 2
    SERIES = 3
