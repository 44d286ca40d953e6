import pytest

from scanner import strict_yaml
from scanner.config import Config, config_from_mapping, load_config
from scanner.errors import InputError

CORE_KEYS = ("trusted_accounts", "organization_id", "allow_tag_exclusions", "vpc_scope")


def test_defaults_reach_the_policies_as_data():
    data = Config().policy_data()
    assert {k: data[k] for k in CORE_KEYS} == {
        "trusted_accounts": [],
        "organization_id": None,
        "allow_tag_exclusions": True,
        "vpc_scope": {"mode": "private", "vpc_ids": []},
    }
    # The controls' parameters (scanner.config_parameters) ride along with their defaults.
    assert data["lifecycle_untagged_max_days"] == 14
    assert data["vulnerability_severity"] == "HIGH"
    assert data["production_repositories"] == {"name_patterns": ["*"], "tags": []}


def test_full_configuration(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "trusted_accounts: ['444455556666', 111122223333]\n"
        "organization_id: o-a1b2c3d4e5\n"
        "allow_tag_exclusions: false\n"
        "vpc_scope: [vpc-0b2, vpc-0a1]\n"
    )
    data = load_config(path).policy_data()
    assert data["trusted_accounts"] == ["111122223333", "444455556666"]
    assert data["organization_id"] == "o-a1b2c3d4e5"
    assert data["allow_tag_exclusions"] is False
    assert data["vpc_scope"] == {"mode": "listed", "vpc_ids": ["vpc-0a1", "vpc-0b2"]}


@pytest.mark.parametrize("scope", ["all", "private"])
def test_vpc_scope_modes(scope):
    assert config_from_mapping({"vpc_scope": scope}).vpc_scope_mode == scope


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"trusted_account": []}, "unknown configuration key 'trusted_account'"),
        ({"trusted_accounts": ["12345"]}, "'12345' is not a 12-digit account id"),
        ({"trusted_accounts": "444455556666"}, "must be a list"),
        ({"organization_id": "acme"}, "is not an organisation id"),
        ({"allow_tag_exclusions": "yes"}, "must be true or false"),
        ({"vpc_scope": "some"}, "vpc_scope must be"),
        ({"vpc_scope": ["subnet-1"]}, "'subnet-1' is not a VPC id"),
        (["a"], "must be a mapping"),
    ],
)
def test_bad_configuration_is_one_clear_message(raw, message):
    with pytest.raises(InputError, match=message):
        config_from_mapping(raw)


def test_configuration_that_is_not_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("trusted_accounts: [\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_config(path)


def test_yaml_is_loaded_safely(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("trusted_accounts: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_config(path)


def test_empty_file_means_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("# nothing set\n")
    assert load_config(path) == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "allow_tag_exclusions: false\nallow_tag_exclusions: true\n",
            r"duplicate key 'allow_tag_exclusions' \(first on line 1\)",
        ),
        ("trusted_accounts: " + "[" * 100 + "]" * 100 + "\n", "nested deeper than 64 levels"),
        ("image_max_age_days: " + "9" * 5000 + "\n", "holds a value that cannot be read"),
        (
            "x0: &x0 [a, a, a, a, a, a, a, a]\n"
            + "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 8)}]\n" for i in range(1, 8))
            + "trusted_accounts: *x7\n",
            "aliases expand to more than",
        ),
    ],
)
def test_configuration_that_could_mislead_or_stall_is_refused(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path}: configuration is not valid YAML") or (
        "cannot be read" in str(raised.value)
    )


def test_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("base: &base {organization_id: o-aaaaaaaaaa}\n")
    # A merge key in a mapping of its own: keys beside it override the merged ones.

    loaded = strict_yaml.load("a: &a {k: 1, j: 2}\nb: {<<: *a, k: 3}\n", "test", "t")
    assert loaded["b"] == {"k": 3, "j": 2}
