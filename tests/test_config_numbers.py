"""Any configuration number reaches every engine in a form it reads: tiny, huge and negative
values give the same answers on regopy and Go OPA, and an evaluation with them runs."""

import json

import pytest
import yaml

from bench import synthetic
from scanner.cli import main
from scanner.config import config_from_mapping
from scanner.engines import available_engines, engine_factory
from scanner.engines.json_text import plain_number, rego_json
from scanner.fileio import write_json_atomic

NUMBERS = [
    0.00001,
    -0.00001,
    2.5e-10,
    1e-300,
    0.1,
    1e16,
    -1.5e16,
    1e300,
    -1e300,
    10**30,
    -(10**30),
    (1 << 63) - 1,
    -(1 << 63),
    0,
]
PROBE = """package numbers

facts := {
	"echo": data.n,
	"input_echo": input.n,
	"same": data.n == input.n,
	"negative": data.n < 0,
	"below_one": data.n < 1,
	"above_a_million": data.n > 1000000,
}
"""


def _facts(engine_name: str, number) -> dict:
    engine = engine_factory(engine_name)({"numbers.rego": PROBE}, {"n": number}, ["numbers/facts"])
    [answer] = engine.verdicts(["numbers/facts"], [{"n": number}])
    engine.close()
    return answer["numbers/facts"]


@pytest.mark.parametrize("engine_name", available_engines())
@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_every_engine_reads_the_number(engine_name, number):
    facts = _facts(engine_name, number)
    assert isinstance(facts, dict), facts  # an EngineError: the data did not load
    assert facts["same"] is True
    assert facts["negative"] is (number < 0)
    assert facts["below_one"] is (number < 1)
    assert facts["above_a_million"] is (number > 1_000_000)
    assert facts["echo"] == facts["input_echo"] == pytest.approx(number, rel=1e-15)


@pytest.mark.skipif(len(available_engines()) < 2, reason="one engine: nothing to compare")
@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_the_engines_agree(number):
    regopy, go_opa = (_facts(name, number) for name in available_engines())
    assert regopy == go_opa


@pytest.mark.parametrize(
    ("number", "spelled"),
    [
        (0.00001, "0.00001"),
        (-2.5e-10, "-0.00000000025"),
        (1e16, "10000000000000000.0"),
        (0.1, "0.1"),
        (1.5, "1.5"),
        (10**30, "1000000000000000000000000000000"),
    ],
)
def test_numbers_are_spelled_without_an_exponent(number, spelled):
    text = rego_json({"n": number, "list": [number]})
    assert "e" not in text.replace("true", "")
    assert json.loads(text) == {"n": number, "list": [number]}
    if isinstance(number, float):
        assert plain_number(number) == spelled
    else:
        assert str(number) == spelled


@pytest.mark.parametrize(
    ("text", "price"), [("1e-05", 0.00001), ("2.5E+2", 250.0), ("'0.1'", 0.1), ("7", 7.0)]
)
def test_a_price_written_with_an_exponent_is_a_number(text, price):
    """YAML 1.1 reads 1e-05 (no decimal point) as a string; it is still the number."""
    config = config_from_mapping(yaml.safe_load(f"storage_price_per_gb_month: {text}"))
    assert config.policy_data()["storage_price_per_gb_month"] == price


@pytest.mark.parametrize(
    "settings",
    [
        {"storage_price_per_gb_month": 0.00001},
        {"storage_price_per_gb_month": 1e300},
        {
            "lifecycle_untagged_max_days": (1 << 63) - 1,
            "lifecycle_tagged_count_max": (1 << 63) - 1,
            "image_max_age_days": (1 << 63) - 1,
        },
    ],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()),
)
def test_an_evaluation_with_extreme_settings_runs_the_same_on_every_engine(tmp_path, settings):
    snapshot, config = tmp_path / "snapshot.json", tmp_path / "config.yaml"
    write_json_atomic(synthetic.snapshot(12, vpcs_per_region=1, seed=7), snapshot)
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    results = {}
    for name in available_engines():
        output = tmp_path / f"{name}.json"
        argv = [
            "evaluate",
            str(snapshot),
            "--config",
            str(config),
            "--engine",
            name,
            "--workers",
            "1",
        ]
        code = main([*argv, "--format", "json", "--output", str(output)])
        assert code in (1, 3), f"{name} exited {code}"
        document = json.loads(output.read_text())
        assert not [r for r in document["results"] if r["reason"].startswith("policy ")]
        results[name] = document["results"]
    assert len({json.dumps(r, sort_keys=True) for r in results.values()}) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("storage_price_per_gb_month: -0.01", "a finite number of at least 0"),
        ("storage_price_per_gb_month: .inf", "a finite number of at least 0"),
        ("storage_price_per_gb_month: .nan", "a finite number of at least 0"),
        (f"storage_price_per_gb_month: {10**400}", "a finite number of at least 0"),
        ("image_max_age_days: -5", "a whole number from 1 to 9223372036854775807"),
        (f"image_max_age_days: {1 << 63}", "a whole number from 1 to 9223372036854775807"),
        ("lifecycle_untagged_max_days: 1.5", "a whole number from 1"),
        ("storage_price_per_gb_month: 1" + "0" * 5000, "value has 5001 digits"),
        ("storage_price_per_gb_month: cheap", "'cheap' is not a price"),
    ],
)
def test_numbers_no_engine_can_use_are_refused_in_one_line(tmp_path, capsys, text, says):
    snapshot, config = tmp_path / "snapshot.json", tmp_path / "config.yaml"
    write_json_atomic(synthetic.snapshot(2), snapshot)
    config.write_text(text + "\n", encoding="utf-8")
    assert main(["evaluate", str(snapshot), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
