"""What the user tells the IaC adapters that a plan or template rarely says."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    # The account that will own the resources (--account-id, or account_id in the config).
    account_id: str | None = None
    # The region a CloudFormation template is deployed to (--region); Terraform plans name
    # theirs in the provider configuration, and this is only their fallback.
    region: str | None = None
    # The CDK stack a template belongs to (from the cloud assembly's manifest.json).
    stack: str | None = None
