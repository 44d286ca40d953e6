"""Tags from one paginated GetResources listing per region, not a call per repository."""

from collections import Counter

import pytest
from botocore.stub import Stubber

from scanner.collect import iam_policy
from scanner.collect.permissions import DECLARED_OPERATIONS
from scanner.collect.registry import collect_registry
from scanner.collect.repositories import collect_repositories
from scanner.collect.tags import PAGE_SIZE, RESOURCE_TYPE, collect_repository_tags
from scanner.snapshot import validate
from tests.test_collect_errors import inject_error, inject_exception

ACCOUNT = "123456789012"
REGION = "us-east-1"
# More tagged repositories than one page of GetResources holds.
TAGGED = 130
UNTAGGED = 5


def arn(name: str) -> str:
    return f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}"


def count_calls(session) -> Counter:
    calls: Counter = Counter()

    def record(model, **_):
        calls[model.name] += 1

    session.events.register("before-call", record)
    return calls


@pytest.fixture
def estate(moto_session):
    ecr = moto_session.client("ecr")
    for index in range(TAGGED):
        tags = [{"Key": "team", "Value": f"t{index % 7}"}, {"Key": "index", "Value": str(index)}]
        ecr.create_repository(repositoryName=f"tagged/{index}", tags=tags)
    for index in range(UNTAGGED):
        ecr.create_repository(repositoryName=f"untagged/{index}")
    ecr.create_repository(repositoryName="emptied", tags=[{"Key": "gone", "Value": "soon"}])
    ecr.untag_resource(resourceArn=arn("emptied"), tagKeys=["gone"])
    # A tagged resource of another type, which the ecr:repository filter must keep out.
    moto_session.client("sns").create_topic(Name="other", Tags=[{"Key": "team", "Value": "x"}])
    return moto_session


def collect(session, max_workers=4):
    errors: dict = {}
    records = collect_repositories(
        session.client("ecr"),
        errors,
        max_workers,
        tagging=session.client("resourcegroupstaggingapi"),
    )
    assert errors == {}
    return {record["repository"]["repositoryName"]: record for record in records}


def test_tags_match_list_tags_for_resource_without_a_call_per_repository(estate):
    ecr = estate.client("ecr")
    expected = {
        name: ecr.list_tags_for_resource(resourceArn=arn(name))["tags"]
        for name in [f"tagged/{i}" for i in range(TAGGED)] + ["untagged/0", "emptied"]
    }
    calls = count_calls(estate)
    records = collect(estate)

    assert len(records) == TAGGED + UNTAGGED + 1
    for name, tags in expected.items():
        assert records[name]["tags"] == tags, name
        assert "tags" not in records[name]["errors"]
    assert records["tagged/42"]["tags"] == [
        {"Key": "team", "Value": "t0"},
        {"Key": "index", "Value": "42"},
    ]
    assert calls["ListTagsForResource"] == 0
    assert 2 <= calls["GetResources"] <= 3  # 130 tagged repositories, up to 100 a page


def test_a_failed_listing_marks_every_repositorys_tags_not_collected(estate):
    inject_error(estate, "resourcegroupstaggingapi", "GetResources", code="AccessDeniedException")
    records = collect(estate)
    for record in records.values():
        assert record["tags"] is None
        assert record["errors"]["tags"] == {
            "operation": "GetResources",
            "code": "AccessDeniedException",
            "message": "injected AccessDeniedException",
        }
    # Each repository holds its own copy, so one record's errors never alias another's.
    assert len({id(record["errors"]["tags"]) for record in records.values()}) == len(records)


def test_records_with_listed_tags_make_a_valid_snapshot(estate):
    records = list(collect(estate).values())
    snapshot = {
        "schema_version": 1,
        "tool": {"name": "ecrscan", "version": "0"},
        "collected_at": "2026-11-28T00:00:00Z",
        "account_id": ACCOUNT,
        "partition": "aws",
        "caller_arn": f"arn:aws:iam::{ACCOUNT}:user/test",
        "regions": [REGION],
        "errors": [],
        "inventory": [
            {
                "account_id": ACCOUNT,
                "region": REGION,
                "registry": collect_registry(estate.client("ecr")),
                "repositories": records,
                "network": {"vpcs": [], "errors": {}},
                "errors": {},
            }
        ],
    }
    validate(snapshot)


def test_a_region_without_repositories_lists_no_tags(moto_session):
    calls = count_calls(moto_session)
    assert collect(moto_session) == {}
    assert calls["DescribeRepositories"] == 1
    assert calls["GetResources"] == 0


def test_programming_errors_in_the_listing_propagate(estate):
    inject_exception(estate, "resourcegroupstaggingapi", "GetResources", TypeError("a bug"))
    with pytest.raises(TypeError, match="a bug"):
        collect(estate)


@pytest.fixture
def stubbed_tagging(moto_session):
    tagging = moto_session.client("resourcegroupstaggingapi")
    with Stubber(tagging) as stub:
        yield tagging, stub


def page_request(token: str | None = None) -> dict:
    request = {"ResourceTypeFilters": [RESOURCE_TYPE], "ResourcesPerPage": PAGE_SIZE}
    return request | ({"PaginationToken": token} if token else {})


def test_the_listing_follows_pagination_tokens_and_asks_for_full_pages(stubbed_tagging):
    tagging, stub = stubbed_tagging
    first = {"ResourceARN": arn("a"), "Tags": [{"Key": "env", "Value": "prod"}]}
    second = {"ResourceARN": arn("b"), "Tags": []}
    stub.add_response(
        "get_resources",
        {"ResourceTagMappingList": [first], "PaginationToken": "page-2"},
        page_request(),
    )
    stub.add_response(
        "get_resources",
        {"ResourceTagMappingList": [second], "PaginationToken": ""},
        page_request("page-2"),
    )
    listed = collect_repository_tags(tagging)
    stub.assert_no_pending_responses()
    assert listed.error is None
    assert listed.tags_for(arn("a")) == [{"Key": "env", "Value": "prod"}]
    assert listed.tags_for(arn("b")) == []  # listed once tagged, tags since removed
    assert listed.tags_for(arn("never-tagged")) == []  # GetResources omits it: no tags


def test_a_failure_on_a_later_page_leaves_no_partial_listing(stubbed_tagging):
    tagging, stub = stubbed_tagging
    stub.add_response(
        "get_resources",
        {
            "ResourceTagMappingList": [{"ResourceARN": arn("a"), "Tags": []}],
            "PaginationToken": "page-2",
        },
        page_request(),
    )
    stub.add_client_error(
        "get_resources", "ThrottlingException", expected_params=page_request("page-2")
    )
    listed = collect_repository_tags(tagging)
    assert listed.error["operation"] == "GetResources"
    assert listed.error["code"] == "ThrottlingException"
    # A repository the first page listed is as unknown as one it did not.
    assert listed.tags_for(arn("a")) is None
    assert listed.tags_for(arn("other")) is None


def test_get_resources_is_declared_as_tag_get_resources():
    assert DECLARED_OPERATIONS[("resourcegroupstaggingapi", "GetResources")] == "tag:GetResources"
    assert "tag:GetResources" in iam_policy()["Statement"][0]["Action"]
