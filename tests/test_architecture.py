"""The layout is the architecture: imports point one way, and only the AWS-facing packages
import the AWS SDK.

collect → snapshot → evaluate (with engines; audit, cost and iac beside it) → render → cli,
then the continuous mode, which drives the command line's pipeline from a Lambda function.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNER = ROOT / "scanner"

# Neutral modules anyone may import: they import only each other.
NEUTRAL = {
    "__init__", "__version__", "errors", "clock", "text_safety", "fileio", "resources",
    "strict_yaml", "input_kinds", "signals", "config", "config_parameters",
}  # fmt: skip
LAYERS = {
    "collect": 0, "demo": 0,
    "snapshot": 1,
    "evaluate": 2, "engines": 2, "audit": 2, "cost": 2, "iac": 2,
    "render": 3, "export": 3, "catalog_docs": 3,
    "cli": 4, "__main__": 4,
    "continuous": 5, "aws_lambda": 5,
}  # fmt: skip
AWS_SDK_USERS = {"collect", "export"}


def _imports(path: Path) -> set[str]:
    """The top-level scanner names a module imports ("evaluate", "errors", ...), and boto3 or
    botocore when it imports those."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "scanner":
                names = [f"scanner.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "scanner" and len(parts) > 1:
                found.add(parts[1])
            elif parts[0] in ("boto3", "botocore"):
                found.add(parts[0])
    return found


def _modules():
    for path in sorted(SCANNER.rglob("*.py")):
        parts = path.relative_to(SCANNER).with_suffix("").parts
        yield path, parts[0]


def test_every_top_level_name_has_a_place():
    for _, owner in _modules():
        assert owner in NEUTRAL or owner in LAYERS, f"scanner/{owner}: give it a layer here"


def test_imports_point_one_way():
    for path, owner in _modules():
        for name in _imports(path) - {"boto3", "botocore", owner}:
            if owner in NEUTRAL:
                assert name in NEUTRAL, f"{path}: neutral module imports scanner.{name}"
            elif name not in NEUTRAL:
                assert LAYERS[name] <= LAYERS[owner], f"{path} imports scanner.{name}"


def test_only_the_aws_facing_packages_import_the_sdk():
    for path, owner in _modules():
        if {"boto3", "botocore"} & _imports(path):
            assert owner in AWS_SDK_USERS, f"{path} imports the AWS SDK"


def test_the_readme_layout_names_every_top_level_folder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :].split("```")[1]
    named = {line.split()[0].rstrip("/") for line in layout.strip().splitlines()}
    packages = {f"scanner/{p.name}" for p in SCANNER.iterdir() if (p / "__init__.py").exists()}
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")}
    folders -= {"scanner", "build", "dist"} | {p for p in folders if p.endswith(".egg-info")}
    assert packages | folders <= named, (
        f"missing from the README's Layout: {packages | folders - named}"
    )
