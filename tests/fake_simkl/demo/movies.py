"""The demo catalogue's movies, two of them out within the calendar window."""

from datetime import date, datetime, timedelta
from typing import Any

from tests.fake_simkl.titles import CatalogItem, zone

from .airing import NEW_YORK


def _movie(
    anchor: datetime,
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
        timezone=NEW_YORK,
        released=released,
        **extra,
    )


def demo_movies(anchor: datetime) -> list[CatalogItem]:
    """Return the demo movies; two come out nine and twenty days after ``anchor``."""
    today = anchor.astimezone(zone(NEW_YORK)).date()
    project_hail_mary = today + timedelta(days=9)
    the_odyssey = today + timedelta(days=20)
    return [
        _movie(
            anchor,
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
        _movie(
            anchor,
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
        _movie(
            anchor,
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
        _movie(
            anchor,
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
        _movie(
            anchor,
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
        _movie(
            anchor,
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
