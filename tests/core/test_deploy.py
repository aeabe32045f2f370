"""The deployment files in ``deploy/``: what they promise, checked as files, and
the image built when a container engine runs on this machine."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
ALLMENDE_SERVICES = ("migrate", "web-a", "web-b", "worker", "scheduler")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_compose_runs_the_services_of_a_multi_node_installation() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "s3", *ALLMENDE_SERVICES} <= set(services)
    for name in ALLMENDE_SERVICES:
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Containerfile", name
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"].startswith("redis://"), name
        assert env["ALLMENDE_S3_BUCKET"], name
    # Each node has a data folder of its own: they share nothing but the
    # database, Redis and the object store.
    volumes = [services[n]["volumes"][0].split(":")[0] for n in ALLMENDE_SERVICES[1:]]
    assert len(set(volumes)) == len(volumes)
    assert "gunicorn" in (DEPLOY / "Containerfile").read_text()
    assert services["worker"]["command"][:2] == ["allmende", "worker"]
    assert "--beat" in services["scheduler"]["command"]
    assert "--beat" not in services["worker"]["command"]


def test_every_variable_of_the_compose_file_is_explained_in_the_guide() -> None:
    guide = (REPO / "docs" / "operations.md").read_text()
    names = set(compose()["x-allmende"]["environment"])
    names |= set(re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text()))
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert not missing


def test_image_has_a_builder_stage_and_runs_as_an_unprivileged_user() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", text, flags=re.MULTILINE)
    assert stages == ["builder", "runtime"]
    runtime = text.split("AS runtime", 1)[1]
    user = re.findall(r"^USER (\S+)", runtime, flags=re.MULTILINE)
    assert user and not user[-1].startswith(("root", "0"))
    assert "COPY --from=builder /opt/allmende /opt/allmende" in runtime


def _engine_runs() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    info = subprocess.run(
        [docker, "info"], capture_output=True, timeout=30, check=False
    )
    return info.returncode == 0


@pytest.mark.skipif(not _engine_runs(), reason="no container engine runs here")
def test_image_builds_and_its_command_runs_as_non_root() -> None:
    tag = "allmende-test:latest"
    subprocess.run(
        ["docker", "build", "-f", str(DEPLOY / "Containerfile"), "-t", tag, "."],
        cwd=REPO,
        check=True,
        timeout=1800,
    )
    user = subprocess.run(
        ["docker", "run", "--rm", tag, "id", "-u"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert user.stdout.strip() == "10001"
    done = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-e",
            "ALLMENDE_SECRET_KEY=x",
            tag,
            "allmende",
            "check",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
