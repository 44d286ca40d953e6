"""`ecrscan demo`: the whole job, end to end, against an emulated account.

moto emulates ECR, EC2, ECS, IAM, Lambda and STS in-process; the estate is seeded, then
collected by the real collector, evaluated by the real policies and rendered. Nothing reaches AWS.
"""

import argparse
import os
from unittest import mock

from scanner import snapshot as snapshots
from scanner.cli.audit_trail import AuditTrail
from scanner.cli.options import add_output_options, emit_all
from scanner.cli.pipeline import judge
from scanner.cli.run_options import RunOptions
from scanner.config import load_config
from scanner.engines import choose_engine
from scanner.errors import EcrscanError, ExitCode
from scanner.evaluate.catalog import load_policies
from scanner.resources import demo_config_path, policy_dir

# Fake credentials, so that even a misconfigured emulator cannot sign a real request.
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def register(commands) -> None:
    parser = commands.add_parser(
        "demo",
        help="scan an emulated AWS account end to end (needs the 'demo' extra: moto)",
        description="Seed an emulated account (moto, in-process) with a realistic ECR estate in "
        "two regions, collect it with the real collector, evaluate and report. Exits 0 when the "
        "scan completes; the failures it shows are the point of the demo.",
    )
    add_output_options(parser, gate=False)
    parser.add_argument("--save-snapshot", metavar="FILE", help="also keep the emulated snapshot")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from moto import mock_aws
    except ImportError:
        raise EcrscanError("the demo needs moto: pip install 'ecrscan[demo]'") from None
    from scanner.collect import collect_snapshot, open_session
    from scanner.demo.estate import REGIONS, seed

    with mock.patch.dict(os.environ, _FAKE_CREDENTIALS), mock_aws():
        session = open_session(None)
        seed(session)
        snapshot = collect_snapshot(session, list(REGIONS))
    snapshots.validate(snapshot, source="demo snapshot")
    if args.save_snapshot:
        snapshots.save(snapshot, args.save_snapshot)
    policies, config = load_policies(policy_dir()), load_config(demo_config_path())
    options = RunOptions.from_args(args)
    # The first engine that runs here (--engine auto): regopy, else Go OPA in-process (macOS).
    trail = AuditTrail(options.audit)
    results = judge(snapshot, policies, config, trail, engine_factory=choose_engine().factory)
    emit_all(results, options.output)
    return ExitCode.OK
