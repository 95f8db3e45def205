"""Reading the stored queue: whatever is in the file, setup goes on and nothing is discarded."""

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.simkl.const import DOMAIN
from custom_components.simkl.write_store import _QueueFile
from tests.conftest import sent_writes
from tests.fake_simkl import FakeSimkl, FaultKind
from tests.write_helpers import GOOD_WRITE, STRANGER_THINGS, set_aside, store_writes as store

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

pytestmark = pytest.mark.usefixtures("no_platforms")

GOOD = GOOD_WRITE
GOOD_BODY = ("/sync/add-to-list", {"shows": [{"ids": STRANGER_THINGS, "to": "dropped"}]})


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "custom_components.simkl" and record.levelno == logging.WARNING
    ]


async def test_unreadable_writes_are_set_aside_and_the_rest_is_sent(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Writes that cannot be read go to the set-aside file, with one warning."""
    unknown = {**GOOD, "id": "01", "operation": "teleport/now"}
    broken = {"operation": "sync/add_to_history"}
    store(hass_storage, mock_config_entry, {"writes": [unknown, broken, GOOD]})

    await set_up(hass, mock_config_entry)

    assert sent_writes(fake_simkl) == [GOOD_BODY]
    assert [entry["write"] for entry in set_aside(hass_storage, mock_config_entry.entry_id)] == [
        unknown,
        broken,
    ]
    assert {entry["reason"] for entry in set_aside(hass_storage, mock_config_entry.entry_id)} == {
        "unreadable"
    }
    [warning] = warnings(caplog)
    assert "2 stored Simkl write(s) could not be read" in warning


async def test_a_write_whose_only_defect_is_its_time_is_kept(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unreadable `queued_at` is replaced by the time it was read; the write is sent."""
    store(hass_storage, mock_config_entry, {"writes": [{**GOOD, "queued_at": "never"}]})

    await set_up(hass, mock_config_entry)

    assert sent_writes(fake_simkl) == [GOOD_BODY]
    assert set_aside(hass_storage, mock_config_entry.entry_id) == []
    assert len(warnings(caplog)) == 1


@pytest.mark.parametrize(
    ("data", "version", "sent"),
    [
        ({"writes": None}, 1, []),
        ("damaged", 1, []),
        ({"writes": [GOOD]}, 7, [GOOD_BODY]),
        ([GOOD], 1, [GOOD_BODY]),
    ],
    ids=["writes-null", "not-an-object", "newer-version", "bare-list"],
)
async def test_an_odd_queue_file_never_stops_setup(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    data: Any,
    version: int,
    sent: list[tuple[str, Any]],
) -> None:
    """Another version's writes are read one by one; what is not a list of writes is kept aside."""
    store(hass_storage, mock_config_entry, data, version)

    await set_up(hass, mock_config_entry)

    assert sent_writes(fake_simkl) == sent
    kept = [entry["write"] for entry in set_aside(hass_storage, mock_config_entry.entry_id)]
    assert kept == ([] if sent else [data])


async def test_a_damaged_queue_file_is_kept_aside_as_text(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """A file that is not JSON: its text goes to the set-aside file; setup goes on."""
    key = f"{DOMAIN}.{mock_config_entry.entry_id}"
    hass_storage[f"{key}.writes_set_aside"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{key}.writes_set_aside",
        "data": {"writes": [{"reason": "earlier", "write": {}}]},
    }
    path = Path(hass.config.path(".storage", f"{key}.writes"))

    def damage() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"writes": [')

    await hass.async_add_executor_job(damage)
    real_load = _QueueFile.async_load

    async def load(self: _QueueFile) -> Any:
        if self.key.endswith(".writes"):
            raise HomeAssistantError("damaged")
        return await real_load(self)

    with patch.object(_QueueFile, "async_load", load):
        await set_up(hass, mock_config_entry)

    kept = set_aside(hass_storage, mock_config_entry.entry_id)
    assert [entry["reason"] for entry in kept] == ["earlier", "unreadable"]
    assert kept[1]["write"] == {"file": '{"writes": ['}
    assert sent_writes(fake_simkl) == []


async def test_an_unreadable_set_aside_file_is_started_again(
    hass: HomeAssistant,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    """With both files unreadable (and no queue file on disk) setup still goes on."""

    async def load(self: _QueueFile) -> Any:
        raise HomeAssistantError("damaged")

    with patch.object(_QueueFile, "async_load", load):
        await set_up(hass, mock_config_entry)

    [entry] = set_aside(hass_storage, mock_config_entry.entry_id)
    assert entry["write"] == {"file": None}


# What a stored write carries over a restart: the refusals it met (set aside at the 8th, as
# docs/actions.md says) and whether Simkl may have recorded it; a write stored without them
# (an older version) was never refused and was answered.
CARRIED = {
    "refused-7-times": ({"attempts": 7, "possibly_sent": True}, [(8, True)], []),
    "stored-without-them": ({}, [], [(1, False)]),
}


@pytest.mark.parametrize(("carried", "put_aside", "kept"), CARRIED.values(), ids=CARRIED)
async def test_a_stored_write_keeps_its_refusals_and_whether_it_was_possibly_sent(
    hass: HomeAssistant,
    *,
    fake_simkl: FakeSimkl,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    carried: dict[str, Any],
    put_aside: list[tuple[int, bool]],
    kept: list[tuple[int, bool]],
) -> None:
    """Refused once more after the restart: set aside if that is its 8th refusal, else kept."""
    write = {**GOOD, "queued_at": dt_util.utcnow().isoformat(), **carried}
    store(hass_storage, mock_config_entry, {"writes": [write]})
    fake_simkl.inject_fault("/sync/", FaultKind.STATUS, status=403, method="POST")

    await set_up(hass, mock_config_entry)

    assert sent_writes(fake_simkl) == [GOOD_BODY]
    aside = [entry["write"] for entry in set_aside(hass_storage, mock_config_entry.entry_id)]
    assert [(w["attempts"], w["possibly_sent"]) for w in aside] == put_aside
    stored = hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}.writes"]["data"]["writes"]
    assert [(w["attempts"], w["possibly_sent"]) for w in stored] == kept
