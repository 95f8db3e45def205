"""The calendar of upcoming episodes and releases, read the way Home Assistant reads it.

Time is frozen on Wednesday 2026-11-18 12:00 in Los Angeles (20:00 UTC), where the fake's demo
catalogue is anchored: The Last of Us airs tomorrow, Severance the day after, and so on.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from http import HTTPStatus
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.simkl.api import ListStatus, MediaType
from custom_components.simkl.calendar import calendar_event
from custom_components.simkl.calendar_join import UpcomingItem
from custom_components.simkl.const import CONF_CALENDAR_LISTS, CONF_CALENDAR_MOVIES
from tests.conftest import (
    CALENDAR_ENTITY_ID,
    advance_time,
    calendar_events,
    calendar_requests,
    setup_integration,
)
from tests.fake_simkl import FakeSimkl, FakeUser, FaultKind

NOW = datetime.fromisoformat("2026-11-18T20:00:00+00:00")

THE_LAST_OF_US = 1447581
SEVERANCE = 1186633

NEXT_WEEK = [
    ("The Last of Us S03E04", "2026-11-19T18:00:00-08:00", "2026-11-19T18:58:00-08:00"),
    ("Severance S03E05", "2026-11-20T18:00:00-08:00", "2026-11-20T18:55:00-08:00"),
    ("Sousou no Frieren 2nd Season E7", "2026-11-21T06:00:00-08:00", "2026-11-21T06:24:00-08:00"),
    ("Slow Horses S06E03", "2026-11-21T16:00:00-08:00", "2026-11-21T16:48:00-08:00"),
    ("One Piece E1151", "2026-11-22T06:15:00-08:00", "2026-11-22T06:39:00-08:00"),
    ("Dandadan 2nd Season E8", "2026-11-23T07:26:00-08:00", "2026-11-23T07:50:00-08:00"),
]


@pytest.fixture(autouse=True)
def frozen_time(
    freezer: FrozenDateTimeFactory, calendar_in_los_angeles: None
) -> FrozenDateTimeFactory:
    """Freeze time before the fake builds its catalogue around "now", with the calendar
    alone in Los Angeles (unless a test moves it)."""
    freezer.move_to(NOW)
    return freezer


type RestClient = Callable[[], Awaitable[TestClient]]


@pytest.fixture
def rest_client(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_access_token: str
) -> RestClient:
    """Return a factory of REST clients with a fresh access token, so that time may pass."""
    refresh_token = hass.auth.async_validate_access_token(hass_access_token)
    assert refresh_token is not None

    async def create() -> TestClient:
        return await hass_client(hass.auth.async_create_access_token(refresh_token))

    return create


async def _rest_events(
    rest_client: RestClient, start: datetime | str, end: datetime | str
) -> list[dict[str, Any]]:
    client = await rest_client()
    response = await client.get(
        f"/api/calendars/{CALENDAR_ENTITY_ID}",
        params={"start": str(start), "end": str(end)},
    )
    assert response.status == HTTPStatus.OK
    events: list[dict[str, Any]] = await response.json()
    return events


@pytest.mark.usefixtures("init_integration")
async def test_entity(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """One calendar per account, showing the next episode (off until it starts)."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    state = hass.states.get(CALENDAR_ENTITY_ID)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["message"] == "The Last of Us S03E04"
    assert state.attributes["start_time"] == "2026-11-19 18:00:00"


@pytest.mark.usefixtures("init_integration")
async def test_next_week(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """The coming week's episodes, in air order, from the rolling files alone."""
    fake_simkl.clear_requests()
    events = await calendar_events(hass, duration={"days": 7})
    assert [(event["summary"], event["start"], event["end"]) for event in events] == NEXT_WEEK
    # Each event links back to its episode on Simkl.
    assert events[0]["description"] == (
        "https://simkl.com/tv/1447581/the-last-of-us/season-3/episode-4/"
    )
    assert calendar_requests(fake_simkl) == []


@pytest.mark.usefixtures("init_integration")
async def test_events_asked_again_follow_the_time_zone(hass: HomeAssistant) -> None:
    """The same window gives the same events; after a change of time zone, in its hours."""
    first = await calendar_events(hass, duration={"days": 7})
    assert await calendar_events(hass, duration={"days": 7}) == first

    await hass.config.async_set_time_zone("Europe/Berlin")
    moved = await calendar_events(hass, duration={"days": 7})

    assert [event["summary"] for event in moved] == [event["summary"] for event in first]
    assert moved[0]["start"] == "2026-11-20T03:00:00+01:00"
    assert first[0]["start"] == "2026-11-19T18:00:00-08:00"


@pytest.mark.usefixtures("init_integration")
async def test_today_through_the_rest_api(
    hass: HomeAssistant,
    rest_client: RestClient,
    frozen_time: FrozenDateTimeFactory,
) -> None:
    """Tomorrow morning, today's view holds the evening's episode with a stable uid."""
    await advance_time(hass, frozen_time, datetime.fromisoformat("2026-11-19T08:00:00-08:00"))
    today = dt_util.start_of_local_day()
    events = await _rest_events(rest_client, today, today + timedelta(days=1))
    assert events == [
        {
            "summary": "The Last of Us S03E04",
            "start": {"dateTime": "2026-11-19T18:00:00-08:00"},
            "end": {"dateTime": "2026-11-19T18:58:00-08:00"},
            "description": "https://simkl.com/tv/1447581/the-last-of-us/season-3/episode-4/",
            "location": None,
            "uid": f"simkl-{THE_LAST_OF_US}-s3e4",
            "recurrence_id": None,
            "rrule": None,
            "status": None,
        }
    ]
    again = await _rest_events(rest_client, today - timedelta(days=3), today + timedelta(days=1))
    assert events[0] in again


@pytest.mark.usefixtures("init_integration")
async def test_next_60_days_reads_the_archives(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """Beyond the rolling files, the monthly archives fill in, fetched once and kept."""
    fake_simkl.clear_requests()
    events = await calendar_events(hass, duration={"days": 60})
    summaries = [event["summary"] for event in events]

    assert summaries[: len(NEXT_WEEK)] == [summary for summary, _, _ in NEXT_WEEK]
    assert len(summaries) == len(set(summaries))  # the files overlap; no event twice
    # Fallout's season runs weekly into January, far past the rolling files' 33 days.
    fallout = [summary for summary in summaries if summary.startswith("Fallout")]
    assert fallout == [f"Fallout S02E0{number}" for number in range(1, 8)]
    assert events[summaries.index("Fallout S02E07")]["start"] == "2027-01-11T18:00:00-08:00"
    release = events[summaries.index("Project Hail Mary")]
    assert (release["start"], release["end"]) == ("2026-11-27", "2026-11-28")
    assert release["description"] == "https://simkl.com/movies/2134550/project-hail-mary"
    assert sorted(calendar_requests(fake_simkl)) == sorted(
        f"GET /calendar/{month}/{kind}.json"
        for month in ("2026/12", "2027/1")
        for kind in ("tv", "anime", "movie_release")
    )

    fake_simkl.clear_requests()
    assert await calendar_events(hass, duration={"days": 60}) == events
    assert calendar_requests(fake_simkl) == []


def _on_between(event: dict[str, Any], start: datetime, end: datetime) -> bool:
    """Tell whether an event of `calendar.get_events` is on in a window."""
    times = [
        datetime.fromisoformat(value)
        if "T" in value
        else dt_util.start_of_local_day(date.fromisoformat(value))
        for value in (event["start"], event["end"])
    ]
    return times[0] < end and times[1] > start


# Windows (from NOW, in days) inside the one from 40 days back to 80 ahead, which spans last
# month's archives, the rolling files and the archives of the next months; and whether anything
# is on in them.
WINDOWS = {
    "one hour": (0.9, 0.95, False),
    "one day": (1.0, 2.0, True),
    "a week": (0.0, 7.0, True),
    "last month's end": (-20.0, -16.0, True),
    "from last month into the rolling files": (-25.0, 3.0, True),
    "across the rolling files' end": (30.0, 36.0, True),
    "across the new year": (40.0, 50.0, True),
    "past the last episode known": (70.0, 80.0, False),
}


@pytest.mark.parametrize(("first", "last", "anything"), WINDOWS.values(), ids=WINDOWS.keys())
@pytest.mark.usefixtures("init_integration")
async def test_windows_hold_what_is_on_in_them(
    hass: HomeAssistant, first: float, last: float, anything: bool
) -> None:
    """A window, wherever its edges fall between the files, holds the events on in it."""
    every = await calendar_events(
        hass,
        start_date_time=(NOW - timedelta(days=40)).isoformat(),
        end_date_time=(NOW + timedelta(days=80)).isoformat(),
    )
    start, end = NOW + timedelta(days=first), NOW + timedelta(days=last)

    events = await calendar_events(
        hass, start_date_time=start.isoformat(), end_date_time=end.isoformat()
    )

    assert events == [event for event in every if _on_between(event, start, end)]
    assert bool(events) is anything


@pytest.mark.usefixtures("init_integration")
async def test_last_month(
    hass: HomeAssistant,
    rest_client: RestClient,
    fake_simkl: FakeSimkl,
    frozen_time: FrozenDateTimeFactory,
) -> None:
    """A past month comes from its archive; watched episodes are checked, not hidden."""
    fake_simkl.clear_requests()
    events = await _rest_events(
        rest_client, "2026-10-05T00:00:00-07:00", "2026-10-26T00:00:00-07:00"
    )
    assert [(event["summary"], event["start"]) for event in events] == [
        ("\N{CHECK MARK} Dandadan 2nd Season E1", {"dateTime": "2026-10-05T08:26:00-07:00"}),
        (
            "\N{CHECK MARK} Sousou no Frieren 2nd Season E1",
            {"dateTime": "2026-10-10T07:00:00-07:00"},
        ),
        ("One Piece E1145", {"dateTime": "2026-10-11T07:15:00-07:00"}),
        ("\N{CHECK MARK} Dandadan 2nd Season E2", {"dateTime": "2026-10-12T08:26:00-07:00"}),
        (
            "\N{CHECK MARK} Sousou no Frieren 2nd Season E2",
            {"dateTime": "2026-10-17T07:00:00-07:00"},
        ),
        ("One Piece E1146", {"dateTime": "2026-10-18T07:15:00-07:00"}),
        ("\N{CHECK MARK} Dandadan 2nd Season E3", {"dateTime": "2026-10-19T08:26:00-07:00"}),
        ("\N{CHECK MARK} Severance S03E01", {"dateTime": "2026-10-23T18:00:00-07:00"}),
        (
            "\N{CHECK MARK} Sousou no Frieren 2nd Season E3",
            {"dateTime": "2026-10-24T07:00:00-07:00"},
        ),
        ("One Piece E1147", {"dateTime": "2026-10-25T07:15:00-07:00"}),
    ]
    assert events[0]["description"] == (
        "Watched on Simkl.\nhttps://simkl.com/anime/2473210/dandadan-2nd-season/episode-1/"
    )
    assert sorted(calendar_requests(fake_simkl)) == [
        "GET /calendar/2026/10/anime.json",
        "GET /calendar/2026/10/movie_release.json",
        "GET /calendar/2026/10/tv.json",
    ]

    # A month that was over when it was fetched never changes again.
    await advance_time(hass, frozen_time, NOW + timedelta(days=2))
    fake_simkl.clear_requests()
    again = await _rest_events(
        rest_client, "2026-10-05T00:00:00-07:00", "2026-10-26T00:00:00-07:00"
    )
    assert again == events
    assert calendar_requests(fake_simkl) == []


@pytest.mark.parametrize(
    ("time_zone", "days"),
    [
        (
            "America/Los_Angeles",
            {
                "2026-11-20": ["Severance S03E05"],
                "2026-11-21": ["Sousou no Frieren 2nd Season E7", "Slow Horses S06E03"],
                "2026-11-22": ["One Piece E1151"],
                "2026-11-23": ["Dandadan 2nd Season E8"],
                "2026-11-27": ["Project Hail Mary", "Severance S03E06"],
            },
        ),
        (
            "Pacific/Auckland",
            {
                "2026-11-20": ["The Last of Us S03E04"],
                "2026-11-21": ["Severance S03E05"],
                "2026-11-22": ["Sousou no Frieren 2nd Season E7", "Slow Horses S06E03"],
                "2026-11-23": ["One Piece E1151"],
                "2026-11-24": ["Dandadan 2nd Season E8"],
                "2026-11-27": ["Project Hail Mary", "The Last of Us S03E05"],
            },
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_local_days(
    hass: HomeAssistant,
    rest_client: RestClient,
    time_zone: str,
    days: dict[str, list[str]],
) -> None:
    """Episodes land on the local day they air, midnight broadcasts included.

    Slow Horses airs at midnight in London and Dan Da Dan at 00:26 in Tokyo: the day before
    in Los Angeles, the same day in Auckland. A movie release is the same date everywhere.
    """
    await hass.config.async_set_time_zone(time_zone)
    for day, summaries in days.items():
        start = dt_util.start_of_local_day(datetime.fromisoformat(day))
        events = await _rest_events(rest_client, start, start + timedelta(days=1))
        assert [event["summary"] for event in events] == summaries, day
        for event in events:
            if "date" in event["start"]:
                assert event["start"] == {"date": day}
            else:
                local = datetime.fromisoformat(event["start"]["dateTime"])
                assert dt_util.as_local(local).date().isoformat() == day


@pytest.mark.usefixtures("init_integration")
async def test_trigger_at_episode_start(
    hass: HomeAssistant,
    frozen_time: FrozenDateTimeFactory,
    service_calls: list[ServiceCall],
) -> None:
    """A calendar trigger fires when the next episode starts; the calendar is on meanwhile."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [
                    {"trigger": "calendar", "event": "start", "entity_id": CALENDAR_ENTITY_ID}
                ],
                "actions": [
                    {
                        "action": "test.automation",
                        "data": {"episode": "{{ trigger.calendar_event.summary }}"},
                    }
                ],
            }
        },
    )
    await hass.async_block_till_done()
    start = datetime.fromisoformat("2026-11-19T18:00:00-08:00")

    for moment in (start - timedelta(minutes=30), start - timedelta(minutes=14)):
        await advance_time(hass, frozen_time, moment)
    assert [call for call in service_calls if call.domain == "test"] == []
    assert hass.states.get(CALENDAR_ENTITY_ID).state == STATE_OFF  # type: ignore[union-attr]

    await advance_time(hass, frozen_time, start + timedelta(seconds=1))
    fired = [call.data for call in service_calls if call.domain == "test"]
    assert fired == [{"episode": "The Last of Us S03E04"}]
    assert hass.states.get(CALENDAR_ENTITY_ID).state == STATE_ON  # type: ignore[union-attr]

    await advance_time(hass, frozen_time, start + timedelta(minutes=59))
    state = hass.states.get(CALENDAR_ENTITY_ID)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["message"] == "Severance S03E05"
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "all"}, blocking=True
    )  # stops the trigger's polling


THE_LAST_OF_US_ON = (
    datetime.fromisoformat("2026-11-19T18:00:00-08:00"),
    datetime.fromisoformat("2026-11-19T18:58:00-08:00"),
)


@pytest.mark.parametrize(
    ("moment", "expected_state", "expected_message"),
    [
        (THE_LAST_OF_US_ON[0] - timedelta(seconds=1), STATE_OFF, "The Last of Us S03E04"),
        (THE_LAST_OF_US_ON[0], STATE_ON, "The Last of Us S03E04"),
        (THE_LAST_OF_US_ON[1] - timedelta(seconds=1), STATE_ON, "The Last of Us S03E04"),
        (THE_LAST_OF_US_ON[1], STATE_OFF, "Severance S03E05"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_state_at_the_edges_of_an_episode(
    hass: HomeAssistant,
    frozen_time: FrozenDateTimeFactory,
    moment: datetime,
    expected_state: str,
    expected_message: str,
) -> None:
    """The calendar is on from the second an episode starts until the second it ends, then
    shows the next one, though its state was worked out earlier and kept."""
    await advance_time(hass, frozen_time, THE_LAST_OF_US_ON[0] - timedelta(hours=1))
    await advance_time(hass, frozen_time, moment)
    state = hass.states.get(CALENDAR_ENTITY_ID)
    assert state is not None
    assert (state.state, state.attributes["message"]) == (expected_state, expected_message)


async def test_lists_option(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Only the chosen lists count: on hold can be added, movies left out."""
    fake_simkl.set_status(simkl_user, SEVERANCE, "hold")
    await setup_integration(
        hass, mock_config_entry, {CONF_CALENDAR_LISTS: ["hold"], CONF_CALENDAR_MOVIES: False}
    )
    events = await calendar_events(hass, duration={"days": 14})
    assert [event["summary"] for event in events] == ["Severance S03E05", "Severance S03E06"]
    assert calendar_requests(fake_simkl) == ["GET /calendar/tv.json"]


async def test_default_lists_follow_the_library(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    init_integration: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
) -> None:
    """A show put on hold leaves the calendar at the next sync; the next event moves on."""
    fake_simkl.set_status(simkl_user, THE_LAST_OF_US, "hold")
    await init_integration.runtime_data.library.async_refresh()
    await hass.async_block_till_done()

    events = await calendar_events(hass, duration={"days": 7})
    assert "The Last of Us S03E04" not in [event["summary"] for event in events]
    assert hass.states.get(CALENDAR_ENTITY_ID).attributes["message"] == "Severance S03E05"  # type: ignore[union-attr]


async def test_calendar_files_unreachable_at_start(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    mock_config_entry: MockConfigEntry,
    frozen_time: FrozenDateTimeFactory,
) -> None:
    """Without any calendar file the calendar is unavailable; it recovers on its own."""
    # Not a status the client retries: retries wait on the event loop's clock, which is frozen.
    fake_simkl.inject_fault("/calendar/", FaultKind.STATUS, status=403, count=1000)
    await setup_integration(hass, mock_config_entry)
    assert hass.states.get(CALENDAR_ENTITY_ID).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    fake_simkl.clear_faults()
    await advance_time(hass, frozen_time, NOW + timedelta(minutes=31))
    assert hass.states.get(CALENDAR_ENTITY_ID).state == STATE_OFF  # type: ignore[union-attr]


@pytest.mark.usefixtures("init_integration")
async def test_archive_unreachable(hass: HomeAssistant, fake_simkl: FakeSimkl) -> None:
    """A window needing an archive Simkl does not serve fails with a clear error."""
    fake_simkl.inject_fault("/calendar/2026/10/", FaultKind.STATUS, status=403, count=1000)
    with pytest.raises(Exception, match="Could not fetch the Simkl calendar for that period"):
        await calendar_events(
            hass,
            start_date_time="2026-10-05T00:00:00-07:00",
            end_date_time="2026-10-06T00:00:00-07:00",
        )


BASE_ITEM = UpcomingItem(
    uid="simkl-1-s2e5",
    media_type=MediaType.SHOWS,
    simkl_id=1,
    title="Show",
    status=ListStatus.WATCHING,
    season=2,
    episode=5,
    episode_title=None,
    air_time=datetime.fromisoformat("2026-11-20T21:00:00-05:00"),
    air_date=date(2026, 11, 20),
    runtime=None,
    watched=False,
    url="https://simkl.com/tv/1/show",
    poster="https://simkl.in/poster_no_pic_c.png",
    fanart=None,
    rating=None,
    finale_type=None,
)


@pytest.mark.parametrize(
    ("changes", "summary", "description", "minutes"),
    [
        ({}, "Show S02E05", "https://simkl.com/tv/1/show", 45),
        (
            {"episode_title": "Cold Harbor", "finale_type": 2, "runtime": 52},
            "Show S02E05 \N{MIDDLE DOT} Cold Harbor",
            "Season finale\nhttps://simkl.com/tv/1/show",
            52,
        ),
        (
            {"watched": True, "episode_title": "Cold Harbor", "finale_type": 3},
            "\N{CHECK MARK} Show S02E05 \N{MIDDLE DOT} Cold Harbor",
            "Series finale\nWatched on Simkl.\nhttps://simkl.com/tv/1/show",
            45,
        ),
        (
            {"media_type": MediaType.ANIME, "season": None, "episode": 148},
            "Show E148",
            "https://simkl.com/tv/1/show",
            25,
        ),
        (
            {"episode": None, "finale_type": 1},
            "Show",
            "Mid-season finale\nhttps://simkl.com/tv/1/show",
            45,
        ),
    ],
)
async def test_event_text(
    hass: HomeAssistant,
    changes: dict[str, Any],
    summary: str,
    description: str,
    minutes: int,
) -> None:
    """Summaries name the episode (its title when known); runtimes default like Simkl's."""
    event = calendar_event(replace(BASE_ITEM, **changes))
    assert (event.summary, event.description) == (summary, description)
    assert event.end - event.start == timedelta(minutes=minutes)  # type: ignore[operator]
