"""Measure what the integration costs at 1,000, 10,000 and 50,000 titles.

For each library size, Home Assistant runs in this process with the integration linked to a
fake Simkl account, and the fake runs in a child process, so the CPU time printed is Home
Assistant's alone (process time: every thread, no network waits). Printed per size:
- requests, wall time and CPU time of the cold start (first link), an unchanged poll, a poll
  after one watched episode (and the store write it schedules: the change file), measured after
  one warm-up change that is not counted, and a restart on the stored library (the median of
  five restarts, each reading the stored library and calendar files again, as a new process
  does), with the part spent reading the stores apart;
- the CPU time of a whole write of the stored library, which a save makes once the titles
  changed since the last one pass a twentieth of the library;
- the bytes of the stored library (the whole copy and the change file), in total and per title;
- the bytes of state attributes written by the sensors the change updated;
- `calendar.get_events` for 30 and 90 days;
- the peak of Python's memory (tracemalloc) during a cold start and the first write of the
  stored library that follows it, in a separate run since tracing slows everything down.
There are no thresholds. `--save FILE` writes the figures; `--baseline FILE` prints each figure
with its ratio to that earlier run, so that a change can be judged in one run on a noisy machine.

    in_env python scripts/benchmark.py [--sizes 1000,10000,50000] [--save FILE] [--baseline FILE]
    in_env python scripts/benchmark.py --sizes 10000 --profile poll   # cProfile of one phase
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
import cProfile
from dataclasses import dataclass
import gc
import json
import multiprocessing
from multiprocessing.connection import Connection
import os
from pathlib import Path
import pstats
import socket
import statistics
import sys
from tempfile import TemporaryDirectory
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

from aiohttp import ThreadedResolver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader
from homeassistant.const import CONF_ACCESS_TOKEN, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import json_bytes
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.simkl import helpers, library_store
from custom_components.simkl.calendar_files import CALENDAR_FILES, CalendarFiles
from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN
from custom_components.simkl.coordinator import SimklLibraryCoordinator
from custom_components.simkl.library_store import LibraryStore
from custom_components.simkl.sensor import ATTR_DATA, ATTR_ITEMS
from custom_components.simkl.storage import AccountStore
from tests.fake_simkl import FakeSimkl

CLIENT_ID = "benchmark"
CALENDAR_DOMAIN = "calendar"
SIZES = (1000, 10000, 50000)
# Several runs of the short phases; the median is printed.
REPEATS = 5
# The lists of titles that the sensors keep out of the recorder.
UNRECORDED = frozenset({ATTR_ITEMS, ATTR_DATA})
PHASES = ("cold", "unchanged", "poll", "restart")

type Figures = dict[str, float]


# --- The fake Simkl, in its own process -----------------------------------------------------


def _watch_one(fake: FakeSimkl) -> str:
    """Mark watched the next aired episode of a show being watched; return what it was."""
    user = fake.users[0]
    now = fake.now()
    for entry in fake.library(user).entries.values():
        if entry.status == "watching" and (key := entry.next_to_watch(now)) is not None:
            season, episode = key
            fake.watch_episodes(user, entry.item.simkl_id, season, [episode])
            return f"{entry.item.title} S{season}E{episode}"
    msg = "the seeded library has no show with an aired, unwatched episode"
    raise RuntimeError(msg)


async def _fake_main(conn: Connection, items: int) -> None:
    async with FakeSimkl(
        client_ids=(CLIENT_ID,), write_lock_seconds=0, max_gets_per_second=None
    ) as fake:
        user = fake.add_user("bench")
        fake.seed_library(user, items)
        conn.send((fake.url, user.name, user.account_id, fake.issue_token(user)))
        loop = asyncio.get_running_loop()
        while (command := await loop.run_in_executor(None, conn.recv)) != "stop":
            if command == "requests":
                conn.send([(request.method, request.path) for request in fake.requests])
                fake.clear_requests()
            elif command == "watch":
                conn.send(_watch_one(fake))


def _serve_fake(conn: Connection, items: int) -> None:
    """Run the fake with a seeded account until told to stop (the child's entry point)."""
    asyncio.run(_fake_main(conn, items))


class FakeProcess:
    """The fake Simkl in a child process, driven through a pipe."""

    def __init__(self, items: int) -> None:
        """Start the child and wait until it listens."""
        self._conn, child = multiprocessing.get_context("spawn").Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve_fake, args=(child, items), daemon=True
        )
        self._process.start()
        self.url, self.name, self.account_id, self.token = self._conn.recv()

    def ask(self, command: str) -> Any:
        """Send a command and return the answer."""
        self._conn.send(command)
        return self._conn.recv()

    def stop(self) -> None:
        """Stop the child."""
        self._conn.send("stop")
        self._process.join(10)


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Run:
    """What one phase cost."""

    requests: int
    calendar_requests: int
    wall_ms: float
    cpu_ms: float


async def _measure(
    fake: FakeProcess, action: Callable[[], Awaitable[Any]], profile: bool = False
) -> Run:
    """Run `action` and return its requests, wall time and CPU time."""
    fake.ask("requests")
    # From a clean heap, so that a collection of garbage left by the phase before does not
    # land in this one (the largest source of scatter between runs).
    gc.collect()
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    await action()
    if profiler is not None:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats("custom_components", 30)
        stats.sort_stats("tottime").print_stats(15)
    paths = [path for _, path in fake.ask("requests")]
    calendar = sum(path.startswith("/calendar/") for path in paths)
    return Run(len(paths) - calendar, calendar, wall * 1000, cpu * 1000)


@contextmanager
def _timing(owner: type, name: str) -> Iterator[list[float]]:
    """Add up the CPU time of an async method while in the block, in milliseconds."""
    spent = [0.0]
    method = getattr(owner, name)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return await method(*args, **kwargs)
        finally:
            spent[0] += (time.process_time() - start) * 1000

    with patch.object(owner, name, timed):
        yield spent


def _median(runs: list[Run]) -> Run:
    return Run(
        max(run.requests for run in runs),
        max(run.calendar_requests for run in runs),
        statistics.median(run.wall_ms for run in runs),
        statistics.median(run.cpu_ms for run in runs),
    )


def _sensor_states(hass: HomeAssistant) -> dict[str, State]:
    return {
        state.entity_id: state
        for state in hass.states.async_all(Platform.SENSOR)
        if state.entity_id.startswith("sensor.bench_")
    }


def _attribute_bytes(before: dict[str, State], after: dict[str, State]) -> tuple[int, int, int]:
    """Return (sensors updated, attribute bytes written, bytes the recorder keeps)."""
    updated = [
        state
        for entity_id, state in after.items()
        if entity_id not in before or before[entity_id].last_updated != state.last_updated
    ]
    written = sum(len(json_bytes(state.attributes)) for state in updated)
    recorded = sum(
        len(json_bytes({k: v for k, v in state.attributes.items() if k not in UNRECORDED}))
        for state in updated
    )
    return len(updated), written, recorded


class Bench:
    """One Home Assistant with the integration, against one fake account."""

    def __init__(self, hass: HomeAssistant, fake: FakeProcess, config_dir: str) -> None:
        """Add the config entry of the fake account."""
        self.hass, self.fake, self.config_dir = hass, fake, config_dir
        self.entry = MockConfigEntry(
            domain=DOMAIN,
            title=fake.name,
            unique_id=str(fake.account_id),
            data={CONF_CLIENT_ID: CLIENT_ID, CONF_ACCESS_TOKEN: fake.token},
        )
        self.entry.add_to_hass(hass)

    @property
    def coordinator(self) -> SimklLibraryCoordinator:
        """Return the library's coordinator."""
        coordinator: SimklLibraryCoordinator = self.entry.runtime_data.library
        return coordinator

    async def set_up(self) -> None:
        """Set the entry up and let everything it starts finish."""
        await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def unload(self) -> None:
        """Unload the entry, which writes the stored library."""
        await self.hass.config_entries.async_unload(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def poll(self) -> None:
        """Poll the library and let the entities update."""
        await self.coordinator.async_refresh()
        await self.hass.async_block_till_done()

    async def write_store(self) -> None:
        """Write the stored library as the delayed save scheduled by a change does."""
        await self.coordinator.async_save_now()

    async def write_store_whole(self) -> None:
        """Write the stored library whole, as a save does once the changes pass the bound."""
        # `create`: a version that writes the library whole at every save has no bound.
        with patch.object(library_store, "compaction_bound", lambda titles: -1, create=True):
            await self.write_store()

    def stored_bytes(self) -> int:
        """Return the size of the stored library's files: the whole copy, the change file."""
        folder = Path(self.config_dir, ".storage")
        paths = (
            folder / store.key(self.entry.entry_id)
            for store in (AccountStore.LIBRARY, AccountStore.LIBRARY_CHANGES)
        )
        return sum(path.stat().st_size for path in paths if path.exists())

    def calendar_entity(self) -> str:
        """Return the account's calendar entity id."""
        registry = er.async_get(self.hass)
        return next(
            entity.entity_id
            for entity in er.async_entries_for_config_entry(registry, self.entry.entry_id)
            if entity.domain == CALENDAR_DOMAIN
        )

    async def get_events(self, days: int) -> int:
        """Call calendar.get_events for `days` from now; return the number of events."""
        entity_id = self.calendar_entity()
        response = await self.hass.services.async_call(
            CALENDAR_DOMAIN,
            "get_events",
            {"entity_id": entity_id, "duration": {"days": days}},
            blocking=True,
            return_response=True,
        )
        assert response is not None
        events: list[Any] = response[entity_id]["events"]  # type: ignore[index, assignment, call-overload]
        return len(events)


async def _in_home_assistant(action: Callable[[HomeAssistant, str], Awaitable[None]]) -> None:
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
            # The calendar needs Home Assistant's HTTP server: on a free local port, so that
            # it never takes 8123 from a Home Assistant running on this machine.
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            http = {"server_host": "127.0.0.1", "server_port": port}
            assert await async_setup_component(hass, "http", {"http": http})
            await action(hass, config_dir)


async def _measure_size(items: int, profile: str | None) -> Figures:
    """Run every phase at one library size; return the figures."""
    fake = FakeProcess(items)
    helpers.SIMKL_HOSTS = helpers.SimklHosts(api_url=fake.url, data_url=fake.url)
    figures: Figures = {}
    runs: dict[str, Run] = {}

    async def phases(hass: HomeAssistant, config_dir: str) -> None:
        bench = Bench(hass, fake, config_dir)
        runs["cold"] = await _measure(fake, bench.set_up, profile == "cold")
        runs["unchanged"] = _median(
            [await _measure(fake, bench.poll, profile == "unchanged") for _ in range(REPEATS)]
        )
        await bench.write_store()
        # The seeded titles all carry the seed's timestamp, and a delta starts a second before
        # the stored one, so the first change after the cold start fetches every seeded title
        # of its type again. A real account's titles carry their own times: one warm-up change
        # first, so that "a poll after one change" measures one change.
        fake.ask("watch")
        await bench.poll()
        await bench.write_store()
        changed = []
        for _ in range(REPEATS):
            fake.ask("watch")
            before = _sensor_states(hass)
            changed.append(await _measure(fake, bench.poll, profile == "poll"))
            updated, written, recorded = _attribute_bytes(before, _sensor_states(hass))
            changed.append(await _measure(fake, bench.write_store, profile == "poll"))
        polls, writes = changed[0::2], changed[1::2]
        runs["poll"] = _median(
            [
                Run(p.requests, p.calendar_requests, p.wall_ms + w.wall_ms, p.cpu_ms + w.cpu_ms)
                for p, w in zip(polls, writes, strict=True)
            ]
        )
        figures["poll_store_write_cpu_ms"] = _median(writes).cpu_ms
        whole = _median([await _measure(fake, bench.write_store_whole) for _ in range(REPEATS)])
        figures["whole_store_write_cpu_ms"] = whole.cpu_ms
        figures["sensors_updated"] = updated
        figures["attribute_bytes"] = written
        figures["recorded_attribute_bytes"] = recorded
        for days in (30, 90):
            events: list[int] = []

            async def get_events(days: int = days, events: list[int] = events) -> None:
                events.append(await bench.get_events(days))

            run = _median([await _measure(fake, get_events) for _ in range(REPEATS)])
            figures[f"get_events_{days}d_ms"] = run.wall_ms
            figures[f"get_events_{days}d_cpu_ms"] = run.cpu_ms
            figures[f"get_events_{days}d_events"] = events[-1]
        library = bench.coordinator.current
        figures["followed"] = sum(
            bench.entry.runtime_data.calendar.selection.follows(entry)
            for entry in library.items.values()
        )
        await bench.unload()
        figures["stored_bytes"] = bench.stored_bytes()
        figures["stored_bytes_per_title"] = figures["stored_bytes"] / len(library.items)
        # A restart is one run, so a garbage collection in it would move its figure by tens
        # of milliseconds: the median of several.
        restarts: list[Run] = []
        reads: list[float] = []
        for _ in range(REPEATS):
            # As in a new process: the shared calendar files are read from their store again.
            hass.data.pop(CALENDAR_FILES, None)
            with (
                _timing(LibraryStore, "async_load_library") as library_read,
                _timing(CalendarFiles, "async_load") as calendar_read,
            ):
                restarts.append(
                    await _measure(fake, bench.set_up, profile == "restart" and not restarts)
                )
            reads.append(library_read[0] + calendar_read[0])
            await bench.unload()
        runs["restart"] = _median(restarts)
        figures["restart_read_cpu_ms"] = statistics.median(reads)
        figures["restart_after_read_cpu_ms"] = statistics.median(
            run.cpu_ms - read for run, read in zip(restarts, reads, strict=True)
        )
        figures["titles"] = len(library.items)

    async def memory(hass: HomeAssistant, config_dir: str) -> None:
        bench = Bench(hass, fake, config_dir)
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        await bench.set_up()
        await bench.write_store()  # the first write, whole, a minute after the first sync
        figures["cold_peak_mib"] = (tracemalloc.get_traced_memory()[1] - start) / 2**20
        tracemalloc.stop()
        await bench.unload()

    try:
        await _in_home_assistant(phases)
        await _in_home_assistant(memory)
    finally:
        fake.stop()
    for phase, run in runs.items():
        figures[f"{phase}_requests"] = run.requests
        figures[f"{phase}_calendar_requests"] = run.calendar_requests
        figures[f"{phase}_wall_ms"] = run.wall_ms
        figures[f"{phase}_cpu_ms"] = run.cpu_ms
    return figures


# --- Printing ---------------------------------------------------------------------------------

ROWS = (
    ("titles", "titles", "{:.0f}"),
    *(
        (f"{phase}_{what}", f"{label}: {unit}", fmt)
        for phase, label in (
            ("cold", "cold start"),
            ("unchanged", "unchanged poll"),
            ("poll", "poll after one change (+ store write; warmed up)"),
            ("restart", "restart on the stored library"),
        )
        for what, unit, fmt in (
            ("requests", "requests", "{:.0f}"),
            ("calendar_requests", "calendar file requests", "{:.0f}"),
            ("wall_ms", "wall ms", "{:.1f}"),
            ("cpu_ms", "CPU ms", "{:.1f}"),
        )
    ),
    ("poll_store_write_cpu_ms", "  of which the store write: CPU ms", "{:.1f}"),
    ("whole_store_write_cpu_ms", "store: a whole write (past the bound): CPU ms", "{:.1f}"),
    ("restart_read_cpu_ms", "  restart: of which reading the stores: CPU ms", "{:.1f}"),
    ("restart_after_read_cpu_ms", "  restart: after the stores are read: CPU ms", "{:.1f}"),
    ("stored_bytes", "stored library: bytes", "{:.0f}"),
    ("stored_bytes_per_title", "stored library: bytes per title", "{:.0f}"),
    ("cold_peak_mib", "cold start + first write: peak Python MiB (tracemalloc)", "{:.1f}"),
    ("sensors_updated", "one change: sensors updated", "{:.0f}"),
    ("attribute_bytes", "one change: state attribute bytes written", "{:.0f}"),
    ("recorded_attribute_bytes", "one change: of which the recorder keeps", "{:.0f}"),
    ("followed", "titles the calendar follows", "{:.0f}"),
    ("get_events_30d_events", "calendar.get_events 30 days: events", "{:.0f}"),
    ("get_events_30d_ms", "calendar.get_events 30 days: wall ms", "{:.1f}"),
    ("get_events_30d_cpu_ms", "calendar.get_events 30 days: CPU ms", "{:.1f}"),
    ("get_events_90d_events", "calendar.get_events 90 days: events", "{:.0f}"),
    ("get_events_90d_ms", "calendar.get_events 90 days: wall ms", "{:.1f}"),
    ("get_events_90d_cpu_ms", "calendar.get_events 90 days: CPU ms", "{:.1f}"),
)


def _print(results: dict[str, Figures], baseline: dict[str, Figures] | None) -> None:
    sizes = list(results)
    width = 14 if baseline else 9
    print(f"{'':52}" + "".join(f"{size:>{width}}" for size in sizes))
    for key, label, fmt in ROWS:
        cells = []
        for size in sizes:
            value = results[size].get(key)
            cell = fmt.format(value) if value is not None else "-"
            base = (baseline or {}).get(size, {}).get(key)
            if baseline is not None:
                cell += f" ({value / base:.2f})" if value is not None and base else "       "
            cells.append(f"{cell:>{width}}")
        print(f"{label:52}" + "".join(cells))
    if baseline:
        print("(in brackets: the ratio to the baseline run)")


def main() -> None:
    """Parse the arguments, measure every size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="library sizes, comma-separated"
    )
    parser.add_argument("--baseline", type=Path, help="figures of an earlier run (--save)")
    parser.add_argument("--save", type=Path, help="write the figures to this file")
    parser.add_argument("--profile", choices=PHASES, help="print a cProfile of one phase")
    args = parser.parse_args()
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    results = {}
    for size in (int(size) for size in args.sizes.split(",")):
        results[str(size)] = asyncio.run(_measure_size(size, args.profile))
        # Saved after each size, so that a long run that fails late keeps what it measured.
        if args.save:
            args.save.write_text(json.dumps(results, indent=2))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    _print(results, baseline)


if __name__ == "__main__":
    main()
