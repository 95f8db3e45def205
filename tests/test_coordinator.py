"""Library sync: the requests Simkl sees, the stored copy, failures, and states that follow."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
import logging
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.simkl.api import transport as transport_module
from custom_components.simkl.const import DOMAIN
from custom_components.simkl.library_store import LIBRARY_STORAGE_VERSION
from custom_components.simkl.storage import CACHE_SAVE_DELAY
from tests.conftest import client_settings
from tests.fake_simkl import FaultKind
from tests.sync_account import (
    ACTIVITIES,
    ANDOR,
    FIRST_SYNC,
    INCEPTION,
    INTERSTELLAR,
    NEW_SHOW,
    NEXT,
    SEVERANCE,
    SLOW_HORSES,
    THE_BEAR,
    Account,
    Requests,
    account,
    add_show,
    forget_type,
    frozen_time,
    synced,
)

__all__ = ["account", "frozen_time", "synced"]  # fixtures


async def test_first_sync_reads_the_whole_library_once(synced: Account) -> None:
    """Linking an account reads the settings, the activities, each library type and the
    paused sessions, one after the other."""
    assert synced.requests() == FIRST_SYNC
    synced.assert_synced()


async def test_unchanged_library_costs_one_request_per_poll(synced: Account) -> None:
    """While nothing changes on Simkl, each poll is a single activities request."""
    states = synced.states()
    synced.fake.clear_requests()

    for _ in range(4):
        await synced.poll()

    assert synced.requests() == [ACTIVITIES] * 4
    assert synced.states() == states


type Change = Callable[[Account], Requests]


def _added(account: Account) -> Requests:
    since = account.delta_from("tv")
    add_show(account.fake, account.user)
    return [("GET /sync/all-items/shows", since)]


def _watched(account: Account) -> Requests:
    since = account.delta_from("tv")
    account.fake.watch_episodes(account.user, SEVERANCE, 3, [3])
    return [("GET /sync/all-items/shows", since)]


def _movie_watched(account: Account) -> Requests:
    since = account.delta_from("movie")
    account.fake.watch_movie(account.user, INTERSTELLAR)
    return [("GET /sync/all-items/movies", since)]


def _moved(account: Account) -> Requests:
    since = account.delta_from("tv")
    account.fake.set_status(account.user, THE_BEAR, "watching")
    return [("GET /sync/all-items/shows", since)]


def _rated(account: Account) -> Requests:
    account.fake.rate(account.user, THE_BEAR, 7)
    # The type's ratings in full, so that a rating removed meanwhile goes too.
    return [("GET /sync/ratings/shows", {})]


def _unrated(account: Account) -> Requests:
    account.fake.unrate(account.user, INCEPTION)
    return [("GET /sync/ratings/movies", {})]


def _removed(account: Account) -> Requests:
    account.fake.remove_item(account.user, ANDOR)
    return [("GET /sync/all-items/shows", {"extended": "simkl_ids_only"})]


def _removed_with_playback(account: Account) -> Requests:
    account.fake.remove_item(account.user, SEVERANCE)
    return [
        ("GET /sync/all-items/shows", {"extended": "simkl_ids_only"}),
        ("GET /sync/playback", {}),
    ]


def _paused(account: Account) -> Requests:
    account.fake.add_playback(account.user, SLOW_HORSES, 61.5, season=6, episode=2)
    return [("GET /sync/playback", {})]


def _settings(account: Account) -> Requests:
    account.fake.set_settings(account.user, name="alice b.")
    return [("POST /users/settings", {})]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_added, id="show added"),
        pytest.param(_watched, id="episode watched"),
        pytest.param(_movie_watched, id="movie watched"),
        pytest.param(_moved, id="moved to another list"),
        pytest.param(_rated, id="rated"),
        pytest.param(_unrated, id="rating removed"),
        pytest.param(_removed, id="removed"),
        pytest.param(_removed_with_playback, id="removed with its paused session"),
        pytest.param(_paused, id="playback paused"),
        pytest.param(_settings, id="settings changed"),
    ],
)
async def test_a_change_costs_exactly_its_delta(synced: Account, change: Change) -> None:
    """After a change on Simkl the next poll asks for that change only, and every sensor
    then matches Simkl's library."""
    synced.fake.clear_requests()
    delta = change(synced)

    await synced.poll()

    assert synced.requests() == [ACTIVITIES, *delta]
    assert synced.states() == synced.expected_states()

    synced.fake.clear_requests()
    await synced.poll()
    assert synced.requests() == [ACTIVITIES]


async def test_first_title_of_a_type_is_read_in_full(account: Account) -> None:
    """An account that never had a movie: its first movie is read with the whole (short)
    movie list, rating included, as Simkl has no earlier timestamp to ask from."""
    forget_type(account.fake, account.user, "movie")
    await account.setup()
    account.fake.clear_requests()

    account.fake.watch_movie(account.user, INTERSTELLAR)
    account.fake.rate(account.user, INTERSTELLAR, 9)
    await account.poll()

    assert account.requests() == [ACTIVITIES, ("GET /sync/all-items/movies", NEXT)]
    account.assert_synced()
    assert account.coordinator.current.items[INTERSTELLAR].user_rating == 9


async def test_library_follows_every_change(synced: Account) -> None:
    """Several changes in one poll all land in the synced library, item by item."""
    fake, user = synced.fake, synced.user
    add_show(fake, user)
    fake.rate(user, NEW_SHOW, 6)
    fake.unrate(user, INCEPTION)
    fake.set_status(user, THE_BEAR, "dropped")
    fake.set_settings(user, name="alice b.")
    await synced.poll()

    library = synced.coordinator.current
    assert library.items[NEW_SHOW].title == "A New Show"
    assert library.account.name == "alice b."
    assert {
        simkl_id: (entry.status, entry.user_rating) for simkl_id, entry in library.items.items()
    } == {
        simkl_id: (entry.status, entry.rating)
        for simkl_id, entry in fake.library(user).entries.items()
    }
    synced.assert_synced()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_watched, id="episode watched"),
        pytest.param(_added, id="show added"),
        pytest.param(_removed, id="removed"),
        pytest.param(_rated, id="rated"),
    ],
)
async def test_restart_with_stored_library_costs_one_request(
    synced: Account, hass_storage: dict[str, Any], change: Change
) -> None:
    """The library is stored with each change; set up again, the sensors have their states
    after a single activities request."""
    change(synced)
    await synced.poll()
    states = synced.states()
    await synced.poll(CACHE_SAVE_DELAY)  # the delayed save
    assert hass_storage[synced.store_key]["version"] == LIBRARY_STORAGE_VERSION

    await synced.unload()
    synced.fake.clear_requests()
    await synced.setup()

    assert synced.entry.state is ConfigEntryState.LOADED
    assert synced.requests() == [ACTIVITIES]
    assert synced.states() == states


async def test_change_while_stopped_is_synced_as_a_delta(
    synced: Account, hass_storage: dict[str, Any]
) -> None:
    """What changed on Simkl while Home Assistant was stopped is fetched as a delta."""
    await synced.poll(CACHE_SAVE_DELAY)  # the delayed save
    assert synced.store_key in hass_storage
    await synced.unload()
    since = synced.delta_from("tv")
    synced.fake.watch_episodes(synced.user, SLOW_HORSES, 6, [2])
    synced.fake.clear_requests()

    await synced.setup()

    assert synced.requests() == [ACTIVITIES, ("GET /sync/all-items/shows", since)]
    synced.assert_synced()


@pytest.mark.usefixtures("no_client_retries")
async def test_unavailable_while_simkl_fails(
    account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    """Failing polls make the sensors unavailable, logged once; they come back after."""
    await account.setup()
    states = account.states()
    caplog.set_level(logging.INFO, logger="custom_components.simkl")
    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=503, count=None)

    await account.poll()
    await account.poll()

    assert set(account.states().values()) == {STATE_UNAVAILABLE}
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "HTTP 503" in failures[0].getMessage()

    account.fake.clear_faults()
    await account.poll()
    await account.poll()

    assert account.states() == states
    assert sum("recovered" in record.getMessage() for record in caplog.records) == 1


async def test_revoked_token_asks_to_link_again(synced: Account, access_token: str) -> None:
    """A token revoked on Simkl makes the sensors unavailable and starts a reauth flow."""
    synced.fake.revoke_token(access_token)
    await synced.poll()

    assert set(synced.states().values()) == {STATE_UNAVAILABLE}
    flows = synced.entry.async_get_active_flows(synced.hass, {SOURCE_REAUTH})
    assert [flow["context"]["entry_id"] for flow in flows] == [synced.entry.entry_id]


def _activity_checks(account: Account) -> list[datetime]:
    return [request.time for request in account.fake.requests if request.path == "/sync/activities"]


@pytest.mark.usefixtures("no_client_retries")
async def test_rate_limit_backs_off(account: Account) -> None:
    """A 429 retries after the suggested wait, doubled for each 429 in a row, and the
    normal interval resumes after a success."""
    await account.setup()
    states = account.states()
    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=429, count=None)
    await account.poll()
    assert set(account.states().values()) == {STATE_UNAVAILABLE}

    # Simkl sends no Retry-After; the client suggests 10 seconds.
    checks = _activity_checks(account)
    await account.poll(timedelta(seconds=11))
    assert len(_activity_checks(account)) == len(checks) + 1

    checks = _activity_checks(account)
    await account.poll(timedelta(seconds=11))
    assert _activity_checks(account) == checks  # now 20 seconds
    await account.poll(timedelta(seconds=10))
    assert len(_activity_checks(account)) == len(checks) + 1

    account.fake.clear_faults()
    await account.poll(timedelta(seconds=41))
    assert account.states() == states

    account.fake.clear_requests()
    await account.poll(timedelta(minutes=14))
    assert account.requests() == []
    await account.poll(timedelta(minutes=1, seconds=1))
    assert account.requests() == [ACTIVITIES]


async def test_rate_limited_setup_is_left_to_setup_retries(account: Account) -> None:
    """A 429 at start-up holds the setup up for a few seconds of client retries only; then
    Home Assistant sets the account up again later."""
    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=429, count=None)
    with (
        client_settings(min_get_interval=0.0, min_post_interval=0.0),
        patch.object(transport_module, "asyncio", wraps=asyncio) as client_clock,
    ):
        client_clock.sleep = AsyncMock()
        await account.setup()

    assert account.entry.state is ConfigEntryState.SETUP_RETRY
    assert [call.args[0] for call in client_clock.sleep.await_args_list] == [1.0, 2.0]
    assert account.requests() == [("POST /users/settings", {}), *[ACTIVITIES] * 3]


# --- bad answers never skip a change --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(None, id="null"),
        pytest.param({}, id="empty object"),
        pytest.param([], id="list"),
        pytest.param({"tv_shows": {"all": "2026-10-15T18:00:00Z"}}, id="no top-level all"),
        pytest.param({"all": 1760551200}, id="all not a timestamp"),
    ],
)
async def test_unusable_activities_fail_the_poll_and_keep_the_timestamps(
    synced: Account, body: Any
) -> None:
    """An activities answer that does not say what changed fails the poll; the next good
    one costs what a normal poll costs, not a download of the whole library."""
    states = synced.states()
    synced.fake.inject_fault("/sync/activities", FaultKind.BODY, body=body, count=None)
    await synced.poll()
    assert set(synced.states().values()) == {STATE_UNAVAILABLE}

    synced.fake.clear_faults()
    synced.fake.clear_requests()
    await synced.poll()

    assert synced.requests() == [ACTIVITIES]
    assert synced.states() == states


async def test_a_section_missing_from_an_answer_keeps_its_timestamps(synced: Account) -> None:
    """A type left out of one answer has not gone back to "never": nothing is fetched for
    it, then or when it comes back."""
    answer = synced.fake.library(synced.user).activities.as_json()
    answer["tv_shows"] = None
    synced.fake.inject_fault("/sync/activities", FaultKind.BODY, body=answer)
    synced.fake.clear_requests()
    await synced.poll()
    await synced.poll()

    assert synced.requests() == [ACTIVITIES, ACTIVITIES]
    synced.assert_synced()


def _stamped_in_all_only(account: Account) -> None:
    """Watch an episode, stamped in the type's `all` alone."""
    sections = account.fake.library(account.user).activities.sections["tv"]
    before = dict(sections)
    account.fake.watch_episodes(account.user, SEVERANCE, 3, [3])
    sections.update({key: stamp for key, stamp in before.items() if key != "all"})


def _stamped_under_a_new_key(account: Account) -> None:
    """Watch an episode, reported under an activity key Simkl added after this version."""
    _stamped_in_all_only(account)
    answer = account.fake.library(account.user).activities.as_json()
    answer["tv_shows"]["rewatched_at"] = answer["tv_shows"]["all"]
    account.fake.inject_fault("/sync/activities", FaultKind.BODY, body=answer, count=1)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_stamped_in_all_only, id="stamped in all only"),
        pytest.param(_stamped_under_a_new_key, id="stamped under a new key"),
    ],
)
async def test_a_change_only_all_knows_of_is_fetched(
    synced: Account, change: Callable[[Account], None]
) -> None:
    """When a type's `all` moved and no timestamp this version knows explains it, the
    type's delta is fetched from the stored `all`, and the change lands, once: a change of
    another type later costs that type's delta only."""
    since = synced.delta_from("tv")
    synced.fake.clear_requests()
    change(synced)

    await synced.poll()

    assert synced.requests() == [ACTIVITIES, ("GET /sync/all-items/shows", since)]
    synced.assert_synced()
    watched = len(synced.fake.library(synced.user).entries[SEVERANCE].watched)
    assert synced.coordinator.current.items[SEVERANCE].watched_episodes == watched

    since = synced.delta_from("movie")
    synced.fake.clear_requests()
    synced.fake.watch_movie(synced.user, INTERSTELLAR)
    await synced.poll()

    assert synced.requests() == [ACTIVITIES, ("GET /sync/all-items/movies", since)]


async def test_a_change_within_the_stored_second_is_fetched(synced: Account) -> None:
    """A change Simkl stamps in the same second as the stored one is still in the delta."""
    library = synced.fake.library(synced.user)
    stamp = library.activities.sections["tv"]["all"]
    assert stamp is not None
    library.last_stamp = stamp - timedelta(seconds=1)
    synced.freezer.move_to(stamp)
    synced.fake.watch_episodes(synced.user, SEVERANCE, 3, [3])
    assert library.activities.sections["tv"]["all"] == stamp
    library.activities.sections["tv"]["watching"] = stamp + timedelta(seconds=1)
    library.activities.sections["tv"]["all"] = stamp + timedelta(seconds=1)

    await synced.poll()

    synced.assert_synced()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"shows": [{"show": None}, {"status": "watching"}]}, id="entries unread"),
        pytest.param({"shows": "1046349,1186633"}, id="section not a list"),
        pytest.param("1046349", id="not a list"),
    ],
)
async def test_unreadable_ids_never_empty_a_type(synced: Account, body: Any) -> None:
    """A removal diff whose ids cannot all be read fails the poll rather than removing the
    titles it could not read; once Simkl answers well, the removal lands."""
    synced.fake.remove_item(synced.user, ANDOR)
    synced.fake.inject_fault("/sync/all-items/shows", FaultKind.BODY, body=body, count=None)
    await synced.poll()

    assert set(synced.states().values()) == {STATE_UNAVAILABLE}
    shows = [e for e in synced.coordinator.current.items.values() if e.media_type == "shows"]
    assert len(shows) > 1

    synced.fake.clear_faults()
    await synced.poll()

    assert ANDOR not in synced.coordinator.current.items
    synced.assert_synced()


async def test_a_rating_removed_next_to_another_rating_goes(synced: Account) -> None:
    """A rating removed in the same interval as another rating of its type is cleared."""
    synced.fake.rate(synced.user, INTERSTELLAR, 8)
    synced.fake.unrate(synced.user, INCEPTION)
    await synced.poll()

    items = synced.coordinator.current.items
    assert (items[INTERSTELLAR].user_rating, items[INCEPTION].user_rating) == (8, None)


async def test_a_type_never_used_costs_nothing(account: Account) -> None:
    """An account without anime asks nothing about anime, at the first sync or when
    another type changes."""
    forget_type(account.fake, account.user, "anime")
    await account.setup()
    assert [path for path, _ in account.requests() if "anime" in path] == [
        "GET /sync/all-items/anime"
    ]
    since = account.delta_from("tv")
    account.fake.clear_requests()

    account.fake.watch_episodes(account.user, SEVERANCE, 3, [3])
    await account.poll()

    assert account.requests() == [ACTIVITIES, ("GET /sync/all-items/shows", since)]
    account.assert_synced()


# --- waits: 429 and 412 ---------------------------------------------------------------------


def _activity_polls(account: Account) -> int:
    return len(_activity_checks(account))


@pytest.mark.usefixtures("no_client_retries")
async def test_rate_limit_wait_is_capped_and_reset(account: Account) -> None:
    """However many 429s in a row, the wait never passes the polling interval; after a
    good poll the next 429 waits the short suggested time again."""
    await account.setup()
    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=429, count=None)
    await account.poll()
    for _ in range(8):  # 10 s doubled 8 times is 42 minutes: capped at 15
        polls = _activity_polls(account)
        await account.poll()
        assert _activity_polls(account) == polls + 1

    account.fake.clear_faults()
    await account.poll()
    account.assert_synced()

    account.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=429, count=1)
    await account.poll()
    polls = _activity_polls(account)
    await account.poll(timedelta(seconds=11))
    assert _activity_polls(account) == polls + 1


@pytest.mark.usefixtures("no_client_retries")
async def test_refused_requests_wait_an_hour_and_explain_why(
    synced: Account, issue_registry: ir.IssueRegistry
) -> None:
    """A 412 while polling (a wrong client id, or the app over its request limit) raises a
    repair issue and waits an hour, not the polling interval; a good poll clears it."""
    issue_id = f"request_refused_{synced.entry.entry_id}"
    synced.fake.inject_fault("/sync/activities", FaultKind.STATUS, status=412, count=None)
    await synced.poll()
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    # Nothing to fix from Home Assistant, and nothing left after a restart that cleared it.
    assert (issue.is_fixable, issue.is_persistent) == (False, False)
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["hours"] == "1"
    assert set(synced.states().values()) == {STATE_UNAVAILABLE}
    assert not list(synced.entry.async_get_active_flows(synced.hass, {SOURCE_REAUTH}))
    polls = _activity_polls(synced)

    await synced.poll(timedelta(minutes=59))
    assert _activity_polls(synced) == polls
    synced.fake.clear_faults()
    await synced.poll(timedelta(minutes=1, seconds=1))

    assert _activity_polls(synced) == polls + 1
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    synced.assert_synced()
