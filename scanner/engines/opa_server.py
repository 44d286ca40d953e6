"""An OPA server as the engine: `--engine opa --opa-url http://opa.internal:8181`.

The policies are uploaded as they are (PUT /v1/policies/ecrscan/<path>), the configuration as
data (PUT /v1/data/ecrscan/config), and a small generated package evaluates a batch of documents
in one request (POST /v1/data/ecrscan/batch/answers with {"documents": [...], "entrypoints":
[...]}). Each document is still one resource: the server binds it as `input` for each control, so
a control reads exactly what it reads on the embedded engine. Each verdict comes back wrapped, so
one undefined verdict does not hide the others.

With upload=False (`--opa-no-upload`) nothing is uploaded: the server serves the bundle of
`ecrscan bundle` (scanner.engines.opa_bundle), and OPA refuses writes under a bundle's roots
anyway. Before the first batch, the bundle's `about` rule must name the same policy digest, the
controls asked for and the same configuration, or the run stops: verdicts from other policies
would be recorded under these policies' digest.

A batch the server refuses (OPA aborts a query on some errors, such as a builtin type error) is
retried one document at a time, and that document's entrypoints one by one, so the error lands
on the cells it belongs to.
"""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scanner.engines.base import Engine, EngineError, Verdict
from scanner.engines.opa_bundle import ABOUT_RULE, BATCH_PACKAGE, BATCH_RULE, batch_module
from scanner.evaluate.catalog import policy_digest

POLICY_PREFIX = "ecrscan"
# The batch package's upload id, kept from when the package was `ecrscan_batch`: a new upload
# replaces the old module instead of adding a second one.
BATCH_POLICY_ID = f"{POLICY_PREFIX}/ecrscan_batch.rego"
TIMEOUT_SECONDS = 60.0


class OpaServerEngine(Engine):
    name = "opa"

    def __init__(
        self,
        modules: Mapping[str, str],
        data: Mapping[str, Any],
        entrypoints: Sequence[str],
        *,
        url: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
        upload: bool = True,
    ):
        if not url:
            raise EngineError(
                "--engine opa needs --opa-url or ECRSCAN_OPA_URL (such as http://127.0.0.1:8181)"
            )
        self._client = _client(url, timeout)
        self._url = url
        try:
            if upload:
                self._load(modules, data, entrypoints)
            else:
                self._check_bundle(modules, data, entrypoints)
        except Exception:
            self._client.close_connection()
            raise

    def _load(self, modules, data, entrypoints) -> None:
        from opa_client.errors import RegoParseError

        root = _common_root(modules)
        uploads = {_policy_id(path, root): source for path, source in modules.items()}
        uploads[BATCH_POLICY_ID] = batch_module(entrypoints, policy_digest(modules))
        what = "policy"
        try:
            for policy_id, source in uploads.items():
                self._client.update_policy_from_string(source, policy_id, rego_compat=False)
            what = "configuration"
            config = data.get("ecrscan", {}).get("config") or {}
            self._client.update_or_create_data(config, "ecrscan/config")
        except RegoParseError as exc:
            raise EngineError(
                f"OPA server {self._url} refused the {what}: {_bundle_hint(_message(exc))}"
            ) from None
        except Exception as exc:  # connection, HTTP and client errors alike: one clean line
            raise EngineError(f"OPA server {self._url}: {_bundle_hint(_message(exc))}") from None

    def _check_bundle(self, modules, data, entrypoints) -> None:
        """The server's bundle holds these policies, these controls and this configuration."""
        try:
            about = self._post({}, ABOUT_RULE).get("result")
        except _Refused as refused:
            raise EngineError(f"OPA server {self._url}: {refused}") from None
        where = f"OPA server {self._url}"
        rebuild = "rebuild it with `ecrscan bundle` from these policies and --config, and serve it"
        if not isinstance(about, dict):
            raise EngineError(
                f"{where} holds no ecrscan bundle (data.{BATCH_PACKAGE}.{ABOUT_RULE} is "
                "undefined): build one with `ecrscan bundle` and serve it, or drop --opa-no-upload"
            )
        digest = policy_digest(modules)
        if about.get("policy_digest") != digest:
            raise EngineError(
                f"{where} serves a bundle of other policies ({about.get('policy_digest')}, these "
                f"are {digest}): {rebuild}"
            )
        missing = sorted(set(entrypoints) - set(about.get("controls") or ()))
        if missing:
            raise EngineError(f"{where}: its bundle lacks {missing[0]}: {rebuild}")
        config = data.get("ecrscan", {}).get("config") or {}
        if about.get("config") != json.loads(json.dumps(config)):
            raise EngineError(f"{where}'s bundle holds another configuration: {rebuild}")

    def verdicts(
        self, entrypoints: Sequence[str], documents: Sequence[dict[str, Any]]
    ) -> list[dict[str, Verdict | EngineError]]:
        try:
            return self._batch(entrypoints, documents)
        except _Refused as refused:
            if len(documents) == 1 and len(entrypoints) == 1:
                return [{entrypoints[0]: EngineError(f"evaluation failed: {refused}")}]
            if len(documents) == 1:
                return [{e: self.verdicts([e], documents)[0][e] for e in entrypoints}]
            return [self.verdicts(entrypoints, [d])[0] for d in documents]

    def _batch(self, entrypoints, documents) -> list[dict[str, Verdict | EngineError]]:
        body = self._post({"documents": list(documents), "entrypoints": list(entrypoints)})
        answers = body.get("result")
        if (
            not isinstance(answers, list)
            or len(answers) != len(documents)
            or not all(isinstance(answer, dict) for answer in answers)
        ):
            raise EngineError(f"OPA server {self._url} answered without the batch's results")
        return [{e: _verdict(answer.get(e)) for e in entrypoints} for answer in answers]

    def _post(self, payload: dict[str, Any], rule: str = BATCH_RULE) -> dict[str, Any]:
        import requests

        try:
            body = self._client.query_rule(payload, BATCH_PACKAGE, rule)
        except requests.HTTPError as exc:
            if exc.response is not None and 400 <= exc.response.status_code < 600:
                raise _Refused(_server_message(exc.response)) from None
            raise EngineError(f"OPA server {self._url}: {_message(exc)}") from None
        except requests.RequestException as exc:
            raise EngineError(f"OPA server {self._url}: {_message(exc)}") from None
        except ValueError:  # a proxy's HTML page, say: requests could not parse it as JSON
            raise EngineError(f"OPA server {self._url} answered with something not JSON") from None
        if not isinstance(body, dict):
            raise EngineError(f"OPA server {self._url} answered without a JSON object")
        return body

    def close(self) -> None:
        self._client.close_connection()


def _bundle_hint(message: str) -> str:
    """OPA refuses writes under a bundle's roots: say how to evaluate against that bundle."""
    if "owned by bundle" in message:
        return f"{message}; it serves a bundle: evaluate with --opa-no-upload"
    return message


class _Refused(Exception):
    """The server answered the query with an error (400 or 500) instead of results."""


def _verdict(answer: Any) -> Verdict | EngineError:
    if isinstance(answer, dict) and "verdict" in answer:
        return answer["verdict"]
    return EngineError("the control's verdict is undefined for this document")


def _client(url: str, timeout: float):
    try:
        from opa_client import OpaClient
    except ImportError:
        raise EngineError("the opa engine needs: pip install 'ecrscan[opa]'") from None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EngineError(f"--opa-url {url!r} is not an http(s)://host:port URL")
    if parts.path not in ("", "/"):
        raise EngineError(f"--opa-url {url!r}: give the server's root, without a path")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return OpaClient(host=parts.hostname, port=port, ssl=parts.scheme == "https", timeout=timeout)


def _common_root(modules: Mapping[str, str]) -> Path:
    paths = [Path(p) for p in modules]
    if not paths:
        return Path()
    root = paths[0].parent
    while any(root not in p.parents for p in paths):
        root = root.parent
    return root


def _policy_id(path: str, root: Path) -> str:
    """A stable id per module, so a second scan replaces the first upload instead of adding a
    second definition of the same package."""
    relative = Path(path).relative_to(root) if root in Path(path).parents else Path(path).name
    return f"{POLICY_PREFIX}/{Path(relative).as_posix()}"


def _server_message(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    errors = body.get("errors") or []
    detail = errors[0].get("message") if errors and isinstance(errors[0], dict) else None
    message = detail or body.get("message") or f"HTTP {response.status_code}"
    return " ".join(str(message).split())[:300]


def _message(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    errors = getattr(exc, "errors", None)
    if errors and isinstance(errors[0], dict) and errors[0].get("message"):
        location = errors[0].get("location") or {}
        where = f"{location.get('file')}:{location.get('row')}: " if location else ""
        message = where + errors[0]["message"]
    return " ".join(str(message).split())[:300]
