"""The write queue of one account: every scrobble and library change goes through it.

Simkl serialises writes per user behind a 20-second lock and allows one POST a second, so
writes leave one at a time, in the order they were made. A write is saved before it is sent
and removed once Simkl acknowledged it, so writes that could not be sent yet (lock, rate
limit, Simkl or the network down, a revoked token) survive a restart and are sent once.
The client paces POSTs to one a second; the queue adds the waits Simkl asks for.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.components import persistent_notification
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now

from .api import (
    ScrobbleAction,
    ScrobbleRequest,
    ScrobbleResult,
    SimklAuthenticationError,
    SimklClient,
    SimklConflictError,
    SimklConnectionError,
    SimklError,
    SimklInvalidClientError,
    SimklRateLimitError,
    SimklServerError,
    SyncRequest,
    SyncResult,
    parse_datetime,
)
from .const import DOMAIN, LOGGER, STORAGE_VERSION

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Coroutine
    from datetime import datetime

    from .data import SimklConfigEntry

EVENT_WRITE_FAILED: Final = "simkl_write_failed"

# Backoff after 5xx answers and connection failures: 5 s, 10 s, 20 s ... up to 10 minutes.
RETRY_BASE_DELAY: Final = 5.0
RETRY_MAX_DELAY: Final = 600.0

# Simkl answers 409 to a stop or checkin it has already recorded: nothing is lost.
_ALREADY_RECORDED: Final = frozenset({ScrobbleAction.STOP, ScrobbleAction.CHECKIN})


def writes_store_key(entry_id: str) -> str:
    """Storage key of an account's unsent writes."""
    return f"{DOMAIN}.{entry_id}.writes"


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
    """A write waiting in the queue; `label` names the item for the user."""

    label: str
    id: str = field(default_factory=ulid_now)
    queued_at: datetime = field(default_factory=dt_util.utcnow)

    @property
    @abstractmethod
    def operation(self) -> str:
        """Name of the API call, as stored and as reported in events."""

    @abstractmethod
    async def async_send(self, client: SimklClient) -> ScrobbleResult | SyncResult | None:
        """Send the write once; None when Simkl had already recorded it."""

    @abstractmethod
    def request_json(self) -> dict[str, Any]:
        """Return the request body."""

    def to_json(self) -> dict[str, Any]:
        """Return the write as stored."""
        return {
            "id": self.id,
            "operation": self.operation,
            "label": self.label,
            "queued_at": self.queued_at.isoformat(),
            "request": self.request_json(),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> PendingWrite:
        """Read a stored write; raises KeyError or ValueError when it cannot be read."""
        queued_at = parse_datetime(data["queued_at"])
        if queued_at is None:
            msg = f"unreadable queued_at {data['queued_at']!r}"
            raise ValueError(msg)
        common: dict[str, Any] = {"id": data["id"], "label": data["label"], "queued_at": queued_at}
        kind, _, name = str(data["operation"]).partition("/")
        if kind == "scrobble":
            return ScrobbleWrite(
                action=ScrobbleAction(name),
                request=ScrobbleRequest.from_dict(data["request"]),
                **common,
            )
        if kind == "sync":
            return SyncWrite(
                endpoint=SyncEndpoint(name),
                request=SyncRequest.from_dict(data["request"]),
                **common,
            )
        msg = f"unknown operation {data['operation']!r}"
        raise ValueError(msg)


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
    async def async_send(self, client: SimklClient) -> ScrobbleResult | None:
        try:
            return await client.scrobble(self.action, self.request)
        except SimklConflictError:
            if self.action in _ALREADY_RECORDED:
                return None
            raise

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
    async def async_send(self, client: SimklClient) -> SyncResult:
        return await _SYNC_CALLS[self.endpoint](client, self.request)

    @override
    def request_json(self) -> dict[str, Any]:
        return self.request.to_dict()


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """How a submitted write ended for its caller.

    `sent` is False when the write is queued for later; `result` is Simkl's answer, None when
    the write is queued or Simkl had already recorded it.
    """

    sent: bool
    result: ScrobbleResult | SyncResult | None = None


class SimklWriteQueue:
    """Sends one account's writes in order, one at a time, and keeps the unsent ones."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SimklConfigEntry,
        client: SimklClient,
        on_written: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        """Create an empty, stopped queue; `on_written` runs after each accepted write."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._on_written = on_written
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, writes_store_key(entry.entry_id), private=True
        )
        self._pending: list[PendingWrite] = []
        self._waiters: dict[str, asyncio.Future[WriteOutcome]] = {}
        self._sender: asyncio.Task[None] | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._awaiting_reauth = False
        self._stopping = False
        self._failures = 0

    async def async_load(self) -> None:
        """Read the writes left over from the last run."""
        stored = await self._store.async_load() or {}
        for data in stored.get("writes", []):
            try:
                self._pending.append(PendingWrite.from_json(data))
            except KeyError, TypeError, ValueError:
                LOGGER.warning("Dropping a stored Simkl write that cannot be read: %s", data)

    @callback
    def async_start(self) -> None:
        """Start sending; stop (after the write in flight) on unload and on shutdown."""
        self._entry.async_on_unload(self.async_stop)
        self._entry.async_on_unload(self._hass.async_add_shutdown_job(HassJob(self.async_stop)))
        self._async_send_soon()

    async def async_stop(self) -> None:
        """Finish the write in flight and send nothing more; unsent writes stay stored."""
        self._stopping = True
        self._cancel_retry_timer()
        if self._sender is not None:
            await self._sender
        self._release_waiters()

    async def async_submit(self, write: PendingWrite) -> WriteOutcome:
        """Queue a write; return once Simkl accepted it, or once it has to wait.

        Raises HomeAssistantError when Simkl rejects the write for good.
        """
        self._pending.append(write)
        await self._async_save()
        if self._blocked:
            return WriteOutcome(sent=False)
        waiter: asyncio.Future[WriteOutcome] = self._hass.loop.create_future()
        self._waiters[write.id] = waiter
        self._async_send_soon()
        try:
            return await waiter
        finally:
            self._waiters.pop(write.id, None)

    @property
    def _blocked(self) -> bool:
        return self._stopping or self._awaiting_reauth or self._cancel_retry is not None

    @callback
    def _async_send_soon(self) -> None:
        if self._sender is None and self._pending and not self._blocked:
            self._sender = self._entry.async_create_task(
                self._hass,
                self._async_send_pending(),
                f"{DOMAIN} writes of {self._entry.title}",
                eager_start=False,
            )

    async def _async_send_pending(self) -> None:
        try:
            while self._pending and not self._blocked:
                await self._async_send_next()
        finally:
            self._sender = None

    async def _async_send_next(self) -> None:
        write = self._pending[0]
        try:
            result = await write.async_send(self._client)
        except SimklRateLimitError as err:
            # The write lock or a 429: waiting is the remedy, not a failure of the write.
            LOGGER.debug("Simkl asked to wait %s s before the next write: %s", err.retry_after, err)
            self._retry_later(err.retry_after)
        except SimklAuthenticationError:
            LOGGER.warning("Simkl refused the token; writes wait until the account is linked again")
            self._awaiting_reauth = True
            self._release_waiters()
            self._entry.async_start_reauth(self._hass)
        except (SimklServerError, SimklConnectionError, SimklInvalidClientError) as err:
            # 412 also means "request limit exceeded", which passes like an outage.
            self._failures += 1
            delay = min(RETRY_BASE_DELAY * 2 ** (self._failures - 1), RETRY_MAX_DELAY)
            LOGGER.warning(
                "Could not send %s to Simkl, retrying in %s s: %s", write.label, delay, err
            )
            self._retry_later(delay)
        except SimklError as err:
            await self._async_drop(
                write,
                HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="write_rejected",
                    translation_placeholders={"item": write.label, "error": str(err)},
                ),
            )
        else:
            self._failures = 0
            if isinstance(result, SyncResult) and result.not_found_count:
                await self._async_drop(
                    write,
                    HomeAssistantError(
                        translation_domain=DOMAIN,
                        translation_key="write_not_found",
                        translation_placeholders={"item": write.label},
                    ),
                )
                return
            await self._async_remove(write)
            if (waiter := self._waiter_of(write)) is not None:
                waiter.set_result(WriteOutcome(sent=True, result=result))
            if not self._stopping:
                # Not awaited: the next write need not wait for the library to sync.
                self._entry.async_create_task(
                    self._hass, self._on_written(), f"{DOMAIN} refresh after a write"
                )

    @callback
    def _retry_later(self, delay: float) -> None:
        self._release_waiters()
        if not self._stopping:
            self._cancel_retry = async_call_later(
                self._hass, delay, HassJob(self._async_retry, cancel_on_shutdown=True)
            )

    @callback
    def _async_retry(self, _now: datetime) -> None:
        self._cancel_retry = None
        self._async_send_soon()

    @callback
    def _cancel_retry_timer(self) -> None:
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    async def _async_drop(self, write: PendingWrite, error: HomeAssistantError) -> None:
        """Forget a write Simkl will never accept; tell the caller, or else the user, once."""
        LOGGER.warning("Dropping a write Simkl rejected: %s", error)
        await self._async_remove(write)
        self._hass.bus.async_fire(
            EVENT_WRITE_FAILED,
            {
                "config_entry_id": self._entry.entry_id,
                "operation": write.operation,
                "item": write.label,
                "queued_at": write.queued_at.isoformat(),
                "request": write.request_json(),
                "error": str(error),
            },
        )
        if (waiter := self._waiter_of(write)) is not None:
            waiter.set_exception(error)
            return
        persistent_notification.async_create(
            self._hass,
            str(error),
            title=f"Simkl: {self._entry.title}",
            notification_id=f"{DOMAIN}_write_failed_{write.id}",
        )

    async def _async_remove(self, write: PendingWrite) -> None:
        self._pending.remove(write)
        await self._async_save()

    async def _async_save(self) -> None:
        await self._store.async_save({"writes": [write.to_json() for write in self._pending]})

    @callback
    def _waiter_of(self, write: PendingWrite) -> asyncio.Future[WriteOutcome] | None:
        """The caller still waiting for this write, if any."""
        waiter = self._waiters.get(write.id)
        return waiter if waiter is not None and not waiter.done() else None

    @callback
    def _release_waiters(self) -> None:
        """Answer every waiting caller: their writes are queued, to be sent later."""
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_result(WriteOutcome(sent=False))
