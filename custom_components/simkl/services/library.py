"""The library actions: mark watched or unwatched, rate, unrate, set a list status.

Each builds a sync write with its label and hands it to the account's write queue.
"""

from datetime import datetime
from typing import Any

from homeassistant.core import (
    ServiceCall,
    ServiceResponse,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from ..api import (
    Ids,
    ListStatus,
    MediaType,
    SyncEpisodeNumber,
    SyncItem,
    SyncRequest,
    SyncResult,
    SyncSeason,
)
from ..const import DOMAIN, MOVIE_LISTS
from ..write_queue import async_get_write_queue_of_call
from ..write_store import SyncEndpoint, SyncWrite
from .common import (
    check_season_given,
    describe_item,
    local_to_utc,
    no_item_error,
    write_status,
)
from .schemas import (
    ATTR_EPISODES,
    ATTR_IDS,
    ATTR_RATING,
    ATTR_SEASON,
    ATTR_STATUS,
    ATTR_TITLE,
    ATTR_TYPE,
    ATTR_WATCHED_AT,
    ATTR_YEAR,
)


def _item_from_call(call: ServiceCall, **fields: Any) -> SyncItem:
    """Build the item a library action names; raises when it names none."""
    ids = Ids.from_dict(call.data.get(ATTR_IDS, {}))
    title: str | None = call.data.get(ATTR_TITLE)
    if not title and not ids.to_dict():
        raise no_item_error()
    return SyncItem(ids=ids, title=title, year=call.data.get(ATTR_YEAR), **fields)


async def _async_submit(
    call: ServiceCall, endpoint: SyncEndpoint, item: SyncItem, label: str
) -> ServiceResponse:
    """Send a library change of the item the call names, or queue it."""
    write = SyncWrite(
        endpoint=endpoint, request=SyncRequest.of(call.data[ATTR_TYPE], item), label=label
    )
    outcome = await (await async_get_write_queue_of_call(call)).async_submit(write)
    response: dict[str, Any] = {"status": write_status(outcome), "item": write.label}
    if isinstance(outcome.result, SyncResult):
        response["added"] = outcome.result.added
        response["deleted"] = outcome.result.deleted
        if outcome.result.not_found_count:
            # Simkl took the rest of the change.
            response["not_found"] = outcome.result.not_found.to_dict()
    return response


async def async_mark(call: ServiceCall, endpoint: SyncEndpoint) -> ServiceResponse:
    media_type: MediaType = call.data[ATTR_TYPE]
    season: int | None = call.data.get(ATTR_SEASON)
    episodes: list[int] = call.data.get(ATTR_EPISODES, [])
    watched_at: datetime | None = None
    if endpoint is SyncEndpoint.ADD_TO_HISTORY:
        # Stamped now, so a write that waits in the queue keeps the time it was made.
        watched_at = local_to_utc(call.data.get(ATTR_WATCHED_AT, dt_util.utcnow()))
    if media_type is MediaType.MOVIES and (season is not None or episodes):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="movie_has_no_episodes"
        )
    if episodes:
        check_season_given(media_type, season, ", ".join(map(str, episodes)))
    numbers = [SyncEpisodeNumber(number=number, watched_at=watched_at) for number in episodes]
    if season is not None:
        item = _item_from_call(
            call,
            seasons=[
                SyncSeason(
                    number=season,
                    episodes=numbers,
                    watched_at=None if numbers else watched_at,
                )
            ],
            # An anime's seasons are only known in TVDB numbering; AniDB has none.
            use_tvdb_anime_seasons=media_type is MediaType.ANIME,
        )
    else:
        item = _item_from_call(call, episodes=numbers, watched_at=None if numbers else watched_at)
    entry = (await async_get_write_queue_of_call(call)).entry
    label = describe_item(entry, item, season, episodes)
    return await _async_submit(call, endpoint, item, label)


async def async_rate(call: ServiceCall) -> ServiceResponse:
    rating: int = call.data[ATTR_RATING]
    if not 1 <= rating <= 10:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="rating_out_of_range",
            translation_placeholders={"rating": str(rating)},
        )
    item = _item_from_call(call, rating=rating, rated_at=dt_util.utcnow())
    label = describe_item((await async_get_write_queue_of_call(call)).entry, item)
    return await _async_submit(call, SyncEndpoint.ADD_RATINGS, item, label)


async def async_unrate(call: ServiceCall) -> ServiceResponse:
    item = _item_from_call(call)
    label = describe_item((await async_get_write_queue_of_call(call)).entry, item)
    return await _async_submit(call, SyncEndpoint.REMOVE_RATINGS, item, label)


async def async_set_status(call: ServiceCall) -> ServiceResponse:
    media_type: MediaType = call.data[ATTR_TYPE]
    status: ListStatus = call.data[ATTR_STATUS]
    if media_type is MediaType.MOVIES and status not in MOVIE_LISTS:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="status_not_for_movies",
            translation_placeholders={"status": status.value},
        )
    item = _item_from_call(call, to=status)
    label = describe_item((await async_get_write_queue_of_call(call)).entry, item)
    return await _async_submit(call, SyncEndpoint.ADD_TO_LIST, item, label)
