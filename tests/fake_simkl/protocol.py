"""What the fake's HTTP layer works with: logged requests, injected faults, API errors,
the checks of a route and the per-second caps."""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

if TYPE_CHECKING:
    pass


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
class Route:
    """What the checks require of a route."""

    client_id: bool = True
    auth: Literal["none", "optional", "required"] = "none"


@dataclass
class RateLimiter:
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
