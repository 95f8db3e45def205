"""Follows the media players an account picked, and scrobbles what they play.

A player's state changes become scrobbles only on real transitions: playing sends start,
paused sends pause, and leaving the item (idle, off, unavailable for longer than a grace
period, another item, the player removed) sends stop with the last known progress. A
transition must hold for a few seconds before it counts, so buffering, a brief pause or an
`idle` while rebuffering send nothing. Each outcome fires a `simkl_scrobble` event.

The item each player shows, and what Simkl was told about it, is stored, so a stop after a
restart of Home Assistant still names the item and its progress.
"""

from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HassJob,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import (
    async_call_later,
    async_track_entity_registry_updated_event,
    async_track_state_change_event,
)
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import ScrobbleAction, ScrobbleResult
from .const import CONF_MEDIA_PLAYERS, DOMAIN, LOGGER, STORAGE_SAVE_DELAY, STORAGE_VERSION
from .player_match import Match, NoMatch, TitleResolver
from .player_reading import PlayerReading
from .player_session import Outcome, Phase, Player, Session, name_of_reading, phase_of
from .storage import AccountStore
from .write_store import ScrobbleWrite

if TYPE_CHECKING:
    from homeassistant.helpers.entity_registry import EventEntityRegistryUpdatedData

    from .data import SimklConfigEntry
    from .write_queue import SimklWriteQueue

EVENT_SCROBBLE: Final = "simkl_scrobble"

# How long a new state must hold before it counts: a pause and resume within this time,
# or buffering between two playing states, send nothing.
SETTLE_DELAY: Final = timedelta(seconds=10)
# How long a player may be idle, off or unavailable before the item counts as stopped:
# players report `idle` while rebuffering, and drop off the network for a moment.
STOP_GRACE: Final = timedelta(seconds=90)
WATCHED_PROGRESS: Final = 80.0


class PlayerFollower:
    """Scrobbles what one account's followed players play."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SimklConfigEntry,
        writes: SimklWriteQueue,
        titles: TitleResolver,
        *,
        entity_ids: list[str],
        min_duration: timedelta,
    ) -> None:
        """Follow `entity_ids`; items shorter than `min_duration` are not scrobbled."""
        self._hass = hass
        self._entry = entry
        self._writes = writes
        self._titles = titles
        self._min_duration = min_duration
        self._players = {entity_id: Player(entity_id) for entity_id in entity_ids}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, AccountStore.PLAYERS.key(entry.entry_id)
        )
        self._unsubscribe: list[CALLBACK_TYPE] = []

    async def async_start(self) -> None:
        """Restore the remembered items, then follow the players from their current state."""
        stored = (await self._store.async_load() or {}).get("players") or {}
        now = dt_util.utcnow()
        for entity_id, player in self._players.items():
            try:
                session = Session.from_json(stored[entity_id]) if entity_id in stored else None
            except KeyError, TypeError, ValueError:
                LOGGER.debug("Dropping a stored reading of %s that cannot be read", entity_id)
                session = None
            if session is not None and session.expires_at > now:
                player.session = session
                player.committed = (
                    Phase.PLAYING if session.sent is ScrobbleAction.START else Phase.PAUSED,
                    session.reading.key,
                )
        self._subscribe()
        self._entry.async_on_unload(self._async_unsubscribe)
        self._entry.async_on_unload(self.async_stop)
        self._entry.async_on_unload(self._hass.async_add_shutdown_job(HassJob(self.async_stop)))
        for entity_id in list(self._players):
            self._observe(entity_id, self._hass.states.get(entity_id), now)

    async def async_stop(self) -> None:
        """Stop following; what each player shows is stored as known until now."""
        for player in self._players.values():
            player.cancel()
            if player.session is not None and not player.session.restored:
                player.session.seen_at = dt_util.utcnow()
        self._async_unsubscribe()
        await self._store.async_save(self._stored())

    @callback
    def _subscribe(self) -> None:
        self._async_unsubscribe()
        ids = list(self._players)
        self._unsubscribe = [
            async_track_state_change_event(self._hass, ids, self._async_state_changed),
            async_track_entity_registry_updated_event(
                self._hass, ids, self._async_registry_updated
            ),
        ]

    @callback
    def _async_unsubscribe(self) -> None:
        while self._unsubscribe:
            self._unsubscribe.pop()()

    def _stored(self) -> dict[str, Any]:
        return {
            "players": {
                entity_id: player.session.to_json()
                for entity_id, player in self._players.items()
                if player.session is not None and player.session.sent is not None
            }
        }

    @callback
    def _async_save_soon(self) -> None:
        self._store.async_delay_save(self._stored, STORAGE_SAVE_DELAY.total_seconds())

    # --- following ---------------------------------------------------------------------------

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        self._observe(event.data["entity_id"], event.data["new_state"], dt_util.utcnow())

    @callback
    def _async_registry_updated(self, event: Event[EventEntityRegistryUpdatedData]) -> None:
        data = event.data
        if data["action"] == "remove":
            entity_id = data["entity_id"]
            if (player := self._players.get(entity_id)) is not None:
                LOGGER.debug("%s was removed; its item counts as stopped", entity_id)
                self._want(player, (Phase.STOPPED, None), timedelta(0), dt_util.utcnow())
                del self._players[entity_id]
                self._async_players_changed()
        elif data["action"] == "update" and "old_entity_id" in data:
            old, new = data["old_entity_id"], data["entity_id"]
            if (player := self._players.pop(old, None)) is not None:
                player.entity_id = new
                self._players[new] = player
                self._async_players_changed()

    @callback
    def _async_players_changed(self) -> None:
        """Follow the new set of players, and keep the account's option in step."""
        self._subscribe()
        self._hass.config_entries.async_update_entry(
            self._entry, options={**self._entry.options, CONF_MEDIA_PLAYERS: list(self._players)}
        )
        self._async_save_soon()

    @callback
    def _observe(self, entity_id: str, state: State | None, now: datetime) -> None:
        """Note what a player shows, and let the transition it asks for settle."""
        player = self._players[entity_id]
        session = player.session
        if session is not None and session.expires_at <= now:
            player.cancel()
            player.session, session = None, None
            player.committed = (Phase.STOPPED, None)
        phase, reading = phase_of(state)
        if phase is None:
            # Buffering holds the current phase; a restored item waits for the player to be
            # back before anything counts, and a player gone away counts as stopped after the
            # grace period.
            if reading is not None and session is not None and reading.key == session.reading.key:
                session.reading, session.seen_at = reading, now
            if reading is None and (session is None or not session.restored):
                self._leave(player, now)
                self._want(player, (Phase.STOPPED, None), STOP_GRACE, now)
            return
        if reading is None:
            self._leave(player, now)
            self._want(player, (Phase.STOPPED, None), STOP_GRACE, now)
            return
        if session is not None and reading.key == session.reading.key:
            session.reading, session.seen_at = reading, now
            session.restored, session.ended_at = False, None
            player.incoming = None
        else:
            self._leave(player, now)
            player.incoming = reading
        self._want(player, (phase, reading.key), SETTLE_DELAY, now)

    @staticmethod
    def _leave(player: Player, now: datetime) -> None:
        """The player no longer shows its item: its progress is the one reached now."""
        if player.session is not None and player.session.ended_at is None:
            player.session.ended_at = now

    @callback
    def _want(
        self, player: Player, wanted: tuple[Phase, str | None], delay: timedelta, now: datetime
    ) -> None:
        if wanted == player.committed:
            player.cancel()
            return
        if wanted == player.wanted:
            return
        player.cancel()
        player.wanted = wanted
        if delay:
            player.cancel_timer = async_call_later(
                self._hass,
                delay,
                HassJob(partial(self._async_settle_soon, player), cancel_on_shutdown=True),
            )
        else:
            self._async_settle_soon(player)

    @callback
    def _async_settle_soon(self, player: Player, _now: datetime | None = None) -> None:
        player.cancel_timer = None
        self._entry.async_create_task(
            self._hass, self._async_settle(player), f"{DOMAIN} scrobble {player.entity_id}"
        )

    # --- scrobbling --------------------------------------------------------------------------

    async def _async_settle(self, player: Player) -> None:
        """Send what the settled transition means to Simkl."""
        async with player.lock:
            # A transition cancelled while an earlier one was being sent is dropped.
            wanted, player.wanted = player.wanted, None
            if wanted is not None:
                await self._async_apply(player, wanted)

    async def _async_apply(self, player: Player, wanted: tuple[Phase, str | None]) -> None:
        """Stop the item the player left, then start or pause the one it shows."""
        phase, key = wanted
        session = player.session
        if session is not None and session.reading.key != key:
            if session.sent is not None:
                await self._async_send(player.entity_id, session, ScrobbleAction.STOP)
            player.session = session = None
        if session is None and key is not None and player.incoming is not None:
            session = Session(reading=player.incoming, seen_at=dt_util.utcnow())
            player.session, player.incoming = session, None
        player.committed = wanted
        if session is not None and phase is Phase.PLAYING:
            if not session.settled:
                session.settled = True
                await self._async_identify(player.entity_id, session)
            if session.match is not None and session.sent is not ScrobbleAction.START:
                await self._async_send(player.entity_id, session, ScrobbleAction.START)
        elif session is not None and phase is Phase.PAUSED and session.sent is ScrobbleAction.START:
            await self._async_send(player.entity_id, session, ScrobbleAction.PAUSE)
        self._async_save_soon()

    async def _async_identify(self, entity_id: str, session: Session) -> None:
        reading = session.reading
        reason = None
        if reading.other_content is not None:
            reason = reading.other_content
        elif reading.duration and reading.duration < self._min_duration.total_seconds():
            reason = "too_short"
        if reason is not None:
            LOGGER.debug("Not scrobbling %s on %s: %s", reading.title, entity_id, reason)
            self._fire(entity_id, Outcome.IGNORED, reading=reading, reason=reason)
            return
        found = await self._titles.async_resolve(reading, playing_now=True)
        if isinstance(found, NoMatch):
            LOGGER.debug(
                "Could not identify %s on %s (%s): %s",
                reading.title or reading.file,
                entity_id,
                found.reason,
                [title.name for title in found.candidates],
            )
            self._fire(
                entity_id,
                Outcome.UNMATCHED,
                reading=reading,
                reason=found.reason,
                candidates=[title.to_json() for title in found.candidates],
            )
            return
        session.match = found

    async def _async_send(self, entity_id: str, session: Session, action: ScrobbleAction) -> None:
        """Submit a scrobble through the write queue and report its outcome."""
        assert session.match is not None
        progress = session.progress()
        outcome = {
            ScrobbleAction.START: Outcome.STARTED,
            ScrobbleAction.PAUSE: Outcome.PAUSED,
        }.get(action, Outcome.STOPPED)
        session.sent = action
        if progress is None and action is not ScrobbleAction.START:
            # Without a duration the progress is unknown: Simkl ends the session by itself.
            self._fire(entity_id, outcome, match=session.match, status="not_sent")
            return
        write = ScrobbleWrite(
            action=action, request=session.match.request(progress), label=session.match.label
        )
        try:
            result = await self._writes.async_submit(write)
        except HomeAssistantError as err:
            LOGGER.warning("Simkl did not take the %s of %s: %s", action, write.label, err)
            self._fire(entity_id, Outcome.UNMATCHED, match=session.match, reason="rejected")
            return
        if action is ScrobbleAction.STOP and (
            (isinstance(result.result, ScrobbleResult) and result.result.action == "scrobble")
            or (result.result is None and (result.sent or (progress or 0) >= WATCHED_PROGRESS))
        ):
            outcome = Outcome.WATCHED
        self._fire(
            entity_id,
            outcome,
            match=session.match,
            progress=progress,
            status="sent" if result.sent else "queued",
        )

    @callback
    def _fire(
        self,
        entity_id: str,
        outcome: Outcome,
        *,
        match: Match | None = None,
        reading: PlayerReading | None = None,
        progress: float | None = None,
        **extra: Any,
    ) -> None:
        if match is not None:
            item = match.title.to_json() | {
                "season": match.season,
                "episode": match.episode,
                "item": match.label,
            }
        else:
            assert reading is not None
            item = {
                "type": reading.media_type.item_key if reading.media_type else None,
                "title": reading.title,
                "year": reading.year,
                "ids": reading.ids,
                "season": reading.season,
                "episode": reading.episode,
                "item": name_of_reading(reading),
                "file": reading.file,
            }
        self._hass.bus.async_fire(
            EVENT_SCROBBLE,
            {
                "config_entry_id": self._entry.entry_id,
                "account": self._entry.title,
                "entity_id": entity_id,
                "outcome": outcome,
                "progress": progress,
                **item,
                **extra,
            },
        )
