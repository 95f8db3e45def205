"""Take the README's screenshots in a real Home Assistant frontend, and smoke-test it.

Run by `scripts/screenshots` (which starts the demo and a headless Chromium); run inside the
project's environment, it talks to Home Assistant over HTTP and to Chromium over the Chrome
DevTools protocol. As a new user would, it onboards a user, links the demo account through the
config flow in the UI (the PIN step is the first picture), adds the "What's on" dashboard from
docs/dashboards/ and photographs the device page, the calendar, the to-do lists and the
dashboard. It fails when one of them shows an error: an error alert, an error card, an entity
a card cannot find, or a flow that ends in an abort.
"""

import argparse
import asyncio
import base64
from contextlib import AsyncExitStack
from dataclasses import dataclass
import json
from pathlib import Path
import sys
from typing import cast

import aiohttp
from homeassistant.util.yaml import parse_yaml
from screenshots_clients import PAGE_HELPERS, HomeAssistant, Json, Page, ShotError

DASHBOARD_PATH = "simkl-demo"
CUSTOM_CARD = "custom:upcoming-media-card"


@dataclass(frozen=True, slots=True)
class Shot:
    """One picture: a page, what shows that it has rendered, and the viewport to take."""

    name: str
    path: str
    ready: str
    width: int = 1280
    height: int = 800


def dashboard_config(path: Path, card_url: str | None) -> Json:
    """Read the dashboard YAML; leave upcoming-media-card out when it is not installed."""
    config = cast("Json", parse_yaml(path.read_text()))
    if card_url:
        return config

    def keep(card: Json) -> bool:
        return card.get("type") != CUSTOM_CARD

    for view in config["views"]:
        for holder in [view, *view.get("sections", [])]:
            if "cards" in holder:
                holder["cards"] = [card for card in holder["cards"] if keep(card)]
    return config


async def link_account(page: Page, hass: HomeAssistant, client_id: str, out: Path) -> None:
    """Add Simkl in the UI with the demo client id, photograph the PIN step, wait for the entry."""
    linked = await hass.command("config_entries/get", domain="simkl")
    await page.open(f"{hass.url}/config/integrations/dashboard/add?domain=simkl", 1000, 760)
    # The frontend first asks "Do you want to set up Simkl?", as it does for a link to a flow.
    # With an account linked already, the flow reuses its client id and shows the PIN at once.
    await page.wait_for(
        "(() => { const ok = window.__shots.buttonLabelled(['OK']); if (ok) ok.click();"
        " return Boolean(window.__shots.field()) || window.__shots.pinShown(); })()",
        "the first step of the config flow",
    )
    if not linked:
        await page.evaluate(
            f"""(() => {{
              const input = window.__shots.field();
              input.value = {json.dumps(client_id)};
              input.dispatchEvent(new Event('input', {{bubbles: true, composed: true}}));
              input.dispatchEvent(new Event('change', {{bubbles: true, composed: true}}));
              return true;
            }})()"""
        )
        await asyncio.sleep(0.5)
        await page.evaluate("window.__shots.buttonLabelled(['Submit', 'Next']).click()")
    await page.wait_for("window.__shots.pinShown()", "the PIN step of the config flow")
    await asyncio.sleep(1)  # let the dialog finish its opening animation
    size = await page.screenshot(out / "link-pin.webp")
    print(f"link-pin.webp: {size // 1000} kB")
    if linked:
        print("Simkl was linked already: the PIN step is photographed, the account kept as it is")
        return
    await page.wait_for(
        "window.__shots.all('step-flow-create-entry').length > 0",
        "the end of the config flow (the demo approves the code by itself)",
        within=120,
    )
    await asyncio.sleep(1)
    size = await page.screenshot(out / "linked.webp")
    print(f"linked.webp: {size // 1000} kB")


async def simkl_device(hass: HomeAssistant) -> tuple[str, str]:
    """Return the id and name of the first Simkl account's device."""
    for device in await hass.command("config/device_registry/list"):
        if any(domain == "simkl" for domain, _ in device["identifiers"]):
            return device["id"], device["name_by_user"] or device["name"]
    raise ShotError("no Simkl device after linking")


async def report_repairs(hass: HomeAssistant) -> None:
    """Fail on a Simkl repair issue; list the others (Home Assistant's own, for the notes)."""
    issues = (await hass.command("repairs/list_issues"))["issues"]
    for issue in issues:
        details = issue.get("translation_placeholders") or {}
        print(f"Repair issue of {issue['domain']}: {issue['translation_key']} {details}")
    if ours := [issue for issue in issues if issue["domain"] == "simkl"]:
        raise ShotError(f"the demo account has repair issues: {ours}")


async def add_dashboard(hass: HomeAssistant, config: Json, card_url: str | None) -> None:
    """Create (or replace) the demo dashboard and register upcoming-media-card when given."""
    dashboards = await hass.command("lovelace/dashboards/list")
    if not any(board["url_path"] == DASHBOARD_PATH for board in dashboards):
        await hass.command(
            "lovelace/dashboards/create",
            url_path=DASHBOARD_PATH,
            title=config.get("title", "Simkl"),
            icon="mdi:television-classic",
            mode="storage",
            show_in_sidebar=True,
            require_admin=False,
        )
    await hass.command("lovelace/config/save", url_path=DASHBOARD_PATH, config=config)
    if card_url:
        resources = await hass.command("lovelace/resources")
        if not any(resource["url"] == card_url for resource in resources):
            await hass.command("lovelace/resources/create", res_type="module", url=card_url)


async def report_unavailable(hass: HomeAssistant, device_id: str) -> None:
    """Fail when an entity of the account is missing or unavailable: the device page would
    show it so."""
    entities = [
        entity["entity_id"]
        for entity in await hass.command("config/entity_registry/list")
        if entity["device_id"] == device_id and not entity["disabled_by"]
    ]
    states = {state["entity_id"]: state["state"] for state in await hass.command("get_states")}
    if not entities:
        raise ShotError("the Simkl device has no entities")
    if broken := [entity for entity in entities if states.get(entity, "missing") == "unavailable"]:
        raise ShotError(f"unavailable on the device page: {broken}")
    if missing := [entity for entity in entities if entity not in states]:
        raise ShotError(f"registered but not set up: {missing}")


def page_shows(host: str, *texts: str) -> str:
    """Return a check that an element `host` shows every one of `texts`."""
    return (
        f"window.__shots.all({json.dumps(host)}).some((e) => "
        f"{json.dumps(list(texts))}.every((text) => window.__shots.text(e).includes(text)))"
    )


# The calendar panel is ready once it lists the Simkl calendar, nothing spins any more and
# the month shows titled events; the count is the value, so taking the picture waits until it
# stops growing (the panel fetches each calendar's events on its own).
CALENDAR_READY = """(() => {
  const shots = window.__shots;
  const spinning = shots.all("ha-spinner, ha-circular-progress, mwc-linear-progress")
    .some((element) => shots.visible(element));
  const events = shots.all(".fc-event")
    .filter((event) => shots.visible(event) && shots.text(event).length > 0);
  const listed = shots.all("ha-panel-calendar")
    .some((panel) => shots.text(panel).includes("Releases"));
  return !spinning && listed && events.length > 2 ? events.length : 0;
})()"""


def shots(account: str, device_id: str) -> list[Shot]:
    """Return the pictures after linking, with what each page shows once it has rendered."""
    return [
        Shot(
            "device",
            f"/config/devices/device/{device_id}",
            page_shows(
                "ha-config-device-page", "Time watched", "Next to watch", "Releases", "Watchlist"
            ),
            height=1640,
        ),
        Shot("calendar", "/calendar", CALENDAR_READY, height=860),
        Shot(
            "watchlist",
            f"/todo?entity_id=todo.{account}_watchlist",
            "window.__shots.all('ha-check-list-item, md-list-item, ha-md-list-item').length > 1",
            width=1100,
            height=760,
        ),
        Shot(
            "up-next",
            f"/todo?entity_id=todo.{account}_up_next",
            "window.__shots.all('ha-check-list-item, md-list-item, ha-md-list-item').length > 1",
            width=1100,
            height=760,
        ),
        Shot(
            "dashboard",
            f"/{DASHBOARD_PATH}/whats-on",
            "window.__shots.all('hui-tile-card').length > 3 && "
            "window.__shots.all('.fc-event, .fc-list-event').length > 0 && "
            "window.__shots.all('img').every((image) => image.complete)",
            width=1440,
            height=1250,
        ),
    ]


async def run(args: argparse.Namespace) -> None:
    """Take every picture; raise ShotError at the first page that shows an error."""
    args.out.mkdir(parents=True, exist_ok=True)
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        hass = HomeAssistant(session, args.url)
        print(f"Waiting for Home Assistant at {hass.url}")
        await hass.wait_until_up(args.timeout)
        await hass.sign_in()

        async with session.put(f"{args.cdp}/json/new?about:blank") as response:
            target = await response.json(content_type=None)
        socket = await stack.enter_async_context(
            session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        )
        page = Page(socket)
        await page.send("Page.enable")
        await page.send("Emulation.setTimezoneOverride", timezoneId=args.time_zone)
        await page.send(
            "Page.addScriptToEvaluateOnNewDocument", source=hass.local_storage() + PAGE_HELPERS
        )

        try:
            await take_pictures(page, hass, args)
        except ShotError:
            failed = args.failed.resolve()
            result = await page.send("Page.captureScreenshot", format="png")
            await asyncio.to_thread(failed.write_bytes, base64.b64decode(result["data"]))
            print(f"What the browser showed: {failed}", file=sys.stderr)
            raise


async def settle(page: Page, shot: Shot) -> None:
    """Wait until the page is ready and stays so, showing as much as a moment earlier."""
    what = f"{shot.name} ({shot.path})"
    shown = await page.wait_for(shot.ready, what)
    for _ in range(10):
        await asyncio.sleep(2)  # posters and fonts finish loading, animations settle
        again = await page.wait_for(shot.ready, f"{what}, after settling", within=10)
        if again == shown:
            return
        shown = again
    raise ShotError(f"{what}: still changing after 20 s ({shown})")


async def take_pictures(page: Page, hass: HomeAssistant, args: argparse.Namespace) -> None:
    """Link the account, add the dashboard, photograph each page."""
    await link_account(page, hass, args.client_id, args.out)
    device_id, account = await simkl_device(hass)
    await report_repairs(hass)
    await report_unavailable(hass, device_id)
    config = dashboard_config(args.dashboard, args.card_url)
    if not args.card_url:
        print("upcoming-media-card: not given (--card), left out of the dashboard picture")
    await add_dashboard(hass, config, args.card_url)

    for shot in shots(account.lower(), device_id):
        await page.open(f"{hass.url}{shot.path}", shot.width, shot.height)
        await settle(page, shot)
        size = await page.screenshot(args.out / f"{shot.name}.webp")
        print(f"{shot.name}.webp: {size // 1000} kB")


def main() -> int:
    """Parse the options and take the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8123")
    parser.add_argument("--cdp", default="http://127.0.0.1:9333", help="Chromium's DevTools URL")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--dashboard", type=Path, default=Path("docs/dashboards/whats-on.yaml"))
    parser.add_argument("--card-url", help="where Home Assistant serves upcoming-media-card.js")
    parser.add_argument("--client-id", default="demo")
    parser.add_argument("--time-zone", default="Europe/Lisbon")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for start")
    parser.add_argument(
        "--failed",
        type=Path,
        default=Path(".cache/screenshots/failed.png"),
        help="where the page is saved when a step fails",
    )
    args = parser.parse_args()
    try:
        asyncio.run(run(args))
    except ShotError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print(f"Pictures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
