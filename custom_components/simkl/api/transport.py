"""The HTTP side of the Simkl client: every request goes through `Transport.request`.

It identifies the application, paces requests to Simkl's limits (10 GET/s and 1 POST/s),
maps error statuses to typed exceptions, retries failed GETs within a bounded time and keeps
credentials out of every message. Writes are never retried here: the caller decides whether
repeating a POST is safe.

Simkl counts its limits per access token (per client id for calls without one), not per
connection, so the pacers are shared by every client of the same token or client id on the
same aiohttp session: the config flow, the entry and an entry being reloaded take turns.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack
from urllib.parse import quote, urlsplit
from weakref import WeakKeyDictionary

import aiohttp
import orjson
from yarl import URL

from .const import RATE_LIMIT_RETRY_AFTER, WRITE_LOCK_RETRY_AFTER
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
from .json_stream import JsonStream, MalformedJsonError
from .model import parse_datetime

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

_LOGGER = logging.getLogger(__name__)

type Method = Literal["GET", "POST", "DELETE"]


@dataclass(frozen=True, slots=True)
class Response:
    """An answer: its status, its decoded JSON (None without a body) and `Last-Modified`."""

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


def _json_or_none(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _is_transient(err: SimklError) -> bool:
    # A 400 RATE_LIMIT is the write lock, which a quick retry cannot get past.
    return isinstance(err, SimklConnectionError | SimklServerError) or err.status == 429


def _retry_after(header: str | None) -> float | None:
    """Read a `Retry-After` given in seconds; None when absent or unreadable."""
    try:
        seconds = float(header) if header is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


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


class TransportOptions(TypedDict, total=False):
    """How the client times, paces and retries its requests; see `SimklClient`."""

    request_timeout: float
    write_timeout: float
    retry_budget: float
    retry_base_delay: float
    min_get_interval: float
    min_post_interval: float
    clock: Callable[[], float] | None


class Transport:
    """Sends the requests of one application and (optionally) one user."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: str | None,
        *,
        client_id: str,
        app_name: str,
        app_version: str,
        **options: Unpack[TransportOptions],
    ) -> None:
        """Borrow the session; see `SimklClient` for the options and their defaults."""
        self._session = session
        self._client_id = client_id
        # The user's token, sent as `Authorization: Bearer` when set.
        self.access_token = access_token
        self._user_agent = f"{app_name}/{app_version}"
        self._identity = {"client_id": client_id, "app-name": app_name, "app-version": app_version}
        self._timeout = aiohttp.ClientTimeout(total=options.get("request_timeout", 20.0))
        self._write_timeout = aiohttp.ClientTimeout(total=options.get("write_timeout", 8.0))
        self._retry_budget = options.get("retry_budget", 30.0)
        self._retry_base_delay = options.get("retry_base_delay", 1.0)
        self._clock = options.get("clock")
        self._min_get_interval = options.get("min_get_interval", 0.1)
        self._min_post_interval = options.get("min_post_interval", 1.0)
        # PIN codes asked for or polled; they link an account, so they are redacted too.
        self.pin_codes: set[str] = set()

    async def request(
        self,
        method: Method,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        send_token: bool = True,
        expect_json: bool = True,
        not_modified_ok: bool = False,
        lenient: bool = False,
        read: Callable[[JsonStream], Any] | None = None,
    ) -> Response:
        """Send one API call, retrying transient GET failures within the retry budget.

        `lenient` is for writes: any 2xx means Simkl took the write, so a body that is empty
        or not JSON (a proxy's page) reads as None instead of failing, which would send the
        write again.

        `read` is for long answers: it reads the body from a `JsonStream`, element by element,
        and its result is the response's `data`. A body that turns out not to be JSON fails
        (and is retried) as it does without it.
        """
        clock = self._clock or asyncio.get_running_loop().time
        # Seconds spent on this call so far: waiting for answers and between attempts.
        spent = 0.0
        delay = self._retry_base_delay
        while True:
            started = clock()
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
                    read=read,
                )
            except SimklError as err:
                spent += clock() - started
                wait = delay
                if isinstance(err, SimklRateLimitError) and err.retry_after_sent:
                    wait = max(wait, err.retry_after)
                if (
                    method != "GET"
                    or not _is_transient(err)
                    or delay <= 0
                    or spent + wait > self._retry_budget
                ):
                    # Past the budget, a 429's wait is left to the caller (`retry_after`).
                    raise
                _LOGGER.debug("Retrying in %.1f s: %s", wait, err)
                await asyncio.sleep(wait)
                spent += wait
                delay *= 2

    async def _attempt(
        self,
        method: Method,
        url: str,
        *,
        params: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str] | None,
        send_token: bool,
        expect_json: bool,
        not_modified_ok: bool,
        lenient: bool,
        read: Callable[[JsonStream], Any] | None,
    ) -> Response:
        what = self.redact(f"{method} {urlsplit(url).path}")
        request_headers = {"simkl-api-key": self._client_id, "User-Agent": self._user_agent}
        if send_token and self.access_token:
            request_headers["Authorization"] = f"Bearer {self.access_token}"
        data: bytes | None = None
        if method == "POST":
            request_headers["Content-Type"] = "application/json"
            if body is not None:
                data = orjson.dumps(body)
        if headers:
            request_headers.update(headers)
        reading = method == "GET"
        token = self.access_token if send_token else None
        pacer = _shared_pacer(
            self._session,
            "token" if token else "client",
            token or self._client_id,
            "get" if reading else "post",
        )
        async with pacer.turn(self._min_get_interval if reading else self._min_post_interval):
            status, raw, last_modified, retry_after = await self._send(
                method,
                url,
                what,
                params={**self._identity, **(params or {})},
                headers=request_headers,
                data=data,
                timeout=self._timeout if reading else self._write_timeout,
            )
        _LOGGER.debug("%s -> HTTP %s", what, status)
        if status == 304 and not_modified_ok:
            return Response(status, None, last_modified)
        if not 200 <= status < 300:
            raise self._status_error(status, raw, what, retry_after)
        if not expect_json or status == 204:
            return Response(status, None, last_modified)
        if lenient:
            return Response(status, _json_or_none(raw), last_modified)
        if not raw.strip():
            msg = f"Simkl sent an empty answer ({what}, HTTP {status})"
            raise SimklConnectionError(msg, status=status)
        try:
            if read is None:
                decoded = orjson.loads(raw)
            else:
                stream = JsonStream.of_bytes(raw)
                # The text is all the reader needs: the body goes before its models come.
                del raw
                decoded = read(stream)
                stream.end()
        except (orjson.JSONDecodeError, MalformedJsonError) as err:
            msg = f"Simkl sent malformed JSON ({what}, HTTP {status})"
            raise SimklConnectionError(msg, status=status) from err
        return Response(status, decoded, last_modified)

    async def _send(
        self, method: Method, url: str, what: str, **request: Any
    ) -> tuple[int, bytes, str | None, str | None]:
        """Send a request; return its status, body, `Last-Modified` and `Retry-After`.

        Nothing of aiohttp's response outlives this call, which keeps a copy of the body.
        """
        try:
            async with self._session.request(method, url, **request) as resp:
                return (
                    resp.status,
                    await resp.read(),
                    resp.headers.get("Last-Modified"),
                    resp.headers.get("Retry-After"),
                )
        # `from None`: aiohttp's own errors can quote the request URL, client id included
        # (a connect timeout does), and a chained cause would print it in tracebacks.
        except TimeoutError:
            msg = f"Timed out waiting for Simkl ({what})"
            raise SimklConnectionError(msg) from None
        except aiohttp.ClientError as err:
            msg = self.redact(f"Cannot reach Simkl ({what}): {type(err).__name__}: {err}")
            raise SimklConnectionError(msg) from None

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
        message = self.redact(message)
        if status == 401:
            return SimklAuthenticationError(message, status=status, error_id=error_id)
        write_lock = status == 400 and error_id is not None and error_id.upper() == "RATE_LIMIT"
        if status == 429 or write_lock:
            wait = _retry_after(retry_after)
            guess = WRITE_LOCK_RETRY_AFTER if write_lock else RATE_LIMIT_RETRY_AFTER
            return SimklRateLimitError(
                message,
                status=status,
                error_id=error_id,
                retry_after=wait if wait is not None else guess,
                retry_after_sent=wait is not None,
                write_lock=write_lock,
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

    def redact(self, text: str) -> str:
        """Blank out credentials that a server message or library error could echo."""
        for secret in (self.access_token, self._client_id, *self.pin_codes):
            if secret:
                for form in _spellings(secret):
                    text = text.replace(form, "***")
        return text
