"""Users, tokens and PIN codes of the fake Simkl API: what it remembers besides libraries."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import secrets
import string
from typing import TYPE_CHECKING

from .catalog import Catalog
from .library import Library, as_utc, floor_second
from .titles import image_path

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(eq=False)
class FakeUser:
    """A Simkl account. An empty ``avatar`` is replaced by a derived image path."""

    account_id: int
    name: str
    joined_at: datetime
    library: Library = field(repr=False)
    timezone: str = "UTC"
    account_type: str = "free"
    avatar: str | None = ""
    bio: str = ""
    loc: str = ""
    gender: str = ""
    age: str = ""

    def __post_init__(self) -> None:
        """Derive the avatar path."""
        if self.avatar == "":
            self.avatar = image_path("avatar", str(self.account_id))


SETTINGS_FIELDS = frozenset(
    {"name", "timezone", "account_type", "avatar", "bio", "loc", "gender", "age"}
)


@dataclass(eq=False)
class Pin:
    """A PIN (device) code waiting for the user's approval."""

    user_code: str
    client_id: str
    created_at: datetime
    expires_at: datetime
    approved_for: FakeUser | None = None


class State:
    """Everything the fake server remembers."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        clock: Callable[[], datetime],
        pin_interval: int,
        pin_expires_in: int,
        write_lock_seconds: float,
        auto_approve_after: float | None,
    ) -> None:
        """Start with no users."""
        self.catalog = catalog
        self.clock = clock
        self.pin_interval = pin_interval
        self.pin_expires_in = pin_expires_in
        self.write_lock_seconds = write_lock_seconds
        self.auto_approve_after = auto_approve_after
        self.users: dict[int, FakeUser] = {}
        self.tokens: dict[str, FakeUser] = {}
        self.pins: dict[str, Pin] = {}
        self._next_account_id = 100_001
        # Playback and scrobble ids are 64-bit in Simkl; start above 32 bits to show it.
        self._next_id = 7_340_000_001

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return as_utc(self.clock())

    def next_id(self) -> int:
        """Return a fresh 64-bit id for a playback or scrobble."""
        self._next_id += 1
        return self._next_id

    def add_user(self, name: str, account_id: int | None = None) -> FakeUser:
        """Create a user with an empty library."""
        if account_id is None:
            while self._next_account_id in self.users:
                self._next_account_id += 1
            account_id = self._next_account_id
        if account_id in self.users:
            msg = f"account id {account_id} is taken"
            raise ValueError(msg)
        user = FakeUser(account_id, name, floor_second(self.now()), Library(self.now))
        self.users[account_id] = user
        return user

    def user_named(self, name: str) -> FakeUser | None:
        """Return the first user called ``name``."""
        return next((user for user in self.users.values() if user.name == name), None)

    def demo_user(self) -> FakeUser:
        """Return the user that self-approving PIN codes log in: "demo", created if missing."""
        return self.user_named("demo") or self.add_user("demo")

    def issue_token(self, user: FakeUser) -> str:
        """Return a new access token for ``user`` (earlier tokens stay valid)."""
        token = secrets.token_hex(32)
        self.tokens[token] = user
        return token

    def revoke_token(self, token: str) -> None:
        """Make ``token`` invalid (as revoking the app on simkl.com does)."""
        self.tokens.pop(token, None)

    def new_pin(self, client_id: str) -> Pin:
        """Create a user code for the PIN flow."""
        alphabet = string.ascii_uppercase + string.digits
        code = "".join(secrets.choice(alphabet) for _ in range(5))
        while code in self.pins:
            code = "".join(secrets.choice(alphabet) for _ in range(5))
        now = self.now()
        pin = Pin(code, client_id, now, now + timedelta(seconds=self.pin_expires_in))
        self.pins[code] = pin
        return pin

    def live_pin(self, user_code: str) -> Pin | None:
        """Return the code if it exists and has not expired (expired codes are forgotten)."""
        pin = self.pins.get(user_code.upper())
        if pin is not None and pin.expires_at <= self.now():
            del self.pins[pin.user_code]
            return None
        if (
            pin is not None
            and pin.approved_for is None
            and self.auto_approve_after is not None
            and (self.now() - pin.created_at).total_seconds() >= self.auto_approve_after
        ):
            pin.approved_for = self.demo_user()
        return pin

    @property
    def pending_pins(self) -> list[str]:
        """Return the codes waiting for approval."""
        return [
            code
            for code in list(self.pins)
            if (pin := self.live_pin(code)) is not None and pin.approved_for is None
        ]

    def approve_pin(self, user_code: str, user: FakeUser) -> None:
        """Approve a code for ``user``; raise KeyError for unknown or expired codes."""
        pin = self.live_pin(user_code)
        if pin is None:
            raise KeyError(user_code)
        pin.approved_for = user

    def write_locked(self, user: FakeUser) -> bool:
        """Return whether a write now collides with the user's previous write."""
        last = user.library.last_write_at
        if self.write_lock_seconds <= 0 or last is None:
            return False
        return (self.now() - last).total_seconds() < self.write_lock_seconds

    def record_write(self, user: FakeUser) -> None:
        """Start the write lock after a successful write."""
        user.library.last_write_at = self.now()
