"""The cost view: storage per repository and what its lifecycle policy (or the default
retention) would save, from the snapshot alone."""

import json
from datetime import UTC, datetime

import pytest

from scanner.cli import main
from scanner.config import Config
from scanner.cost.view import GIB, cost_view, expired_images
from tests.snapshot_factory import repository_record, snapshot

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def image(days_old, size=GIB, tags=None):
    pushed = datetime.fromtimestamp(NOW.timestamp() - days_old * 86400, UTC).isoformat()
    return {"imagePushedAt": pushed, "imageSizeInBytes": size} | (
        {"imageTags": tags} if tags else {}
    )


def rule(priority, **selection):
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


def test_count_rule_keeps_the_newest():
    images = [image(1, tags=["3"]), image(2, tags=["2"]), image(3, tags=["1"])]
    rules = [rule(1, tagStatus="any", countType="imageCountMoreThan", countNumber=2)]
    assert expired_images(images, rules, NOW) == [images[2]]


def test_age_rule_expires_only_older_untagged_images():
    images = [image(1), image(20), image(30, tags=["v1"])]
    rules = [
        rule(
            1, tagStatus="untagged", countType="sinceImagePushed", countUnit="days", countNumber=14
        )
    ]
    assert expired_images(images, rules, NOW) == [images[1]]


def test_an_image_is_decided_by_the_first_rule_that_selects_it():
    """rule 1 keeps the newest 5 release- images; rule 2 (any, keep 1) cannot expire them."""
    images = [image(1, tags=["dev-2"]), image(2, tags=["release-2"]), image(3, tags=["dev-1"])]
    rules = [
        rule(2, tagStatus="any", countType="imageCountMoreThan", countNumber=1),
        rule(
            1,
            tagStatus="tagged",
            tagPrefixList=["release-"],
            countType="imageCountMoreThan",
            countNumber=5,
        ),
    ]
    assert expired_images(images, rules, NOW) == [images[2]]


def test_transition_and_pull_based_rules_save_nothing():
    images = [image(100), image(200)]
    rules = [
        {
            "rulePriority": 1,
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
            "action": {"type": "transition"},
        },
    ]
    assert expired_images(images, rules, NOW) == []


def _estate():
    managed = repository_record("team/managed")
    document = {"rules": [rule(1, tagStatus="any", countType="imageCountMoreThan", countNumber=1)]}
    # The raw field and its parsed form agree, as the collector writes them (else: ERROR).
    managed["lifecyclePolicy"] = {"lifecyclePolicyText": json.dumps(document)}
    managed["derived"]["lifecyclePolicy"] = {"document": document}
    unmanaged = repository_record("team/unmanaged")
    for record, images in (
        (managed, [image(1, tags=["2"]), image(9, tags=["1"], size=3 * GIB)]),
        (unmanaged, [image(1, tags=["a"]), image(40), image(2)]),
    ):
        record["derived"]["imageSummary"] = {
            "imageCount": len(images),
            "untaggedImageCount": sum(1 for i in images if "imageTags" not in i),
            "totalSizeInBytes": sum(i["imageSizeInBytes"] for i in images),
            "newestImage": None,
            "images": images,
        }
    legacy = repository_record("team/predates-images-list")
    return snapshot([managed, unmanaged, legacy])


def test_cost_view_sorted_by_saving_with_its_basis():
    view = cost_view(_estate() | {"collected_at": "2026-11-28T00:00:00Z"}, Config().policy_data())
    rows = {r["repository"]: r for r in view["repositories"]}
    assert [r["repository"] for r in view["repositories"]] == ["team/managed", "team/unmanaged"]
    assert rows["team/managed"]["basis"] == "lifecycle policy"
    assert rows["team/managed"]["stored_gb"] == 4.0
    assert rows["team/managed"]["monthly_cost"] == 0.4
    assert rows["team/managed"]["monthly_saving"] == 0.3  # the 3 GB image beyond the newest one
    assert rows["team/unmanaged"]["basis"] == "default retention"
    assert rows["team/unmanaged"]["expirable_images"] == 1  # untagged and 40 days old
    assert view["total"] == {"stored_gb": 7.0, "monthly_cost": 0.7, "monthly_saving": 0.4}


def test_price_and_retention_come_from_the_configuration():
    data = Config().policy_data() | {
        "storage_price_per_gb_month": 1.0,
        "lifecycle_untagged_max_days": 60,
    }
    view = cost_view(_estate(), data)
    assert view["price_per_gb_month"] == 1.0
    rows = {r["repository"]: r for r in view["repositories"]}
    assert rows["team/unmanaged"]["monthly_saving"] == 0.0  # 40 days is within 60


def test_report_format_cost_from_the_results_file_alone(tmp_path, capsys):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(_estate()))
    results = tmp_path / "results.json"
    main(["evaluate", str(path), "--format", "json", "--output", str(results)])
    assert json.loads(results.read_text())["metadata"]["cost"]["total"]["monthly_saving"] == 0.4
    capsys.readouterr()
    assert main(["report", str(results), "--format", "cost"]) in (0, 1)
    out = capsys.readouterr().out
    assert out.index("team/managed") < out.index("team/unmanaged")
    assert "default retention" in out and "$0.10 per GB-month" in out


@pytest.mark.parametrize("fmt", ["cost", "table"])
def test_results_without_a_cost_view_say_so(tmp_path, capsys, fmt):
    path = tmp_path / "results.json"
    path.write_text(
        json.dumps({"metadata": {"format": "ecrscan-results/1", "controls": []}, "results": []})
    )
    main(["report", str(path), "--format", fmt])
    out = capsys.readouterr().out
    assert ("Cost: not in these results" in out) is (fmt == "cost")
