"""Collection: the only layer that talks to AWS (and the only one that imports boto3).

`collect_snapshot` reads one account into a snapshot dict; `iam_policy` is the read-only IAM
policy that collection needs, generated from the declared operations.
"""

from scanner.collect.collector import collect_snapshot
from scanner.collect.permissions import iam_policy
from scanner.collect.session import ClientFactory, open_session

__all__ = ["ClientFactory", "collect_snapshot", "iam_policy", "open_session"]
