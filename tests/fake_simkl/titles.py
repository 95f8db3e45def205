"""The shows, anime and movies of the fake Simkl API, and the ids and images derived from them.

Air dates come from season plans, so that a title knows which of its episodes have aired at
any moment; the catalogue (`catalog.py`) indexes the titles.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
import hashlib
import re
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Iterator

type MediaKind = Literal["tv", "anime", "movie"]

MEDIA_KINDS: tuple[MediaKind, ...] = ("tv", "anime", "movie")
WEEK = timedelta(days=7)
# Episode ids are derived from the show id so that an episode id alone leads back to its show
# without an index over every episode of a large synthetic catalogue.
EPISODE_ID_FACTOR = 100_000
SEASON_ID_FACTOR = 10_000
SYNTHETIC_ID_BASE = 50_000_000
# Keys whose values are numbers in Simkl's id objects; everything else is a string.
_NUMERIC_ID_KEYS = frozenset(
    {"tmdb", "tvdb", "mal", "anidb", "anilist", "kitsu", "livechart", "anisearch", "netflix"}
)
_ID_ALIASES = {"simkl_id": "simkl", "tmdbtv": "tmdb", "tvdbslug": "tvdb"}


@cache
def zone(name: str) -> ZoneInfo:
    """Return the time zone called ``name`` (cached: catalogues ask for a few zones often)."""
    return ZoneInfo(name)


def image_path(kind: str, key: str) -> str:
    """Return a stable Simkl-style image path such as ``74/74415673dcdc9cdd``."""
    digest = hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:16]
    return f"{digest[:2]}/{digest}"


def slugify(title: str) -> str:
    """Return the URL slug Simkl derives from a title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def normalize_title(title: str) -> str:
    """Return ``title`` reduced to lowercase words, for forgiving title comparisons."""
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def episode_simkl_id(show_id: int, season: int, number: int) -> int:
    """Return the Simkl id of an episode."""
    return show_id * EPISODE_ID_FACTOR + season * SEASON_ID_FACTOR + number


def split_episode_id(episode_id: int) -> tuple[int, int, int]:
    """Return ``(show id, season, number)`` of an episode id made by `episode_simkl_id`."""
    show_id, rest = divmod(episode_id, EPISODE_ID_FACTOR)
    season, number = divmod(rest, SEASON_ID_FACTOR)
    return show_id, season, number


def normalize_id(key: str, value: Any) -> tuple[str, str] | None:
    """Return an id as an index key, or None when the key or value cannot identify anything."""
    key = _ID_ALIASES.get(key, key)
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = str(value).strip().lower()
    if not text or text == "0":
        return None
    return key, text


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode of a show or anime."""

    simkl_id: int
    season: int
    number: int
    title: str
    aired_at: datetime
    img: str
    description: str


@dataclass(frozen=True, slots=True)
class SeasonPlan:
    """A season whose episodes come out every ``interval`` from ``first_air``.

    ``first_air`` is aware and in the network's time zone: adding intervals to it keeps the
    local wall-clock time across daylight-saving changes, as broadcasters do. An interval of
    zero releases the whole season at once.
    """

    number: int
    episode_count: int
    first_air: datetime
    interval: timedelta = WEEK

    def air_time(self, number: int) -> datetime:
        """Return when episode ``number`` of this season airs, in UTC."""
        return (self.first_air + (number - 1) * self.interval).astimezone(UTC)

    def aired_count(self, now: datetime) -> int:
        """Return how many episodes of this season have aired at ``now``."""
        if self.episode_count == 0 or now < self.first_air:
            return 0
        if not self.interval:
            return self.episode_count
        estimate = min(self.episode_count, int((now - self.first_air) / self.interval) + 1)
        # Wall-clock stepping across a daylight-saving change moves air times by an hour.
        while estimate > 0 and self.air_time(estimate) > now:
            estimate -= 1
        while estimate < self.episode_count and self.air_time(estimate + 1) <= now:
            estimate += 1
        return estimate


@dataclass(slots=True, eq=False)
class CatalogItem:
    """A show, anime or movie. ``ids`` holds the external ids (imdb, tmdb, tvdb, mal, ...).

    An empty ``poster`` or ``fanart`` is replaced by a derived image path; None means the item
    has no such image.
    """

    simkl_id: int
    kind: MediaKind
    title: str
    year: int | None
    ids: dict[str, str | int] = field(default_factory=dict)
    runtime: int = 45
    network: str | None = None
    timezone: str = "UTC"
    seasons: tuple[SeasonPlan, ...] = ()
    ended: bool = False
    released: date | None = None
    anime_type: str | None = None
    overview: str = ""
    genres: tuple[str, ...] = ()
    country: str = "us"
    certification: str | None = None
    en_title: str | None = None
    rank: int | None = None
    rating: float = 7.5
    votes: int = 1_000
    poster: str | None = ""
    fanart: str | None = ""
    slug: str = ""
    _episodes: tuple[Episode, ...] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        """Derive the slug and image paths that were not given."""
        if not self.slug:
            self.slug = slugify(self.title)
        if self.poster == "":
            self.poster = image_path("poster", str(self.simkl_id))
        if self.fanart == "":
            self.fanart = image_path("fanart", str(self.simkl_id))

    @property
    def is_movie(self) -> bool:
        """Return whether the item is watched as a whole rather than by episodes."""
        return self.kind == "movie"

    @property
    def zone(self) -> ZoneInfo:
        """Return the network's time zone."""
        return zone(self.timezone)

    @property
    def total_episodes(self) -> int:
        """Return the number of episodes, aired or not."""
        return sum(plan.episode_count for plan in self.seasons)

    @property
    def episodes(self) -> tuple[Episode, ...]:
        """Return every episode in broadcast order (built on first use, then kept)."""
        if self._episodes is None:
            self._episodes = tuple(
                self._make_episode(plan, number)
                for plan in self.seasons
                for number in range(1, plan.episode_count + 1)
            )
        return self._episodes

    def _make_episode(self, plan: SeasonPlan, number: int) -> Episode:
        key = f"{self.simkl_id}-{plan.number}-{number}"
        return Episode(
            simkl_id=episode_simkl_id(self.simkl_id, plan.number, number),
            season=plan.number,
            number=number,
            title=f"Episode {number}",
            aired_at=plan.air_time(number),
            img=image_path("episode", key),
            description=f"Episode {number} of {self.title}.",
        )

    def season_plan(self, season: int) -> SeasonPlan | None:
        """Return the plan of season ``season``, if the item has one."""
        for plan in self.seasons:
            if plan.number == season:
                return plan
        return None

    def episode(self, season: int, number: int) -> Episode | None:
        """Return one episode without building the whole list."""
        plan = self.season_plan(season)
        if plan is None or not 1 <= number <= plan.episode_count:
            return None
        if self._episodes is not None:
            offset = sum(p.episode_count for p in self.seasons if p.number < season)
            return self._episodes[offset + number - 1]
        return self._make_episode(plan, number)

    def air_time(self, season: int, number: int) -> datetime | None:
        """Return when an episode airs, or None when the item has no such episode."""
        plan = self.season_plan(season)
        if plan is None or not 1 <= number <= plan.episode_count:
            return None
        return plan.air_time(number)

    def aired_count(self, now: datetime) -> int:
        """Return how many episodes have aired at ``now``."""
        return sum(plan.aired_count(now) for plan in self.seasons)

    def aired_keys(self, now: datetime) -> Iterator[tuple[int, int]]:
        """Yield ``(season, number)`` of every episode aired at ``now``, in order."""
        for plan in self.seasons:
            for number in range(1, plan.aired_count(now) + 1):
                yield plan.number, number

    def all_keys(self) -> Iterator[tuple[int, int]]:
        """Yield ``(season, number)`` of every episode, in order."""
        for plan in self.seasons:
            for number in range(1, plan.episode_count + 1):
                yield plan.number, number

    def next_key(self, season: int, number: int) -> tuple[int, int] | None:
        """Return the episode after ``(season, number)`` in broadcast order."""
        plan = self.season_plan(season)
        if plan is not None and number < plan.episode_count:
            return season, number + 1
        later = [p for p in self.seasons if p.number > season and p.episode_count]
        if not later:
            return None
        return min(later, key=lambda p: p.number).number, 1

    @property
    def release_at(self) -> datetime | None:
        """Return a movie's release as local midnight in its time zone."""
        if self.released is None:
            return None
        return datetime.combine(self.released, time(), tzinfo=self.zone)

    def status(self, now: datetime) -> str:
        """Return Simkl's release status: ended/airing/tba, or released/upcoming for movies."""
        if self.is_movie:
            release = self.release_at
            return "released" if release is not None and release <= now else "upcoming"
        aired = self.aired_count(now)
        if self.ended and aired == self.total_episodes:
            return "ended"
        if aired and aired < self.total_episodes:
            return "airing"
        return "tba"

    def external_ids(self) -> dict[str, str | int]:
        """Return the ids object of API responses (``simkl`` and ``slug`` first)."""
        return {"simkl": self.simkl_id, "slug": self.slug, **self.ids}
