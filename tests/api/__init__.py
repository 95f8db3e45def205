"""Tests of the Simkl API client as a library of its own.

They import the client as the top-level package `simkl_api`, the name it would be published
under, straight from `custom_components/simkl/api/`: importing it through
`custom_components.simkl` would run the integration's `__init__`, and with it Home Assistant.
Registering the package here, before any test module or conftest of this folder is imported,
lets every one of them write `from simkl_api import ...`.
"""

import importlib.util
from pathlib import Path
import sys

PACKAGE = "simkl_api"
SOURCE = Path(__file__).parents[2] / "custom_components" / "simkl" / "api"

if PACKAGE not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        PACKAGE, SOURCE / "__init__.py", submodule_search_locations=[str(SOURCE)]
    )
    assert _spec is not None
    assert _spec.loader is not None
    _package = importlib.util.module_from_spec(_spec)
    sys.modules[PACKAGE] = _package
    _spec.loader.exec_module(_package)
