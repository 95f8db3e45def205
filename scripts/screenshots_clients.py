"""The two programs scripts/screenshots.py drives: Chromium and Home Assistant.

`Page` is a Chromium tab, driven over the Chrome DevTools protocol, with helpers that see
through the frontend's shadow roots; `HomeAssistant` talks to Home Assistant's HTTP and
WebSocket APIs as the frontend does. Both raise `ShotError` when what they wait for does not
come, or the page shows an error.
"""

import asyncio
import base64
from collections.abc import Mapping
import itertools
import json
from pathlib import Path
import time
from typing import Any, cast

import aiohttp

type Json = dict[str, Any]

USER = {"name": "Demo", "username": "demo", "password": "demo-password", "language": "en"}
MAX_IMAGE_BYTES = 200_000
# Each picture shows the sidebar and a page of text and posters (20 kB and more); a smaller
# one is a blank or half-drawn page that the checks before it missed.
MIN_IMAGE_BYTES = 10_000

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
            if len(data) < MIN_IMAGE_BYTES:
                raise ShotError(f"{target.name}: {len(data)} bytes, a nearly blank page")
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
