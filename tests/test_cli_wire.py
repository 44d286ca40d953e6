"""The installed `ecrscan` command against a moto server on loopback: the wire path.

Everything else runs moto in-process; this proves --endpoint-url, the console script and the
exit codes work over real HTTP, in a separate process, as a user would run them.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

ECRSCAN = Path(sys.executable).parent / "ecrscan"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(module_aws_env):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    ecr = boto3.client("ecr", region_name="eu-west-1", endpoint_url=url)
    ecr.create_repository(repositoryName="team/mutable")
    ecr.create_repository(repositoryName="team/locked", imageTagMutability="IMMUTABLE")
    yield url
    server.stop()


def _ecrscan(*args, cwd):
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1"}
    return subprocess.run(
        [str(ECRSCAN), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_collect_then_evaluate_over_http(endpoint, tmp_path):
    snapshot = tmp_path / "snapshot.json"
    collected = _ecrscan(
        "collect",
        "--region",
        "eu-west-1",
        "--endpoint-url",
        endpoint,
        "--output",
        str(snapshot),
        cwd=tmp_path,
    )
    assert collected.returncode == 0, collected.stderr
    names = [
        r["repository"]["repositoryName"]
        for r in json.loads(snapshot.read_text())["inventory"][0]["repositories"]
    ]
    assert sorted(names) == ["team/locked", "team/mutable"]

    evaluated = _ecrscan(
        "evaluate",
        str(snapshot),
        "--controls",
        "ecr-tag-immutability",
        "--format",
        "csv",
        cwd=tmp_path,
    )
    assert evaluated.returncode == 1, evaluated.stderr  # team/mutable fails
    rows = {line.split(",")[3]: line.split(",")[6] for line in evaluated.stdout.splitlines()[1:]}
    assert rows == {"team/locked": "PASS", "team/mutable": "FAIL"}


def test_unreachable_endpoint_is_recorded_not_crashed(module_aws_env, tmp_path):
    """Nothing listens on the port: GetCallerIdentity cannot identify the account."""
    dead = f"http://127.0.0.1:{_free_port()}"
    budget = ("--max-attempts", "2", "--connect-timeout", "1")  # not the default's ~20 s
    result = _ecrscan(
        "scan", "--region", "eu-west-1", "--endpoint-url", dead, *budget, cwd=tmp_path
    )
    assert result.returncode == 3
    assert result.stderr.startswith("ecrscan: error: ")
    assert "Traceback" not in result.stderr
