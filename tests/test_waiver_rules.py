"""Waivers are deliberate: a selector of everything says all: true, a key given twice is refused,
an unknown control is exit 2, and an expiry further ahead than --max-waiver-days is refused."""

import datetime as dt
from pathlib import Path

import pytest

from scanner.audit.waivers import apply_waivers, load_waivers
from scanner.cli import main
from scanner.errors import ExitCode, InputError
from tests.test_waivers import TAG, _result, _results, _snapshot, _waiver_file


def _one_waiver(tmp_path, body: str, expires: str = "2026-12-31") -> Path:
    return _waiver_file(
        tmp_path,
        f"waivers:\n  - {{control: {TAG}, {body}reason: r, approver: a, expires: {expires}}}\n",
    )


@pytest.mark.parametrize(
    "selector", ["repository: '*', ", "resource: '**', ", "account: '*', region: '*', ", ""]
)
def test_a_selector_that_matches_everything_needs_all_true(tmp_path, selector):
    with pytest.raises(InputError, match=r"waiver 1 .*(all: true|say all: true)"):
        load_waivers(_one_waiver(tmp_path, selector))


def test_all_true_waives_every_failure_of_the_control_and_says_so(tmp_path):
    waivers = load_waivers(_one_waiver(tmp_path, "all: true, "))
    results = _results(
        _result("a/one"), _result("b/two"), _result("c", control="vpc-ecr-endpoints")
    )
    apply_waivers(results, waivers, dt.date(2026, 6, 1))
    assert [r.status for r in results.results] == ["WAIVED", "WAIVED", "FAIL"]
    assert results.results[0].exception["selector"] == {"all": True}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("all: true, repository: legacy/*, ", "all: true selects every resource; drop"),
        ("all: yes please, ", "all must be true or false"),
    ],
)
def test_all_is_a_plain_boolean_without_selectors(tmp_path, body, message):
    with pytest.raises(InputError, match=message):
        load_waivers(_one_waiver(tmp_path, body))


def test_a_narrow_glob_is_not_mistaken_for_everything(tmp_path):
    for selector in ("repository: '*/*', ", "repository: 'legacy*', ", "account: '?*1', "):
        assert load_waivers(_one_waiver(tmp_path, selector)).waivers[0].everything is False


def test_the_last_of_two_equal_keys_never_wins(tmp_path):
    """`repository: legacy/*` then `repository: '*'` would waive everything if the last won."""
    path = _waiver_file(
        tmp_path,
        f"""\
        waivers:
          - control: {TAG}
            repository: legacy/*
            repository: '*'
            reason: r
            approver: a
            expires: 2026-12-31
        """,
    )
    with pytest.raises(InputError, match=r"duplicate key 'repository' \(first on line 3\)"):
        load_waivers(path)


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "waivers.yaml"
    path.write_text("\n".join(lines) + "\nwaivers: [*a8]\n")
    assert path.stat().st_size < 1000
    with pytest.raises(InputError, match="aliases expand to more than"):
        load_waivers(path)


def test_nesting_beyond_the_limit_is_refused(tmp_path):
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InputError, match="nested deeper than 64 levels"):
        load_waivers(path)


def _cli(tmp_path, capsys, waivers: Path, *extra: str) -> tuple[int, str]:
    argv = ["evaluate", _snapshot(tmp_path), "--controls", TAG, "--waivers", str(waivers)]
    code = main([*argv, "--as-of", "2026-06-01", *extra])
    return code, capsys.readouterr().err


def test_a_waiver_for_an_unknown_control_is_a_usage_error(tmp_path, capsys):
    path = _waiver_file(
        tmp_path,
        "waivers:\n  - {control: ecr-tag-imutability, repository: legacy/*, reason: r, "
        "approver: a, expires: 2026-12-31}\n",
    )
    code, err = _cli(tmp_path, capsys, path)
    assert code == ExitCode.USAGE and err.count("\n") == 1
    assert "unknown control 'ecr-tag-imutability'; did you mean ecr-tag-immutability?" in err


def test_an_expiry_beyond_max_waiver_days_is_refused_unless_allowed(tmp_path, capsys):
    path = _one_waiver(tmp_path, "repository: legacy/*, ", expires="2027-06-02")
    code, err = _cli(tmp_path, capsys, path)
    assert code == ExitCode.USAGE
    assert "expires 2027-06-02 is more than 365 days after 2026-06-01" in err
    code, err = _cli(tmp_path, capsys, path, "--max-waiver-days", "366")
    assert code == ExitCode.OK, err
    assert _cli(tmp_path, capsys, _one_waiver(tmp_path, "repository: l*, ", "2027-06-01"))[0] == 0
