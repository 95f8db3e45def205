"""Exceptions raised by the Simkl client.

Messages are built by the client and never contain the access token or the client id, so they
are safe to log and to show in a user interface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .const import RATE_LIMIT_RETRY_AFTER

if TYPE_CHECKING:
    from datetime import datetime


class SimklError(Exception):
    """Base class of every error raised by the Simkl client.

    `status` is the HTTP status when there was an answer, `error_id` Simkl's machine-readable
    `error` value (such as `id_err` or `client_id_failed`) when the body carried one.
    """

    def __init__(
        self, message: str, *, status: int | None = None, error_id: str | None = None
    ) -> None:
        """Store the HTTP status and Simkl's error id next to the message."""
        super().__init__(message)
        self.status = status
        self.error_id = error_id


class SimklConnectionError(SimklError):
    """No usable answer: timeout, connection failure, or an empty or malformed body."""


class SimklServerError(SimklError):
    """Simkl answered with a 5xx status."""


class SimklClientError(SimklError):
    """Simkl rejected the request with a 4xx status not covered by a subclass."""


class SimklAuthenticationError(SimklClientError):
    """401: the access token is missing, wrong or revoked; the user must authorize again."""


class SimklRateLimitError(SimklClientError):
    """429, or 400 `RATE_LIMIT` when the per-user 20-second write lock is held.

    `retry_after` is the suggested wait in seconds, `retry_after_sent` whether Simkl named it
    (`Retry-After`) rather than the client guessing it; `write_lock` tells the two cases apart.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_id: str | None = None,
        retry_after: float = RATE_LIMIT_RETRY_AFTER,
        retry_after_sent: bool = False,
        write_lock: bool = False,
    ) -> None:
        """Store the suggested wait and whether the write lock caused the refusal."""
        super().__init__(message, status=status, error_id=error_id)
        self.retry_after = retry_after
        self.retry_after_sent = retry_after_sent
        self.write_lock = write_lock


class SimklNotFoundError(SimklClientError):
    """404: the item, session or file does not exist or could not be resolved."""


class SimklConflictError(SimklClientError):
    """409: the item was already scrobbled or checked in recently.

    `watched_at` and `expires_at` come from the body when Simkl sent them.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 409,
        error_id: str | None = None,
        watched_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """Store the timestamps of the conflicting scrobble or checkin."""
        super().__init__(message, status=status, error_id=error_id)
        self.watched_at = watched_at
        self.expires_at = expires_at


class SimklInvalidClientError(SimklClientError):
    """412: the client id is wrong, or the application exceeded its total request limit."""
