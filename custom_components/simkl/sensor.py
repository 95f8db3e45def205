"""Sensors of a linked Simkl account: list sizes, what to watch next, paused playback, totals.

Every value is computed from the synced library; no sensor makes an API call.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
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
    FANART_MOBILE,
    POSTER_MEDIUM,
    ImageKind,
    ListStatus,
    MediaType,
    format_datetime,
    no_poster_url,
)
from .calendar_join import ImageUrl
from .const import CONF_LISTS, DEFAULT_LISTS, MOVIE_LISTS
from .entity import SimklEntity, selected_media_types
from .library import Library, LibraryEntry, PlaybackEntry, UpNext, episode_code
from .upcoming import UPCOMING_CARD_DEFAULTS, card_item

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .calendar_join import UpcomingItem
    from .coordinator import SimklDataUpdateCoordinator
    from .data import SimklConfigEntry
    from .upcoming import SimklUpcomingCoordinator

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


@dataclass(frozen=True)
class LibraryView:
    """The synced library at one moment, limited to the media types the options select.

    A sensor builds one for each update; the state and the attributes read the same lists,
    so each is computed once.
    """

    library: Library
    media_types: frozenset[MediaType]
    image_url: ImageUrl
    calendar: SimklUpcomingCoordinator
    now: datetime

    @cached_property
    def upcoming(self) -> list[UpcomingItem]:
        """Return the episodes and releases of the upcoming window, soonest first."""
        return [item for item in self.calendar.upcoming() if item.media_type in self.media_types]

    @cached_property
    def next_to_watch(self) -> list[tuple[LibraryEntry, UpNext]]:
        """Return the shows and anime being watched that have an aired, unwatched episode.

        Most recently watched first, as in a "continue watching" row.
        """
        next_episode = self.calendar.up_next_at(self.now)
        waiting = [
            (entry, up_next)
            for media_type in self.media_types
            for entry in self.library.entries(media_type, ListStatus.WATCHING)
            if (up_next := next_episode(entry))
        ]
        waiting.sort(key=lambda pair: pair[0].title)
        waiting.sort(
            key=lambda pair: pair[0].watched_at or pair[0].added_at or _NEVER, reverse=True
        )
        return waiting

    def listed(self, session: PlaybackEntry) -> LibraryEntry | None:
        """Return the library entry of a session's title."""
        return self.library.items.get(session.simkl_id) if session.simkl_id else None

    def media_type_of(self, session: PlaybackEntry) -> MediaType:
        """Return a session's type; the library knows anime that playback files as shows."""
        listed = self.listed(session)
        return listed.media_type if listed is not None else session.media_type

    @cached_property
    def paused(self) -> list[PlaybackEntry]:
        """Return the paused sessions, most recently paused first."""
        sessions = [
            session
            for session in self.library.playback.values()
            if self.media_type_of(session) in self.media_types
        ]
        sessions.sort(key=lambda session: session.paused_at or _NEVER, reverse=True)
        return sessions

    @cached_property
    def last_watched(self) -> LibraryEntry | None:
        """Return the most recently watched entry with a known date."""
        return self.library.last_watched(self.media_types)

    def poster(self, path: str | None) -> str | None:
        """Return a poster URL (340 px wide)."""
        return self.image_url(ImageKind.POSTER, path, POSTER_MEDIUM)

    def session_poster(self, session: PlaybackEntry) -> str | None:
        """Return the poster of a session's title, from the library when the session has none."""
        listed = self.listed(session)
        return self.poster(session.poster or (listed.poster if listed else None))

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
    for entry, up_next in view.next_to_watch:
        poster = view.poster(entry.poster)
        fanart = view.fanart(entry.fanart)
        episode = up_next.episode
        aired_at = episode.aired_at
        # upcoming-media-card drops items without a date: fall back to the last activity.
        card_date = aired_at or entry.watched_at or entry.added_at
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
            ATTR_DATA: {
                "airdate": format_datetime(card_date) if card_date else "",
                "title": entry.title,
                "episode": episode.title or "",
                "number": episode.code,
                "season_num": "" if episode.season is None else episode.season,
                "episode_num": episode.number,
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
    rows = ({ATTR_ITEMS: item.as_dict(), ATTR_DATA: card_item(item)} for item in view.upcoming)
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
    coordinator = entry.runtime_data.coordinator
    media_types = selected_media_types(entry)
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
        """Compute the state, and follow the calendar files too when the value needs them."""
        await super().async_added_to_hass()
        if self.entity_description.follows_calendar:
            self.async_on_remove(self._calendar.async_add_listener(self._handle_coordinator_update))
        self._update_value()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._update_value()
        super()._handle_coordinator_update()

    def _update_value(self) -> None:
        view = LibraryView(
            self.coordinator.library,
            self._media_types,
            self.coordinator.client.image_url,
            self._calendar,
            dt_util.utcnow(),
        )
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
            not self.entity_description.needs_calendar or self._calendar.last_update_success
        )
        return super().available and calendar_ok
