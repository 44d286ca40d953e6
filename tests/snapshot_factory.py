"""Small, valid snapshots built in code, for tests that need one without collecting."""

import copy
from typing import Any

ACCOUNT = "111122223333"


def repository_record(name: str, **repository: Any) -> dict[str, Any]:
    return {
        "repository": {
            "repositoryArn": f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/{name}",
            "registryId": ACCOUNT,
            "repositoryName": name,
            "repositoryUri": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{name}",
            "createdAt": "2026-01-01T00:00:00+00:00",
            "imageTagMutability": "IMMUTABLE",
            "imageScanningConfiguration": {"scanOnPush": True},
            "encryptionConfiguration": {"encryptionType": "AES256"},
            **repository,
        },
        "tags": [],
        "lifecyclePolicy": None,
        "repositoryPolicy": None,
        "scanningConfiguration": {
            "repositoryArn": f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/{name}",
            "repositoryName": name,
            "scanOnPush": True,
            "scanFrequency": "SCAN_ON_PUSH",
            "appliedScanFilters": [],
        },
        "derived": {"lifecyclePolicy": None, "repositoryPolicy": None, "imageSummary": None},
        "errors": {},
    }


def snapshot(repositories: list[dict[str, Any]] | None = None, vpcs=None) -> dict[str, Any]:
    return copy.deepcopy(
        {
            "schema_version": 1,
            "tool": {"name": "ecrscan", "version": "0.1.0"},
            "collected_at": "2026-11-28T00:00:00+00:00",
            "account_id": ACCOUNT,
            "partition": "aws",
            "caller_arn": f"arn:aws:iam::{ACCOUNT}:user/auditor",
            "regions": ["eu-west-1"],
            "errors": [],
            "inventory": [
                {
                    "account_id": ACCOUNT,
                    "region": "eu-west-1",
                    "registry": {
                        "registryId": ACCOUNT,
                        "scanningConfiguration": {"scanType": "BASIC", "rules": []},
                        "replicationConfiguration": {"rules": []},
                        "registryPolicy": None,
                        "derived": {"registryPolicy": None},
                        "errors": {},
                    },
                    "repositories": repositories
                    if repositories is not None
                    else [repository_record("team/api")],
                    "network": {"vpcs": vpcs if vpcs is not None else [], "errors": {}},
                    "consumers": [],
                    "errors": {},
                }
            ],
        }
    )
