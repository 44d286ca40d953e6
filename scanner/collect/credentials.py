"""Credentials that are missing or refused: unusable input (exit 2), with the fix in the message.

Without usable credentials no call can succeed, so there is nothing to collect and nothing
undecided to report: the user has to act first. Other failures to identify the caller (an
unreachable endpoint, say) stay collection errors (exit 3).
"""

from typing import Any

from scanner.collect.calls import OperationFailed, call
from scanner.collect.session import ClientFactory
from scanner.errors import CollectionError, InputError

# botocore's exceptions when no credentials are found anywhere in the chain, or only half.
MISSING = frozenset({"NoCredentialsError", "PartialCredentialsError"})
# AWS's answers to credentials it does not accept, and botocore's when a profile's source of
# credentials (SSO, a credential process, an assumed role) cannot give any.
REFUSED = frozenset(
    {
        "AuthFailure",
        "CredentialRetrievalError",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "SSOTokenLoadError",
        "TokenRetrievalError",
        "UnauthorizedSSOTokenError",
        "UnrecognizedClientException",
    }
)

HOW_TO_GIVE = (
    "give ecrscan AWS credentials: --profile NAME (a profile set up with `aws configure` or "
    "`aws configure sso`), AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
    "environment; on EC2, ECS or Lambda the instance or task role is used by itself"
)


def credentials_problem(failure: OperationFailed, profile: str | None) -> InputError | None:
    """The InputError to raise for a credentials failure of GetCallerIdentity, else None."""
    profile = None if profile == "default" else profile  # boto3's name for "none named"
    named = f" (profile {profile})" if profile else ""
    if failure.code in MISSING:
        return InputError(f"No usable AWS credentials found{named}: {HOW_TO_GIVE}.")
    if failure.code in REFUSED:
        renew = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return InputError(
            f"AWS did not accept the credentials{named} ({failure.code}: {failure.message}): "
            f"renew them (`{renew}`, or new access keys), or {HOW_TO_GIVE}."
        )
    return None


# botocore's exception names for an endpoint that could not be reached or did not answer.
_NETWORK_FAULTS = ("ConnectionError", "TimeoutError", "ConnectionClosedError", "SSLError")


def identify_caller(clients: ClientFactory, region: str) -> dict[str, Any]:
    """GetCallerIdentity, which every command that calls AWS asks first. Missing or refused
    credentials are an InputError with the fix (exit 2); anything else a CollectionError
    naming what to check (exit 3)."""
    try:
        return call(clients.client("sts", region), "GetCallerIdentity")
    except OperationFailed as failure:
        raise credentials_problem(failure, clients.session.profile_name) or CollectionError(
            f"Cannot identify the AWS account (sts:GetCallerIdentity failed with "
            f"{failure.code}: {failure.message}); {unreachable_hint(failure)}."
        ) from failure


def unreachable_hint(failure: OperationFailed) -> str:
    """What to check when the caller could not be identified for another reason."""
    if failure.code.endswith(_NETWORK_FAULTS):
        return "check the network, the proxy settings (HTTPS_PROXY) or --endpoint-url"
    if failure.code == "ResponseParserError":  # a proxy's or captive portal's page, say
        return "the answer did not come from AWS: check the proxy settings or --endpoint-url"
    return "check your AWS credentials and profile"
