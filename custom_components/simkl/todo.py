"""To-do lists of a linked account: the watchlist, and the episodes up next.

Both are views of the synced library. Changes made in them are library writes sent through
the account's write queue (in order, kept across restarts, within Simkl's limits); a list
shows its change at once and takes Simkl's version again at the next sync, or at once when
Simkl refuses the write.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Final, Self, override

from homeassistant.components.todo.const import TodoItemStatus, TodoListEntityFeature
from homeassistant.components.todo.entity import TodoItem, TodoListEntity
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_registry import COMPUTED_NAME
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .api import Ids, ListStatus, MediaType, SyncEpisodeNumber, SyncItem, SyncRequest, SyncSeason
from .changes import Activity, entry_changes
from .const import DOMAIN
from .entity import SimklEntity
from .errors import simkl_read_errors
from .library import Library, LibraryEntry, UpNext
from .ordered_titles import OrderedTitles, SortKey, changed_titles, latest_first
from .title_search import async_find_title
from .watching import shared_up_next_list
from .write_store import SyncEndpoint, SyncWrite

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import SimklConfigEntry

# Coordinator entities: the coordinator serialises the updates; writes queue on their own.
PARALLEL_UPDATES = 0

WATCHLIST: Final = EntityDescription(key="watchlist", translation_key="watchlist")
UP_NEXT: Final = EntityDescription(key="up_next", translation_key="up_next")

_EPISODIC: Final = frozenset({MediaType.SHOWS, MediaType.ANIME})


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SimklConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the watchlist, and the up-next list when shows or anime are selected."""
    watchlist = SimklWatchlist(entry, WATCHLIST)
    watchlist.kind_names = await _async_kind_names(hass)
    registry = er.async_get(hass)
    watchlist.offer_short_name = registry.async_get_entity_id(
        Platform.TODO, DOMAIN, watchlist.unique_id or ""
    ) is None and not any(_has_alias(registered) for registered in registry.entities.values())
    entities: list[SimklTodoList] = [watchlist]
    if watchlist.media_types & _EPISODIC:
        entities.append(SimklUpNext(entry, UP_NEXT))
    async_add_entities(entities)


async def _async_kind_names(hass: HomeAssistant) -> dict[str, str]:
    """Name each item type (`movie`, `show`, `anime`) in Home Assistant's language.

    The names are the options of the actions' `item_type` selector.
    """
    prefix = f"component.{DOMAIN}.selector.item_type.options."
    translations = await async_get_translations(hass, hass.config.language, "selector", [DOMAIN])
    return {
        key.removeprefix(prefix): name
        for key, name in translations.items()
        if key.startswith(prefix)
    }


def _has_alias(registered: er.RegistryEntry) -> bool:
    """Tell whether a Simkl watchlist already answers to its short name."""
    return (
        registered.platform == DOMAIN
        and registered.domain == Platform.TODO
        and registered.unique_id.endswith(f"_{WATCHLIST.key}")
        and any(alias is not COMPUTED_NAME for alias in registered.aliases)
    )


class ListedItem(TodoItem):
    """A to-do item the lists never change in place: a change makes a new item.

    Home Assistant keeps a copy of the items it last sent, to tell whether they changed;
    the item itself can serve as its copy, which saves copying every item of a long list
    at each change.
    """

    def __copy__(self) -> Self:
        """Return the item itself."""
        return self


def _label(entry: LibraryEntry) -> str:
    return f"{entry.title} ({entry.year})" if entry.year else entry.title


def _sync_item(
    entry: LibraryEntry,
    *,
    to: ListStatus | None = None,
    watched_at: datetime | None = None,
    seasons: list[SyncSeason] | None = None,
    episodes: list[SyncEpisodeNumber] | None = None,
) -> SyncItem:
    """Name a title in a write by its Simkl id, with its title and year for the log."""
    return SyncItem(
        ids=Ids(simkl=entry.simkl_id),
        title=entry.title,
        year=entry.year,
        to=to,
        watched_at=watched_at,
        seasons=seasons or [],
        episodes=episodes or [],
    )


def _request(entries: list[tuple[LibraryEntry, SyncItem]]) -> SyncRequest:
    """Put each item in its library section of a request."""
    sections: dict[MediaType, list[SyncItem]] = {media_type: [] for media_type in MediaType}
    for entry, item in entries:
        sections[entry.media_type].append(item)
    return SyncRequest(
        movies=sections[MediaType.MOVIES],
        shows=sections[MediaType.SHOWS],
        anime=sections[MediaType.ANIME],
    )


def _unknown_item(uid: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="todo_item_not_found",
        translation_placeholders={"item": uid},
    )


class SimklTodoList(SimklEntity, TodoListEntity):
    """A to-do list computed from the library, changed through library writes.

    `_shown` holds what a write changed until the library catches up: an item to show
    (added) or None (gone). It is dropped when the write fails, and otherwise at the first
    library update after the write left the caller, which brings Simkl's version.

    The library's items are kept from one update to the next and worked out again for the
    titles that changed; a list none of whose items changed is not written again (Home
    Assistant would compare and copy every item of it).
    """

    def __init__(self, entry: SimklConfigEntry, description: EntityDescription) -> None:
        """Bind the list to the account and the media types the options select."""
        super().__init__(entry, description)
        self._shown: dict[str, TodoItem | None] = {}
        self._settled: set[str] = set()
        # The library's items the list shows, and whether the list shows it as available.
        self._listed: list[TodoItem] | None = None
        self._available_shown: bool | None = None
        self._start_items()

    def _start_items(self) -> None:
        """Set up what the list keeps of the library from one update to the next."""
        raise NotImplementedError

    def _library_items(self) -> list[TodoItem]:
        """Return the items as the library has them (the same list while none changed)."""
        raise NotImplementedError

    @override
    async def async_added_to_hass(self) -> None:
        """Compute the items once added."""
        await super().async_added_to_hass()
        self._update_items()

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        settled = bool(self._settled)
        for uid in self._settled:
            self._shown.pop(uid, None)
        self._settled.clear()
        changed = self._update_items(shown_changed=settled)
        if changed or self.available is not self._available_shown:
            self._available_shown = self.available
            super()._handle_coordinator_update()

    def _update_items(self, *, shown_changed: bool = True) -> bool:
        """Compute the items; return whether they changed."""
        listed = self._library_items()
        if listed is self._listed and not shown_changed:
            return False
        self._listed = listed
        if self._shown:
            items = [item for item in listed if item.uid not in self._shown]
            added = [item for item in self._shown.values() if item is not None]
            listed = added + items
        self._attr_todo_items = listed
        return True

    def _entry(self, uid: str | None) -> LibraryEntry:
        """Return the library entry of an item's uid (the Simkl id before any `-`)."""
        simkl_id = (uid or "").partition("-")[0]
        entry = self.coordinator.current.items.get(int(simkl_id)) if simkl_id.isdigit() else None
        if entry is None:
            raise _unknown_item(uid or "")
        return entry

    async def _async_write(
        self, write: SyncWrite, shown: dict[str, TodoItem | None], activities: list[Activity]
    ) -> None:
        """Show the change, send the write, and report it once Simkl accepted it."""
        self._shown.update(shown)
        self._settled.difference_update(shown)
        self._update_items()
        self.async_write_ha_state()
        try:
            outcome = await self.coordinator.config_entry.runtime_data.writes.async_submit(write)
        except HomeAssistantError:
            for uid in shown:
                self._shown.pop(uid, None)
            self._update_items()
            self.async_write_ha_state()
            raise
        self._settled.update(shown)
        if outcome.sent:
            self.coordinator.changes.publish_write(activities)


class SimklWatchlist(SimklTodoList):
    """The titles planned to watch, newest first; adding one searches Simkl by name.

    Assist finds a to-do list by its full name ("alice Watchlist"). A newly created
    watchlist also answers to its own name ("add Dune to my watchlist") unless another
    account's does already; the alias is the user's to change afterwards.
    """

    offer_short_name = False
    kind_names: Mapping[str, str] = {}

    _attr_supported_features = (
        TodoListEntityFeature.CREATE_TODO_ITEM
        | TodoListEntityFeature.UPDATE_TODO_ITEM
        | TodoListEntityFeature.DELETE_TODO_ITEM
    )

    @override
    def _start_items(self) -> None:
        self._library: Library | None = None
        self._planned: OrderedTitles[TodoItem] = OrderedTitles()
        # Each type's name in an item's description, looked up once.
        self._kinds: dict[MediaType, str] = {}

    @override
    async def async_added_to_hass(self) -> None:
        """Give a newly created watchlist its short name as an alias."""
        await super().async_added_to_hass()
        if self.offer_short_name and isinstance(name := self.name, str):
            er.async_get(self.hass).async_update_entity(
                self.entity_id, aliases=[COMPUTED_NAME, name]
            )

    def _item(self, entry: LibraryEntry) -> TodoItem:
        if (kind := self._kinds.get(entry.media_type)) is None:
            key = entry.media_type.item_key
            kind = self._kinds[entry.media_type] = self.kind_names.get(key, key)
        return ListedItem(
            uid=str(entry.simkl_id),
            summary=entry.title,
            status=TodoItemStatus.NEEDS_ACTION,
            description=f"{entry.year} · {kind}" if entry.year else kind,
        )

    def _row(self, entry: LibraryEntry) -> tuple[int, SortKey, TodoItem]:
        """Return a planned title's id, place (newest first) and item."""
        return entry.simkl_id, latest_first(entry.added_at, entry.title), self._item(entry)

    @override
    def _library_items(self) -> list[TodoItem]:
        """Return the titles planned, newest first."""
        library = self.coordinator.current
        changed = changed_titles(library, self._library)
        self._library = library
        if changed is None:
            self._planned.fill(
                self._row(entry)
                for entry in library.entries(status=ListStatus.PLAN_TO_WATCH)
                if entry.media_type in self.media_types
            )
            return self._planned.values()
        for simkl_id in changed:
            entry = library.items.get(simkl_id)
            if (
                entry is None
                or entry.status is not ListStatus.PLAN_TO_WATCH
                or entry.media_type not in self.media_types
            ):
                self._planned.discard(simkl_id)
            else:
                self._planned.put(*self._row(entry))
        return self._planned.values()

    @override
    async def async_create_todo_item(self, item: TodoItem) -> None:
        """Add the title the item names to Plan to watch."""
        name = (item.summary or "").strip()
        entry = self.coordinator.config_entry
        with simkl_read_errors(self.hass, entry):
            hit = await async_find_title(self.coordinator.client, name, self.media_types)
        result = hit.result
        listed = self.coordinator.current.items.get(hit.simkl_id)
        if listed is not None and listed.status is ListStatus.PLAN_TO_WATCH:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="already_on_watchlist",
                translation_placeholders={"title": hit.label},
            )
        now = dt_util.utcnow()
        planned = (
            replace(listed, status=ListStatus.PLAN_TO_WATCH, added_at=now)
            if listed is not None
            else LibraryEntry(
                simkl_id=hit.simkl_id,
                media_type=hit.media_type,
                title=result.title,
                year=result.year,
                status=ListStatus.PLAN_TO_WATCH,
                poster=result.poster,
                ids=result.ids.to_dict(),
                added_at=now,
            )
        )
        write = SyncWrite(
            endpoint=SyncEndpoint.ADD_TO_LIST,
            request=_request([(planned, _sync_item(planned, to=ListStatus.PLAN_TO_WATCH))]),
            label=_label(planned),
        )
        await self._async_write(
            write, {str(planned.simkl_id): self._item(planned)}, entry_changes(listed, planned)
        )

    @override
    async def async_update_todo_item(self, item: TodoItem) -> None:
        """Completing a title marks a movie watched and moves a show or anime to Watching."""
        entry = self._entry(item.uid)
        if item.summary is not None and item.summary != entry.title:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="todo_rename_not_supported",
                translation_placeholders={"title": entry.title},
            )
        if item.status != TodoItemStatus.COMPLETED:
            return
        now = dt_util.utcnow()
        if entry.is_movie:
            done = replace(entry, status=ListStatus.COMPLETED, last_watched_at=now)
            endpoint, sync_item = SyncEndpoint.ADD_TO_HISTORY, _sync_item(entry, watched_at=now)
        else:
            done = replace(entry, status=ListStatus.WATCHING)
            endpoint, sync_item = SyncEndpoint.ADD_TO_LIST, _sync_item(entry, to=done.status)
        write = SyncWrite(
            endpoint=endpoint, request=_request([(entry, sync_item)]), label=_label(entry)
        )
        await self._async_write(write, {str(entry.simkl_id): None}, entry_changes(entry, done))

    @override
    async def async_delete_todo_items(self, uids: list[str]) -> None:
        """Remove the titles from the lists."""
        entries = [self._entry(uid) for uid in uids]
        write = SyncWrite(
            endpoint=SyncEndpoint.REMOVE_FROM_HISTORY,
            request=_request([(entry, _sync_item(entry)) for entry in entries]),
            label=", ".join(_label(entry) for entry in entries),
        )
        activities = [activity for entry in entries for activity in entry_changes(entry, None)]
        await self._async_write(write, dict.fromkeys(uids), activities)


class SimklUpNext(SimklTodoList):
    """The next aired episode of each show or anime being watched, as the sensor lists them."""

    _attr_supported_features = TodoListEntityFeature.UPDATE_TODO_ITEM

    @override
    def _start_items(self) -> None:
        self._up_next_list = shared_up_next_list(self.coordinator, self.media_types)
        # The shared up-next list's items, and the revision of it they were made at.
        self._up_next_items: OrderedTitles[TodoItem] = OrderedTitles()
        self._up_next_revision: int | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the calendar too: an episode airing moves no library timestamp."""
        await super().async_added_to_hass()
        self.async_on_remove(self.calendar.async_add_listener(self._handle_coordinator_update))

    @staticmethod
    def _uid(entry: LibraryEntry, up_next: UpNext) -> str:
        return f"{entry.simkl_id}-{up_next.episode.code}"

    def _up_next(self) -> list[tuple[LibraryEntry, UpNext]]:
        return self.library_view(self._up_next_list).next_to_watch

    def _item(self, entry: LibraryEntry, up_next: UpNext) -> TodoItem:
        episode = up_next.episode
        summary = f"{entry.title} {episode.code}"
        return ListedItem(
            uid=self._uid(entry, up_next),
            summary=f"{summary} · {episode.title}" if episode.title else summary,
            status=TodoItemStatus.NEEDS_ACTION,
        )

    @override
    def _library_items(self) -> list[TodoItem]:
        titles = self._up_next_list.titles(
            self.coordinator.current, self.calendar, dt_util.utcnow()
        )
        self._up_next_revision = self._up_next_items.mirror(
            titles, self._up_next_revision, lambda pair: self._item(*pair)
        )
        return self._up_next_items.values()

    @override
    async def async_update_todo_item(self, item: TodoItem) -> None:
        """Completing an episode marks it watched."""
        found = next((pair for pair in self._up_next() if self._uid(*pair) == item.uid), None)
        if found is None:
            raise _unknown_item(item.uid or "")
        if item.status != TodoItemStatus.COMPLETED:
            return
        entry, up_next = found
        episode = up_next.episode
        now = dt_util.utcnow()
        number = [SyncEpisodeNumber(number=episode.number, watched_at=now)]
        sync_item = (
            _sync_item(entry, episodes=number)
            if episode.season is None
            else _sync_item(entry, seasons=[SyncSeason(number=episode.season, episodes=number)])
        )
        watched = replace(
            entry,
            watched_episodes=entry.watched_episodes + 1,
            last_watched=episode.code,
            last_watched_at=now,
        )
        write = SyncWrite(
            endpoint=SyncEndpoint.ADD_TO_HISTORY,
            request=_request([(entry, sync_item)]),
            label=f"{_label(entry)} {episode.code}",
        )
        await self._async_write(
            write, {self._uid(entry, up_next): None}, entry_changes(entry, watched)
        )
