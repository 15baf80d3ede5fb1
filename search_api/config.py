"""What the HTTP layer takes from `Settings`, built and checked once: `ApiConfig`.

The app, the parameter validation and the gunicorn worker read these typed values rather than
the whole settings object; a malformed value (a rate limit that does not parse) stops start-up
here with a message naming the setting, not at the first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from limits import parse_many

from indexer.settings import ENV_PREFIX, Settings, SettingsError

# Where `create_app` keeps the app's ApiConfig (app.extensions).
API_CONFIG = "sitesearch_api"
# Storage URI scheme of the rate-limit folder shared by one machine's workers
# (search_api/ratelimits.py registers it with `limits`).
SHARED_FOLDER_SCHEME = "sitesearch-folder"


@dataclass(frozen=True)
class ParamLimits:
    """The bounds of the query parameters (search_api/params.py checks requests against them)."""

    max_query_chars: int = 500
    max_page_size: int = 50
    max_result_window: int = 1000
    max_filters: int = 20  # label/entity values per request
    max_filter_chars: int = 200
    max_suggest: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> ParamLimits:
        return cls(
            max_query_chars=settings.max_query_chars,
            max_page_size=settings.max_page_size,
            max_result_window=settings.max_result_window,
        )


@dataclass(frozen=True)
class ApiConfig:
    """The API's limits, rate limiting and proxy trust."""

    params: ParamLimits
    max_body_bytes: int
    max_json_depth: int
    cache_max_age: int
    cors_origins: tuple[str, ...]
    rate_limit: str | None  # None: no rate limits
    rate_limit_storage: str
    trusted_proxies: int
    request_read_timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiConfig:
        """The API's config; raises SettingsError naming a rate limit that does not parse."""
        rate_limit = settings.rate_limit if settings.rate_limit_enabled else None
        if rate_limit is not None:
            try:
                if not parse_many(rate_limit):
                    raise ValueError("no limit given")
            except ValueError as exc:
                raise SettingsError(
                    f"setting rate_limit ({ENV_PREFIX}RATE_LIMIT) = {rate_limit!r}: {exc} "
                    "(expected e.g. '120/minute;20/second')"
                ) from None
        return cls(
            params=ParamLimits.from_settings(settings),
            max_body_bytes=settings.max_body_bytes,
            max_json_depth=settings.max_json_depth,
            cache_max_age=settings.cache_max_age,
            cors_origins=tuple(settings.cors_origins),
            rate_limit=rate_limit,
            rate_limit_storage=settings.rate_limit_storage
            or shared_folder_uri(settings.data_dir / "ratelimits"),
            trusted_proxies=settings.trusted_proxies,
            request_read_timeout=settings.request_read_timeout,
        )


def shared_folder_uri(folder: Path) -> str:
    """The `limits` storage URI of a rate-limit folder shared by this machine's workers."""
    return f"{SHARED_FOLDER_SCHEME}://{folder}"


def current_config() -> ApiConfig:
    """The ApiConfig of the Flask app handling the current request."""
    config = current_app.extensions[API_CONFIG]
    assert isinstance(config, ApiConfig)
    return config
