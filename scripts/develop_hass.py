"""Home Assistant for `scripts/develop`, with the integration pointed at the demo server.

The integration talks to Simkl's own hosts (`SIMKL_HOSTS` in
`custom_components/simkl/helpers.py`); with `--simkl-url URL` this launcher replaces them
before Home Assistant starts, as the tests do, so the API, the calendar files and the images
come from the project's fake Simkl server. Every other argument goes to Home Assistant.
"""

from pathlib import Path
import sys

from homeassistant.__main__ import main as hass_main


def _take_option(args: list[str], name: str) -> str | None:
    """Remove `name VALUE` from `args`; return VALUE, or None when `name` is absent."""
    if name not in args:
        return None
    at = args.index(name)
    value = args[at + 1]
    del args[at : at + 2]
    return value


def main() -> int:
    """Start Home Assistant, with the Simkl hosts replaced when `--simkl-url` is given."""
    args = sys.argv[1:]
    simkl_url = _take_option(args, "--simkl-url")
    if simkl_url is not None:
        # Home Assistant imports custom integrations from its configuration directory.
        config_dir = Path(args[args.index("--config") + 1]).resolve()
        sys.path.insert(0, str(config_dir))
        from custom_components.simkl import helpers  # noqa: PLC0415

        helpers.SIMKL_HOSTS = helpers.SimklHosts(
            api_url=simkl_url, data_url=simkl_url, image_url=simkl_url
        )
    sys.argv = ["hass", *args]
    return hass_main()


if __name__ == "__main__":
    sys.exit(main())
