"""The test controls: users, tokens and PIN codes, faults and the request log, and library
changes made the way the API makes them.
"""

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .base import ServerBase
from .library import Library, LibraryEntry, Playback, Status, as_utc
from .protocol import Fault, FaultKind
from .seeds import seed_demo_library, seed_library
from .state import SETTINGS_FIELDS, FakeUser

if TYPE_CHECKING:
    from collections.abc import Iterable


class AdminControls(ServerBase):
    """What tests and the demo use to set the fake up and to look into it."""

    @property
    def users(self) -> list[FakeUser]:
        """Return every user."""
        return list(self.state.users.values())

    def add_user(self, name: str = "alice", account_id: int | None = None) -> FakeUser:
        """Create a user with an empty library."""
        return self.state.add_user(name, account_id)

    def issue_token(self, user: FakeUser) -> str:
        """Return a new access token for ``user``."""
        return self.state.issue_token(user)

    def revoke_token(self, token: str) -> None:
        """Make ``token`` answer 401 from now on."""
        self.state.revoke_token(token)

    @property
    def pending_pins(self) -> list[str]:
        """Return the PIN codes that wait for approval."""
        return self.state.pending_pins

    def approve_pin(self, user_code: str, user: FakeUser) -> None:
        """Approve a PIN code for ``user`` (KeyError when unknown or expired)."""
        self.state.approve_pin(user_code, user)

    # --- Faults and the request log ----------------------------------------------------------

    def inject_fault(
        self,
        path: str,
        kind: FaultKind,
        *,
        count: int | None = 1,
        status: int = 500,
        error: str | None = None,
        body: Any = None,
        delay: float = 0.0,
        method: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Make the next ``count`` requests whose path starts with ``path`` fail.

        ``count=None`` keeps the fault until `clear_faults`. Faults apply before every
        other check, in the order they were injected. ``method`` limits the fault to one
        verb; ``headers`` are added to a STATUS or HTML answer (e.g. ``Retry-After``).
        aiohttp sends an idempotent request (GET, DELETE) once more when the connection
        drops, so a RESET meant to reach such a caller needs ``count=2``.

        MALFORMED, EMPTY and a 2xx HTML replace the answer; a POST is handled before (Simkl
        took the write, the answer was mangled on the way back). A DELAY holds the request
        for ``delay`` seconds (or until `release_delayed`), then handles it as usual. A
        SLOW_ANSWER handles the request at once and holds only the answer: Simkl recorded a
        write whose answer comes too late for the client.
        """
        method = method.upper() if method else None
        self._faults.append(
            Fault(path, kind, count, status, error, body, delay, method, dict(headers or {}))
        )

    def release_delayed(self) -> None:
        """End the wait of every request or answer held back; later ones wait again."""
        self._release.set()
        self._release = asyncio.Event()

    def clear_faults(self) -> None:
        """Forget every injected fault."""
        self._faults.clear()

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        self.requests.clear()
        self.applied.clear()

    def request_paths(self) -> list[str]:
        """Return the logged requests as ``"GET /sync/activities"`` (without query)."""
        return [f"{request.method} {request.path}" for request in self.requests]

    # --- Library controls (each is one change, moving activities like the API does) ----------

    def library(self, user: FakeUser) -> Library:
        """Return the user's library."""
        return user.library

    def set_status(self, user: FakeUser, simkl_id: int, status: Status) -> LibraryEntry:
        """Move an item to a list, as ``/sync/add-to-list`` does."""
        with user.library.change() as change:
            return user.library.file(change, self._item(simkl_id), status)

    def watch_episodes(
        self,
        user: FakeUser,
        simkl_id: int,
        season: int,
        episodes: Iterable[int],
        watched_at: datetime | None = None,
    ) -> LibraryEntry:
        """Mark episodes watched, as ``/sync/history`` does (anime: season 1)."""
        item = self._item(simkl_id)
        numbers = list(episodes)
        missing = [number for number in numbers if item.episode(season, number) is None]
        if missing:
            msg = f"{item.title} has no episodes {missing} in season {season}"
            raise ValueError(msg)
        with user.library.change() as change:
            moment = as_utc(watched_at) if watched_at else change.stamp
            watched = [(season, number, moment) for number in numbers]
            return user.library.watch_episodes(change, item, watched)

    def watch_movie(
        self, user: FakeUser, simkl_id: int, watched_at: datetime | None = None
    ) -> LibraryEntry:
        """Mark a movie watched, as ``/sync/history`` does."""
        with user.library.change() as change:
            moment = as_utc(watched_at) if watched_at else change.stamp
            return user.library.watch_movie(change, self._item(simkl_id), moment)

    def rate(self, user: FakeUser, simkl_id: int, rating: int) -> LibraryEntry:
        """Rate an item 1-10, as ``/sync/ratings`` does."""
        if not 1 <= rating <= 10:
            msg = f"ratings go from 1 to 10, not {rating}"
            raise ValueError(msg)
        with user.library.change() as change:
            return user.library.rate(change, self._item(simkl_id), rating)

    def unrate(self, user: FakeUser, simkl_id: int) -> None:
        """Remove a rating, as ``/sync/ratings/remove`` does."""
        entry = user.library.entries[simkl_id]
        with user.library.change() as change:
            user.library.unrate(change, entry)

    def remove_item(self, user: FakeUser, simkl_id: int) -> None:
        """Remove an item from the library, as ``/sync/history/remove`` does."""
        with user.library.change() as change:
            if not user.library.remove(change, self._item(simkl_id)):
                raise KeyError(simkl_id)

    def add_playback(
        self,
        user: FakeUser,
        simkl_id: int,
        progress: float,
        season: int | None = None,
        episode: int | None = None,
    ) -> Playback:
        """Save a paused playback, as ``/scrobble/pause`` does."""
        item = self._item(simkl_id)
        with user.library.change() as change:
            return user.library.save_playback(
                change, item, self.state.next_id(), progress, season=season, number=episode
            )

    def set_settings(self, user: FakeUser, **changes: Any) -> None:
        """Change account settings (name, timezone, account_type, avatar, bio, loc, ...)."""
        unknown = set(changes) - SETTINGS_FIELDS
        if unknown:
            msg = f"unknown settings: {sorted(unknown)}"
            raise TypeError(msg)
        with user.library.change() as change:
            for name, value in changes.items():
                setattr(user, name, value)
            change.touch_settings()

    def seed_library(self, user: FakeUser, count: int, *, seed: int = 0) -> list[LibraryEntry]:
        """File ``count`` catalogue items not yet in the library (generating items when the
        catalogue runs short) in mixed lists, with watched episodes and some ratings.
        Deterministic for a given seed, catalogue and clock."""
        return seed_library(self.state, user, count, seed)

    def seed_demo_library(self, user: FakeUser) -> None:
        """File the demo library (see `tests.fake_simkl.seeds.DEMO_LIBRARY`)."""
        seed_demo_library(self.state, user)

    def touch_calendar(self) -> None:
        """Mark the calendar files changed (their Last-Modified moves to now), e.g. after
        adding items to the catalogue."""
        self._calendar_changed = max(
            self.now().replace(microsecond=0), self._calendar_changed + timedelta(seconds=1)
        )
