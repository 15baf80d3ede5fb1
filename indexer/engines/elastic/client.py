"""The boundary to an Elasticsearch cluster: the configured client, and `calling`, which turns
transport failures (refused, timed out, TLS, 5xx, not Elasticsearch at all) into
`EngineUnavailable` naming the URL, so that callers never see a raw transport traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import elastic_transport
from elasticsearch import ApiError, Elasticsearch, UnsupportedProductError

from indexer.errors import EngineUnavailable, NotFound
from indexer.settings import Settings


def public_url(url: str) -> str:
    """The cluster URL without user:password, fit for an error message or a log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def build_client(settings: Settings) -> Elasticsearch:
    """An Elasticsearch client configured from settings (URL, credentials, TLS, timeout)."""
    options: dict[str, Any] = {
        "request_timeout": settings.es_timeout,
        "verify_certs": settings.es_verify_certs,
        # A refused connection is retried once; a timeout is not (the caller's wait is bounded).
        "max_retries": 1,
        "retry_on_timeout": False,
    }
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key
    elif settings.es_username:
        options["basic_auth"] = (settings.es_username, settings.es_password or "")
    return Elasticsearch(settings.es_url, **options)


@contextmanager
def calling(url: str, timeout: float, what: str) -> Iterator[None]:
    """Turn transport failures of a call (`what`) into EngineUnavailable naming `url`."""
    try:
        yield
    except elastic_transport.ConnectionTimeout:
        raise EngineUnavailable(
            f"Elasticsearch at {url} did not answer within {timeout:g} s ({what})"
        ) from None
    except elastic_transport.TransportError as exc:  # refused, DNS, TLS, ...
        raise EngineUnavailable(
            f"Elasticsearch at {url} cannot be reached ({what}): {exc.message}"
        ) from None
    except UnsupportedProductError:
        raise EngineUnavailable(f"the server at {url} is not Elasticsearch ({what})") from None
    except ApiError as exc:
        if exc.status_code in (401, 403):
            raise EngineUnavailable(
                f"Elasticsearch at {url} refused our credentials ({what}): "
                f"{exc.status_code} {exc.error}"
            ) from None
        if exc.status_code == 404 and exc.error == "index_not_found_exception":
            # The alias or version went away between two calls (a concurrent drop).
            raise NotFound(f"index not found at {url} ({what})") from None
        if exc.status_code >= 500 or exc.status_code in (406, 429):
            raise EngineUnavailable(
                f"Elasticsearch at {url} failed ({what}): {exc.status_code} {exc.error}"
            ) from None
        raise
