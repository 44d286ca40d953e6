"""Fault injection for moto's server: AWS as it behaves when it is busy, broken or unwilling.

`FaultInjector` is a WSGI middleware in front of moto. A `FaultPlan` picks a share of the
distinct requests (by a seeded hash of service, region, operation and body, so the choice does
not depend on thread timing) and answers the first `failures` attempts of each with one fault:

- throttle: ThrottlingException (JSON protocols: HTTP 400 with x-amzn-ErrorType), or
  RequestLimitExceeded (EC2's query protocol: HTTP 503 XML), or Throttling (STS, HTTP 400 XML)
- internal: HTTP 500 InternalFailure / InternalError
- reset: the TCP connection is reset (SO_LINGER 0, then close) without an answer
- slow: the answer comes `slow_seconds` late, after the client's read timeout
- and, whatever the share, AccessDenied (UnauthorizedOperation on EC2) for the operations and
  regions `deny` names, on every attempt.

A kind named several times in `kinds` is drawn that many times as often: BAD_HOUR, a quarter
of the requests throttled and one in twenty answered 500, names throttle five times.

`failures` below the client's attempt budget means every faulted call succeeds in the end (the
verdicts must equal a fault-free scan's); `failures: -1` means it never does (ERROR cells).

Run as `python -m bench.faults --repositories N --region R [--region R2]`: seeds each region,
serves on 127.0.0.1, prints `READY <port>`; `POST /_bench/faults` with a FaultPlan as JSON replaces
the plan and forgets attempt counts; `GET /_bench/faults` returns the faults answered so far, by
kind, and `GET /_bench/requests` the request counts.
"""

import argparse
import hashlib
import json
import os
import socket
import struct
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, fields

from bench.measure import answer
from bench.moto_counting import (
    REGION,
    RequestCounter,
    credential_scope,
    operation,
    request_body,
    seed,
    serve,
)

FAULTS_PATH = "/_bench/faults"
KINDS = ("throttle", "internal", "reset", "slow")
ALWAYS = -1  # `failures` for a fault that outlasts every retry

# 25% of the distinct requests throttled and 5% answered 500, each twice before it is served.
BAD_HOUR = {"share": 0.30, "kinds": ["throttle"] * 5 + ["internal"], "failures": 2}

_JSON = "application/x-amz-json-1.1"
_XML = "text/xml"


@dataclass(frozen=True)
class FaultPlan:
    share: float = 0.0  # of distinct requests to the faulted services
    kinds: tuple[str, ...] = ("throttle",)
    failures: int = 2  # attempts of a faulted request that fail; ALWAYS = every one
    services: tuple[str, ...] = ("ecr", "ec2")
    slow_seconds: float = 2.0
    # [{"operation": "ecr:GetRepositoryPolicy" or "*", "region": "us-east-1" or "*"}]
    deny: tuple[dict[str, str], ...] = ()
    seed: int = 7

    @classmethod
    def from_json(cls, document: dict) -> "FaultPlan":
        known = {f.name for f in fields(cls)}
        unknown = set(document) - known
        if unknown:
            raise ValueError(f"unknown fault plan keys: {sorted(unknown)}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in document.items()}
        plan = cls(**values)
        if not set(plan.kinds) <= set(KINDS):
            raise ValueError(f"fault kinds are {KINDS}, not {plan.kinds}")
        return plan

    def denies(self, op: str, region: str) -> bool:
        return any(
            rule.get("operation", "*") in ("*", op) and rule.get("region", "*") in ("*", region)
            for rule in self.deny
        )

    def fault_for(self, key: bytes, service: str) -> str | None:
        """The fault kind for this request, or None; the same request always gets the same."""
        if service not in self.services or not self.kinds:
            return None
        digest = hashlib.sha256(str(self.seed).encode() + b"\0" + key).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        if fraction >= self.share:
            return None
        return self.kinds[digest[8] % len(self.kinds)]


@dataclass
class _Attempts:
    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, key: bytes) -> int:
        """1 for a request's first attempt, 2 for its first retry, ..."""
        with self.lock:
            self.counts[key] += 1
            return self.counts[key]


class FaultInjector:
    """WSGI middleware: answers faulted requests itself, passes the others to moto."""

    def __init__(self, app, plan: FaultPlan | None = None) -> None:
        self.app = app
        self.plan = plan or FaultPlan()
        self.attempts = _Attempts()
        self.injected: Counter[str] = Counter()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == FAULTS_PATH:
            if environ.get("REQUEST_METHOD") == "POST":
                return self._replace_plan(environ, start_response)
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(dict(self.injected)).encode()]
        scope = credential_scope(environ)
        body = request_body(environ)
        op = operation(environ)
        protocol = _protocol(environ, scope["service"])
        plan = self.plan
        if plan.denies(op, scope["region"]):
            self.injected["deny"] += 1
            return _error(start_response, protocol, "deny")
        key = "\0".join((scope["service"], scope["region"], op)).encode() + b"\0" + body
        kind = plan.fault_for(key, scope["service"])
        if kind is None:
            return self.app(environ, start_response)
        attempt = self.attempts.next(key)
        if plan.failures != ALWAYS and attempt > plan.failures:
            return self.app(environ, start_response)
        self.injected[kind] += 1
        if kind == "slow":
            time.sleep(plan.slow_seconds)
            return self.app(environ, start_response)
        if kind == "reset":
            _reset(environ)
        return _error(start_response, protocol, kind)

    def _replace_plan(self, environ, start_response):
        self.plan = FaultPlan.from_json(json.loads(request_body(environ) or b"{}"))
        self.attempts = _Attempts()
        self.injected = Counter()
        start_response("204 No Content", [])
        return []


def _protocol(environ, service: str) -> str:
    if environ.get("HTTP_X_AMZ_TARGET") or "json" in environ.get("CONTENT_TYPE", ""):
        return "json"
    return "ec2" if service == "ec2" else "query"


# (HTTP status, error code) per fault kind and protocol.
_ANSWERS = {
    "throttle": {
        "json": ("400 Bad Request", "ThrottlingException"),
        "ec2": ("503 Service Unavailable", "RequestLimitExceeded"),
        "query": ("400 Bad Request", "Throttling"),
    },
    "internal": {
        "json": ("500 Internal Server Error", "InternalFailure"),
        "ec2": ("500 Internal Server Error", "InternalError"),
        "query": ("500 Internal Server Error", "InternalFailure"),
    },
    "deny": {
        "json": ("400 Bad Request", "AccessDeniedException"),
        "ec2": ("403 Forbidden", "UnauthorizedOperation"),
        "query": ("403 Forbidden", "AccessDenied"),
    },
}
_MESSAGES = {
    "throttle": "Rate exceeded (injected)",
    "internal": "We encountered an internal error (injected)",
    "deny": "not authorized to perform this operation (injected)",
}


def _error(start_response, protocol: str, kind: str):
    status, code = _ANSWERS[kind][protocol]
    message = _MESSAGES[kind]
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", _JSON), ("x-amzn-ErrorType", code)]
    elif protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>injected</RequestID></Response>"
        ).encode()
        headers = [("Content-Type", _XML)]
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", _XML)]
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _reset(environ) -> None:
    """Reset the client's connection: SO_LINGER 0 makes close() send RST instead of FIN.

    werkzeug notices the dropped connection (ConnectionResetError) and answers nothing more."""
    sock = environ["werkzeug.socket"]
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # close() alone would wait for werkzeug's reader to let go of the socket (and werkzeug
    # would wait for the client's next request); closing the detached descriptor resets now.
    os.close(sock.detach())
    raise ConnectionResetError("connection reset (injected)")


def set_plan(url: str, plan: dict) -> None:
    """Give the server at `url` a new FaultPlan (as JSON); attempt counts start again."""
    request = urllib.request.Request(url + FAULTS_PATH, data=json.dumps(plan).encode())
    urllib.request.urlopen(request, timeout=30).close()


def injected(url: str) -> dict[str, int]:
    """The faults the server at `url` answered since its plan was set, by kind."""
    return answer(url + FAULTS_PATH)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repositories", type=int, required=True)
    parser.add_argument("--region", action="append", metavar="REGION")
    args = parser.parse_args(argv)
    for region in args.region or [REGION]:
        seed(args.repositories, region=region)
    serve(lambda app: RequestCounter(FaultInjector(app)))


if __name__ == "__main__":
    main()
