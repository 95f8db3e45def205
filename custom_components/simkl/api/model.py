"""The base of every model, and the lenient readers behind it.

Simkl's answers vary between endpoints and versions: numbers come as text, `null` or `{}` stand
for "nothing", unknown keys appear. Every model reads them the same way, through the
serialization strategies and hooks defined here:

- `null`, `""` and values of the wrong type count as absent: the field keeps its default, and a
  model without a required field raises ValueError (list readers skip such entries);
- numeric text is read as a number where a number is expected, a number as text where text is;
- timestamps become timezone-aware datetimes: `Z` is UTC, an explicit offset is kept, and a
  value without offset is taken as UTC. They are written back as Simkl expects (UTC, `Z`).

`to_dict()` gives plain JSON values and omits unset fields. The models Simkl is sent or that
are kept between runs (sync and scrobble bodies, activities) write Simkl's own shape, so request
bodies carry only what was set and `Model.from_dict(model.to_dict()) == model`.
"""

from collections.abc import Callable, Iterable
from dataclasses import MISSING, field, fields, replace
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Self

from mashumaro import field_options
from mashumaro.config import BaseConfig
from mashumaro.exceptions import MissingField
from mashumaro.mixins.orjson import DataClassORJSONMixin
from mashumaro.types import SerializationStrategy

from .const import ListStatus
from .media import FinaleType, MediaType

type JsonDict = dict[str, Any]

# Anything before this instant is Simkl's "watched, date unknown" placeholder (1970-01-01
# 00:00:01Z); a day of margin absorbs the placeholder being echoed in another offset.
_UNKNOWN_DATE_CUTOFF = datetime(1970, 1, 2, tzinfo=UTC)


def parse_int(value: Any) -> int | None:
    """Read a whole number given as a JSON number or decimal text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return None


def _parse_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_float(value: Any) -> float | None:
    """Read a number given as a JSON number or numeric text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_text(value: Any) -> str | None:
    """Read text; a number is read as its digits, anything else (and `""`) is None."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def parse_datetime(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp (or date) into an aware datetime; None when unusable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    """Parse `YYYY-MM-DD` (or the date part of a timestamp); None when unusable."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            parsed = parse_datetime(value)
            return parsed.date() if parsed is not None else None
    return None


def format_datetime(value: datetime) -> str:
    """Format as Simkl expects: UTC, whole seconds, `Z` suffix (naive values are UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def is_unknown_date(value: datetime | None) -> bool:
    """Tell whether a timestamp is Simkl's "watched, date unknown" placeholder."""
    if value is None:
        return False
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware < _UNKNOWN_DATE_CUTOFF


def by_type[T](media_type: MediaType, *, shows: T, anime: T, movies: T) -> T:
    """Pick the value belonging to a media type."""
    match media_type:
        case MediaType.SHOWS:
            return shows
        case MediaType.ANIME:
            return anime
        case MediaType.MOVIES:
            return movies


def as_dict(value: Any) -> JsonDict:
    """The object itself, or an empty one for anything that is not an object."""
    return value if isinstance(value, dict) else {}


def as_is(value: Any) -> Any:
    """Reader of a field that its model's hook already made into what it holds."""
    return value


def parse_list[T](parser: Callable[[Any], T], data: Any) -> list[T]:
    """Parse the objects of a JSON array, skipping entries the parser rejects.

    Anything but an array (`null`, `{}`) gives an empty list.
    """
    return read_entries(parser, data)[0] if isinstance(data, list) else []


def read_entries[T](parser: Callable[[Any], T], entries: Iterable[Any]) -> tuple[list[T], int]:
    """Parse the objects among JSON values; return them and how many others were skipped.

    Skipped are the values that are not objects and the objects the parser rejects.
    """
    parsed = []
    skipped = 0
    for entry in entries:
        if not isinstance(entry, dict):
            skipped += 1
            continue
        try:
            parsed.append(parser(entry))
        except ValueError, MissingField:
            skipped += 1
    return parsed, skipped


def first_number(*values: Any) -> int | None:
    """The first value that is a number; endpoints spell the same number differently."""
    for value in values:
        if (number := parse_int(value)) is not None:
            return number
    return None


class _Lenient[T](SerializationStrategy):
    """Reads with a lenient parser (None when unusable); writes the value as it is."""

    def __init__(self, parse: Callable[[Any], T | None]) -> None:
        self._parse = parse

    def serialize(self, value: T) -> T:
        return value

    def deserialize(self, value: Any) -> T | None:
        return self._parse(value)


class _Timestamp(SerializationStrategy):
    def serialize(self, value: datetime) -> str:
        return format_datetime(value)

    def deserialize(self, value: Any) -> datetime | None:
        return parse_datetime(value)


class _Date(SerializationStrategy):
    def serialize(self, value: date) -> str:
        return value.isoformat()

    def deserialize(self, value: Any) -> date | None:
        return parse_date(value)


class _LenientEnum[E: Enum](SerializationStrategy):
    """Reads a known value of the enum (None for anything else); writes its value."""

    def __init__(self, enum: type[E], parse: Callable[[Any], E | None] | None = None) -> None:
        self._enum = enum
        self._parse = parse

    def serialize(self, value: E) -> Any:
        return value.value

    def deserialize(self, value: Any) -> E | None:
        if self._parse is not None:
            return self._parse(value)
        try:
            return self._enum(value)
        except ValueError:
            return None


class SimklModel(DataClassORJSONMixin):
    """A typed, immutable view of a Simkl payload; see the module docstring for the rules."""

    class Config(BaseConfig):
        """Lenient readers for every type, and bodies without unset fields."""

        serialization_strategy = {  # noqa: RUF012 (mashumaro reads it as a class attribute)
            bool: _Lenient(_parse_bool),
            int: _Lenient(parse_int),
            float: _Lenient(parse_float),
            str: _Lenient(parse_text),
            datetime: _Timestamp(),
            date: _Date(),
            ListStatus: _LenientEnum(ListStatus),
            MediaType: _LenientEnum(MediaType, MediaType.parse),
            FinaleType: _LenientEnum(FinaleType),
        }
        omit_default: bool = True

    @classmethod
    def __pre_deserialize__(cls, d: Any) -> JsonDict:
        """Read anything but an object as an empty one, and `null` or `""` as absent.

        A required field that is absent is passed on as None, which the check after reading
        rejects with ValueError, as it does an unusable value.
        """
        present = {key: value for key, value in as_dict(d).items() if value not in (None, "")}
        missing = {name: None for name, default in _defaults(cls) if default is MISSING}
        return missing | present

    @classmethod
    def __post_deserialize__(cls, obj: Self) -> Self:
        """Give fields whose value was unusable their default; raise when one is required."""
        fixes: JsonDict = {}
        for name, default in _defaults(cls):
            if getattr(obj, name) is None:
                if default is MISSING:
                    msg = f"{cls.__name__} has no {name}"
                    raise ValueError(msg)
                fixes[name] = default()
        return replace(obj, **fixes) if fixes else obj  # type: ignore[type-var]


_DEFAULTS: dict[type, list[tuple[str, Any]]] = {}


def _defaults(cls: type) -> list[tuple[str, Any]]:
    """Fields that may not be None: each with a factory of its default, or MISSING."""
    if (known := _DEFAULTS.get(cls)) is not None:
        return known
    result: list[tuple[str, Any]] = []
    for item in fields(cls):
        if item.default_factory is not MISSING:
            result.append((item.name, item.default_factory))
        elif item.default is MISSING:
            result.append((item.name, MISSING))
        elif item.default is not None:
            result.append((item.name, lambda value=item.default: value))
    _DEFAULTS[cls] = result
    return result


def model_list[M: SimklModel](model: type[M]) -> Callable[[Any], list[M]]:
    """Reader of a list field of models that skips entries the model rejects."""
    return lambda value: parse_list(model.from_dict, value)


def list_of[M: SimklModel](model: type[M]) -> Any:
    """A list field of models: empty unless set, read skipping the entries the model rejects."""
    return field(default_factory=list, metadata=field_options(deserialize=model_list(model)))


def optional_model[M: SimklModel](model: type[M]) -> Callable[[Any], M | None]:
    """Reader of a field holding one model, None when the value is not one the model accepts."""

    def read(value: Any) -> M | None:
        try:
            return model.from_dict(value) if isinstance(value, dict) else None
        except ValueError, MissingField:
            return None

    return read
