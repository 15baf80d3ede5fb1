"""docker-compose.yml and the Dockerfile, checked statically (no container engine runs here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from indexer.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Environment variables with our prefix that are read by the service but are not Settings fields.
NOT_SETTINGS = {"SITESEARCH_SETTINGS_FILE"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_compose_has_elasticsearch_and_api(compose: dict[str, Any]) -> None:
    assert {"elasticsearch", "api"} <= set(compose["services"])


def test_elasticsearch_is_a_pinned_single_node_with_limits(compose: dict[str, Any]) -> None:
    es = compose["services"]["elasticsearch"]
    image = es["image"]
    assert image.startswith("docker.elastic.co/elasticsearch/elasticsearch:")
    version = image.rsplit(":", 1)[1]
    assert version.split(".")[0] in {"8", "9"} and version.count(".") == 2, version
    env = _environment(es)
    assert env["discovery.type"] == "single-node"
    assert "-Xmx" in env["ES_JAVA_OPTS"]
    assert es["mem_limit"]
    assert any("esdata" in volume for volume in es["volumes"])
    assert "esdata" in compose["volumes"]


def test_healthchecks_probe_the_cluster_and_the_api(compose: dict[str, Any]) -> None:
    es_check = " ".join(compose["services"]["elasticsearch"]["healthcheck"]["test"])
    assert "_cluster/health" in es_check and "curl" in es_check
    api_check = " ".join(compose["services"]["api"]["healthcheck"]["test"])
    assert "/api/health" in api_check


def test_api_waits_for_a_healthy_cluster(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    assert api["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert api["build"]["dockerfile"] == "Dockerfile"


def test_api_environment_names_real_settings(compose: dict[str, Any]) -> None:
    env = _environment(compose["services"]["api"])
    assert env["SITESEARCH_BACKEND"] == "elasticsearch"
    assert env["SITESEARCH_ES_URL"] == "http://elasticsearch:9200"
    known = {"SITESEARCH_" + name.upper() for name in Settings.model_fields}
    unknown = {key for key in env if key.startswith("SITESEARCH_")} - known - NOT_SETTINGS
    assert not unknown, f"not settings: {sorted(unknown)}"


def test_security_off_is_explained_in_comments() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "xpack.security.enabled=false" in text
    assert "SITESEARCH_ES_API_KEY" in text and "production" in text.lower()


def test_dockerfile_installs_the_package_and_serves_on_all_interfaces() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "pip install ." in text
    assert '"sitesearch", "serve", "--host", "0.0.0.0"' in text
    env_names = {
        word.split("=", 1)[0]
        for word in text.replace("\\", " ").split()
        if word.startswith("SITESEARCH_") and "=" in word
    }
    known = {"SITESEARCH_" + name.upper() for name in Settings.model_fields}
    assert env_names and env_names <= known | NOT_SETTINGS, env_names
