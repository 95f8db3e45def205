"""Sensors of a linked Simkl account: list sizes, what to watch next, paused playback, totals.

Every value is computed from the synced library; no sensor makes an API call.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import Platform, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import json_bytes
from homeassistant.util import dt as dt_util

from .api import (
    ListStatus,
    MediaType,
)
from .card import (
    NEXT_TO_WATCH_CARD_DEFAULTS,
    UPCOMING_CARD_DEFAULTS,
    next_to_watch_card_item,
    upcoming_card_item,
)
from .const import CONF_LISTS, DEFAULT_LISTS, MOVIE_LISTS
from .entity import SimklEntity, selected_media_types
from .library import episode_code
from .library_view import LibraryView
from .watching import shared_up_next_list

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .data import SimklConfigEntry

# Coordinator entities: the coordinator serialises the updates.
PARALLEL_UPDATES = 0

ATTR_ITEMS: Final = "items"
ATTR_DATA: Final = "data"
# The recorder refuses attribute sets over 16 KiB; the listed items stop before the whole
# set of a state (with the names and units Home Assistant adds) would come near that.
ATTRIBUTES_MAX_BYTES: Final = 14 * 1024
# Lists that few people keep up to date: their sensors start disabled.
_RARE_LISTS: Final = frozenset({ListStatus.HOLD, ListStatus.DROPPED})
_EPISODIC: Final = frozenset({MediaType.SHOWS, MediaType.ANIME})


def fit_listing(
    rows: Iterable[dict[str, Any]], listing: dict[str, list[Any]]
) -> dict[str, list[Any]]:
    """Append each row's values to the lists of `listing` while the whole fits the budget.

    A row maps attribute names to one value each (an item and its card entry), so parallel
    lists stay aligned; rows are taken in order and the first that does not fit ends it.
    """
    size = len(json_bytes(listing))
    for row in rows:
        size += sum(len(json_bytes(value)) + 1 for value in row.values())
        if size > ATTRIBUTES_MAX_BYTES:
            break
        for name, value in row.items():
            listing[name].append(value)
    return listing


def _next_to_watch_rows(view: LibraryView) -> Iterator[dict[str, Any]]:
    resumable = {session.simkl_id for session in view.library.playback.values()}
    for entry, up_next in view.next_to_watch:
        poster = view.poster(entry.poster)
        fanart = view.fanart(entry.fanart)
        episode = up_next.episode
        aired_at = episode.aired_at
        yield {
            ATTR_ITEMS: {
                "title": entry.title,
                "media_type": entry.media_type.value,
                "episode": episode.code,
                "episode_title": episode.title,
                # UTC, like the upcoming sensor's items; the calendar files give local times.
                "aired_at": dt_util.as_utc(aired_at).isoformat() if aired_at else None,
                "unwatched": up_next.unwatched,
                "poster": poster,
                "fanart": fanart,
                "url": entry.url,
            },
            ATTR_DATA: next_to_watch_card_item(
                entry, episode, poster=poster, fanart=fanart, resumable=entry.simkl_id in resumable
            ),
        }


def _next_to_watch_attributes(view: LibraryView) -> dict[str, Any]:
    listing: dict[str, list[Any]] = {ATTR_ITEMS: [], ATTR_DATA: [NEXT_TO_WATCH_CARD_DEFAULTS]}
    return fit_listing(_next_to_watch_rows(view), listing)


def _upcoming_attributes(view: LibraryView) -> dict[str, Any]:
    rows = (
        {ATTR_ITEMS: (item := slot.item).as_dict(), ATTR_DATA: upcoming_card_item(item)}
        for slot in view.upcoming
    )
    return fit_listing(rows, {ATTR_ITEMS: [], ATTR_DATA: [UPCOMING_CARD_DEFAULTS]})


def _paused_rows(view: LibraryView) -> Iterator[dict[str, Any]]:
    for session in view.paused:
        media_type = view.media_type_of(session)
        listed = view.listed(session)
        season = None if media_type is MediaType.ANIME else session.season
        yield {
            ATTR_ITEMS: {
                "title": session.title,
                "media_type": media_type.value,
                "episode": episode_code(season, session.episode) if session.episode else None,
                "episode_title": session.episode_title,
                "progress": session.progress,
                "paused_at": session.paused_at.isoformat() if session.paused_at else None,
                "poster": view.session_poster(session),
                "url": listed.url if listed is not None else session.url,
            }
        }


def _paused_attributes(view: LibraryView) -> dict[str, Any]:
    return fit_listing(_paused_rows(view), {ATTR_ITEMS: []})


def _last_watched_attributes(view: LibraryView) -> dict[str, Any]:
    if (entry := view.last_watched) is None:
        return {}
    return {
        "title": entry.title,
        "media_type": entry.media_type.value,
        "episode": entry.last_watched,
        "poster": view.poster(entry.poster),
        "url": entry.url,
    }


def _next_to_watch_poster(view: LibraryView) -> str | None:
    return next((view.poster(entry.poster) for entry, _ in view.next_to_watch), None)


def _paused_poster(view: LibraryView) -> str | None:
    return view.session_poster(view.paused[0]) if view.paused else None


def _last_watched_poster(view: LibraryView) -> str | None:
    return view.poster(view.last_watched.poster) if view.last_watched is not None else None


def _last_watched(view: LibraryView) -> datetime | None:
    return view.last_watched.watched_at if view.last_watched is not None else None


@dataclass(frozen=True, kw_only=True)
class SimklSensorEntityDescription(SensorEntityDescription):
    """A sensor computed from the library.

    The sensor exists when the options select one of `media_types` and, for a list
    sensor, its `list_status`.
    """

    value_fn: Callable[[LibraryView], StateType | datetime]
    attributes_fn: Callable[[LibraryView], dict[str, Any]] | None = None
    # The poster of the first title listed, for the pictures of tile and entity cards.
    picture_fn: Callable[[LibraryView], str | None] | None = None
    media_types: frozenset[MediaType] = frozenset(MediaType)
    list_status: ListStatus | None = None
    # Read from the calendar files too, or changing as time passes: follows the calendar's
    # updates as well, which come every 30 minutes.
    follows_calendar: bool = False
    # Meaningless without the calendar files: unavailable while they are.
    needs_calendar: bool = False


def _list_sensor(media_type: MediaType, status: ListStatus) -> SimklSensorEntityDescription:
    key = f"{media_type}_{status}"
    return SimklSensorEntityDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=status not in _RARE_LISTS,
        media_types=frozenset({media_type}),
        list_status=status,
        value_fn=lambda view: view.library.count(media_type, status),
    )


LIST_SENSORS: Final = tuple(
    _list_sensor(media_type, status)
    for media_type in MediaType
    for status in (MOVIE_LISTS if media_type is MediaType.MOVIES else ListStatus)
)

SENSORS: Final[tuple[SimklSensorEntityDescription, ...]] = (
    *LIST_SENSORS,
    SimklSensorEntityDescription(
        key="next_to_watch",
        translation_key="next_to_watch",
        state_class=SensorStateClass.MEASUREMENT,
        media_types=_EPISODIC,
        # An episode airing moves no activity timestamp of the library.
        follows_calendar=True,
        value_fn=lambda view: len(view.next_to_watch),
        attributes_fn=_next_to_watch_attributes,
        picture_fn=_next_to_watch_poster,
    ),
    SimklSensorEntityDescription(
        key="upcoming",
        translation_key="upcoming",
        state_class=SensorStateClass.MEASUREMENT,
        follows_calendar=True,
        needs_calendar=True,
        value_fn=lambda view: len(view.upcoming),
        attributes_fn=_upcoming_attributes,
    ),
    SimklSensorEntityDescription(
        key="paused_playback",
        translation_key="paused_playback",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda view: len(view.paused),
        attributes_fn=_paused_attributes,
        picture_fn=_paused_poster,
    ),
    SimklSensorEntityDescription(
        key="last_watched",
        translation_key="last_watched",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last_watched,
        attributes_fn=_last_watched_attributes,
        picture_fn=_last_watched_poster,
    ),
    SimklSensorEntityDescription(
        key="episodes_watched",
        translation_key="episodes_watched",
        state_class=SensorStateClass.TOTAL,
        media_types=_EPISODIC,
        value_fn=lambda view: view.library.totals(view.media_types).episodes_watched,
    ),
    SimklSensorEntityDescription(
        key="movies_watched",
        translation_key="movies_watched",
        state_class=SensorStateClass.TOTAL,
        media_types=frozenset({MediaType.MOVIES}),
        value_fn=lambda view: view.library.totals(view.media_types).movies_watched,
    ),
    SimklSensorEntityDescription(
        key="time_watched",
        translation_key="time_watched",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=0,
        value_fn=lambda view: view.library.totals(view.media_types).minutes_watched,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SimklConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the options select, and drop those they no longer select."""
    media_types = selected_media_types(entry)
    lists = frozenset(ListStatus(value) for value in entry.options.get(CONF_LISTS, DEFAULT_LISTS))
    entities = [
        SimklSensor(entry, description)
        for description in SENSORS
        if description.media_types & media_types
        and (description.list_status is None or description.list_status in lists)
    ]
    _remove_deselected(hass, entry, {entity.unique_id for entity in entities})
    async_add_entities(entities)


def _remove_deselected(hass: HomeAssistant, entry: SimklConfigEntry, kept: set[str | None]) -> None:
    """Remove sensors of types or lists the options no longer select.

    Left in the registry they would linger as unavailable entities.
    """
    registry = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.domain == Platform.SENSOR and registered.unique_id not in kept:
            registry.async_remove(registered.entity_id)


class SimklSensor(SimklEntity, SensorEntity):
    """A value computed from the account's library."""

    entity_description: SimklSensorEntityDescription
    # Lists of titles: too large and too changeable to be worth a place in the history.
    _unrecorded_attributes = frozenset({ATTR_ITEMS, ATTR_DATA})

    def __init__(self, entry: SimklConfigEntry, description: SimklSensorEntityDescription) -> None:
        """Bind the sensor to the account and the media types the options select."""
        super().__init__(entry, description)
        self._up_next = shared_up_next_list(self.coordinator, self.media_types)

    @override
    async def async_added_to_hass(self) -> None:
        """Compute the state, and follow the calendar files too when the value needs them."""
        await super().async_added_to_hass()
        if self.entity_description.follows_calendar:
            self.async_on_remove(self.calendar.async_add_listener(self._handle_coordinator_update))
        self._update_value()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._update_value()
        super()._handle_coordinator_update()

    def _update_value(self) -> None:
        view = self.library_view(self._up_next)
        description = self.entity_description
        self._attr_native_value = description.value_fn(view)
        if description.attributes_fn is not None:
            self._attr_extra_state_attributes = description.attributes_fn(view)
        if description.picture_fn is not None:
            self._attr_entity_picture = description.picture_fn(view)

    @property
    @override
    def available(self) -> bool:
        """Return whether the library (and the calendar files, if needed) are usable."""
        calendar_ok = (
            not self.entity_description.needs_calendar or self.calendar.last_update_success
        )
        return super().available and calendar_ok
