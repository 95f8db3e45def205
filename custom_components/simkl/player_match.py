"""Identifies what a media player plays as a Simkl title, without guessing.

In this order: the ids the player exposes, the title (a show's with season and episode, a
movie's with its year) and, for the item playing now only, the file name. The account's
library is the first place to look, so a title already in the user's lists wins over a
search; what searches find is stored per title, so a show is looked up once, not every
episode. A title that matches nothing, or more than one title, is not guessed.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from homeassistant.helpers.storage import Store

from .api import (
    FileMatch,
    Ids,
    MediaType,
    ScrobbleRequest,
    SearchResult,
    SimklClient,
    SimklError,
    SimklNotFoundError,
)
from .const import LOGGER, STORAGE_SAVE_DELAY, STORAGE_VERSION
from .library import episode_code
from .storage import AccountStore
from .title_search import normalize_title

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .library import Library, LibraryEntry
    from .player_reading import PlayerReading

type NoMatchReason = Literal["not_found", "ambiguous", "lookup_failed"]

# How many near misses an `unmatched` event lists.
MAX_CANDIDATES: Final = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class Title:
    """A Simkl title: what scrobbles name, and how the user reads it."""

    media_type: MediaType
    title: str
    year: int | None = None
    ids: dict[str, str | int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Return "Dune: Part Two (2024)", or the bare title without a year."""
        return f"{self.title} ({self.year})" if self.year else self.title

    def to_json(self) -> dict[str, Any]:
        """Return the title as stored and as events list it."""
        return {
            "type": self.media_type.item_key,
            "title": self.title,
            "year": self.year,
            "ids": self.ids,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Title:
        """Read a stored title; raises KeyError or ValueError when it cannot be read."""
        media_type = MediaType.parse(data["type"])
        if media_type is None:
            raise ValueError(data["type"])
        return cls(
            media_type=media_type,
            title=str(data["title"]),
            year=data.get("year"),
            ids=dict(data.get("ids") or {}),
        )

    @classmethod
    def from_library(cls, entry: LibraryEntry) -> Title:
        """The title of an entry of the user's lists."""
        return cls(
            media_type=entry.media_type,
            title=entry.title,
            year=entry.year,
            ids={**entry.ids, "simkl": entry.simkl_id},
        )


def _title_of_hit(hit: SearchResult, searched: MediaType) -> Title:
    return Title(
        media_type=hit.media_type or searched,
        title=hit.title,
        year=hit.year,
        ids=hit.ids.to_dict(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """The title a player plays, and the episode of it."""

    title: Title
    season: int | None = None
    episode: int | None = None

    @property
    def label(self) -> str:
        """Name the item for the user: "Severance S02E04", "Dune: Part Two (2024)"."""
        if self.episode is None:
            return self.title.name
        return f"{self.title.title} {episode_code(self.season, self.episode)}"

    def request(self, progress: float | None) -> ScrobbleRequest:
        """The scrobble body; anime keep the player's (TVDB) numbering, which Simkl maps."""
        title = self.title
        return ScrobbleRequest(
            media_type=title.media_type,
            ids=Ids.from_dict(title.ids),
            title=title.title,
            year=title.year,
            season=self.season if title.media_type is not MediaType.MOVIES else None,
            episode=self.episode if title.media_type is not MediaType.MOVIES else None,
            progress=progress,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NoMatch:
    """Why an item was not identified, and the titles it could have been."""

    reason: NoMatchReason
    candidates: tuple[Title, ...] = ()


def _same_id(ids: dict[str, str | int], other: dict[str, str | int]) -> bool:
    return any(
        kind != "slug" and kind in other and str(other[kind]) == str(value)
        for kind, value in ids.items()
    )


def _fits(reading: PlayerReading, media_type: MediaType) -> bool:
    """Episodes belong to shows and anime; movies (and films filed as anime) to movies."""
    if reading.is_episode:
        return media_type is not MediaType.MOVIES
    return media_type is MediaType.MOVIES or (
        reading.media_type is None and media_type is MediaType.ANIME
    )


class TitleResolver:
    """Finds the Simkl titles of one account's players, and names titles by their ids."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        client: SimklClient,
        library: Callable[[], Library],
    ) -> None:
        """Start with no stored titles; `library` returns the account's synced library."""
        self._client = client
        self._library = library
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, AccountStore.TITLES.key(entry_id)
        )
        self._titles: dict[str, Title] = {}
        # Misses are kept for this run only: a title added to Simkl later is found after a restart.
        self._misses: dict[str, NoMatch] = {}

    async def async_load(self) -> None:
        """Read the titles resolved in earlier runs."""
        stored = await self._store.async_load() or {}
        for key, data in (stored.get("titles") or {}).items():
            try:
                self._titles[key] = Title.from_json(data)
            except KeyError, TypeError, ValueError:
                LOGGER.debug("Dropping a stored Simkl title that cannot be read: %s", data)

    def name_of(self, ids: Ids) -> Title | None:
        """The title with these ids, from the library or the titles resolved so far."""
        wanted = ids.to_dict()
        if not wanted:
            return None
        if (listed := next(self._library_titles(wanted), None)) is not None:
            return listed
        return next((title for title in self._titles.values() if _same_id(wanted, title.ids)), None)

    def _library_titles(self, ids: dict[str, str | int]) -> Iterator[Title]:
        """The library's titles that share an id (other than the slug) with `ids`.

        The one with the Simkl id comes first, found without a pass over the library.
        """
        library = self._library()
        simkl_id = ids.get("simkl")
        if isinstance(simkl_id, int) and (entry := library.items.get(simkl_id)) is not None:
            yield Title.from_library(entry)
        for entry in library.items.values():
            if _same_id(ids, {**entry.ids, "simkl": entry.simkl_id}):
                yield Title.from_library(entry)

    async def async_resolve(self, reading: PlayerReading, *, playing_now: bool) -> Match | NoMatch:
        """Identify a reading; the file name is only sent to Simkl for the item playing now."""
        result: Title | NoMatch | None = None
        if reading.ids:
            result = await self._async_by_ids(reading)
        if result is None and reading.title:
            result = await self._async_by_title(reading)
        if (result is None or isinstance(result, NoMatch)) and reading.file and playing_now:
            return await self._async_by_file(reading, result)
        if isinstance(result, Title):
            return Match(title=result, season=reading.season, episode=reading.episode)
        return result or NoMatch(reason="not_found")

    async def _async_by_ids(self, reading: PlayerReading) -> Title | None:
        for title in self._library_titles(reading.ids):
            if _fits(reading, title.media_type):
                return title
        key = "ids|" + ",".join(f"{kind}:{value}" for kind, value in sorted(reading.ids.items()))
        if (known := self._titles.get(key)) is not None:
            return known
        try:
            hits = await self._client.search_id(
                reading.ids,
                media_type=MediaType.SHOWS if reading.is_episode else MediaType.MOVIES,
            )
        except SimklNotFoundError:
            hits = []
        except SimklError as err:
            LOGGER.debug("Looking up %s on Simkl failed: %s", reading.ids, err)
            # Simkl resolves the ids itself when the scrobble is sent.
            return Title(
                media_type=MediaType.SHOWS if reading.is_episode else MediaType.MOVIES,
                title=reading.title or "",
                year=reading.year,
                ids=reading.ids,
            )
        searched = MediaType.SHOWS if reading.is_episode else MediaType.MOVIES
        found = [
            title
            for hit in hits
            if _fits(reading, (title := _title_of_hit(hit, searched)).media_type)
        ]
        if len(found) != 1:
            return None
        title = Title(
            media_type=found[0].media_type,
            title=found[0].title,
            year=found[0].year,
            ids={**reading.ids, **found[0].ids},
        )
        self._remember(key, title)
        return title

    async def _async_by_title(self, reading: PlayerReading) -> Title | NoMatch:
        assert reading.title is not None
        wanted = normalize_title(reading.title)
        kind = "episode" if reading.is_episode else "movie"
        key = f"title|{kind}|{wanted}|{reading.year or ''}"
        in_library = _pick(
            reading,
            (Title.from_library(entry) for entry in self._library().items.values()),
            wanted,
        )
        if isinstance(in_library, Title):
            return in_library
        if (known := self._titles.get(key)) is not None:
            return known
        if (missed := self._misses.get(key)) is not None:
            return missed
        if isinstance(in_library, NoMatch):
            return in_library
        searched = (
            (MediaType.SHOWS, MediaType.ANIME)
            if reading.is_episode
            else (MediaType.MOVIES, MediaType.ANIME)
        )
        hits: list[Title] = []
        try:
            for media_type in searched:
                found = await self._client.search_text(media_type, reading.title, limit=20)
                hits.extend(_title_of_hit(hit, media_type) for hit in found)
        except SimklError as err:
            LOGGER.debug("Searching Simkl for %r failed: %s", reading.title, err)
            return NoMatch(reason="lookup_failed")
        picked = _pick(reading, hits, wanted) or NoMatch(
            reason="not_found",
            candidates=tuple(hit for hit in hits if _fits(reading, hit.media_type))[
                :MAX_CANDIDATES
            ],
        )
        if isinstance(picked, Title):
            self._remember(key, picked)
        else:
            self._misses[key] = picked
        return picked

    async def _async_by_file(
        self, reading: PlayerReading, earlier: NoMatch | None
    ) -> Match | NoMatch:
        assert reading.file is not None
        try:
            match: FileMatch = await self._client.search_file(reading.file)
        except SimklNotFoundError:
            match = FileMatch()
        except SimklError as err:
            LOGGER.debug("Recognising %s on Simkl failed: %s", reading.file, err)
            return earlier or NoMatch(reason="lookup_failed")
        media_type = match.media_type
        if match.media is None or media_type is None:
            return earlier or NoMatch(reason="not_found")
        title = Title(
            media_type=media_type,
            title=match.media.title,
            year=match.media.year,
            ids=match.media.ids.to_dict(),
        )
        episode = match.episode
        if media_type is MediaType.MOVIES:
            return Match(title=title)
        return Match(
            title=title,
            season=episode.season if episode and episode.season is not None else reading.season,
            episode=episode.number if episode and episode.number is not None else reading.episode,
        )

    def _remember(self, key: str, title: Title) -> None:
        self._titles[key] = title
        self._store.async_delay_save(
            lambda: {"titles": {key: title.to_json() for key, title in self._titles.items()}},
            STORAGE_SAVE_DELAY.total_seconds(),
        )


def _pick(reading: PlayerReading, titles: Iterable[Title], wanted: str) -> Title | NoMatch | None:
    """The one title named `wanted` (of the reading's year, when it has one).

    Several titles of that name that the year cannot tell apart are ambiguous; None when no
    title has that name.
    """
    named = [
        title
        for title in titles
        if _fits(reading, title.media_type) and normalize_title(title.title) == wanted
    ]
    # The same title can come from two searches (a show listed as tv and as anime).
    unique = list({str(title.ids.get("simkl", id(title))): title for title in named}.values())
    if reading.year is not None:
        unique = [title for title in unique if title.year == reading.year] or unique
    if len(unique) == 1:
        return unique[0]
    if unique:
        return NoMatch(reason="ambiguous", candidates=tuple(unique[:MAX_CANDIDATES]))
    return None
