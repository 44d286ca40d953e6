"""Whatever botocore raises for one call is that call's error record, never an aborted scan.

A proxy's HTML page (ResponseParserError, or a ClientError whose message is the page), a
parameter botocore refuses, a pagination loop, a credential fault: each becomes
{"operation", "code", "message"} with the message as one short line, and the rest of the scan
goes on, in other accounts too.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.exceptions
import pytest
from botocore.parsers import ResponseParserError
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.collect import collect_snapshot
from scanner.collect.accounts import AccountPlan
from scanner.collect.calls import OperationFailed, call
from scanner.collect.repositories import list_repositories
from scanner.collect.safe_text import MESSAGE_LIMIT, one_line
from scanner.collect.session import ClientFactory, RetryBudget
from scanner.snapshot import validate
from tests.test_collect_errors import inject_exception, repositories_by_name, request_params
from tests.test_multi_account import ROLE, caller_session, entries_of, org  # noqa: F401

PAGE = (
    "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n"
    "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
    "<!-- a padding comment to make the page longer than any reason should be -->\n" * 2
)


def _every_subclass(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_every_subclass(sub)]
    return found


BOTOCORE_FAILURES = sorted(
    {*_every_subclass(botocore.exceptions.BotoCoreError), ResponseParserError},
    key=lambda cls: cls.__name__,
)


def _raised(cls: type, message: str) -> Exception:
    """An instance of `cls` with `message`, whatever keyword arguments its template wants."""
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    return exc


@settings(max_examples=60, deadline=None)
@given(
    failure=st.sampled_from(BOTOCORE_FAILURES),
    message=st.text(max_size=600) | st.just(PAGE),
)
def test_every_botocore_failure_is_an_error_record(failure, message):
    session = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b")
    ecr = session.client("ecr", region_name="eu-west-1")
    inject_exception(ecr.meta, "ecr", "DescribeRegistry", _raised(failure, message))
    with pytest.raises(OperationFailed) as failed:
        call(ecr, "DescribeRegistry")
    record = failed.value.record
    assert record["operation"] == "DescribeRegistry"
    assert record["code"] == failure.__name__
    _assert_one_short_line(record["message"])


def _assert_one_short_line(text: str) -> None:
    assert len(text) <= MESSAGE_LIMIT
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text), text
    assert "\u2028" not in text and "\u2029" not in text


@given(st.text(max_size=2000))
def test_one_line_is_short_single_and_free_of_control_characters(text):
    _assert_one_short_line(one_line(text))


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=200))
def test_one_line_keeps_a_short_printable_message_as_it_is(text):
    assert one_line(text) == text


def test_an_html_page_is_named_by_its_title():
    assert one_line(PAGE) == "the endpoint answered with an HTML page (502 Bad Gateway)"
    assert one_line("x\x1b[31m\n::add-mask::y") == "x\\x1b[31m ::add-mask::y"


class _Proxy(BaseHTTPRequestHandler):
    """Answers every request with the HTML page and the status in the server's `status`."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = getattr(self.server, "body", PAGE.encode())
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.mark.parametrize("status", [200, 403, 502])
@pytest.mark.parametrize(
    ("service", "listing"),
    [
        ("ecr", lambda client: list_repositories(client)),
        ("ec2", lambda client: call(client, "DescribeVpcs")),
    ],
)
def test_a_proxys_html_page_is_a_failed_call_not_an_empty_answer(
    aws_env, proxy, status, service, listing
):
    proxy.status = status
    clients = ClientFactory(
        boto3.Session(region_name="eu-west-1"),
        endpoint_url=f"http://127.0.0.1:{proxy.server_address[1]}",
        budget=RetryBudget(max_attempts=2, mode="standard"),
    )
    with pytest.raises(OperationFailed) as failed:
        listing(clients.client(service, "eu-west-1"))
    message = failed.value.message
    _assert_one_short_line(message)
    assert "Bad Gateway" in message  # the page's title, or botocore's reason for a 5xx page
    assert "<" not in message


def test_an_answer_nested_too_deeply_is_a_failed_call(aws_env, proxy):
    proxy.status, proxy.body = 200, b'{"repositories": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    try:
        clients = ClientFactory(
            boto3.Session(region_name="eu-west-1"),
            endpoint_url=f"http://127.0.0.1:{proxy.server_address[1]}",
        )
        with pytest.raises(OperationFailed) as failed:
            list_repositories(clients.client("ecr", "eu-west-1"))
    finally:
        del proxy.body
    assert failed.value.code == "ResponseParserError"


def test_an_unparseable_answer_in_one_repository_leaves_the_others(moto_session):
    ecr = moto_session.client("ecr")
    for name in ("broken", "fine"):
        ecr.create_repository(repositoryName=name)

    def broken_only(params, **_):
        if request_params(params).get("repositoryName") == "broken":
            raise ResponseParserError(f"Unable to parse response:\n{PAGE}")

    moto_session.events.register("before-call.ecr.DescribeImages", broken_only)
    snapshot = collect_snapshot(moto_session, ["us-east-1"])
    validate(snapshot)
    repositories = repositories_by_name(snapshot)
    error = repositories["broken"]["errors"]["images"]
    assert error["code"] == "ResponseParserError"
    _assert_one_short_line(error["message"])
    assert repositories["fine"]["errors"] == {}
    assert repositories["fine"]["derived"]["imageSummary"]["imageCount"] == 0


def test_a_multi_account_scan_goes_on_past_an_account_answering_html(org):  # noqa: F811
    session = caller_session(org)
    broken_role = f"arn:aws:iam::{org['data']}:role/{ROLE}"

    def html_for_one_account(params, **_):
        if request_params(params).get("RoleArn") == broken_role:
            raise ResponseParserError(f"Unable to parse response:\n{PAGE}")

    session.events.register("before-call.sts.AssumeRole", html_for_one_account)
    plan = AccountPlan(ROLE, account_ids=(org["data"], org["payments"]))
    snapshot = collect_snapshot(session, ["us-east-1"], accounts=plan)
    validate(snapshot)
    (broken,) = entries_of(snapshot, org["data"])
    assert broken["errors"]["repositories"]["code"] == "ResponseParserError"
    (healthy,) = entries_of(snapshot, org["payments"])
    assert [r["repository"]["repositoryName"] for r in healthy["repositories"]] == ["payments/api"]
    assert json.dumps(snapshot).count("<html") == 0
