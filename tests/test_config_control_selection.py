"""Which controls a run evaluates: --controls, --skip-controls and --min-severity."""

import argparse

import pytest

from scanner.cli.options import policies_from
from scanner.cli.run_options import RunOptions
from scanner.errors import InputError


def _ids(controls=None, skip=None, floor=None):
    args = argparse.Namespace(controls=controls, skip_controls=skip, min_severity=floor)
    return {c.id for c in policies_from(RunOptions.from_args(args).selection).controls}


def test_all_controls_by_default():
    assert "ecr-registry-scanning" in _ids()
    assert len(_ids()) == 21


def test_skip_controls():
    ids = _ids(skip="ecr-tag-hygiene, ecr-image-freshness")
    assert not {"ecr-tag-hygiene", "ecr-image-freshness"} & ids
    assert len(ids) == 19


def test_min_severity_keeps_that_severity_and_above():
    assert _ids(floor="HIGH") == {
        "ecr-image-vulnerabilities",
        "ecr-registry-policy",
        "ecr-registry-scanning",
        "ecr-repository-policy",
        "ecr-scan-on-push",
        "consumer-image-available",
        "consumer-pull-permission",
        "consumer-network-path",
        "lifecycle-spares-in-use",
        "pusher-push-permission",
    }


def test_the_three_combine():
    ids = _ids(
        controls="ecr-kms-cmk,ecr-scan-on-push,ecr-tag-hygiene", skip="ecr-kms-cmk", floor="MEDIUM"
    )
    assert ids == {"ecr-scan-on-push"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"skip": "ecr-nope"}, "unknown control id 'ecr-nope'"),
        ({"controls": "ecr-tag-hygiene", "floor": "HIGH"}, "leave no control to run"),
    ],
)
def test_refusals(kwargs, message):
    with pytest.raises(InputError, match=message):
        _ids(**kwargs)
