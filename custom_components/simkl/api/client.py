"""Async client for the Simkl API and its calendar data files.

Every request goes through `SimklClient._request`, which identifies the application, paces
requests to Simkl's limits (10 GET/s and 1 POST/s), maps error statuses to typed exceptions
and retries failed GETs. Writes are never retried here: the caller decides whether repeating
a POST is safe.

Simkl counts its limits per access token (per client id for calls without one), not per
connection, so the pacers are shared by every client of the same token or client id on the
same aiohttp session: the config flow, the entry and an entry being reloaded take turns.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
import json
import logging
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit
from weakref import WeakKeyDictionary

import aiohttp
from yarl import URL

from .const import (
    API_URL,
    DATA_URL,
    DEFAULT_APP_NAME,
    DEFAULT_APP_VERSION,
    IMAGE_URL,
    RATE_LIMIT_RETRY_AFTER,
    WRITE_LOCK_RETRY_AFTER,
    CalendarKind,
    Extended,
    ImageKind,
    ListStatus,
    MediaType,
    ScrobbleAction,
)
from .errors import (
    SimklAuthenticationError,
    SimklClientError,
    SimklConflictError,
    SimklConnectionError,
    SimklError,
    SimklInvalidClientError,
    SimklNotFoundError,
    SimklRateLimitError,
    SimklServerError,
)
from .images import build_image_url
from .models import (
    Activities,
    AllItems,
    CalendarFile,
    CalendarNotModified,
    EpisodeInfo,
    FileMatch,
    MediaSummary,
    PinCode,
    PinExpired,
    PinResult,
    PlaybackSession,
    ScrobbleRequest,
    ScrobbleResult,
    SearchResult,
    SyncRequest,
    SyncResult,
    UserSettings,
    UserStats,
    WatchedCheck,
    format_datetime,
    parse_datetime,
    parse_list,
    parse_pin_result,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping, Sequence
    from datetime import datetime

_LOGGER = logging.getLogger(__name__)

type _Method = Literal["GET", "POST", "DELETE"]


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    data: Any
    last_modified: str | None


class _Pacer:
    """Runs requests of one kind one at a time, at least `interval` seconds apart.

    The interval counts from the end of the previous request rather than its start: Simkl
    measures the rate on arrival, and network jitter could otherwise squeeze two requests
    sent `interval` apart into a shorter window there.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._last_end: float | None = None

    @asynccontextmanager
    async def turn(self, interval: float) -> AsyncIterator[None]:
        """Wait for this request's turn and hold it until the request is done."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            if self._last_end is not None:
                # Never more than `interval`, should the clock have been set back.
                delay = min(self._last_end + interval - loop.time(), interval)
                if delay > 0:
                    await asyncio.sleep(delay)
            try:
                yield
            finally:
                self._last_end = loop.time()


# One pacer per (credential, verb class) among the clients of one aiohttp session (Home
# Assistant has one per instance), as the session's requests share one event loop.
_PACERS: WeakKeyDictionary[aiohttp.ClientSession, dict[tuple[str, str, str], _Pacer]] = (
    WeakKeyDictionary()
)


def _shared_pacer(
    session: aiohttp.ClientSession, scope: str, credential: str, verbs: str
) -> _Pacer:
    pacers = _PACERS.setdefault(session, {})
    return pacers.setdefault((scope, credential, verbs), _Pacer())


def _segment(value: str | int) -> str:
    return quote(str(value), safe="")


def _is_transient(err: SimklError) -> bool:
    # A 400 RATE_LIMIT is the write lock, which a quick retry cannot get past.
    return isinstance(err, SimklConnectionError | SimklServerError) or err.status == 429


def _asked_wait(header: str | None) -> float | None:
    """The wait a `Retry-After` header asks for, in seconds; None without a usable one."""
    try:
        seconds = float(header) if header is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _retry_after(header: str | None) -> float:
    asked = _asked_wait(header)
    return RATE_LIMIT_RETRY_AFTER if asked is None else asked


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error_body(raw: bytes) -> dict[str, Any]:
    body = _json_or_none(raw)
    return body if isinstance(body, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _spellings(secret: str) -> set[str]:
    """Forms a credential takes in text: verbatim, URL-encoded, and as aiohttp writes it
    into a query string (yarl keeps `/` there and turns spaces into `+`)."""
    in_query = URL.build(query={"q": secret}).raw_query_string.removeprefix("q=")
    return {secret, quote(secret, safe=""), in_query}


class SimklClient:
    """Typed access to the Simkl API for one application and (optionally) one user."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        *,
        access_token: str | None = None,
        app_name: str = DEFAULT_APP_NAME,
        app_version: str = DEFAULT_APP_VERSION,
        api_url: str = API_URL,
        data_url: str = DATA_URL,
        image_url: str = IMAGE_URL,
        request_timeout: float = 20.0,
        write_timeout: float = 8.0,
        retry_budget: float = 30.0,
        retry_base_delay: float = 1.0,
        min_get_interval: float = 0.1,
        min_post_interval: float = 1.0,
    ) -> None:
        """Create a client; the session is borrowed and never closed here.

        GETs are retried with exponential backoff from `retry_base_delay`, sleeping at most
        `retry_budget` seconds in total (no retries when either is 0). DELETE shares the
        POST pacing, as Simkl only documents limits for reads and writes. Writes time out
        after `write_timeout`, short enough for a write in flight to end within the 10 s
        Home Assistant waits for an unloading entry's tasks.
        """
        self._session = session
        self._client_id = client_id
        self._access_token = access_token
        self._user_agent = f"{app_name}/{app_version}"
        self._identity = {"client_id": client_id, "app-name": app_name, "app-version": app_version}
        self._api_url = api_url.rstrip("/")
        self._data_url = data_url.rstrip("/")
        self._image_url = image_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._write_timeout = aiohttp.ClientTimeout(total=write_timeout)
        self._retry_budget = retry_budget
        self._retry_base_delay = retry_base_delay
        self._min_get_interval = min_get_interval
        self._min_post_interval = min_post_interval

    @property
    def access_token(self) -> str | None:
        """The user's token, sent as `Authorization: Bearer` when set."""
        return self._access_token

    @access_token.setter
    def access_token(self, value: str | None) -> None:
        self._access_token = value

    @property
    def client_id(self) -> str:
        """The application's client id."""
        return self._client_id

    def image_url(self, kind: ImageKind, path: str | None, size: str | None = None) -> str | None:
        """Build the URL of an image path returned by the API (see `images`)."""
        return build_image_url(self._image_url, kind, path, size)

    # --- authentication and user ------------------------------------------------------------

    async def request_pin(self) -> PinCode:
        """Start the PIN flow: show `user_code` and `verification_url` to the user."""
        response = await self._request("GET", f"{self._api_url}/oauth/pin")
        return _parse(PinCode.from_json, response.data, "GET /oauth/pin")

    async def poll_pin(self, user_code: str) -> PinResult:
        """Check a PIN code; call it every `PinCode.interval` seconds until not pending."""
        try:
            response = await self._request(
                "GET", f"{self._api_url}/oauth/pin/{_segment(user_code)}"
            )
        except SimklNotFoundError:
            # Simkl documents a fresh code for unknown codes; a 404 means the same thing.
            return PinExpired()
        return parse_pin_result(response.data)

    async def get_user_settings(self) -> UserSettings:
        """Fetch the token owner's profile; refetch only when `settings_all` moves."""
        response = await self._request("POST", f"{self._api_url}/users/settings")
        return _parse(UserSettings.from_json, response.data, "POST /users/settings")

    async def get_user_stats(self, user_id: int) -> UserStats:
        """Fetch watch statistics; Simkl computes them live, so only call on demand."""
        response = await self._request("POST", f"{self._api_url}/users/{_segment(user_id)}/stats")
        return UserStats.from_json(response.data)

    # --- sync reads -------------------------------------------------------------------------

    async def get_activities(self) -> Activities:
        """Fetch the last-change timestamps that gate every other sync read."""
        response = await self._request("GET", f"{self._api_url}/sync/activities")
        return Activities.from_json(response.data)

    async def get_all_items(
        self,
        media_type: MediaType | None = None,
        status: ListStatus | None = None,
        *,
        date_from: datetime | None = None,
        extended: Extended | None = None,
        episode_watched_at: bool = False,
        next_watch_info: bool = False,
    ) -> AllItems:
        """Fetch library items, optionally of one section and list, changed after `date_from`.

        Without `date_from` this is a full download: Simkl suspends apps that poll it
        without gating on `get_activities()`.
        """
        path = "/sync/all-items"
        if media_type is not None:
            path += f"/{media_type}"
        if status is not None:
            if media_type is None:
                msg = "a status filter needs a media type"
                raise ValueError(msg)
            path += f"/{status}"
        params: dict[str, str] = {}
        if date_from is not None:
            params["date_from"] = format_datetime(date_from)
        if extended is not None:
            params["extended"] = str(extended)
        if episode_watched_at:
            params["episode_watched_at"] = "yes"
        if next_watch_info:
            params["next_watch_info"] = "yes"
        response = await self._request("GET", f"{self._api_url}{path}", params=params)
        return AllItems.from_json(response.data, media_type)

    async def get_playback(
        self,
        kind: Literal["episodes", "movies"] | None = None,
        *,
        date_from: datetime | None = None,
    ) -> list[PlaybackSession]:
        """Fetch paused playbacks, newest first."""
        path = "/sync/playback" + (f"/{kind}" if kind is not None else "")
        params = {"date_from": format_datetime(date_from)} if date_from is not None else None
        response = await self._request("GET", f"{self._api_url}{path}", params=params)
        return parse_list(PlaybackSession.from_json, response.data)

    async def delete_playback(self, playback_id: int) -> None:
        """Delete a paused playback; raises SimklNotFoundError when it does not exist."""
        await self._request(
            "DELETE",
            f"{self._api_url}/sync/playback/{_segment(playback_id)}",
            expect_json=False,
        )

    async def get_ratings(
        self,
        media_type: MediaType | None = None,
        ratings: Sequence[int] = (),
        *,
        date_from: datetime | None = None,
    ) -> AllItems:
        """Fetch rated items, optionally of one section and only the given ratings."""
        path = "/sync/ratings"
        if media_type is not None:
            path += f"/{media_type}"
        if ratings:
            if media_type is None:
                msg = "a ratings filter needs a media type"
                raise ValueError(msg)
            path += "/" + ",".join(str(rating) for rating in ratings)
        params = {"date_from": format_datetime(date_from)} if date_from is not None else None
        response = await self._request("GET", f"{self._api_url}{path}", params=params)
        return AllItems.from_json(response.data, media_type)

    # --- sync writes (never retried here) -----------------------------------------------------

    async def add_to_history(self, request: SyncRequest) -> SyncResult:
        """Mark movies, shows, seasons or episodes as watched."""
        return await self._sync_write("/sync/history", request)

    async def remove_from_history(self, request: SyncRequest) -> SyncResult:
        """Unmark watched items; a show without seasons leaves the lists altogether."""
        return await self._sync_write("/sync/history/remove", request)

    async def add_ratings(self, request: SyncRequest) -> SyncResult:
        """Rate titles (1-10); unlisted titles get filed in a list by Simkl."""
        return await self._sync_write("/sync/ratings", request)

    async def remove_ratings(self, request: SyncRequest) -> SyncResult:
        """Remove the ratings of titles."""
        return await self._sync_write("/sync/ratings/remove", request)

    async def add_to_list(self, request: SyncRequest) -> SyncResult:
        """Move titles to the list named by each item's `to`."""
        return await self._sync_write("/sync/add-to-list", request)

    async def check_watched(
        self, items: Sequence[Mapping[str, Any]], *, extended: str | None = None
    ) -> list[WatchedCheck]:
        """Ask which items are watched (at most 100 items when `extended` is used)."""
        params = {"extended": extended} if extended is not None else None
        response = await self._request(
            "POST",
            f"{self._api_url}/sync/watched",
            params=params,
            body=[dict(item) for item in items],
        )
        return parse_list(WatchedCheck.from_json, response.data)

    async def scrobble(self, action: ScrobbleAction, request: ScrobbleRequest) -> ScrobbleResult:
        """Report a real player event; raises SimklConflictError when already scrobbled."""
        response = await self._request(
            "POST", f"{self._api_url}/scrobble/{action}", body=request.to_json(), lenient=True
        )
        return ScrobbleResult.from_json(response.data)

    # --- search and catalog -----------------------------------------------------------------

    async def search_text(
        self,
        media_type: Literal["tv", "anime", "movie"],
        query: str,
        *,
        page: int = 1,
        limit: int = 10,
        extended: str | None = None,
    ) -> list[SearchResult]:
        """Search titles by text; `extended="full"` adds status and episode counts."""
        params = {"q": query, "page": str(page), "limit": str(limit)}
        if extended is not None:
            params["extended"] = extended
        response = await self._request("GET", f"{self._api_url}/search/{media_type}", params=params)
        return parse_list(
            lambda entry: SearchResult.from_json(entry, default_type=media_type), response.data
        )

    async def search_id(
        self, ids: Mapping[str, str | int], *, media_kind: str | None = None
    ) -> list[SearchResult]:
        """Look titles up by external ids; `media_kind` (show|movie) disambiguates tmdb."""
        params = {key: str(value) for key, value in ids.items()}
        if media_kind is not None:
            params["type"] = media_kind
        response = await self._request("GET", f"{self._api_url}/search/id", params=params)
        data = response.data
        return parse_list(SearchResult.from_json, [data] if isinstance(data, dict) else data)

    async def search_file(self, file: str, *, part: int | None = None) -> FileMatch:
        """Recognise a file name; only for the file the user is playing right now."""
        body: dict[str, Any] = {"file": file}
        if part is not None:
            body["part"] = part
        response = await self._request("POST", f"{self._api_url}/search/file", body=body)
        return FileMatch.from_json(response.data)

    async def get_summary(
        self, kind: Literal["tv", "anime", "movies"], simkl_id: int | str
    ) -> MediaSummary:
        """Fetch the catalog record of a title (Simkl id, or IMDb id for tv)."""
        response = await self._request(
            "GET",
            f"{self._api_url}/{kind}/{_segment(simkl_id)}",
            # A no-op on the current API; older deployments return a stub without it.
            params={"extended": "full"},
        )
        return MediaSummary.from_json(response.data)

    async def get_episodes(self, kind: Literal["tv", "anime"], simkl_id: int) -> list[EpisodeInfo]:
        """Fetch the episode list of a show or anime, with air dates and aired flags."""
        response = await self._request(
            "GET", f"{self._api_url}/{kind}/episodes/{_segment(simkl_id)}"
        )
        return parse_list(EpisodeInfo.from_json, response.data)

    async def get_calendar(
        self,
        kind: CalendarKind,
        *,
        year: int | None = None,
        month: int | None = None,
        if_modified_since: str | None = None,
    ) -> CalendarFile | CalendarNotModified:
        """Fetch the rolling calendar file, or a monthly archive when `year`/`month` are given.

        Pass the previous `CalendarFile.last_modified` as `if_modified_since` to get
        `CalendarNotModified` instead of an unchanged file.
        """
        if (year is None) != (month is None):
            msg = "year and month must be given together"
            raise ValueError(msg)
        path = f"/calendar/{kind}.json" if year is None else f"/calendar/{year}/{month}/{kind}.json"
        response = await self._request(
            "GET",
            f"{self._data_url}{path}",
            headers={"If-Modified-Since": if_modified_since} if if_modified_since else None,
            # The CDN serves public files; the user's token has no business there.
            send_token=False,
            not_modified_ok=True,
        )
        if response.status == 304:
            return CalendarNotModified()
        return CalendarFile.from_json(response.data, response.last_modified)

    # --- transport --------------------------------------------------------------------------

    async def _sync_write(self, path: str, request: SyncRequest) -> SyncResult:
        response = await self._request(
            "POST", f"{self._api_url}{path}", body=request.to_json(), lenient=True
        )
        return SyncResult.from_json(response.data)

    async def _request(
        self,
        method: _Method,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        send_token: bool = True,
        expect_json: bool = True,
        not_modified_ok: bool = False,
        lenient: bool = False,
    ) -> _Response:
        """Send one API call, retrying transient GET failures within the retry budget.

        `lenient` is for writes: any 2xx means Simkl took the write, so a body that is empty
        or not JSON (a proxy's page) reads as None instead of failing, which would send the
        write again.
        """
        slept = 0.0
        delay = self._retry_base_delay
        while True:
            try:
                return await self._attempt(
                    method,
                    url,
                    params=params,
                    body=body,
                    headers=headers,
                    send_token=send_token,
                    expect_json=expect_json,
                    not_modified_ok=not_modified_ok,
                    lenient=lenient,
                )
            except SimklError as err:
                if (
                    method != "GET"
                    or not _is_transient(err)
                    or delay <= 0
                    or slept + delay > self._retry_budget
                ):
                    raise
                _LOGGER.debug("Retrying in %.1f s: %s", delay, err)
                await asyncio.sleep(delay)
                slept += delay
                delay *= 2

    async def _attempt(
        self,
        method: _Method,
        url: str,
        *,
        params: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str] | None,
        send_token: bool,
        expect_json: bool,
        not_modified_ok: bool,
        lenient: bool = False,
    ) -> _Response:
        what = f"{method} {urlsplit(url).path}"
        request_headers = {"simkl-api-key": self._client_id, "User-Agent": self._user_agent}
        if send_token and self._access_token:
            request_headers["Authorization"] = f"Bearer {self._access_token}"
        data: bytes | None = None
        if method == "POST":
            request_headers["Content-Type"] = "application/json"
            if body is not None:
                data = json.dumps(body).encode()
        if headers:
            request_headers.update(headers)
        reading = method == "GET"
        token = self._access_token if send_token else None
        pacer = _shared_pacer(
            self._session,
            "token" if token else "client",
            token or self._client_id,
            "get" if reading else "post",
        )
        async with pacer.turn(self._min_get_interval if reading else self._min_post_interval):
            try:
                async with self._session.request(
                    method,
                    url,
                    params={**self._identity, **(params or {})},
                    headers=request_headers,
                    data=data,
                    timeout=self._timeout if reading else self._write_timeout,
                ) as resp:
                    status = resp.status
                    raw = await resp.read()
                    last_modified = resp.headers.get("Last-Modified")
                    retry_after = resp.headers.get("Retry-After")
            # `from None`: aiohttp's own errors can quote the request URL, client id included
            # (a connect timeout does), and a chained cause would print it in tracebacks.
            except TimeoutError:
                msg = f"Timed out waiting for Simkl ({what})"
                raise SimklConnectionError(msg) from None
            except aiohttp.ClientError as err:
                msg = self._redact(f"Cannot reach Simkl ({what}): {type(err).__name__}: {err}")
                raise SimklConnectionError(msg) from None
        _LOGGER.debug("%s -> HTTP %s", what, status)
        if status == 304 and not_modified_ok:
            return _Response(status, None, last_modified)
        if not 200 <= status < 300:
            raise self._status_error(status, raw, what, retry_after)
        if not expect_json or status == 204:
            return _Response(status, None, last_modified)
        if lenient:
            return _Response(status, _json_or_none(raw), last_modified)
        if not raw.strip():
            msg = f"Simkl sent an empty answer ({what}, HTTP {status})"
            raise SimklConnectionError(msg, status=status)
        try:
            decoded = json.loads(raw)
        except ValueError as err:
            msg = f"Simkl sent malformed JSON ({what}, HTTP {status})"
            raise SimklConnectionError(msg, status=status) from err
        return _Response(status, decoded, last_modified)

    def _status_error(
        self, status: int, raw: bytes, what: str, retry_after: str | None
    ) -> SimklError:
        body = _error_body(raw)
        error_id = _text(body.get("error"))
        detail = _text(body.get("message"))
        message = f"Simkl answered HTTP {status} ({what})"
        if error_id:
            message += f" [{error_id}]"
        if detail:
            message += f": {detail}"
        message = self._redact(message)
        if status == 401:
            return SimklAuthenticationError(message, status=status, error_id=error_id)
        asked = _asked_wait(retry_after)
        if status == 429:
            return SimklRateLimitError(
                message,
                status=status,
                error_id=error_id,
                retry_after=_retry_after(retry_after),
                retry_after_sent=asked is not None,
            )
        if status == 400 and error_id is not None and error_id.upper() == "RATE_LIMIT":
            return SimklRateLimitError(
                message,
                status=status,
                error_id=error_id,
                retry_after=WRITE_LOCK_RETRY_AFTER if asked is None else asked,
                retry_after_sent=asked is not None,
                write_lock=True,
            )
        if status == 404:
            return SimklNotFoundError(message, status=status, error_id=error_id)
        if status == 409:
            return SimklConflictError(
                message,
                status=status,
                error_id=error_id,
                watched_at=parse_datetime(body.get("watched_at")),
                expires_at=parse_datetime(body.get("expires_at")),
            )
        if status == 412:
            return SimklInvalidClientError(message, status=status, error_id=error_id)
        if 400 <= status < 500:
            return SimklClientError(message, status=status, error_id=error_id)
        return SimklServerError(message, status=status, error_id=error_id)

    def _redact(self, text: str) -> str:
        """Blank out credentials that a server message or library error could echo."""
        for secret in (self._access_token, self._client_id):
            if secret:
                for form in _spellings(secret):
                    text = text.replace(form, "***")
        return text


def _parse[T](parser: Callable[[Any], T], data: Any, what: str) -> T:
    try:
        return parser(data)
    except ValueError as err:
        msg = f"Unexpected answer from Simkl ({what}): {err}"
        raise SimklConnectionError(msg) from err
