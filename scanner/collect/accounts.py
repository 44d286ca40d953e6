"""Which accounts a scan covers, and a session in each one.

The accounts come from AWS Organizations (`--org`: every ACTIVE account, listed from the
management account or a delegated administrator) or from an explicit list (`--accounts`,
`--accounts-file`). The scanner reaches each one by assuming the same role there (`--role-name`,
with `--external-id` when the trust policy asks for one). The caller's own account is scanned
with the caller's credentials instead: the management account usually has no audit role (a
service-managed StackSet never deploys to it), and assuming a role into one's own account
would only narrow what the scanner may read.
"""

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.exceptions import CredentialRetrievalError

from scanner.collect.calls import OperationFailed, call, paginate
from scanner.errors import InputError

ACCOUNT_ID = re.compile(r"\A[0-9]{12}\Z")
# Shows in the member account's CloudTrail as assumed-role/<role>/ecrscan.
SESSION_NAME = "ecrscan"
# Organizations reports SUSPENDED and PENDING_CLOSURE accounts too; they cannot be scanned.
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class AccountPlan:
    """How a multi-account scan finds its accounts and gets into each one."""

    role_name: str
    external_id: str | None = None
    organization: bool = False  # list the accounts through AWS Organizations
    account_ids: tuple[str, ...] = ()  # or scan exactly these


def parse_account_ids(text: str, source: str = "--accounts") -> list[str]:
    """'111122223333,444455556666' -> ids, in order, without duplicates; refuses a bad id."""
    ids = [item.strip() for item in text.split(",") if item.strip()]
    for account_id in ids:
        _check_account_id(account_id, source)
    if not ids:
        raise InputError(f"{source} names no account")
    return list(dict.fromkeys(ids))


def read_accounts_file(path: str) -> list[str]:
    """One account id per line; blank lines and `#` comments (whole-line or trailing) ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the accounts file {path}: {exc}") from exc
    ids = []
    for number, line in enumerate(lines, start=1):
        account_id = line.split("#", 1)[0].strip()
        if account_id:
            _check_account_id(account_id, f"{path}, line {number}")
            ids.append(account_id)
    if not ids:
        raise InputError(f"the accounts file {path} names no account")
    return list(dict.fromkeys(ids))


def _check_account_id(account_id: str, source: str) -> None:
    if not ACCOUNT_ID.match(account_id):
        raise InputError(f"{source}: {account_id!r} is not a 12-digit AWS account id")


def organization_accounts(organizations: BaseClient) -> list[str]:
    """Every ACTIVE account of the caller's organisation, sorted; raises OperationFailed (the
    collector records it as a top-level error: the snapshot covers no account)."""
    accounts = paginate(organizations, "ListAccounts", "Accounts")
    ids = sorted(str(account.get("Id")) for account in accounts if _active(account))
    strange = [account_id for account_id in ids if not ACCOUNT_ID.match(account_id)]
    if strange:
        # A role ARN built from it would go wherever the text points; and a list with a hole
        # would read as the whole organisation.
        raise OperationFailed(
            "ListAccounts", "InvalidAccountId", f"the answer names {strange[0]!r}, not an account"
        )
    return ids


def _active(account: dict[str, Any]) -> bool:
    # `State` replaces the deprecated `Status`; either says ACTIVE for a live account.
    return (account.get("State") or account.get("Status")) == ACTIVE


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def assumed_role_session(
    base: boto3.Session, sts: BaseClient, arn: str, external_id: str | None, region: str | None
) -> boto3.Session:
    """A session in another account through sts:AssumeRole; raises OperationFailed if denied.

    The credentials renew themselves before they expire (a large account can take longer than
    the default hour). The session inherits the event hooks of `base`, so instrumentation
    registered for the scan sees every account's calls.
    """
    params = {"RoleArn": arn, "RoleSessionName": SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id

    def fetch() -> dict[str, str]:
        answer = call(sts, "AssumeRole", **params)["Credentials"]
        return {
            "access_key": answer["AccessKeyId"],
            "secret_key": answer["SecretAccessKey"],
            "token": answer["SessionToken"],
            "expiry_time": answer["Expiration"].isoformat(),
        }

    def renew() -> dict[str, str]:
        # Raised inside a later call, this reads as a credential fault and is recorded there.
        try:
            return fetch()
        except OperationFailed as failure:
            raise CredentialRetrievalError(provider="assume-role", error_msg=str(failure)) from None

    credentials = RefreshableCredentials.create_from_metadata(fetch(), renew, "assume-role")
    inner = botocore.session.Session(
        event_hooks=copy.copy(base.events), include_builtin_handlers=False
    )
    inner.register_component("credential_provider", CredentialResolver([_Fixed(credentials)]))
    return boto3.Session(botocore_session=inner, region_name=region)


class _Fixed(CredentialProvider):
    """Hands botocore the assumed-role credentials instead of searching the usual chain."""

    METHOD = "ecrscan-assume-role"

    def __init__(self, credentials: RefreshableCredentials):
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials
