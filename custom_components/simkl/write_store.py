"""The writes of the write queue, and how they are stored.

A write is stored before it is sent. Reading the stored queue never stops setup: a write that
cannot be read (another version of the integration, a damaged file) is logged once and moved
to the account's set-aside file, next to the queue's file, where the user can still find it.
The same file takes the writes the queue gives up on (see `write_queue`).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now

from .api import (
    MediaType,
    ScrobbleAction,
    ScrobbleRequest,
    ScrobbleResult,
    SimklClient,
    SimklConflictError,
    SyncEpisodeNumber,
    SyncItem,
    SyncRequest,
    SyncResult,
    SyncSeason,
    parse_datetime,
)
from .const import LOGGER, STORAGE_VERSION
from .storage import AccountStore

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant

# Simkl answers 409 to a stop or checkin it has already recorded: nothing is lost.
_ALREADY_RECORDED: Final = frozenset({ScrobbleAction.STOP, ScrobbleAction.CHECKIN})

# A stop at or past this progress marks the item watched.
WATCHED_PROGRESS: Final = 80.0
# Simkl dates a scrobbled stop with the time it arrives; a stop that waited longer than this
# in the queue is sent as a history entry dated when it happened instead.
LATE_STOP_AFTER: Final = timedelta(minutes=15)


class SyncEndpoint(StrEnum):
    """The library write a queued sync request is sent to."""

    ADD_TO_HISTORY = "add_to_history"
    REMOVE_FROM_HISTORY = "remove_from_history"
    ADD_RATINGS = "add_ratings"
    REMOVE_RATINGS = "remove_ratings"
    ADD_TO_LIST = "add_to_list"


_SYNC_CALLS: Final[
    dict[SyncEndpoint, Callable[[SimklClient, SyncRequest], Awaitable[SyncResult]]]
] = {
    SyncEndpoint.ADD_TO_HISTORY: SimklClient.add_to_history,
    SyncEndpoint.REMOVE_FROM_HISTORY: SimklClient.remove_from_history,
    SyncEndpoint.ADD_RATINGS: SimklClient.add_ratings,
    SyncEndpoint.REMOVE_RATINGS: SimklClient.remove_ratings,
    SyncEndpoint.ADD_TO_LIST: SimklClient.add_to_list,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingWrite(ABC):
    """A write waiting in the queue; `label` names the item for the user.

    `attempts` counts the times Simkl refused it (waits Simkl asked for and outages do not
    count); `possibly_sent` is set when an attempt ended without an answer, so Simkl may
    have recorded it.
    """

    label: str
    id: str = field(default_factory=ulid_now)
    queued_at: datetime = field(default_factory=dt_util.utcnow)
    attempts: int = 0
    possibly_sent: bool = False

    @property
    @abstractmethod
    def operation(self) -> str:
        """Name of the API call, as stored and as reported in events."""

    @abstractmethod
    async def async_send(
        self, client: SimklClient, now: datetime
    ) -> ScrobbleResult | SyncResult | None:
        """Send the write once; None when Simkl had already recorded it."""

    @abstractmethod
    def request_json(self) -> dict[str, Any]:
        """Return the request body."""

    def supersedes(self, older: PendingWrite) -> bool:
        """Whether queuing this write makes the older, unsent one pointless."""
        return False

    def to_json(self) -> dict[str, Any]:
        """Return the write as stored."""
        return {
            "id": self.id,
            "operation": self.operation,
            "label": self.label,
            "queued_at": self.queued_at.isoformat(),
            "attempts": self.attempts,
            "possibly_sent": self.possibly_sent,
            "request": self.request_json(),
        }

    @staticmethod
    def from_json(data: dict[str, Any], loaded_at: datetime) -> PendingWrite:
        """Read a stored write; raises KeyError, TypeError or ValueError when it cannot be read.

        A write whose only defect is an unreadable `queued_at` is kept, dated `loaded_at`.
        """
        common: dict[str, Any] = {
            "id": str(data["id"]),
            "label": str(data["label"]),
            "attempts": int(data.get("attempts", 0)),
            "possibly_sent": data.get("possibly_sent") is True,
        }
        kind, _, name = str(data["operation"]).partition("/")
        write: PendingWrite
        if kind == "scrobble":
            write = ScrobbleWrite(
                action=ScrobbleAction(name),
                request=ScrobbleRequest.from_dict(data["request"]),
                **common,
            )
        elif kind == "sync":
            write = SyncWrite(
                endpoint=SyncEndpoint(name),
                request=SyncRequest.from_dict(data["request"]),
                **common,
            )
        else:
            msg = f"unknown operation {data['operation']!r}"
            raise ValueError(msg)
        queued_at = parse_datetime(data.get("queued_at"))
        if queued_at is None:
            LOGGER.warning(
                "A stored Simkl write has an unreadable time (%r); it is kept, dated now",
                data.get("queued_at"),
            )
            queued_at = loaded_at
        return replace(write, queued_at=queued_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrobbleWrite(PendingWrite):
    """A player event for /scrobble/{action}."""

    action: ScrobbleAction
    request: ScrobbleRequest

    @property
    @override
    def operation(self) -> str:
        return f"scrobble/{self.action}"

    @override
    async def async_send(
        self, client: SimklClient, now: datetime
    ) -> ScrobbleResult | SyncResult | None:
        if self.is_late_watch(now):
            return await client.add_to_history(self.history_request())
        try:
            return await client.scrobble(self.action, self.request)
        except SimklConflictError:
            if self.action in _ALREADY_RECORDED:
                return None
            raise

    def is_late_watch(self, now: datetime) -> bool:
        """A stop that marks the item watched, sent too late for Simkl to date it right."""
        progress = self.request.progress
        return (
            self.action is ScrobbleAction.STOP
            and progress is not None
            and progress >= WATCHED_PROGRESS
            and now - self.queued_at > LATE_STOP_AFTER
        )

    def history_request(self) -> SyncRequest:
        """The history entry this stop stands for, dated when it happened."""
        request = self.request
        item = SyncItem(ids=request.ids, title=request.title, year=request.year)
        if request.episode is None:
            item = replace(item, watched_at=self.queued_at)
        else:
            episodes = [SyncEpisodeNumber(number=request.episode, watched_at=self.queued_at)]
            if request.season is None:
                item = replace(item, episodes=episodes)
            else:
                item = replace(
                    item,
                    seasons=[SyncSeason(number=request.season, episodes=episodes)],
                    use_tvdb_anime_seasons=request.media_type is MediaType.ANIME,
                )
        return SyncRequest.of(request.media_type, item)

    @override
    def supersedes(self, older: PendingWrite) -> bool:
        # A later event of the same item replaces what an unsent start or pause reported.
        return (
            isinstance(older, ScrobbleWrite)
            and older.action in {ScrobbleAction.START, ScrobbleAction.PAUSE}
            and replace(older.request, progress=None) == replace(self.request, progress=None)
        )

    @override
    def request_json(self) -> dict[str, Any]:
        return self.request.to_dict()


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncWrite(PendingWrite):
    """A change of the library: history, ratings or lists."""

    endpoint: SyncEndpoint
    request: SyncRequest

    @property
    @override
    def operation(self) -> str:
        return f"sync/{self.endpoint}"

    @override
    async def async_send(self, client: SimklClient, now: datetime) -> SyncResult:
        return await _SYNC_CALLS[self.endpoint](client, self.request)

    @override
    def request_json(self) -> dict[str, Any]:
        return self.request.to_dict()


class _QueueFile(Store[dict[str, Any]]):
    """A queue file of any version: its writes are read one by one, leniently."""

    def __init__(self, hass: HomeAssistant, key: str) -> None:
        super().__init__(hass, STORAGE_VERSION, key, private=True, max_readable_version=1_000_000)

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return old_data


class WriteFiles:
    """The stored queue of one account and its set-aside file."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Name the account's files; nothing is read until `async_load`."""
        self._hass = hass
        self._queue = _QueueFile(hass, AccountStore.WRITES.key(entry_id))
        self._set_aside = _QueueFile(hass, AccountStore.WRITES_SET_ASIDE.key(entry_id))

    async def async_load(self) -> list[PendingWrite]:
        """Read the queue; what cannot be read is set aside, with one warning."""
        unreadable: list[Any] = []
        try:
            stored = await self._queue.async_load()
        except HomeAssistantError, ValueError:
            stored = None
            unreadable.append({"file": await self._async_raw_queue_file()})
        entries = stored.get("writes") if isinstance(stored, dict) else stored
        if stored is not None and not isinstance(entries, list):
            unreadable.append(stored)
            entries = []
        writes: list[PendingWrite] = []
        now = dt_util.utcnow()
        for data in entries or []:
            try:
                writes.append(PendingWrite.from_json(data, now))
            except KeyError, TypeError, ValueError, AttributeError:
                unreadable.append(data)
        if unreadable:
            LOGGER.warning(
                "%s stored Simkl write(s) could not be read; they were moved to %s",
                len(unreadable),
                self.set_aside_path,
            )
            await self.async_set_aside(unreadable, "unreadable")
        return writes

    async def _async_raw_queue_file(self) -> str | None:
        path = Path(self._queue.path)
        return await self._hass.async_add_executor_job(
            lambda: path.read_text(errors="replace") if path.exists() else None
        )

    async def async_save(self, writes: list[PendingWrite]) -> None:
        """Store the queue."""
        await self._queue.async_save({"writes": [write.to_json() for write in writes]})

    @property
    def set_aside_path(self) -> str:
        """Where set-aside writes are kept."""
        path: str = self._set_aside.path
        return path

    async def async_set_aside(self, entries: list[Any], reason: str) -> None:
        """Append writes (stored form, or whatever could not be read) to the set-aside file."""
        try:
            stored = await self._set_aside.async_load()
        except HomeAssistantError:
            stored = None
        kept = stored.get("writes") if isinstance(stored, dict) else None
        moment = dt_util.utcnow().isoformat()
        await self._set_aside.async_save(
            {
                "writes": [
                    *(kept if isinstance(kept, list) else []),
                    *({"set_aside_at": moment, "reason": reason, "write": e} for e in entries),
                ]
            }
        )
