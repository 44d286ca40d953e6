"""The cost view: what each repository's images cost to store, and what expiring would save.

Storage is priced at `storage_price_per_gb_month` (default $0.10, ECR's private-registry price)
per GiB-month (2^30 bytes). The saving is the storage of the images the repository's lifecycle
policy would expire now, or, for a repository without a usable policy, the images the default
retention would expire: untagged images older than `lifecycle_untagged_max_days`, and every
image beyond the newest `lifecycle_tagged_count_max`. Computed from the snapshot alone (per-image
push dates, sizes and tags in derived.imageSummary.images), with the snapshot's collected_at as
"now", so archived evidence gives the same figures.

The lifecycle simulation follows ECR's rules: rules apply in rulePriority order, each image is
decided by the first rule whose tag selection matches it, `imageCountMoreThan` keeps the newest
N of the images a rule selects, `sinceImagePushed` expires those older than N days. Rules that
transition images to archive, or count days since the last pull, are not simulated (the
snapshot has no pull times); they save nothing here.
"""

import fnmatch
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

GIB = 2**30
# Days back from now that a date can still express (year 1 is about 739,000 days ago).
MAX_DAYS = 700_000

Image = dict[str, Any]


def cost_view(snapshot: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """{"price_per_gb_month", "currency", "repositories": [row, ...] sorted by saving, "total"}."""
    now = datetime.fromisoformat(snapshot["collected_at"].replace("Z", "+00:00"))
    price = float(config["storage_price_per_gb_month"])
    default = _default_rules(config)
    rows = sorted(
        (_row(scope, record, now, price, default) for scope, record in _repositories(snapshot)),
        key=lambda row: (-row["monthly_saving"], row["region"], row["repository"]),
    )
    return {
        "price_per_gb_month": price,
        "currency": "USD",
        "repositories": rows,
        "total": {
            "stored_gb": round(sum(r["stored_gb"] for r in rows), 3),
            "monthly_cost": round(sum(r["monthly_cost"] for r in rows), 2),
            "monthly_saving": round(sum(r["monthly_saving"] for r in rows), 2),
        },
    }


def _repositories(snapshot: dict[str, Any]) -> Iterator[tuple[dict, dict]]:
    """(scope, record) for every repository whose per-image list was collected."""
    for scope in snapshot["inventory"]:
        for record in scope["repositories"] or ():
            summary = record["derived"].get("imageSummary") or {}
            if summary.get("images") is not None:
                yield scope, record


def _row(scope: dict, record: dict, now: datetime, price: float, default: list) -> dict[str, Any]:
    images = record["derived"]["imageSummary"]["images"]
    rules, basis = _rules_of(record), "lifecycle policy"
    if rules is None:
        rules, basis = default, "default retention"
    expired = expired_images(images, rules, now)
    stored = sum(image.get("imageSizeInBytes", 0) for image in images) / GIB
    freed = sum(image.get("imageSizeInBytes", 0) for image in expired) / GIB
    return {
        "account_id": scope["account_id"],
        "region": scope["region"],
        "repository": record["repository"]["repositoryName"],
        "images": len(images),
        "stored_gb": round(stored, 3),
        "monthly_cost": round(stored * price, 2),
        "expirable_images": len(expired),
        "monthly_saving": round(freed * price, 2),
        "basis": basis,
    }


def _rules_of(record: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The repository's lifecycle rules, or None when it has no usable policy."""
    policy = record["derived"].get("lifecyclePolicy") or {}
    document = policy.get("document") if isinstance(policy, dict) else None
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, list) or not rules or not all(isinstance(r, dict) for r in rules):
        return None
    return rules


def _default_rules(config: dict[str, Any]) -> list[dict[str, Any]]:
    untagged = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days"}
    return [
        _rule(1, untagged | {"countNumber": config["lifecycle_untagged_max_days"]}),
        _rule(
            2,
            {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": config["lifecycle_tagged_count_max"],
            },
        ),
    ]


def _rule(priority: int, selection: dict[str, Any]) -> dict[str, Any]:
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


def expired_images(images: list[Image], rules: list[dict[str, Any]], now: datetime) -> list[Image]:
    """The images `rules` would expire at `now` (images are newest first, as collected)."""
    decided: set[int] = set()
    expired: list[Image] = []
    for rule in sorted(rules, key=lambda r: _number(r.get("rulePriority"))):
        selection = _object(rule.get("selection"))
        chosen = [
            i for i, image in enumerate(images) if i not in decided and _selects(selection, image)
        ]
        decided.update(chosen)
        if _object(rule.get("action")).get("type") == "expire":
            expired += [images[i] for i in _expiring(selection, images, chosen, now)]
    return expired


def _expiring(selection: dict, images: list[Image], chosen: list[int], now: datetime) -> list[int]:
    count = _number(selection.get("countNumber"))
    if selection.get("countType") == "imageCountMoreThan":
        return chosen[int(count) :]  # chosen keeps the newest-first order
    if selection.get("countType") == "sinceImagePushed" and selection.get("countUnit") == "days":
        if count > MAX_DAYS:  # beyond what a date can express: nothing is that old
            return []
        cutoff = now - timedelta(days=count)
        return [i for i in chosen if _pushed(images[i]) is not None and _pushed(images[i]) < cutoff]
    return []


def _selects(selection: dict[str, Any], image: Image) -> bool:
    tags = image.get("imageTags") or []
    status = selection.get("tagStatus")
    if status == "any":
        return True
    if status == "untagged":
        return not tags
    if status != "tagged" or not tags:
        return False
    prefixes = _list(selection.get("tagPrefixList"))
    patterns = _list(selection.get("tagPatternList"))
    return any(t.startswith(p) for t in tags for p in prefixes if isinstance(p, str)) or any(
        fnmatch.fnmatchcase(t, p) for t in tags for p in patterns if isinstance(p, str)
    )


def _pushed(image: Image) -> datetime | None:
    text = image.get("imagePushedAt")
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _number(value: Any) -> float:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if number and math.isfinite(value) else 0.0


# Lifecycle documents are the user's (or AWS's) data: parts of the wrong type count as absent.
def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
