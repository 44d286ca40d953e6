"""Credentials per account for the export: Security Hub imports a finding only from the account
it belongs to, so findings of other accounts go through a role assumed there."""

from scanner.collect.accounts import assumed_role_session, role_arn
from scanner.collect.calls import OperationFailed
from scanner.collect.credentials import identify_caller
from scanner.collect.session import ClientFactory


def caller_identity(clients: ClientFactory, region: str) -> tuple[str, str]:
    """(account, partition) of the caller."""
    identity = identify_caller(clients, region)
    return identity["Account"], identity["Arn"].split(":")[1]


class AccountClients:
    """The caller's clients for its own account; assumed-role clients (made once) for others."""

    def __init__(
        self,
        base: ClientFactory,
        caller_account: str,
        partition: str,
        home_region: str,
        role_name: str | None = None,
        external_id: str | None = None,
    ):
        self.base = base
        self.caller_account = caller_account
        self.partition = partition
        self.home_region = home_region
        self.role_name = role_name
        self.external_id = external_id
        self._made: dict[str, ClientFactory] = {}

    def __call__(self, account: str) -> ClientFactory:
        if account == self.caller_account:
            return self.base
        if self.role_name is None:
            raise OperationFailed(
                "AssumeRole",
                "NoRoleName",
                f"findings of account {account} are imported only from that account; "
                "give --role-name",
            )
        if account not in self._made:
            session = assumed_role_session(
                self.base.session,
                self.base.client("sts", self.home_region),
                role_arn(self.partition, account, self.role_name),
                self.external_id,
                self.home_region,
            )
            self._made[account] = self.base.for_session(session)
        return self._made[account]
