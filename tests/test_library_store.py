"""The stored library: what a change writes, how often, migrations, and every lost write.

The library is stored as a whole copy and a change file (library_store.py). These tests check
what users notice (a restart shows the latest change after one request, nothing is downloaded
again) and what lands in `.storage`, through `hass_storage`.
"""

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import CoreState
import pytest

from custom_components.simkl import library_store
from custom_components.simkl.library import Library
from custom_components.simkl.library_codec import entry_from_row
from custom_components.simkl.library_store import LIBRARY_STORAGE_VERSION, LibraryStore
from custom_components.simkl.storage import CACHE_SAVE_DELAY, AccountStore
from tests.conftest import ACCOUNT_ID
from tests.sync_account import (
    ACTIVITIES,
    ANDOR,
    FIRST_SYNC,
    INTERSTELLAR,
    NEW_SHOW,
    SEVERANCE,
    SLOW_HORSES,
    THE_BEAR,
    Account,
    account,
    add_show,
    frozen_time,
    synced,
)

__all__ = ["account", "frozen_time", "synced"]  # fixtures

STORED_HEADER = {
    "account": {"account_id": ACCOUNT_ID, "name": "alice"},
    "activities": None,
    "playback": [],
}


def _changes_key(account: Account) -> str:
    return AccountStore.LIBRARY_CHANGES.key(account.entry.entry_id)


def _stored(account: Account, hass_storage: dict[str, Any]) -> tuple[Any, Any]:
    """Return (the whole copy, the change file) as stored, each None when missing."""
    return (
        deepcopy(hass_storage.get(account.store_key)),
        deepcopy(hass_storage.get(_changes_key(account))),
    )


def _watch(simkl_id: int, season: int, episode: int) -> Callable[[Account], object]:
    return lambda account: account.fake.watch_episodes(account.user, simkl_id, season, [episode])


CHANGES = [
    pytest.param(_watch(SEVERANCE, 3, 3), [SEVERANCE], [], id="episode watched"),
    pytest.param(
        lambda account: account.fake.watch_movie(account.user, INTERSTELLAR),
        [INTERSTELLAR],
        [],
        id="movie watched",
    ),
    pytest.param(lambda account: add_show(account.fake, account.user), [NEW_SHOW], [], id="added"),
    # A new rating reads every rating of the type again; only the rated title is written.
    pytest.param(
        lambda account: account.fake.rate(account.user, THE_BEAR, 7), [THE_BEAR], [], id="rated"
    ),
    pytest.param(
        lambda account: account.fake.remove_item(account.user, ANDOR), [], [ANDOR], id="removed"
    ),
]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(("change", "written", "removed"), CHANGES)
async def test_a_change_writes_only_the_titles_it_touched(
    synced: Account,
    hass_storage: dict[str, Any],
    change: Callable[[Account], object],
    written: list[int],
    removed: list[int],
) -> None:
    """A change rewrites the small change file, not the library; set up again, the sensors
    show it after a single activities request."""
    await synced.poll(CACHE_SAVE_DELAY)  # the first sync's save
    whole, _ = _stored(synced, hass_storage)
    titles = len(whole["data"]["items"])
    assert titles == len(synced.coordinator.current.items)

    change(synced)
    await synced.poll()
    await synced.poll(CACHE_SAVE_DELAY)

    assert hass_storage[synced.store_key] == whole
    changes = hass_storage[_changes_key(synced)]
    assert changes["version"] == whole["version"] == LIBRARY_STORAGE_VERSION
    assert changes["data"]["generation"] == whole["data"]["generation"]
    library = synced.coordinator.current
    assert library.activities is not None
    assert changes["data"]["activities"] == library.activities.to_dict()
    rows = [entry_from_row(row) for row in changes["data"]["items"]]
    assert rows == [library.items[simkl_id] for simkl_id in written]
    assert changes["data"].get("removed", []) == removed

    states = synced.states()
    await synced.unload()
    synced.fake.clear_requests()
    await synced.setup()

    assert synced.requests() == [ACTIVITIES]
    assert synced.states() == states
    assert synced.coordinator.current.items == library.items


async def test_changes_are_written_at_most_once_a_minute(
    synced: Account, hass_storage: dict[str, Any]
) -> None:
    """However often the library changes, the change file is written a minute after the
    last change at the earliest, and then holds every change; the whole copy stays."""
    await synced.poll(CACHE_SAVE_DELAY)
    whole, written = _stored(synced, hass_storage)

    for episode in (3, 4, 5):
        synced.fake.watch_episodes(synced.user, SEVERANCE, 3, [episode])
        await synced.poll(timedelta(seconds=20))
        await synced.coordinator.async_refresh()  # as after an action
        assert _stored(synced, hass_storage) == (whole, written)

    await synced.poll(CACHE_SAVE_DELAY - timedelta(seconds=1))
    assert _stored(synced, hass_storage) == (whole, written)
    await synced.poll(timedelta(seconds=2))
    assert hass_storage[synced.store_key] == whole
    rows = hass_storage[_changes_key(synced)]["data"]["items"]
    assert [entry_from_row(row) for row in rows] == [synced.coordinator.current.items[SEVERANCE]]


def _version_1(whole: dict[str, Any]) -> dict[str, Any]:
    """Return a stored library in the shape version 1 wrote: each title an object."""
    titles = []
    for row in whole["items"]:
        entry = entry_from_row(row)
        titles.append(
            {
                item.name: value.isoformat() if isinstance(value, datetime) else value
                for item in fields(entry)
                if (value := getattr(entry, item.name)) is not None or item.name == "status"
            }
        )
    return {**STORED_HEADER, **_header_of(whole), "items": titles}


def _version_2(whole: dict[str, Any]) -> dict[str, Any]:
    """Return a stored library in the shape version 2 wrote: the rows in one text."""
    return {**_header_of(whole), "items": "\n".join(whole["items"])}


def _header_of(whole: dict[str, Any]) -> dict[str, Any]:
    return {key: whole[key] for key in ("account", "activities", "playback")}


@pytest.mark.parametrize(
    ("version", "earlier_shape"),
    [pytest.param(1, _version_1, id="version 1"), pytest.param(2, _version_2, id="version 2")],
)
async def test_an_earlier_version_is_migrated(
    synced: Account,
    hass_storage: dict[str, Any],
    version: int,
    earlier_shape: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """A library stored by an earlier version (which had no change file) is read as it was
    and rewritten whole in the current shape; the restart still costs one request."""
    await synced.poll(CACHE_SAVE_DELAY)
    states = synced.states()
    await synced.unload()
    whole = hass_storage[synced.store_key]
    hass_storage[synced.store_key] = {
        **whole,
        "version": version,
        "data": earlier_shape(whole["data"]),
    }
    del hass_storage[_changes_key(synced)]
    synced.fake.clear_requests()

    await synced.setup()

    assert synced.requests() == [ACTIVITIES]
    assert synced.states() == states
    migrated = hass_storage[synced.store_key]
    assert migrated["version"] == LIBRARY_STORAGE_VERSION
    assert sorted(migrated["data"]["items"]) == sorted(whole["data"]["items"])
    assert migrated["data"]["generation"] != whole["data"]["generation"]


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(
            {"version": LIBRARY_STORAGE_VERSION, "data": {"items": "?"}}, id="unknown format"
        ),
        pytest.param({"version": LIBRARY_STORAGE_VERSION, "data": []}, id="not an object"),
        pytest.param(
            {
                "version": LIBRARY_STORAGE_VERSION,
                "data": {
                    **STORED_HEADER,
                    "generation": "a",
                    "items": ['[1, 0, 0, "A title"]', '{"simkl_id": 2}'],
                },
            },
            id="a malformed title",
        ),
        pytest.param(
            {
                "version": LIBRARY_STORAGE_VERSION,
                "data": {**STORED_HEADER, "generation": "a", "items": '[1, 0, 0, "A title"]'},
            },
            id="titles in one text",
        ),
        pytest.param(
            {"version": LIBRARY_STORAGE_VERSION, "data": {**STORED_HEADER, "items": []}},
            id="no generation",
        ),
        pytest.param(
            {"version": 1, "data": {"account": {"account_id": ACCOUNT_ID}}},
            id="version 1, malformed",
        ),
        pytest.param({"version": 2, "data": {**STORED_HEADER, "items": []}}, id="version 2, list"),
        pytest.param({"version": 0, "data": {**STORED_HEADER, "items": []}}, id="version 0"),
        pytest.param({"version": LIBRARY_STORAGE_VERSION + 1, "data": {}}, id="newer version"),
        pytest.param(
            {
                "version": LIBRARY_STORAGE_VERSION,
                "data": {
                    **STORED_HEADER,
                    "generation": "a",
                    "account": {"account_id": 1, "name": "someone else"},
                    "items": [],
                },
            },
            id="another account",
        ),
    ],
)
async def test_unusable_store_is_discarded(
    account: Account, hass_storage: dict[str, Any], stored: dict[str, Any]
) -> None:
    """A stored library that cannot be used is dropped and the library synced again; the
    next save writes it whole."""
    hass_storage[account.store_key] = {"key": account.store_key, **stored}

    await account.setup()
    await account.poll(CACHE_SAVE_DELAY)

    assert account.entry.state is ConfigEntryState.LOADED
    assert account.requests() == FIRST_SYNC
    account.assert_synced()
    whole, changes = _stored(account, hass_storage)
    assert len(whole["data"]["items"]) == len(account.coordinator.current.items)
    assert changes["data"]["generation"] == whole["data"]["generation"]
    assert changes["data"]["items"] == []


# --- Lost and unusable writes ---------------------------------------------------------------

# A save writes at most two files, one after the other, and any write can be lost or leave a
# file another version cannot read. `Saved` holds the two files after each save of a sequence:
# the first sync's (0), a change (1), and a change past the bound, which writes whole (2).

type Files = dict[str, Any]  # "whole", "changes": each stored file, or None when missing


@dataclass(frozen=True)
class Saved:
    """A library handed to the store, and the files on disk once its save was written."""

    library: Library
    files: Files


async def _three_saves(account: Account, hass_storage: dict[str, Any]) -> list[Saved]:
    saved = []
    changes = (
        (),
        (_watch(SEVERANCE, 3, 3),),
        (_watch(SLOW_HORSES, 6, 2), lambda account: account.fake.rate(account.user, THE_BEAR, 7)),
    )
    for made in changes:
        for change in made:
            change(account)
        if made:
            await account.poll()
        await account.poll(CACHE_SAVE_DELAY)
        whole, changes_file = _stored(account, hass_storage)
        saved.append(Saved(account.coordinator.current, {"whole": whole, "changes": changes_file}))
    return saved


def _with_data(stored: dict[str, Any], **data: Any) -> dict[str, Any]:
    return {**stored, "data": {**stored["data"], **data}}


def _files(whole: int | None, changes: int | None) -> Callable[[list[Saved]], Files]:
    """The whole copy of one save with the change file of one save (None: missing)."""
    return lambda saved: {
        "whole": saved[whole].files["whole"] if whole is not None else None,
        "changes": saved[changes].files["changes"] if changes is not None else None,
    }


def _changes_altered(
    alter: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[list[Saved]], Files]:
    """The files of the change's save, its change file altered."""
    return lambda saved: {**saved[1].files, "changes": alter(saved[1].files["changes"])}


# (what happened, the files then, the save whose library is loaded: None when none is)
CRASH_ORDERS = [
    pytest.param(_files(0, 1), 1, id="both written"),
    pytest.param(_files(0, 0), 0, id="the change file's write lost"),
    pytest.param(_files(0, None), 0, id="no change file"),
    pytest.param(
        _changes_altered(lambda stored: {**stored, "version": LIBRARY_STORAGE_VERSION + 1}),
        0,
        id="a change file of a newer version",
    ),
    pytest.param(
        _changes_altered(lambda stored: {**stored, "data": {"items": "?"}}),
        0,
        id="a change file of an unknown format",
    ),
    pytest.param(
        _changes_altered(lambda stored: _with_data(stored, items=[*stored["data"]["items"], "{}"])),
        0,
        id="a malformed title in the change file",
    ),
    pytest.param(
        _changes_altered(lambda stored: _with_data(stored, removed="?")),
        0,
        id="malformed removals in the change file",
    ),
    pytest.param(
        _changes_altered(lambda stored: _with_data(stored, generation="01JAN")),
        0,
        id="a change file of another generation",
    ),
    pytest.param(_files(None, 1), None, id="no whole copy"),
    pytest.param(
        lambda saved: {**saved[1].files, "whole": _with_data(saved[1].files["whole"], items="?")},
        None,
        id="a whole copy of an unknown format",
    ),
    pytest.param(_files(2, 2), 2, id="a whole write, both written"),
    pytest.param(_files(0, 2), 0, id="a whole write lost, its change file written"),
    pytest.param(_files(2, 1), 2, id="a whole write, its change file lost"),
    pytest.param(_files(2, None), 2, id="a whole write, no change file"),
]


@pytest.mark.parametrize(("files", "loaded"), CRASH_ORDERS)
async def test_whatever_write_is_lost_one_moment_is_loaded(
    synced: Account,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    files: Callable[[list[Saved]], Files],
    loaded: int | None,
) -> None:
    """Whichever files a save left, the library read is the one handed to one of the saves,
    titles and activity timestamps of the same moment (or none, and the library is synced
    again): never the titles of one moment with the timestamps of another."""
    monkeypatch.setattr(library_store, "compaction_bound", lambda titles: 1)
    saved = await _three_saves(synced, hass_storage)
    # Each save wrote what it should have: the change, then the whole copy anew.
    assert saved[1].files["whole"] == saved[0].files["whole"]
    generations = [save.files["whole"]["data"]["generation"] for save in saved]
    assert generations[1] == generations[0] != generations[2]
    assert saved[2].files["changes"]["data"]["items"] == []
    await synced.unload()
    for key, stored in zip(
        (synced.store_key, _changes_key(synced)), files(saved).values(), strict=True
    ):
        hass_storage.pop(key)
        if stored is not None:
            hass_storage[key] = stored

    library = await LibraryStore(synced.hass, synced.store_key).async_load_library()

    if loaded is None:
        assert library is None
        return
    assert library is not None
    expected = saved[loaded].library
    assert (library.items, library.activities, library.playback, library.account) == (
        expected.items,
        expected.activities,
        expected.playback,
        expected.account,
    )


async def test_a_lost_change_is_fetched_again(
    synced: Account, hass_storage: dict[str, Any]
) -> None:
    """Set up on a whole copy without its latest change file, the first poll asks for what
    changed since the whole copy, and nothing else."""
    await synced.poll(CACHE_SAVE_DELAY)
    earlier = _stored(synced, hass_storage)[1]
    since = synced.delta_from("tv")
    synced.fake.watch_episodes(synced.user, SEVERANCE, 3, [3])
    await synced.poll()
    await synced.unload()
    hass_storage[_changes_key(synced)] = earlier
    synced.fake.clear_requests()

    await synced.setup()

    assert synced.requests() == [ACTIVITIES, ("GET /sync/all-items/shows", since)]
    synced.assert_synced()


async def test_the_whole_copy_is_written_past_the_bound(
    synced: Account, hass_storage: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change file grows with each changed title up to the bound; one more, and the save
    writes the whole library under a new generation, with an empty change file."""
    monkeypatch.setattr(library_store, "compaction_bound", lambda titles: 2)
    await synced.poll(CACHE_SAVE_DELAY)
    first, _ = _stored(synced, hass_storage)

    for count, change in enumerate((_watch(SEVERANCE, 3, 3), _watch(SLOW_HORSES, 6, 2)), start=1):
        change(synced)
        await synced.poll()
        await synced.poll(CACHE_SAVE_DELAY)
        whole, changes = _stored(synced, hass_storage)
        assert whole == first
        assert len(changes["data"]["items"]) == count

    synced.fake.rate(synced.user, THE_BEAR, 7)
    await synced.poll()
    await synced.poll(CACHE_SAVE_DELAY)

    whole, changes = _stored(synced, hass_storage)
    assert whole["data"]["generation"] != first["data"]["generation"]
    assert changes["data"]["generation"] == whole["data"]["generation"]
    assert changes["data"]["items"] == []
    library = synced.coordinator.current
    assert {
        entry_from_row(row).simkl_id: entry_from_row(row) for row in whole["data"]["items"]
    } == (library.items)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(None, id="after the first sync"),
        pytest.param(_watch(SEVERANCE, 3, 3), id="a change"),
    ],
)
async def test_stopping_writes_what_is_pending(
    synced: Account, hass_storage: dict[str, Any], change: Callable[[Account], object] | None
) -> None:
    """Home Assistant stopping within the minute writes the pending save: the whole copy
    after a first sync, the change file after a change."""
    if change is not None:
        await synced.poll(CACHE_SAVE_DELAY)
        change(synced)
        await synced.poll()
    else:
        assert synced.store_key not in hass_storage
    library = synced.coordinator.current

    synced.hass.set_state(CoreState.final_write)
    synced.hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await synced.hass.async_block_till_done()
    synced.hass.set_state(CoreState.running)

    stored = await LibraryStore(synced.hass, synced.store_key).async_load_library()
    assert stored is not None
    assert (stored.items, stored.activities) == (library.items, library.activities)


async def test_removal_deletes_both_files(synced: Account, hass_storage: dict[str, Any]) -> None:
    """A removed account leaves neither file behind, even with a save still pending."""
    await synced.poll(CACHE_SAVE_DELAY)
    synced.fake.watch_episodes(synced.user, SEVERANCE, 3, [3])
    await synced.poll()

    await synced.hass.config_entries.async_remove(synced.entry.entry_id)
    await synced.poll(CACHE_SAVE_DELAY)

    assert synced.store_key not in hass_storage
    assert _changes_key(synced) not in hass_storage


async def test_an_unknown_change_file_is_reported(
    synced: Account, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A change file the store cannot read is named in the log, and the whole copy used."""
    await synced.poll(CACHE_SAVE_DELAY)
    await synced.unload()
    stored = hass_storage[_changes_key(synced)]
    hass_storage[_changes_key(synced)] = {**stored, "data": {"items": "?"}}
    caplog.set_level(logging.WARNING)
    synced.fake.clear_requests()

    await synced.setup()

    assert "library change file has an unknown format" in caplog.text
    assert synced.requests() == [ACTIVITIES]
