"""Calendar of the upcoming episodes and movie releases of an account's titles."""

from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Self, override

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.util import dt as dt_util

from .api import FinaleType
from .entity import SimklEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .calendar_join import UpcomingItem
    from .data import SimklConfigEntry

# Read-only: the coordinators do all the fetching.
PARALLEL_UPDATES = 0

CALENDAR = CalendarEntityDescription(key="upcoming", translation_key="upcoming")

WATCHED_MARK = "\N{CHECK MARK}"
# Stored airings keep the number Simkl sent.
_FINALES: dict[int, str] = {
    FinaleType.MID_SEASON: "Mid-season finale",
    FinaleType.SEASON: "Season finale",
    FinaleType.SERIES: "Series finale",
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SimklConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the account's calendar."""
    async_add_entities([SimklCalendarEntity(entry, CALENDAR)])


class _CopiedAsItself:
    """A time that deep-copies as itself, as the immutable value it is.

    Home Assistant deep-copies every field of every event it hands out (a calendar window,
    the events the frontend shows), and a date or datetime deep-copies through pickling:
    most of the cost of a long window otherwise.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: object) -> Self:
        """Return the time itself."""
        return self


class _Day(_CopiedAsItself, date):
    """The day of an all-day event."""

    __slots__ = ()

    @classmethod
    def of(cls, day: date) -> Self:
        """Return `day` as a day that deep-copies as itself."""
        return cls(day.year, day.month, day.day)


class _Moment(_CopiedAsItself, datetime):
    """The start or end of an event."""

    __slots__ = ()

    @classmethod
    def of(cls, moment: datetime) -> Self:
        """Return `moment` as a moment that deep-copies as itself."""
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
            moment.tzinfo,
            fold=moment.fold,
        )


def event_summary(item: UpcomingItem) -> str:
    """Return `Title S02E05 · Episode title` (anime `Title E148`), checked when watched."""
    summary = item.title
    if (number := item.number) is not None:
        summary = f"{summary} {number}"
        if item.episode_title:
            summary = f"{summary} \N{MIDDLE DOT} {item.episode_title}"
    return f"{WATCHED_MARK} {summary}" if item.watched else summary


def calendar_event(item: UpcomingItem) -> CalendarEvent:
    """Return the calendar event of an episode or a release."""
    notes = []
    if item.finale_type in _FINALES:
        notes.append(_FINALES[item.finale_type])
    if item.watched:
        notes.append("Watched on Simkl.")
    notes.append(item.url)
    summary, description = event_summary(item), "\n".join(notes)
    if item.air_time is None:
        return CalendarEvent(
            start=_Day.of(item.air_date),
            end=_Day.of(item.air_date + timedelta(days=1)),
            summary=summary,
            description=description,
            uid=item.uid,
        )
    # Local times, so that automations reading the event see the clock of the house.
    return CalendarEvent(
        start=_Moment.of(dt_util.as_local(item.air_time)),
        end=_Moment.of(dt_util.as_local(item.end)),
        summary=summary,
        description=description,
        uid=item.uid,
    )


class SimklCalendarEntity(SimklEntity, CalendarEntity):
    """The episodes and releases of the titles in the calendar lists."""

    entity_description: CalendarEntityDescription

    def __init__(self, entry: SimklConfigEntry, description: CalendarEntityDescription) -> None:
        """Follow the library and the calendar files."""
        super().__init__(entry, description)
        # The events last returned, by uid: an item stays the same object while its title
        # and its airing are unchanged, so its event (validated when made) is made once.
        self._events: dict[str, tuple[UpcomingItem, tzinfo, CalendarEvent]] = {}

    @override
    async def async_added_to_hass(self) -> None:
        """Also listen to the calendar files."""
        await super().async_added_to_hass()
        self.async_on_remove(self.calendar.async_add_listener(self._handle_coordinator_update))

    @property
    @override
    def available(self) -> bool:
        """Return whether the calendar files are usable.

        A failed library poll leaves the last synced library in place, so what the
        calendar shows is still right: it stays available, unlike the library's sensors.
        """
        return self.calendar.last_update_success

    @property
    @override
    def event(self) -> CalendarEvent | None:
        """Return the episode or release on now, or else the next one."""
        item = self.calendar.next_item()
        return calendar_event(item) if item is not None else None

    @override
    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the episodes and releases on between the two dates."""
        zone = dt_util.get_default_time_zone()
        events = {}
        for item in await self.calendar.async_get_items(start_date, end_date):
            made = self._events.get(item.uid)
            if made is None or made[0] is not item or made[1] is not zone:
                made = (item, zone, calendar_event(item))
            events[item.uid] = made
        self._events = events
        return [event for _, _, event in events.values()]
