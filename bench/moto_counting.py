"""moto's server on loopback, wrapped in a WSGI middleware that counts every AWS request.

Run as `python -m bench.moto_counting --repositories N`: it seeds one account with N
repositories (straight into moto's backend, which is quick), serves on 127.0.0.1 at a free port,
prints `READY <port>` and answers `GET /_bench/requests` with the counts so far, per operation,
`GET /_bench/recorded` with the requests themselves (bench.ceiling sends them again),
`GET /_bench/cpu` with its own CPU seconds so far, and `POST /_bench/reset` by forgetting the
counts and the requests.
"""

import argparse
import contextlib
import functools
import io
import json
import random
import sys
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

from bench.ceiling import CPU_PATH, RECORDED_PATH, record

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"
COUNTS_PATH = "/_bench/requests"
# POST: forget the requests counted and recorded so far (after a warm-up collection).
RESET_PATH = "/_bench/reset"

_LIFECYCLE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "imageCountMoreThan",
                    "countNumber": 10,
                },
                "action": {"type": "expire"},
            }
        ]
    }
)
_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Pull",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }
        ],
    }
)


class RequestCounter:
    """WSGI middleware: counts each request by (service, operation), and records it for
    bench.ceiling to send again, then passes it on."""

    def __init__(self, app) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self.recorded: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == RESET_PATH:
            with self._lock:
                self.counts.clear()
                self.recorded.clear()
            start_response("204 No Content", [])
            return []
        if path in (COUNTS_PATH, RECORDED_PATH, CPU_PATH):
            answer = {
                COUNTS_PATH: lambda: dict(self.counts),
                RECORDED_PATH: lambda: self.recorded,
                CPU_PATH: lambda: {"cpu_seconds": time.process_time()},
            }[path]()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(answer).encode()]
        if not path.startswith("/_bench/"):  # control requests
            seen = record(environ, request_body(environ))
            with self._lock:
                self.counts[_counted(environ)] += 1
                self.recorded.append(seen)
        try:
            return self.app(environ, start_response)
        except NotImplementedError as exc:
            # moto answers an operation it lacks with a 500, which botocore retries with
            # backoff for a minute: answer as AWS does for a call it will not serve, at once.
            body = json.dumps({"__type": "ValidationException", "message": str(exc)}).encode()
            start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")])
            return [body]


def operation(environ) -> str:
    """`service:Operation` from the signature's scope and the JSON target, the query Action,
    or (REST protocols, such as Inspector's) the method and path."""
    service = credential_scope(environ)["service"]
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    rest = _rest_operations(service).get((environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
    if rest:
        return f"{service}:{rest}"
    action = parse_qs(request_body(environ).decode(errors="replace")).get("Action", ["?"])[0]
    return f"{service}:{action}"


@functools.cache
def _rest_operations(service: str) -> dict[tuple[str, str], str]:
    """(method, path) -> operation name, for the operations of a REST service without
    parameters in their path."""
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # not a service botocore knows by its signing name
        return {}
    if not model.protocol.startswith("rest"):
        return {}  # JSON and query protocols name the operation in the request itself
    routes = {}
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "").split("?")[0]
        if "{" not in uri:
            routes[(http.get("method"), uri)] = name
    return routes


def _counted(environ) -> str:
    """The operation, with DescribeImages by imageIds (the consumers' image look-ups) apart from
    the per-repository listing."""
    name = operation(environ)
    if name == "ecr:DescribeImages" and b'"imageIds"' in request_body(environ):
        return "ecr:DescribeImages(imageIds)"
    if name.startswith("lambda:"):  # REST: the path names the operation
        path = environ.get("PATH_INFO", "").rstrip("/")
        return "lambda:ListFunctions" if path.endswith("/functions") else "lambda:GetFunction"
    return name


def credential_scope(environ) -> dict[str, str]:
    """{"region", "service"} from the SigV4 Authorization header ("?" when unsigned)."""
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1].split("/")
    return {
        "region": scope[2] if len(scope) > 3 else "?",
        "service": scope[3] if len(scope) > 3 else "?",
    }


def request_body(environ) -> bytes:
    """The request body, put back so that moto (or the next middleware) can read it again."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


# Teams whose repositories ENHANCED scanning covers (a registry rule per team): a third.
ENHANCED_TEAMS = range(0, 40, 3)
# Customer-managed KMS keys the estate shares; every fifth repository uses one.
KMS_KEYS = 4


def seed(repositories: int, seed_value: int = 6, region: str = REGION) -> None:
    """An estate of the given size in `region`: mixed tag, scan and policy settings, one image
    each (every repository has images); ENHANCED scanning for a third of the repositories,
    whose newest images are ACTIVE (asked of Inspector); a few shared KMS keys; two VPCs."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends
    from moto.ecr.models import ecr_backends

    assert DEFAULT_ACCOUNT_ID == ACCOUNT
    rng = random.Random(seed_value)
    ecr = ecr_backends[ACCOUNT][region]
    keys = _kms_keys(region)
    for index in range(repositories):
        name = f"team-{index % 40}/service-{index}"
        key = keys[index // 5 % len(keys)] if index % 5 == 0 else None
        ecr.create_repository(
            repository_name=name,
            registry_id=None,
            encryption_config={"encryptionType": "KMS", "kmsKey": key}
            if key
            else {"encryptionType": "AES256"},
            image_scan_config={"scanOnPush": rng.random() < 0.6},
            image_tag_mutability=rng.choice(["IMMUTABLE", "MUTABLE"]),
            tags=[{"Key": "team", "Value": f"team-{index % 40}"}],
        )
        if rng.random() < 0.6:
            ecr.put_lifecycle_policy(ACCOUNT, name, _LIFECYCLE)
        if rng.random() < 0.3:
            ecr.set_repository_policy(ACCOUNT, name, _POLICY)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"digest": f"sha256:{index:064x}"},
            }
        )
        image = ecr.put_image(name, manifest, "v1")
        if index % 40 in ENHANCED_TEAMS:
            image.image_scan_status = {"status": "ACTIVE"}
    _enhanced_scanning(ecr)
    ec2 = ec2_backends[ACCOUNT][region]
    for cidr in ("10.1.0.0/16", "10.2.0.0/16"):
        vpc = ec2.create_vpc(cidr_block=cidr)
        ec2.create_subnet(vpc_id=vpc.id, cidr_block=cidr.replace("0.0/16", "1.0/24"))


def _kms_keys(region: str) -> list[str]:
    from moto.kms.models import kms_backends

    kms = kms_backends[ACCOUNT][region]
    created = [
        kms.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", f"ecr key {n}", None)
        for n in range(KMS_KEYS)
    ]
    return [key.arn for key in created]


def _enhanced_scanning(ecr) -> None:
    rules = [
        {
            "scanFrequency": "CONTINUOUS_SCAN",
            "repositoryFilters": [
                {"filter": f"team-{team}/*", "filterType": "WILDCARD"} for team in ENHANCED_TEAMS
            ],
        }
    ]
    ecr.put_registry_scanning_configuration("ENHANCED", rules)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repositories", type=int, required=True)
    parser.add_argument("--consumers", action="store_true", help="also ECS services and functions")
    args = parser.parse_args(argv)
    seed(args.repositories)
    if args.consumers:
        from bench.moto_consumers import seed_consumers

        seed_consumers(args.repositories, REGION)
    serve(RequestCounter)


def serve(middleware) -> None:
    """Serve moto, wrapped in `middleware(app)`, on a free loopback port until terminated;
    print `READY <port>` once it listens."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from scanner.demo import emulator

    emulator.install()  # what moto lacks: pull-through cache rules, ECR in GetResources
    app = middleware(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"READY {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
