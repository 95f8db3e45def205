"""The calendar files' shared store (`.storage/simkl.calendar`): its format and its writes.

Time is frozen early on 2026-11-18 (03:00 UTC), when the fake generated its rolling files.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import Store
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.simkl.calendar_store import Airing, CachedFile
from custom_components.simkl.storage import CACHE_SAVE_DELAY, CALENDAR_STORE_KEY
from tests.conftest import (
    CALENDAR_ENTITY_ID,
    advance_time,
    calendar_events,
    calendar_requests,
    setup_integration,
)
from tests.fake_simkl import FakeSimkl

NOW = datetime.fromisoformat("2026-11-18T03:00:00+00:00")
ROLLING = ("tv", "anime", "movie_release")
OCTOBER = ("2026-10-05T00:00:00+00:00", "2026-10-20T00:00:00+00:00")
SEPTEMBER = ("2026-09-05T00:00:00+00:00", "2026-09-20T00:00:00+00:00")


@pytest.fixture(autouse=True)
def frozen_time(
    freezer: FrozenDateTimeFactory, calendar_in_los_angeles: None
) -> FrozenDateTimeFactory:
    """Freeze time when the fake generated its files, with the calendar alone."""
    freezer.move_to(NOW)
    return freezer


def _calendar_writes() -> int:
    """Count the writes of the calendar store (the test storage records them)."""
    write: MagicMock = Store._async_write_data  # type: ignore[assignment]
    return sum(call.args[0].key == CALENDAR_STORE_KEY for call in write.call_args_list)


def _store_files(hass_storage: dict[str, Any], data: dict[str, Any], version: int = 2) -> None:
    """Leave `data` in the calendar store as a store of `version` (2: the current one)."""
    hass_storage[CALENDAR_STORE_KEY] = {
        "version": version,
        "minor_version": 1,
        "key": CALENDAR_STORE_KEY,
        "data": data,
    }


async def _get_events(hass: HomeAssistant, start: str, end: str) -> list[dict[str, Any]]:
    return await calendar_events(hass, start_date_time=start, end_date_time=end)


async def test_files_written_at_most_once_a_minute(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Files arriving one after another (the rolling ones at start, archives as the calendar
    is paged through) are written together, a minute after the last one."""
    assert await _get_events(hass, *OCTOBER)
    await advance_time(hass, frozen_time, NOW + timedelta(seconds=50))
    assert await _get_events(hass, *SEPTEMBER)
    assert len(calendar_requests(fake_simkl)) == 9
    await advance_time(hass, frozen_time, NOW + timedelta(seconds=100))
    assert CALENDAR_STORE_KEY not in hass_storage
    assert _calendar_writes() == 0

    await advance_time(hass, frozen_time, NOW + timedelta(seconds=50) + CACHE_SAVE_DELAY)

    assert _calendar_writes() == 1
    assert sorted(hass_storage[CALENDAR_STORE_KEY]["data"]["files"]) == sorted(
        [*ROLLING, *(f"2026/{month}/{kind}" for month in (9, 10) for kind in ROLLING)]
    )
    # Nothing new arrives: nothing more is written.
    await advance_time(hass, frozen_time, NOW + timedelta(minutes=30))
    assert _calendar_writes() == 1


def _airing(simkl_id: int, title: str, air_date: str, **fields: Any) -> dict[str, Any]:
    return {"simkl_id": simkl_id, "title": title, "air_date": air_date, **fields}


def _file(last_modified: str | None, airings: list[Any]) -> dict[str, Any]:
    checked = NOW.isoformat()
    return {
        "last_modified": last_modified,
        "generated_at": checked,
        "checked_at": checked,
        "airings": airings,
    }


def _store(airing: Callable[..., Any]) -> dict[str, Any]:
    """The same files, each airing made by `airing` (as an object or as a row)."""
    return {
        "files": {
            "tv": _file(
                GENERATED,
                [
                    airing(
                        1447581,
                        "The Last of Us",
                        "2026-11-19",
                        air_time="2026-11-19T21:00:00-05:00",
                        season=3,
                        episode=4,
                        episode_title="The Stored Episode",
                        url="/tv/1447581/the-last-of-us/season-3/episode-4/",
                        rating=8.7,
                        finale_type=2,
                    ),
                    airing(1186633, "Severance", "2026-11-20"),
                ],
            ),
            "anime": _file(GENERATED, []),
            "movie_release": _file(GENERATED, [airing(2134550, "Project Hail Mary", "2026-11-26")]),
            "2026/10/tv": _file(None, [airing(1186633, "Severance", "2026-10-23", rating=9.0)]),
        }
    }


GENERATED = "Wed, 18 Nov 2026 03:00:00 GMT"
# Version 1: every field of an airing that has a value, in this order.
VERSION_1_STORE = _store(_airing)
# Version 2: each airing as one row of text (its fields in order, the empty ones at the end
# left out).
STORE = {
    "files": {
        "tv": _file(
            GENERATED,
            [
                (
                    '[1447581,"The Last of Us","2026-11-19","2026-11-19T21:00:00-05:00",3,4,'
                    '"The Stored Episode","/tv/1447581/the-last-of-us/season-3/episode-4/",8.7,2]'
                ),
                '[1186633,"Severance","2026-11-20"]',
            ],
        ),
        "anime": _file(GENERATED, []),
        "movie_release": _file(GENERATED, ['[2134550,"Project Hail Mary","2026-11-26"]']),
        "2026/10/tv": _file(
            None, ['[1186633,"Severance","2026-10-23",null,null,null,null,null,9.0]']
        ),
    }
}


@pytest.mark.parametrize("version", [1, 2], ids=["version 1, migrated", "version 2"])
async def test_stored_files_read_without_fetching(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    *,
    version: int,
) -> None:
    """The stored files of this version and of version 1 are read without a request, and
    written back as this version stores them: a stored archive that was not read is written
    as it was."""
    _store_files(hass_storage, VERSION_1_STORE if version == 1 else STORE, version)
    await setup_integration(hass, mock_config_entry)
    assert calendar_requests(fake_simkl) == []
    state = hass.states.get(CALENDAR_ENTITY_ID)
    assert state is not None
    assert state.attributes["message"] == "The Last of Us S03E04 \N{MIDDLE DOT} The Stored Episode"
    assert state.attributes["description"] == (
        "Season finale\nhttps://simkl.com/tv/1447581/the-last-of-us/season-3/episode-4/"
    )

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    assert hass_storage[CALENDAR_STORE_KEY]["version"] == 2
    assert json_bytes(hass_storage[CALENDAR_STORE_KEY]["data"]) == json_bytes(STORE)


@pytest.mark.parametrize(
    ("october_tv", "fetched", "warnings"),
    [
        (STORE["files"]["2026/10/tv"], [], 0),
        ({"airings": "not a list"}, ["GET /calendar/2026/10/tv.json"], 1),
    ],
    ids=["readable", "unreadable"],
)
async def test_a_stored_archive_is_read_when_a_window_needs_it(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    *,
    october_tv: dict[str, Any],
    fetched: list[str],
    warnings: int,
) -> None:
    """A start reads the rolling files only: a stored archive is read when a window first
    needs it, and one that cannot be read is then fetched again, with one warning."""
    stored = {"files": {**STORE["files"], "2026/10/tv": october_tv}}
    _store_files(hass_storage, stored)
    await setup_integration(hass, mock_config_entry)
    assert calendar_requests(fake_simkl) == []
    assert "unknown format" not in caplog.text

    await _get_events(hass, *OCTOBER)

    requested = calendar_requests(fake_simkl)
    assert [path for path in requested if path.endswith("/2026/10/tv.json")] == fetched
    assert caplog.text.count("The stored Simkl calendar has an unknown format") == warnings


@pytest.mark.parametrize(
    "row",
    [
        '{"simkl_id": 1}',  # an object, as version 1 stored it
        "[1, 2]",  # fewer than the three fields always set
        '[1, "Title", "2026-11-19", null, 1, 2, null, null, null, null, "more"]',
        '["1", "Title", "2026-11-19"]',  # the Simkl id as text
        '[1, 2, "2026-11-19"]',  # the title as a number
        '[1, "Title", "the 19th"]',
    ],
)
def test_a_damaged_row_is_refused(row: str) -> None:
    """A stored airing that is not a row of this version is refused (and its file fetched
    again), not read as something else."""
    with pytest.raises((TypeError, ValueError)):
        Airing.from_row(row)


@pytest.mark.parametrize(
    "changes",
    [{"last_modified": 5}, {"airings": "not a list"}, {"generated_at": None}],
    ids=["last_modified", "airings", "generated_at"],
)
def test_a_damaged_file_is_refused(changes: dict[str, Any]) -> None:
    """A stored file with a field of another type is refused."""
    with pytest.raises((TypeError, ValueError)):
        CachedFile.from_stored({**STORE["files"]["tv"], **changes})
