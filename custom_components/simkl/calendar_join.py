"""An account's calendar items: the airings of the calendar files it follows, described
with what its library knows of them.

The files list every episode and release of the coming weeks, for everyone; the account's
selection says which titles it follows (`CalendarSelection`), and each followed airing becomes
an `UpcomingItem`. Keeping a file joined in time order is `joined_file.py`'s part.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from homeassistant.util import dt as dt_util

from .api import (
    FANART_MOBILE,
    POSTER_MEDIUM,
    ImageKind,
    ListStatus,
    MediaType,
)
from .const import (
    CONF_CALENDAR_LISTS,
    CONF_CALENDAR_MOVIES,
    DEFAULT_CALENDAR_LISTS,
    DEFAULT_CALENDAR_MOVIES,
    SIMKL_WEB_URL,
)
from .library import Library, LibraryEntry, episode_code

if TYPE_CHECKING:
    from .calendar_store import Airing

# Simkl's own fallbacks when a title has no runtime.
DEFAULT_TV_RUNTIME = timedelta(minutes=45)
DEFAULT_ANIME_RUNTIME = timedelta(minutes=25)


def episode_duration(media_type: MediaType, runtime: int | None) -> timedelta:
    """Return how long an episode runs, using Simkl's fallbacks when its runtime is unknown."""
    if runtime:
        return timedelta(minutes=runtime)
    return DEFAULT_ANIME_RUNTIME if media_type is MediaType.ANIME else DEFAULT_TV_RUNTIME


def _absolute_url(path: str) -> str:
    return path if path.startswith(("https://", "http://")) else f"{SIMKL_WEB_URL}{path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpcomingItem:
    """An episode or a movie release of a title in the calendar lists."""

    uid: str
    media_type: MediaType
    simkl_id: int
    title: str
    status: ListStatus | None
    season: int | None
    episode: int | None
    episode_title: str | None
    air_time: datetime | None
    """When it airs, in the network's offset; None for a release known by its date only."""
    air_date: date
    """The day it airs or is released, in the network's time zone."""
    runtime: int | None
    watched: bool
    url: str
    poster: str | None
    fanart: str | None
    rating: float | None
    finale_type: int | None

    @property
    def all_day(self) -> bool:
        """Return whether the item is known by its date only."""
        return self.air_time is None

    @property
    def number(self) -> str | None:
        """Return "S02E05", or "E148" for anime numbered without seasons."""
        return episode_code(self.season, self.episode) if self.episode is not None else None

    @property
    def duration(self) -> timedelta:
        """Return how long an episode runs, using Simkl's fallbacks when unknown."""
        return episode_duration(self.media_type, self.runtime)

    @property
    def start(self) -> datetime:
        """Return the start; a date-only release starts at local midnight."""
        if self.air_time is not None:
            return self.air_time
        return dt_util.start_of_local_day(self.air_date)

    @property
    def end(self) -> datetime:
        """Return the end; a date-only release ends with its local day."""
        if self.air_time is not None:
            return self.air_time + self.duration
        return dt_util.start_of_local_day(self.air_date + timedelta(days=1))

    def as_dict(self) -> dict[str, Any]:
        """Return the item as sensor attributes and action responses show it."""
        return {
            "title": self.title,
            "media_type": self.media_type.value,
            "simkl_id": self.simkl_id,
            "list": self.status.value if self.status else None,
            "season": self.season,
            "episode": self.episode,
            "number": self.number,
            "episode_title": self.episode_title,
            "airs_at": dt_util.as_utc(self.air_time).isoformat() if self.air_time else None,
            "date": (
                dt_util.as_local(self.air_time).date() if self.air_time else self.air_date
            ).isoformat(),
            "all_day": self.all_day,
            "runtime": self.runtime,
            "watched": self.watched,
            "url": self.url,
            "poster": self.poster,
        }


def item_uid(media_type: MediaType, airing: Airing) -> str:
    """Return the calendar uid of an airing of a title of `media_type`."""
    if media_type is MediaType.MOVIES:
        return f"simkl-{airing.simkl_id}-release"
    if airing.episode is None:
        return f"simkl-{airing.simkl_id}-{airing.air_date}"
    if airing.season is None:
        return f"simkl-{airing.simkl_id}-e{airing.episode}"
    return f"simkl-{airing.simkl_id}-s{airing.season}e{airing.episode}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarSelection:
    """Which library titles the calendar follows (from the options)."""

    lists: frozenset[ListStatus]
    movies: bool

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self:
        """Read the calendar options, with their defaults."""
        lists = options.get(CONF_CALENDAR_LISTS, DEFAULT_CALENDAR_LISTS)
        return cls(
            lists=frozenset(ListStatus(status) for status in lists),
            movies=bool(options.get(CONF_CALENDAR_MOVIES, DEFAULT_CALENDAR_MOVIES)),
        )

    def follows(self, entry: LibraryEntry) -> bool:
        """Tell whether the calendar shows this title's episodes or release."""
        return self.follows_list(entry.media_type, entry.status)

    def kinds(self, library: Library) -> list[MediaType]:
        """Return the calendar files worth fetching for the followed titles."""
        return [
            media_type
            for media_type in MediaType
            if any(
                library.count(media_type, status)
                for status in ListStatus
                if self.follows_list(media_type, status)
            )
        ]

    def follows_list(self, media_type: MediaType, status: ListStatus | None) -> bool:
        """Tell whether the calendar shows the titles of a type in a list."""
        if media_type is MediaType.MOVIES:
            return self.movies and status is ListStatus.PLAN_TO_WATCH
        return status in self.lists


type ImageUrl = Callable[[ImageKind, str | None, str | None], str | None]


def join_library(
    airings: Iterable[Airing],
    library: Library,
    selection: CalendarSelection,
    image_url: ImageUrl,
) -> Iterator[UpcomingItem]:
    """Yield the airings of followed titles, described with what the library knows of them.

    The join is on the Simkl id alone, so an anime Simkl files under TV still matches.
    """
    for airing in airings:
        entry = library.items.get(airing.simkl_id)
        if entry is not None and selection.follows(entry):
            yield upcoming_item(airing, entry, image_url)


def item_title(entry: LibraryEntry, airing: Airing) -> str:
    """Return the title an item of `airing` shows: the library's, else the file's."""
    return entry.title or airing.title


def upcoming_item(airing: Airing, entry: LibraryEntry, image_url: ImageUrl) -> UpcomingItem:
    """Describe an airing of a library title."""
    # A release is an all-day event; an episode keeps its time and its network's date.
    air_time = None if entry.is_movie else airing.air_time
    air_date = air_time.date() if air_time is not None else airing.air_date
    # Movies link to their page; episodes to the episode's page when the file names it.
    episode_url = None if entry.is_movie else airing.url
    return UpcomingItem(
        uid=item_uid(entry.media_type, airing),
        media_type=entry.media_type,
        simkl_id=entry.simkl_id,
        title=item_title(entry, airing),
        status=entry.status,
        season=None if entry.is_movie else airing.season,
        episode=None if entry.is_movie else airing.episode,
        episode_title=airing.episode_title,
        air_time=air_time,
        air_date=air_date,
        runtime=entry.runtime,
        watched=not entry.is_movie and entry.has_watched(airing.season, airing.episode),
        url=_absolute_url(episode_url) if episode_url else entry.url,
        poster=image_url(ImageKind.POSTER, entry.poster, POSTER_MEDIUM),
        fanart=image_url(ImageKind.FANART, entry.fanart, FANART_MOBILE),
        rating=airing.rating,
        finale_type=airing.finale_type,
    )


def in_air_order(item: UpcomingItem) -> tuple[datetime, str, str]:
    """Return the key that sorts items by start, then title."""
    return (item.start, item.title, item.uid)
