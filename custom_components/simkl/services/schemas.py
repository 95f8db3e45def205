"""The actions' names, fields and schemas."""

from typing import Final

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import VolDictType
import probatio as vol

from ..api import ListStatus, MediaType, ScrobbleAction
from ..const import MAX_UPCOMING_DAYS, MIN_UPCOMING_DAYS

ATTR_TYPE: Final = "type"
ATTR_IDS: Final = "ids"
ATTR_TITLE: Final = "title"
ATTR_YEAR: Final = "year"
ATTR_SEASON: Final = "season"
ATTR_EPISODE: Final = "episode"
ATTR_PROGRESS: Final = "progress"

# The types the actions' `type` field names (movie, show, anime), in the order searches run.
ACTION_MEDIA_TYPES: Final = (MediaType.MOVIES, MediaType.SHOWS, MediaType.ANIME)
ITEM_TYPES: Final = tuple(media_type.item_key for media_type in ACTION_MEDIA_TYPES)

SERVICE_SCROBBLE: Final = "scrobble"
SERVICE_MARK_WATCHED: Final = "mark_watched"
SERVICE_MARK_UNWATCHED: Final = "mark_unwatched"
SERVICE_RATE: Final = "rate"
SERVICE_UNRATE: Final = "unrate"
SERVICE_SET_STATUS: Final = "set_status"
SERVICE_SEARCH: Final = "search"
SERVICE_GET_STATISTICS: Final = "get_statistics"
SERVICE_GET_UPCOMING: Final = "get_upcoming"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_ACTION: Final = "action"
ATTR_EPISODES: Final = "episodes"
ATTR_WATCHED_AT: Final = "watched_at"
ATTR_RATING: Final = "rating"
ATTR_STATUS: Final = "status"
ATTR_QUERY: Final = "query"
ATTR_FILE: Final = "file"
ATTR_LIMIT: Final = "limit"
ATTR_DAYS: Final = "days"
ATTR_MEDIA_TYPES: Final = "media_types"

# The id kinds Simkl resolves.
ID_KINDS: Final = (
    "simkl",
    "imdb",
    "tmdb",
    "tvdb",
    "mal",
    "anidb",
    "anilist",
    "kitsu",
    "anisearch",
    "livechart",
    "animeplanet",
    "letterboxd",
    "traktslug",
    "netflix",
    "crunchyroll",
    "hulu",
)
IDS_SCHEMA: Final = vol.Schema({vol.In(ID_KINDS): vol.Any(cv.positive_int, cv.string)})

ACCOUNT_FIELDS: Final[VolDictType] = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
ITEM_NAME_FIELDS: Final[VolDictType] = {
    vol.Optional(ATTR_IDS): IDS_SCHEMA,
    vol.Optional(ATTR_TITLE): cv.string,
    vol.Optional(ATTR_YEAR): cv.positive_int,
}
ITEM_FIELDS: Final[VolDictType] = {
    **ACCOUNT_FIELDS,
    vol.Required(ATTR_TYPE): vol.All(vol.In(ITEM_TYPES), MediaType.parse),
    **ITEM_NAME_FIELDS,
}
EPISODE_FIELDS: Final[VolDictType] = {
    vol.Optional(ATTR_SEASON): cv.positive_int,
    vol.Optional(ATTR_EPISODES): vol.All(cv.ensure_list, [cv.positive_int]),
}

ACCOUNT_SCHEMA: Final = vol.Schema(ACCOUNT_FIELDS)
SCROBBLE_SCHEMA: Final = vol.Schema(
    {
        **ACCOUNT_FIELDS,
        vol.Required(ATTR_ACTION): vol.Coerce(ScrobbleAction),
        vol.Optional(ATTR_ENTITY_ID): cv.entity_domain("media_player"),
        vol.Optional(ATTR_TYPE): vol.All(vol.In(ITEM_TYPES), MediaType.parse),
        **ITEM_NAME_FIELDS,
        vol.Optional(ATTR_SEASON): cv.positive_int,
        vol.Optional(ATTR_EPISODE): cv.positive_int,
        vol.Optional(ATTR_PROGRESS): vol.Coerce(float),
    }
)
MARK_WATCHED_SCHEMA: Final = vol.Schema(
    {**ITEM_FIELDS, **EPISODE_FIELDS, vol.Optional(ATTR_WATCHED_AT): cv.datetime}
)
MARK_UNWATCHED_SCHEMA: Final = vol.Schema({**ITEM_FIELDS, **EPISODE_FIELDS})
RATE_SCHEMA: Final = vol.Schema({**ITEM_FIELDS, vol.Required(ATTR_RATING): vol.Coerce(int)})
UNRATE_SCHEMA: Final = vol.Schema(ITEM_FIELDS)
SET_STATUS_SCHEMA: Final = vol.Schema(
    {**ITEM_FIELDS, vol.Required(ATTR_STATUS): vol.Coerce(ListStatus)}
)
SEARCH_SCHEMA: Final = vol.Schema(
    {
        **ACCOUNT_FIELDS,
        vol.Exclusive(ATTR_QUERY, "search term"): cv.string,
        vol.Exclusive(ATTR_IDS, "search term"): IDS_SCHEMA,
        vol.Exclusive(ATTR_FILE, "search term"): cv.string,
        vol.Optional(ATTR_TYPE): vol.All(vol.In(ITEM_TYPES), MediaType.parse),
        vol.Optional(ATTR_LIMIT, default=10): vol.All(vol.Coerce(int), vol.Range(min=1, max=50)),
    }
)
GET_UPCOMING_SCHEMA: Final = vol.Schema(
    {
        **ACCOUNT_FIELDS,
        vol.Optional(ATTR_DAYS): vol.All(
            vol.Coerce(int), vol.Range(min=MIN_UPCOMING_DAYS, max=MAX_UPCOMING_DAYS)
        ),
        vol.Optional(ATTR_MEDIA_TYPES, default=list(MediaType)): vol.All(
            cv.ensure_list, [vol.Coerce(MediaType)]
        ),
    }
)
