"""The steps of the organisation-wide state machine (deploy/organization.yaml).

    Accounts ──> ScanAccounts (Distributed Map, one child per account) ──> Merge ──> Complete?

- `accounts`: the ACTIVE accounts from AWS Organizations, or the accounts file in S3
  (ECRSCAN_ACCOUNTS_S3), written as a JSON array to `org/<run>/accounts.json` for the map's
  ItemReader (an S3 object, not the state's payload: thousands of accounts fit).
- `scan-account`: one account, through the read-only role assumed there (the function's own
  account with its own credentials), judged and written to `org/<run>/accounts/<id>.json`
  with its snapshot beside it as evidence. ERROR cells do not fail the step: the merged report
  shows them.
- `merge`: every account's results merged (`ecrscan merge`'s rules) into
  `org/<run>/organization.json` and `org/<run>/report.html`; accounts whose results are missing
  are named, and the state machine then fails.
"""

import json
import re
from typing import Any

from scanner.audit.merge import merge
from scanner.collect import ClientFactory, open_session
from scanner.collect.accounts import AccountPlan, organization_accounts
from scanner.continuous.judging import collect_and_judge, counts, incomplete
from scanner.continuous.settings import Settings
from scanner.errors import InputError
from scanner.evaluate.results import parse_results
from scanner.export.results_store import S3Location, get_text, list_keys, put_text
from scanner.render import html_format, json_format

_RUN_ID = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")


def run_step(event: Any, settings: Settings, session: Any = None) -> dict[str, Any]:
    if not isinstance(event, dict) or event.get("step") not in _STEPS:
        raise InputError(f"the step must be one of {', '.join(_STEPS)}")
    if settings.results is None:
        raise InputError("ECRSCAN_RESULTS_S3 is not set: the organisation steps keep results there")
    run_id = str(event.get("run_id") or "")
    if not _RUN_ID.match(run_id):
        raise InputError("run_id is missing or malformed")
    clients = ClientFactory(session or open_session(), endpoint_url=settings.endpoint_url)
    return _STEPS[event["step"]](event, settings, clients, run_id)


def _region(clients: ClientFactory, settings: Settings) -> str:
    return clients.session.region_name or (settings.regions[0] if settings.regions else "us-east-1")


def _accounts(event, settings: Settings, clients: ClientFactory, run_id: str) -> dict[str, Any]:
    region = _region(clients, settings)
    if settings.accounts_file:
        ids = _accounts_from_file(clients, region, settings.accounts_file)
        source = settings.accounts_file
    else:
        ids = organization_accounts(clients.client("organizations", region))
        source = "organizations:ListAccounts"
    store = settings.results
    key = store.key("org", run_id, "accounts.json")
    items = [{"account_id": account} for account in ids]
    put_text(clients.client("s3", region), store.bucket, key, json.dumps(items), "application/json")
    return {
        "run_id": run_id,
        "bucket": store.bucket,
        "key": key,
        "count": len(ids),
        "source": source,
    }


def _accounts_from_file(clients: ClientFactory, region: str, url: str) -> list[str]:
    location = S3Location.parse(url)
    text = get_text(clients.client("s3", region), location.bucket, location.prefix)
    if text is None:
        raise InputError(f"the accounts file {url} does not exist")
    ids = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    ids = [account for account in ids if account]
    bad = [account for account in ids if not _ACCOUNT.match(account)]
    if bad or not ids:
        raise InputError(f"the accounts file {url} must list 12-digit account ids, one a line")
    return list(dict.fromkeys(ids))


def _scan_account(event, settings: Settings, clients: ClientFactory, run_id: str) -> dict:
    account = str(event.get("account_id") or "")
    if not _ACCOUNT.match(account):
        raise InputError("account_id is missing or malformed")
    if not settings.role_name:
        raise InputError("ECRSCAN_ROLE_NAME is not set: the role to assume in each account")
    region = _region(clients, settings)
    plan = AccountPlan(settings.role_name, settings.external_id, account_ids=(account,))
    regions = list(settings.regions or (region,))
    snapshot, results = collect_and_judge(clients, settings, regions, None, accounts=plan)
    store, s3 = settings.results, clients.client("s3", region)
    key = store.key("org", run_id, "accounts", f"{account}.json")
    put_text(s3, store.bucket, key, json_format.render(results), "application/json")
    evidence = store.key("org", run_id, "snapshots", f"{account}.json")
    put_text(s3, store.bucket, evidence, json.dumps(snapshot), "application/json")
    return {
        "account_id": account,
        "results": store.url(key),
        "counts": counts(results),
        "incomplete": incomplete(snapshot, results),
    }


def _merge(event, settings: Settings, clients: ClientFactory, run_id: str) -> dict[str, Any]:
    region = _region(clients, settings)
    store, s3 = settings.results, clients.client("s3", region)
    listed = get_text(s3, store.bucket, store.key("org", run_id, "accounts.json"))
    expected = [item["account_id"] for item in json.loads(listed or "[]")]
    keys = list_keys(s3, store.bucket, store.key("org", run_id, "accounts") + "/")
    shards = [
        (store.url(key), parse_results(json.loads(get_text(s3, store.bucket, key) or "{}"), key))
        for key in keys
    ]
    found = {key.rsplit("/", 1)[-1].removesuffix(".json") for key in keys}
    missing = sorted(set(expected) - found)
    answer: dict[str, Any] = {"run_id": run_id, "accounts": len(found), "missing": missing}
    if not shards:
        return answer | {"results": None, "report": None}
    merged = merge(shards)
    results_key = store.key("org", run_id, "organization.json")
    report_key = store.key("org", run_id, "report.html")
    put_text(s3, store.bucket, results_key, json_format.render(merged), "application/json")
    put_text(s3, store.bucket, report_key, html_format.render(merged), "text/html")
    return answer | {
        "results": store.url(results_key),
        "report": store.url(report_key),
        "counts": counts(merged),
    }


_STEPS = {"accounts": _accounts, "scan-account": _scan_account, "merge": _merge}
