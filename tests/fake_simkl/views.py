"""JSON bodies of the fake Simkl API, shaped as Simkl documents them."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .library import iso

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .library import LibraryEntry, Playback
    from .state import FakeUser
    from .titles import CatalogItem, Episode, MediaKind

type Json = dict[str, Any]

# Buckets of /sync/all-items and /sync/ratings responses.
BUCKETS: dict[MediaKind, str] = {"tv": "shows", "anime": "anime", "movie": "movies"}
# Path segments of simkl.com pages and the ``endpoint_type`` of search results.
URL_SEGMENTS: dict[MediaKind, str] = {"tv": "tv", "anime": "anime", "movie": "movies"}
SIMKL_TYPES: dict[MediaKind, str] = {"tv": "tv", "anime": "anime", "movie": "movie"}


def item_key(item: CatalogItem) -> str:
    """Return the key a library item's metadata sits under: ``show`` (also anime) or ``movie``."""
    return "movie" if item.is_movie else "show"


def episode_code(item: CatalogItem, season: int, number: int) -> str:
    """Return ``S01E03`` for shows and ``E148`` for anime (AniDB numbering has no seasons)."""
    if item.kind == "anime":
        return f"E{number}"
    return f"S{season:02d}E{number:02d}"


def media(item: CatalogItem, *, runtime: bool = True) -> Json:
    """Return the ``show``/``movie`` object of library and ratings items."""
    body: Json = {"title": item.title, "poster": item.poster, "year": item.year}
    if runtime:
        body["runtime"] = item.runtime
    body["ids"] = item.external_ids()
    return body


def page_url(item: CatalogItem) -> str:
    """Return the item's simkl.com path."""
    return f"/{URL_SEGMENTS[item.kind]}/{item.simkl_id}/{item.slug}"


def episode_url(item: CatalogItem, season: int, number: int) -> str:
    """Return an episode's simkl.com path."""
    if item.kind == "anime":
        return f"{page_url(item)}/episode-{number}/"
    return f"{page_url(item)}/season-{season}/episode-{number}/"


def local_iso(item: CatalogItem, moment: datetime) -> str:
    """Return a broadcast time with the network's UTC offset, as schedules carry it."""
    return moment.astimezone(item.zone).isoformat()


def _seasons(entry: LibraryEntry, *, with_dates: bool) -> list[Json]:
    by_season: dict[int, list[Json]] = defaultdict(list)
    for (season, number), watched_at in sorted(entry.watched.items()):
        episode: Json = {"number": number}
        if with_dates:
            episode["watched_at"] = iso(watched_at)
        by_season[season].append(episode)
    return [{"number": season, "episodes": episodes} for season, episodes in by_season.items()]


def _next_info(entry: LibraryEntry, now: datetime) -> Json | None:
    key = entry.next_to_watch(now)
    episode = entry.item.episode(*key) if key is not None else None
    if episode is None:
        return None
    info: Json = {"title": episode.title}
    if entry.item.kind == "tv":
        info["season"] = episode.season
    info |= {"episode": episode.number, "date": iso(episode.aired_at)}
    return info


def library_item(
    entry: LibraryEntry,
    now: datetime,
    *,
    extended: str | None = None,
    episode_watched_at: bool = False,
    next_watch_info: bool = False,
) -> Json:
    """Return one item of ``/sync/all-items`` (and of ``/sync/ratings``)."""
    item = entry.item
    key = item_key(item)
    if extended == "simkl_ids_only":
        return {key: {"ids": {"simkl": item.simkl_id}}}
    if extended == "ids_only":
        return {key: {"ids": item.external_ids()}}
    body: Json = {
        "added_to_watchlist_at": iso(entry.added_at),
        "last_watched_at": iso(entry.last_watched_at),
        "user_rated_at": iso(entry.rated_at),
        "user_rating": entry.rating,
        "status": entry.status,
    }
    if not item.is_movie:
        last = entry.last_watched_key
        upcoming = entry.next_to_watch(now)
        total = item.total_episodes
        body |= {
            "last_watched": episode_code(item, *last) if last else None,
            "next_to_watch": episode_code(item, *upcoming) if upcoming else None,
            "watched_episodes_count": len(entry.watched),
            "total_episodes_count": total,
            "not_aired_episodes_count": total - item.aired_count(now),
        }
        if next_watch_info:
            body["next_to_watch_info"] = _next_info(entry, now)
    if item.kind == "anime":
        body["anime_type"] = item.anime_type
    body[key] = media(item)
    if extended in {"full", "full_anime_seasons"} and not item.is_movie:
        body["seasons"] = _seasons(entry, with_dates=episode_watched_at)
    return body


def playback(session: Playback) -> Json:
    """Return one item of ``/sync/playback``."""
    item = session.item
    body: Json = {
        "id": session.id,
        "progress": session.progress,
        "paused_at": iso(session.paused_at),
    }
    summary = {"title": item.title, "year": item.year, "ids": item.external_ids()}
    if session.season is None or session.number is None:
        return body | {"type": "movie", "movie": summary}
    episode = item.episode(session.season, session.number)
    return body | {
        "type": "episode",
        "episode": {
            "season": session.season,
            "episode": session.number,
            "number": session.number,
            "title": episode.title if episode else None,
            "tvdb_season": session.season,
            "tvdb_number": session.number,
        },
        "show": summary,
    }


def settings(user: FakeUser) -> Json:
    """Return the body of ``/users/settings``."""
    return {
        "user": {
            "name": user.name,
            "joined_at": iso(user.joined_at),
            "gender": user.gender,
            "avatar": user.avatar,
            "bio": user.bio,
            "loc": user.loc,
            "age": user.age,
        },
        "account": {"id": user.account_id, "timezone": user.timezone, "type": user.account_type},
        "connections": {"facebook": False, "twitter": False, "google": False},
    }


def _show_stats(entries: list[LibraryEntry], now: datetime) -> Json:
    body: Json = {"total_mins": sum(len(e.watched) * e.item.runtime for e in entries)}
    for status in ("watching", "hold", "plantowatch"):
        listed = [e for e in entries if e.status == status]
        left = {e: max(e.item.aired_count(now) - len(e.watched), 0) for e in listed}
        body[status] = {
            "watched_episodes_count": sum(len(e.watched) for e in listed),
            "count": len(listed),
            "left_to_watch_episodes": sum(left.values()),
            "left_to_watch_mins": sum(count * e.item.runtime for e, count in left.items()),
            "total_episodes_count": sum(e.item.total_episodes for e in listed),
        }
    completed = [e for e in entries if e.status == "completed"]
    body["completed"] = {
        "watched_episodes_count": sum(len(e.watched) for e in completed),
        "count": len(completed),
    }
    return body


def stats(entries: Iterable[LibraryEntry], now: datetime) -> Json:
    """Return the body of ``/users/{id}/stats``, computed from the library."""
    by_kind: dict[MediaKind, list[LibraryEntry]] = {"tv": [], "anime": [], "movie": []}
    for entry in entries:
        by_kind[entry.item.kind].append(entry)
    movies = by_kind["movie"]
    watched_movies = [e for e in movies if e.movie_watched_at is not None]
    movie_body: Json = {"total_mins": sum(e.item.runtime for e in watched_movies)}
    for status in ("plantowatch", "completed"):
        listed = [e for e in movies if e.status == status]
        movie_body[status] = {"mins": sum(e.item.runtime for e in listed), "count": len(listed)}
    week_ago = now - timedelta(days=7)
    last_week = {
        kind: sum(
            e.item.runtime
            for e in by_kind[kind]
            for moment in (e.watched.values() if kind != "movie" else [e.movie_watched_at])
            if moment is not None and moment >= week_ago
        )
        for kind in by_kind
    }
    tv, anime = _show_stats(by_kind["tv"], now), _show_stats(by_kind["anime"], now)
    return {
        "total_mins": movie_body["total_mins"] + tv["total_mins"] + anime["total_mins"],
        "movies": movie_body,
        "tv": tv,
        "anime": anime,
        "watched_last_week": {
            "total_mins": sum(last_week.values()),
            "movies_mins": last_week["movie"],
            "tv_mins": last_week["tv"],
            "anime_mins": last_week["anime"],
        },
    }


def _ratings(item: CatalogItem) -> Json:
    body: Json = {"simkl": {"rating": item.rating, "votes": item.votes}}
    if "imdb" in item.ids:
        body["imdb"] = {"rating": item.rating, "votes": item.votes * 20}
    if "mal" in item.ids:
        body["mal"] = {"rating": item.rating, "votes": item.votes * 10, "rank": item.rank}
    return body


def summary(item: CatalogItem, now: datetime) -> Json:
    """Return the body of ``/tv/{id}``, ``/anime/{id}`` or ``/movies/{id}``."""
    body: Json = {
        "title": item.title,
        "year": item.year,
        "type": "movie" if item.is_movie else "anime" if item.kind == "anime" else "show",
        "ids": item.external_ids(),
        "rank": item.rank,
        "poster": item.poster,
        "fanart": item.fanart,
        "runtime": item.runtime,
        "certification": item.certification,
        "overview": item.overview or f"{item.title} ({item.year}).",
        "genres": list(item.genres),
        "country": item.country,
        "ratings": _ratings(item),
        "trailers": [],
    }
    if item.is_movie:
        body |= {
            "released": item.released.isoformat() if item.released else None,
            "director": "",
            "budget": None,
            "revenue": None,
        }
        return body
    episodes = item.episodes
    if episodes:
        first, last = episodes[0].aired_at, episodes[-1].aired_at
        latest = item.seasons[-1].first_air
        body |= {
            "first_aired": iso(first),
            "last_aired": iso(last) if last <= now else None,
            "airs": {
                "day": latest.strftime("%A"),
                "time": latest.strftime("%H:%M"),
                "timezone": item.timezone,
            },
        }
    body |= {
        "total_episodes": item.total_episodes,
        "status": item.status(now),
        "network": item.network,
    }
    if item.kind == "anime":
        body |= {"anime_type": item.anime_type, "en_title": item.en_title}
    return body


def episodes(item: CatalogItem, now: datetime) -> list[Json]:
    """Return the body of ``/tv/episodes/{id}`` or ``/anime/episodes/{id}``."""
    body = []
    for episode in item.episodes:
        entry: Json = {"title": episode.title, "description": episode.description}
        if item.kind == "tv":
            entry["season"] = episode.season
        entry |= {
            "episode": episode.number,
            "type": "episode",
            "aired": episode.aired_at <= now,
            "img": episode.img,
            "date": local_iso(item, episode.aired_at),
            "ids": {"simkl_id": episode.simkl_id},
        }
        if item.kind == "anime":
            entry["tvdb"] = {"season": episode.season, "episode": episode.number}
        body.append(entry)
    return body


def calendar_entry(item: CatalogItem, episode: Episode | None) -> Json:
    """Return one entry of a v1 calendar file."""
    moment = episode.aired_at if episode is not None else item.release_at
    if moment is None:
        msg = f"{item.title} has no release date"
        raise ValueError(msg)
    ids: Json = {"simkl_id": item.simkl_id, "slug": item.slug}
    ids |= {key: item.ids[key] for key in ("tmdb", "imdb", "mal", "tvdb") if key in item.ids}
    body: Json = {
        "title": item.title,
        "poster": item.poster,
        "date": local_iso(item, moment),
        "release_date": moment.astimezone(item.zone).date().isoformat(),
        "rank": item.rank,
        "ratings": {"simkl": {"rating": item.rating, "votes": item.votes}},
        "url": page_url(item),
        "ids": ids,
    }
    if episode is not None:
        number: Json = {"episode": episode.number}
        if item.kind == "tv":
            number = {"season": episode.season} | number
        body["episode"] = number | {"url": episode_url(item, episode.season, episode.number)}
    if item.kind == "anime":
        body["anime_type"] = item.anime_type
    return body


def search_result(item: CatalogItem, now: datetime, *, full: bool) -> Json:
    """Return one item of ``/search/{type}``."""
    ids: Json = {"simkl_id": item.simkl_id, "slug": item.slug}
    if "tmdb" in item.ids:
        ids["tmdb"] = item.ids["tmdb"]
    body: Json = {
        "title": item.title,
        "year": item.year,
        "poster": item.poster,
        "endpoint_type": URL_SEGMENTS[item.kind],
        "ids": ids,
    }
    if item.kind == "anime":
        body |= {"title_en": item.en_title, "title_romaji": item.title, "type": item.anime_type}
    if full:
        body |= {
            "url": f"https://simkl.com{page_url(item)}",
            "rank": item.rank,
            "status": item.status(now),
            "ratings": _ratings(item),
            "all_titles": [title for title in (item.title, item.en_title) if title],
            "ep_count": item.total_episodes,
        }
    return body


def id_lookup_result(item: CatalogItem, now: datetime) -> Json:
    """Return one item of ``/search/id``."""
    body: Json = {
        "type": SIMKL_TYPES[item.kind],
        "title": item.title,
        "poster": item.poster,
        "year": item.year,
        "status": item.status(now),
        "ids": {"simkl": item.simkl_id, "slug": item.slug},
    }
    if not item.is_movie:
        body["total_episodes"] = item.total_episodes
    return body
