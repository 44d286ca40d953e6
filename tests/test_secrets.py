"""No credential, session token or signed URL reaches a snapshot, a results file or a log."""

import os
from unittest import mock

import boto3
from moto import mock_aws

from scanner.cli import main
from scanner.demo.estate import REGIONS, seed

ACCESS_KEY = "AKIAECRSCANMARKER001"
SECRET_KEY = "ecrscanSecretMarker/DoNotLeak+0123456789abcd"
SESSION_TOKEN = "ecrscanSessionTokenMarker0123456789"
MARKERS = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, "X-Amz-Signature", "X-Amz-Credential")


def test_no_secret_in_any_output(tmp_path, capsys):
    env = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    with mock.patch.dict(os.environ, env), mock_aws():
        seed(boto3.Session(region_name="eu-west-1"))
        regions = [arg for region in REGIONS for arg in ("--region", region)]
        main(
            [
                "scan",
                *regions,
                "--save-snapshot",
                str(tmp_path / "snapshot.json"),
                "--format",
                "json",
                "--output",
                str(tmp_path / "results.json"),
            ]
        )
        main(["collect", *regions])
    formats = ("table", "csv", "json", "html", "sarif", "junit", "markdown", "framework", "cost")
    for fmt in formats:
        main(["report", str(tmp_path / "results.json"), "--format", f"{fmt}={tmp_path / fmt}.out"])
    captured = capsys.readouterr()
    texts = {path.name: path.read_text() for path in tmp_path.glob("*.json")}
    texts |= {path.name: path.read_text() for path in tmp_path.glob("*.out")}
    assert len(texts) == 2 + len(formats), sorted(texts)
    texts |= {"stdout": captured.out, "stderr": captured.err}
    assert "snapshot.json" in texts and "results.json" in texts
    for name, text in texts.items():
        for marker in MARKERS:
            assert marker not in text, f"{marker!r} leaked into {name}"
