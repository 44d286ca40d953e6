"""Run one measurement in a fresh Python process and read back its figures and peak RSS.

A fresh process per size, so one size's peak memory does not hide in the next one's.
"""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Fake credentials and no user configuration: nothing can reach (or bill) a real account.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def in_child(module: str, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """`python -m module args...` must print one JSON object last; add its peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"} | FAKE_AWS
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{completed.stderr[-2000:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = round(peak_rss_mb(figures.pop("ru_maxrss_kb")), 1)
    return figures


def own_peak_rss_kb() -> int:
    """This process's peak resident set (Linux reports ru_maxrss in kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_mb(kilobytes: int) -> float:
    return kilobytes / 1024
