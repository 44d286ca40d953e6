"""Results documents built directly (no Rego): for the renderers' tests, at any size.

`estate(n)` makes results shaped as a real scan's: the bundled catalogue's repository controls
over n repositories spread across accounts and regions, with the reasons the policies give.
"""

import random

from scanner.evaluate.catalog import load_policies
from scanner.evaluate.results import RESULTS_FORMAT, Result, Results
from scanner.resources import policy_dir

REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
_TEAMS = ("payments", "search", "platform", "data", "web", "ml", "legacy", "edge")
_SERVICES = ("api", "worker", "gateway", "batch", "ui", "cron", "auth", "ingest")
_REASONS = {
    "PASS": "setting is compliant",
    "FAIL": "imageTagMutability is MUTABLE: tags can be overwritten",
    "ERROR": "GetLifecyclePolicy failed: AccessDeniedException",
    "N/A": "the repository holds no image",
}


def controls() -> list[dict]:
    return [c.summary() for c in load_policies(policy_dir()).controls]


def metadata(control_summaries: list[dict], **extra) -> dict:
    return {
        "format": RESULTS_FORMAT,
        "tool": {"name": "ecrscan", "version": "0.1.0"},
        "engine": "regopy",
        "evaluated_at": "2026-11-28T09:05:00Z",
        "snapshot": {"collected_at": "2026-11-28T09:00:00Z", "account_id": "100000000000"},
        "snapshot_errors": [],
        "policy_digest": "sha256:" + "0" * 64,  # any digest of the policies
        "controls": control_summaries,
        **extra,
    }


def result(
    control: dict,
    name: str,
    status: str,
    *,
    account="111122223333",
    region="eu-west-1",
    reason=None,
    **extra,
) -> Result:
    kind = control["resource_type"]
    return Result(
        control["id"],
        f"arn:aws:ecr:{region}:{account}:{kind}/{name}",
        kind,
        name,
        account,
        region,
        status,
        control["severity"],
        _REASONS.get(status, status.lower()) if reason is None else reason,
        **extra,
    )


def estate(repositories: int, *, accounts: int = 20, seed: int = 17) -> Results:
    """Repository results only: every repository judged by every repository control, a tenth
    of them failing something, one in two hundred with an ERROR."""
    rng = random.Random(seed)
    summaries = controls()
    mine = [c for c in summaries if c["resource_type"] == "repository"]
    account_ids = [f"{100000000000 + 7919 * i:012d}" for i in range(accounts)]
    out = []
    for index in range(repositories):
        name = f"{rng.choice(_TEAMS)}/{rng.choice(_SERVICES)}-{index}"
        account, region = account_ids[index % accounts], REGIONS[index % len(REGIONS)]
        failing = rng.random() < 0.1
        for control in mine:
            status = "PASS"
            if failing and rng.random() < 0.3:
                status = "FAIL"
            elif rng.random() < 0.005:
                status = "ERROR"
            elif rng.random() < 0.02:
                status = "N/A"
            out.append(result(control, name, status, account=account, region=region))
    return Results(metadata(summaries), out)
