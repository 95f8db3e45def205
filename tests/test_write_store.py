"""Reading the stored queue: whatever is in the file, setup goes on and nothing is discarded."""

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.simkl.const import DOMAIN
from custom_components.simkl.write_store import _QueueFile
from tests.conftest import sent_writes
from tests.fake_simkl import FakeSimkl
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
