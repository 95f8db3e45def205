"""Fetching, caching and joining Simkl's calendar files.

Time is frozen early on 2026-11-18 (03:00 UTC), so that six hours later the rolling files
are still the ones the fake generated: a conditional request gets a 304.
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
import logging
import sys
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.json import json_bytes
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.simkl.api import CalendarEntry, Ids, ListStatus, MediaType
from custom_components.simkl.calendar_files import FileKey, _generated_at
from custom_components.simkl.calendar_join import (
    CalendarSelection,
    join_library,
)
from custom_components.simkl.calendar_store import Airing
from custom_components.simkl.const import (
    CONF_CALENDAR_LISTS,
    CONF_CALENDAR_MOVIES,
    CONF_UPCOMING_DAYS,
    DOMAIN,
)
from custom_components.simkl.joined_file import AiredEpisodes, JoinedFile
from custom_components.simkl.library import Account, Library, LibraryEntry
from custom_components.simkl.storage import CALENDAR_STORE_KEY
from custom_components.simkl.upcoming import SimklCalendarCoordinator
from tests.conftest import (
    CALENDAR_ENTITY_ID,
    advance_time,
    calendar_requests,
    second_account,
    setup_integration,
)
from tests.fake_simkl import FakeSimkl, FakeUser, FaultKind

NOW = datetime.fromisoformat("2026-11-18T03:00:00+00:00")
SENSOR_ID = "sensor.alice_upcoming"
ROLLING = ["GET /calendar/tv.json", "GET /calendar/anime.json", "GET /calendar/movie_release.json"]
ONE_PIECE = 38636


@pytest.fixture(autouse=True)
def frozen_time(
    freezer: FrozenDateTimeFactory, calendar_in_los_angeles: None
) -> FrozenDateTimeFactory:
    """Freeze time before the fake builds its catalogue around "now", with the calendar
    alone in Los Angeles."""
    freezer.move_to(NOW)
    return freezer


def _upcoming(entry: MockConfigEntry) -> SimklCalendarCoordinator:
    upcoming: SimklCalendarCoordinator = entry.runtime_data.calendar
    return upcoming


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _events(
    hass: HomeAssistant, start: str, end: str, entity_id: str = CALENDAR_ENTITY_ID
) -> list[str]:
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": entity_id, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[entity_id]["events"]  # type: ignore[index,assignment]
    return [event["summary"] for event in events]


async def test_conditional_fetching(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Files are checked every 6 hours at most; an unchanged file is a 304 and no work."""
    assert calendar_requests(fake_simkl) == ROLLING
    first = {request.path: request for request in fake_simkl.requests}
    assert "if-modified-since" not in first["/calendar/tv.json"].headers
    files = dict(_upcoming(init_integration).files)

    fake_simkl.clear_requests()
    for hours in (1, 3, 5, 5.9):
        await advance_time(hass, frozen_time, NOW + timedelta(hours=hours))
    assert calendar_requests(fake_simkl) == []
    assert any(path == "GET /sync/activities" for path in fake_simkl.request_paths())

    caplog.set_level(logging.DEBUG, logger="custom_components.simkl.api.transport")
    await advance_time(hass, frozen_time, NOW + timedelta(hours=6, minutes=30))
    assert calendar_requests(fake_simkl) == ROLLING
    for request in fake_simkl.requests:
        if request.path.startswith("/calendar/"):
            assert request.headers["if-modified-since"] == "Wed, 18 Nov 2026 03:00:00 GMT"
    assert caplog.text.count("/calendar/") == 3
    assert caplog.text.count("-> HTTP 304") == 3
    for kind, file in _upcoming(init_integration).files.items():
        assert file.airings is files[kind].airings  # not parsed again
        assert file.checked_at == NOW + timedelta(hours=6, minutes=30)

    # A file Simkl regenerated is read again.
    fake_simkl.touch_calendar()
    fake_simkl.clear_requests()
    await advance_time(hass, frozen_time, NOW + timedelta(hours=13))
    assert calendar_requests(fake_simkl) == ROLLING
    assert (
        _upcoming(init_integration).files[MediaType.SHOWS].airings
        is not files[MediaType.SHOWS].airings
    )


async def test_accounts_share_the_calendar_files(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
) -> None:
    """A second account reads the files the first one fetched: each file is downloaded once
    per 6 hours for the whole Home Assistant, and each account shows its own titles."""
    bob, second = second_account(fake_simkl)
    fake_simkl.set_status(bob, ONE_PIECE, "watching")
    fake_simkl.clear_requests()
    await setup_integration(hass, second)
    assert calendar_requests(fake_simkl) == []

    week = ("2026-11-18T00:00:00+00:00", "2026-11-25T00:00:00+00:00")
    assert await _events(hass, *week, entity_id="calendar.bob_releases") == ["One Piece E1151"]
    assert len(await _events(hass, *week)) > 1  # alice's titles

    for hours in (6.5, 13):
        await advance_time(hass, frozen_time, NOW + timedelta(hours=hours))
        assert sorted(calendar_requests(fake_simkl)) == sorted(ROLLING)
        fake_simkl.clear_requests()


async def test_restart_reads_the_stored_files(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """After a restart, fresh files and past months come from the store, not from Simkl."""
    october = ("2026-10-05T00:00:00+00:00", "2026-10-20T00:00:00+00:00")
    before = await _events(hass, *october)
    assert before
    await advance_time(hass, frozen_time, NOW + timedelta(minutes=1))  # the delayed save
    assert CALENDAR_STORE_KEY in hass_storage

    fake_simkl.clear_requests()
    await _restart(hass, init_integration)
    assert calendar_requests(fake_simkl) == []
    assert hass.states.get(CALENDAR_ENTITY_ID).state == STATE_OFF  # type: ignore[union-attr]
    assert await _events(hass, *october) == before
    assert calendar_requests(fake_simkl) == []

    await hass.config_entries.async_remove(init_integration.entry_id)
    assert CALENDAR_STORE_KEY not in hass_storage


async def test_removal_leaves_no_file_behind(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """An account removed right after the files arrived keeps nothing stored: the files are
    written when it unloads, not by a delayed save that would bring them back."""
    await hass.config_entries.async_remove(init_integration.entry_id)
    await advance_time(hass, frozen_time, NOW + timedelta(minutes=5))
    assert [key for key in hass_storage if init_integration.entry_id in key] == []
    assert CALENDAR_STORE_KEY not in hass_storage


@pytest.mark.parametrize(
    ("version", "files", "message"),
    [
        (
            (2, 2),
            {"tv": {"airings": "not a list", "checked_at": "yesterday"}},
            "The stored Simkl calendar has an unknown format",
        ),
        ((2, 2), {"tv": "not an object"}, "The stored Simkl calendar has an unknown format"),
        ((2, 2), {"tv": {"airings": ["[1]"]}}, "The stored Simkl calendar has an unknown format"),
        # Version 2.1, put in time order: a file that is not an object.
        ((2, 1), {"tv": "not an object"}, "The stored Simkl calendar has an unknown format"),
        # Version 1: an airing that is not an object, or files that are not a mapping.
        ((1, 1), {"tv": {"airings": ["not an object"]}}, "The stored Simkl calendar has an"),
        ((1, 1), [], "The stored Simkl calendar has an unknown format"),
        ((3, 1), {}, "The stored Simkl calendar could not be read"),  # written by a newer version
        ((0, 1), {}, "Migrating simkl.calendar storage from 0.1"),  # dropped, not migrated
    ],
)
async def test_unusable_store_is_fetched_again(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    *,
    version: tuple[int, int],
    files: Any,
    message: str,
) -> None:
    """A store the integration cannot read is left aside and the files fetched."""
    hass_storage[CALENDAR_STORE_KEY] = {
        "version": version[0],
        "minor_version": version[1],
        "key": CALENDAR_STORE_KEY,
        "data": {"files": files},
    }
    await setup_integration(hass, mock_config_entry)
    assert message in caplog.text
    assert calendar_requests(fake_simkl) == ROLLING


async def test_stale_files_kept_when_simkl_is_out_of_reach(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The calendar goes on with what it has, says so once, and says when it recovered."""
    # Not a status the client retries: retries wait on the event loop's clock, which is frozen.
    fake_simkl.inject_fault("/calendar/", FaultKind.STATUS, status=403, count=1000)
    await advance_time(hass, frozen_time, NOW + timedelta(hours=7))
    await advance_time(hass, frozen_time, NOW + timedelta(hours=7, minutes=31))
    assert caplog.text.count("Could not update the Simkl calendar, showing what it has") == 1
    state = hass.states.get(CALENDAR_ENTITY_ID)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["message"] == "The Last of Us S03E04"

    fake_simkl.clear_faults()
    await advance_time(hass, frozen_time, NOW + timedelta(hours=8, minutes=2))
    assert "The Simkl calendar is up to date again" in caplog.text


async def test_month_not_published(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """A month Simkl has no archive for yet has no events (and is no error)."""
    fake_simkl.inject_fault("/calendar/2027/2/", FaultKind.STATUS, status=404, count=1000)
    assert await _events(hass, "2027-02-05T00:00:00+00:00", "2027-02-10T00:00:00+00:00") == []
    assert sorted(calendar_requests(fake_simkl)[-3:]) == [
        f"GET /calendar/2027/2/{kind}.json" for kind in ("anime", "movie_release", "tv")
    ]


async def test_rolling_file_missing(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A missing rolling file is an error, not an empty calendar; archives fill in for it."""
    fake_simkl.inject_fault("/calendar/tv.json", FaultKind.STATUS, status=404, count=1000)
    await setup_integration(hass, mock_config_entry)
    upcoming = _upcoming(mock_config_entry)
    assert upcoming.last_update_success is False

    items = await upcoming.async_get_items(NOW, NOW + timedelta(days=2))
    assert [(item.title, item.number) for item in items] == [
        ("The Last of Us", "S03E04"),
        ("Severance", "S03E05"),
    ]
    assert "GET /calendar/2026/11/tv.json" in fake_simkl.request_paths()


async def test_file_for_a_newly_followed_kind(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Only the files of followed kinds are fetched; a new kind is fetched at the next sync."""
    await setup_integration(
        hass, mock_config_entry, {CONF_CALENDAR_LISTS: ["hold"], CONF_CALENDAR_MOVIES: False}
    )
    assert calendar_requests(fake_simkl) == ["GET /calendar/tv.json"]  # The Office, on hold

    fake_simkl.clear_requests()
    fake_simkl.set_status(simkl_user, ONE_PIECE, "hold")
    await mock_config_entry.runtime_data.library.async_refresh()
    await hass.async_block_till_done()
    assert calendar_requests(fake_simkl) == ["GET /calendar/anime.json"]
    assert (await _events(hass, "2026-11-18T00:00:00+00:00", "2026-11-25T00:00:00+00:00")) == [
        "One Piece E1151"
    ]


async def test_archives_are_forgotten_least_recently_used_first(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Beyond the bound of kept archives, the ones not asked for longest go first (a bound
    of 36 here: the real one holds every month of the reach, so only the passing months
    would exceed it)."""
    # The module, not the function of the same name the package exposes.
    monkeypatch.setattr(sys.modules[FileKey.__module__], "MAX_CACHED_ARCHIVES", 36)
    await _events(hass, "2025-12-01T00:00:00+00:00", "2025-12-05T00:00:00+00:00")
    await _events(hass, "2025-12-10T00:00:00+00:00", "2026-11-10T00:00:00+00:00")
    fake_simkl.clear_requests()
    await _events(hass, "2026-06-10T00:00:00+00:00", "2026-06-20T00:00:00+00:00")
    assert calendar_requests(fake_simkl) == []
    await _events(hass, "2025-12-01T00:00:00+00:00", "2025-12-05T00:00:00+00:00")
    assert sorted(calendar_requests(fake_simkl)) == [
        "GET /calendar/2025/11/anime.json",
        "GET /calendar/2025/11/movie_release.json",
        "GET /calendar/2025/11/tv.json",
    ]


async def test_a_window_of_years_reads_a_bounded_reach_of_archives(
    hass: HomeAssistant, fake_simkl: FakeSimkl, init_integration: MockConfigEntry
) -> None:
    """Ten years of calendar read the archives from a year back to three months ahead,
    each once; asked again, after another window too, nothing is fetched: every month of
    the reach is kept."""
    fake_simkl.clear_requests()
    events = await _events(hass, "2020-01-01T00:00:00+00:00", "2030-01-01T00:00:00+00:00")

    requests = calendar_requests(fake_simkl)
    assert len(requests) == len(set(requests))
    months = {tuple(map(int, path.split("/")[2:4])) for path in requests}
    assert min(months) == (2025, 11)  # NOW less 365 days, less a day of margin
    assert max(months) == (2027, 2)  # NOW plus 92 days
    assert len(requests) == 3 * len(months)
    assert "Fallout S02E05" in events

    fake_simkl.clear_requests()
    assert await _events(hass, "2020-01-01T00:00:00+00:00", "2030-01-01T00:00:00+00:00") == events
    assert await _events(hass, "2029-01-01T00:00:00+00:00", "2029-02-01T00:00:00+00:00") == []
    assert await _events(hass, "2020-01-01T00:00:00+00:00", "2030-01-01T00:00:00+00:00") == events
    assert calendar_requests(fake_simkl) == []


def test_calendar_entries_without_id_or_date_are_skipped() -> None:
    """The calendar cannot place or join such entries."""
    assert Airing.from_entry(CalendarEntry(title="No id", release_date=date(2026, 1, 1))) is None
    assert Airing.from_entry(CalendarEntry(title="No date", ids=Ids(simkl=1))) is None


def test_file_key_round_trip() -> None:
    """Store keys name the file's path; anything else is refused."""
    archive = FileKey(MediaType.ANIME, 2026, 8)
    assert archive.storage_key == "2026/8/anime"
    assert FileKey.from_storage_key("2026/8/anime") == archive
    assert FileKey.from_storage_key("tv") == FileKey(MediaType.SHOWS)
    with pytest.raises(ValueError, match="Not a calendar file"):
        FileKey.from_storage_key("2026/anime")


@pytest.mark.parametrize(
    ("last_modified", "generated_at"),
    [
        ("Wed, 18 Nov 2026 01:30:00 GMT", datetime.fromisoformat("2026-11-18T01:30:00+00:00")),
        ("yesterday", NOW),
        (None, NOW),
    ],
)
def test_generation_time(last_modified: str | None, generated_at: datetime) -> None:
    """Files count as generated at their Last-Modified, or else when they arrived."""
    assert _generated_at(last_modified, NOW) == generated_at


@pytest.fixture
def sensors_too() -> Iterator[None]:
    """Load the sensors as well."""
    with patch("custom_components.simkl.PLATFORMS", [Platform.CALENDAR, Platform.SENSOR]):
        yield


@pytest.mark.usefixtures("sensors_too", "init_integration")
async def test_upcoming_sensor(hass: HomeAssistant, frozen_time: FrozenDateTimeFactory) -> None:
    """The sensor counts the next 7 days' episodes and releases, with the card's format."""
    state = hass.states.get(SENSOR_ID)
    assert state is not None
    assert state.state == "6"
    assert "unit_of_measurement" not in state.attributes  # a count
    items, card = state.attributes["items"], state.attributes["data"]
    assert [item["number"] for item in items] == ["S03E04", "S03E05", "E7", "E1151", "S06E03", "E8"]
    assert items[0] == {
        "title": "The Last of Us",
        "media_type": "shows",
        "simkl_id": 1447581,
        "list": "watching",
        "season": 3,
        "episode": 4,
        "number": "S03E04",
        "episode_title": None,
        "airs_at": "2026-11-19T02:00:00+00:00",
        "date": "2026-11-18",  # 18:00 in Los Angeles
        "all_day": False,
        "runtime": 58,
        "watched": False,
        "url": "https://simkl.com/tv/1447581/the-last-of-us/season-3/episode-4/",
        "poster": "https://simkl.in/posters/f5/f54ade416dfb040f_m.webp",
    }
    assert card[0] == {
        "title_default": "$title",
        "line1_default": "$episode",
        "line2_default": "$release",
        "line3_default": "$number",
        "line4_default": "$runtime",
        "icon": "mdi:calendar-star",
    }
    assert card[1] == {
        "airdate": "2026-11-19T02:00:00Z",
        "title": "The Last of Us",
        "episode": "",
        "number": "S03E04",
        "season_num": 3,
        "episode_num": 4,
        "release": "$day, $date $time",
        "runtime": 58,
        "rating": "\N{BLACK STAR} 8.6",
        "poster": "https://simkl.in/posters/f5/f54ade416dfb040f_m.webp",
        "fanart": "",
        "flag": False,
        "deep_link": "https://simkl.com/tv/1447581/the-last-of-us/season-3/episode-4/",
    }
    assert card[3]["season_num"] == ""  # anime are numbered without seasons

    # Once The Last of Us S03E04 is over, it leaves the list at the next update (and its
    # next episode, a week later, comes in).
    await advance_time(hass, frozen_time, NOW + timedelta(days=1, minutes=5))
    state = hass.states.get(SENSOR_ID)
    assert state is not None
    assert state.state == "6"
    items = state.attributes["items"]
    assert [items[0]["number"], items[-1]["title"], items[-1]["number"]] == [
        "S03E05",
        "The Last of Us",
        "S03E05",
    ]


async def test_upcoming_days_beyond_the_rolling_files(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    sensors_too: None,
) -> None:
    """A window past the rolling files' 33 days reads the archives at each update."""
    await setup_integration(hass, mock_config_entry, {CONF_UPCOMING_DAYS: 45})
    assert sorted(calendar_requests(fake_simkl)) == sorted(
        [*ROLLING]
        + [
            f"GET /calendar/{month}/{kind}.json"
            for month in ("2026/12", "2027/1")
            for kind in ("tv", "anime", "movie_release")
        ]
    )
    # The count matches the calendar's events in the same window.
    events = await _events(hass, NOW.isoformat(), (NOW + timedelta(days=45)).isoformat())
    assert "Fallout S02E05" in events  # on 28 December, past the rolling files
    state = hass.states.get(SENSOR_ID)
    assert state is not None
    assert int(state.state) == len(events)


async def test_upcoming_days_with_an_archive_missing(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    sensors_too: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without the archive, the sensor counts what the rolling files hold, and says so."""
    fake_simkl.inject_fault("/calendar/2027/", FaultKind.STATUS, status=403, count=1000)
    await setup_integration(hass, mock_config_entry, {CONF_UPCOMING_DAYS: 45})
    assert "Could not update the Simkl calendar, showing what it has" in caplog.text
    state = hass.states.get(SENSOR_ID)
    assert state is not None
    assert state.attributes["items"][-1]["airs_at"] < "2027-01-01"


async def test_upcoming_attributes_stay_small(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    mock_config_entry: MockConfigEntry,
    sensors_too: None,
) -> None:
    """With a large library the count stays whole while the listed items are capped."""
    fake_simkl.seed_library(simkl_user, 600)
    await setup_integration(hass, mock_config_entry)
    state = hass.states.get(SENSOR_ID)
    assert state is not None
    assert int(state.state) > len(state.attributes["items"])
    assert len(json_bytes(dict(state.attributes))) < 16 * 1024


def test_episode_without_a_number() -> None:
    """Some anime entries have no episode number: the air date keeps their uid stable."""
    library = Library(account=Account(account_id=1, name="alice"))
    library.add(
        [
            LibraryEntry(
                simkl_id=2, media_type=MediaType.ANIME, title="Special", status=ListStatus.WATCHING
            )
        ]
    )
    airing = Airing(
        simkl_id=2,
        title="Special",
        air_date=date(2026, 11, 20),
        air_time=datetime.fromisoformat("2026-11-20T23:00:00+09:00"),
    )
    selection = CalendarSelection(lists=frozenset({ListStatus.WATCHING}), movies=True)
    [item] = join_library([airing], library, selection, lambda kind, path, size: None)
    assert item.uid == "simkl-2-2026-11-20"
    assert item.number is None
    assert Airing.from_row(airing.to_row()) == airing


def test_only_followed_shows_have_calendar_episodes() -> None:
    """The episodes the calendar adds to a show's progress are those of followed shows."""
    library = Library(account=Account(account_id=1, name="alice"))
    library.add(
        LibraryEntry(simkl_id=simkl_id, media_type=media_type, title=title, status=status)
        for simkl_id, media_type, title, status in (
            (1, MediaType.SHOWS, "Watched", ListStatus.WATCHING),
            (2, MediaType.SHOWS, "Planned", ListStatus.PLAN_TO_WATCH),
            (3, MediaType.MOVIES, "Film", ListStatus.PLAN_TO_WATCH),
        )
    )
    airings = tuple(
        Airing(simkl_id=simkl_id, title="?", air_date=date(2026, 11, 20), season=1, episode=5)
        for simkl_id in (1, 2, 3)
    )
    selection = CalendarSelection(lists=frozenset({ListStatus.WATCHING}), movies=True)
    joined = JoinedFile(airings, selection, lambda kind, path, size: None)
    joined.update(library)

    assert [episode.code for episode in joined.episodes(library.items[1])] == ["S01E05"]
    assert joined.episodes(library.items[2]) == ()
    assert joined.episodes(library.items[3]) == ()
    by_title = AiredEpisodes(library, [joined])
    assert dict(by_title) == {1: joined.episodes(library.items[1])}
    assert len(by_title) == 1
    assert by_title.get(2) is None
    assert by_title.get(99) is None  # not in the library


async def _get_upcoming(hass: HomeAssistant, **data: Any) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        DOMAIN, "get_upcoming", data, blocking=True, return_response=True
    )
    assert response is not None
    items: list[dict[str, Any]] = response["items"]  # type: ignore[assignment]
    return items


@pytest.mark.usefixtures("sensors_too", "init_integration")
async def test_get_upcoming_lists_what_the_sensor_counts(hass: HomeAssistant) -> None:
    """Without fields, the action returns the sensor's list (the upcoming days option)."""
    items = await _get_upcoming(hass)
    state = hass.states.get(SENSOR_ID)
    assert state is not None
    assert items == state.attributes["items"]
    assert len(items) == int(state.state)


@pytest.mark.usefixtures("init_integration")
async def test_get_upcoming_days_and_media_types(
    hass: HomeAssistant, fake_simkl: FakeSimkl
) -> None:
    """Any window up to 60 days, reading archives past the rolling files; chosen kinds only."""
    items = await _get_upcoming(hass, days=45, media_types=["shows", "movies"])
    assert {item["media_type"] for item in items} == {"shows", "movies"}
    releases = [item for item in items if item["all_day"]]
    assert [(item["title"], item["date"], item["airs_at"]) for item in releases] == [
        ("Project Hail Mary", "2026-11-26", None)
    ]
    assert items[-1]["airs_at"] > "2026-12-25"  # past the rolling files
    assert "GET /calendar/2026/12/tv.json" in fake_simkl.request_paths()

    anime = await _get_upcoming(hass, days=3, media_types="anime")
    assert [item["title"] for item in anime] == ["Sousou no Frieren 2nd Season"]


@pytest.mark.usefixtures("init_integration")
async def test_get_upcoming_refuses_bad_input(hass: HomeAssistant) -> None:
    """Days beyond the range or an unknown media type are refused before anything runs."""
    with pytest.raises(vol.Invalid):
        await _get_upcoming(hass, days=61)
    with pytest.raises(vol.Invalid):
        await _get_upcoming(hass, media_types=["books"])


async def test_get_upcoming_needs_a_loaded_account(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An unloaded account cannot answer."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError):
        await _get_upcoming(hass, config_entry_id=init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_get_upcoming_archive_unreachable(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """A window needing an archive Simkl does not serve fails with a clear error."""
    fake_simkl.inject_fault("/calendar/2026/12/", FaultKind.STATUS, status=403, count=1000)
    with pytest.raises(HomeAssistantError, match="Could not fetch the Simkl calendar for that"):
        await _get_upcoming(hass, days=45)
