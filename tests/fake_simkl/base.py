"""The fake's state, its request pipeline and the helpers every area's handlers share.

Every request is logged first (``fake.requests``), then injected faults apply, then the
checks Simkl makes: a known client id (412), a valid token on user endpoints (401) and the
per-second request caps (429). Calendar files, images and the PIN approval page stand for
the CDN and simkl.com, which do not ask for a client id and are not rate limited.

The handlers live in `routes/`, one module per area, the test controls in `admin.py`;
`server.py` puts them together.
"""

import asyncio
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
import json
from typing import TYPE_CHECKING, Any, Literal, cast

from aiohttp import web

from .catalog import Catalog
from .library import as_utc, parse_time
from .protocol import ApiError, Fault, FaultKind, Headers, LoggedRequest, RateLimiter, Route
from .state import FakeUser, State
from .titles import CatalogItem, MediaKind

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Iterator

    from aiohttp.web_urldispatcher import AbstractRoute

    from .library import Change


type Json = dict[str, Any]
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DEFAULT_CLIENT_ID = "test-client-id"
VERIFICATION_URI = "https://simkl.com/pin"
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
MOVIES: tuple[MediaKind, ...] = ("movie",)
ANIME: tuple[MediaKind, ...] = ("anime",)
SHOWS: tuple[MediaKind, ...] = ("tv", "anime")
# The ``type`` parameter of id lookups and watched checks.
TYPE_FILTERS: dict[str, tuple[MediaKind, ...]] = {
    "movie": ("movie", "anime"),
    "movies": ("movie", "anime"),
    "show": ("tv", "anime"),
    "shows": ("tv", "anime"),
    "tv": ("tv", "anime"),
    "anime": ("anime",),
}
ID_KEYS = (
    "simkl", "simkl_id", "imdb", "tmdb", "tvdb", "mal", "anidb", "anilist", "kitsu",
    "livechart", "anisearch", "animeplanet", "letterboxd", "traktslug", "netflix",
    "crunchyroll", "hulu",
)  # fmt: skip


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


class ServerBase:
    """The fake's state and configuration, its request pipeline and the handlers' helpers."""

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
        self._limiter = RateLimiter()
        self._calendar_changed = self.now().replace(microsecond=0)
        self._routes: dict[AbstractRoute, Route] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._release = asyncio.Event()
        self._url: str | None = None

    # --- Time --------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Return the fake's current time (aware, UTC)."""
        return as_utc(self._clock())

    def set_clock(self, now: Callable[[], datetime]) -> None:
        """Read the time from ``now`` from here on."""
        self._clock = now

    @property
    def catalog(self) -> Catalog:
        """Return the catalogue."""
        return self.state.catalog

    def _item(self, simkl_id: int) -> CatalogItem:
        item = self.catalog.get(simkl_id)
        if item is None:
            raise KeyError(simkl_id)
        return item

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

    def _check(self, request: web.Request, spec: Route) -> None:
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
        body = ServerBase._body(request)
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
            item = self.catalog.find(ids, kinds=MOVIES, title=title, year=year)
            if item is None:
                anime = self.catalog.find(ids, kinds=ANIME, title=title, year=year)
                item = anime if anime is not None and anime.anime_type == "movie" else None
            return item
        kinds = ANIME if section == "anime" else SHOWS
        return self.catalog.find(ids, kinds=kinds, title=title, year=year)

    def _requested_items(
        self, body: Json
    ) -> Iterator[tuple[Literal["movies", "shows"], Any, CatalogItem | None]]:
        """Yield each entry of a write's sections with the item it names, and the answer's
        bucket it counts in (Simkl counts anime with shows)."""
        for section in ("movies", "shows", "anime"):
            bucket: Literal["movies", "shows"] = "movies" if section == "movies" else "shows"
            for payload in as_list(body.get(section)):
                yield bucket, payload, self._resolve(payload, section)

    @staticmethod
    def _rating(value: object) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10:
            return value
        return None

    @staticmethod
    def _client_id(request: web.Request) -> str:
        return request.query.get("client_id") or request.headers.get("simkl-api-key") or ""
