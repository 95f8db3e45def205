"""Catalogue of shows, anime and movies served by the fake Simkl API.

Air dates are generated relative to an anchor time (normally the fake's ``now()`` when the
catalogue is built), so that a demo or a test always sees aired, unwatched and upcoming
episodes whatever the real date is.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
import hashlib
import random
import re
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Mapping

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


class Catalog:
    """The items the fake knows, indexed by Simkl id, external ids and titles."""

    def __init__(self, items: Iterable[CatalogItem] = ()) -> None:
        """Index ``items``."""
        self._items: dict[int, CatalogItem] = {}
        self._by_external: dict[tuple[str, str], list[CatalogItem]] = {}
        self._synthetic_count = 0
        for item in items:
            self.add(item)

    def __iter__(self) -> Iterator[CatalogItem]:
        """Iterate over the items in the order they were added."""
        return iter(self._items.values())

    def __len__(self) -> int:
        """Return the number of items."""
        return len(self._items)

    def __contains__(self, simkl_id: object) -> bool:
        """Return whether an item has this Simkl id."""
        return simkl_id in self._items

    def add(self, item: CatalogItem) -> None:
        """Add ``item``; its Simkl id must be new."""
        if item.simkl_id in self._items:
            msg = f"Simkl id {item.simkl_id} is already in the catalogue"
            raise ValueError(msg)
        self._items[item.simkl_id] = item
        for key, value in item.ids.items():
            index_key = normalize_id(key, value)
            if index_key is not None:
                self._by_external.setdefault(index_key, []).append(item)

    def get(self, simkl_id: int) -> CatalogItem | None:
        """Return the item with this Simkl id."""
        return self._items.get(simkl_id)

    def find(
        self,
        ids: Mapping[str, Any] | None = None,
        *,
        kinds: Collection[MediaKind] = MEDIA_KINDS,
        title: str | None = None,
        year: int | None = None,
    ) -> CatalogItem | None:
        """Resolve an item as Simkl does: ids (simkl first), then title and year, then title."""
        keys = [key for key in (normalize_id(*pair) for pair in (ids or {}).items()) if key]
        # Simkl's own id first: it is the only one unique across every kind of item.
        keys.sort(key=lambda key: key[0] != "simkl")
        for index_key in keys:
            if index_key[0] == "simkl":
                item = self._items.get(int(index_key[1])) if index_key[1].isdigit() else None
                if item is not None and item.kind in kinds:
                    return item
                continue
            for candidate in self._by_external.get(index_key, ()):
                if candidate.kind in kinds:
                    return candidate
        if title:
            return self.find_title(title, year, kinds=kinds)
        return None

    def find_title(
        self, title: str, year: int | None = None, *, kinds: Collection[MediaKind] = MEDIA_KINDS
    ) -> CatalogItem | None:
        """Return the item titled ``title`` (the one from ``year`` when given and known)."""
        wanted = normalize_title(title)
        matches = [
            item
            for item in self._items.values()
            if item.kind in kinds
            and wanted in {normalize_title(item.title), normalize_title(item.en_title or "")}
        ]
        if year is not None:
            same_year = [item for item in matches if item.year == year]
            if same_year:
                return same_year[0]
        return matches[0] if matches else None

    def search(self, query: str, kinds: Collection[MediaKind]) -> list[CatalogItem]:
        """Return items whose titles contain ``query``, ignoring case."""
        wanted = query.strip().lower()
        return [
            item
            for item in self._items.values()
            if item.kind in kinds
            and (wanted in item.title.lower() or wanted in (item.en_title or "").lower())
        ]

    def episode_by_id(self, episode_id: int) -> tuple[CatalogItem, Episode] | None:
        """Return the show and episode an episode id names."""
        show_id, season, number = split_episode_id(episode_id)
        item = self._items.get(show_id)
        episode = item.episode(season, number) if item is not None else None
        if item is None or episode is None:
            return None
        return item, episode

    @classmethod
    def demo(cls, now: datetime | None = None) -> Catalog:
        """Return the demo catalogue, with air dates placed around ``now``."""
        return cls(demo_items(now or datetime.now(UTC)))

    @classmethod
    def synthetic(cls, count: int, seed: int = 0, now: datetime | None = None) -> Catalog:
        """Return a catalogue of ``count`` generated items of every kind (deterministic)."""
        catalog = cls()
        catalog.add_synthetic(count, seed=seed, now=now or datetime.now(UTC))
        return catalog

    def add_synthetic(self, count: int, *, seed: int, now: datetime) -> list[CatalogItem]:
        """Generate ``count`` more items with fresh ids, add them and return them."""
        rng = random.Random(f"{seed}-{self._synthetic_count}")  # noqa: S311 - test data, not secrets
        items = []
        for _ in range(count):
            item = _synthetic_item(rng, self._synthetic_count, now)
            self._synthetic_count += 1
            while item.simkl_id in self._items:
                item = _synthetic_item(rng, self._synthetic_count, now)
                self._synthetic_count += 1
            self.add(item)
            items.append(item)
        return items


# --- Demo catalogue -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Airing:
    """The season on air at the anchor: ``aired`` episodes are out and the next one airs
    ``days_ahead`` days after the anchor's local date (or a week later if that time passed)."""

    episode_count: int
    aired: int
    days_ahead: int
    interval: timedelta = WEEK


def _plans(
    tz: str,
    at: time,
    past: Iterable[tuple[date, int, int]],
    airing: _Airing | None,
    anchor: datetime,
) -> tuple[SeasonPlan, ...]:
    """Return season plans: ``past`` holds (first air date, episodes, days between episodes)."""
    local = zone(tz)
    plans = [
        SeasonPlan(
            number, count, datetime.combine(first, at, tzinfo=local), timedelta(days=interval)
        )
        for number, (first, count, interval) in enumerate(past, start=1)
    ]
    if airing is not None:
        anchor_date = anchor.astimezone(local).date()
        upcoming = datetime.combine(anchor_date + timedelta(days=airing.days_ahead), at, local)
        if upcoming <= anchor:
            upcoming += WEEK
        plans.append(
            SeasonPlan(
                len(plans) + 1,
                airing.episode_count,
                upcoming - airing.aired * airing.interval,
                airing.interval,
            )
        )
    return tuple(plans)


def demo_items(anchor: datetime) -> list[CatalogItem]:
    """Return the demo catalogue's items with air dates around ``anchor``.

    TV airs in US or UK evenings (Slow Horses at local midnight), anime late at night in Tokyo
    (Dan Da Dan at 00:26, a different UTC date); several seasons are on air with the next
    episode one to five days away, Fallout premieres in twelve days, and two movies come out
    within the calendar window.
    """
    ny, la, london, tokyo = (
        "America/New_York",
        "America/Los_Angeles",
        "Europe/London",
        "Asia/Tokyo",
    )
    today = anchor.astimezone(zone(ny)).date()

    def tv(
        simkl_id: int,
        title: str,
        year: int,
        ids: dict[str, str | int],
        *,
        network: str,
        tz: str,
        at: time,
        past: Iterable[tuple[date, int, int]],
        airing: _Airing | None = None,
        **extra: Any,
    ) -> CatalogItem:
        return CatalogItem(
            simkl_id=simkl_id,
            kind="tv",
            title=title,
            year=year,
            ids=ids,
            network=network,
            timezone=tz,
            seasons=_plans(tz, at, past, airing, anchor),
            **extra,
        )

    def anime(
        simkl_id: int,
        title: str,
        year: int,
        ids: dict[str, str | int],
        *,
        network: str,
        at: time,
        first: date | None = None,
        count: int = 0,
        airing: _Airing | None = None,
        **extra: Any,
    ) -> CatalogItem:
        past = [] if first is None else [(first, count, 7)]
        extra.setdefault("runtime", 24)
        extra.setdefault("country", "jp")
        extra.setdefault("anime_type", "tv")
        return CatalogItem(
            simkl_id=simkl_id,
            kind="anime",
            title=title,
            year=year,
            ids=ids,
            network=network,
            timezone=tokyo,
            seasons=_plans(tokyo, at, past, airing, anchor),
            **extra,
        )

    def movie(
        simkl_id: int,
        title: str,
        year: int,
        ids: dict[str, str | int],
        *,
        runtime: int,
        released: date,
        **extra: Any,
    ) -> CatalogItem:
        return CatalogItem(
            simkl_id=simkl_id,
            kind="movie",
            title=title,
            year=year,
            ids=ids,
            runtime=runtime,
            timezone=ny,
            released=released,
            **extra,
        )

    project_hail_mary = today + timedelta(days=9)
    the_odyssey = today + timedelta(days=20)
    return [
        tv(
            548312,
            "Stranger Things",
            2016,
            {"imdb": "tt4574334", "tmdb": 66732, "tvdb": 305288},
            network="Netflix",
            tz=la,
            at=time(0, 0),
            past=[
                (date(2016, 7, 15), 8, 0),
                (date(2017, 10, 27), 9, 0),
                (date(2019, 7, 4), 8, 0),
                (date(2022, 5, 27), 9, 0),
                (date(2025, 11, 26), 8, 0),
            ],
            ended=True,
            runtime=50,
            genres=("drama", "fantasy", "horror"),
            certification="TV-14",
            rank=12,
            rating=8.6,
            votes=48_210,
        ),
        tv(
            11121,
            "Breaking Bad",
            2008,
            {"imdb": "tt0903747", "tmdb": 1396, "tvdb": 81189},
            network="AMC",
            tz=ny,
            at=time(22, 0),
            past=[
                (date(2008, 1, 20), 7, 7),
                (date(2009, 3, 8), 13, 7),
                (date(2010, 3, 21), 13, 7),
                (date(2011, 7, 17), 13, 7),
                (date(2012, 7, 15), 16, 7),
            ],
            ended=True,
            runtime=47,
            genres=("crime", "drama", "thriller"),
            certification="TV-MA",
            rank=3,
            rating=9.3,
            votes=61_877,
        ),
        tv(
            17086,
            "The Office",
            2005,
            {"imdb": "tt0386676", "tmdb": 2316, "tvdb": 73244},
            network="NBC",
            tz=ny,
            at=time(21, 0),
            past=[
                (date(2005, 3, 24), 6, 7),
                (date(2005, 9, 20), 22, 7),
                (date(2006, 9, 21), 25, 7),
                (date(2007, 9, 27), 19, 7),
                (date(2008, 9, 25), 28, 7),
                (date(2009, 9, 17), 26, 7),
                (date(2010, 9, 23), 26, 7),
                (date(2011, 9, 22), 24, 7),
                (date(2012, 9, 20), 25, 7),
            ],
            ended=True,
            runtime=22,
            genres=("comedy",),
            certification="TV-14",
            rank=25,
            rating=8.9,
            votes=39_102,
        ),
        tv(
            1186633,
            "Severance",
            2022,
            {"imdb": "tt11280740", "tmdb": 95396, "tvdb": 371980},
            network="Apple TV+",
            tz=ny,
            at=time(21, 0),
            past=[(date(2022, 2, 17), 9, 7), (date(2025, 1, 16), 10, 7)],
            airing=_Airing(episode_count=10, aired=4, days_ahead=2),
            runtime=55,
            genres=("drama", "mystery", "science-fiction"),
            certification="TV-MA",
            rank=8,
            rating=8.7,
            votes=18_455,
        ),
        tv(
            1447581,
            "The Last of Us",
            2023,
            {"imdb": "tt3581920", "tmdb": 100088, "tvdb": 392256},
            network="HBO",
            tz=ny,
            at=time(21, 0),
            past=[(date(2023, 1, 15), 9, 7), (date(2025, 4, 13), 7, 7)],
            airing=_Airing(episode_count=8, aired=3, days_ahead=1),
            runtime=58,
            genres=("drama", "horror", "science-fiction"),
            certification="TV-MA",
            rank=15,
            rating=8.6,
            votes=22_930,
        ),
        tv(
            1184213,
            "Slow Horses",
            2022,
            {"imdb": "tt5875444", "tmdb": 95480, "tvdb": 359779},
            network="Apple TV+",
            tz=london,
            at=time(0, 0),
            past=[
                (date(2022, 4, 1), 6, 7),
                (date(2022, 12, 2), 6, 7),
                (date(2023, 11, 29), 6, 7),
                (date(2024, 9, 4), 6, 7),
                (date(2025, 9, 24), 6, 7),
            ],
            airing=_Airing(episode_count=6, aired=2, days_ahead=4),
            runtime=48,
            country="gb",
            genres=("drama", "thriller"),
            certification="TV-MA",
            rank=40,
            rating=8.3,
            votes=7_411,
        ),
        tv(
            1830167,
            "The Bear",
            2022,
            {"imdb": "tt14452776", "tmdb": 136315, "tvdb": 412588},
            network="FX",
            tz=ny,
            at=time(21, 0),
            past=[
                (date(2022, 6, 23), 8, 0),
                (date(2023, 6, 22), 10, 0),
                (date(2024, 6, 26), 10, 0),
                (date(2025, 6, 25), 10, 0),
            ],
            runtime=32,
            genres=("comedy", "drama"),
            certification="TV-MA",
            rank=51,
            rating=8.4,
            votes=9_802,
        ),
        tv(
            1046349,
            "Andor",
            2022,
            {"imdb": "tt9253284", "tmdb": 83867, "tvdb": 393189},
            network="Disney+",
            tz=la,
            at=time(18, 0),
            past=[(date(2022, 9, 21), 12, 7), (date(2025, 4, 22), 12, 7)],
            ended=True,
            runtime=47,
            genres=("action", "drama", "science-fiction"),
            certification="TV-14",
            rank=33,
            rating=8.5,
            votes=11_870,
        ),
        tv(
            1999361,
            "Fallout",
            2024,
            {"imdb": "tt12637874", "tmdb": 106379, "tvdb": 416744},
            network="Prime Video",
            tz=la,
            at=time(18, 0),
            past=[(date(2024, 4, 10), 8, 0)],
            airing=_Airing(episode_count=8, aired=0, days_ahead=12),
            runtime=60,
            genres=("action", "drama", "science-fiction"),
            certification="TV-MA",
            rank=29,
            rating=8.3,
            votes=10_533,
        ),
        anime(
            38636,
            "One Piece",
            1999,
            {"imdb": "tt0388629", "tmdb": 37854, "tvdb": 81797, "mal": 21, "anidb": 69},
            network="Fuji TV",
            at=time(23, 15),
            airing=_Airing(episode_count=1160, aired=1150, days_ahead=3),
            genres=("action", "adventure", "comedy"),
            rank=20,
            rating=8.7,
            votes=30_211,
        ),
        anime(
            2133914,
            "Sousou no Frieren",
            2023,
            {"imdb": "tt22248376", "tmdb": 209867, "tvdb": 424536, "mal": 52991, "anidb": 17617},
            network="Nippon TV",
            at=time(23, 0),
            first=date(2023, 9, 29),
            count=28,
            en_title="Frieren: Beyond Journey's End",
            ended=True,
            genres=("adventure", "drama", "fantasy"),
            rank=1,
            rating=9.2,
            votes=25_160,
        ),
        anime(
            2494385,
            "Sousou no Frieren 2nd Season",
            2026,
            {"mal": 59978, "anidb": 18867},
            network="Nippon TV",
            at=time(23, 0),
            airing=_Airing(episode_count=10, aired=6, days_ahead=2),
            en_title="Frieren: Beyond Journey's End Season 2",
            genres=("adventure", "drama", "fantasy"),
            rank=4,
            rating=9.0,
            votes=6_032,
        ),
        anime(
            2239716,
            "Dandadan",
            2024,
            {"imdb": "tt30217403", "tmdb": 240411, "tvdb": 443434, "mal": 57334, "anidb": 18290},
            network="MBS",
            at=time(0, 26),
            first=date(2024, 10, 4),
            count=12,
            en_title="Dan Da Dan",
            ended=True,
            genres=("action", "comedy", "supernatural"),
            rank=30,
            rating=8.5,
            votes=12_004,
        ),
        anime(
            2473210,
            "Dandadan 2nd Season",
            2025,
            {"mal": 60543, "anidb": 19060},
            network="MBS",
            at=time(0, 26),
            airing=_Airing(episode_count=12, aired=7, days_ahead=5),
            en_title="Dan Da Dan Season 2",
            genres=("action", "comedy", "supernatural"),
            rank=45,
            rating=8.4,
            votes=4_880,
        ),
        anime(
            1206393,
            "Jujutsu Kaisen",
            2020,
            {"imdb": "tt12343534", "tmdb": 95479, "tvdb": 377543, "mal": 40748, "anidb": 15275},
            network="MBS",
            at=time(1, 25),
            first=date(2020, 10, 3),
            count=24,
            ended=True,
            genres=("action", "fantasy"),
            rank=38,
            rating=8.5,
            votes=21_377,
        ),
        anime(
            37078,
            "Cowboy Bebop",
            1998,
            {"imdb": "tt0213338", "tmdb": 30991, "tvdb": 76885, "mal": 1, "anidb": 23},
            network="TV Tokyo",
            at=time(18, 0),
            first=date(1998, 4, 3),
            count=26,
            ended=True,
            genres=("action", "science-fiction"),
            rank=9,
            rating=8.8,
            votes=19_654,
        ),
        anime(
            556932,
            "Kimi no Na wa.",
            2016,
            {"imdb": "tt5311514", "tmdb": 372058, "mal": 32281, "anidb": 11829},
            network="Toho",
            at=time(0, 0),
            first=date(2016, 8, 26),
            count=1,
            en_title="Your Name.",
            anime_type="movie",
            runtime=106,
            ended=True,
            genres=("drama", "romance", "supernatural"),
            rank=6,
            rating=8.9,
            votes=17_210,
            fanart=None,
        ),
        movie(
            475479,
            "Inception",
            2010,
            {"imdb": "tt1375666", "tmdb": 27205},
            runtime=148,
            released=date(2010, 7, 16),
            genres=("action", "science-fiction", "thriller"),
            certification="PG-13",
            rank=14,
            rating=8.7,
            votes=58_002,
        ),
        movie(
            53992,
            "The Matrix",
            1999,
            {"imdb": "tt0133093", "tmdb": 603},
            runtime=136,
            released=date(1999, 3, 31),
            genres=("action", "science-fiction"),
            certification="R",
            rank=18,
            rating=8.6,
            votes=52_115,
        ),
        movie(
            465519,
            "Interstellar",
            2014,
            {"imdb": "tt0816692", "tmdb": 157336},
            runtime=169,
            released=date(2014, 11, 7),
            genres=("adventure", "drama", "science-fiction"),
            certification="PG-13",
            rank=11,
            rating=8.7,
            votes=55_370,
        ),
        movie(
            2020815,
            "Dune: Part Two",
            2024,
            {"imdb": "tt15239678", "tmdb": 693134},
            runtime=166,
            released=date(2024, 3, 1),
            genres=("action", "adventure", "science-fiction"),
            certification="PG-13",
            rank=22,
            rating=8.5,
            votes=23_947,
        ),
        movie(
            2134550,
            "Project Hail Mary",
            project_hail_mary.year,
            {"imdb": "tt12042730", "tmdb": 687163},
            runtime=156,
            released=project_hail_mary,
            genres=("adventure", "science-fiction"),
            certification="PG-13",
            rating=0.0,
            votes=0,
        ),
        movie(
            2543190,
            "The Odyssey",
            the_odyssey.year,
            {"imdb": "tt33764258", "tmdb": 1368337},
            runtime=170,
            released=the_odyssey,
            genres=("action", "adventure", "fantasy"),
            rating=0.0,
            votes=0,
            poster=None,
            fanart=None,
        ),
    ]


# --- Synthetic catalogue --------------------------------------------------------------------

_ADJECTIVES = (
    "Silent", "Crimson", "Hidden", "Golden", "Broken", "Endless", "Electric", "Northern",
    "Secret", "Iron", "Midnight", "Paper", "Glass", "Savage", "Quiet", "Burning",
)  # fmt: skip
_NOUNS = (
    "Harbor", "Empire", "Signal", "Garden", "Frontier", "Protocol", "Orchard", "Kingdom",
    "Circuit", "Horizon", "Lantern", "Archive", "Voyage", "Meridian", "Cascade", "Dynasty",
)  # fmt: skip
_YEAR = timedelta(days=365)
_ANIME_TYPES = ("tv", "tv", "tv", "tv", "ona", "ova", "special", "movie")


def _synthetic_item(rng: random.Random, serial: int, now: datetime) -> CatalogItem:
    """Return one generated item: ended (70 %), on air (20 %) or not yet started (10 %)."""
    roll = rng.random()
    kind: MediaKind = "tv" if roll < 0.45 else "anime" if roll < 0.75 else "movie"
    title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {serial}"
    simkl_id = SYNTHETIC_ID_BASE + serial
    ids: dict[str, str | int] = {"imdb": f"tt{80_000_000 + serial}", "tmdb": 5_000_000 + serial}
    if kind == "movie":
        released = now.date() + timedelta(
            days=rng.randint(1, 60) if rng.random() < 0.05 else -rng.randint(0, 15_000)
        )
        return CatalogItem(
            simkl_id=simkl_id,
            kind=kind,
            title=title,
            year=released.year,
            ids=ids,
            runtime=rng.randint(80, 180),
            timezone="America/New_York",
            released=released,
            rating=round(rng.uniform(5, 9), 1),
            votes=rng.randint(10, 50_000),
        )
    if kind == "tv":
        ids["tvdb"] = 9_000_000 + serial
        tz, at, runtime = "America/New_York", time(rng.randint(19, 22), 0), rng.choice((22, 45, 60))
        counts = [rng.randint(6, 22) for _ in range(rng.randint(1, 6))]
        anime_type = None
    else:
        ids["mal"] = 200_000 + serial
        ids["anidb"] = 100_000 + serial
        tz, at, runtime = "Asia/Tokyo", time(rng.choice((22, 23, 0, 1)), 30), 24
        anime_type = rng.choice(_ANIME_TYPES)
        counts = [1 if anime_type == "movie" else rng.choice((1, 2, 6, 12, 13, 24, 25, 26, 50))]
    phase = rng.random()
    local = zone(tz)
    local_today = now.astimezone(local).date()
    if phase < 0.7:
        # Ended: the last episode aired up to eight years ago.
        last_first = local_today - timedelta(days=rng.randint(1, 3_000) + 7 * counts[-1])
    elif phase < 0.9:
        next_air = local_today + timedelta(days=rng.randint(1, 6))
        last_first = next_air - WEEK * rng.randint(0, counts[-1] - 1)
    else:
        counts = counts[:1]
        last_first = local_today + timedelta(days=rng.randint(1, 40))
    last_start = datetime.combine(last_first, at, local)
    # Earlier seasons start a year apart; no season is longer than 50 weeks, so none overlap.
    plans = tuple(
        SeasonPlan(number, count, last_start - _YEAR * (len(counts) - number))
        for number, count in enumerate(counts, start=1)
    )
    first_air = plans[0].first_air
    return CatalogItem(
        simkl_id=simkl_id,
        kind=kind,
        title=title,
        year=first_air.year,
        ids=ids,
        runtime=runtime,
        network="Synthetic TV" if kind == "tv" else "Synthetic Studio",
        timezone=tz,
        seasons=plans,
        ended=phase < 0.7,
        anime_type=anime_type,
        country="us" if kind == "tv" else "jp",
        rating=round(rng.uniform(5, 9), 1),
        votes=rng.randint(10, 50_000),
    )
