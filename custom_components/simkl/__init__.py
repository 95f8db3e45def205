"""The Simkl integration: links a Simkl account (TV, anime and movie tracker)."""

from datetime import timedelta

from homeassistant.const import CONF_ACCESS_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .calendar_cache import calendar_files, legacy_calendar_store_key
from .const import (
    CONF_CLIENT_ID,
    CONF_MEDIA_PLAYERS,
    CONF_MIN_DURATION,
    DEFAULT_MIN_DURATION,
    DOMAIN,
    STORAGE_VERSION,
)
from .coordinator import SimklDataUpdateCoordinator, library_store_key
from .data import SimklConfigEntry, SimklRuntimeData
from .helpers import create_client
from .player_match import TitleResolver, titles_store_key
from .players import PlayerFollower, players_store_key
from .services import async_setup_services
from .upcoming import SimklUpcomingCoordinator
from .write_queue import SimklWriteQueue, writes_store_key

PLATFORMS: list[Platform] = [Platform.CALENDAR, Platform.EVENT, Platform.SENSOR, Platform.TODO]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the parts shared by every account."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SimklConfigEntry) -> bool:
    """Set up one linked Simkl account."""
    client = create_client(hass, entry.data[CONF_CLIENT_ID], entry.data[CONF_ACCESS_TOKEN])
    coordinator = SimklDataUpdateCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    upcoming = SimklUpcomingCoordinator(hass, entry, client, coordinator)
    await upcoming.async_start()
    writes = SimklWriteQueue(hass, entry, client, coordinator.async_request_refresh)
    await writes.async_load()
    titles = TitleResolver(hass, entry.entry_id, client, lambda: coordinator.library)
    await titles.async_load()
    players = PlayerFollower(
        hass,
        entry,
        writes,
        titles,
        entity_ids=list(entry.options.get(CONF_MEDIA_PLAYERS, [])),
        min_duration=timedelta(minutes=entry.options.get(CONF_MIN_DURATION, DEFAULT_MIN_DURATION)),
    )
    entry.runtime_data = SimklRuntimeData(
        client=client,
        coordinator=coordinator,
        upcoming=upcoming,
        writes=writes,
        titles=titles,
        players=players,
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    writes.async_start()
    await players.async_start()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SimklConfigEntry) -> bool:
    """Unload a Simkl account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SimklConfigEntry) -> None:
    """Delete the stored library and unsent writes of a removed account, and the calendar
    files once no account is left."""
    for key in (
        library_store_key(entry.entry_id),
        legacy_calendar_store_key(entry.entry_id),
        writes_store_key(entry.entry_id),
        titles_store_key(entry.entry_id),
        players_store_key(entry.entry_id),
    ):
        await Store[dict[str, object]](hass, STORAGE_VERSION, key).async_remove()
    if not hass.config_entries.async_entries(DOMAIN):
        await calendar_files(hass).async_remove()
