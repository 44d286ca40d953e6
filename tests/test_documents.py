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


CUSTOM = """# METADATA
# title: Repositories say when they were made
# custom:
#   id: custom-created
#   severity: LOW
#   resource_type: repository
package custom.created

verdict := {"status": "PASS", "reason": concat(" ", [
	input.repository.createdAt,
	input.repository.repositoryUri,
	input.lifecyclePolicy.lifecyclePolicyText,
	format_int(input.derived.imageSummary.totalSizeInBytes, 10),
	input.registry.registryPolicy,
])}
"""


def test_a_control_can_read_any_collected_field_no_shipped_control_reads(tmp_path):
    """Documents carry every collected field; the projection found in the Rego text is what
    trims them, so a control of one's own reads fields no shipped control reads."""
    from scanner.config import Config
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.evaluator import evaluate_snapshot

    (tmp_path / "custom").mkdir()
    (tmp_path / "custom" / "created.rego").write_text(CUSTOM, encoding="utf-8")
    record = repository_record("team/api")
    record["lifecyclePolicy"] = {"lifecyclePolicyText": '{"rules": []}'}
    record["derived"]["imageSummary"] = {
        "imageCount": 1,
        "untaggedImageCount": 0,
        "totalSizeInBytes": 4200,
        "newestImage": None,
    }
    snap = snapshot([record])
    snap["inventory"][0]["registry"]["registryPolicy"] = '{"Statement": []}'
    results = evaluate_snapshot(snap, load_policies(tmp_path), Config()).results
    [result] = [r for r in results if r.control_id == "custom-created"]
    assert result.status == "PASS", result.reason
    assert result.reason == (
        f"2026-01-01T00:00:00+00:00 {ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/api "
        '{"rules": []} 4200 {"Statement": []}'
    )


def test_documents_carry_whole_records_but_not_ecrscans_own_annotations():
    record = repository_record("team/api") | {
        "source": {"file": "main.tf", "address": "aws_ecr_repository.api"},
        "suppressions": [{"control_id": "ecr-tag-immutability", "reason": "r"}],
    }
    vpc = {
        "vpc": {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": False},
        "subnets": [],
        "routeTables": [],
        "vpcEndpoints": [],
        "derived": {"vpcEndpointPolicies": {}},
        "source": {"file": "main.tf"},
    }
    snap = snapshot([record], vpcs=[vpc])
    snap["inventory"][0]["network"]["errors"] = {
        "securityGroups": {"operation": "DescribeSecurityGroups", "code": "X", "message": "m"}
    }
    documents = _documents(snap)
    repository = documents[("repository", "team/api")]
    assert repository["repository"] == record["repository"]
    assert repository["scanningConfiguration"] == record["scanningConfiguration"]
    assert repository["lifecyclePolicy"] is None and repository["repositoryPolicy"] is None
    assert "source" not in repository and "suppressions" not in repository
    assert repository["registry"]["registryPolicy"] is None
    assert repository["registry"]["declared"] is None  # optional, null when not collected
    vpc_document = documents[("vpc", "vpc-1")]
    assert vpc_document["vpc"]["CidrBlock"] == "10.0.0.0/16"
    assert vpc_document["securityGroups"] is None  # a snapshot that predates the field
    assert vpc_document["errors"]["securityGroups"]["code"] == "X"
    assert "source" not in vpc_document
    registry = documents[("registry", "registry")]
    assert registry["registry"]["replicationConfiguration"] == {"rules": []}
    assert registry["registry"]["pullThroughCacheRules"] is None


def test_what_a_shipped_control_is_handed_is_still_only_what_it_reads():
    from scanner.evaluate import input_paths
    from scanner.evaluate.catalog import load_policies
    from scanner.resources import policy_dir

    policies = load_policies(policy_dir())
    document = _documents(snapshot())[("repository", "team/api")]
    reads = input_paths.control_reads("ecr/tag_immutability/verdict", policies.modules)
    assert input_paths.project(document, reads) == {
        "repository": {"imageTagMutability": "IMMUTABLE"},
        "errors": {},
    }
