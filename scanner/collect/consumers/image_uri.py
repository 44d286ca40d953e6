"""Parse a container image reference into registry, repository, tag and digest.

Pure (no AWS SDK), so collection, evaluation documents and `ecrscan doctor` share it. Docker's
rules: the first path component is a registry host only when it holds a dot or a colon or is
`localhost`; otherwise the image is on Docker Hub (`nginx` is `docker.io/library/nginx`). A
reference with neither tag nor digest pulls `latest`; with both, the digest is what is pulled.
"""

import re
from typing import Any

# ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn], or dual-stack ACCOUNT.dkr-ecr.REGION.on.aws
_ECR_HOST = re.compile(
    r"^(?P<account>\d{12})\.dkr(?:\.ecr(?:-fips)?|-ecr)\.(?P<region>[a-z0-9-]+)"
    r"\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$"
)
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
# Docker's repository path: lowercase components separated by slashes (ECR's names are the same).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
ECR_PUBLIC_HOST = "public.ecr.aws"
DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")


def parse_image_uri(uri: Any) -> dict[str, Any]:
    """{"uri", "registry", "host", "registryId", "region", "repositoryName", "tag", "digest",
    "implicitTag"}; registry is `ecr` (a private ECR registry), `ecr-public`, `docker-hub`,
    `other`, or `invalid` (not an image reference; `problem` says why)."""
    if not isinstance(uri, str) or not uri.strip() or any(c.isspace() for c in uri):
        return _invalid(uri, "not an image reference")
    name, digest = _split_digest(uri)
    host, path = _split_host(name)
    path, tag = _split_tag(path)
    if not path:
        return _invalid(uri, "no repository name")
    if not _PATH.match(path):
        return _invalid(uri, "the repository name is not lowercase components separated by /")
    if digest is not None and not _DIGEST.match(digest):
        return _invalid(uri, f"digest {digest!r} is not algorithm:hex")
    if tag is not None and not _TAG.match(tag):
        return _invalid(uri, f"tag {tag!r} is not a valid image tag")
    implicit = tag is None and digest is None
    parsed = {
        "uri": uri,
        "registry": "other",
        "host": host,
        "registryId": None,
        "region": None,
        "repositoryName": path,
        "tag": "latest" if implicit else tag,
        "digest": digest,
        "implicitTag": implicit,
    }
    return parsed | _registry_fields(host, path)


def _registry_fields(host: str, path: str) -> dict[str, Any]:
    ecr = _ECR_HOST.match(host)
    if ecr:
        return {"registry": "ecr", "registryId": ecr["account"], "region": ecr["region"]}
    if host == ECR_PUBLIC_HOST:
        return {"registry": "ecr-public"}
    if host in DOCKER_HUB_HOSTS:
        full = path if "/" in path else f"library/{path}"
        return {"registry": "docker-hub", "host": "docker.io", "repositoryName": full}
    return {}


def _split_digest(uri: str) -> tuple[str, str | None]:
    if "@" not in uri:
        return uri, None
    name, digest = uri.split("@", 1)
    return name, digest


def _split_host(name: str) -> tuple[str, str]:
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first.lower(), rest
    return "docker.io", name


def _split_tag(path: str) -> tuple[str, str | None]:
    last_slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > last_slash:
        return path[:colon], path[colon + 1 :]
    return path, None


def _invalid(uri: Any, problem: str) -> dict[str, Any]:
    return {
        "uri": uri if isinstance(uri, str) else repr(uri),
        "registry": "invalid",
        "host": None,
        "registryId": None,
        "region": None,
        "repositoryName": None,
        "tag": None,
        "digest": None,
        "implicitTag": False,
        "problem": problem,
    }


def repository_arn(partition: str, parsed: dict[str, Any]) -> str | None:
    """The ECR repository ARN a parsed private-ECR reference names, else None."""
    if parsed.get("registry") != "ecr":
        return None
    return (
        f"arn:{partition}:ecr:{parsed['region']}:{parsed['registryId']}:"
        f"repository/{parsed['repositoryName']}"
    )
