"""What the actions share: the account a call names, errors, item labels and answers."""

from datetime import datetime

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    ServiceCall,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import service
from homeassistant.util import dt as dt_util

from ..api import (
    Ids,
    MediaType,
    ScrobbleRequest,
    SyncItem,
)
from ..const import DOMAIN
from ..data import SimklConfigEntry
from ..library import episode_code
from ..player_match import Title
from ..write_queue import WriteOutcome
from .schemas import ATTR_CONFIG_ENTRY_ID


def async_get_entry(call: ServiceCall) -> SimklConfigEntry:
    """Return the loaded account an action names; the only one when it names none."""
    entry: SimklConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID)
    )
    return entry


def known_title(entry: SimklConfigEntry, ids: Ids) -> Title | None:
    """The library's or the resolved titles' name for ids, while the entry is loaded."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return entry.runtime_data.titles.name_of(ids)


def describe_item(
    entry: SimklConfigEntry,
    item: SyncItem | ScrobbleRequest,
    season: int | None = None,
    episodes: list[int] | None = None,
) -> str:
    """Name an item for the user, e.g. `Dark (2017) S01E02`.

    An item named by ids alone takes its title from the library or the titles resolved for
    the account's players; only an item found in neither is named by its ids.
    """
    if item.title:
        name = f"{item.title} ({item.year})" if item.year else item.title
    elif (known := known_title(entry, item.ids)) is not None:
        name = known.name
    else:
        name = " ".join(f"{kind} {value}" for kind, value in item.ids.to_dict().items())
    if episodes:
        return f"{name} {', '.join(episode_code(season, number) for number in episodes)}"
    if season is not None:
        return f"{name} S{season:02d}"
    return name


def local_to_utc(value: datetime) -> datetime:
    """Action datetimes without a zone are Home Assistant's local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(value)


def write_status(outcome: WriteOutcome) -> str:
    return "sent" if outcome.sent else "queued"


def check_season_given(media_type: MediaType, season: int | None, episodes: str) -> None:
    """Shows number episodes within seasons; only anime has flat episode numbers."""
    if media_type is MediaType.SHOWS and season is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="season_required",
            translation_placeholders={"episodes": episodes},
        )


def no_item_error() -> ServiceValidationError:
    """The call named nothing to act on."""
    return ServiceValidationError(translation_domain=DOMAIN, translation_key="no_item")
