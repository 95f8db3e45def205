"""Users, tokens, PIN codes and per-user libraries of the fake Simkl API.

Activities (``/sync/activities``) move as follows; every change made by one API request or
one test control gets a single timestamp, applied to all keys it moves and to the changed
items, so that ``date_from`` deltas are exact:

* the top-level ``all`` moves on any change of the user's data, including settings;
* ``settings.all`` moves when the user's settings change;
* a type's ``all`` (``tv_shows``, ``anime``, ``movies``) moves on any change of that type;
* a status key (``watching``, ``plantowatch``, ...) moves when an item is added to that list,
  moved into it, or changes while in it (episodes watched or unwatched). The list an item
  leaves does not move: ``/sync/all-items/{type}/{status}?date_from=`` on it could not return
  the item anyway, and clients find the move by Simkl id in the destination list's delta;
* ``rated_at`` moves when a rating is added, changed or removed (also when removing an item
  deletes its rating). Rating an item that is not in the library files it (movie ->
  completed, show/anime -> watching) and moves that list's key too;
* ``playback`` moves when a paused playback is saved, replaced or deleted (scrobble pause or
  stop below 80 %, scrobble start or stop clearing it, DELETE /sync/playback, removals);
* ``removed_from_list`` moves when an item leaves the library. Removals never show up in
  ``date_from`` deltas; only full and ``extended=simkl_ids_only`` lists reveal them.

Timestamps have second precision and strictly increase: a change within the same second as
the previous one is stamped one second later.
"""

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import random
import secrets
import string
from typing import TYPE_CHECKING, Literal

from .catalog import MEDIA_KINDS, Catalog, CatalogItem, MediaKind, image_path

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import TracebackType

type Status = Literal["watching", "plantowatch", "hold", "dropped", "completed"]

STATUSES: tuple[Status, ...] = ("watching", "plantowatch", "hold", "dropped", "completed")
MOVIE_STATUSES: tuple[Status, ...] = ("plantowatch", "completed", "dropped")
SECTIONS: dict[MediaKind, str] = {"tv": "tv_shows", "anime": "anime", "movie": "movies"}
_SHOW_ACTIVITY_KEYS = ("all", "rated_at", "playback", *STATUSES, "removed_from_list")
_MOVIE_ACTIVITY_KEYS = ("all", "rated_at", "playback", *MOVIE_STATUSES, "removed_from_list")
# Where Simkl says a watched item goes: the same rule files rated items that were not listed.
AUTO_STATUS: dict[MediaKind, Status] = {"tv": "watching", "anime": "watching", "movie": "completed"}


def iso(moment: datetime | None) -> str | None:
    """Return a user timestamp the way Simkl writes it: UTC, seconds, ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time as sent by clients; raise ValueError if invalid."""
    return as_utc(datetime.fromisoformat(text.strip()))


def _floor_second(moment: datetime) -> datetime:
    return as_utc(moment).replace(microsecond=0)


@dataclass(eq=False)
class LibraryEntry:
    """An item in a user's library."""

    item: CatalogItem
    status: Status
    added_at: datetime
    updated_at: datetime
    watched: dict[tuple[int, int], datetime] = field(default_factory=dict)
    movie_watched_at: datetime | None = None
    rating: int | None = None
    rated_at: datetime | None = None
    # When the rating last changed (user_rated_at may be back-dated by the client).
    rating_changed_at: datetime | None = None

    @property
    def last_watched_at(self) -> datetime | None:
        """Return when the item (or its latest watched episode) was watched."""
        if self.item.is_movie:
            return self.movie_watched_at
        return max(self.watched.values(), default=None)

    @property
    def last_watched_key(self) -> tuple[int, int] | None:
        """Return the furthest watched episode in broadcast order."""
        return max(self.watched, default=None)

    def next_to_watch(self, now: datetime) -> tuple[int, int] | None:
        """Return the aired episode after the furthest watched one (None when caught up)."""
        last = self.last_watched_key
        key = next(self.item.all_keys(), None) if last is None else self.item.next_key(*last)
        if key is None:
            return None
        aired_at = self.item.air_time(*key)
        return key if aired_at is not None and aired_at <= now else None

    def all_aired_watched(self, now: datetime) -> bool:
        """Return whether every aired episode (at least one) is watched."""
        aired = list(self.item.aired_keys(now))
        return bool(aired) and all(key in self.watched for key in aired)


@dataclass(eq=False)
class Playback:
    """A paused playback session (one per item)."""

    id: int
    item: CatalogItem
    progress: float
    paused_at: datetime
    season: int | None = None
    number: int | None = None


@dataclass(eq=False)
class Checkin:
    """A check-in that marks its episode or movie watched once its runtime has passed."""

    id: int
    item: CatalogItem
    season: int | None
    number: int | None
    started_at: datetime
    ends_at: datetime


class Activities:
    """The timestamps ``/sync/activities`` returns."""

    def __init__(self) -> None:
        """Start with nothing ever changed."""
        self.all: datetime | None = None
        self.settings: datetime | None = None
        self.sections: dict[MediaKind, dict[str, datetime | None]] = {
            kind: dict.fromkeys(_MOVIE_ACTIVITY_KEYS if kind == "movie" else _SHOW_ACTIVITY_KEYS)
            for kind in MEDIA_KINDS
        }

    def as_json(self) -> dict[str, object]:
        """Return the response body of ``/sync/activities``."""
        body: dict[str, object] = {"all": iso(self.all), "settings": {"all": iso(self.settings)}}
        for kind, keys in self.sections.items():
            body[SECTIONS[kind]] = {key: iso(value) for key, value in keys.items()}
        return body


class Change(AbstractContextManager["Change"]):
    """One change of a user's data: everything it touches gets the same timestamp.

    The timestamp is chosen when the change starts and committed on exit, only if something
    was touched, so a request that changes nothing does not move the activities.
    """

    def __init__(self, library: Library) -> None:
        """Pick the timestamp the change will carry."""
        self.library = library
        self.stamp = library.next_stamp()
        self._touched: set[tuple[MediaKind | None, str]] = set()

    def touch(self, kind: MediaKind, key: str) -> None:
        """Move activity ``key`` of the type ``kind`` (and the ``all`` keys above it)."""
        if key not in self.library.activities.sections[kind]:
            msg = f"{SECTIONS[kind]} has no activity {key!r}"
            raise ValueError(msg)
        self._touched.add((kind, key))

    def touch_settings(self) -> None:
        """Move ``settings.all``."""
        self._touched.add((None, "all"))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Commit what was touched, even when the change stopped half-way."""
        if not self._touched:
            return
        activities = self.library.activities
        activities.all = self.stamp
        for kind, key in self._touched:
            if kind is None:
                activities.settings = self.stamp
            else:
                activities.sections[kind]["all"] = self.stamp
                activities.sections[kind][key] = self.stamp
        self.library.last_stamp = self.stamp


class Library:
    """A user's lists, watched episodes, ratings, paused playbacks and activities."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        """Start empty; ``clock`` gives the current time."""
        self._clock = clock
        self.entries: dict[int, LibraryEntry] = {}
        self.playbacks: dict[int, Playback] = {}
        self.activities = Activities()
        self.last_stamp: datetime | None = None
        self.last_write_at: datetime | None = None
        # Episode (or movie: None, None) -> when a scrobble stop marked it watched.
        self.scrobbled: dict[tuple[int, int | None, int | None], datetime] = {}
        self.checkins: dict[int, Checkin] = {}

    def next_stamp(self) -> datetime:
        """Return the timestamp for the next change."""
        stamp = _floor_second(self._clock())
        if self.last_stamp is not None and stamp <= self.last_stamp:
            stamp = self.last_stamp + timedelta(seconds=1)
        return stamp

    def change(self) -> Change:
        """Start a change; use it as a context manager."""
        return Change(self)

    def _touch_entry(self, change: Change, entry: LibraryEntry) -> None:
        entry.updated_at = change.stamp
        change.touch(entry.item.kind, entry.status)

    def _settle_show_status(self, entry: LibraryEntry) -> None:
        """Apply Simkl's list rules after episodes were watched or unwatched: a show with
        every episode of its ended run watched is completed, any other show with watched
        episodes is watching (whichever list it was in)."""
        now = self._clock()
        if entry.item.status(now) == "ended" and entry.all_aired_watched(now):
            entry.status = "completed"
        elif entry.watched:
            entry.status = "watching"

    def file(
        self,
        change: Change,
        item: CatalogItem,
        status: Status,
        *,
        watched_at: datetime | None = None,
        added_at: datetime | None = None,
    ) -> LibraryEntry:
        """Add ``item`` to list ``status`` or move it there, as ``/sync/add-to-list`` does.

        A movie sent to ``watching`` becomes completed. Completing a movie marks it watched;
        completing a show marks its aired episodes watched.
        """
        if item.is_movie and status == "watching":
            status = "completed"
        if item.is_movie and status not in MOVIE_STATUSES:
            msg = f"movies cannot be in {status!r}"
            raise ValueError(msg)
        entry = self.entries.get(item.simkl_id)
        if entry is None:
            entry = LibraryEntry(item, status, added_at or change.stamp, change.stamp)
            self.entries[item.simkl_id] = entry
        entry.status = status
        if status == "completed":
            moment = watched_at or change.stamp
            if item.is_movie:
                entry.movie_watched_at = watched_at or entry.movie_watched_at or moment
            else:
                for key in item.aired_keys(self._clock()):
                    entry.watched.setdefault(key, moment)
        self._touch_entry(change, entry)
        return entry

    def watch_episodes(
        self, change: Change, item: CatalogItem, episodes: Iterable[tuple[int, int, datetime]]
    ) -> LibraryEntry:
        """Mark ``(season, number, watched_at)`` episodes watched, filing the show if needed."""
        entry = self.entries.get(item.simkl_id)
        if entry is None:
            entry = LibraryEntry(item, "watching", change.stamp, change.stamp)
            self.entries[item.simkl_id] = entry
        for season, number, watched_at in episodes:
            entry.watched[season, number] = watched_at
        self._settle_show_status(entry)
        self._touch_entry(change, entry)
        return entry

    def unwatch_episodes(
        self, change: Change, entry: LibraryEntry, keys: Iterable[tuple[int, int]]
    ) -> int:
        """Unmark episodes; return how many were watched."""
        removed = sum(entry.watched.pop(key, None) is not None for key in keys)
        if entry.status == "completed" and not entry.all_aired_watched(self._clock()):
            entry.status = "watching"
        self._touch_entry(change, entry)
        return removed

    def watch_movie(self, change: Change, item: CatalogItem, watched_at: datetime) -> LibraryEntry:
        """Mark a movie watched, which completes it."""
        entry = self.file(change, item, "completed")
        entry.movie_watched_at = watched_at
        return entry

    def rate(
        self, change: Change, item: CatalogItem, rating: int, rated_at: datetime | None = None
    ) -> LibraryEntry:
        """Rate ``item`` (1-10), filing it first when it is not in the library."""
        entry = self.entries.get(item.simkl_id)
        if entry is None:
            entry = self.file(change, item, AUTO_STATUS[item.kind])
        entry.rating = rating
        entry.rated_at = rated_at or change.stamp
        entry.rating_changed_at = change.stamp
        change.touch(item.kind, "rated_at")
        return entry

    def unrate(self, change: Change, entry: LibraryEntry) -> bool:
        """Remove a rating; return whether there was one."""
        if entry.rating is None:
            return False
        entry.rating = entry.rated_at = None
        entry.rating_changed_at = change.stamp
        change.touch(entry.item.kind, "rated_at")
        return True

    def remove(self, change: Change, item: CatalogItem) -> bool:
        """Remove ``item`` from the library with its rating and paused playback."""
        entry = self.entries.pop(item.simkl_id, None)
        if entry is None:
            return False
        change.touch(item.kind, "removed_from_list")
        if entry.rating is not None:
            change.touch(item.kind, "rated_at")
        self.drop_playback(change, item)
        return True

    def save_playback(
        self,
        change: Change,
        item: CatalogItem,
        playback_id: int,
        progress: float,
        *,
        season: int | None = None,
        number: int | None = None,
    ) -> Playback:
        """Save a paused playback, replacing the item's previous one."""
        playback = Playback(playback_id, item, progress, change.stamp, season, number)
        self.playbacks[item.simkl_id] = playback
        change.touch(item.kind, "playback")
        return playback

    def drop_playback(self, change: Change, item: CatalogItem) -> bool:
        """Delete the item's paused playback; return whether there was one."""
        if self.playbacks.pop(item.simkl_id, None) is None:
            return False
        change.touch(item.kind, "playback")
        return True

    def playback_by_id(self, playback_id: int) -> Playback | None:
        """Return the paused playback with this id."""
        return next((p for p in self.playbacks.values() if p.id == playback_id), None)

    def settle_checkins(self) -> None:
        """Mark watched the check-ins whose runtime has passed (Simkl does it on its own)."""
        now = self._clock()
        for checkin in [c for c in self.checkins.values() if c.ends_at <= now]:
            del self.checkins[checkin.item.simkl_id]
            with self.change() as change:
                if checkin.season is None or checkin.number is None:
                    self.watch_movie(change, checkin.item, checkin.ends_at)
                else:
                    episode = (checkin.season, checkin.number, checkin.ends_at)
                    self.watch_episodes(change, checkin.item, [episode])


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
        user = FakeUser(account_id, name, _floor_second(self.now()), Library(self.now))
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


# --- Seeding --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _DemoEntry:
    """A demo library row. ``unwatched``: aired episodes left unwatched at the end (0: caught
    up, None: nothing watched); ``through``: watched up to this (season, episode)."""

    simkl_id: int
    status: Status
    unwatched: int | None = None
    through: tuple[int, int] | None = None
    rating: int | None = None
    playback: tuple[float, int | None, int | None] | None = None


DEMO_LIBRARY = (
    _DemoEntry(548312, "completed", unwatched=0, rating=9),  # Stranger Things
    _DemoEntry(11121, "completed", unwatched=0, rating=10),  # Breaking Bad
    _DemoEntry(17086, "hold", through=(4, 5)),  # The Office
    _DemoEntry(1186633, "watching", unwatched=2, playback=(33.0, 3, 3)),  # Severance
    _DemoEntry(1447581, "watching", unwatched=0),  # The Last of Us: next episode tomorrow
    _DemoEntry(1184213, "watching", unwatched=1),  # Slow Horses: airs at London midnight
    _DemoEntry(1830167, "plantowatch"),  # The Bear
    _DemoEntry(1046349, "dropped", through=(1, 4)),  # Andor
    _DemoEntry(1999361, "watching", unwatched=0),  # Fallout: season 2 premieres in 12 days
    _DemoEntry(38636, "watching", unwatched=50),  # One Piece
    _DemoEntry(2133914, "completed", unwatched=0, rating=10),  # Frieren
    _DemoEntry(2494385, "watching", unwatched=1),  # Frieren season 2
    _DemoEntry(2239716, "completed", unwatched=0, rating=8),  # Dandadan
    _DemoEntry(2473210, "watching", unwatched=0),  # Dandadan season 2: 00:26 in Tokyo
    _DemoEntry(1206393, "plantowatch"),  # Jujutsu Kaisen
    _DemoEntry(37078, "completed", unwatched=0, rating=9),  # Cowboy Bebop
    _DemoEntry(556932, "completed", unwatched=0),  # Your Name.
    _DemoEntry(475479, "completed", unwatched=0, rating=9),  # Inception
    _DemoEntry(465519, "plantowatch", playback=(42.5, None, None)),  # Interstellar
    _DemoEntry(2020815, "completed", unwatched=0, rating=8),  # Dune: Part Two
    _DemoEntry(2134550, "plantowatch"),  # Project Hail Mary: released in 9 days
)


def _watched_at(aired_at: datetime, delay: timedelta, latest: datetime) -> datetime:
    """Return a plausible watch time: ``delay`` after airing, but not in the future."""
    return max(aired_at, min(aired_at + delay, latest))


def _put(
    change: Change,
    item: CatalogItem,
    status: Status,
    *,
    watched_count: int,
    delay: timedelta,
) -> LibraryEntry:
    """File ``item`` in ``status`` with its first ``watched_count`` aired episodes watched."""
    entry = LibraryEntry(item, status, change.stamp, change.stamp)
    now = change.stamp
    if item.is_movie:
        release = item.release_at
        if watched_count and release is not None:
            entry.movie_watched_at = _watched_at(release, delay, now)
    else:
        remaining = watched_count
        for plan in item.seasons:
            taken = min(remaining, plan.aired_count(now))
            for number in range(1, taken + 1):
                entry.watched[plan.number, number] = _watched_at(plan.air_time(number), delay, now)
            remaining -= taken
    change.library.entries[item.simkl_id] = entry
    change.touch(item.kind, status)
    return entry


def seed_demo_library(state: State, user: FakeUser) -> None:
    """File the demo library for ``user`` (adding missing demo items to the catalogue)."""
    now = state.now()
    missing = {row.simkl_id for row in DEMO_LIBRARY if row.simkl_id not in state.catalog}
    for demo_item in Catalog.demo(now) if missing else ():
        if demo_item.simkl_id in missing:
            state.catalog.add(demo_item)
    library = user.library
    with library.change() as change:
        for row in DEMO_LIBRARY:
            item = state.catalog.get(row.simkl_id)
            if item is None:
                continue
            aired = 1 if item.is_movie else item.aired_count(now)
            if row.through is not None:
                watched = sum(1 for key in item.aired_keys(now) if key <= row.through)
            elif row.unwatched is not None:
                watched = max(aired - row.unwatched, 0)
            else:
                watched = 0
            _put(change, item, row.status, watched_count=watched, delay=timedelta(hours=20))
            if row.rating is not None:
                library.rate(change, item, row.rating)
            if row.playback is not None:
                progress, season, number = row.playback
                library.save_playback(
                    change, item, state.next_id(), progress, season=season, number=number
                )


def _pick_status(rng: random.Random, item: CatalogItem, now: datetime) -> tuple[Status, int]:
    """Return a plausible list and number of watched episodes for a seeded item."""
    if item.is_movie:
        released = item.status(now) == "released"
        roll = rng.random()
        if released and roll < 0.5:
            return "completed", 1
        return ("dropped", 0) if released and roll > 0.9 else ("plantowatch", 0)
    aired = item.aired_count(now)
    if not aired:
        return "plantowatch", 0
    roll = rng.random()
    if roll < 0.35:
        return "watching", rng.randint(1, aired)
    if roll < 0.6:
        return ("completed" if item.status(now) == "ended" else "watching"), aired
    if roll < 0.8:
        return "plantowatch", 0
    return ("hold" if roll < 0.9 else "dropped"), rng.randint(1, aired)


def seed_library(state: State, user: FakeUser, count: int, seed: int) -> list[LibraryEntry]:
    """File ``count`` catalogue items not yet in the library, generating items if needed."""
    now = state.now()
    library = user.library
    candidates = [item for item in state.catalog if item.simkl_id not in library.entries]
    if len(candidates) < count:
        candidates += state.catalog.add_synthetic(count - len(candidates), seed=seed, now=now)
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    chosen = candidates
    if len(candidates) > count:
        positions = sorted(rng.sample(range(len(candidates)), count))
        chosen = [candidates[position] for position in positions]
    entries = []
    with library.change() as change:
        for item in chosen:
            status, watched = _pick_status(rng, item, change.stamp)
            delay = timedelta(hours=rng.randint(1, 24 * 30))
            entry = _put(change, item, status, watched_count=watched, delay=delay)
            if status != "plantowatch" and rng.random() < 0.3:
                library.rate(change, item, rng.randint(1, 10))
            entries.append(entry)
    return entries
