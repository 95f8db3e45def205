"""The access token, the client id and the PIN code never leave the config entry.

With debug logging on, an account is linked, polled through changes and faults, used
through the actions, asked to link again, and its diagnostics downloaded; then every log
line, exception message, diagnostics value, entity attribute, event and repair issue is
searched for the secrets, in every spelling the client could produce.
"""

from datetime import timedelta
import json
import logging
from urllib.parse import quote

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_ACCESS_TOKEN, MATCH_ALL
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.simkl.const import CONF_CLIENT_ID, DOMAIN
from custom_components.simkl.diagnostics import async_get_config_entry_diagnostics
from tests.conftest import CLIENT_ID
from tests.fake_simkl import FakeSimkl, FakeUser, FaultKind

SEVERANCE = 1186633
INCEPTION = 475479
# Faults whose messages could echo a request: each is answered once to the next poll.
FAULTS = [
    (FaultKind.STATUS, 500),
    (FaultKind.STATUS, 412),
    (FaultKind.STATUS, 429),
    (FaultKind.MALFORMED, 200),
    (FaultKind.RESET, 200),
    (FaultKind.STATUS, 401),
]


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("no_client_retries")
async def test_no_secret_anywhere(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_simkl: FakeSimkl,
    simkl_user: FakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Link, poll, act, fail, re-link and diagnose: no secret shows anywhere."""
    caplog.set_level(logging.DEBUG)
    events: list[Event] = []
    hass.bus.async_listen(MATCH_ALL, events.append)
    fake_simkl.seed_demo_library(simkl_user)

    # Linking.
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_ID: CLIENT_ID}
    )
    code = result["description_placeholders"]["code"]
    fake_simkl.approve_pin(code, simkl_user)
    await _tick(hass, freezer, 5)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    token = entry.data[CONF_ACCESS_TOKEN]

    # Polling through changes and faults, and the actions.
    fake_simkl.watch_episodes(simkl_user, SEVERANCE, 3, [3])
    await _tick(hass, freezer, 15 * 60 + 1)
    for kind, status in FAULTS:
        fake_simkl.inject_fault("/sync/activities", kind, status=status, count=2)
        await _tick(hass, freezer, 60 * 60 + 1)
    errors: list[str] = []
    for action, data in [
        ("mark_watched", {"type": "movie", "ids": {"simkl": INCEPTION}}),
        ("search", {"query": "Inception", "type": "movie"}),
        ("rate", {"type": "movie", "ids": {"simkl": INCEPTION}, "rating": 8}),
    ]:
        fake_simkl.inject_fault("/s", FaultKind.STATUS, status=503, count=1, method="POST")
        try:
            await hass.services.async_call(
                DOMAIN, action, data, blocking=True, return_response=action == "search"
            )
        except Exception as err:  # noqa: BLE001 - every message is searched
            errors.append(repr(err))
        await _tick(hass, freezer, 20)

    # Asked to link again, and the diagnostics.
    entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    assert [flow for flow in hass.config_entries.flow.async_progress() if flow["handler"] == DOMAIN]
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    places: dict[str, str] = {
        "logs": caplog.text,
        "exceptions": "\n".join(
            [repr(record.exc_info[1]) for record in caplog.records if record.exc_info] + errors
        ),
        "diagnostics": json.dumps(diagnostics, default=str),
        "entity attributes": json.dumps(
            [state.as_dict() for state in hass.states.async_all()], default=str
        ),
        "events": json.dumps([event.as_dict() for event in events], default=str),
        "repair issues": json.dumps(
            [issue.to_json() for issue in ir.async_get(hass).issues.values()], default=str
        ),
    }
    for secret in (token, CLIENT_ID, code):
        for spelling in {secret, quote(secret, safe="")}:
            for place, text in places.items():
                assert spelling not in text, f"{spelling!r} in the {place}"
