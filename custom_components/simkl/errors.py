"""Client errors turned into the Home Assistant errors users see, in one place.

Coordinators raise what the update machinery acts on (`translate_errors`): a refused token
starts re-linking, a 412 or 429 waits as long as Simkl needs. Actions and to-do writes raise a
translated `HomeAssistantError` (`simkl_read_errors`, `request_failed`); the write queue names
the write in its own messages.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import (
    SimklAuthenticationError,
    SimklError,
    SimklInvalidClientError,
    SimklRateLimitError,
)
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import SimklConfigEntry

# Simkl answers 412 both for a wrong client id and for an app over its total request limit.
# Neither clears in minutes, and polling on would keep the limit exceeded.
REQUEST_REFUSED_RETRY_AFTER = timedelta(hours=1)


@contextmanager
def translate_errors(failed_key: str = "update_failed") -> Iterator[None]:
    """Turn API errors of an update into the exceptions Home Assistant acts on.

    `failed_key` names the message of any other failure; it gets the error as `{error}`.
    """
    try:
        yield
    except SimklAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="auth_failed"
        ) from err
    except SimklInvalidClientError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="request_refused",
            retry_after=REQUEST_REFUSED_RETRY_AFTER.total_seconds(),
        ) from err
    except SimklRateLimitError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN, translation_key="rate_limited", retry_after=err.retry_after
        ) from err
    except SimklError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=failed_key,
            translation_placeholders={"error": str(err)},
        ) from err


def request_failed(err: SimklError, key: str = "request_failed") -> HomeAssistantError:
    """Return the error an action raises for a failed request; the message gets `{error}`."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


@contextmanager
def simkl_read_errors(hass: HomeAssistant, entry: SimklConfigEntry) -> Iterator[None]:
    """Turn errors of a read into action errors; a refused token starts re-linking."""
    try:
        yield
    except SimklAuthenticationError as err:
        entry.async_start_reauth(hass)
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="auth_failed") from err
    except SimklError as err:
        raise request_failed(err) from err
