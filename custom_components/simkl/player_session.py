"""What a followed player shows, and what Simkl was told about it.

A session is the item a player shows, from the first reading until the player leaves it; it
is stored, so the item and its progress survive a restart of Home Assistant.
"""

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from homeassistant.components.media_player.const import MediaPlayerState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, State
from homeassistant.util import dt as dt_util

from .api import MediaType, ScrobbleAction
from .library import datetime_from_json, datetime_to_json, episode_code
from .player_match import Match, Title
from .scrobble import PlayerReading, read_player

# A remembered item is forgotten this long after it would have ended.
EXPIRY_MARGIN: Final = timedelta(hours=1)
# Runtimes assumed for an item whose player reports no duration (Simkl's own fallbacks).
_FALLBACK_RUNTIME: Final = {True: timedelta(minutes=45), False: timedelta(minutes=90)}

_GONE_STATES: Final = frozenset({STATE_UNAVAILABLE, STATE_UNKNOWN})


class Phase(StrEnum):
    """Where a player stands, as far as scrobbling is concerned."""

    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"


class Outcome(StrEnum):
    """What a `simkl_scrobble` event reports."""

    STARTED = "started"
    PAUSED = "paused"
    WATCHED = "watched"
    STOPPED = "stopped"
    UNMATCHED = "unmatched"
    IGNORED = "ignored"


@dataclass(slots=True, kw_only=True)
class Session:
    """The item a player shows, and what Simkl was told about it."""

    reading: PlayerReading
    seen_at: datetime
    # Read in an earlier run and not seen since: the player may have moved on meanwhile.
    restored: bool = False
    match: Match | None = None
    settled: bool = False
    sent: ScrobbleAction | None = None
    ended_at: datetime | None = None

    @property
    def expires_at(self) -> datetime:
        """When the item has surely ended, however long it was paused."""
        reading = self.reading
        left = _FALLBACK_RUNTIME[reading.is_episode]
        if reading.duration:
            left = timedelta(seconds=max(reading.duration - (reading.position or 0), 0))
        return self.seen_at + left + EXPIRY_MARGIN

    def progress(self) -> float | None:
        """Progress when the player left the item (now, while it still shows it)."""
        at = self.ended_at or dt_util.utcnow()
        return self.reading.progress(at, known_until=self.seen_at if self.restored else None)

    def to_json(self) -> dict[str, Any]:
        """Return the session as stored."""
        reading = self.reading
        return {
            "reading": asdict(reading) | {"position_at": datetime_to_json(reading.position_at)},
            "seen_at": datetime_to_json(self.seen_at),
            "match": {
                "title": self.match.title.to_json(),
                "season": self.match.season,
                "episode": self.match.episode,
            }
            if self.match is not None
            else None,
            "sent": self.sent,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        """Read a stored session; raises KeyError, TypeError or ValueError when unreadable."""
        raw = dict(data["reading"])
        raw["position_at"] = datetime_from_json(raw.get("position_at"))
        raw["media_type"] = MediaType.parse(raw.get("media_type"))
        match = data.get("match")
        seen_at = datetime_from_json(data["seen_at"])
        if seen_at is None:
            raise ValueError(data["seen_at"])
        return cls(
            reading=PlayerReading(**raw),
            seen_at=seen_at,
            restored=True,
            match=Match(
                title=Title.from_json(match["title"]),
                season=match.get("season"),
                episode=match.get("episode"),
            )
            if match
            else None,
            settled=True,
            sent=ScrobbleAction(data["sent"]) if data.get("sent") else None,
        )


@dataclass(slots=True)
class Player:
    """One followed player: its item, and the transition waiting to settle."""

    entity_id: str
    session: Session | None = None
    committed: tuple[Phase, str | None] = (Phase.STOPPED, None)
    wanted: tuple[Phase, str | None] | None = None
    incoming: PlayerReading | None = None
    cancel_timer: CALLBACK_TYPE | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def cancel(self) -> None:
        """Drop the transition waiting to settle."""
        if self.cancel_timer is not None:
            self.cancel_timer()
            self.cancel_timer = None
        self.wanted = None


def name_of_reading(reading: PlayerReading) -> str:
    """Name an item that was not identified as the player names it."""
    name = reading.title or reading.file or "?"
    if reading.year is not None:
        name = f"{name} ({reading.year})"
    if reading.is_episode and reading.episode is not None:
        name = f"{name} {episode_code(reading.season, reading.episode)}"
    return name


def phase_of(state: State | None) -> tuple[Phase | None, PlayerReading | None]:
    """The phase a state asks for; None to wait (buffering) or for a player that is gone."""
    if state is None or state.state in _GONE_STATES:
        return None, None
    if state.state == MediaPlayerState.BUFFERING:
        return None, read_player(state)
    reading = read_player(state)
    if state.state == MediaPlayerState.PLAYING and reading is not None:
        return Phase.PLAYING, reading
    if state.state == MediaPlayerState.PAUSED and reading is not None:
        return Phase.PAUSED, reading
    return Phase.STOPPED, None
