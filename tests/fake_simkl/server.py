"""HTTP layer of the fake Simkl API: a real aiohttp server on a local socket.

Every request is logged first (``fake.requests``), then injected faults apply, then the
checks Simkl makes: a known client id (412), a valid token on user endpoints (401) and the
per-second request caps (429). Calendar files, images and the PIN approval page stand for
the CDN and simkl.com, which do not ask for a client id and are not rate limited.
"""

import asyncio
from collections import deque
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
import html
import json
import re
from typing import TYPE_CHECKING, Any, Literal, Self, cast

from aiohttp import web

from . import artwork, views
from .catalog import MEDIA_KINDS, Catalog, CatalogItem, MediaKind
from .search import file_match
from .state import (
    MOVIE_STATUSES,
    SETTINGS_FIELDS,
    STATUSES,
    Checkin,
    FakeUser,
    Library,
    LibraryEntry,
    Playback,
    State,
    Status,
    as_utc,
    iso,
    parse_time,
    seed_demo_library,
    seed_library,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Iterator

    from aiohttp.web_urldispatcher import AbstractRoute

    from .state import Change

type Json = dict[str, Any]
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DEFAULT_CLIENT_ID = "test-client-id"
VERIFICATION_URI = "https://simkl.com/pin"
SCROBBLE_THRESHOLD = 80.0
SCROBBLE_CONFLICT_WINDOW = timedelta(hours=1)
_DEFAULT_ERRORS = {
    400: "bad_request",
    401: "user_token_failed",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "client_id_failed",
    429: "too_many_requests",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
}
# Path type -> catalogue kinds, for /sync/all-items/{type} and /sync/ratings/{type}.
_LIST_TYPES: dict[str, tuple[MediaKind, ...]] = {
    "shows": ("tv",),
    "anime": ("anime",),
    "movies": ("movie",),
}
_MOVIES: tuple[MediaKind, ...] = ("movie",)
_ANIME: tuple[MediaKind, ...] = ("anime",)
_SHOWS: tuple[MediaKind, ...] = ("tv", "anime")
_CONTENT_KINDS: dict[str, tuple[MediaKind, ...]] = {
    "tv": ("tv",),
    "anime": _ANIME,
    "movies": _MOVIES,
}
# The ``type`` parameter of id lookups and watched checks.
_TYPE_FILTERS: dict[str, tuple[MediaKind, ...]] = {
    "movie": ("movie", "anime"),
    "movies": ("movie", "anime"),
    "show": ("tv", "anime"),
    "shows": ("tv", "anime"),
    "tv": ("tv", "anime"),
    "anime": ("anime",),
}
_CALENDAR_KINDS: dict[str, MediaKind] = {"tv": "tv", "anime": "anime", "movie_release": "movie"}
_ID_KEYS = (
    "simkl", "simkl_id", "imdb", "tmdb", "tvdb", "mal", "anidb", "anilist", "kitsu",
    "livechart", "anisearch", "animeplanet", "letterboxd", "traktslug", "netflix",
    "crunchyroll", "hulu",
)  # fmt: skip
_IMAGE_PATH = re.compile(r"(?P<path>[0-9a-f]{2}/[0-9a-f]{16})(_\w+)?\.(webp|jpg|png)")


class FaultKind(StrEnum):
    """How an injected fault answers."""

    STATUS = "status"
    BODY = "body"
    DELAY = "delay"
    MALFORMED = "malformed"
    EMPTY = "empty"
    RESET = "reset"
    # A page of a proxy or of Cloudflare in front of Simkl: HTML, with the fault's status.
    HTML = "html"
    # The request is handled at once, its answer held back like a DELAY's.
    SLOW_ANSWER = "slow_answer"


# Faults that replace an answer's body: a POST is handled first, so only its answer is lost.
_MANGLING = frozenset({FaultKind.MALFORMED, FaultKind.EMPTY, FaultKind.HTML})


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """A request as the fake received it. ``json`` is None for bodies that are not JSON."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    time: datetime


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookups (keys are stored in lower case)."""

    def __getitem__(self, key: str) -> str:
        """Return the header ``key`` in any case."""
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        """Return whether the header is present, in any case."""
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        """Return the header ``key`` in any case, or ``default``."""
        return super().get(key.lower(), default)


@dataclass(eq=False)
class Fault:
    """An injected fault; ``remaining`` None means until `FakeSimkl.clear_faults`.

    STATUS answers ``status`` with Simkl's error body (or ``body``), BODY answers 200 with
    ``body`` as JSON (``None`` is ``null``); ``headers`` go with either.
    """

    prefix: str
    kind: FaultKind
    remaining: int | None
    status: int
    error: str | None
    body: Any
    delay: float
    method: str | None
    headers: dict[str, str] = field(default_factory=dict)

    def loses_answer(self, method: str) -> bool:
        """Whether a write is handled and only its (2xx) answer replaced."""
        if method != "POST" or self.kind not in _MANGLING:
            return False
        return self.kind is not FaultKind.HTML or 200 <= self.status < 300


class ApiError(Exception):
    """An error answer: Simkl's ``{"error", "code", "message"}`` body or a given one."""

    def __init__(
        self, status: int, error: str, message: str | None = None, *, body: Any = None
    ) -> None:
        """Describe the answer."""
        super().__init__(f"{status} {error}")
        self.status = status
        if body is None:
            body = {"error": error, "code": status}
            if message:
                body["message"] = message
        self.body = body

    def response(self) -> web.Response:
        """Return the HTTP response."""
        return web.json_response(self.body, status=self.status)


@dataclass(frozen=True, slots=True)
class _Route:
    """What the checks require of a route."""

    client_id: bool = True
    auth: Literal["none", "optional", "required"] = "none"


@dataclass
class _RateLimiter:
    """Sliding one-second windows of accepted requests, per bucket and verb class."""

    hits: dict[tuple[str, str], deque[datetime]] = field(default_factory=dict)

    def allow(self, bucket: str, verb: str, limit: int | None, now: datetime) -> bool:
        if limit is None:
            return True
        window = self.hits.setdefault((bucket, verb), deque())
        while window and window[0] <= now - timedelta(seconds=1):
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


class FakeSimkl:
    """A stateful fake of the Simkl API (and its calendar CDN) for tests and demos."""

    def __init__(
        self,
        *,
        client_ids: Iterable[str] = (DEFAULT_CLIENT_ID,),
        pin_interval: int = 5,
        pin_expires_in: int = 900,
        write_lock_seconds: float = 20.0,
        max_gets_per_second: int | None = 10,
        max_posts_per_second: int | None = None,
        auto_approve_after: float | None = None,
        catalog: Catalog | None = None,
        now: Callable[[], datetime] | None = None,
        accept_any_client_id: bool = False,
        verification_uri: str = VERIFICATION_URI,
    ) -> None:
        """Configure the fake; nothing listens until `start`."""
        self.client_ids = set(client_ids)
        self.accept_any_client_id = accept_any_client_id
        self.max_gets_per_second = max_gets_per_second
        self.max_posts_per_second = max_posts_per_second
        self.verification_uri = verification_uri
        self._clock = now or _utcnow
        self.state = State(
            catalog=catalog if catalog is not None else Catalog.demo(self.now()),
            clock=self.now,
            pin_interval=pin_interval,
            pin_expires_in=pin_expires_in,
            write_lock_seconds=write_lock_seconds,
            auto_approve_after=auto_approve_after,
        )
        self.requests: list[LoggedRequest] = []
        # The requests the API took (answered 2xx by its handler, not by an injected fault).
        self.applied: list[LoggedRequest] = []
        self._faults: list[Fault] = []
        self._limiter = _RateLimiter()
        self._calendar_changed = self.now().replace(microsecond=0)
        self._routes: dict[AbstractRoute, _Route] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._release = asyncio.Event()
        self._url: str | None = None

    # --- Lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free one; see `url`)."""
        if self._runner is not None:
            msg = "the fake Simkl server is already running"
            raise RuntimeError(msg)
        # New events each time: an event binds to the loop that first waits on it.
        self._stopping = asyncio.Event()
        self._release = asyncio.Event()
        runner = web.AppRunner(self._make_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1]
        self._url = f"http://{f'[{host}]' if ':' in host else host}:{bound_port}"

    async def stop(self) -> None:
        """Stop listening; requests still waiting on a DELAY fault are answered first."""
        self._stopping.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start on a free local port."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop."""
        await self.stop()

    @property
    def url(self) -> str:
        """Return the API's base URL, e.g. ``http://127.0.0.1:41234``.

        It stays set after `stop`, naming a closed port: a way to test an unreachable server.
        """
        if self._url is None:
            msg = "the fake Simkl server is not running"
            raise RuntimeError(msg)
        return self._url

    @property
    def data_url(self) -> str:
        """Return the base URL of the calendar files (the same server)."""
        return self.url

    # --- Time --------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Return the fake's current time (aware, UTC)."""
        return as_utc(self._clock())

    def set_clock(self, now: Callable[[], datetime]) -> None:
        """Read the time from ``now`` from here on."""
        self._clock = now

    # --- Users, tokens, PIN codes ------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """Return the catalogue."""
        return self.state.catalog

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

    def _item(self, simkl_id: int) -> CatalogItem:
        item = self.catalog.get(simkl_id)
        if item is None:
            raise KeyError(simkl_id)
        return item

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
        """File the demo library (see `tests.fake_simkl.state.DEMO_LIBRARY`)."""
        seed_demo_library(self.state, user)

    def touch_calendar(self) -> None:
        """Mark the calendar files changed (their Last-Modified moves to now), e.g. after
        adding items to the catalogue."""
        self._calendar_changed = max(
            self.now().replace(microsecond=0), self._calendar_changed + timedelta(seconds=1)
        )

    # --- Application -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        self._routes.clear()
        user = _Route(auth="required")
        public = _Route()
        cdn = _Route(client_id=False)
        table: list[tuple[str, str, Handler, _Route]] = [
            ("GET", "/oauth/pin", self._pin_request, public),
            ("GET", "/oauth/pin/{code}", self._pin_poll, public),
            ("GET", "/pin", self._pin_page, cdn),
            ("GET", "/pin/{code}", self._pin_page, cdn),
            ("POST", "/pin", self._pin_approve, cdn),
            ("GET", "/sync/activities", self._activities, user),
            ("POST", "/sync/activities", self._activities, user),
            ("GET", "/sync/all-items", self._all_items, user),
            ("GET", "/sync/all-items/{type}", self._all_items, user),
            ("GET", "/sync/all-items/{type}/{status}", self._all_items, user),
            ("GET", "/sync/playback", self._playback_list, user),
            ("GET", "/sync/playback/{type}", self._playback_list, user),
            ("DELETE", "/sync/playback/{id}", self._playback_delete, user),
            ("POST", "/sync/ratings/remove", self._ratings_remove, user),
            ("GET", "/sync/ratings", self._ratings_list, user),
            ("POST", "/sync/ratings", self._ratings_post, user),
            ("GET", "/sync/ratings/{type}", self._ratings_list, user),
            ("POST", "/sync/ratings/{type}", self._ratings_list, user),
            ("GET", "/sync/ratings/{type}/{rating}", self._ratings_list, user),
            ("POST", "/sync/ratings/{type}/{rating}", self._ratings_list, user),
            ("POST", "/sync/history", self._history_add, user),
            ("POST", "/sync/history/remove", self._history_remove, user),
            ("POST", "/sync/add-to-list", self._add_to_list, user),
            ("POST", "/sync/watched", self._watched, user),
            ("POST", "/scrobble/{action}", self._scrobble, user),
            ("GET", "/users/settings", self._settings, user),
            ("POST", "/users/settings", self._settings, user),
            ("GET", "/users/{id}/stats", self._stats, _Route(auth="optional")),
            ("POST", "/users/{id}/stats", self._stats, _Route(auth="optional")),
            ("GET", "/search/id", self._search_id, public),
            ("POST", "/search/file", self._search_file, public),
            ("GET", "/search/{type}", self._search_text, public),
            ("GET", "/tv/episodes/{id}", self._episodes, public),
            ("GET", "/anime/episodes/{id}", self._episodes, public),
            ("GET", "/tv/{id}", self._summary, public),
            ("GET", "/anime/{id}", self._summary, public),
            ("GET", "/movies/{id}", self._summary, public),
            ("GET", "/calendar/{file}.json", self._calendar, cdn),
            (
                "GET",
                r"/calendar/{year:\d{4}}/{month:[1-9]|1[0-2]}/{file}.json",
                self._calendar,
                cdn,
            ),
            ("GET", "/{kind:posters|fanart|episodes|avatars}/{path:.+}", self._image, cdn),
        ]
        for method, path, handler, spec in table:
            self._routes[app.router.add_route(method, path, handler)] = spec
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        payload: Any = None
        if raw:
            with suppress(ValueError):
                payload = json.loads(raw)
        request["json"] = payload
        request["json_valid"] = not raw or payload is not None or raw.strip() == b"null"
        logged = LoggedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=Headers((key.lower(), value) for key, value in request.headers.items()),
            json=payload,
            time=self.now(),
        )
        self.requests.append(logged)
        fault = self._take_fault(request)
        if fault is not None and fault.kind is FaultKind.SLOW_ANSWER:
            answer = await self._handle(request, handler, logged)
            await self._apply_fault(request, fault)
            return answer
        if fault is not None and fault.loses_answer(request.method):
            # The write is taken; only its answer is lost on the way back.
            answer = await self._handle(request, handler, logged)
            if not 200 <= answer.status < 300:
                return answer
            return await self._apply_fault(request, fault) or answer
        if fault is not None:
            response = await self._apply_fault(request, fault)
            if response is not None:
                return response
        return await self._handle(request, handler, logged)

    async def _handle(
        self, request: web.Request, handler: Handler, logged: LoggedRequest
    ) -> web.StreamResponse:
        try:
            spec = self._routes.get(request.match_info.route)
            if spec is not None:
                self._check(request, spec)
            answer = await handler(request)
        except ApiError as error:
            return error.response()
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return ApiError(exc.status, _DEFAULT_ERRORS.get(exc.status, "error")).response()
        if 200 <= answer.status < 300:
            self.applied.append(logged)
        return answer

    def _take_fault(self, request: web.Request) -> Fault | None:
        for fault in self._faults:
            if request.path.startswith(fault.prefix) and fault.method in {None, request.method}:
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    async def _apply_fault(self, request: web.Request, fault: Fault) -> web.StreamResponse | None:
        match fault.kind:
            case FaultKind.STATUS:
                error = fault.error or _DEFAULT_ERRORS.get(fault.status, "error")
                response = ApiError(fault.status, error, body=fault.body).response()
                response.headers.update(fault.headers)
                return response
            case FaultKind.BODY:
                return web.json_response(fault.body, headers=fault.headers)
            case FaultKind.HTML:
                return web.Response(
                    status=fault.status,
                    text="<html><body><h1>Attention Required! | Cloudflare</h1></body></html>",
                    content_type="text/html",
                    headers=fault.headers,
                )
            case FaultKind.DELAY | FaultKind.SLOW_ANSWER:
                await self._hold(fault.delay)
                return None
            case FaultKind.MALFORMED:
                return web.Response(
                    body=b'{"all": "2026-05-13T16:08:00Z", "tv_shows": {"all": ',
                    content_type="application/json",
                )
            case FaultKind.EMPTY:
                return web.Response(
                    status=201 if request.method == "POST" else 200,
                    body=b"",
                    content_type="application/json",
                )
            case FaultKind.RESET:
                if request.transport is not None:
                    request.transport.abort()
                # aiohttp drops this answer quietly: the connection is already gone.
                return web.Response(status=500)

    async def _hold(self, delay: float) -> None:
        """Wait `delay` seconds, or until `stop` or `release_delayed`.

        Waiting on events rather than sleeping lets both end the wait, which matters when a
        test has frozen the event loop's clock.
        """
        waits = [asyncio.ensure_future(event.wait()) for event in (self._stopping, self._release)]
        await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()

    def _check(self, request: web.Request, spec: _Route) -> None:
        """Apply Simkl's checks: client id (412), token (401), per-second caps (429)."""
        user: FakeUser | None = None
        token = None
        authorization = request.headers.get("Authorization", "")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            token = value.strip()
            user = self.state.tokens.get(token)
        request["user"] = user
        if not spec.client_id:
            return
        client_id = self._client_id(request)
        if not client_id or not (self.accept_any_client_id or client_id in self.client_ids):
            raise ApiError(412, "client_id_failed", "Your client_id is wrong. Try another one")
        if spec.auth == "required" and user is None:
            raise ApiError(401, "user_token_failed", "The access token is missing or revoked")
        bucket = f"token:{token}" if user is not None else f"client:{client_id}"
        reading = request.method in {"GET", "HEAD"}
        limit = self.max_gets_per_second if reading else self.max_posts_per_second
        if not self._limiter.allow(bucket, "get" if reading else "post", limit, self.now()):
            raise ApiError(429, "too_many_requests", "Too many requests; slow down")
        if user is not None:
            user.library.settle_checkins()

    # --- Helpers -----------------------------------------------------------------------------

    @staticmethod
    def _user(request: web.Request) -> FakeUser:
        return cast("FakeUser", request["user"])

    @staticmethod
    def _body(request: web.Request) -> Any:
        if not request["json_valid"]:
            raise ApiError(400, "wrong_parameter", "The body is not valid JSON")
        return request["json"]

    @staticmethod
    def _object_body(request: web.Request) -> Json:
        body = FakeSimkl._body(request)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise ApiError(400, "wrong_parameter", "The body must be a JSON object")
        return body

    def _date_query(self, request: web.Request, name: str) -> datetime | None:
        text = request.query.get(name)
        if not text:
            return None
        try:
            return parse_time(text)
        except ValueError:
            raise ApiError(400, "wrong_parameter", f"{name} is not a date") from None

    @staticmethod
    def _optional_time(value: object) -> datetime | None:
        """Parse a date field of a request body; None when absent."""
        if value in {None, ""}:
            return None
        if not isinstance(value, str):
            raise ApiError(400, "wrong_parameter", "Dates must be ISO 8601 strings")
        try:
            return parse_time(value)
        except ValueError:
            raise ApiError(400, "wrong_parameter", f"{value!r} is not a date") from None

    @classmethod
    def _time_field(cls, value: object, default: datetime) -> datetime:
        """Parse a date field of a request body; ``default`` when absent."""
        return cls._optional_time(value) or default

    @contextmanager
    def _write(self, user: FakeUser) -> Iterator[Change]:
        """Serialize a write behind the user's lock; the lock starts when the write succeeds."""
        if self.state.write_locked(user):
            raise ApiError(400, "RATE_LIMIT", "Another write of this user is being processed")
        with user.library.change() as change:
            yield change
        self.state.record_write(user)

    def _resolve(self, payload: object, section: str) -> CatalogItem | None:
        """Find the item a request object names, by ids, then title and year."""
        if not isinstance(payload, dict):
            return None
        ids = payload.get("ids")
        ids = ids if isinstance(ids, dict) else {}
        title = payload.get("title") if isinstance(payload.get("title"), str) else None
        year = payload.get("year") if isinstance(payload.get("year"), int) else None
        if section in {"movies", "movie"}:
            item = self.catalog.find(ids, kinds=_MOVIES, title=title, year=year)
            if item is None:
                anime = self.catalog.find(ids, kinds=_ANIME, title=title, year=year)
                item = anime if anime is not None and anime.anime_type == "movie" else None
            return item
        kinds = _ANIME if section == "anime" else _SHOWS
        return self.catalog.find(ids, kinds=kinds, title=title, year=year)

    def _requested_items(
        self, body: Json
    ) -> Iterator[tuple[Literal["movies", "shows"], Any, CatalogItem | None]]:
        """Yield each entry of a write's sections with the item it names, and the answer's
        bucket it counts in (Simkl counts anime with shows)."""
        for section in ("movies", "shows", "anime"):
            bucket: Literal["movies", "shows"] = "movies" if section == "movies" else "shows"
            for payload in _as_list(body.get(section)):
                yield bucket, payload, self._resolve(payload, section)

    @staticmethod
    def _rating(value: object) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10:
            return value
        return None

    # --- PIN flow ----------------------------------------------------------------------------

    def _pin_payload(self, client_id: str) -> Json:
        pin = self.state.new_pin(client_id)
        return {
            "result": "OK",
            "device_code": "DEVICE_CODE",
            "user_code": pin.user_code,
            "verification_uri": self.verification_uri,
            "verification_url": self.verification_uri,
            "expires_in": self.state.pin_expires_in,
            "interval": self.state.pin_interval,
        }

    @staticmethod
    def _client_id(request: web.Request) -> str:
        return request.query.get("client_id") or request.headers.get("simkl-api-key") or ""

    async def _pin_request(self, request: web.Request) -> web.Response:
        return web.json_response(self._pin_payload(self._client_id(request)))

    async def _pin_poll(self, request: web.Request) -> web.Response:
        pin = self.state.live_pin(request.match_info["code"])
        if pin is None:
            return web.json_response(self._pin_payload(self._client_id(request)))
        if pin.approved_for is None:
            return web.json_response({"result": "KO", "message": "Authorization pending"})
        del self.state.pins[pin.user_code]
        token = self.state.issue_token(pin.approved_for)
        return web.json_response({"result": "OK", "access_token": token})

    async def _pin_page(self, request: web.Request) -> web.Response:
        code = html.escape(request.match_info.get("code", ""))
        return web.Response(
            text=(
                "<!doctype html><html><head><title>Simkl (fake) - connect an app</title></head>"
                "<body><h1>Connect an app</h1>"
                '<form method="post" action="/pin"><label>Code '
                f'<input name="code" value="{code}" autofocus></label> '
                "<button>Approve</button></form></body></html>"
            ),
            content_type="text/html",
        )

    async def _pin_approve(self, request: web.Request) -> web.Response:
        form = await request.post()
        code = str(form.get("code", "")).strip().upper()
        user = self.state.demo_user()
        try:
            self.state.approve_pin(code, user)
        except KeyError:
            return web.Response(
                text=f"<p>Unknown or expired code {html.escape(code)}.</p>",
                content_type="text/html",
                status=404,
            )
        return web.Response(
            text=f"<p>Code {html.escape(code)} approved for {html.escape(user.name)}.</p>",
            content_type="text/html",
        )

    # --- Sync --------------------------------------------------------------------------------

    async def _activities(self, request: web.Request) -> web.Response:
        return web.json_response(self._user(request).library.activities.as_json())

    def _list_kinds(self, request: web.Request) -> tuple[MediaKind, ...]:
        path_type = request.match_info.get("type")
        if path_type is None:
            return MEDIA_KINDS
        if path_type not in _LIST_TYPES:
            raise ApiError(400, "wrong_parameter", f"Unknown type {path_type!r}")
        return _LIST_TYPES[path_type]

    async def _all_items(self, request: web.Request) -> web.Response:
        kinds = self._list_kinds(request)
        status = request.match_info.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError(400, "wrong_parameter", f"Unknown status {status!r}")
        date_from = self._date_query(request, "date_from")
        now = self.now()
        buckets: dict[str, list[Json]] = {}
        for entry in self._user(request).library.entries.values():
            kind = entry.item.kind
            if kind not in kinds or (status is not None and entry.status != status):
                continue
            if date_from is not None and entry.updated_at <= date_from:
                continue
            buckets.setdefault(views.BUCKETS[kind], []).append(
                views.library_item(
                    entry,
                    now,
                    extended=request.query.get("extended"),
                    episode_watched_at=request.query.get("episode_watched_at") == "yes",
                    next_watch_info=request.query.get("next_watch_info") == "yes",
                )
            )
        return web.json_response(buckets or None)

    async def _playback_list(self, request: web.Request) -> web.Response:
        path_type = request.match_info.get("type")
        if path_type not in {None, "episodes", "movies"} and not str(path_type).isdigit():
            raise ApiError(400, "wrong_parameter", f"Unknown type {path_type!r}")
        date_from = self._date_query(request, "date_from")
        date_to = self._date_query(request, "date_to")
        sessions = sorted(
            self._user(request).library.playbacks.values(),
            key=lambda session: (session.paused_at, session.id),
            reverse=True,
        )
        selected = [
            session
            for session in sessions
            if (path_type != "episodes" or session.season is not None)
            and (path_type != "movies" or session.season is None)
            and (date_from is None or session.paused_at > date_from)
            and (date_to is None or session.paused_at <= date_to)
        ]
        limit = request.query.get("limit", "")
        if limit.isdigit():
            selected = selected[: int(limit)]
        return web.json_response([views.playback(session) for session in selected])

    async def _playback_delete(self, request: web.Request) -> web.Response:
        raw_id = request.match_info["id"]
        if not raw_id.isdigit() or int(raw_id) == 0:
            raise ApiError(404, "url_failed", "The playback id is missing or not a number")
        user = self._user(request)
        with self._write(user) as change:
            session = user.library.playback_by_id(int(raw_id))
            if session is None:
                raise ApiError(404, "empty", "No playback session with this id")
            user.library.drop_playback(change, session.item)
        return web.Response(status=204)

    async def _ratings_post(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        if any(key in body for key in ("movies", "shows", "anime")):
            return await self._ratings_add(request, body)
        return await self._ratings_list(request)

    async def _ratings_list(self, request: web.Request) -> web.Response:
        kinds = self._list_kinds(request)
        wanted: set[int] | None = None
        if "rating" in request.match_info:
            try:
                wanted = {int(part) for part in request.match_info["rating"].split(",")}
            except ValueError:
                raise ApiError(400, "wrong_parameter", "Ratings are numbers 1-10") from None
        date_from = self._date_query(request, "date_from")
        now = self.now()
        buckets: dict[str, list[Json]] = {}
        for entry in self._user(request).library.entries.values():
            if entry.rating is None or entry.item.kind not in kinds:
                continue
            if wanted is not None and entry.rating not in wanted:
                continue
            changed = entry.rating_changed_at
            if date_from is not None and (changed is None or changed <= date_from):
                continue
            bucket = buckets.setdefault(views.BUCKETS[entry.item.kind], [])
            bucket.append(views.library_item(entry, now))
        return web.json_response(buckets or None)

    async def _ratings_add(self, request: web.Request, body: Json) -> web.Response:
        user = self._user(request)
        added: Json = {"movies": 0, "shows": 0, "statuses": []}
        not_found: Json = {"movies": [], "shows": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                rating = self._rating(payload.get("rating")) if item else None
                if item is None or rating is None:
                    not_found[bucket].append(payload)
                    continue
                rated_at = self._time_field(payload.get("rated_at"), change.stamp)
                entry = user.library.rate(change, item, rating, rated_at)
                added[bucket] += 1
                added["statuses"].append({"request": payload, "response": {"status": entry.status}})
        return web.json_response({"added": added, "not_found": not_found}, status=201)

    async def _ratings_remove(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        deleted = {"movies": 0, "shows": 0}
        not_found: Json = {"movies": [], "shows": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                entry = user.library.entries.get(item.simkl_id) if item else None
                if entry is None:
                    not_found[bucket].append(payload)
                elif user.library.unrate(change, entry):
                    deleted[bucket] += 1
        return web.json_response({"deleted": deleted, "not_found": not_found}, status=201)

    def _requested_episodes(
        self, item: CatalogItem, payload: Json, default: datetime, not_found: list[Any]
    ) -> list[tuple[int, int, datetime]] | None:
        """Return the episodes a history item lists, or None when it lists none."""
        seasons = _as_list(payload.get("seasons"))
        flat = _as_list(payload.get("episodes"))
        if not seasons and not flat:
            return None
        item_time = self._time_field(payload.get("watched_at"), default)
        if flat:
            seasons = [*seasons, {"number": 1, "episodes": flat}]
        found = []
        for season in seasons:
            if not isinstance(season, dict):
                continue
            # Anime (AniDB numbering) has no seasons: its episodes are all in season 1.
            number = season.get("number", 1)
            season_time = self._time_field(season.get("watched_at"), item_time)
            episodes = _as_list(season.get("episodes"))
            plan = item.season_plan(number) if isinstance(number, int) else None
            if plan is None:
                not_found.append({"ids": item.external_ids(), "season": number})
                continue
            if not episodes:
                aired = plan.aired_count(self.now())
                found += [(plan.number, episode, season_time) for episode in range(1, aired + 1)]
            for episode in episodes:
                episode_number = episode.get("number") if isinstance(episode, dict) else None
                if (
                    not isinstance(episode_number, int)
                    or item.episode(plan.number, episode_number) is None
                ):
                    not_found.append(
                        {"ids": item.external_ids(), "season": number, "episode": episode}
                    )
                    continue
                at = self._time_field(episode.get("watched_at"), season_time)
                found.append((plan.number, episode_number, at))
        return found

    def _add_show_history(
        self, change: Change, library: Library, item: CatalogItem, payload: Json, not_found: Json
    ) -> tuple[LibraryEntry | None, int]:
        """File a show from ``/sync/history``; return its entry and the episodes marked."""
        episodes = self._requested_episodes(item, payload, change.stamp, not_found["episodes"])
        if episodes is not None:
            if not episodes:
                return library.entries.get(item.simkl_id), 0
            return library.watch_episodes(change, item, episodes), len(episodes)
        moment = self._time_field(payload.get("watched_at"), change.stamp)
        status = payload.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError(400, "wrong_parameter", f"Unknown status {status!r}")
        aired = [(season, number, moment) for season, number in item.aired_keys(self.now())]
        if status not in {None, "completed"}:
            return library.file(change, item, status), 0
        if not aired:
            return library.file(change, item, "watching"), 0
        # An ended show becomes completed; a show still airing stays in watching.
        return library.watch_episodes(change, item, aired), len(aired)

    async def _history_add(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        library = user.library
        added: Json = {"movies": 0, "shows": 0, "episodes": 0, "statuses": []}
        not_found: Json = {"movies": [], "shows": [], "episodes": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                if item is None:
                    not_found[bucket].append(payload)
                    continue
                entry: LibraryEntry | None
                if item.is_movie or bucket == "movies":
                    moment = self._time_field(payload.get("watched_at"), change.stamp)
                    if item.is_movie:
                        entry = library.watch_movie(change, item, moment)
                    else:
                        entry = library.watch_episodes(change, item, [(1, 1, moment)])
                    added["movies"] += 1
                else:
                    entry, marked = self._add_show_history(
                        change, library, item, payload, not_found
                    )
                    if entry is None:
                        continue
                    added["episodes"] += marked
                    added["shows"] += 1
                rating = self._rating(payload.get("rating"))
                if rating is not None:
                    library.rate(change, item, rating)
                added["statuses"].append(
                    {
                        "request": payload,
                        "response": {
                            "status": entry.status,
                            "simkl_type": views.SIMKL_TYPES[item.kind],
                            "anime_type": item.anime_type,
                        },
                    }
                )
            for payload in _as_list(body.get("episodes")):
                found = self._episode_by_ids(payload)
                if found is None:
                    not_found["episodes"].append(payload)
                    continue
                item, season, number = found
                moment = self._time_field(payload.get("watched_at"), change.stamp)
                library.watch_episodes(change, item, [(season, number, moment)])
                added["episodes"] += 1
        return web.json_response({"added": added, "not_found": not_found}, status=201)

    def _episode_by_ids(self, payload: object) -> tuple[CatalogItem, int, int] | None:
        ids = payload.get("ids") if isinstance(payload, dict) else None
        simkl_id = ids.get("simkl") if isinstance(ids, dict) else None
        if not isinstance(simkl_id, int):
            return None
        found = self.catalog.episode_by_id(simkl_id)
        if found is None:
            return None
        item, episode = found
        return item, episode.season, episode.number

    async def _history_remove(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        library = user.library
        deleted = {"movies": 0, "shows": 0, "episodes": 0}
        not_found: Json = {"movies": [], "shows": [], "episodes": []}
        with self._write(user) as change:
            for bucket, payload, item in self._requested_items(body):
                entry = library.entries.get(item.simkl_id) if item else None
                if item is None or entry is None:
                    not_found[bucket].append(payload)
                    continue
                episodes = None
                if not item.is_movie:
                    episodes = self._requested_episodes(
                        item, payload, change.stamp, not_found["episodes"]
                    )
                if episodes is None:
                    library.remove(change, item)
                    deleted[bucket] += 1
                else:
                    keys = [(season, number) for season, number, _ in episodes]
                    deleted["episodes"] += library.unwatch_episodes(change, entry, keys)
            for payload in _as_list(body.get("episodes")):
                found = self._episode_by_ids(payload)
                entry = library.entries.get(found[0].simkl_id) if found else None
                if found is None or entry is None:
                    not_found["episodes"].append(payload)
                    continue
                deleted["episodes"] += library.unwatch_episodes(change, entry, [found[1:]])
        return web.json_response({"deleted": deleted, "not_found": not_found}, status=201)

    async def _add_to_list(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        user = self._user(request)
        sections = [s for s in ("movies", "shows", "anime") if isinstance(body.get(s), list)]
        for section in sections:
            for payload in body[section]:
                target = payload.get("to") if isinstance(payload, dict) else None
                if not target:
                    raise ApiError(400, "empty_field", "Every item needs a `to` list")
                if target not in STATUSES:
                    raise ApiError(400, "wrong_parameter", f"Unknown list {target!r}")
        added: Json = {"movies": [], "shows": []}
        not_found: Json = {"movies": [], "shows": []}
        with self._write(user) as change:
            for section in sections:
                for payload in body[section]:
                    item = self._resolve(payload, section)
                    target = cast("Status", payload["to"])
                    if item is None or (
                        item.is_movie and target not in {*MOVIE_STATUSES, "watching"}
                    ):
                        not_found.setdefault(section, []).append({"ids": payload.get("ids")})
                        continue
                    user.library.file(
                        change,
                        item,
                        target,
                        watched_at=self._optional_time(payload.get("watched_at")),
                        added_at=self._optional_time(payload.get("added_at")),
                    )
                    added.setdefault(section, []).append(payload)
        return web.json_response({"added": added, "not_found": not_found}, status=201)

    async def _watched(self, request: web.Request) -> web.Response:
        body = self._body(request)
        if not isinstance(body, list):
            raise ApiError(400, "wrong_parameter", "The body must be a JSON array")
        extended = {part for part in request.query.get("extended", "").split(",") if part}
        if extended and len(body) > 100:
            raise ApiError(400, "wrong_parameter", "At most 100 items with extended")
        library = self._user(request).library
        now = self.now()
        return web.json_response(
            [self._watched_item(library, payload, extended, now) for payload in body]
        )

    def _watched_item(
        self, library: Library, payload: object, extended: set[str], now: datetime
    ) -> Json:
        if not isinstance(payload, dict):
            return {"result": "not_found"}
        ids = payload.get("ids") if isinstance(payload.get("ids"), dict) else None
        ids = ids or {key: payload[key] for key in _ID_KEYS if key in payload}
        kinds = _TYPE_FILTERS.get(str(payload.get("type")), MEDIA_KINDS)
        title = payload.get("title") if isinstance(payload.get("title"), str) else None
        year = payload.get("year") if isinstance(payload.get("year"), int) else None
        item = self.catalog.find(ids, kinds=kinds, title=title, year=year)
        if item is None:
            return payload | {"result": "not_found"}
        entry = library.entries.get(item.simkl_id)
        season, episode = payload.get("season"), payload.get("episode")
        result: Json = dict(payload)
        if item.is_movie:
            watched = entry is not None and entry.movie_watched_at is not None
            last = entry.movie_watched_at if entry else None
        elif isinstance(episode, int):
            key = (season if isinstance(season, int) and item.kind == "tv" else 1, episode)
            last = entry.watched.get(key) if entry else None
            watched = last is not None
        else:
            watched = entry is not None and entry.all_aired_watched(now)
            last = entry.last_watched_at if entry else None
        result |= {
            "result": watched,
            "list": entry.status if entry else None,
            "last_watched_at": iso(last),
        }
        if not item.is_movie and "counters" in extended:
            aired = item.aired_count(now)
            result |= {
                "episodes_total": item.total_episodes,
                "episodes_aired": aired,
                "episodes_to_be_aired": item.total_episodes - aired,
                "episodes_watched": len(entry.watched) if entry else 0,
            }
        if not item.is_movie and "episodes" in extended:
            watched_keys = entry.watched if entry else {}
            result["seasons"] = [
                {
                    "number": plan.number,
                    "episodes": [
                        {
                            "number": number,
                            "watched": (plan.number, number) in watched_keys,
                            "aired": plan.air_time(number) <= now,
                            "last_watched_at": iso(watched_keys.get((plan.number, number))),
                        }
                        for number in range(1, plan.episode_count + 1)
                    ],
                }
                for plan in item.seasons
            ]
        return result

    # --- Scrobble ----------------------------------------------------------------------------

    def _scrobble_target(self, body: Json) -> tuple[CatalogItem, tuple[int, int] | None]:
        """Return the item a scrobble body names and its episode (None for movies)."""
        key = next((key for key in ("movie", "show", "anime") if key in body), None)
        if key is None or not isinstance(body[key], dict):
            raise ApiError(400, "empty_field", "The body needs a movie, show or anime")
        item = self._resolve(body[key], key)
        if item is None:
            raise ApiError(404, "id_err", "The item could not be found")
        if item.is_movie:
            return item, None
        episode = body.get("episode")
        if not isinstance(episode, dict):
            if item.total_episodes == 1:
                return item, (1, 1)
            raise ApiError(400, "empty_field", "Shows need an episode")
        number = episode.get("number", episode.get("episode"))
        season = episode.get("season", 1)
        if item.kind == "anime" and len(item.seasons) == 1:
            season = 1
        if not isinstance(number, int) or not isinstance(season, int):
            raise ApiError(400, "wrong_parameter", "Episode season and number are numbers")
        if item.episode(season, number) is None:
            raise ApiError(404, "id_err", "The episode could not be found")
        return item, (season, number)

    def _scrobble_answer(
        self,
        item: CatalogItem,
        target: tuple[int, int] | None,
        *,
        session_id: int,
        action: str,
        progress: float,
    ) -> Json:
        body: Json = {"id": session_id, "action": action, "progress": progress}
        block: Json = {"title": item.title, "year": item.year}
        if item.kind == "anime":
            block["anime_type"] = item.anime_type
        block["ids"] = item.external_ids()
        body["movie" if item.is_movie else "anime" if item.kind == "anime" else "show"] = block
        episode = item.episode(*target) if target is not None else None
        if episode is not None and item.total_episodes > 1:
            body["episode"] = {
                "season": episode.season,
                "number": episode.number,
                "title": episode.title,
                "tvdb_season": episode.season,
                "tvdb_number": episode.number,
            }
        return body

    async def _scrobble(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in {"start", "pause", "stop", "checkin"}:
            raise web.HTTPNotFound
        body = self._object_body(request)
        raw_progress = body.get("progress", 0)
        if not _is_number(raw_progress) or not 0 <= raw_progress <= 100:
            raise ApiError(400, "wrong_parameter", "progress is a number from 0 to 100")
        progress = round(float(raw_progress), 2)
        shown: float = int(progress) if progress.is_integer() else progress
        user = self._user(request)
        library = user.library
        with self._write(user) as change:
            item, target = self._scrobble_target(body)
            season, number = target if target is not None else (None, None)
            if action == "checkin":
                answer_id = self._checkin(library, item, season, number)
                answer = "checkin"
            elif action == "start":
                library.drop_playback(change, item)
                answer_id, answer = 0, "start"
            elif action == "stop" and progress >= SCROBBLE_THRESHOLD:
                self._mark_scrobbled(change, library, item, season, number)
                answer_id, answer = self.state.next_id(), "scrobble"
            else:
                session = library.save_playback(
                    change, item, self.state.next_id(), progress, season=season, number=number
                )
                answer_id, answer = session.id, "pause"
        return web.json_response(
            self._scrobble_answer(
                item, target, session_id=answer_id, action=answer, progress=shown
            ),
            status=201,
        )

    def _checkin(
        self, library: Library, item: CatalogItem, season: int | None, number: int | None
    ) -> int:
        now = self.now()
        current = library.checkins.get(item.simkl_id)
        if current is not None:
            raise ApiError(409, "conflict", body={"expires_at": iso(current.ends_at)})
        checkin = Checkin(
            self.state.next_id(),
            item,
            season,
            number,
            now,
            now + timedelta(minutes=item.runtime),
        )
        library.checkins[item.simkl_id] = checkin
        return checkin.id

    def _mark_scrobbled(
        self,
        change: Change,
        library: Library,
        item: CatalogItem,
        season: int | None,
        number: int | None,
    ) -> None:
        now = self.now()
        key = (item.simkl_id, season, number)
        previous = library.scrobbled.get(key)
        if previous is not None and now - previous < SCROBBLE_CONFLICT_WINDOW:
            raise ApiError(
                409,
                "conflict",
                body={
                    "watched_at": iso(previous),
                    "expires_at": iso(previous + SCROBBLE_CONFLICT_WINDOW),
                },
            )
        if season is None or number is None:
            library.watch_movie(change, item, change.stamp)
        else:
            library.watch_episodes(change, item, [(season, number, change.stamp)])
        library.drop_playback(change, item)
        library.scrobbled[key] = now

    # --- Users -------------------------------------------------------------------------------

    async def _settings(self, request: web.Request) -> web.Response:
        return web.json_response(views.settings(self._user(request)))

    async def _stats(self, request: web.Request) -> web.Response:
        raw_id = request.match_info["id"]
        user = self.state.users.get(int(raw_id)) if raw_id.isdigit() else None
        if user is None:
            raise ApiError(404, "user_not_found", "No user with this id")
        return web.json_response(views.stats(user.library.entries.values(), self.now()))

    # --- Search and content ------------------------------------------------------------------

    async def _search_text(self, request: web.Request) -> web.Response:
        kinds: dict[str, MediaKind] = {"tv": "tv", "anime": "anime", "movie": "movie"}
        search_type = request.match_info["type"]
        if search_type not in kinds:
            raise web.HTTPNotFound
        query = request.query.get("q", "").strip()
        if not query:
            raise ApiError(400, "empty_field", "q is required")
        page = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
        limit = int(request.query["limit"]) if request.query.get("limit", "").isdigit() else 10
        page, limit = max(page, 1), min(max(limit, 1), 50)
        found = self.catalog.search(query, (kinds[search_type],))
        now = self.now()
        full = request.query.get("extended") == "full"
        shown = found[(page - 1) * limit : page * limit]
        headers = {
            "X-Pagination-Page": str(page),
            "X-Pagination-Limit": str(limit),
            "X-Pagination-Page-Count": str(max(1, -(-len(found) // limit))),
            "X-Pagination-Item-Count": str(len(found)),
        }
        return web.json_response(
            [views.search_result(item, now, full=full) for item in shown], headers=headers
        )

    async def _search_id(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        imdb = re.search(r"tt\d+", query.get("imdb", ""))
        if imdb is not None:
            query["imdb"] = imdb.group(0)
        kinds = _TYPE_FILTERS.get(query.get("type", ""), MEDIA_KINDS)
        ids = {key: value for key, value in query.items() if key in _ID_KEYS}
        year = int(query["year"]) if query.get("year", "").isdigit() else None
        item = self.catalog.find(ids, kinds=kinds, title=query.get("title"), year=year)
        return web.json_response([views.id_lookup_result(item, self.now())] if item else [])

    async def _search_file(self, request: web.Request) -> web.Response:
        body = self._object_body(request)
        path = body.get("file", body.get("File"))
        if not isinstance(path, str) or not path.strip():
            raise ApiError(400, "empty_field", "file is required")
        part = body.get("part", 1)
        match = file_match(self.catalog, path, part if isinstance(part, int) else 1)
        return web.json_response(match if match is not None else [])

    def _content_item(self, request: web.Request) -> CatalogItem:
        kinds = _CONTENT_KINDS[request.path.split("/")[1]]
        raw_id = request.match_info["id"]
        ids = {"simkl": raw_id} if raw_id.isdigit() else {"imdb": raw_id}
        item = self.catalog.find(ids, kinds=kinds)
        if item is None:
            raise ApiError(404, "id_err", "The item could not be found")
        return item

    async def _summary(self, request: web.Request) -> web.Response:
        return web.json_response(views.summary(self._content_item(request), self.now()))

    async def _episodes(self, request: web.Request) -> web.Response:
        return web.json_response(views.episodes(self._content_item(request), self.now()))

    # --- Calendar files and images -----------------------------------------------------------

    def _calendar_entries(self, kind: MediaKind, first: date, last: date) -> list[Json]:
        """Return calendar entries whose local release date is within ``[first, last]``."""
        # Local dates differ from UTC dates by less than a day either side.
        start = datetime.combine(first - timedelta(days=1), datetime.min.time(), UTC)
        end = datetime.combine(last + timedelta(days=2), datetime.min.time(), UTC)
        found: list[tuple[datetime, Json]] = []
        for item in self.catalog:
            if item.kind != kind:
                continue
            if item.is_movie:
                release = item.release_at
                if item.released is not None and release and first <= item.released <= last:
                    found.append((release, views.calendar_entry(item, None)))
                continue
            for plan in item.seasons:
                for number in range(plan.aired_count(start) + 1, plan.aired_count(end) + 1):
                    episode = item.episode(plan.number, number)
                    if episode is None:
                        continue
                    local_day = episode.aired_at.astimezone(item.zone).date()
                    if first <= local_day <= last:
                        found.append((episode.aired_at, views.calendar_entry(item, episode)))
        found.sort(key=lambda pair: pair[0])
        return [entry for _, entry in found]

    async def _calendar(self, request: web.Request) -> web.StreamResponse:
        kind = _CALENDAR_KINDS.get(request.match_info["file"])
        if kind is None:
            raise web.HTTPNotFound
        now = self.now()
        modified = self._calendar_changed
        if "year" in request.match_info:
            year, month = int(request.match_info["year"]), int(request.match_info["month"])
            first = date(year, month, 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        else:
            first = now.date() - timedelta(days=1)
            last = now.date() + timedelta(days=33)
            # The rolling window moves at midnight, which changes the file.
            modified = max(modified, datetime.combine(now.date(), datetime.min.time(), UTC))
        headers = {
            "Last-Modified": format_datetime(modified, usegmt=True),
            "Cache-Control": "public, max-age=18000",
        }
        since = request.headers.get("If-Modified-Since")
        if since:
            with suppress(TypeError, ValueError, IndexError):
                if as_utc(parsedate_to_datetime(since)) >= modified:
                    return web.Response(status=304, headers=headers)
        return web.json_response(self._calendar_entries(kind, first, last), headers=headers)

    async def _image(self, request: web.Request) -> web.Response:
        """Serve a drawn picture, titled for catalogue posters and fanart, so demos show them."""
        match = _IMAGE_PATH.fullmatch(request.match_info["path"])
        if match is None:
            raise web.HTTPNotFound
        path = match["path"]
        title = next(
            (item.title for item in self.catalog if path in (item.poster, item.fanart)), None
        )
        body = artwork.draw(request.match_info["kind"], path, title)
        return web.Response(body=body, content_type="image/svg+xml")
