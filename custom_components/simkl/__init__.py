"""The Simkl integration: links a Simkl account (TV, anime and movie tracker)."""

from datetime import timedelta
from pathlib import Path

from homeassistant.components.http.server import StaticPathConfig
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.typing import ConfigType

from .calendar_files import calendar_files
from .const import (
    CONF_MEDIA_PLAYERS,
    CONF_MIN_DURATION,
    DEFAULT_MIN_DURATION,
    DOMAIN,
    NO_POSTER_FILE,
    NO_POSTER_PATH,
)
from .coordinator import SimklLibraryCoordinator
from .data import SimklConfigEntry, SimklRuntimeData
from .helpers import pop_linked_account
from .player_match import TitleResolver
from .players import PlayerFollower
from .services import async_setup_services
from .storage import async_remove_stores
from .upcoming import SimklCalendarCoordinator
from .write_queue import async_get_write_queue, async_stop_write_queue, refused_issue_id

PLATFORMS: list[Platform] = [Platform.CALENDAR, Platform.EVENT, Platform.SENSOR, Platform.TODO]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the parts shared by every account."""
    async_setup_services(hass)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(NO_POSTER_PATH, str(Path(__file__).parent / NO_POSTER_FILE))]
    )
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SimklConfigEntry) -> bool:
    """Set up one linked Simkl account.

    The write queue starts first and outlives a failed setup, so writes queue even while
    Simkl is down or the token is refused. With a stored library (or the account the config
    flow just read) setup does not wait for Simkl: the entities show what is stored while
    the first sync and the calendar files are fetched in the background.
    """
    writes = await async_get_write_queue(hass, entry)
    client = writes.client
    coordinator = SimklLibraryCoordinator(hass, entry, client)
    if await coordinator.async_load_stored(pop_linked_account(hass, entry)):
        entry.async_create_task(
            hass, coordinator.async_refresh(), f"{DOMAIN} first sync of {entry.title}"
        )
    else:
        await coordinator.async_config_entry_first_refresh()
    upcoming = SimklCalendarCoordinator(hass, entry, client, coordinator)
    await upcoming.async_start()
    writes.on_written = coordinator.async_request_refresh
    titles = TitleResolver(hass, entry.entry_id, client, lambda: coordinator.current)
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
        library=coordinator,
        calendar=upcoming,
        writes=writes,
        titles=titles,
        players=players,
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await players.async_start()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SimklConfigEntry) -> bool:
    """Unload a Simkl account; its queue stops after the write in flight."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await async_stop_write_queue(hass, entry.entry_id)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: SimklConfigEntry) -> None:
    """Delete the stored library, titles, players and writes of a removed account, and the
    calendar files once no account is left."""
    await async_stop_write_queue(hass, entry.entry_id)
    await async_remove_stores(hass, entry.entry_id)
    ir.async_delete_issue(hass, DOMAIN, refused_issue_id(entry.entry_id))
    if not hass.config_entries.async_entries(DOMAIN):
        await calendar_files(hass).async_remove()
