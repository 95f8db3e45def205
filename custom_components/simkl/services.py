"""Actions of the Simkl integration, for automations and scripts.

Writes (scrobble, history, ratings, lists) go through the account's write queue and answer
whether Simkl accepted them or they are queued; reads (search, statistics) call Simkl
directly. Every action takes an optional `config_entry_id`, needed only with several accounts.
"""

from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
import probatio as vol

from .api import (
    POSTER_MEDIUM,
    FileMatch,
    Ids,
    ImageKind,
    ListStatus,
    MediaType,
    ScrobbleAction,
    ScrobbleRequest,
    ScrobbleResult,
    SearchResult,
    SimklAuthenticationError,
    SimklClient,
    SimklError,
    SimklNotFoundError,
    SyncEpisodeNumber,
    SyncItem,
    SyncRequest,
    SyncResult,
    SyncSeason,
)
from .const import DOMAIN, MAX_UPCOMING_DAYS, MIN_UPCOMING_DAYS, MOVIE_LISTS
from .library import episode_code, web_url
from .scrobble import (
    ACTION_MEDIA_TYPES,
    ATTR_EPISODE,
    ATTR_IDS,
    ATTR_PROGRESS,
    ATTR_SEASON,
    ATTR_TITLE,
    ATTR_TYPE,
    ATTR_YEAR,
    ITEM_TYPES,
    build_scrobble_request,
    check_season_given,
    no_item_error,
)
from .write_queue import WriteOutcome, async_get_write_queue_of_call
from .write_store import ScrobbleWrite, SyncEndpoint, SyncWrite

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from homeassistant.helpers.typing import VolDictType
    from homeassistant.util.json import JsonValueType

    from .data import SimklConfigEntry
    from .player_match import Title

SERVICE_SCROBBLE: Final = "scrobble"
SERVICE_MARK_WATCHED: Final = "mark_watched"
SERVICE_MARK_UNWATCHED: Final = "mark_unwatched"
SERVICE_RATE: Final = "rate"
SERVICE_UNRATE: Final = "unrate"
SERVICE_SET_STATUS: Final = "set_status"
SERVICE_SEARCH: Final = "search"
SERVICE_GET_STATISTICS: Final = "get_statistics"
SERVICE_GET_UPCOMING: Final = "get_upcoming"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_ACTION: Final = "action"
ATTR_EPISODES: Final = "episodes"
ATTR_WATCHED_AT: Final = "watched_at"
ATTR_RATING: Final = "rating"
ATTR_STATUS: Final = "status"
ATTR_QUERY: Final = "query"
ATTR_FILE: Final = "file"
ATTR_LIMIT: Final = "limit"
ATTR_DAYS: Final = "days"
ATTR_MEDIA_TYPES: Final = "media_types"

# Id kinds Simkl resolves (reference §1.7).
ID_KINDS: Final = (
    "simkl",
    "imdb",
    "tmdb",
    "tvdb",
    "mal",
    "anidb",
    "anilist",
    "kitsu",
    "anisearch",
    "livechart",
    "animeplanet",
    "letterboxd",
    "traktslug",
    "netflix",
    "crunchyroll",
    "hulu",
)
IDS_SCHEMA: Final = vol.Schema({vol.In(ID_KINDS): vol.Any(cv.positive_int, cv.string)})

ACCOUNT_FIELDS: Final[VolDictType] = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
ITEM_NAME_FIELDS: Final[VolDictType] = {
    vol.Optional(ATTR_IDS): IDS_SCHEMA,
    vol.Optional(ATTR_TITLE): cv.string,
    vol.Optional(ATTR_YEAR): cv.positive_int,
}
ITEM_FIELDS: Final[VolDictType] = {
    **ACCOUNT_FIELDS,
    vol.Required(ATTR_TYPE): vol.All(vol.In(ITEM_TYPES), MediaType.parse),
    **ITEM_NAME_FIELDS,
}
EPISODE_FIELDS: Final[VolDictType] = {
    vol.Optional(ATTR_SEASON): cv.positive_int,
    vol.Optional(ATTR_EPISODES): vol.All(cv.ensure_list, [cv.positive_int]),
}

ACCOUNT_SCHEMA: Final = vol.Schema(ACCOUNT_FIELDS)
SCROBBLE_SCHEMA: Final = vol.Schema(
    {
        **ACCOUNT_FIELDS,
        vol.Required(ATTR_ACTION): vol.Coerce(ScrobbleAction),
        vol.Optional(ATTR_ENTITY_ID): cv.entity_domain("media_player"),
        vol.Optional(ATTR_TYPE): vol.All(vol.In(ITEM_TYPES), MediaType.parse),
        **ITEM_NAME_FIELDS,
        vol.Optional(ATTR_SEASON): cv.positive_int,
        vol.Optional(ATTR_EPISODE): cv.positive_int,
        vol.Optional(ATTR_PROGRESS): vol.Coerce(float),
    }
)
MARK_WATCHED_SCHEMA: Final = vol.Schema(
    {**ITEM_FIELDS, **EPISODE_FIELDS, vol.Optional(ATTR_WATCHED_AT): cv.datetime}
)
MARK_UNWATCHED_SCHEMA: Final = vol.Schema({**ITEM_FIELDS, **EPISODE_FIELDS})
RATE_SCHEMA: Final = vol.Schema({**ITEM_FIELDS, vol.Required(ATTR_RATING): vol.Coerce(int)})
UNRATE_SCHEMA: Final = vol.Schema(ITEM_FIELDS)
SET_STATUS_SCHEMA: Final = vol.Schema(
    {**ITEM_FIELDS, vol.Required(ATTR_STATUS): vol.Coerce(ListStatus)}
)
SEARCH_SCHEMA: Final = vol.Schema(
    {
        **ACCOUNT_FIELDS,
        vol.Exclusive(ATTR_QUERY, "search term"): cv.string,
        vol.Exclusive(ATTR_IDS, "search term"): IDS_SCHEMA,
        vol.Exclusive(ATTR_FILE, "search term"): cv.string,
        vol.Optional(ATTR_TYPE): vol.All(vol.In(ITEM_TYPES), MediaType.parse),
        vol.Optional(ATTR_LIMIT, default=10): vol.All(vol.Coerce(int), vol.Range(min=1, max=50)),
    }
)
GET_UPCOMING_SCHEMA: Final = vol.Schema(
    {
        **ACCOUNT_FIELDS,
        vol.Optional(ATTR_DAYS): vol.All(
            vol.Coerce(int), vol.Range(min=MIN_UPCOMING_DAYS, max=MAX_UPCOMING_DAYS)
        ),
        vol.Optional(ATTR_MEDIA_TYPES, default=list(MediaType)): vol.All(
            cv.ensure_list, [vol.Coerce(MediaType)]
        ),
    }
)


def async_get_entry(call: ServiceCall) -> SimklConfigEntry:
    """Return the loaded account an action names; the only one when it names none."""
    entry: SimklConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID)
    )
    return entry


@contextmanager
def simkl_read_errors(hass: HomeAssistant, entry: SimklConfigEntry) -> Iterator[None]:
    """Turn errors of a read into action errors; a refused token starts re-linking."""
    try:
        yield
    except SimklAuthenticationError as err:
        entry.async_start_reauth(hass)
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="auth_failed") from err
    except SimklError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="request_failed",
            translation_placeholders={"error": str(err)},
        ) from err


# --- items -------------------------------------------------------------------------------------


def _describe_item(
    entry: SimklConfigEntry,
    item: SyncItem | ScrobbleRequest,
    season: int | None = None,
    episodes: list[int] | None = None,
) -> str:
    """Name an item for the user, e.g. `Dark (2017) S01E02`.

    An item named by ids alone takes its title from the library or the titles resolved for
    the account's players; only an item found in neither is named by its ids.
    """
    if item.title:
        name = f"{item.title} ({item.year})" if item.year else item.title
    elif (known := _known_title(entry, item.ids)) is not None:
        name = known.name
    else:
        name = " ".join(f"{kind} {value}" for kind, value in item.ids.to_dict().items())
    if episodes:
        return f"{name} {', '.join(episode_code(season, number) for number in episodes)}"
    if season is not None:
        return f"{name} S{season:02d}"
    return name


def _known_title(entry: SimklConfigEntry, ids: Ids) -> Title | None:
    """The library's or the resolved titles' name for ids, while the entry is loaded."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return entry.runtime_data.titles.name_of(ids)


def _item_from_call(call: ServiceCall, **fields: Any) -> SyncItem:
    """Build the item a library action names; raises when it names none."""
    ids = Ids.from_dict(call.data.get(ATTR_IDS, {}))
    title: str | None = call.data.get(ATTR_TITLE)
    if not title and not ids.to_dict():
        raise no_item_error()
    return SyncItem(ids=ids, title=title, year=call.data.get(ATTR_YEAR), **fields)


def _utc(value: datetime) -> datetime:
    """Action datetimes without a zone are Home Assistant's local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(value)


async def _async_submit(
    call: ServiceCall, endpoint: SyncEndpoint, item: SyncItem, label: str
) -> ServiceResponse:
    """Send a library change of the item the call names, or queue it."""
    write = SyncWrite(
        endpoint=endpoint, request=SyncRequest.of(call.data[ATTR_TYPE], item), label=label
    )
    outcome = await (await async_get_write_queue_of_call(call)).async_submit(write)
    response: dict[str, Any] = {"status": _status(outcome), "item": write.label}
    if isinstance(outcome.result, SyncResult):
        response["added"] = outcome.result.added
        response["deleted"] = outcome.result.deleted
        if outcome.result.not_found_count:
            # Simkl took the rest of the change.
            response["not_found"] = {
                section: entries for section, entries in outcome.result.not_found.items() if entries
            }
    return response


def _status(outcome: WriteOutcome) -> str:
    return "sent" if outcome.sent else "queued"


# --- write actions ------------------------------------------------------------------------------


async def _async_scrobble(call: ServiceCall) -> ServiceResponse:
    writes = await async_get_write_queue_of_call(call)
    action: ScrobbleAction = call.data[ATTR_ACTION]
    request = build_scrobble_request(call.hass, call.data, action)
    write = ScrobbleWrite(
        action=action,
        request=request,
        label=_describe_item(
            writes.entry,
            request,
            request.season,
            [request.episode] if request.episode is not None else None,
        ),
    )
    outcome = await writes.async_submit(write)
    known = None if request.title else _known_title(writes.entry, request.ids)
    return _scrobble_response(write, outcome, known)


def _scrobble_response(
    write: ScrobbleWrite, outcome: WriteOutcome, known: Title | None
) -> dict[str, Any]:
    """Report what Simkl matched, or what was asked (named as `known`) without an answer."""
    result = outcome.result
    if isinstance(result, ScrobbleResult) and result.media is not None:
        episode = result.episode
        return {
            "status": "sent",
            "action": result.action,
            "progress": result.progress,
            "type": result.media_type.item_key if result.media_type else None,
            "title": result.media.title,
            "year": result.media.year,
            "ids": result.media.ids.to_dict(),
            "episode": {"season": episode.season, "number": episode.number, "title": episode.title}
            if episode is not None
            else None,
        }
    request = write.request
    action = str(write.action)
    if outcome.sent and write.action is ScrobbleAction.STOP:
        # Simkl answered 409: it had already recorded this stop as watched.
        action = "scrobble"
    return {
        "status": _status(outcome),
        "action": action,
        "progress": request.progress,
        "type": request.media_type.item_key,
        "title": request.title or (known.title if known else None),
        "year": request.year or (known.year if known else None),
        "ids": request.ids.to_dict(),
        "episode": {"season": request.season, "number": request.episode, "title": None}
        if request.episode is not None
        else None,
    }


async def _async_mark(call: ServiceCall, endpoint: SyncEndpoint) -> ServiceResponse:
    media_type: MediaType = call.data[ATTR_TYPE]
    season: int | None = call.data.get(ATTR_SEASON)
    episodes: list[int] = call.data.get(ATTR_EPISODES, [])
    watched_at: datetime | None = None
    if endpoint is SyncEndpoint.ADD_TO_HISTORY:
        # Stamped now, so a write that waits in the queue keeps the time it was made.
        watched_at = _utc(call.data.get(ATTR_WATCHED_AT, dt_util.utcnow()))
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
    label = _describe_item(entry, item, season, episodes)
    return await _async_submit(call, endpoint, item, label)


async def _async_rate(call: ServiceCall) -> ServiceResponse:
    rating: int = call.data[ATTR_RATING]
    if not 1 <= rating <= 10:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="rating_out_of_range",
            translation_placeholders={"rating": str(rating)},
        )
    item = _item_from_call(call, rating=rating, rated_at=dt_util.utcnow())
    label = _describe_item((await async_get_write_queue_of_call(call)).entry, item)
    return await _async_submit(call, SyncEndpoint.ADD_RATINGS, item, label)


async def _async_unrate(call: ServiceCall) -> ServiceResponse:
    item = _item_from_call(call)
    label = _describe_item((await async_get_write_queue_of_call(call)).entry, item)
    return await _async_submit(call, SyncEndpoint.REMOVE_RATINGS, item, label)


async def _async_set_status(call: ServiceCall) -> ServiceResponse:
    media_type: MediaType = call.data[ATTR_TYPE]
    status: ListStatus = call.data[ATTR_STATUS]
    if media_type is MediaType.MOVIES and status not in MOVIE_LISTS:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="status_not_for_movies",
            translation_placeholders={"status": status.value},
        )
    item = _item_from_call(call, to=status)
    label = _describe_item((await async_get_write_queue_of_call(call)).entry, item)
    return await _async_submit(call, SyncEndpoint.ADD_TO_LIST, item, label)


# --- read actions -------------------------------------------------------------------------------


def _search_hit(
    client: SimklClient,
    *,
    media_type: MediaType | None,
    title: str,
    year: int | None,
    ids: Ids,
    poster: str | None,
) -> dict[str, Any]:
    library_type = media_type or MediaType.MOVIES
    return {
        "type": library_type.item_key,
        "title": title,
        "year": year,
        "ids": ids.to_dict(),
        "poster": client.image_url(ImageKind.POSTER, poster, POSTER_MEDIUM),
        "url": web_url(library_type, ids.simkl, ids.slug) if ids.simkl is not None else None,
    }


def _search_result(client: SimklClient, hit: SearchResult) -> dict[str, Any]:
    return {
        **_search_hit(
            client,
            media_type=hit.media_type,
            title=hit.title,
            year=hit.year,
            ids=hit.ids,
            poster=hit.poster,
        ),
        "status": hit.status,
        "total_episodes": hit.total_episodes,
    }


def _file_result(client: SimklClient, match: FileMatch) -> list[dict[str, Any]]:
    if match.media is None:
        return []
    media = match.media
    hit = _search_hit(
        client,
        media_type=match.media_type,
        title=media.title,
        year=media.year,
        ids=media.ids,
        poster=media.poster,
    )
    episode = match.episode
    hit["episode"] = (
        {"season": episode.season, "number": episode.number, "title": episode.title}
        if episode is not None
        else None
    )
    return [hit]


async def _async_search(call: ServiceCall) -> ServiceResponse:
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


async def _async_get_statistics(call: ServiceCall) -> ServiceResponse:
    entry = async_get_entry(call)
    runtime = entry.runtime_data
    with simkl_read_errors(call.hass, entry):
        stats = await runtime.client.get_user_stats(runtime.coordinator.library.account.account_id)
    return stats.to_dict()


async def _async_get_upcoming(call: ServiceCall) -> ServiceResponse:
    """Return the episodes and releases of the next days, as the upcoming sensor lists them."""
    upcoming = async_get_entry(call).runtime_data.upcoming
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


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions; they check for a loaded account when called."""
    for name, handler, schema, supports_response in (
        (SERVICE_SCROBBLE, _async_scrobble, SCROBBLE_SCHEMA, SupportsResponse.OPTIONAL),
        (
            SERVICE_MARK_WATCHED,
            partial(_async_mark, endpoint=SyncEndpoint.ADD_TO_HISTORY),
            MARK_WATCHED_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (
            SERVICE_MARK_UNWATCHED,
            partial(_async_mark, endpoint=SyncEndpoint.REMOVE_FROM_HISTORY),
            MARK_UNWATCHED_SCHEMA,
            SupportsResponse.OPTIONAL,
        ),
        (SERVICE_RATE, _async_rate, RATE_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_UNRATE, _async_unrate, UNRATE_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_SET_STATUS, _async_set_status, SET_STATUS_SCHEMA, SupportsResponse.OPTIONAL),
        (SERVICE_SEARCH, _async_search, SEARCH_SCHEMA, SupportsResponse.ONLY),
        (SERVICE_GET_STATISTICS, _async_get_statistics, ACCOUNT_SCHEMA, SupportsResponse.ONLY),
        (SERVICE_GET_UPCOMING, _async_get_upcoming, GET_UPCOMING_SCHEMA, SupportsResponse.ONLY),
    ):
        hass.services.async_register(
            DOMAIN, name, handler, schema=schema, supports_response=supports_response
        )
