"""The synced copy of one Simkl account: plain data keyed by Simkl id.

Nothing here knows Home Assistant, so the model is easy to test, diff and store. The
coordinator fills it from the API; entities, the calendar and diagnostics only read it.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
import re
from typing import TYPE_CHECKING, Any, Self
import weakref

from .api import (
    Activities,
    LibraryItem,
    ListStatus,
    MediaType,
    PlaybackSession,
    UserSettings,
    is_unknown_date,
)
from .const import SIMKL_WEB_URL
from .library_index import LibraryIndex

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator

_EPISODE_CODE = re.compile(r"^(?:S(?P<season>\d+))?E(?P<episode>\d+)$", re.IGNORECASE)


def datetime_to_json(value: datetime | None) -> str | None:
    """Return a timestamp as stored."""
    return value.isoformat() if value is not None else None


def datetime_from_json(value: Any) -> datetime | None:
    """Read a stored timestamp."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


# The same few hundred codes ("S01E05") come up for every title and airing.
@lru_cache(maxsize=4096)
def parse_episode_code(code: str | None) -> tuple[int | None, int] | None:
    """Split Simkl's "S02E05" (or anime "E148") into (season, episode)."""
    if not code or not (match := _EPISODE_CODE.match(code.strip())):
        return None
    season = match.group("season")
    return (int(season) if season is not None else None, int(match.group("episode")))


def episode_code(season: int | None, episode: int) -> str:
    """Return "S02E05", or "E148" for anime, which Simkl numbers without seasons."""
    return f"E{episode}" if season is None else f"S{season:02d}E{episode:02d}"


def web_url(media_type: MediaType, simkl_id: int, slug: str | None = None) -> str:
    """Return the item's page on Simkl (linking back is part of Simkl's API terms)."""
    url = f"{SIMKL_WEB_URL}/{media_type.web_path}/{simkl_id}"
    return f"{url}/{slug}" if slug else url


def _episode_position(
    season: int | None, episode: int, other_season: int | None
) -> tuple[int, int]:
    # Anime are numbered without seasons; compare on episodes alone when either side has none.
    if season is None or other_season is None:
        return (0, episode)
    return (season, episode)


@dataclass(frozen=True, slots=True, kw_only=True)
class Episode:
    """An episode of a show, or of an anime numbered without seasons."""

    season: int | None
    number: int
    title: str | None = None
    aired_at: datetime | None = None

    @property
    def code(self) -> str:
        """Return "S02E05", or "E148" for anime."""
        return episode_code(self.season, self.number)

    def aired_by(self, moment: datetime) -> bool:
        """Tell whether the episode has aired at `moment`."""
        return self.aired_at is not None and self.aired_at <= moment


@dataclass(frozen=True, slots=True, kw_only=True)
class UpNext:
    """The episode to watch next, and how many aired episodes are left unwatched."""

    episode: Episode
    unwatched: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryEntry:
    """One show, anime or movie in the account's lists."""

    simkl_id: int
    media_type: MediaType
    title: str
    year: int | None = None
    status: ListStatus | None = None
    poster: str | None = None
    fanart: str | None = None
    runtime: int | None = None
    ids: dict[str, str | int] = field(default_factory=dict)
    added_at: datetime | None = None
    last_watched_at: datetime | None = None
    user_rating: int | None = None
    user_rated_at: datetime | None = None
    last_watched: str | None = None
    next_to_watch: str | None = None
    watched_episodes: int = 0
    total_episodes: int = 0
    not_aired_episodes: int = 0
    anime_type: str | None = None
    # From `next_to_watch_info` (all-items with next_watch_info=yes).
    next_episode_title: str | None = None
    next_episode_aired_at: datetime | None = None

    @classmethod
    def from_api(cls, item: LibraryItem) -> Self | None:
        """Build an entry from an all-items or ratings row; None when it has no Simkl id."""
        media = item.media
        if media.ids.simkl is None:
            return None
        next_info = item.next_to_watch_info
        return cls(
            simkl_id=media.ids.simkl,
            media_type=item.media_type,
            title=media.title,
            year=media.year,
            status=item.status,
            poster=media.poster,
            fanart=media.fanart,
            runtime=media.runtime,
            ids=media.ids.to_dict(),
            added_at=item.added_to_watchlist_at,
            last_watched_at=item.last_watched_at,
            user_rating=item.user_rating,
            user_rated_at=item.user_rated_at,
            last_watched=item.last_watched,
            next_to_watch=item.next_to_watch,
            watched_episodes=item.watched_episodes_count or 0,
            total_episodes=item.total_episodes_count or 0,
            not_aired_episodes=item.not_aired_episodes_count or 0,
            anime_type=item.anime_type,
            next_episode_title=next_info.title if next_info else None,
            next_episode_aired_at=next_info.date if next_info else None,
        )

    @property
    def is_movie(self) -> bool:
        """Return whether this is a movie (or an anime film filed under movies)."""
        return self.media_type is MediaType.MOVIES

    @property
    def aired_unwatched(self) -> int:
        """Return how many aired episodes are still unwatched."""
        aired = self.total_episodes - self.not_aired_episodes
        return max(0, aired - self.watched_episodes)

    @property
    def next_episode(self) -> Episode | None:
        """Return the next episode to watch, as Simkl last reported it."""
        if (parsed := parse_episode_code(self.next_to_watch)) is None:
            return None
        season, number = parsed
        return Episode(
            season=season,
            number=number,
            title=self.next_episode_title,
            aired_at=self.next_episode_aired_at,
        )

    def has_watched(self, season: int | None, episode: int | None) -> bool:
        """Tell from the progress Simkl reports whether an episode was watched.

        Episodes before `next_to_watch` are watched; with nothing left to watch, everything
        up to `last_watched` is. An episode skipped and watched out of order shows as
        unwatched.
        """
        if episode is None:
            return False
        if (following := parse_episode_code(self.next_to_watch)) is not None:
            next_season, next_number = following
            return _episode_position(season, episode, next_season) < _episode_position(
                next_season, next_number, season
            )
        if (last := parse_episode_code(self.last_watched)) is not None:
            last_season, last_number = last
            return _episode_position(season, episode, last_season) <= _episode_position(
                last_season, last_number, season
            )
        return False

    def up_next(self, now: datetime, aired: Iterable[Episode] = ()) -> UpNext | None:
        """Return the episode to watch next at `now`; None while no unwatched one has aired.

        Simkl's activity timestamps do not move when an episode airs, so the stored counts
        and next episode can predate the latest airings: the next episode counts as aired
        once its air time has passed, and so do the unwatched episodes of `aired` (what the
        calendar files list). When Simkl last reported the title is unknown, so the count is
        the larger of the stored one and the calendar's: a lower bound.
        """
        # The first aired, unwatched episode of `aired` and how many there are, in one pass
        # (run for every title being watched at each start).
        first: Episode | None = None
        first_at = now
        since = 0
        for episode in aired:
            aired_at = episode.aired_at
            if (
                aired_at is None
                or aired_at > now
                or self.has_watched(episode.season, episode.number)
            ):
                continue
            since += 1
            if first is None or aired_at < first_at:
                first, first_at = episode, aired_at
        unwatched = max(self.aired_unwatched, since)
        following = self.next_episode
        if following is not None and following.aired_by(now):
            unwatched = max(unwatched, 1)
        elif following is None:
            following = first
        if following is None or not unwatched:
            return None
        return UpNext(episode=following, unwatched=unwatched)

    @property
    def url(self) -> str:
        """Return the item's Simkl page."""
        slug = self.ids.get("slug")
        return web_url(self.media_type, self.simkl_id, slug if isinstance(slug, str) else None)

    @property
    def watched_at(self) -> datetime | None:
        """Return when it was last watched, hiding Simkl's "date unknown" placeholder."""
        if self.last_watched_at is None or is_unknown_date(self.last_watched_at):
            return None
        return self.last_watched_at

    def watched_minutes(self) -> int:
        """Return the time spent watching it, from the runtime and the watched count."""
        runtime = self.runtime or 0
        if self.is_movie:
            return runtime if self.status is ListStatus.COMPLETED else 0
        return runtime * self.watched_episodes


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackEntry:
    """A paused, resumable playback session."""

    playback_id: int
    media_type: MediaType
    progress: float
    paused_at: datetime | None
    title: str
    year: int | None = None
    simkl_id: int | None = None
    poster: str | None = None
    season: int | None = None
    episode: int | None = None
    episode_title: str | None = None

    @property
    def url(self) -> str | None:
        """Return the title's Simkl page, when the session names its Simkl id."""
        return web_url(self.media_type, self.simkl_id) if self.simkl_id else None

    @classmethod
    def from_api(cls, session: PlaybackSession) -> Self:
        """Build an entry from a /sync/playback row."""
        episode = session.episode
        return cls(
            playback_id=session.id,
            media_type=session.media_type,
            progress=session.progress,
            paused_at=session.paused_at,
            title=session.media.title,
            year=session.media.year,
            simkl_id=session.media.ids.simkl,
            poster=session.media.poster,
            season=episode.season if episode else None,
            episode=episode.number if episode else None,
            episode_title=episode.title if episode else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """The Simkl account the config entry is linked to."""

    account_id: int
    name: str
    avatar: str | None = None
    timezone: str | None = None
    account_type: str | None = None

    @classmethod
    def from_api(cls, settings: UserSettings) -> Self:
        """Build the account from /users/settings."""
        return cls(
            account_id=settings.account_id,
            name=settings.name,
            avatar=settings.avatar,
            timezone=settings.timezone,
            account_type=settings.account_type,
        )

    @property
    def profile_url(self) -> str:
        """Return the user's public Simkl profile."""
        return f"{SIMKL_WEB_URL}/{self.account_id}"

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-able dict for the store."""
        return {
            "account_id": self.account_id,
            "name": self.name,
            "avatar": self.avatar,
            "timezone": self.timezone,
            "account_type": self.account_type,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """Rebuild the account from the store; raises on a malformed record."""
        return cls(
            account_id=int(data["account_id"]),
            name=str(data["name"]),
            avatar=data.get("avatar"),
            timezone=data.get("timezone"),
            account_type=data.get("account_type"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    """Totals computed from the library, so that /users/stats is never polled."""

    episodes_watched: int
    movies_watched: int
    minutes_watched: int


@dataclass(slots=True, kw_only=True, eq=False, weakref_slot=True)
class Library:
    """Everything synced for one account.

    Compared by identity: the coordinator hands out a new object only when something
    changed, so an unchanged poll does not wake every entity. Entries go in and out only
    through the methods below, which keep the index the sensors read up to date and note
    which titles changed since the library this one was copied from.
    """

    account: Account
    activities: Activities | None = None
    playback: dict[int, PlaybackEntry] = field(default_factory=dict)
    items: dict[int, LibraryEntry] = field(default_factory=dict, init=False)
    _index: LibraryIndex = field(default_factory=LibraryIndex, init=False)
    _origin: weakref.ref[Library] | None = field(default=None, init=False)
    # Simkl ids whose entries the merges into this copy added, replaced or dropped: what a
    # sync touched, so its changes are found without comparing the whole library.
    changed: set[int] = field(default_factory=set, init=False)

    def copy(self) -> Library:
        """Return a copy whose entries can change without touching this one."""
        copied = Library(
            account=self.account, activities=self.activities, playback=dict(self.playback)
        )
        copied.items = dict(self.items)
        copied._index = self._index.copy()
        copied._origin = weakref.ref(self)
        return copied

    def changes_since(self, other: Library) -> frozenset[int] | None:
        """Return the Simkl ids of the titles added, changed or removed since `other`.

        Known when this library is `other` or was copied from it; None otherwise.
        """
        if other is self:
            return frozenset()
        if self._origin is not None and self._origin() is other:
            return frozenset(self.changed)
        return None

    def _put(self, entry: LibraryEntry) -> None:
        if (old := self.items.get(entry.simkl_id)) is not None:
            self._index.replace(old, entry)
        else:
            self._index.add(entry)
        self.items[entry.simkl_id] = entry
        self.changed.add(entry.simkl_id)

    def _drop(self, simkl_id: int) -> None:
        self._index.remove(self.items.pop(simkl_id))
        self.changed.add(simkl_id)

    def add(self, entries: Iterable[LibraryEntry]) -> None:
        """Add or replace entries."""
        for entry in entries:
            self._put(entry)

    def entries(
        self, media_type: MediaType | None = None, status: ListStatus | None = None
    ) -> Iterator[LibraryEntry]:
        """Iterate over the entries of a type and/or a list."""
        return self._index.entries(media_type, status)

    def count(self, media_type: MediaType, status: ListStatus) -> int:
        """Return how many entries of a type are in a list."""
        return self._index.count(media_type, status)

    def upsert(self, items: Iterable[LibraryItem]) -> int:
        """Add or replace entries; returns how many had a Simkl id."""
        stored = 0
        for item in items:
            if (entry := LibraryEntry.from_api(item)) is not None:
                self._put(entry)
                stored += 1
        return stored

    def replace_type(self, media_type: MediaType, items: Iterable[LibraryItem]) -> None:
        """Replace all entries of a type with a full list."""
        for simkl_id in [e.simkl_id for e in self.entries(media_type)]:
            self._drop(simkl_id)
        self.upsert(items)

    def keep_only(self, media_type: MediaType, simkl_ids: set[int]) -> list[int]:
        """Drop entries of a type that are not in `simkl_ids`; returns the dropped ids."""
        dropped = [e.simkl_id for e in self.entries(media_type) if e.simkl_id not in simkl_ids]
        for simkl_id in dropped:
            self._drop(simkl_id)
        return dropped

    def apply_ratings(self, media_type: MediaType, rated: Iterable[LibraryItem]) -> None:
        """Make the ratings of a type match a full ratings list."""
        ratings = self.merge_ratings(rated)
        for entry in list(self.entries(media_type)):
            if entry.simkl_id not in ratings and entry.user_rating is not None:
                self._put(replace(entry, user_rating=None, user_rated_at=None))

    def merge_ratings(self, rated: Iterable[LibraryItem]) -> set[int]:
        """Take the ratings of ratings rows; returns their Simkl ids.

        Only the rating fields of known entries change: Simkl documents fewer fields for
        ratings rows than for all-items rows, so the rest stays as all-items reported it.
        """
        ratings = {
            entry.simkl_id: entry
            for item in rated
            if (entry := LibraryEntry.from_api(item)) is not None
        }
        for simkl_id, rated_entry in ratings.items():
            current = self.items.get(simkl_id)
            self._put(
                replace(
                    current,
                    user_rating=rated_entry.user_rating,
                    user_rated_at=rated_entry.user_rated_at,
                )
                if current is not None
                else rated_entry
            )
        return set(ratings)

    def replace_playback(self, sessions: Iterable[PlaybackSession]) -> None:
        """Replace the paused sessions with a full list."""
        self.playback = {session.id: PlaybackEntry.from_api(session) for session in sessions}

    def last_watched(
        self, media_types: Collection[MediaType] = tuple(MediaType)
    ) -> LibraryEntry | None:
        """Return the most recently watched entry of the given types with a known date."""
        return self._index.last_watched(media_types)

    def totals(self, media_types: Collection[MediaType] = tuple(MediaType)) -> Totals:
        """Return totals computed from the entries of the given types."""
        episodes, movies, minutes = self._index.sums(media_types)
        return Totals(episodes_watched=episodes, movies_watched=movies, minutes_watched=minutes)
