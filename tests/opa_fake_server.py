"""A small stand-in for an OPA server's REST API on loopback, for the OPA server engine's tests.

It answers the calls the engine makes the way OPA 1.x does (status codes and bodies follow the
REST API reference): PUT /v1/policies/{id} (200 {} or 400 with the compile errors), PUT
/v1/data/{path} (204), POST /v1/data/{path} (200 {"result": ...}, 200 {} when undefined, 500
{"code": "internal_error", ...} when evaluation fails). Evaluation is real: Go OPA in-process
through opa-golib-python-bindings, loaded with whatever was uploaded.

load_bundle activates a bundle the way `opa run --server --bundle` does: the manifest must have a
revision and roots that do not overlap, every module's package and every data path must lie
under a root, modules get the ids `<bundle name>/<path>`, and a later PUT of a policy or data
under a root is refused with 400 "path ... is owned by bundle ...".
"""

import io
import json
import re
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpaServer:
    def __init__(self) -> None:
        import opa_bindings

        self._bindings = opa_bindings
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []
        self.bundle_roots: dict[str, str] = {}  # root -> the bundle that owns it
        self._lock = threading.Lock()
        self._engine = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeOpaServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._engine is not None:
            self._engine.close()

    def posts(self) -> list[str]:
        return [path for method, path in self.requests if method == "POST"]

    def puts(self) -> list[str]:
        return [path for method, path in self.requests if method == "PUT"]

    # --- what OPA does with a bundle and with each call ----------------------------------

    def load_bundle(self, tarball: bytes, name: str = "ecrscan") -> None:
        files = _bundle_files(tarball)
        manifest = json.loads(files.pop(".manifest"))
        roots = manifest["roots"]
        assert isinstance(manifest["revision"], str), "a manifest needs a revision"
        for root in roots:
            inner = [r for r in roots if r != root and (r + "/").startswith(root + "/")]
            assert not inner, f"manifest roots overlap: {root} and {inner[0]}"
        data: dict[str, Any] = {}
        policies = dict(self.policies)
        for path, content in files.items():
            if path.endswith(".rego"):
                package = _package(content.decode()).replace(".", "/")
                assert _owner(roots, package), f"{path}: package {package} is outside the roots"
                policies[f"{name}/{path}"] = content.decode()
            elif path.endswith("data.json"):
                prefix = [p for p in path.split("/")[:-1] if p]
                document = json.loads(content)
                for top in ["/".join(prefix)] if prefix else list(document):
                    assert _owner(roots, top), f"{path}: data {top} is outside the roots"
                _merge(data, prefix, document)
        self._swap(self._compile(policies, {**self.data, **data}))
        self.policies, self.data = policies, {**self.data, **data}
        self.bundle_roots.update(dict.fromkeys(roots, name))

    def _owned(self, path: str) -> tuple[int, dict] | None:
        root = _owner(self.bundle_roots, path.strip("/"))
        if root is None:
            return None
        message = f"path {path.strip('/')} is owned by bundle {json.dumps(self.bundle_roots[root])}"
        return 400, {"code": "invalid_parameter", "message": message}

    def _owned_package(self, source: str | None) -> tuple[int, dict] | None:
        try:
            return self._owned(_package(source).replace(".", "/")) if source else None
        except ValueError:
            return None  # no package line: the compiler says so

    def put_policy(self, policy_id: str, source: str) -> tuple[int, dict]:
        # OPA checks the package written and the package it would replace.
        for text in (source, self.policies.get(policy_id)):
            refused = self._owned_package(text)
            if refused is not None:
                return refused
        candidate = {**self.policies, policy_id: source}
        try:
            engine = self._compile(candidate, self.data)
        except self._bindings.OpaError as exc:
            return 400, _compile_error(policy_id, str(exc))
        self._swap(engine)
        self.policies = candidate
        return 200, {}

    def put_data(self, path: str, value: Any) -> tuple[int, dict | None]:
        owned = self._owned(path)
        if owned is not None:
            return owned
        node = self.data
        *parents, last = [p for p in path.split("/") if p]
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
        self._swap(self._compile(self.policies, self.data))
        return 204, None

    def post_data(self, path: str, body: dict) -> tuple[int, dict]:
        with self._lock:
            engine = self._engine
        if engine is None:
            return 200, {}  # nothing loaded: every document is undefined
        try:
            result = engine.eval_document(path.replace("/", "."), input=body.get("input"))
        except self._bindings.OpaUndefinedError:
            return 200, {}
        except self._bindings.OpaError as exc:
            return 500, {"code": "internal_error", "message": str(exc).split(": ", 1)[-1]}
        return 200, {"result": result}

    def _compile(self, policies: dict[str, str], data: dict[str, Any]):
        engine = self._bindings.OpaEngine()
        try:
            for policy_id, source in policies.items():
                engine.add_policy(policy_id, source)
            engine.add_data(data)
        except self._bindings.OpaError:
            engine.close()
            raise
        return engine

    def _swap(self, engine) -> None:
        with self._lock:
            old, self._engine = self._engine, engine
        if old is not None:
            old.close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet: pytest shows failures, not traffic
                pass

            def do_PUT(self) -> None:
                server.requests.append(("PUT", self.path))
                body = self._body()
                if self.path.startswith("/v1/policies/"):
                    self._reply(*server.put_policy(self.path[13:], body.decode()))
                elif self.path.startswith("/v1/data/"):
                    self._reply(*server.put_data(self.path[9:], json.loads(body)))
                else:
                    self._reply(404, {"code": "resource_not_found", "message": "not found"})

            def do_POST(self) -> None:
                server.requests.append(("POST", self.path))
                body = json.loads(self._body() or b"{}")
                if self.path.startswith("/v1/data/"):
                    self._reply(*server.post_data(self.path[9:], body))
                else:
                    self._reply(404, {"code": "resource_not_found", "message": "not found"})

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: int, body: dict | None) -> None:
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _compile_error(policy_id: str, text: str) -> dict:
    """OPA's 400 body for a module that does not compile."""
    first = next((line for line in text.splitlines() if "rego_" in line), text)
    location, _, message = first.partition(": rego_parse_error: ")
    row = location.rsplit(":", 1)[-1]
    return {
        "code": "invalid_parameter",
        "message": "error(s) occurred while compiling module(s)",
        "errors": [
            {
                "code": "rego_parse_error",
                "message": message or first,
                "location": {"file": policy_id, "row": int(row) if row.isdigit() else 0, "col": 1},
            }
        ],
    }


def _bundle_files(tarball: bytes) -> dict[str, bytes]:
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for entry in archive.getmembers():
            handle = archive.extractfile(entry)
            if handle is not None:
                files[entry.name.lstrip("/")] = handle.read()
    return files


def _package(source: str) -> str:
    match = re.search(r"^\s*package\s+([\w.]+)", source, re.MULTILINE)
    if not match:
        raise ValueError("no package")
    return match.group(1)


def _owner(roots, path: str) -> str | None:
    """The root path lies under, if any (every path lies under the root "")."""
    return next((r for r in roots if r == "" or path == r or path.startswith(r + "/")), None)


def _merge(data: dict, prefix: list[str], document: Any) -> None:
    node = data
    for part in prefix[:-1]:
        node = node.setdefault(part, {})
    if prefix:
        node[prefix[-1]] = document
    else:
        data.update(document)
