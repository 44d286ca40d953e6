"""The per-resource documents the new controls read: compact, and computed from the snapshot."""

from scanner.evaluate.documents import resources
from tests.snapshot_factory import ACCOUNT, repository_record, snapshot


def _documents(snap):
    return {(r.resource_type, r.name): r.document for r in resources(snap)}


def test_repository_document_carries_distinct_tags_not_every_image():
    record = repository_record("team/api", tags=None)
    images = [
        {
            "imagePushedAt": "2026-11-01T00:00:00+00:00",
            "imageSizeInBytes": 5,
            "imageTags": ["b", "a"],
        },
        {"imagePushedAt": "2026-10-01T00:00:00+00:00", "imageSizeInBytes": 5, "imageTags": ["a"]},
        {"imagePushedAt": "2026-09-01T00:00:00+00:00", "imageSizeInBytes": 5},
    ]
    record["derived"]["imageSummary"] = {
        "imageCount": 3,
        "untaggedImageCount": 1,
        "totalSizeInBytes": 15,
        "newestImage": {
            "imageDigest": "sha256:n",
            "imagePushedAt": "2026-11-01T00:00:00+00:00",
            "imageSizeInBytes": 5,
            "imageScanFindingsSummary": {
                "findingSeverityCounts": {"HIGH": 1},
                "vulnerabilitySourceUpdatedAt": "x",
            },
        },
        "images": images,
    }
    snap = snapshot([record]) | {"collected_at": "2026-11-28T09:00:00Z"}
    document = _documents(snap)[("repository", "team/api")]
    assert document["collected_at"] == "2026-11-28T09:00:00+00:00"  # rego-cpp rejects "Z"
    assert document["derived"]["images"] == {
        "imageCount": 3,
        "untaggedImageCount": 1,
        "newestImage": {
            "imageDigest": "sha256:n",
            "imagePushedAt": "2026-11-01T00:00:00+00:00",
            "findingSeverityCounts": {"HIGH": 1},
        },
        "tags": ["a", "b"],
    }
    assert document["kmsKey"] is None  # a snapshot that predates the field
    assert document["registry"]["replicationConfiguration"] == {"rules": []}


def test_one_registry_document_per_region_with_repository_names_and_parsed_templates():
    snap = snapshot([repository_record("b/two"), repository_record("a/one")])
    registry = snap["inventory"][0]["registry"]
    registry["pullThroughCacheRules"] = [{"ecrRepositoryPrefix": "quay"}]
    registry["repositoryCreationTemplates"] = [
        {"prefix": "ROOT", "lifecyclePolicy": '{"rules": [1]}'},
        {"prefix": "quay", "lifecyclePolicy": "not json"},
        {"prefix": "none"},
    ]
    [registry_resource] = [r for r in resources(snap) if r.resource_type == "registry"]
    assert registry_resource.resource_id == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:registry"
    document = registry_resource.document
    assert document["repositoryNames"] == ["a/one", "b/two"]
    parsed = document["derived"]["templateLifecyclePolicies"]
    assert parsed["ROOT"] == {"document": {"rules": [1]}}
    assert "parseError" in parsed["quay"]
    assert parsed["none"] is None


def test_registry_document_when_repositories_could_not_be_listed():
    snap = snapshot()
    scope = snap["inventory"][0]
    scope["repositories"] = None
    scope["errors"]["repositories"] = {
        "operation": "DescribeRepositories",
        "code": "X",
        "message": "m",
    }
    document = _documents(snap)[("registry", "registry")]
    assert document["repositoryNames"] is None
    assert document["errors"]["repositories"]["operation"] == "DescribeRepositories"
