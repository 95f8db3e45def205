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
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
import itertools
import json
from pathlib import Path
import sys
import time
from typing import Any, cast

import aiohttp
from homeassistant.util.yaml import parse_yaml

type Json = dict[str, Any]

USER = {"name": "Demo", "username": "demo", "password": "demo-password", "language": "en"}
DASHBOARD_PATH = "simkl-demo"
CUSTOM_CARD = "custom:upcoming-media-card"
MAX_IMAGE_BYTES = 200_000

# Helpers put on every page: Home Assistant's frontend is made of nested shadow roots, which
# document.querySelector does not enter.
PAGE_HELPERS = r"""
window.__shots = {
  all(selector, root = document) {
    const found = [];
    const walk = (node) => {
      found.push(...node.querySelectorAll(selector));
      for (const element of node.querySelectorAll("*")) {
        if (element.shadowRoot) walk(element.shadowRoot);
      }
    };
    walk(root);
    return found;
  },
  inside(hostSelector, selector) {
    return this.all(hostSelector).flatMap(
      (host) => this.all(selector, host.shadowRoot || host));
  },
  field() {
    return this.inside("step-flow-form", "input").find((input) => this.visible(input));
  },
  text(element) {
    let text = "";
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) text += node.textContent;
      if (["STYLE", "SCRIPT"].includes(node.nodeName)) return;
      if (node.shadowRoot) walk(node.shadowRoot);
      for (const child of node.childNodes) walk(child);
    };
    walk(element);
    return text.replace(/\s+/g, " ").trim();
  },
  pinShown() {
    return this.all("step-flow-progress").some((step) => /\b[A-Z0-9]{5}\b/.test(this.text(step)));
  },
  visible(element) {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  },
  problems() {
    const found = [];
    for (const alert of this.all("ha-alert")) {
      const kind = alert.getAttribute("alert-type") || alert.alertType;
      if (kind === "error" && this.visible(alert)) found.push("error: " + this.text(alert));
    }
    for (const card of this.all("hui-error-card, hui-warning")) {
      if (this.visible(card)) found.push("card: " + this.text(card));
    }
    for (const abort of this.all("step-flow-abort")) {
      found.push("flow aborted: " + this.text(abort));
    }
    return found;
  },
  buttonLabelled(labels) {
    return this.all("ha-button, mwc-button, button").find(
      (button) => this.visible(button) && labels.includes(this.text(button)));
  },
};
"""


class ShotError(Exception):
    """The frontend showed an error, or did not show what a step waits for."""


@dataclass(frozen=True, slots=True)
class Shot:
    """One picture: a page, what shows that it has rendered, and the viewport to take."""

    name: str
    path: str
    ready: str
    width: int = 1280
    height: int = 800


class Page:
    """A Chromium tab driven over the DevTools protocol."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        """Wrap the tab's DevTools socket."""
        self._socket = socket
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> Json:
        """Call a DevTools method and return its result (events in between are skipped)."""
        message_id = next(self._ids)
        await self._socket.send_json({"id": message_id, "method": method, "params": params})
        while True:
            message = await self._socket.receive_json()
            if message.get("id") != message_id:
                continue
            if "error" in message:
                raise ShotError(f"{method}: {message['error']}")
            return cast("Json", message["result"])

    async def evaluate(self, expression: str) -> Any:
        """Return the value of a JavaScript expression (promises are awaited)."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise ShotError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, what: str, within: float = 60) -> Any:
        """Wait until an expression is truthy, failing early when the page shows an error."""
        deadline = time.monotonic() + within
        while True:
            problems = await self.evaluate("window.__shots ? window.__shots.problems() : []")
            if problems:
                raise ShotError(f"{what}: the page shows {problems}")
            # Home Assistant's launch screen fades out over the first rendered page.
            value = await self.evaluate(
                "!window.__leaving && !document.getElementById('ha-launch-screen') "
                f"&& ({expression})"
            )
            if value:
                return value
            if time.monotonic() > deadline:
                raise ShotError(f"{what}: not shown after {within:.0f} s")
            await asyncio.sleep(0.5)

    async def open(self, url: str, width: int, height: int) -> None:
        """Load a page in a viewport of the given size."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        # Until the new document replaces this one, checks would still see the old page.
        await self.evaluate("window.__leaving = true")
        await self.send("Page.navigate", url=url)

    async def screenshot(self, target: Path) -> int:
        """Save the viewport as a WebP picture under the size limit and return its size."""
        for quality in (82, 70, 55):
            result = await self.send("Page.captureScreenshot", format="webp", quality=quality)
            data = base64.b64decode(result["data"])
            if len(data) <= MAX_IMAGE_BYTES:
                await asyncio.to_thread(target.write_bytes, data)
                return len(data)
        raise ShotError(f"{target.name}: {len(data)} bytes even at quality {quality}")


class HomeAssistant:
    """Home Assistant's HTTP and WebSocket APIs, as the frontend uses them."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Talk to the Home Assistant at ``url``."""
        self.session = session
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.tokens: Json = {}
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)

    async def wait_until_up(self, within: float) -> None:
        """Wait for the HTTP server (the first start of a demo takes a minute or two)."""
        deadline = time.monotonic() + within
        while True:
            try:
                async with self.session.get(f"{self.url}/manifest.json") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise ShotError(f"Home Assistant did not answer at {self.url}")
            await asyncio.sleep(2)

    async def sign_in(self) -> None:
        """Onboard the demo user on a new instance, or log in as it on an onboarded one."""
        async with self.session.get(f"{self.url}/api/onboarding") as response:
            steps = {step["step"]: step["done"] for step in await response.json()}
        if not steps.get("user", True):
            body = {"client_id": self.client_id, **USER}
            code = (await self._post("/api/onboarding/users", body))["auth_code"]
        else:
            code = await self._log_in()
        await self._token(code)
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": self.client_id, "redirect_uri": self.client_id}),
        ):
            if not steps.get(step, True):
                await self._post(f"/api/onboarding/{step}", body)
        await self._remove_radio_browser(wait=not steps.get("core_config", True))

    async def _remove_radio_browser(self, *, wait: bool) -> None:
        """Remove Radio Browser, which onboarding adds (a moment after its core step).

        It cannot set up offline and would show as failed behind the config flow dialog.
        """
        deadline = time.monotonic() + (20 if wait else 0)
        while not (entries := await self.command("config_entries/get", domain="radio_browser")):
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(1)
        for entry in entries:
            async with self.session.delete(
                f"{self.url}/api/config/config_entries/entry/{entry['entry_id']}",
                headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
            ) as response:
                response.raise_for_status()

    async def _log_in(self) -> str:
        flow = await self._post(
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self._post(
            f"/auth/login_flow/{flow['flow_id']}",
            {
                "client_id": self.client_id,
                "username": USER["username"],
                "password": USER["password"],
            },
        )
        if result.get("type") != "create_entry":
            raise ShotError(
                f"cannot log in as {USER['username']!r}: this Home Assistant was onboarded with "
                "another user; run scripts/screenshots without --reuse"
            )
        return cast("str", result["result"])

    async def _token(self, code: str) -> None:
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self.session.post(f"{self.url}/auth/token", data=data) as response:
            response.raise_for_status()
            self.tokens = await response.json()

    async def _post(self, path: str, body: Mapping[str, Any]) -> Json:
        headers = {}
        if self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        async with self.session.post(f"{self.url}{path}", json=body, headers=headers) as response:
            if response.status >= 400:
                raise ShotError(f"POST {path}: {response.status} {await response.text()}")
            return cast("Json", await response.json())

    async def command(self, kind: str, **fields: Any) -> Any:
        """Send one WebSocket command and return its result."""
        if self._socket is None:
            self._socket = await self.session.ws_connect(f"{self.url}/api/websocket")
            await self._socket.receive_json()  # auth_required
            await self._socket.send_json(
                {"type": "auth", "access_token": self.tokens["access_token"]}
            )
            if (await self._socket.receive_json())["type"] != "auth_ok":
                raise ShotError("the WebSocket API refused the token")
        message_id = next(self._ids)
        await self._socket.send_json({"id": message_id, "type": kind, **fields})
        while True:
            message = await self._socket.receive_json()
            if message.get("id") == message_id:
                break
        if not message.get("success"):
            raise ShotError(f"{kind}: {message.get('error')}")
        return message.get("result")

    def local_storage(self) -> str:
        """Return a script that signs the frontend in with this session's tokens."""
        expires_in = self.tokens["expires_in"]
        stored = {
            "access_token": self.tokens["access_token"],
            "refresh_token": self.tokens["refresh_token"],
            "token_type": "Bearer",
            "expires_in": expires_in,
            "hassUrl": self.url,
            "clientId": self.client_id,
        }
        return (
            f"const tokens = {json.dumps(stored)};"
            f"tokens.expires = Date.now() + {expires_in} * 1000;"
            "localStorage.setItem('hassTokens', JSON.stringify(tokens));"
        )


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


def shots(account: str, device_id: str) -> list[Shot]:
    """Return the pictures after linking, with what each page shows once it has rendered."""
    has_text = "window.__shots.all('{0}').some((e) => window.__shots.text(e).includes({1}))"
    return [
        Shot(
            "device",
            f"/config/devices/device/{device_id}",
            has_text.format("ha-config-device-page", json.dumps("Time watched")),
            height=1640,
        ),
        Shot(
            "calendar",
            "/calendar",
            "window.__shots.all('.fc-event, .fc-daygrid-event').length > 2",
            height=860,
        ),
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


async def take_pictures(page: Page, hass: HomeAssistant, args: argparse.Namespace) -> None:
    """Link the account, add the dashboard, photograph each page."""
    await link_account(page, hass, args.client_id, args.out)
    device_id, account = await simkl_device(hass)
    await report_repairs(hass)
    config = dashboard_config(args.dashboard, args.card_url)
    if not args.card_url:
        print("upcoming-media-card: not given (--card), left out of the dashboard picture")
    await add_dashboard(hass, config, args.card_url)

    for shot in shots(account.lower(), device_id):
        await page.open(f"{hass.url}{shot.path}", shot.width, shot.height)
        await page.wait_for(shot.ready, f"{shot.name} ({shot.path})")
        await asyncio.sleep(2)  # posters and fonts finish loading, animations settle
        await page.wait_for("true", shot.name)  # still no error after settling
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
