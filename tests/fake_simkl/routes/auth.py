"""The PIN flow (device code, polling, the approval page) and the account's settings and stats."""

import html
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fake_simkl import views
from tests.fake_simkl.base import (
    Json,
    ServerBase,
)
from tests.fake_simkl.protocol import ApiError

if TYPE_CHECKING:
    pass


class AuthRoutes(ServerBase):
    """`/oauth/pin`, the PIN page, `/users/settings`, `/users/{id}/stats`."""

    def _pin_payload(self, client_id: str) -> Json:
        pin = self.state.new_pin(client_id)
        return {
            "result": "OK",
            "device_code": "DEVICE_CODE",
            "user_code": pin.user_code,
            "verification_uri": self.verification_uri,
            "verification_url": self.verification_uri,
            "expires_in": self.state.pin_expires_in,
            "interval": self.state.pin_interval,
        }

    async def _pin_request(self, request: web.Request) -> web.Response:
        return web.json_response(self._pin_payload(self._client_id(request)))

    async def _pin_poll(self, request: web.Request) -> web.Response:
        pin = self.state.live_pin(request.match_info["code"])
        if pin is None:
            return web.json_response(self._pin_payload(self._client_id(request)))
        if pin.approved_for is None:
            return web.json_response({"result": "KO", "message": "Authorization pending"})
        del self.state.pins[pin.user_code]
        token = self.state.issue_token(pin.approved_for)
        return web.json_response({"result": "OK", "access_token": token})

    async def _pin_page(self, request: web.Request) -> web.Response:
        code = html.escape(request.match_info.get("code", ""))
        return web.Response(
            text=(
                "<!doctype html><html><head><title>Simkl (fake) - connect an app</title></head>"
                "<body><h1>Connect an app</h1>"
                '<form method="post" action="/pin"><label>Code '
                f'<input name="code" value="{code}" autofocus></label> '
                "<button>Approve</button></form></body></html>"
            ),
            content_type="text/html",
        )

    async def _pin_approve(self, request: web.Request) -> web.Response:
        form = await request.post()
        code = str(form.get("code", "")).strip().upper()
        user = self.state.demo_user()
        try:
            self.state.approve_pin(code, user)
        except KeyError:
            return web.Response(
                text=f"<p>Unknown or expired code {html.escape(code)}.</p>",
                content_type="text/html",
                status=404,
            )
        return web.Response(
            text=f"<p>Code {html.escape(code)} approved for {html.escape(user.name)}.</p>",
            content_type="text/html",
        )

    # --- Users -------------------------------------------------------------------------------

    async def _settings(self, request: web.Request) -> web.Response:
        return web.json_response(views.settings(self._user(request)))

    async def _stats(self, request: web.Request) -> web.Response:
        raw_id = request.match_info["id"]
        user = self.state.users.get(int(raw_id)) if raw_id.isdigit() else None
        if user is None:
            raise ApiError(404, "user_not_found", "No user with this id")
        return web.json_response(views.stats(user.library.entries.values(), self.now()))
