"""The PIN flow, the account's profile and its watch statistics."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mashumaro.exceptions import MissingField

from .const import DEFAULT_PIN_EXPIRES_IN, DEFAULT_PIN_INTERVAL, PIN_VERIFICATION_URL, ListStatus
from .media import MediaType
from .model import JsonDict, SimklModel, as_dict, by_type, parse_int, parse_text


@dataclass(frozen=True, slots=True, kw_only=True)
class PinCode(SimklModel):
    """A device code to show the user; poll it with `SimklClient.poll_pin(user_code)`.

    `verification_uri` is read as `verification_url`; missing or zero timings get the
    documented values.
    """

    user_code: str
    verification_url: str = PIN_VERIFICATION_URL
    expires_in: int = DEFAULT_PIN_EXPIRES_IN
    interval: int = DEFAULT_PIN_INTERVAL

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = super().__pre_deserialize__(d)
        if parse_text(raw.get("user_code")) is None:
            msg = "PIN payload has no user_code"
            raise ValueError(msg)
        return {
            "user_code": raw["user_code"],
            "verification_url": parse_text(raw.get("verification_url"))
            or raw.get("verification_uri"),
            "expires_in": parse_int(raw.get("expires_in")) or None,
            "interval": parse_int(raw.get("interval")) or None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PinPending:
    """The user has not approved yet; `slow_down` asks for a longer poll interval."""

    slow_down: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PinAuthorized:
    """The user approved; the token does not expire and has no refresh token."""

    access_token: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PinExpired:
    """The code expired or is unknown; Simkl may already have issued `new_code`."""

    new_code: PinCode | None = None


type PinResult = PinPending | PinAuthorized | PinExpired


def parse_pin_result(data: Any) -> PinResult:
    """Classify a /oauth/pin/{code} answer, which is always HTTP 200."""
    raw = as_dict(data)
    token = parse_text(raw.get("access_token"))
    if token is not None:
        return PinAuthorized(access_token=token)
    # Simkl answers an expired, unknown or consumed code with a fresh step-1 payload.
    if "device_code" in raw or "user_code" in raw:
        try:
            return PinExpired(new_code=PinCode.from_dict(raw))
        except ValueError, MissingField:
            return PinExpired()
    message = parse_text(raw.get("message")) or ""
    return PinPending(slow_down="slow down" in message.lower())


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSettings(SimklModel):
    """Profile and account of the token's owner (/users/settings), read from its two blocks."""

    account_id: int
    name: str = ""
    avatar: str | None = None
    timezone: str | None = None
    account_type: str | None = None
    joined_at: datetime | None = None

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        user, account = as_dict(raw.get("user")), as_dict(raw.get("account"))
        if parse_int(account.get("id")) is None:
            msg = "user settings have no account id"
            raise ValueError(msg)
        return super().__pre_deserialize__(
            {
                "account_id": account["id"],
                "name": user.get("name"),
                "avatar": user.get("avatar"),
                "timezone": account.get("timezone"),
                "account_type": account.get("type"),
                "joined_at": user.get("joined_at"),
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusStats(SimklModel):
    """Counters of one list in /users/{id}/stats (which counters exist varies by list)."""

    count: int | None = None
    mins: int | None = None
    watched_episodes_count: int | None = None
    total_episodes_count: int | None = None
    left_to_watch_episodes: int | None = None
    left_to_watch_mins: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaStats(SimklModel):
    """Statistics of one section; `statuses` is keyed by Simkl's list name.

    In Simkl's shape every object-valued key of the section is a list, legacy ones included.
    """

    total_mins: int | None = None
    statuses: dict[str, StatusStats] = field(default_factory=dict)

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        raw = as_dict(d)
        return super().__pre_deserialize__(
            {
                "total_mins": raw.get("total_mins"),
                "statuses": {key: value for key, value in raw.items() if isinstance(value, dict)},
            }
        )

    def __post_serialize__(self, d: JsonDict) -> JsonDict:
        statuses: JsonDict = d.pop("statuses", {})
        return d | statuses

    def count(self, status: ListStatus) -> int:
        """Number of titles in a list (0 when Simkl did not report it)."""
        stats = self.statuses.get(status.value)
        return (stats.count or 0) if stats is not None else 0

    @property
    def watched_episodes(self) -> int:
        """Episodes watched across all lists."""
        return sum(stats.watched_episodes_count or 0 for stats in self.statuses.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchedLastWeek(SimklModel):
    """Minutes watched in the last seven days, in total and per section."""

    total_mins: int | None = None
    movies_mins: int | None = None
    tv_mins: int | None = None
    anime_mins: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserStats(SimklModel):
    """Watch statistics (/users/{id}/stats); `to_dict()` gives them in Simkl's shape."""

    class Config(SimklModel.Config):
        """Every section is written, even when Simkl reported nothing for it."""

        omit_default = False
        omit_none = True

    total_mins: int | None = None
    movies: MediaStats = field(default_factory=MediaStats)
    tv: MediaStats = field(default_factory=MediaStats)
    anime: MediaStats = field(default_factory=MediaStats)
    watched_last_week: WatchedLastWeek = field(default_factory=WatchedLastWeek)

    def for_type(self, media_type: MediaType) -> MediaStats:
        """Statistics of one library section."""
        return by_type(media_type, shows=self.tv, anime=self.anime, movies=self.movies)
