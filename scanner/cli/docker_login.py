"""The push checklist's token step: does docker on this machine hold a live login to the registry?

`aws ecr get-login-password | docker login` stores a token that lasts 12 hours; an expired one
is the everyday "no basic auth credentials" or "authorization token has expired" at push time.
The token is base64 of `AWS:<password>`, and the password is base64 JSON carrying its
`expiration` (seconds since the epoch). The docker config is read as a regular file only (never a
FIFO or device), at most 1 MB, and nothing in it is trusted beyond what is checked.
"""

import base64
import binascii
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.evaluate.doctor import Step

NAME = "login token (12 hours)"
MAX_BYTES = 1_000_000
LOGIN = (
    "aws ecr get-login-password --region {region} "
    "| docker login --username AWS --password-stdin {host}"
)


def docker_config_dir(option: str | None) -> Path:
    return Path(option or os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def token_step(directory: Path, host: str, region: str, now: datetime) -> Step:
    login = LOGIN.format(region=region, host=host)
    config = _read(directory / "config.json")
    if config is None:
        return Step(
            NAME, "SKIP", f"no docker config in {directory}: a token from `{login}` lasts 12 hours"
        )
    helper = (
        (config.get("credHelpers") or {}).get(host)
        if isinstance(config.get("credHelpers"), dict)
        else None
    )
    if helper == "ecr-login":
        return Step(
            NAME, "PASS", "the amazon-ecr-credential-helper fetches a fresh token for every push"
        )
    entry = _entry(config.get("auths"), host)
    if helper or (entry is not None and not entry.get("auth") and config.get("credsStore")):
        store = helper or config.get("credsStore")
        return Step(
            NAME, "SKIP", f"credential store {store!r} holds it, out of sight: tokens last 12 hours"
        )
    if entry is None or not entry.get("auth"):
        return Step(NAME, "FAIL", f"docker here is not logged in to {host}: {login}")
    return _judge(entry["auth"], login, now)


def _read(path: Path) -> dict[str, Any] | None:
    """The JSON object at path if it is a regular file of sane size, else None. Opened without
    blocking and checked on the open descriptor, so a FIFO swapped in is never waited on."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        data = json.loads(os.read(descriptor, MAX_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    return data if isinstance(data, dict) else None


def _entry(auths: Any, host: str) -> dict[str, Any] | None:
    if not isinstance(auths, dict):
        return None
    for key in (host, f"https://{host}"):
        if isinstance(auths.get(key), dict):
            return auths[key]
    return None


def _judge(auth: Any, login: str, now: datetime) -> Step:
    expiration = _expiration(auth)
    if expiration is None:
        return Step(NAME, "SKIP", "docker holds credentials that are not an ECR token")
    until = datetime.fromtimestamp(expiration, UTC)
    if until <= now:
        return Step(
            NAME, "FAIL", f"the token docker holds expired at {until:%Y-%m-%d %H:%M} UTC: {login}"
        )
    hours = (until - now).total_seconds() / 3600
    return Step(NAME, "PASS", f"valid until {until:%Y-%m-%d %H:%M} UTC ({hours:.1f} hours left)")


def _expiration(auth: Any) -> float | None:
    try:
        user, _, password = base64.b64decode(str(auth), validate=True).decode().partition(":")
        token = json.loads(base64.b64decode(password + "=" * (-len(password) % 4)))
        expiration = token["expiration"]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        return None
    if user != "AWS" or isinstance(expiration, bool) or not isinstance(expiration, int | float):
        return None
    return float(expiration)
