"""The demo catalogue's anime: late nights in Tokyo, a different UTC date."""

from datetime import date, datetime, time
from typing import Any

from tests.fake_simkl.titles import CatalogItem

from .airing import TOKYO, Airing, aired_item


def _anime(
    anchor: datetime,
    simkl_id: int,
    title: str,
    year: int,
    ids: dict[str, str | int],
    *,
    at: time,
    first: date | None = None,
    count: int = 0,
    **extra: Any,
) -> CatalogItem:
    """An anime airing weekly in Tokyo: a TV series of 24-minute episodes unless told."""
    past = [] if first is None else [(first, count, 7)]
    fields: dict[str, Any] = {"runtime": 24, "country": "jp", "anime_type": "tv"} | extra
    return aired_item(
        anchor, simkl_id, title, year, ids, kind="anime", tz=TOKYO, at=at, past=past, **fields
    )


def demo_anime(anchor: datetime) -> list[CatalogItem]:
    """Return the demo anime, with air dates around ``anchor``."""
    return [
        _anime(
            anchor,
            38636,
            "One Piece",
            1999,
            {"imdb": "tt0388629", "tmdb": 37854, "tvdb": 81797, "mal": 21, "anidb": 69},
            network="Fuji TV",
            at=time(23, 15),
            airing=Airing(episode_count=1160, aired=1150, days_ahead=3),
            genres=("action", "adventure", "comedy"),
            rank=20,
            rating=8.7,
            votes=30_211,
        ),
        _anime(
            anchor,
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
        _anime(
            anchor,
            2494385,
            "Sousou no Frieren 2nd Season",
            2026,
            {"mal": 59978, "anidb": 18867},
            network="Nippon TV",
            at=time(23, 0),
            airing=Airing(episode_count=10, aired=6, days_ahead=2),
            en_title="Frieren: Beyond Journey's End Season 2",
            genres=("adventure", "drama", "fantasy"),
            rank=4,
            rating=9.0,
            votes=6_032,
        ),
        _anime(
            anchor,
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
        _anime(
            anchor,
            2473210,
            "Dandadan 2nd Season",
            2025,
            {"mal": 60543, "anidb": 19060},
            network="MBS",
            at=time(0, 26),
            airing=Airing(episode_count=12, aired=7, days_ahead=5),
            en_title="Dan Da Dan Season 2",
            genres=("action", "comedy", "supernatural"),
            rank=45,
            rating=8.4,
            votes=4_880,
        ),
        _anime(
            anchor,
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
        _anime(
            anchor,
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
        _anime(
            anchor,
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
    ]
