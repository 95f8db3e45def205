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
from tests.fake_simkl.routes.calendar import CalendarRoutes

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


def _store_files(
    hass_storage: dict[str, Any], data: dict[str, Any], version: tuple[int, int] = (2, 2)
) -> None:
    """Leave `data` in the calendar store as a store of `version` (2.2: the current one)."""
    hass_storage[CALENDAR_STORE_KEY] = {
        "version": version[0],
        "minor_version": version[1],
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
# Version 1: every field of an airing that has a value, in this order (the file's: The Last of
# Us airs at 02:00 UTC on the 20th, after Severance's day starts).
VERSION_1_STORE = _store(_airing)
THE_LAST_OF_US_ROW = (
    '[1447581,"The Last of Us","2026-11-19","2026-11-19T21:00:00-05:00",3,4,'
    '"The Stored Episode","/tv/1447581/the-last-of-us/season-3/episode-4/",8.7,2]'
)
SEVERANCE_ROW = '[1186633,"Severance","2026-11-20"]'
# Version 2.2: each airing as one row of text (its fields in order, the empty ones at the end
# left out), in time order.
STORE = {
    "files": {
        "tv": _file(GENERATED, [SEVERANCE_ROW, THE_LAST_OF_US_ROW]),
        "anime": _file(GENERATED, []),
        "movie_release": _file(GENERATED, ['[2134550,"Project Hail Mary","2026-11-26"]']),
        "2026/10/tv": _file(
            None, ['[1186633,"Severance","2026-10-23",null,null,null,null,null,9.0]']
        ),
    }
}


# Version 2.1: the rows in the file's order.
VERSION_2_1_STORE = {
    "files": {
        **STORE["files"],
        "tv": _file(GENERATED, [THE_LAST_OF_US_ROW, SEVERANCE_ROW]),
    }
}


@pytest.mark.parametrize(
    ("version", "stored"),
    [((1, 1), VERSION_1_STORE), ((2, 1), VERSION_2_1_STORE), ((2, 2), STORE)],
    ids=["version 1, migrated", "version 2.1, migrated", "version 2.2"],
)
async def test_stored_files_read_without_fetching(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    *,
    version: tuple[int, int],
    stored: dict[str, Any],
) -> None:
    """The stored files of this version and of versions 1 and 2.1 are read without a request,
    and written back as this version stores them (in time order): a stored archive that was
    not read is written as it was."""
    _store_files(hass_storage, stored, version)
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
    assert hass_storage[CALENDAR_STORE_KEY]["minor_version"] == 2
    assert json_bytes(hass_storage[CALENDAR_STORE_KEY]["data"]) == json_bytes(STORE)


async def test_a_file_that_cannot_be_migrated_is_fetched_again(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A version 2.1 file with a damaged row cannot be put in time order: it is left out, with
    one warning, and fetched again; the other files are kept."""
    damaged = {"files": {**STORE["files"], "tv": _file(GENERATED, [SEVERANCE_ROW, "[1, 2]"])}}
    _store_files(hass_storage, damaged, (2, 1))
    await setup_integration(hass, mock_config_entry)

    assert calendar_requests(fake_simkl) == ["GET /calendar/tv.json"]
    assert caplog.text.count("The stored Simkl calendar has an unknown format") == 1


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


async def test_a_file_out_of_time_order_is_kept_in_time_order(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Simkl's files need not list their airings in time order: a file received in reverse
    is kept, and stored, in time order, and the calendar's next event is the first of its
    events."""
    entries = CalendarRoutes._calendar_entries
    monkeypatch.setattr(
        CalendarRoutes, "_calendar_entries", lambda self, *args: entries(self, *args)[::-1]
    )
    await setup_integration(hass, mock_config_entry)
    events = await _get_events(hass, NOW.isoformat(), (NOW + timedelta(days=30)).isoformat())
    state = hass.states.get(CALENDAR_ENTITY_ID)
    assert state is not None
    assert len(events) > 1
    assert state.attributes["message"] == events[0]["summary"]

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    files = hass_storage[CALENDAR_STORE_KEY]["data"]["files"]
    for file in files.values():
        filed = [Airing.from_row(row).filed_us for row in file["airings"]]
        assert filed == sorted(filed)
    assert sum(len(file["airings"]) > 1 for file in files.values()) >= 2
