"""What a repository record needs once it is collected, started at once, not after the others.

Each record's KMS key is described (once per scan, scanner.collect.kms_keys), and under ENHANCED
scanning its newest image is queued for Amazon Inspector (ten repositories a call, in a small
pool of its own, scanner.collect.inspector_findings). Both run while the region's other
repositories are still being fetched, so no call waits for the last repository.
"""

from concurrent.futures import Future
from typing import Any

from scanner.collect.inspector_findings import FindingsQueue
from scanner.collect.kms_keys import KeyDescriptions, attach_kms_keys
from scanner.collect.session import ClientFactory


class FollowUp:
    """Called with each repository record of one region, in order; then `finish()`."""

    def __init__(
        self,
        clients: ClientFactory,
        account_id: str,
        region: str,
        keys: KeyDescriptions,
        registry: Future,
    ) -> None:
        self._clients, self._account_id, self._region = clients, account_id, region
        self._keys = keys
        self._registry = registry  # the region's registry record, collected meanwhile
        self._findings: FindingsQueue | None = None

    def __call__(self, record: dict[str, Any]) -> None:
        kms = self._clients.client("kms", self._region)
        attach_kms_keys(kms, [record], self._keys, account_id=self._account_id, region=self._region)
        if not enhanced(self._registry.result()):
            return
        if self._findings is None:
            inspector = self._clients.client("inspector2", self._region)
            self._findings = FindingsQueue(inspector, self._account_id)
        self._findings.add(record)

    def finish(self) -> None:
        """Wait for the last Inspector answers."""
        if self._findings is not None:
            self._findings.finish()


def enhanced(registry: dict[str, Any]) -> bool:
    """Under ENHANCED scanning the findings live in Amazon Inspector, not in DescribeImages."""
    return (registry["scanningConfiguration"] or {}).get("scanType") == "ENHANCED"
