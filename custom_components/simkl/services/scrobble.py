"""The scrobble action: a request built from the call and the player, labelled, then queued.

Explicit fields win over the player, so an automation can add ids or fix the type. Players
clear their item when they stop, so the action remembers the last item read from each player
(in memory) for the stop event.
"""

from collections.abc import Mapping
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..api import (
    Ids,
    MediaType,
    ScrobbleAction,
    ScrobbleRequest,
    ScrobbleResult,
)
from ..const import DOMAIN
from ..player_match import Title
from ..player_reading import PlayerReading, read_player
from ..write_queue import WriteOutcome, async_get_write_queue_of_call
from ..write_store import ScrobbleWrite
from .common import check_season_given, describe_item, known_title, no_item_error, write_status
from .schemas import (
    ATTR_ACTION,
    ATTR_EPISODE,
    ATTR_IDS,
    ATTR_PROGRESS,
    ATTR_SEASON,
    ATTR_TITLE,
    ATTR_TYPE,
    ATTR_YEAR,
)

_PLAYER_READINGS: HassKey[dict[str, PlayerReading]] = HassKey(f"{DOMAIN}_player_readings")


def _reading_of_entity(
    hass: HomeAssistant, entity_id: str, action: ScrobbleAction
) -> PlayerReading:
    """Read the player, or what it played last when it already stopped."""
    state = hass.states.get(entity_id)
    if state is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entity_not_found",
            translation_placeholders={"entity_id": entity_id},
        )
    unavailable = state.state == STATE_UNAVAILABLE
    reading = None if unavailable else read_player(state)
    remembered = hass.data.setdefault(_PLAYER_READINGS, {})
    if action is ScrobbleAction.STOP:
        # Players clear their item when playback ends; some (Jellyfin) become unavailable.
        last = remembered.pop(entity_id, None)
        reading = reading or last
    elif reading is not None:
        remembered[entity_id] = reading
    if reading is not None:
        return reading
    if unavailable:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entity_unavailable",
            translation_placeholders={"entity_id": entity_id},
        )
    raise _not_identifiable(entity_id)


def _not_identifiable(entity_id: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="player_not_identifiable",
        translation_placeholders={"entity_id": entity_id},
    )


def check_progress(progress: float) -> None:
    """Reject a progress outside 0-100 %."""
    if not 0 <= progress <= 100:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="progress_out_of_range",
            translation_placeholders={"progress": f"{progress:g}"},
        )


def build_scrobble_request(
    hass: HomeAssistant, fields: Mapping[str, Any], action: ScrobbleAction
) -> ScrobbleRequest:
    """Build the request of a `simkl.scrobble` call, or raise ServiceValidationError."""
    entity_id: str | None = fields.get(ATTR_ENTITY_ID)
    reading = _reading_of_entity(hass, entity_id, action) if entity_id is not None else None
    explicit_progress: float | None = fields.get(ATTR_PROGRESS)
    if explicit_progress is not None:
        check_progress(explicit_progress)
    ids = {**(reading.ids if reading else {}), **fields.get(ATTR_IDS, {})}
    title: str | None = fields.get(ATTR_TITLE) or (reading.title if reading else None)
    season: int | None = fields.get(ATTR_SEASON, reading.season if reading else None)
    episode: int | None = fields.get(ATTR_EPISODE, reading.episode if reading else None)
    media_type = MediaType.parse(fields.get(ATTR_TYPE)) or (reading.media_type if reading else None)
    if reading is None and media_type is None:
        # Explicit fields: an episode number means a show, anything else a movie.
        media_type = MediaType.SHOWS if episode is not None else MediaType.MOVIES
    if entity_id is not None and (
        media_type is None
        or (media_type is MediaType.SHOWS and episode is None)
        or not (ids or title)
    ):
        # Not a movie or an episode (a track, a channel, a home video), or nothing to match.
        raise _not_identifiable(entity_id)
    if media_type is None or not (ids or title):
        raise no_item_error()
    if media_type is MediaType.SHOWS and episode is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="episode_required")
    if episode is not None:
        check_season_given(media_type, season, str(episode))
    progress = explicit_progress
    if progress is None and reading is not None:
        progress = reading.progress(dt_util.utcnow())
    return ScrobbleRequest(
        media_type=media_type,
        ids=Ids.from_dict(ids),
        title=title,
        year=fields.get(ATTR_YEAR, reading.year if reading else None),
        season=season if media_type is not MediaType.MOVIES else None,
        episode=episode if media_type is not MediaType.MOVIES else None,
        progress=progress,
    )


async def async_scrobble(call: ServiceCall) -> ServiceResponse:
    writes = await async_get_write_queue_of_call(call)
    action: ScrobbleAction = call.data[ATTR_ACTION]
    request = build_scrobble_request(call.hass, call.data, action)
    write = ScrobbleWrite(
        action=action,
        request=request,
        label=describe_item(
            writes.entry,
            request,
            request.season,
            [request.episode] if request.episode is not None else None,
        ),
    )
    outcome = await writes.async_submit(write)
    known = None if request.title else known_title(writes.entry, request.ids)
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
        "status": write_status(outcome),
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
