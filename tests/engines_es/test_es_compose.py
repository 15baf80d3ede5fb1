"""docker-compose.yml and the Dockerfile, checked statically (no container engine runs here):
by Compose itself (`docker-compose config`, which validates the file against its schema
without an engine) and by what the service needs of them."""

from __future__ import annotations

import shutil
import subprocess
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


COMPOSE = shutil.which("docker-compose")


@pytest.mark.skipif(COMPOSE is None, reason="needs docker-compose (make compose installs it)")
def test_compose_accepts_the_file() -> None:
    """Compose validates every service key, type and value (a misspelt key or a wrong
    depends_on condition fails here), and resolves the build context and volumes."""
    assert COMPOSE is not None
    checked = subprocess.run([COMPOSE, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == ""


@pytest.mark.skipif(COMPOSE is None, reason="needs docker-compose (make compose installs it)")
def test_compose_refuses_a_misspelt_key(tmp_path: Path) -> None:
    """The check above can fail: the same file with one key misspelt is refused."""
    assert COMPOSE is not None
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace("    healthcheck:", "    healthchek:", 1), encoding="utf-8")
    checked = subprocess.run([COMPOSE, "-f", str(broken), "config", "-q"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert checked.returncode != 0
    assert "healthchek" in checked.stderr


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
