"""Every configuration parameter is defined once, validated, and documented from that definition."""

from pathlib import Path

import pytest

from scanner.config import KNOWN_KEYS, Config, config_from_mapping
from scanner.config_parameters import CORE, PARAMETERS, configuration_markdown
from scanner.errors import InputError

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_configuration_doc_is_current():
    """Run `python -m scanner.config_parameters docs/configuration.md` when this fails."""
    assert DOCS.read_text(encoding="utf-8") == configuration_markdown(), (
        "docs/configuration.md is stale"
    )


def test_every_known_key_is_documented_once():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names))
    assert set(names) == set(KNOWN_KEYS)


@pytest.mark.parametrize("parameter", CORE, ids=lambda p: p.name)
def test_documented_core_defaults_are_the_applied_ones(parameter):
    """CORE parameters are validated by scanner.config: its defaults must be the documented ones."""
    assert config_from_mapping({parameter.name: parameter.default}) == Config()


def test_control_parameters_reach_the_policies():
    data = config_from_mapping(
        {
            "kms_key_arns": ["arn:aws:kms:eu-west-1:111122223333:key/abc-1"],
            "vulnerability_severity": "critical",
            "production_repositories": {"name_patterns": ["prod/*"], "tags": {"env": "prod"}},
            "tag_schemes": ["semver", "semver"],
            "registry_scanning_minimum": "on_push",
            "storage_price_per_gb_month": 0.0825,
        }
    ).policy_data()
    assert data["kms_key_arns"] == ["arn:aws:kms:eu-west-1:111122223333:key/abc-1"]
    assert data["vulnerability_severity"] == "CRITICAL"
    assert data["production_repositories"] == {
        "name_patterns": ["prod/*"],
        "tags": [{"key": "env", "value": "prod"}],
    }
    assert data["tag_schemes"] == ["semver"]
    assert data["registry_scanning_minimum"] == "on_push"
    assert data["storage_price_per_gb_month"] == 0.0825
    assert data["replicated_repositories"] == {"name_patterns": ["*"], "tags": []}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"lifecycle_untagged_max_days": 0},
            "lifecycle_untagged_max_days: 0 is not a whole number",
        ),
        ({"image_max_age_days": True}, "image_max_age_days: True is not a whole number"),
        ({"vulnerability_severity": "URGENT"}, "'URGENT' is not one of CRITICAL"),
        ({"registry_scanning_minimum": "weekly"}, "'weekly' is not one of enhanced_continuous"),
        ({"kms_key_arns": ["alias/aws/ecr"]}, "'alias/aws/ecr' is not a KMS key ARN"),
        ({"tag_schemes": []}, "tag_schemes: must be a non-empty list"),
        ({"tag_schemes": ["calver"]}, "'calver' is not one of build_number"),
        ({"production_repositories": ["prod/*"]}, "production_repositories: must be a mapping"),
        (
            {"replicated_repositories": {"names": ["x"]}},
            "replicated_repositories: must be a mapping",
        ),
        ({"production_repositories": {"tags": ["env"]}}, "tags must be a mapping"),
        ({"storage_price_per_gb_month": -1}, "is not a price"),
        (
            {"lifecycle_tagged_count_min": 50, "lifecycle_tagged_count_max": 30},
            "lifecycle_tagged_count_min is above lifecycle_tagged_count_max",
        ),
        ({"lifecycle_days": 3}, "unknown configuration key 'lifecycle_days'"),
    ],
)
def test_bad_parameter_is_one_clear_message(raw, message):
    with pytest.raises(InputError, match=message):
        config_from_mapping(raw, source="c.yaml")
