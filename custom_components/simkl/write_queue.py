"""The write queue of one account: every scrobble and library change goes through it.

Guarantee: every accepted write reaches Simkl at least once, in the order it was submitted,
and exactly once unless an attempt ended without an answer (then it is sent again, marked
`possibly_sent`); a write reaches Simkl not at all only when it is set aside, which is always
reported (a persistent notification and `simkl_write_failed`).

Writes leave one at a time (Simkl's 20-second write lock, 1 POST/s), saved before they are
sent and removed once answered. The queue lives while the account exists, loaded or not.

Public API, for the actions and anything else that writes to Simkl: `async_get_write_queue(
hass, entry)` returns the account's queue (created and started on first use);
`SimklWriteQueue.async_submit(write)` queues a `ScrobbleWrite` or `SyncWrite` (`write_store`)
and returns a `WriteOutcome` once Simkl took it (`sent`) or once it has to wait (`queued`); it
raises HomeAssistantError when Simkl rejected the item for good.

Simkl's answer to the head write decides: a 2xx (any body), or 409 to a stop or checkin, is
done; an item-level rejection (`id_err`, `empty_field`, `url_failed`, 404, nothing found) drops
it; the write lock and 429 wait (Retry-After, else 20 s / 10 s, doubling); 401 waits for a new
token; 5xx, 412 and no answer wait 5 s, 10 s ... 10 min; anything else (403, another 4xx, a
proxy's page) waits the same, raises a repair issue and counts against the write, which is set
aside after `SET_ASIDE_AFTER_ATTEMPTS` refusals or at a refusal `SET_ASIDE_AFTER_DAYS` old.
"""

import asyncio
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir, service
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import (
    ScrobbleResult,
    SimklAuthenticationError,
    SimklClient,
    SimklConnectionError,
    SimklError,
    SimklInvalidClientError,
    SimklNotFoundError,
    SimklRateLimitError,
    SimklServerError,
    SyncResult,
)
from .const import CONF_CLIENT_ID, DOMAIN, LOGGER
from .helpers import create_client
from .write_store import PendingWrite, WriteFiles

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from datetime import datetime

    from .data import SimklConfigEntry

EVENT_WRITE_FAILED: Final = "simkl_write_failed"
EVENT_ITEMS_NOT_FOUND: Final = "simkl_items_not_found"

# Backoff after outages and refusals: 5 s, 10 s, 20 s ... up to 10 minutes.
RETRY_BASE_DELAY: Final = 5.0
RETRY_MAX_DELAY: Final = 600.0

# The most writes kept; past it, the oldest waiting write is set aside.
MAX_QUEUED_WRITES: Final = 500
# A write Simkl keeps refusing is set aside after this many refusals, or at a refusal this
# long after it was queued, so that it no longer holds up the writes behind it.
SET_ASIDE_AFTER_ATTEMPTS: Final = 8
SET_ASIDE_AFTER_DAYS: Final = 3

# Error ids that reject the item of a write, not the write's delivery.
_ITEM_ERRORS: Final = frozenset({"id_err", "empty_field", "url_failed"})

# Entry states in which the account's write queue takes writes: all but a failed migration
# or unload, whose entry data may not be usable.
_ACCEPTS_WRITES: Final = frozenset(ConfigEntryState) - {
    ConfigEntryState.MIGRATION_ERROR,
    ConfigEntryState.FAILED_UNLOAD,
}
_QUEUES: HassKey[dict[str, SimklWriteQueue]] = HassKey(f"{DOMAIN}_write_queues")


async def async_get_write_queue(hass: HomeAssistant, entry: SimklConfigEntry) -> SimklWriteQueue:
    """Return the account's running queue; the first call loads it and starts it."""
    queues = hass.data.setdefault(_QUEUES, {})
    if (queue := queues.get(entry.entry_id)) is None:
        queue = SimklWriteQueue(
            hass,
            entry,
            create_client(hass, entry.data[CONF_CLIENT_ID], entry.data[CONF_ACCESS_TOKEN]),
        )
        queues[entry.entry_id] = queue
        await queue.async_load()
        queue.async_start()
    queue.async_use_token(entry.data[CONF_ACCESS_TOKEN])
    return queue


async def async_get_write_queue_of_call(call: ServiceCall) -> SimklWriteQueue:
    """Return the write queue of the account an action names, loaded or not.

    Writes are accepted whenever the account exists and is enabled: while Simkl is down at
    start, or the token waits to be renewed, the entry is not loaded but its queue takes them.
    """
    hass = call.hass
    entry_id: str | None = call.data.get("config_entry_id")
    entry: SimklConfigEntry | None
    if entry_id is None:
        enabled = [e for e in hass.config_entries.async_entries(DOMAIN) if e.disabled_by is None]
        entry = enabled[0] if len(enabled) == 1 else None
    else:
        entry = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.disabled_by is not None
        or entry.state not in _ACCEPTS_WRITES
    ):
        # None, several, unknown or disabled: Home Assistant's own messages.
        entry = service.async_get_config_entry(hass, DOMAIN, entry_id)
    return await async_get_write_queue(hass, entry)


async def async_stop_write_queue(hass: HomeAssistant, entry_id: str) -> None:
    """Stop the account's queue, if it runs, after the write in flight; it never saves again."""
    queue = hass.data.get(_QUEUES, {}).get(entry_id)
    if queue is not None:
        await queue.async_stop()


def refused_issue_id(entry_id: str) -> str:
    """Id of the repair issue raised while Simkl refuses an account's writes."""
    return f"writes_refused_{entry_id}"


def is_item_rejection(err: SimklError) -> bool:
    """Whether Simkl rejected the item of a write (which sending again cannot change)."""
    return isinstance(err, SimklNotFoundError) or (err.error_id or "").lower() in _ITEM_ERRORS


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """How a submitted write ended for its caller.

    `sent` is False when the write is queued for later; `result` is Simkl's answer, None when
    the write is queued or Simkl had already recorded it.
    """

    sent: bool
    result: ScrobbleResult | SyncResult | None = None


def _found_any(result: SyncResult) -> bool:
    return any(result.added.values()) or any(result.deleted.values())


class SimklWriteQueue:
    """Sends one account's writes in order, one at a time, and keeps the unsent ones."""

    def __init__(self, hass: HomeAssistant, entry: SimklConfigEntry, client: SimklClient) -> None:
        """Create an empty, stopped queue."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._files = WriteFiles(hass, entry.entry_id)
        # Runs after each accepted write while the entry is loaded: syncs the library.
        self.on_written: Callable[[], Coroutine[Any, Any, None]] | None = None
        self._pending: list[PendingWrite] = []
        self._waiters: dict[str, asyncio.Future[WriteOutcome]] = {}
        self._sender: asyncio.Task[None] | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._remove_shutdown_job: CALLBACK_TYPE | None = None
        self._awaiting_reauth = False
        self._stopping = False
        self._stopped = False
        self._failures = 0
        self._warned = False

    @property
    def client(self) -> SimklClient:
        """The client the queue sends with; it follows the entry's token."""
        return self._client

    @property
    def entry(self) -> SimklConfigEntry:
        """The account's config entry, loaded or not."""
        return self._entry

    async def async_load(self) -> None:
        """Read the writes left over from the last run."""
        self._pending = await self._files.async_load()

    @callback
    def async_start(self) -> None:
        """Start sending; Home Assistant's stop waits for the write in flight."""
        self._remove_shutdown_job = self._hass.async_add_shutdown_job(HassJob(self._async_shutdown))
        self._async_send_soon()

    @callback
    def async_use_token(self, access_token: str) -> None:
        """Send with this token from now on; a new token ends the wait for re-linking."""
        if access_token != self._client.access_token:
            self._client.access_token = access_token
            self._awaiting_reauth = False
            self._async_send_soon()

    async def _async_shutdown(self) -> None:
        # The shutdown job runs once; removing it while Home Assistant runs the jobs would
        # skip another integration's job.
        self._remove_shutdown_job = None
        await self.async_stop()

    async def async_stop(self) -> None:
        """Finish the write in flight and send nothing more; unsent writes stay stored.

        The client's write timeout bounds the wait, so it ends within Home Assistant's
        unload wait. Once stopped, the queue never saves again: a new queue (reload) or a
        removal owns the files.
        """
        self._stopping = True
        self._cancel_retry_timer()
        if self._remove_shutdown_job is not None:
            self._remove_shutdown_job()
            self._remove_shutdown_job = None
        if self._sender is not None:
            await self._sender
        self._stopped = True
        queues = self._hass.data.get(_QUEUES, {})
        if queues.get(self._entry.entry_id) is self:
            del queues[self._entry.entry_id]
        self._release_waiters()

    async def async_submit(self, write: PendingWrite) -> WriteOutcome:
        """Queue a write; return once Simkl accepted it, or once it has to wait.

        Raises HomeAssistantError when Simkl rejects the item for good.
        """
        if self._stopped:
            # Held by a caller from before a reload: the account's current queue takes it.
            current = await async_get_write_queue(self._hass, self._entry)
            return await current.async_submit(write)
        waiter: asyncio.Future[WriteOutcome] = self._hass.loop.create_future()
        self._waiters[write.id] = waiter
        try:
            await self._async_accept(write)
            if self._blocked:
                return WriteOutcome(sent=False)
            self._async_send_soon()
            return await waiter
        finally:
            # Whatever happened to the sender, the caller (maybe an automation in
            # `mode: queued`) gets an answer.
            self._waiters.pop(write.id, None)

    async def _async_accept(self, write: PendingWrite) -> None:
        """Add a write, dropping what it supersedes and making room; then save."""
        in_flight = self._pending[:1] if self._sender is not None else []
        superseded = [
            older for older in self._pending if older not in in_flight and write.supersedes(older)
        ]
        for older in superseded:
            self._pending.remove(older)
            self._resolve(older, WriteOutcome(sent=False))
        self._pending.append(write)
        while len(self._pending) > MAX_QUEUED_WRITES:
            oldest = next(older for older in self._pending if older not in in_flight)
            await self._async_set_aside(oldest, "The queue is full")
        await self._async_save()

    @property
    def _blocked(self) -> bool:
        return self._stopping or self._awaiting_reauth or self._cancel_retry is not None

    @callback
    def _async_send_soon(self) -> None:
        if self._sender is None and self._pending and not self._blocked:
            self._sender = self._hass.async_create_task(
                self._async_send_pending(),
                f"{DOMAIN} writes of {self._entry.title}",
                eager_start=False,
            )

    async def _async_send_pending(self) -> None:
        try:
            while self._pending and not self._blocked:
                await self._async_send_next()
        finally:
            # Also when the sender failed: nobody waits for a write that is not being sent.
            self._sender = None
            self._release_waiters()

    async def _async_send_next(self) -> None:
        write = self._pending[0]
        try:
            result = await write.async_send(self._client, dt_util.utcnow())
        except SimklRateLimitError as err:
            self._wait(write, err, self._backoff(err.retry_after, exact=err.retry_after_sent))
        except SimklAuthenticationError:
            LOGGER.warning("Simkl refused the token; writes wait until the account is linked again")
            self._awaiting_reauth = True
            self._entry.async_start_reauth(self._hass)
        except SimklError as err:
            if is_item_rejection(err):
                await self._async_reject(write, str(err))
                return
            if isinstance(err, SimklConnectionError) and not write.possibly_sent:
                # No answer: Simkl may have taken it. Sending it again is safe for a stop
                # or checkin (409) and sets the same state again for a library change.
                write = await self._async_update(write, possibly_sent=True)
            refused = not isinstance(
                err, SimklServerError | SimklConnectionError | SimklInvalidClientError
            )
            if refused:
                write = await self._async_refused(write, err)
            self._wait(write, err, self._backoff(RETRY_BASE_DELAY))
        else:
            await self._async_accepted(write, result)

    async def _async_accepted(
        self, write: PendingWrite, result: ScrobbleResult | SyncResult | None
    ) -> None:
        if isinstance(result, SyncResult) and result.not_found_count:
            if not _found_any(result):
                await self._async_reject(write, result=result)
                return
            not_found = result.not_found.to_dict()
            self._hass.bus.async_fire(
                EVENT_ITEMS_NOT_FOUND, {**self._event_data(write), "not_found": not_found}
            )
        self._answered()
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
        await self._async_remove(write)
        self._resolve(write, WriteOutcome(sent=True, result=result))
        if not self._stopping and self.on_written is not None:
            # Not awaited: the next write need not wait for the library to sync.
            self._entry.async_create_task(
                self._hass, self.on_written(), f"{DOMAIN} refresh after a write"
            )

    @callback
    def _answered(self) -> None:
        """Simkl answered the head write: waits start again at the shortest, and warn again."""
        self._failures = 0
        if self._warned:
            LOGGER.info("Simkl answers the writes of %s again", self._entry.title)
            self._warned = False

    def _backoff(self, base: float, *, exact: bool = False) -> float:
        """The wait before the next attempt: doubles with each failure in a row."""
        self._failures += 1
        if exact:
            return base
        return min(base * 2.0 ** (self._failures - 1), RETRY_MAX_DELAY)

    @callback
    def _wait(self, write: PendingWrite, err: SimklError, delay: float) -> None:
        """Send again after `delay`; warn once per run of waits (the lock is routine)."""
        if isinstance(err, SimklRateLimitError) and err.write_lock:
            LOGGER.debug("Simkl's write lock holds %s for %s s: %s", write.label, delay, err)
        elif not self._warned:
            LOGGER.warning(
                "Simkl did not take %s yet; it stays queued and is sent again in %s s: %s",
                write.label,
                delay,
                err,
            )
            self._warned = True
        # The sender stops once blocked by the timer (or the stop) and answers the callers.
        if not self._stopping:
            self._cancel_retry = async_call_later(self._hass, delay, self._async_retry)

    @callback
    def _async_retry(self, _now: datetime) -> None:
        self._cancel_retry = None
        self._async_send_soon()

    @callback
    def _cancel_retry_timer(self) -> None:
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    @property
    def _issue_id(self) -> str:
        return refused_issue_id(self._entry.entry_id)

    async def _async_refused(self, write: PendingWrite, err: SimklError) -> PendingWrite:
        """Count a refusal of the write, raise the repair issue, set the write aside if due."""
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="writes_refused",
            translation_placeholders={"account": self._entry.title, "answer": str(err)},
        )
        write = await self._async_update(write, attempts=write.attempts + 1)
        too_old = dt_util.utcnow() - write.queued_at >= timedelta(days=SET_ASIDE_AFTER_DAYS)
        if write.attempts >= SET_ASIDE_AFTER_ATTEMPTS or too_old:
            await self._async_set_aside(write, str(err))
        return write

    async def _async_update(self, write: PendingWrite, **changes: Any) -> PendingWrite:
        updated = replace(write, **changes)
        self._pending[self._pending.index(write)] = updated
        await self._async_save()
        return updated

    async def _async_reject(
        self, write: PendingWrite, reason: str = "", result: SyncResult | None = None
    ) -> None:
        """Forget a write Simkl will never accept; tell the caller, or else the user, once."""
        error = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_rejected" if result is None else "write_not_found",
            translation_placeholders={"item": write.label}
            | ({"error": reason} if result is None else {}),
        )
        LOGGER.warning("Dropping a write Simkl rejected: %s", error)
        self._answered()
        await self._async_remove(write)
        extra = {"not_found": result.not_found.to_dict()} if result is not None else {}
        self._report(write, error, set_aside=False, **extra)

    async def _async_set_aside(self, write: PendingWrite, reason: str) -> None:
        """Move a write out of the way, to the set-aside file; tell the user once."""
        error = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_set_aside",
            translation_placeholders={
                "item": write.label,
                "error": reason,
                "file": self._files.set_aside_path,
            },
        )
        LOGGER.warning("Setting a Simkl write aside: %s", error)
        await self._files.async_set_aside([write.to_json()], reason)
        await self._async_remove(write)
        self._report(write, error, set_aside=True)

    def _event_data(self, write: PendingWrite) -> dict[str, Any]:
        return {
            "config_entry_id": self._entry.entry_id,
            "operation": write.operation,
            "item": write.label,
            "queued_at": write.queued_at.isoformat(),
            "request": write.request_json(),
        }

    @callback
    def _report(
        self, write: PendingWrite, error: HomeAssistantError, *, set_aside: bool, **extra: Any
    ) -> None:
        self._hass.bus.async_fire(
            EVENT_WRITE_FAILED,
            {**self._event_data(write), "error": str(error), "set_aside": set_aside, **extra},
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
        if not self._stopped:
            await self._files.async_save(self._pending)

    @callback
    def _waiter_of(self, write: PendingWrite) -> asyncio.Future[WriteOutcome] | None:
        """The caller still waiting for this write, if any."""
        waiter = self._waiters.get(write.id)
        return waiter if waiter is not None and not waiter.done() else None

    @callback
    def _resolve(self, write: PendingWrite, outcome: WriteOutcome) -> None:
        if (waiter := self._waiter_of(write)) is not None:
            waiter.set_result(outcome)

    @callback
    def _release_waiters(self) -> None:
        """Answer every waiting caller: their writes are queued, to be sent later."""
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_result(WriteOutcome(sent=False))
