"""`ecrscan bundle --output ecrscan.tar.gz`: the controls and the configuration as an OPA bundle,
for a fleet of OPA servers to serve (`--engine opa --opa-no-upload`); docs/scaling.md."""

import argparse
import sys
from pathlib import Path

from scanner.config import load_config
from scanner.engines.opa_bundle import bundle_files, tarball
from scanner.evaluate.catalog import load_policies, policy_digest
from scanner.fileio import write_bytes_atomic
from scanner.resources import policy_dir


def register(commands) -> None:
    parser = commands.add_parser(
        "bundle",
        help="build an OPA bundle of the controls and configuration for an OPA fleet",
        description="Write an OPA bundle (a gzipped tarball: .manifest with its roots and "
        "revision, the controls, the batch package, and the configuration as data.json) for OPA "
        "servers to load (`opa run --server --bundle FILE`, or served to a fleet). Evaluate "
        "against them with --engine opa --opa-no-upload.",
    )
    parser.add_argument(
        "--output", metavar="FILE", required=True, help="where to write the bundle (.tar.gz)"
    )
    parser.add_argument(
        "--config", metavar="FILE", help="YAML configuration the bundle carries as data"
    )
    parser.add_argument(
        "--policy-dir", metavar="DIR", type=Path, help="bundle the controls in DIR instead"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = args.policy_dir or policy_dir()
    policies, config = load_policies(root), load_config(args.config)
    paths = {path: Path(path).relative_to(root).as_posix() for path in policies.modules}
    entrypoints = [c.entrypoint for c in policies.controls]
    files = bundle_files(
        policies.modules,
        paths,
        config.policy_data(),
        entrypoints,
        policy_digest(policies.modules),
    )
    write_bytes_atomic(tarball(files), args.output)  # a bad target is one InputError line
    print(
        f"ecrscan: wrote {args.output}: {len(entrypoints)} controls, {len(files) - 2} modules "
        f"with the batch package, configuration as data.json",
        file=sys.stderr,
    )
    return 0
