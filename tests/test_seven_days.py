"""Seven days of polling while the library changes on Simkl, on a frozen clock.

The fake's library changes at random (seeded, so every run is the same): titles added,
episodes and movies watched, rated, unrated, removed, moved between lists, playbacks
paused, new shows, anime and movies on Simkl's schedule (new calendar files), the files
regenerated unchanged, Simkl down for a while, and Home Assistant restarted.

After every poll the integration's library and sensors equal the fake's, and so do the
calendar's events over the next 30 days (what the rolling files hold, however old they
are), worked out from the fake's catalogue and library (`tests/seven_days_calendar.py`).
Once a day, when the files hold every title added, so do the events over nearly the
whole span the calendar reaches (the archives of a year back to three months ahead): that
window costs some 45 archive files, and the part of it that changes from poll to poll
(watched marks, titles followed) is the one the 30-day window checks every time.

The requests the library sync made are compared with the fewest the sync rules allow: one
activities request per poll, plus one per kind of change and type that moved since the
last good poll.
"""

from datetime import datetime, timedelta
import random

import pytest

from tests.conftest import calendar_events
from tests.fake_simkl import FaultKind
from tests.seven_days_calendar import CalendarModel, ordered
from tests.sync_account import POLL, Account, account, frozen_time

__all__ = ["account", "frozen_time"]  # fixtures

SEED = 11
DAYS = 7
# Polls in which Simkl is down, and the poll after which Home Assistant restarts.
OUTAGES = range(200, 204)
RESTART = 400
# Requests allowed above the minimum, in percent: none are expected today.
MARGIN_PERCENT = 5
# The calendar window checked after every poll (within the rolling files), and the one
# checked once a day (within the archives' reach of a year back and three months ahead).
NEXT_DAYS = (timedelta(hours=-6), timedelta(days=30))
WHOLE_REACH = (timedelta(days=-300), timedelta(days=80))
WHOLE_REACH_EVERY = timedelta(days=1)

type Needed = set[tuple[str, str]]
SECTION = {"tv": "shows", "anime": "anime", "movie": "movies"}


def _change(account: Account, rng: random.Random, calendar: CalendarModel) -> Needed:
    """Make one random change on Simkl; return the requests it calls for."""
    fake, user = account.fake, account.user
    library = fake.library(user)
    now = fake.now()
    listed = list(library.entries.values())
    unlisted = [item for item in fake.catalog if item.simkl_id not in library.entries]
    choice = rng.choice(
        ["add", "watch", "rate", "unrate", "remove", "move", "pause", "schedule", "calendar"]
    )
    if choice == "add" and unlisted:
        item = rng.choice(unlisted)
        fake.set_status(user, item.simkl_id, "plantowatch")
        return {("all-items", SECTION[item.kind])}
    if choice == "watch":
        entry = rng.choice(listed)
        if entry.item.is_movie:
            fake.watch_movie(user, entry.item.simkl_id)
        else:
            aired = list(entry.item.aired_keys(now))
            if not aired:
                return set()
            season, number = rng.choice(aired)
            fake.watch_episodes(user, entry.item.simkl_id, season, [number])
        return {("all-items", SECTION[entry.item.kind])}
    if choice == "rate":
        entry = rng.choice(listed)
        fake.rate(user, entry.item.simkl_id, rng.randint(1, 10))
        return {("ratings", SECTION[entry.item.kind])}
    if choice == "unrate" and (rated := [e for e in listed if e.rating is not None]):
        entry = rng.choice(rated)
        fake.unrate(user, entry.item.simkl_id)
        return {("ratings", SECTION[entry.item.kind])}
    if choice == "remove" and len(listed) > 5:
        entry = rng.choice(listed)
        had_playback = entry.item.simkl_id in library.playbacks
        fake.remove_item(user, entry.item.simkl_id)
        needed = {("ids", SECTION[entry.item.kind])}
        return needed | ({("playback", "")} if had_playback else set())
    if choice == "move":
        entry = rng.choice(listed)
        statuses = ["plantowatch", "completed", "dropped"]
        if not entry.item.is_movie:
            statuses += ["watching", "hold"]
        fake.set_status(user, entry.item.simkl_id, rng.choice(statuses))  # type: ignore[arg-type]
        return {("all-items", SECTION[entry.item.kind])}
    if choice == "pause" and (shows := [e for e in listed if not e.item.is_movie]):
        entry = rng.choice(shows)
        aired = list(entry.item.aired_keys(now))
        if aired:
            season, number = aired[-1]
            fake.add_playback(user, entry.item.simkl_id, 40.0, season=season, episode=number)
            return {("playback", "")}
    if choice == "schedule":
        item = calendar.add_title(rng)
        if rng.random() < 0.5:
            fake.set_status(user, item.simkl_id, "plantowatch")
            return {("all-items", SECTION[item.kind])}
    if choice == "calendar":
        fake.touch_calendar()  # regenerated, nothing new
    return set()


def _library_requests(account: Account) -> int:
    return sum(not request.path.startswith("/calendar/") for request in account.fake.requests)


def _assert_same_library(account: Account) -> None:
    fake_library = account.fake.library(account.user)
    synced = account.coordinator.current
    assert {sid: (e.status.value, e.user_rating) for sid, e in synced.items.items()} == {
        sid: (e.status, e.rating) for sid, e in fake_library.entries.items()
    }
    assert len(synced.playback) == len(fake_library.playbacks)
    account.assert_synced()


async def _assert_same_calendar(
    account: Account, calendar: CalendarModel, span: tuple[timedelta, timedelta]
) -> None:
    now = account.fake.now()
    start, end = now + span[0], now + span[1]
    shown = await calendar_events(account.hass, start_date_time=start, end_date_time=end)
    assert ordered(shown) == calendar.events(start, end)


# 672 polls: about 30 s on a quiet machine, several times that on a busy one.
@pytest.mark.timeout(900)
@pytest.mark.usefixtures("no_client_retries", "entity_registry_enabled_by_default")
async def test_seven_days(account: Account) -> None:
    """A week of random changes: always in step with Simkl, at the fewest requests."""
    rng = random.Random(SEED)  # noqa: S311 - a reproducible run, not a secret
    calendar = CalendarModel(account.fake, account.user)
    await account.setup()
    calendar.clear_requests()
    minimum = 0
    needed: Needed = set()
    whole_reach_due = datetime.min.replace(tzinfo=account.fake.now().tzinfo)
    whole_reach_checks = 0

    for poll in range(DAYS * 24 * 4):
        for _ in range(rng.choice([0, 0, 1, 2])):
            needed |= _change(account, rng, calendar)
        if poll in OUTAGES:
            account.fake.inject_fault("/sync/", FaultKind.STATUS, status=503, count=1)
            await account.poll()
            minimum += 1
            continue
        if poll == RESTART:
            await account.poll(timedelta(seconds=10))  # the delayed save
            await account.unload()
            await account.setup()
        else:
            await account.poll(POLL)
        minimum += 1 + len(needed)
        needed = set()
        _assert_same_library(account)
        calendar.observe()
        await _assert_same_calendar(account, calendar, NEXT_DAYS)
        if account.fake.now() >= whole_reach_due and calendar.settled():
            await _assert_same_calendar(account, calendar, WHOLE_REACH)
            whole_reach_due = account.fake.now() + WHOLE_REACH_EVERY
            whole_reach_checks += 1

    assert whole_reach_checks >= DAYS
    made = _library_requests(account)
    report = f"Seven days: {made} library requests; the sync rules allow {minimum} at least"
    print(report)  # noqa: T201 - the figure the issue asks for
    assert made >= minimum, report
    assert made <= minimum * (100 + MARGIN_PERCENT) / 100, report
