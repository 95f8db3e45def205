"""Long answers read one element at a time: the same values as a whole decode, or an error."""

from typing import Any

import orjson
import pytest

from simkl_api import JsonStream, MalformedJsonError


def _decode(stream: JsonStream) -> Any:
    """Decode a document as the answers' readers do: its arrays, and the arrays of its
    object, element by element."""
    match stream.peek():
        case "[":
            value: Any = list(stream.array())
        case "{":
            value = {}
            for key in stream.members():
                value[key] = list(stream.array()) if stream.peek() == "[" else stream.value()
        case _:
            value = stream.value()
    stream.end()
    return value


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        " [ ] ",
        '[1, "two", null, true, {"a": [1, {"b": 2}]}, [3], 4.5, -6e2]',
        '\n[\t{"title": "Caf\\u00e9 \\ud83c\\udf7f", "ids": {"simkl": 1}}\r\n,\n{}\n]\n',
        "{}",
        ' { "shows" : [ {"x": 1} , {"x": 2} ] , "anime": null, "movies": {"a": []} } ',
        '{"a": 1, "a": 2}',
        '"text"',
        "null",
        "12",
    ],
)
def test_element_wise_reading_gives_what_a_whole_decode_gives(text: str) -> None:
    """Arrays, and arrays in an object, read element by element equal orjson's decode."""
    assert _decode(JsonStream(text)) == orjson.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "[",
        "[1",
        "[1,",
        "[1,]",
        "[1 2]",
        "[,1]",
        '[{"a": 1]',
        "[NaN]",
        "[Infinity]",
        "[-Infinity]",
        "[1] [2]",
        "[1] x",
        "{",
        '{"a"',
        '{"a" 1}',
        '{"a": 1',
        '{"a": 1,}',
        '{"a": 1 "b": 2}',
        "{1: 2}",
        '{"a": [1}',
        '{"a": 1} x',
        '"unterminated',
        "<html><body>Attention Required!</body></html>",
    ],
)
def test_anything_but_json_is_malformed(text: str) -> None:
    """What orjson refuses is refused, not read as far as it goes."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)
    with pytest.raises(MalformedJsonError):
        _decode(JsonStream(text))


def test_a_body_that_is_not_utf8_is_malformed() -> None:
    """The body is decoded as UTF-8 first, as orjson requires."""
    assert _decode(JsonStream.of_bytes('["é"]'.encode())) == ["é"]
    with pytest.raises(MalformedJsonError, match="UTF-8"):
        JsonStream.of_bytes(b'["\xff"]')


def test_malformed_json_is_no_value_error() -> None:
    """Readers skip entries that raise ValueError; a broken document must not be skipped."""
    assert not issubclass(MalformedJsonError, ValueError)


def test_an_array_is_read_one_element_at_a_time() -> None:
    """An element that is broken fails only when it is reached: the ones before are read."""
    stream = JsonStream('[{"a": 1}, {"b": 2}, {"c": ]')
    elements = stream.array()
    assert next(elements) == {"a": 1}
    assert next(elements) == {"b": 2}
    with pytest.raises(MalformedJsonError):
        next(elements)
