"""The write queue's guarantee under a random (seeded, reproducible) mix of events.

Submits, faults, clock moves, reloads and restarts (an unload and a new setup from storage)
are drawn from a seeded generator. Whatever the mix, every accepted write reaches Simkl
exactly once, or is reported set aside, and in the order it was submitted.
"""

from datetime import UTC, datetime, timedelta
import random
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntryState
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.fake_simkl import FakeSimkl, FaultKind
from tests.write_helpers import MATRIX, applied_writes, call, set_aside, stored_writes, wait

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

pytestmark = pytest.mark.usefixtures("no_platforms")

STEPS = 40
# Faults a write can meet on its way: Simkl's own refusals and waits, outages, a dropped
# connection, a 2xx whose body is lost. Item rejections are left out: they end a write.
FAULTS: list[dict[str, Any]] = [
    {"kind": FaultKind.STATUS, "status": 503},
    {"kind": FaultKind.STATUS, "status": 429},
    {"kind": FaultKind.STATUS, "status": 400, "error": "RATE_LIMIT"},
    {"kind": FaultKind.STATUS, "status": 403},
    {"kind": FaultKind.HTML, "status": 502},
    {"kind": FaultKind.RESET},
    {"kind": FaultKind.EMPTY},
]
FIRST_WATCH = datetime(2020, 1, 1, tzinfo=UTC)


def watched_at(number: int) -> str:
    """A write's unique mark: the watch time it carries."""
    return (FIRST_WATCH + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("write_lock_seconds", [0, 20])
@pytest.mark.parametrize("seed", range(4))
async def test_every_accepted_write_arrives_once_in_order_or_is_set_aside(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    *,
    seed: int,
) -> None:
    """The invariant, after a random run and once Simkl is healthy again."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible test sequence, not a secret
    entry_id = init_integration.entry_id
    accepted: list[str] = []
    for _ in range(STEPS):
        match rng.choice(["submit"] * 4 + ["fault", "fault", "time", "reload", "restart"]):
            case "submit":
                mark = watched_at(len(accepted))
                response = await call(
                    hass, "mark_watched", {"type": "movie", "ids": MATRIX, "watched_at": mark}
                )
                assert response["status"] in {"sent", "queued"}
                accepted.append(mark)
            case "fault":
                fault = rng.choice(FAULTS)
                fake_simkl.inject_fault(
                    "/sync/history", count=rng.randint(1, 3), method="POST", **fault
                )
            case "time":
                await wait(hass, freezer, timedelta(seconds=rng.choice([1, 5, 20, 60, 600])))
            case "reload":
                assert await hass.config_entries.async_reload(entry_id)
                await hass.async_block_till_done()
            case "restart":
                assert await hass.config_entries.async_unload(entry_id)
                await hass.async_block_till_done()
                assert await hass.config_entries.async_setup(entry_id)
                await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED

    fake_simkl.clear_faults()
    # Long enough for every write left, each behind the write lock of the one before.
    for _ in range(len(accepted) + 10):
        await wait(hass, freezer, timedelta(minutes=10))

    delivered = [
        body["movies"][0]["watched_at"]
        for path, body in applied_writes(fake_simkl)
        if path == "/sync/history"
    ]
    put_aside = [
        entry["write"]["request"]["movies"][0]["watched_at"]
        for entry in set_aside(hass_storage, entry_id)
    ]
    assert sorted(delivered + put_aside) == accepted
    assert delivered == [mark for mark in accepted if mark not in put_aside]
    assert len(set(delivered)) == len(delivered)
    assert stored_writes(hass_storage, entry_id) == []
