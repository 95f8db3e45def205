"""The read actions: search, statistics and the upcoming episodes."""

from datetime import timedelta
from typing import Any

from homeassistant.core import (
    ServiceCall,
    ServiceResponse,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from ..api import (
    POSTER_MEDIUM,
    FileMatch,
    ImageKind,
    MediaInfo,
    MediaType,
    SearchResult,
    SimklClient,
    SimklNotFoundError,
)
from ..const import DOMAIN
from ..errors import simkl_read_errors
from ..library import web_url
from .common import async_get_entry
from .schemas import (
    ACTION_MEDIA_TYPES,
    ATTR_DAYS,
    ATTR_FILE,
    ATTR_IDS,
    ATTR_LIMIT,
    ATTR_MEDIA_TYPES,
    ATTR_QUERY,
    ATTR_TYPE,
)


def _search_hit(
    client: SimklClient, media_type: MediaType | None, media: SearchResult | MediaInfo
) -> dict[str, Any]:
    """Describe a title as search answers list it (a hit without a type is a movie)."""
    library_type = media_type or MediaType.MOVIES
    ids = media.ids
    return {
        "type": library_type.item_key,
        "title": media.title,
        "year": media.year,
        "ids": ids.to_dict(),
        "poster": client.image_url(ImageKind.POSTER, media.poster, POSTER_MEDIUM),
        "url": web_url(library_type, ids.simkl, ids.slug) if ids.simkl is not None else None,
    }


def _search_result(client: SimklClient, hit: SearchResult) -> dict[str, Any]:
    return {
        **_search_hit(client, hit.media_type, hit),
        "status": hit.status,
        "total_episodes": hit.total_episodes,
    }


def _file_result(client: SimklClient, match: FileMatch) -> list[dict[str, Any]]:
    if match.media is None:
        return []
    hit = _search_hit(client, match.media_type, match.media)
    episode = match.episode
    hit["episode"] = (
        {"season": episode.season, "number": episode.number, "title": episode.title}
        if episode is not None
        else None
    )
    return [hit]


async def async_search(call: ServiceCall) -> ServiceResponse:
    entry = async_get_entry(call)
    client = entry.runtime_data.client
    media_type: MediaType | None = call.data.get(ATTR_TYPE)
    limit: int = call.data[ATTR_LIMIT]
    query: str | None = call.data.get(ATTR_QUERY)
    ids: dict[str, str | int] | None = call.data.get(ATTR_IDS)
    file: str | None = call.data.get(ATTR_FILE)
    if query is None and ids is None and file is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_search_term")
    results: list[JsonValueType] = []
    with simkl_read_errors(call.hass, entry):
        try:
            if query is not None:
                kinds = [media_type] if media_type is not None else ACTION_MEDIA_TYPES
                for kind in kinds:
                    hits = await client.search_text(kind, query, limit=limit)
                    results.extend(_search_result(client, hit) for hit in hits)
            elif ids is not None:
                hits = await client.search_id(ids, media_type=media_type)
                results.extend(_search_result(client, hit) for hit in hits[:limit])
            elif file is not None:
                results.extend(_file_result(client, await client.search_file(file)))
        except SimklNotFoundError:
            # Simkl answers some lookups of unknown ids and files with 404: no matches.
            results = []
    return {"results": results}


async def async_get_statistics(call: ServiceCall) -> ServiceResponse:
    entry = async_get_entry(call)
    runtime = entry.runtime_data
    with simkl_read_errors(call.hass, entry):
        stats = await runtime.client.get_user_stats(runtime.library.current.account.account_id)
    return stats.to_dict()


async def async_get_upcoming(call: ServiceCall) -> ServiceResponse:
    """Return the episodes and releases of the next days, as the upcoming sensor lists them."""
    upcoming = async_get_entry(call).runtime_data.calendar
    days = call.data.get(ATTR_DAYS)
    now = dt_util.utcnow()
    until = now + (timedelta(days=days) if days is not None else upcoming.upcoming_days)
    media_types = set(call.data[ATTR_MEDIA_TYPES])
    items: list[JsonValueType] = [
        item.as_dict()
        for item in await upcoming.async_get_items(now, until)
        if item.media_type in media_types
    ]
    return {"items": items}
