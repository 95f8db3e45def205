"""The watchlist and up-next to-do lists, driven through Home Assistant's todo API and Assist."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.components import conversation
from homeassistant.components.todo.const import DOMAIN as TODO_DOMAIN
from homeassistant.components.todo.entity import TodoItem
from homeassistant.core import Context
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.simkl.const import CONF_MEDIA_TYPES
from tests.conftest import (
    add_second_account,
    advance_time,
    sent_writes,
    setup_integration,
)
from tests.fake_simkl import CatalogItem, FaultKind

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import WebSocketGenerator

    from tests.fake_simkl import FakeSimkl

WATCHLIST = "todo.alice_watchlist"
UP_NEXT = "todo.alice_up_next"
NOW = "2026-10-15T18:00:00Z"
DUNE = 9990001
INTERSTELLAR, THE_BEAR, JUJUTSU_KAISEN = 465519, 1830167, 1206393
SEVERANCE, FRIEREN_2 = 1186633, 2494385


@pytest.fixture(autouse=True)
def frozen_time(freezer: FrozenDateTimeFactory) -> None:
    """Build the fake's catalogue and library at a fixed time."""
    freezer.move_to(NOW)


@pytest.fixture
def dune(fake_simkl: FakeSimkl) -> None:
    """Put Dune (2021) in the catalogue, beside the demo library's Dune: Part Two."""
    fake_simkl.catalog.add(CatalogItem(simkl_id=DUNE, kind="movie", title="Dune", year=2021))


async def list_items(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entity_id: str
) -> list[dict[str, Any]]:
    """The list's items, as the to-do card reads them (websocket `todo/item/list`)."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "todo/item/list", "entity_id": entity_id})
    answer = await client.receive_json()
    assert answer["success"], answer
    items: list[dict[str, Any]] = answer["result"]["items"]
    return items


def uids(items: list[dict[str, Any]]) -> list[str]:
    """The uids of listed items, in order."""
    return [item["uid"] for item in items]


async def call_todo(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    """Call a `todo` action on one list and wait for what follows it."""
    await hass.services.async_call(
        TODO_DOMAIN, service, {"entity_id": entity_id, **data}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("init_integration")
async def test_watchlist_lists_plan_to_watch(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Every type's Plan to watch, with year and type; uids are the Simkl ids."""
    assert await list_items(hass, hass_ws_client, WATCHLIST) == [
        {
            "uid": "465519",
            "summary": "Interstellar",
            "status": "needs_action",
            "description": "2014 · Movie",
        },
        {
            "uid": "1206393",
            "summary": "Jujutsu Kaisen",
            "status": "needs_action",
            "description": "2020 · Anime",
        },
        {
            "uid": "2134550",
            "summary": "Project Hail Mary",
            "status": "needs_action",
            "description": "2026 · Movie",
        },
        {
            "uid": "1830167",
            "summary": "The Bear",
            "status": "needs_action",
            "description": "2022 · TV show",
        },
    ]
    state = hass.states.get(WATCHLIST)
    assert state is not None
    assert state.state == "4"


@pytest.mark.usefixtures("dune")
async def test_watchlist_newest_first_and_media_types(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A title added later comes first; only the selected media types are listed, and
    without shows or anime there is no up-next list."""
    await setup_integration(hass, mock_config_entry, {CONF_MEDIA_TYPES: ["movies"]})
    assert hass.states.get(UP_NEXT) is None
    assert uids(await list_items(hass, hass_ws_client, WATCHLIST)) == ["465519", "2134550"]

    freezer.tick(60)
    fake_simkl.set_status(fake_simkl.users[0], DUNE, "plantowatch")
    await mock_config_entry.runtime_data.library.async_refresh()

    assert uids(await list_items(hass, hass_ws_client, WATCHLIST)) == [
        str(DUNE),
        "465519",
        "2134550",
    ]


@pytest.mark.usefixtures("init_integration")
async def test_up_next_is_the_next_to_watch_set(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """One item per title with an aired, unwatched episode, as the sensor lists them."""
    sensor = hass.states.get("sensor.alice_next_to_watch")
    assert sensor is not None
    expected = [
        {
            "uid": f"{item['url'].split('/')[4]}-{item['episode']}",
            "summary": f"{item['title']} {item['episode']} · {item['episode_title']}",
            "status": "needs_action",
        }
        for item in sensor.attributes["items"]
    ]
    assert len(expected) == 4
    assert await list_items(hass, hass_ws_client, UP_NEXT) == expected
    assert f"{SEVERANCE}-S03E03" in uids(expected)


def _title(simkl_id: int, title: str, year: int, **fields: Any) -> dict[str, Any]:
    return {"ids": {"simkl": simkl_id}, "title": title, "year": year, **fields}


# Each operation: the action and its data, the one write Simkl receives, and how the list
# reads once the sync after the write has run.
OPERATIONS = [
    pytest.param(
        WATCHLIST,
        "add_item",
        {"item": "Dune"},
        "/sync/add-to-list",
        {"movies": [_title(DUNE, "Dune", 2021, to="plantowatch")]},
        {"present": str(DUNE)},
        id="add-by-name",
    ),
    pytest.param(
        WATCHLIST,
        "add_item",
        {"item": "dune 2021"},
        "/sync/add-to-list",
        {"movies": [_title(DUNE, "Dune", 2021, to="plantowatch")]},
        {"present": str(DUNE)},
        id="add-by-name-and-year",
    ),
    pytest.param(
        WATCHLIST,
        "update_item",
        {"item": "Interstellar", "status": "completed"},
        "/sync/history",
        {"movies": [_title(INTERSTELLAR, "Interstellar", 2014, watched_at=NOW)]},
        {"absent": str(INTERSTELLAR)},
        id="complete-movie-marks-it-watched",
    ),
    pytest.param(
        WATCHLIST,
        "update_item",
        {"item": "The Bear", "status": "completed"},
        "/sync/add-to-list",
        {"shows": [_title(THE_BEAR, "The Bear", 2022, to="watching")]},
        {"absent": str(THE_BEAR)},
        id="complete-show-moves-it-to-watching",
    ),
    pytest.param(
        WATCHLIST,
        "remove_item",
        {"item": ["Jujutsu Kaisen"]},
        "/sync/history/remove",
        {"anime": [_title(JUJUTSU_KAISEN, "Jujutsu Kaisen", 2020)]},
        {"absent": str(JUJUTSU_KAISEN)},
        id="remove-takes-it-off-the-lists",
    ),
    pytest.param(
        UP_NEXT,
        "update_item",
        {"item": f"{SEVERANCE}-S03E03", "status": "completed"},
        "/sync/history",
        {
            "shows": [
                _title(
                    SEVERANCE,
                    "Severance",
                    2022,
                    seasons=[{"number": 3, "episodes": [{"number": 3, "watched_at": NOW}]}],
                )
            ]
        },
        {"absent": f"{SEVERANCE}-S03E03", "present": f"{SEVERANCE}-S03E04"},
        id="watch-episode-shows-the-following-one",
    ),
    pytest.param(
        UP_NEXT,
        "update_item",
        {"item": f"{FRIEREN_2}-E6", "status": "completed"},
        "/sync/history",
        {
            "anime": [
                _title(
                    FRIEREN_2,
                    "Sousou no Frieren 2nd Season",
                    2026,
                    episodes=[{"number": 6, "watched_at": NOW}],
                )
            ]
        },
        {"absent": f"{FRIEREN_2}-E6", "gone": FRIEREN_2},
        id="watch-last-aired-anime-episode-drops-the-title",
    ),
]


@pytest.mark.usefixtures("dune", "init_integration")
@pytest.mark.parametrize(("entity_id", "service", "data", "path", "body", "after"), OPERATIONS)
async def test_operations_write_to_simkl(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_simkl: FakeSimkl,
    *,
    entity_id: str,
    service: str,
    data: dict[str, Any],
    path: str,
    body: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Each operation sends exactly one write, and the list follows Simkl's answer."""
    fake_simkl.clear_requests()

    await call_todo(hass, service, entity_id, **data)

    assert sent_writes(fake_simkl) == [(path, body)]
    listed = uids(await list_items(hass, hass_ws_client, entity_id))
    if "present" in after:
        assert after["present"] in listed
    if "absent" in after:
        assert after["absent"] not in listed
    if "gone" in after:
        assert not [uid for uid in listed if uid.startswith(f"{after['gone']}-")]


# Names the watchlist refuses: nothing is written.
REFUSED_NAMES = [
    pytest.param(
        "Frieren",
        "title_ambiguous",
        "Sousou no Frieren (2023, anime); Sousou no Frieren 2nd Season (2026, anime)",
        id="ambiguous",
    ),
    pytest.param("Nothing Like It", "title_not_found", None, id="unknown"),
    pytest.param("Interstellar", "already_on_watchlist", None, id="already-listed"),
]


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(("name", "translation_key", "candidates"), REFUSED_NAMES)
async def test_refused_names_add_nothing(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_simkl: FakeSimkl,
    *,
    name: str,
    translation_key: str,
    candidates: str | None,
) -> None:
    """An ambiguous, unknown or already listed name is refused with the candidates named."""
    before = await list_items(hass, hass_ws_client, WATCHLIST)
    fake_simkl.clear_requests()

    with pytest.raises(ServiceValidationError) as refused:
        await call_todo(hass, "add_item", WATCHLIST, item=name)

    assert refused.value.translation_key == translation_key
    if candidates is not None:
        assert refused.value.translation_placeholders["candidates"] == candidates
        assert candidates in str(refused.value)
    assert sent_writes(fake_simkl) == []
    assert await list_items(hass, hass_ws_client, WATCHLIST) == before


@pytest.mark.usefixtures("init_integration")
async def test_rename_is_refused(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """A Simkl title cannot be renamed from the list."""
    fake_simkl.clear_requests()
    with pytest.raises(ServiceValidationError) as refused:
        await call_todo(hass, "update_item", WATCHLIST, item="The Bear", rename="The Cub")
    assert refused.value.translation_key == "todo_rename_not_supported"
    assert sent_writes(fake_simkl) == []


@pytest.mark.usefixtures("init_integration")
async def test_search_failure_is_an_error(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Simkl failing the search is reported, and nothing is written."""
    fake_simkl.inject_fault("/search/", FaultKind.STATUS, status=404, count=None)
    with pytest.raises(HomeAssistantError) as failed:
        await call_todo(hass, "add_item", WATCHLIST, item="Dune")
    assert failed.value.translation_key == "request_failed"
    assert sent_writes(fake_simkl) == []


@pytest.mark.usefixtures("dune", "init_integration")
async def test_refused_write_restores_the_list(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, fake_simkl: FakeSimkl
) -> None:
    """Simkl refusing the write is reported, and the list shows Simkl's version again."""
    before = await list_items(hass, hass_ws_client, WATCHLIST)
    fake_simkl.clear_requests()
    fake_simkl.inject_fault("/sync/add-to-list", FaultKind.STATUS, status=400, error="id_err")

    with pytest.raises(HomeAssistantError) as refused:
        await call_todo(hass, "add_item", WATCHLIST, item="Dune")

    assert refused.value.translation_key == "write_rejected"
    assert sent_writes(fake_simkl) == [
        ("/sync/add-to-list", {"movies": [_title(DUNE, "Dune", 2021, to="plantowatch")]})
    ]
    assert await list_items(hass, hass_ws_client, WATCHLIST) == before


@pytest.mark.usefixtures("dune", "init_integration")
async def test_queued_write_shows_at_once(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While Simkl is down the change shows and waits in the queue; it is sent later, once."""
    fake_simkl.inject_fault("/sync/add-to-list", FaultKind.STATUS, status=503, count=None)
    fake_simkl.clear_requests()

    await call_todo(hass, "add_item", WATCHLIST, item="Dune")

    assert uids(await list_items(hass, hass_ws_client, WATCHLIST))[0] == str(DUNE)
    # A title shown ahead of Simkl cannot be completed yet.
    with pytest.raises(ServiceValidationError) as refused:
        await call_todo(hass, "update_item", WATCHLIST, item="Dune", status="completed")
    assert refused.value.translation_key == "todo_item_not_found"

    fake_simkl.clear_faults()
    await advance_time(hass, freezer, dt_util.utcnow() + timedelta(minutes=5))
    writes = [path for path, _ in sent_writes(fake_simkl)]
    assert writes[-1] == "/sync/add-to-list"
    assert uids(await list_items(hass, hass_ws_client, WATCHLIST))[0] == str(DUNE)
    assert fake_simkl.library(fake_simkl.users[0]).entries[DUNE].status == "plantowatch"


@pytest.mark.usefixtures("init_integration")
async def test_up_next_item_gone_meanwhile(hass: HomeAssistant) -> None:
    """Completing an episode that is no longer up next is refused."""
    entity = hass.data[TODO_DOMAIN].get_entity(UP_NEXT)
    with pytest.raises(ServiceValidationError) as refused:
        await entity.async_update_todo_item(TodoItem(uid=f"{SEVERANCE}-S01E01", status=None))
    assert refused.value.translation_key == "todo_item_not_found"


@pytest.mark.usefixtures("init_integration")
async def test_reopening_an_item_changes_nothing(
    hass: HomeAssistant, fake_simkl: FakeSimkl
) -> None:
    """Setting an item back to "needs action" has nothing to write."""
    fake_simkl.clear_requests()
    await call_todo(hass, "update_item", WATCHLIST, item="The Bear", status="needs_action")
    await call_todo(hass, "update_item", UP_NEXT, item=f"{SEVERANCE}-S03E03", status="needs_action")
    assert sent_writes(fake_simkl) == []


@pytest.mark.usefixtures("dune")
async def test_assist_adds_to_the_watchlist(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
) -> None:
    """ "Add Dune to my watchlist" through Assist's default agent files Dune on Simkl."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await setup_integration(hass, mock_config_entry)
    fake_simkl.clear_requests()

    result = await conversation.async_converse(
        hass, "add Dune to my watchlist", None, Context(), language="en"
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result.response.response_type is conversation.intent.IntentResponseType.ACTION_DONE
    assert sent_writes(fake_simkl) == [
        ("/sync/add-to-list", {"movies": [_title(DUNE, "Dune", 2021, to="plantowatch")]})
    ]
    assert fake_simkl.library(fake_simkl.users[0]).entries[DUNE].status == "plantowatch"
    registered = entity_registry.async_get(WATCHLIST)
    assert registered is not None
    assert "Watchlist" in registered.aliases


async def test_short_name_goes_to_one_account(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
) -> None:
    """With two accounts only the first watchlist answers to "watchlist"; a reload keeps
    the aliases the user left."""
    await setup_integration(hass, mock_config_entry)
    await add_second_account(hass, fake_simkl)

    first = entity_registry.async_get(WATCHLIST)
    other = entity_registry.async_get("todo.bob_watchlist")
    assert first is not None
    assert other is not None
    assert "Watchlist" in first.aliases
    assert "Watchlist" not in other.aliases

    entity_registry.async_update_entity(WATCHLIST, aliases=[])
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    reloaded = entity_registry.async_get(WATCHLIST)
    assert reloaded is not None
    assert reloaded.aliases == []


# Changes made on Simkl: each list is kept up to date title by title, and must show what a
# list built from the whole library (after a reload) shows.
SIMKL_CHANGES: list[Any] = [
    pytest.param(lambda fake, user: fake.watch_episodes(user, SEVERANCE, 3, [3]), id="watched"),
    pytest.param(lambda fake, user: fake.set_status(user, THE_BEAR, "watching"), id="started"),
    pytest.param(lambda fake, user: fake.set_status(user, SEVERANCE, "hold"), id="on-hold"),
    pytest.param(
        lambda fake, user: fake.set_status(user, INTERSTELLAR, "plantowatch"), id="planned"
    ),
    pytest.param(lambda fake, user: fake.remove_item(user, JUJUTSU_KAISEN), id="removed"),
    pytest.param(lambda fake, user: fake.rate(user, THE_BEAR, 8), id="rated"),
]


@pytest.mark.parametrize("change", SIMKL_CHANGES)
async def test_lists_follow_a_change_as_a_rebuild_shows_it(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    *,
    change: Any,
) -> None:
    """After a change, both lists hold what a fresh start builds from the whole library."""
    freezer.tick(60)
    change(fake_simkl, fake_simkl.users[0])
    await init_integration.runtime_data.library.async_refresh()
    await hass.async_block_till_done()
    followed = {
        entity_id: await list_items(hass, hass_ws_client, entity_id)
        for entity_id in (WATCHLIST, UP_NEXT)
    }

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    for entity_id, items in followed.items():
        assert items == await list_items(hass, hass_ws_client, entity_id)
    assert hass.states.get(WATCHLIST).state == str(len(followed[WATCHLIST]))  # type: ignore[union-attr]
