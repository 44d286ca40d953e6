"""Suppressions written in an IaC source, applied to the results of its snapshot.

A record's `suppressions` (see scanner/iac/suppressions.py for how sources spell them) name a
control and a reason. A FAIL of that control on that resource becomes SUPPRESSED, keeps its
reason, and carries `exception: {"kind": "suppression", "reason": ...}`: visible in every output,
never counted by the exit code. Only FAIL is suppressed: an ERROR means the verdict is not known,
and a PASS needs no excuse.
"""

import dataclasses
from typing import Any

from scanner.evaluate import metadata as results_metadata
from scanner.evaluate.documents import declared_id, vpc_arn
from scanner.evaluate.results import Results

SuppressionMap = dict[str, dict[str, str]]  # resource_id -> control_id -> reason


def suppressions_by_resource(snapshot: dict[str, Any]) -> SuppressionMap:
    """Every suppression of the snapshot, by the resource id its results carry."""
    found: SuppressionMap = {}
    partition = snapshot.get("partition", "aws")
    for scope in snapshot.get("inventory") or []:
        account, region = scope["account_id"], scope["region"]
        for record in scope.get("repositories") or []:
            _add(found, declared_id(record) or record["repository"]["repositoryArn"], record)
        for record in (scope.get("network") or {}).get("vpcs") or []:
            vpc_id = record["vpc"]["VpcId"]
            _add(found, declared_id(record) or vpc_arn(partition, region, account, vpc_id), record)
        for record in scope.get("consumers") or []:
            _add(found, declared_id(record) or record["arn"], record)
    return found


def _add(found: SuppressionMap, resource_id: str, record: dict[str, Any]) -> None:
    for suppression in record.get("suppressions") or []:
        found.setdefault(resource_id, {})[suppression["control_id"]] = suppression["reason"]


def apply_suppressions(results: Results, suppressions: SuppressionMap) -> Results:
    """The results with every suppressed FAIL turned SUPPRESSED (in place, and returned)."""
    applied = 0
    for position, result in enumerate(results.results):
        reason = suppressions.get(result.resource_id, {}).get(result.control_id)
        if reason is not None and result.status == "FAIL":
            results.results[position] = dataclasses.replace(
                result,
                status="SUPPRESSED",
                exception={"kind": "suppression", "reason": reason},
            )
            applied += 1
    results_metadata.record(results, "suppressions", {"applied": applied})
    return results
