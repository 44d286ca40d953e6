"""The scan configuration: a YAML file whose values reach the policies as data.

Nothing here is ever spliced into Rego text; `policy_data()` is handed to the engine as
`data.ecrscan.config`.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import strict_yaml
from scanner.config_parameters import CONTROL_PARAMETERS, control_values, default_values
from scanner.errors import InputError
from scanner.fileio import read_text

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]+$")
_VPC_MODES = ("private", "all")

# The parameters of the newer controls are defined (and documented) in scanner.config_parameters.
KNOWN_KEYS = (
    "trusted_accounts",
    "organization_id",
    "allow_tag_exclusions",
    "vpc_scope",
    "account_id",
    *(p.name for p in CONTROL_PARAMETERS),
)


@dataclass(frozen=True)
class Config:
    trusted_accounts: tuple[str, ...] = ()
    organization_id: str | None = None
    allow_tag_exclusions: bool = True
    vpc_scope_mode: str = "private"  # private | all | listed
    vpc_ids: tuple[str, ...] = field(default=())
    # name -> policy-data value of each scanner.config_parameters.CONTROL_PARAMETERS entry
    controls: dict[str, Any] = field(default_factory=default_values)
    # The account that owns planned infrastructure (`ecrscan iac`), which a plan or template
    # rarely names; not policy data: it reaches the controls as the snapshot's account.
    account_id: str | None = None

    def policy_data(self) -> dict[str, Any]:
        return {
            "trusted_accounts": list(self.trusted_accounts),
            "organization_id": self.organization_id,
            "allow_tag_exclusions": self.allow_tag_exclusions,
            "vpc_scope": {"mode": self.vpc_scope_mode, "vpc_ids": list(self.vpc_ids)},
            **self.controls,
        }


def load_config(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    raw = strict_yaml.load(read_text(path, "configuration"), "configuration", str(path))
    return config_from_mapping(raw or {}, source=str(path))


def config_from_mapping(raw: Any, source: str = "configuration") -> Config:
    if not isinstance(raw, dict):
        raise InputError(f"{source}: configuration must be a mapping of keys to values")
    unknown = sorted(set(raw) - set(KNOWN_KEYS))
    if unknown:
        raise InputError(
            f"{source}: unknown configuration key {unknown[0]!r} (known: {', '.join(KNOWN_KEYS)})"
        )
    mode, vpc_ids = _vpc_scope(raw.get("vpc_scope", "private"), source)
    return Config(
        trusted_accounts=_accounts(raw.get("trusted_accounts") or [], source),
        organization_id=_organization(raw.get("organization_id"), source),
        allow_tag_exclusions=_boolean(raw.get("allow_tag_exclusions", True), source),
        vpc_scope_mode=mode,
        vpc_ids=vpc_ids,
        controls=control_values(raw, source),
        account_id=_owner_account(raw.get("account_id"), source),
    )


def _owner_account(value: Any, source: str) -> str | None:
    if value is None:
        return None
    if not _ACCOUNT_ID.match(str(value)):
        raise InputError(f"{source}: account_id {value!r} is not a 12-digit account id")
    return str(value)


def _accounts(value: Any, source: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InputError(f"{source}: trusted_accounts must be a list of 12-digit account ids")
    accounts = [str(v) for v in value]
    bad = [a for a in accounts if not _ACCOUNT_ID.match(a)]
    if bad:
        raise InputError(f"{source}: trusted_accounts: {bad[0]!r} is not a 12-digit account id")
    return tuple(sorted(set(accounts)))


def _organization(value: Any, source: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ORG_ID.match(value):
        raise InputError(f"{source}: organization_id {value!r} is not an organisation id (o-...)")
    return value


def _boolean(value: Any, source: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{source}: allow_tag_exclusions must be true or false")
    return value


def _vpc_scope(value: Any, source: str) -> tuple[str, tuple[str, ...]]:
    if value in _VPC_MODES:
        return value, ()
    if isinstance(value, list) and value:
        bad = [v for v in value if not isinstance(v, str) or not _VPC_ID.match(v)]
        if bad:
            raise InputError(f"{source}: vpc_scope: {bad[0]!r} is not a VPC id")
        return "listed", tuple(sorted(set(value)))
    raise InputError(f"{source}: vpc_scope must be 'private', 'all' or a list of VPC ids")
