"""Measure the library sync against a fake Simkl that holds a large library.

Runs Home Assistant in process with the integration linked to a fake Simkl account of
5,000 titles (--items to change it), and prints for the first full sync, an unchanged poll
and a poll after one watched episode: the requests sent and the wall time. Then the size of
the stored library and the largest attributes of a sensor state, whole and as the recorder
stores them. There are no thresholds; the figures are for comparing changes.

    in_env python scripts/benchmark.py [--items 5000]
"""

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
import os
from pathlib import Path
import sys
from tempfile import TemporaryDirectory
import time
from unittest.mock import patch

from aiohttp import ThreadedResolver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader
from homeassistant.const import CONF_ACCESS_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN, ENV_API_URL
from custom_components.simkl.coordinator import SimklDataUpdateCoordinator
from custom_components.simkl.sensor import ATTR_DATA, ATTR_ITEMS
from tests.fake_simkl import FakeSimkl, FakeUser, LoggedRequest

CLIENT_ID = "benchmark"
# The lists of titles that the sensors keep out of the recorder.
UNRECORDED = frozenset({ATTR_ITEMS, ATTR_DATA})


def _describe(requests: list[LoggedRequest]) -> str:
    counts = Counter(f"{request.method} {request.path}" for request in requests)
    return ", ".join(f"{count} x {path}" if count > 1 else path for path, count in counts.items())


async def _measure(
    label: str, fake: FakeSimkl, action: Callable[[], Awaitable[None]]
) -> list[LoggedRequest]:
    """Run `action` and print its wall time and the library requests it sent."""
    fake.clear_requests()
    start = time.perf_counter()
    await action()
    elapsed = time.perf_counter() - start
    library = [r for r in fake.requests if not r.path.startswith("/calendar/")]
    calendar = len(fake.requests) - len(library)
    print(f"{label}: {len(library)} requests in {elapsed * 1000:.0f} ms")
    print(f"    {_describe(library)}")
    if calendar:
        print(f"    (and {calendar} calendar file requests)")
    return library


def _pick_show(fake: FakeSimkl, user: FakeUser) -> tuple[int, int, int]:
    """Return (show id, season, episode) of an aired episode to mark watched."""
    now = fake.now()
    for entry in fake.library(user).entries.values():
        if entry.status == "watching" and (key := entry.next_to_watch(now)) is not None:
            return entry.item.simkl_id, *key
    msg = "the seeded library has no show with an aired, unwatched episode"
    raise RuntimeError(msg)


def _print_attributes(hass: HomeAssistant) -> None:
    states = [
        state
        for state in hass.states.async_all(Platform.SENSOR)
        if state.attributes.get("friendly_name", "").startswith("bench ")
    ]
    largest = max(states, key=lambda state: len(json_bytes(state.attributes)))
    print(
        f"largest attributes of a state: {len(json_bytes(largest.attributes))} bytes"
        f" ({largest.entity_id}, {len(largest.attributes.get('items', []))} titles listed"
        f" of {largest.state})"
    )
    recorded = max(
        len(json_bytes({k: v for k, v in state.attributes.items() if k not in UNRECORDED}))
        for state in states
    )
    print(f"largest attributes without the lists the recorder leaves out: {recorded} bytes")


async def run(items: int) -> None:
    """Set the account up, poll twice, and print the figures."""
    async with FakeSimkl(client_ids=(CLIENT_ID,), write_lock_seconds=0) as fake:
        user = fake.add_user("bench")
        fake.seed_library(user, items)
        os.environ[ENV_API_URL] = fake.url
        with (
            TemporaryDirectory() as config_dir,
            # The default resolver needs the network and zeroconf integrations set up.
            patch(
                "homeassistant.helpers.aiohttp_client._async_make_resolver",
                return_value=ThreadedResolver(),
            ),
        ):
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
                entry = MockConfigEntry(
                    domain=DOMAIN,
                    title=user.name,
                    unique_id=str(user.account_id),
                    data={CONF_CLIENT_ID: CLIENT_ID, CONF_ACCESS_TOKEN: fake.issue_token(user)},
                )
                entry.add_to_hass(hass)
                print(f"library: {len(fake.library(user).entries)} titles")

                async def set_up() -> None:
                    await hass.config_entries.async_setup(entry.entry_id)
                    await hass.async_block_till_done()

                await _measure("first sync", fake, set_up)
                coordinator: SimklDataUpdateCoordinator = entry.runtime_data.coordinator
                await _measure("unchanged poll", fake, coordinator.async_refresh)
                show, season, episode = _pick_show(fake, user)
                fake.watch_episodes(user, show, season, [episode])
                await _measure("poll after one watched episode", fake, coordinator.async_refresh)
                _print_attributes(hass)

                await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_block_till_done()
                stored = Path(config_dir, ".storage", f"{DOMAIN}.{entry.entry_id}")
                size = (await asyncio.to_thread(stored.stat)).st_size
                print(f"stored library: {size / 1024:.0f} KiB")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000, help="titles in the library")
    asyncio.run(run(parser.parse_args().items))


if __name__ == "__main__":
    main()
