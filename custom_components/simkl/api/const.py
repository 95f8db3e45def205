"""Base URLs, enumerations and fixed values of the Simkl API."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

API_URL = "https://api.simkl.com"
DATA_URL = "https://data.simkl.in"
IMAGE_URL = "https://simkl.in"
PIN_VERIFICATION_URL = "https://simkl.com/pin"

# Simkl serialises scrobbles and sync writes per user behind a 20-second lock; a collision
# answers 400 RATE_LIMIT, and waiting out the lock is the only remedy.
WRITE_LOCK_RETRY_AFTER = 20.0
# No Retry-After header is documented for 429; the limits are per second, but POST overages
# trigger a throttling block that grows on repeat, so suggest a wait well past one second.
RATE_LIMIT_RETRY_AFTER = 10.0

# Placeholder Simkl stores and returns for "watched, date unknown"; also what to send for
# "watched long ago".
UNKNOWN_WATCHED_AT = datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)

# The PIN endpoints omit these fields on some versions; these are the documented values.
DEFAULT_PIN_EXPIRES_IN = 900
DEFAULT_PIN_INTERVAL = 5


class ListStatus(StrEnum):
    """Watchlist a title is filed in."""

    WATCHING = "watching"
    PLAN_TO_WATCH = "plantowatch"
    HOLD = "hold"
    DROPPED = "dropped"
    COMPLETED = "completed"


class ScrobbleAction(StrEnum):
    """Last path segment of the /scrobble endpoints."""

    START = "start"
    PAUSE = "pause"
    STOP = "stop"
    CHECKIN = "checkin"


class ImageKind(StrEnum):
    """Image folder on the image host."""

    POSTER = "posters"
    FANART = "fanart"
    EPISODE = "episodes"
    AVATAR = "avatars"


class Extended(StrEnum):
    """Values of the `extended` parameter of /sync/all-items."""

    FULL = "full"
    FULL_ANIME_SEASONS = "full_anime_seasons"
    IDS_ONLY = "ids_only"
    SIMKL_IDS_ONLY = "simkl_ids_only"
