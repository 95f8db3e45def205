"""Sensors of a linked Simkl account: list sizes, what to watch next, paused playback, totals.

Every value is computed from the synced library; no sensor makes an API call.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import Platform, UnitOfTime
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import json_bytes

from .api import (
    FANART_MOBILE,
    POSTER_MEDIUM,
    ImageKind,
    ListStatus,
    MediaType,
    format_datetime,
    no_poster_url,
)
from .const import CONF_LISTS, CONF_MEDIA_TYPES, DEFAULT_LISTS, DEFAULT_MEDIA_TYPES, MOVIE_LISTS
from .entity import SimklEntity
from .library import Library, LibraryEntry, PlaybackEntry, episode_code
from .upcoming import UPCOMING_CARD_DEFAULTS, card_item

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .coordinator import SimklDataUpdateCoordinator
    from .data import SimklConfigEntry
    from .upcoming import SimklUpcomingCoordinator, UpcomingItem

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
# upcoming-media-card reads its line layout and icon from the first item (landscape.md §2).
_NEXT_TO_WATCH_CARD_DEFAULTS: Final = {
    "title_default": "$title",
    "line1_default": "$number",
    "line2_default": "$episode",
    "line3_default": "$release",
    "line4_default": "$runtime",
    "icon": "mdi:play-box-multiple-outline",
}

_NEVER: Final = datetime.min.replace(tzinfo=UTC)

type ImageUrl = Callable[[ImageKind, str | None, str | None], str | None]


@dataclass(frozen=True, slots=True)
class LibraryView:
    """The synced library, limited to the media types the options select."""

    library: Library
    media_types: frozenset[MediaType]
    image_url: ImageUrl
    calendar: SimklUpcomingCoordinator

    def upcoming(self) -> list[UpcomingItem]:
        """Return the episodes and releases of the upcoming window, soonest first."""
        return [item for item in self.calendar.upcoming() if item.media_type in self.media_types]

    def next_to_watch(self) -> list[LibraryEntry]:
        """Return the shows and anime being watched that have an aired, unwatched episode.

        Most recently watched first, as in a "continue watching" row.
        """
        waiting = [
            entry
            for entry in self.library.entries(status=ListStatus.WATCHING)
            if entry.media_type in self.media_types
            and entry.next_to_watch
            and entry.aired_unwatched > 0
        ]
        waiting.sort(key=lambda entry: entry.title)
        waiting.sort(key=lambda entry: entry.watched_at or entry.added_at or _NEVER, reverse=True)
        return waiting

    def listed(self, session: PlaybackEntry) -> LibraryEntry | None:
        """Return the library entry of a session's title."""
        return self.library.items.get(session.simkl_id) if session.simkl_id else None

    def media_type_of(self, session: PlaybackEntry) -> MediaType:
        """Return a session's type; the library knows anime that playback files as shows."""
        listed = self.listed(session)
        return listed.media_type if listed is not None else session.media_type

    def paused(self) -> list[PlaybackEntry]:
        """Return the paused sessions, most recently paused first."""
        sessions = [
            session
            for session in self.library.playback.values()
            if self.media_type_of(session) in self.media_types
        ]
        sessions.sort(key=lambda session: session.paused_at or _NEVER, reverse=True)
        return sessions

    def poster(self, path: str | None) -> str | None:
        """Return a poster URL (340 px wide)."""
        return self.image_url(ImageKind.POSTER, path, POSTER_MEDIUM)

    def fanart(self, path: str | None) -> str | None:
        """Return a fanart URL (960 x 540)."""
        return self.image_url(ImageKind.FANART, path, FANART_MOBILE)


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
    for entry in view.next_to_watch():
        poster = view.poster(entry.poster)
        fanart = view.fanart(entry.fanart)
        aired_at = entry.next_episode_aired_at
        # upcoming-media-card drops items without a date: fall back to the last activity.
        card_date = aired_at or entry.watched_at or entry.added_at
        season, episode = entry.next_episode or ("", "")
        yield {
            ATTR_ITEMS: {
                "title": entry.title,
                "media_type": entry.media_type.value,
                "episode": entry.next_to_watch,
                "episode_title": entry.next_episode_title,
                "aired_at": aired_at.isoformat() if aired_at else None,
                "unwatched": entry.aired_unwatched,
                "poster": poster,
                "fanart": fanart,
                "url": entry.url,
            },
            ATTR_DATA: {
                "airdate": format_datetime(card_date) if card_date else "",
                "title": entry.title,
                "episode": entry.next_episode_title or "",
                "number": entry.next_to_watch,
                "season_num": "" if season is None else season,
                "episode_num": episode,
                "release": "$day, $date" if aired_at else "",
                "runtime": entry.runtime or "",
                "poster": poster or no_poster_url(),
                "fanart": fanart or "",
                # The corner flag marks titles with a paused session to resume.
                "flag": entry.simkl_id in resumable,
                "deep_link": entry.url,
            },
        }


def _next_to_watch_attributes(view: LibraryView) -> dict[str, Any]:
    listing: dict[str, list[Any]] = {ATTR_ITEMS: [], ATTR_DATA: [_NEXT_TO_WATCH_CARD_DEFAULTS]}
    return fit_listing(_next_to_watch_rows(view), listing)


def _upcoming_attributes(view: LibraryView) -> dict[str, Any]:
    rows = ({ATTR_ITEMS: item.as_dict(), ATTR_DATA: card_item(item)} for item in view.upcoming())
    return fit_listing(rows, {ATTR_ITEMS: [], ATTR_DATA: [UPCOMING_CARD_DEFAULTS]})


def _paused_rows(view: LibraryView) -> Iterator[dict[str, Any]]:
    for session in view.paused():
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
                "poster": view.poster(session.poster or (listed.poster if listed else None)),
                "url": listed.url if listed is not None else session.url,
            }
        }


def _paused_attributes(view: LibraryView) -> dict[str, Any]:
    return fit_listing(_paused_rows(view), {ATTR_ITEMS: []})


def _last_watched_attributes(view: LibraryView) -> dict[str, Any] | None:
    if (entry := view.library.last_watched(view.media_types)) is None:
        return None
    return {
        "title": entry.title,
        "media_type": entry.media_type.value,
        "episode": entry.last_watched,
        "poster": view.poster(entry.poster),
        "url": entry.url,
    }


def _last_watched(view: LibraryView) -> datetime | None:
    entry = view.library.last_watched(view.media_types)
    return entry.watched_at if entry is not None else None


@dataclass(frozen=True, kw_only=True)
class SimklSensorEntityDescription(SensorEntityDescription):
    """A sensor computed from the library.

    The sensor exists when the options select one of `media_types` and, for a list
    sensor, its `list_status`.
    """

    value_fn: Callable[[LibraryView], StateType | datetime]
    attributes_fn: Callable[[LibraryView], dict[str, Any] | None] | None = None
    media_types: frozenset[MediaType] = frozenset(MediaType)
    list_status: ListStatus | None = None
    # Computed from the calendar files as well, so it follows their updates too.
    uses_calendar: bool = False


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
        value_fn=lambda view: len(view.next_to_watch()),
        attributes_fn=_next_to_watch_attributes,
    ),
    SimklSensorEntityDescription(
        key="upcoming",
        translation_key="upcoming",
        state_class=SensorStateClass.MEASUREMENT,
        uses_calendar=True,
        value_fn=lambda view: len(view.upcoming()),
        attributes_fn=_upcoming_attributes,
    ),
    SimklSensorEntityDescription(
        key="paused_playback",
        translation_key="paused_playback",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda view: len(view.paused()),
        attributes_fn=_paused_attributes,
    ),
    SimklSensorEntityDescription(
        key="last_watched",
        translation_key="last_watched",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last_watched,
        attributes_fn=_last_watched_attributes,
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
    coordinator = entry.runtime_data.coordinator
    media_types = frozenset(
        MediaType(value) for value in entry.options.get(CONF_MEDIA_TYPES, DEFAULT_MEDIA_TYPES)
    )
    lists = frozenset(ListStatus(value) for value in entry.options.get(CONF_LISTS, DEFAULT_LISTS))
    entities = [
        SimklSensor(coordinator, description, media_types)
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

    def __init__(
        self,
        coordinator: SimklDataUpdateCoordinator,
        description: SimklSensorEntityDescription,
        media_types: frozenset[MediaType],
    ) -> None:
        """Bind the sensor to the account and the media types the options select."""
        super().__init__(coordinator, description)
        self._media_types = media_types

    @property
    def _calendar(self) -> SimklUpcomingCoordinator:
        return self.coordinator.config_entry.runtime_data.upcoming

    @override
    async def async_added_to_hass(self) -> None:
        """Also follow the calendar files when the value comes from them."""
        await super().async_added_to_hass()
        if self.entity_description.uses_calendar:
            self.async_on_remove(self._calendar.async_add_listener(self._handle_coordinator_update))

    @property
    @override
    def available(self) -> bool:
        """Return whether the library (and the calendar files, if used) are usable."""
        calendar_ok = (
            not self.entity_description.uses_calendar or self._calendar.last_update_success
        )
        return super().available and calendar_ok

    @property
    def _view(self) -> LibraryView:
        return LibraryView(
            self.coordinator.library,
            self._media_types,
            self.coordinator.client.image_url,
            self._calendar,
        )

    @property
    @override
    def native_value(self) -> StateType | datetime:
        return self.entity_description.value_fn(self._view)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self._view)
