"""A generated catalogue of any size, for benchmarks: deterministic for a seed."""

from datetime import datetime, time, timedelta
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from .titles import SYNTHETIC_ID_BASE, WEEK, CatalogItem, MediaKind, SeasonPlan, zone

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


def synthetic_item(rng: random.Random, serial: int, now: datetime) -> CatalogItem:
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
