# The search API (and the `sitesearch` command) for docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The settings file and the NLP data in config/ are read from the source tree, not from
    # site-packages: point the service at them explicitly.
    SITESEARCH_SETTINGS_FILE=/app/config/settings.toml \
    SITESEARCH_CONFIG_DIR=/app/config \
    SITESEARCH_DATA_DIR=/data \
    SITESEARCH_HOST=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY indexer ./indexer
COPY search_api ./search_api
COPY scrapers ./scrapers
COPY config ./config
COPY tests/data/seeds ./tests/data/seeds
RUN pip install . \
    && useradd --create-home --uid 10001 sitesearch \
    && mkdir -p /data && chown sitesearch /data
USER sitesearch

EXPOSE 8000
CMD ["sitesearch", "serve", "--host", "0.0.0.0", "--port", "8000"]
