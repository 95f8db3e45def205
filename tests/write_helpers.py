"""Helpers of the write-queue tests: calling write actions, letting time pass, reading storage."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.simkl.const import DOMAIN
from tests.fake_simkl import FakeSimkl

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

MATRIX = {"simkl": 53992}
STRANGER_THINGS = {"simkl": 548312}
WRITE_LOCK = timedelta(seconds=20)
# A stored write as the queue file keeps it.
GOOD_WRITE = {
    "id": "03",
    "operation": "sync/add_to_list",
    "label": "Stranger Things",
    "queued_at": "2026-01-01T00:00:00Z",
    "request": {"shows": [{"ids": STRANGER_THINGS, "to": "dropped"}]},
}


def store_writes(
    hass_storage: dict[str, Any], entry: MockConfigEntry, data: Any, version: int = 1
) -> None:
    """Put a queue file in storage."""
    key = f"{DOMAIN}.{entry.entry_id}.writes"
    hass_storage[key] = {"version": version, "minor_version": 1, "key": key, "data": data}


def stored_writes(hass_storage: dict[str, Any], entry_id: str) -> list[str]:
    """The operations of the writes kept in storage."""
    stored = hass_storage.get(f"{DOMAIN}.{entry_id}.writes")
    if stored is None:
        return []
    return [write["operation"] for write in stored["data"]["writes"]]


def set_aside(hass_storage: dict[str, Any], entry_id: str) -> list[dict[str, Any]]:
    """The writes the queue set aside, with why."""
    stored = hass_storage.get(f"{DOMAIN}.{entry_id}.writes_set_aside")
    return [] if stored is None else list(stored["data"]["writes"])


def applied_writes(fake: FakeSimkl) -> list[tuple[str, Any]]:
    """The writes Simkl took (answered 2xx): endpoint and body."""
    return [
        (request.path, request.json)
        for request in fake.applied
        if request.method == "POST" and request.path.startswith(("/scrobble/", "/sync/"))
    ]


async def call(hass: HomeAssistant, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """Call a write action; return its answer."""
    response = await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=True
    )
    await hass.async_block_till_done()
    assert response is not None
    return response


async def wait(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delay: timedelta) -> None:
    """Let `delay` pass for the queue and for the fake."""
    freezer.tick(delay)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
