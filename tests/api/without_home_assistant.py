"""A pytest plugin under which Home Assistant and the integration cannot be imported.

`scripts/test` runs the client's tests once more with it, without Home Assistant's pytest
plugin and without the integration's conftest:

    python -m pytest tests/api --confcutdir=tests/api -p no:homeassistant \
        -p tests.api.without_home_assistant

An import of `homeassistant` or `custom_components` by the client, the fake Simkl or a test
then fails the run, which proves the client is usable, and tested, as a library of its own.
"""

from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
import sys
from types import ModuleType

import pytest

_REFUSED = ("homeassistant", "custom_components")


def _refused(name: str) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in _REFUSED)


class _RefuseHomeAssistant(MetaPathFinder):
    """Fails every import of a refused package."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if _refused(fullname):
            msg = f"{fullname} imported where the API client must run without Home Assistant"
            raise ImportError(msg)
        return None


# Anything imported before this plugin (pytest's other plugins, the client itself through
# tests/api/__init__.py) is checked here; anything imported later is refused.
if leaked := sorted(name for name in sys.modules if _refused(name)):
    raise pytest.UsageError(f"imported before the API client's tests started: {leaked}")
sys.meta_path.insert(0, _RefuseHomeAssistant())
