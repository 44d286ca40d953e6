"""Plans Terraform itself wrote (issue 13): the fixtures under tests/data/iac/terraform/ are
planned offline by regenerate.py beside them, and every control's IaC path is judged on them.

Hand-written plan JSON stays only where Terraform cannot write the shape offline; each such
test says so.
"""

import copy
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from scanner.cli import main

TERRAFORM = Path(__file__).parent / "data" / "iac" / "terraform"
ESTATE = TERRAFORM / "estate" / "plan.json"
ACCOUNT = "123456789012"
sys.path.insert(0, str(TERRAFORM))
import regenerate  # noqa: E402  (the script beside the fixtures, not a package)

# (resource name, control) -> status, for every control with an IaC path.
EXPECTED = {
    ("team/api", "ecr-tag-immutability"): "PASS",
    ("team/search", "ecr-tag-immutability"): "FAIL",  # for_each instance
    ("team/billing", "ecr-tag-immutability"): "PASS",
    ("platform/ingress", "ecr-tag-immutability"): "SUPPRESSED",  # module with aws.us
    ("team/api", "ecr-scan-on-push"): "PASS",  # registry ENHANCED rules
    ("platform/ingress", "ecr-scan-on-push"): "PASS",  # us-east-1: its own scan on push
    ("team/api", "ecr-lifecycle-policy"): "PASS",
    ("legacy/monolith", "ecr-lifecycle-policy"): "FAIL",
    ("team/api", "ecr-lifecycle-effective"): "FAIL",  # caps tagged images at 50
    ("team/api", "ecr-repository-policy"): "PASS",  # aws_iam_policy_document
    ("legacy/monolith", "ecr-repository-policy"): "FAIL",
    ("team/api", "ecr-kms-cmk"): "PASS",  # aws_kms_key of the plan
    ("team/billing", "ecr-kms-cmk"): "PASS",  # alias/ecr-images: customer managed
    ("shared/base", "ecr-kms-cmk"): "FAIL",  # alias/aws/ecr
    ("legacy/monolith", "ecr-kms-cmk"): "SUPPRESSED",
    ("team/api", "ecr-replication"): "PASS",
    ("shared/base", "ecr-replication"): "FAIL",
    ("platform/ingress", "ecr-replication"): "N/A",  # not managed in us-east-1
    ("team/api", "ecr-image-freshness"): "N/A",
    ("team/api", "ecr-image-vulnerabilities"): "N/A",
    ("team/api", "ecr-tag-hygiene"): "N/A",
    ("registry@eu-west-1", "ecr-registry-scanning"): "PASS",
    ("registry@eu-west-1", "ecr-registry-policy"): "PASS",
    ("registry@eu-west-1", "ecr-pull-through-cache"): "PASS",
    ("registry@us-east-1", "ecr-registry-scanning"): "N/A",  # not managed there
    ("module.network.aws_vpc.main", "vpc-ecr-endpoints"): "PASS",  # aws_route, no inline
    ("module.network.aws_vpc.main", "vpc-ecr-endpoints-depth"): "PASS",
    ("aws_vpc.batch", "vpc-ecr-endpoints"): "FAIL",  # inline route to an internet gateway
}


@cache
def _verdicts(plan_text: str) -> tuple[int, dict]:
    return _judge(plan_text)


def _judge(plan_text: str, *flags: str) -> tuple[int, dict]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        plan, out = Path(folder) / "plan.json", Path(folder) / "results.json"
        plan.write_text(plan_text)
        code = main(["iac", str(plan), "--account-id", ACCOUNT, *flags, "--format", f"json={out}"])
        results = json.loads(out.read_text())["results"]
    return code, {(r["resource_name"], r["control_id"], r["region"]): r for r in results}


def _cells(cells: dict) -> dict:
    """By (name, control); the registry of each region is "registry@<region>"."""
    return {
        (f"{name}@{region}" if name == "registry" else name, control): r
        for (name, control, region), r in cells.items()
    }


def test_the_real_plan_exercises_every_control():
    code, cells = _verdicts(ESTATE.read_text())
    by_name = _cells(cells)
    assert {key: by_name[key]["status"] for key in EXPECTED} == EXPECTED
    controls = {control for _, control in EXPECTED}
    assert len(controls) == 15  # every shipped control has an IaC path here
    assert code == 1  # failures, nothing undecided: the usual module layout decides
    assert not [r for r in cells.values() if r["status"] == "ERROR"]
    ingress = by_name[("platform/ingress", "ecr-tag-immutability")]
    assert ingress["region"] == "us-east-1"


@pytest.mark.slow
def test_the_committed_plans_are_what_terraform_writes(tmp_path):
    reason = regenerate.missing()
    if reason:
        pytest.skip(f"cannot regenerate the Terraform plans: {reason}")
    done = subprocess.run(
        [sys.executable, str(TERRAFORM / "regenerate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


def _plan() -> dict:
    return json.loads(ESTATE.read_text())


def _change(plan: dict, address: str) -> dict:
    return next(c for c in plan["resource_changes"] if c["address"] == address)


def _config(plan: dict, address: str) -> dict:
    root = plan["configuration"]["root_module"]
    if address.startswith("module.network."):
        root = root["module_calls"]["network"]["module"]
    base = address.removeprefix("module.network.")
    return next(r for r in root["resources"] if r["address"] == base)


def test_a_gateway_known_only_after_apply_is_error_where_it_decides():
    """Hand-written: offline, Terraform cannot leave a gateway id unknown (a data source read
    at apply). The private table's NAT route is pointed at one instead."""
    plan = _plan()
    route = _config(plan, "module.network.aws_route.private_nat")
    route["expressions"]["gateway_id"] = {"references": ["data.aws_internet_gateway.shared.id"]}
    del route["expressions"]["nat_gateway_id"]
    change = next(
        c
        for c in plan["resource_changes"]
        if c["address"] == "module.network.aws_route.private_nat"
    )
    change["change"]["after"]["nat_gateway_id"] = None
    change["change"]["after"].pop("gateway_id", None)
    change["change"]["after_unknown"]["gateway_id"] = True
    _, cells = _judge(json.dumps(plan), "--controls", "vpc-ecr-endpoints")
    main_vpc = _cells(cells)[("module.network.aws_vpc.main", "vpc-ecr-endpoints")]
    assert main_vpc["status"] == "ERROR"
    assert "gateway_id is known only after apply" in main_vpc["reason"]

    # The same route on a table no subnet uses decides nothing.
    unused = copy.deepcopy(plan)
    unused["resource_changes"] = [
        c
        for c in unused["resource_changes"]
        if not c["address"].startswith("module.network.aws_route_table_association.private")
    ]
    _, cells = _judge(json.dumps(unused), "--controls", "vpc-ecr-endpoints")
    assert _cells(cells)[("module.network.aws_vpc.main", "vpc-ecr-endpoints")]["status"] != "ERROR"


def test_a_nat_known_only_after_apply_decides_nothing():
    """A NAT gateway is never an internet gateway: its id unknown leaves the subnet private."""
    plan = _plan()
    change = next(
        c
        for c in plan["resource_changes"]
        if c["address"] == "module.network.aws_route.private_nat"
    )
    route = _config(plan, "module.network.aws_route.private_nat")
    route["expressions"]["nat_gateway_id"] = {"references": ["data.aws_nat_gateway.shared.id"]}
    change["change"]["after_unknown"]["nat_gateway_id"] = True
    _, cells = _judge(json.dumps(plan), "--controls", "vpc-ecr-endpoints")
    assert _cells(cells)[("module.network.aws_vpc.main", "vpc-ecr-endpoints")]["status"] == "PASS"
