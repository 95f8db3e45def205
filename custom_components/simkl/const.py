"""Constants shared by the Simkl integration's modules."""

from datetime import UTC, datetime, timedelta
import logging
from typing import Final

from .api import ListStatus, MediaType

DOMAIN: Final = "simkl"
LOGGER = logging.getLogger(__package__)

CONF_CLIENT_ID: Final = "client_id"

# How the integration introduces itself to Simkl, with the manifest's version.
APP_NAME: Final = "home-assistant-simkl"

# The client retries a failed read only to bridge a blip of a few seconds: a poll that still
# fails runs again at the coordinator's next update (after a 429, with a growing wait), and a
# failed setup is retried by Home Assistant. Longer retries would stack under those waits and
# hold the setup up.
READ_RETRY_BUDGET: Final = 3.0


CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_MEDIA_TYPES: Final = "media_types"
CONF_LISTS: Final = "lists"
CONF_CALENDAR_LISTS: Final = "calendar_lists"
CONF_CALENDAR_MOVIES: Final = "calendar_movies"
CONF_UPCOMING_DAYS: Final = "upcoming_days"
CONF_MEDIA_PLAYERS: Final = "media_players"
CONF_MIN_DURATION: Final = "min_duration"

DEFAULT_SCAN_INTERVAL: Final = 15
MIN_SCAN_INTERVAL: Final = 5
MAX_SCAN_INTERVAL: Final = 24 * 60
DEFAULT_MEDIA_TYPES: Final = (MediaType.SHOWS, MediaType.ANIME, MediaType.MOVIES)
DEFAULT_LISTS: Final = tuple(ListStatus)
DEFAULT_CALENDAR_LISTS: Final = (ListStatus.WATCHING, ListStatus.PLAN_TO_WATCH)
CALENDAR_LIST_CHOICES: Final = (ListStatus.WATCHING, ListStatus.PLAN_TO_WATCH, ListStatus.HOLD)
DEFAULT_CALENDAR_MOVIES: Final = True
DEFAULT_UPCOMING_DAYS: Final = 7
# Minutes: shorter items (trailers, ads, clips) played by a followed player are not scrobbled.
DEFAULT_MIN_DURATION: Final = 10
MAX_MIN_DURATION: Final = 120
MIN_UPCOMING_DAYS: Final = 1
MAX_UPCOMING_DAYS: Final = 60

# Statuses Simkl uses for movies; movies are never "watching" or "on hold".
MOVIE_LISTS: Final = (ListStatus.PLAN_TO_WATCH, ListStatus.COMPLETED, ListStatus.DROPPED)

STORAGE_VERSION: Final = 1
STORAGE_SAVE_DELAY: Final = timedelta(seconds=5)

SIMKL_WEB_URL: Final = "https://simkl.com"
# Where an app's client id is registered.
SIMKL_DEVELOPER_URL: Final = f"{SIMKL_WEB_URL}/settings/developer"

# The picture upcoming-media-card shows for a title without a poster, served by Home Assistant
# (the card resolves a path against it): it loads wherever the dashboard does, offline too.
NO_POSTER_PATH: Final = "/simkl_static/no-poster.svg"
NO_POSTER_FILE: Final = "static/no-poster.svg"

# Sorts what has no date before every dated item (after it in a newest-first order).
NEVER: Final = datetime.min.replace(tzinfo=UTC)
