"""The sorted lists the to-do lists and sensors keep, and the lists that mirror them.

A mirror (the up-next to-do list's items, made from the shared up-next list) must always
show what the source holds, in its order, while making again only the titles that changed.
"""

import random

import pytest

from custom_components.simkl.ordered_titles import OrderedTitles

TITLES = range(1, 41)


def _made(value: str) -> str:
    return value.upper()


def _title_of(value: str) -> int:
    return int(value.rpartition(" ")[2])


@pytest.mark.parametrize(("seed", "mirror_every"), [(1, 1), (2, 7), (3, 40)])
def test_a_mirror_shows_the_source_and_makes_only_what_changed(
    seed: int, mirror_every: int
) -> None:
    """Random puts, removals and clears: after each look, the mirror lists the source's
    values made again, in the same order, having made again only what changed."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sequence, not a secret
    source: OrderedTitles[str] = OrderedTitles()
    mirror: OrderedTitles[str] = OrderedTitles()
    revision: int | None = None
    made: set[int] = set()
    changed: set[int] = set()

    def make(value: str) -> str:
        made.add(_title_of(value))
        return _made(value)

    for step in range(1, 400):
        action = rng.random()
        simkl_id = rng.choice(TITLES)
        if action < 0.01:
            source.clear()
        elif action < 0.3:
            source.discard(simkl_id)
            changed.add(simkl_id)
        else:
            key = (float(rng.randrange(5)), f"title {simkl_id}")
            source.put(simkl_id, key, f"value {rng.randrange(3)} of {simkl_id}")
            changed.add(simkl_id)
        if step % mirror_every == 0:
            revision = mirror.mirror(source, revision, make)
            assert revision == source.revision
            assert mirror.values() == [_made(value) for value in source.values()]
            # Or, now and then, a pass over every title (the source remembers a bounded
            # number of changes).
            assert made <= changed or made == {_title_of(value) for value in source.values()}
            made.clear()
            changed.clear()


def test_a_mirror_far_behind_passes_over_every_title() -> None:
    """Changes far outnumbering the titles are not all remembered: a mirror that looks
    after them makes every title again, and still shows the source."""
    source: OrderedTitles[str] = OrderedTitles()
    source.put(1, (0.0, "a"), "a of 1")
    mirror: OrderedTitles[str] = OrderedTitles()
    revision = mirror.mirror(source, None, _made)
    for count in range(200):
        source.put(2, (float(count), "b"), f"b{count} of 2")
    made: list[int] = []

    def make(value: str) -> str:
        made.append(_title_of(value))
        return _made(value)

    mirror.mirror(source, revision, make)
    assert sorted(made) == [1, 2]
    assert mirror.values() == ["A OF 1", "B199 OF 2"]


def test_nothing_changed_keeps_the_same_list() -> None:
    """A mirror whose source did not change returns the same list object and makes nothing."""
    source: OrderedTitles[str] = OrderedTitles()
    source.put(1, (0.0, "a"), "a")
    mirror: OrderedTitles[str] = OrderedTitles()
    revision = mirror.mirror(source, None, _made)
    listed = mirror.values()
    source.put(1, (0.0, "a"), "a")  # the same value again is no change
    assert mirror.mirror(source, revision, pytest.fail) == revision
    assert mirror.values() is listed


@pytest.mark.parametrize(("seed", "look_every"), [(4, 1), (5, 3), (6, 25)])
def test_the_listed_values_follow_every_change(seed: int, look_every: int) -> None:
    """Random puts, moves, removals, clears and first passes, the list looked at now and then:
    it always lists the values by their keys; a list handed out earlier never changes
    afterwards; and a new list is handed out when something changed, the same one when
    nothing did."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sequence, not a secret
    titles: OrderedTitles[str] = OrderedTitles()
    expected: dict[int, tuple[tuple[float, str], str]] = {}
    handed_out: list[tuple[list[str], list[str]]] = []
    last: list[str] | None = None
    changed = True
    for step in range(1, 300):
        action = rng.random()
        simkl_id = rng.choice(TITLES)
        if action < 0.01:
            titles.clear()
            changed |= bool(expected)
            expected.clear()
        elif action < 0.03:
            # A first pass: every title at once.
            expected = {
                title: ((float(rng.randrange(5)), f"title {title}"), f"filled {title}")
                for title in rng.sample(TITLES, 10)
            }
            titles.fill((title, key, value) for title, (key, value) in expected.items())
            changed = True
        elif action < 0.3:
            titles.discard(simkl_id)
            changed |= expected.pop(simkl_id, None) is not None
        else:
            key = (float(rng.randrange(5)), f"title {simkl_id}")
            value = f"value {rng.randrange(3)} of {simkl_id}"
            titles.put(simkl_id, key, value)
            changed |= expected.get(simkl_id) != (key, value)
            expected[simkl_id] = (key, value)
        if step % look_every == 0:
            listed = titles.values()
            assert listed == [value for _, value in sorted(expected.values())]
            if changed:
                assert listed is not last
            elif expected:  # (a clear of an empty list may hand out a new empty one)
                assert listed is last
            handed_out.append((listed, list(listed)))
            last, changed = listed, False
    assert all(listed == copy for listed, copy in handed_out)
