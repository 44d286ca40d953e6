"""Every configuration parameter, defined once: name, default, description and validation.

`scanner.config` validates the file with these definitions, the policies read the values as
`data.ecrscan.config.<name>`, and docs/configuration.md is generated from them
(`python -m scanner.config_parameters docs/configuration.md`; a test fails when it is stale).

The CORE parameters predate this table: `scanner.config` validates them with its own
checks (CORE entries carry no `check`), and a test proves the defaults written here are the ones
it applies.
"""

import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError

Check = Callable[[Any, str], Any]  # (raw YAML value, parameter name) -> policy data value


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any  # in the configuration file's form
    description: str
    used_by: str  # control ids (or "cost view") that read it
    check: Check | None = None  # None: validated by scanner.config (the CORE parameters)

    def value(self, raw: dict[str, Any], source: str) -> Any:
        """The policy-data value of this parameter from a configuration mapping."""
        assert self.check is not None
        value = raw.get(self.name, self.default)
        try:
            return self.check(value, self.name)
        except _Invalid as problem:
            raise InputError(f"{source}: {self.name}: {problem}") from None


class _Invalid(ValueError):
    """A value that fails a check; `Parameter.value` prefixes the file and parameter name."""


# ---------------------------------------------------------------------------
# Checks: each returns the value the policies receive.


# The largest whole number every engine computes with: rego-cpp's format_int is undefined
# beyond 64 bits, so a larger limit would print nothing where OPA prints it.
_LARGEST_WHOLE = (1 << 63) - 1


def _positive_int(value: Any, _name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _LARGEST_WHOLE:
        raise _Invalid(f"{value!r} is not a whole number from 1 to {_LARGEST_WHOLE}")
    return value


# YAML 1.1 (PyYAML) reads a float only with a decimal point, so `1e-05` arrives as a string;
# a string spelled like a number is taken as that number.
_NUMBER_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _price(value: Any, _name: str) -> float:
    problem = f"{value!r} is not a price in US dollars (a finite number of at least 0)"
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(problem)
    try:
        price = float(value)
    except OverflowError:  # an integer too large for a float
        raise _Invalid(problem) from None
    if not math.isfinite(price) or price < 0:  # YAML's .inf and .nan are floats too
        raise _Invalid(problem)
    return price


def _one_of(*choices: str) -> Check:
    def check(value: Any, _name: str) -> str:
        text = value.upper() if isinstance(value, str) and choices[0].isupper() else value
        if text not in choices:
            raise _Invalid(f"{value!r} is not one of {', '.join(choices)}")
        return text

    return check


def _subset_of(*choices: str) -> Check:
    def check(value: Any, _name: str) -> list[str]:
        if not isinstance(value, list) or not value:
            raise _Invalid(f"must be a non-empty list of {', '.join(choices)}")
        bad = [v for v in value if v not in choices]
        if bad:
            raise _Invalid(f"{bad[0]!r} is not one of {', '.join(choices)}")
        return sorted(set(value))

    return check


_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


def _key_arns(value: Any, _name: str) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid("must be a list of KMS key ARNs")
    bad = [v for v in value if not isinstance(v, str) or not _KMS_KEY_ARN.match(v)]
    if bad:
        raise _Invalid(f"{bad[0]!r} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")
    return sorted(set(value))


def _selector(value: Any, _name: str) -> dict[str, Any]:
    """{name_patterns: [...], tags: {Key: Value}} -> the same, tags as [{key, value}] pairs.

    Pairs, not an object: the policies iterate them without object-key tricks.
    """
    if not isinstance(value, dict) or set(value) - {"name_patterns", "tags"}:
        raise _Invalid("must be a mapping with name_patterns (a list) and/or tags (a mapping)")
    patterns = value.get("name_patterns") or []
    tags = value.get("tags") or {}
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise _Invalid("name_patterns must be a list of repository name patterns")
    if not isinstance(tags, dict) or not all(isinstance(k, str) for k in tags):
        raise _Invalid("tags must be a mapping of tag keys to values")
    return {
        "name_patterns": sorted(set(patterns)),
        "tags": [{"key": k, "value": str(v)} for k, v in sorted(tags.items())],
    }


_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


def _pushers(value: Any, _name: str) -> list[dict[str, Any]]:
    """[{role: ARN, repositories: [patterns]}], each role an IAM role ARN and each pattern a
    repository name or ARN with * and ? wildcards."""
    if not isinstance(value, list):
        raise _Invalid("must be a list of {role: ROLE_ARN, repositories: [PATTERNS]}")
    checked = []
    for position, entry in enumerate(value):
        where = f"entry {position + 1}"
        if not isinstance(entry, dict) or set(entry) != {"role", "repositories"}:
            raise _Invalid(f"{where} must have exactly the keys role and repositories")
        if not isinstance(entry["role"], str) or not _ROLE_ARN.match(entry["role"]):
            raise _Invalid(f"{where}: {entry['role']!r} is not an IAM role ARN")
        patterns = entry["repositories"]
        if not isinstance(patterns, list) or not patterns:
            raise _Invalid(f"{where}: repositories must be a non-empty list of patterns")
        if not all(isinstance(p, str) and p and p.isprintable() for p in patterns):
            raise _Invalid(f"{where}: each repository pattern must be a non-empty string")
        checked.append({"role": entry["role"], "repositories": list(dict.fromkeys(patterns))})
    return checked


# ---------------------------------------------------------------------------

_EVERY_REPOSITORY = {"name_patterns": ["*"], "tags": {}}

CORE: tuple[Parameter, ...] = (
    Parameter(
        "trusted_accounts",
        [],
        "Accounts that may be granted access besides the owner (12-digit ids).",
        "ecr-repository-policy, ecr-registry-policy, vpc-ecr-endpoints-depth",
    ),
    Parameter(
        "organization_id",
        None,
        "Your organisation (o-...): an aws:PrincipalOrgID condition naming another one fails.",
        "ecr-repository-policy, ecr-registry-policy",
    ),
    Parameter(
        "allow_tag_exclusions",
        True,
        "Whether IMMUTABLE_WITH_EXCLUSION passes (naming its filters) or fails.",
        "ecr-tag-immutability",
    ),
    Parameter(
        "vpc_scope",
        "private",
        "Which VPCs are judged: private (VPCs with a private subnet), all, or a list of VPC ids.",
        "vpc-ecr-endpoints, vpc-ecr-endpoints-depth",
    ),
    Parameter(
        "account_id",
        None,
        "ecrscan iac: the 12-digit account that will own planned resources.",
        "ecrscan iac",
    ),
)

CONTROL_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "kms_key_arns",
        [],
        "Allow-list of customer-managed KMS key ARNs; empty means any customer-managed key.",
        "ecr-kms-cmk",
        _key_arns,
    ),
    Parameter(
        "lifecycle_untagged_max_days",
        14,
        "Untagged images must expire within this many days of being pushed.",
        "ecr-lifecycle-effective, cost view",
        _positive_int,
    ),
    Parameter(
        "lifecycle_tagged_count_min",
        10,
        "Least number of tagged images an image-count rule may keep.",
        "ecr-lifecycle-effective",
        _positive_int,
    ),
    Parameter(
        "lifecycle_tagged_count_max",
        30,
        "Most tagged images an image-count rule may keep (also the cost view's default "
        "retention for repositories without a lifecycle policy).",
        "ecr-lifecycle-effective, cost view",
        _positive_int,
    ),
    Parameter(
        "vulnerability_severity",
        "HIGH",
        "Findings at or above this severity fail the newest image: CRITICAL, HIGH, MEDIUM, "
        "LOW or INFORMATIONAL.",
        "ecr-image-vulnerabilities",
        _one_of("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"),
    ),
    Parameter(
        "image_max_age_days",
        90,
        "The newest image must have been pushed fewer than this many days before collection.",
        "ecr-image-freshness",
        _positive_int,
    ),
    Parameter(
        "registry_scanning_minimum",
        "enhanced_continuous",
        "Least registry scanning that passes: enhanced_continuous (ENHANCED, CONTINUOUS_SCAN "
        "for every repository), enhanced_on_push (ENHANCED, on push or continuous) or on_push "
        "(BASIC or ENHANCED, on push or continuous).",
        "ecr-registry-scanning",
        _one_of("enhanced_continuous", "enhanced_on_push", "on_push"),
    ),
    Parameter(
        "production_repositories",
        _EVERY_REPOSITORY,
        "Which repositories are production: name_patterns (* and ? wildcards) and/or resource "
        "tags (a repository matching any pattern or carrying any listed tag is selected).",
        "ecr-tag-hygiene",
        _selector,
    ),
    Parameter(
        "tag_schemes",
        ["build_number", "git_sha", "semver"],
        "Tag schemes production images may use: semver (1.2.3, v1.2.3-rc.1), git_sha "
        "(7 to 40 hex digits) and build_number (digits, optionally build-/b prefixed).",
        "ecr-tag-hygiene",
        _subset_of("build_number", "git_sha", "semver"),
    ),
    Parameter(
        "replicated_repositories",
        _EVERY_REPOSITORY,
        "Which repositories must be replicated to another region or account (same form as "
        "production_repositories).",
        "ecr-replication",
        _selector,
    ),
    Parameter(
        "production_consumers",
        _EVERY_REPOSITORY,
        "Which ECS services (CLUSTER/SERVICE) and Lambda functions are production: "
        "name_patterns and/or resource tags, as for production_repositories. Their images must "
        "be pinned by digest or by a tag in an IMMUTABLE repository.",
        "consumer-image-pinned",
        _selector,
    ),
    Parameter(
        "pushers",
        [],
        "The roles that push (CI): a list of {role: ROLE_ARN, repositories: [PATTERNS]}; a "
        "pattern (* and ? wildcards) matches repository names in every scanned account and "
        "region, or repository ARNs when it starts with arn:.",
        "pusher-push-permission",
        _pushers,
    ),
    Parameter(
        "storage_price_per_gb_month",
        0.10,
        "ECR storage price in US dollars per GB-month, for the cost view.",
        "cost view",
        _price,
    ),
)

PARAMETERS = CORE + CONTROL_PARAMETERS


def control_values(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """The validated policy-data values of CONTROL_PARAMETERS (defaults where unset)."""
    values = {p.name: p.value(raw, source) for p in CONTROL_PARAMETERS}
    if values["lifecycle_tagged_count_min"] > values["lifecycle_tagged_count_max"]:
        raise InputError(
            f"{source}: lifecycle_tagged_count_min is above lifecycle_tagged_count_max"
        )
    return values


def default_values() -> dict[str, Any]:
    return control_values({}, "defaults")


# ---------------------------------------------------------------------------
# docs/configuration.md


def _yaml_text(value: Any) -> str:
    """A default as YAML flow text (JSON is YAML): `[]`, `null`, `"private"`, `14`."""
    return json.dumps(value)


def configuration_markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "<!-- generated by `python -m scanner.config_parameters docs/configuration.md` "
        "from scanner/config_parameters.py; do not edit -->",
        "",
        "A YAML file given with `--config`. Every key is optional; each reaches the policies "
        "as data (`data.ecrscan.config.<key>`), never as Rego text. An unknown key or a bad "
        "value is refused with one line naming it (exit 2).",
        "",
        "| key | default | meaning | used by |",
        "| --- | --- | --- | --- |",
    ]
    for p in PARAMETERS:
        default = _yaml_text(p.default).replace("|", "\\|")
        lines.append(f"| `{p.name}` | `{default}` | {p.description} | {p.used_by} |")
    lines += [
        "",
        "Example:",
        "",
        "```yaml",
        'trusted_accounts: ["444455556666"]',
        "organization_id: o-a1b2c3d4e5",
        "kms_key_arns: []",
        "lifecycle_untagged_max_days: 14",
        "vulnerability_severity: HIGH",
        "production_repositories:",
        '  name_patterns: ["payments/*"]',
        "  tags: {environment: production}",
        "tag_schemes: [semver, git_sha]",
        "registry_scanning_minimum: enhanced_on_push",
        "```",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    from scanner.fileio import write_text_atomic

    write_text_atomic(configuration_markdown(), Path(argv[0] if argv else "docs/configuration.md"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
