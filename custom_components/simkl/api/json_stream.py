"""Reading a long JSON answer one element at a time.

orjson decodes a document in one go: it reserves a working buffer of about fifteen times the
body's size, then builds every object of the document, all of which live until the last one
is read into a model. For the library sections and calendar files of a large account (several
megabytes each) that is tens of MiB for a moment. `JsonStream` reads the arrays of such an
answer an element at a time instead, with the standard library's scanner, so that each element
becomes its model and is dropped before the next one is decoded: what stays alive is the text
and the models.

It refuses, with `MalformedJsonError`, what orjson refuses (text that is not UTF-8 or not JSON,
`NaN` and `Infinity`, anything but whitespace after the value), but for two values no JSON
encoder writes: a number too large for a float, read as infinity, and an escaped lone surrogate
(`"\\ud800"`), read as that character. The error is not a ValueError, so that readers that skip
the entries they cannot use never skip a broken document.
"""

from collections.abc import Callable, Iterator
import json
import re
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")


class MalformedJsonError(Exception):
    """The text is not JSON (or ended early)."""


def _not_json(constant: str) -> Any:
    msg = f"{constant} is not JSON"
    raise MalformedJsonError(msg)


_DECODER = json.JSONDecoder(parse_constant=_not_json)
# The decoder's scanner (in C), which its constructor sets up, untold by the type stubs:
# `scan(text, at)` returns the value that starts at `at` and where it ends.
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


class JsonArray(Iterator[Any]):
    """The elements of an array of a `JsonStream`, each decoded when it is reached."""

    def __init__(self, stream: JsonStream) -> None:
        """Start at the array's `[`."""
        self._stream = stream
        stream.expect("[")
        self._done = stream.peek() == "]"
        if self._done:
            stream.expect("]")
        self._first = True

    def __next__(self) -> Any:
        """Decode the next element."""
        if self._done:
            raise StopIteration
        if not self._first:
            stream = self._stream
            if stream.peek() == "]":
                stream.expect("]")
                self._done = True
                raise StopIteration
            stream.expect(",")
        self._first = False
        return self._stream.value()


class JsonStream:
    """A JSON text, read from the start one value at a time."""

    def __init__(self, text: str) -> None:
        """Read `text` from its start."""
        self._text = text
        self._at = 0

    @classmethod
    def of_bytes(cls, body: bytes) -> JsonStream:
        """Read a UTF-8 body; raises MalformedJsonError when it is not UTF-8."""
        try:
            return cls(body.decode())
        except UnicodeDecodeError as err:
            msg = "the body is not UTF-8"
            raise MalformedJsonError(msg) from err

    def peek(self) -> str:
        """Return the next character that is not whitespace; "" at the end."""
        self._at = _SPACE.match(self._text, self._at).end()  # type: ignore[union-attr]
        return self._text[self._at : self._at + 1]

    def expect(self, char: str) -> None:
        """Step over the next character, which must be `char`."""
        if self.peek() != char:
            msg = f"expected {char!r} at {self._at}"
            raise MalformedJsonError(msg)
        self._at += 1

    def value(self) -> Any:
        """Decode the next value whole."""
        at = self._at = _SPACE.match(self._text, self._at).end()  # type: ignore[union-attr]
        try:
            value, self._at = _SCAN(self._text, at)
        except StopIteration:
            msg = f"expected a value at {at}"
            raise MalformedJsonError(msg) from None
        except ValueError as err:
            raise MalformedJsonError(str(err)) from None
        return value

    def array(self) -> JsonArray:
        """Return the elements of the array that comes next, to be read before anything else."""
        return JsonArray(self)

    def members(self) -> Iterator[str]:
        """Yield the keys of the object that comes next.

        The caller reads each key's value (`value()`, or all of `array()`) before asking for
        the next key.
        """
        self.expect("{")
        if self.peek() == "}":
            self.expect("}")
            return
        while True:
            if self.peek() != '"':
                msg = f"expected a key at {self._at}"
                raise MalformedJsonError(msg)
            key: str = self.value()
            self.expect(":")
            yield key
            if self.peek() == "}":
                self.expect("}")
                return
            self.expect(",")

    def end(self) -> None:
        """Check that nothing but whitespace follows what was read."""
        if self.peek():
            msg = f"extra data at {self._at}"
            raise MalformedJsonError(msg)
