"""Collection: the only layer that talks to AWS (and the only one that imports boto3).

`collect_snapshot` reads one account into a snapshot dict; `iam_policy` is the read-only IAM
policy that collection needs, generated from the declared operations.
"""

import importlib

# Imported on first use (PEP 562), so that importing a pure helper such as
# scanner.collect.policy_text (documents and IaC adapters parse policy texts with it) does not
# import boto3: offline `evaluate` and `iac` never load the AWS SDK.
_EXPORTS = {
    "ClientFactory": "scanner.collect.session",
    "collect_snapshot": "scanner.collect.collector",
    "iam_policy": "scanner.collect.permissions",
    "open_session": "scanner.collect.session",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
