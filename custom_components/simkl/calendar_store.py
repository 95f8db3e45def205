"""The calendar files as stored: an airing, a file as received, and the store's format.

A stored file keeps each airing as one row: a JSON array of its fields in the order of
`AIRING_FIELDS`, the empty ones at the end left out, as text. Version 1 stored an object per
airing; Home Assistant's garbage collector then went through every one of them (some 20,000
for a few archives) at each collection, although most are never read. Since version 2.2 the
rows are in time order (`in_time_order`), so that a join finds a day by bisecting instead of
working out when every airing is. Versions 1 and 2.1 are migrated.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final, Self, override

from homeassistant.helpers.json import json_bytes
from homeassistant.util.json import json_loads

from .storage import CALENDAR_STORE_KEY, CacheStore

if TYPE_CHECKING:
    from collections.abc import Iterable

    from homeassistant.core import HomeAssistant

    from .api import CalendarEntry

CALENDAR_STORAGE_VERSION: Final = 2
# Minor version 2: each file's rows in time order.
CALENDAR_STORAGE_MINOR_VERSION: Final = 2
# The fields of a stored airing, in the order of its row; the first three are always set.
AIRING_FIELDS: Final = (
    "simkl_id",
    "title",
    "air_date",
    "air_time",
    "season",
    "episode",
    "episode_title",
    "url",
    "rating",
    "finale_type",
)
_AIRING_REQUIRED: Final = 3

# The rolling files hold yesterday to +33 days (UTC days of their generation), each episode
# filed under its network's local date, which is up to 14 hours off UTC.
ROLLING_DAYS_BEFORE = timedelta(days=1)
ROLLING_DAYS_AFTER = timedelta(days=33)
NETWORK_OFFSET_MAX = timedelta(hours=14)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def microseconds(moment: datetime) -> int:
    """Return an instant as whole microseconds since the epoch, which compare faster than
    datetimes in different offsets and exactly like them."""
    return (moment - _EPOCH) // _MICROSECOND


def day_start_us(day: date) -> int:
    """Return when a UTC day starts, in microseconds since the epoch."""
    return microseconds(datetime.combine(day, time(), UTC))


def _row_text(values: list[Any]) -> str:
    """Return a stored row: `values` without the empty ones at the end, as JSON text."""
    end = len(values)
    while end > _AIRING_REQUIRED and values[end - 1] is None:
        end -= 1
    return json_bytes(values[:end]).decode()


@dataclass(frozen=True, slots=True, kw_only=True)
class Airing:
    """An episode airing or a movie release, as read from a calendar file.

    Stored as a row (`AIRING_FIELDS`), times in ISO 8601 with their offset.
    """

    simkl_id: int
    title: str
    air_date: date
    """The release date, or the day it airs in the network's time zone."""
    air_time: datetime | None = None
    season: int | None = None
    episode: int | None = None
    episode_title: str | None = None
    url: str | None = None
    rating: float | None = None
    finale_type: int | None = None

    @property
    def filed_us(self) -> int:
        """Return when the airing is filed in time (microseconds since the epoch): its time,
        else its day's UTC midnight.

        Its item starts at most a day away from it (an all-day item starts at local midnight).
        """
        if self.air_time is not None:
            return microseconds(self.air_time)
        return day_start_us(self.air_date)

    def to_row(self) -> str:
        """Return the airing's stored row."""
        return _row_text(
            [
                self.simkl_id,
                self.title,
                self.air_date.isoformat(),
                self.air_time.isoformat() if self.air_time is not None else None,
                self.season,
                self.episode,
                self.episode_title,
                self.url,
                self.rating,
                self.finale_type,
            ]
        )

    @classmethod
    def from_row(cls, row: str) -> Self:
        """Read a stored row; raises ValueError or TypeError on anything else."""
        stored = json_loads(row)
        if not isinstance(stored, list) or not _AIRING_REQUIRED <= len(stored) <= len(
            AIRING_FIELDS
        ):
            msg = f"Not a stored airing: {row}"
            raise ValueError(msg)
        values: list[Any] = [*stored, *[None] * (len(AIRING_FIELDS) - len(stored))]
        simkl_id, title, air_date, air_time = values[:4]
        if not isinstance(simkl_id, int) or not isinstance(title, str):
            msg = f"Not a stored airing: {row}"
            raise TypeError(msg)
        return cls(
            simkl_id=simkl_id,
            title=title,
            air_date=date.fromisoformat(air_date),
            air_time=datetime.fromisoformat(air_time) if air_time is not None else None,
            season=values[4],
            episode=values[5],
            episode_title=values[6],
            url=values[7],
            rating=values[8],
            finale_type=values[9],
        )

    @classmethod
    def from_entry(cls, entry: CalendarEntry) -> Self | None:
        """Keep what the calendar needs; None for entries without a Simkl id or a date."""
        air_date = entry.release_date or (entry.date.date() if entry.date else None)
        if entry.ids.simkl is None or air_date is None:
            return None
        return cls(
            simkl_id=entry.ids.simkl,
            title=entry.title,
            air_date=air_date,
            air_time=entry.date,
            season=entry.season,
            episode=entry.episode,
            episode_title=entry.episode_title,
            url=entry.episode_url or entry.url,
            rating=entry.rating,
            finale_type=entry.finale_type,
        )


# The order a file keeps its airings in (a join bisects on it): when each is filed in time.
TIME_ORDER: Final = attrgetter("filed_us")


def in_time_order(airings: Iterable[Airing]) -> tuple[Airing, ...]:
    """Return airings in the order a file keeps them (`TIME_ORDER`)."""
    return tuple(sorted(airings, key=TIME_ORDER))


def _rows_in_time_order(rows: list[str]) -> list[str]:
    """Return stored rows in time order; raises ValueError or TypeError on a damaged row."""
    return sorted(rows, key=lambda row: TIME_ORDER(Airing.from_row(row)))


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedFile:
    """A calendar file as last received, and when it was last checked.

    Its airings are in time order (`in_time_order`). Stored as its fields in this order,
    `last_modified` as null when Simkl sent none, times in ISO 8601, each airing as its row.
    """

    last_modified: str | None
    generated_at: datetime
    checked_at: datetime
    airings: tuple[Airing, ...]

    def to_stored(self) -> dict[str, Any]:
        """Return the file as stored."""
        return {
            "last_modified": self.last_modified,
            "generated_at": self.generated_at.isoformat(),
            "checked_at": self.checked_at.isoformat(),
            "airings": [airing.to_row() for airing in self.airings],
        }

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Self:
        """Read a stored file; raises LookupError, ValueError or TypeError on anything else."""
        last_modified, rows = stored["last_modified"], stored["airings"]
        if not (last_modified is None or isinstance(last_modified, str)) or not isinstance(
            rows, list
        ):
            msg = "Not a stored calendar file"
            raise TypeError(msg)
        return cls(
            last_modified=last_modified,
            generated_at=datetime.fromisoformat(stored["generated_at"]),
            checked_at=datetime.fromisoformat(stored["checked_at"]),
            airings=tuple(Airing.from_row(row) for row in rows),
        )

    @property
    def coverage(self) -> tuple[datetime, datetime]:
        """Return the span of time a rolling file covers for certain, whatever the network."""
        day = self.generated_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return (
            day - ROLLING_DAYS_BEFORE + NETWORK_OFFSET_MAX,
            day + ROLLING_DAYS_AFTER + timedelta(days=1) - NETWORK_OFFSET_MAX,
        )


class CalendarStore(CacheStore):
    """The stored calendar files, migrated from version 1 (an object per airing) and 2.1
    (rows in the file's order)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Store the files under `CALENDAR_STORE_KEY`."""
        super().__init__(
            hass,
            CALENDAR_STORE_KEY,
            what="calendar",
            version=CALENDAR_STORAGE_VERSION,
            minor_version=CALENDAR_STORAGE_MINOR_VERSION,
        )

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Write each airing of a version 1 store as its row, and put each file's rows in
        time order; a file that cannot be read is left out (and fetched again when needed)."""
        if old_major_version not in {1, 2}:
            return await super()._async_migrate_func(old_major_version, old_minor_version, old_data)
        files: dict[str, Any] = {}
        try:
            stored_files = old_data["files"].items()
        except KeyError, TypeError, AttributeError:
            self.warn_unknown_format()
            return {}
        for key, file in stored_files:
            try:
                rows = file["airings"]
                if old_major_version == 1:
                    rows = [
                        _row_text([airing.get(name) for name in AIRING_FIELDS]) for airing in rows
                    ]
                files[key] = {**file, "airings": _rows_in_time_order(rows)}
            except KeyError, TypeError, AttributeError, ValueError:
                self.warn_unknown_format()
        return {"files": files}
