"""`ecrscan doctor IMAGE_URI`: would this image pull (or push)? The guide's checklist, one line
a step, collecting only what the steps need.

Exit 0 when the pull or push would work, 1 when some step fails, 3 when some step could not be
told (a call was refused, a condition cannot be decided offline); 2 for a usage error.
"""

import argparse
import re
import sys
from datetime import UTC, datetime

from scanner.cli.collect_cmd import add_retry_options, client_factory
from scanner.cli.docker_login import docker_config_dir, token_step
from scanner.collect.consumers.image_uri import parse_image_uri
from scanner.errors import ExitCode, InputError

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
# A function name, or a (partial) ARN, with an optional version or alias, as Lambda accepts.
_FUNCTION = re.compile(
    r"^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9_$-]{1,128})?$"
)
_EXIT = {"PASS": ExitCode.OK, "FAIL": ExitCode.FAILURES, "ERROR": ExitCode.UNDECIDED}
_SUMMARY = {
    "PASS": "the {verb} would work",
    "FAIL": "the {verb} would fail",
    "ERROR": "cannot tell whether the {verb} would work: a step could not be decided",
}


def register(commands) -> None:
    parser = commands.add_parser(
        "doctor",
        help="tell, step by step, whether an image would pull (or push) and why not",
        description="Walk the checklist for a failed pull or push of one image: the repository "
        "exists, the tag exists, the identity is allowed (naming the statement), the repository "
        "policy lets it, the network path from the service's subnets, and for --push the login "
        "token. Reads only what those steps need. Exit 0 when it would work, 1 when not, 3 when "
        "it cannot tell.",
    )
    parser.add_argument(
        "image",
        metavar="IMAGE_URI",
        help="ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG or @DIGEST",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--role", metavar="ARN", help="the role that pulls or pushes (default: yours)")
    who.add_argument(
        "--service", metavar="CLUSTER/SERVICE", help="an ECS service: its pulling role and subnets"
    )
    who.add_argument(
        "--function", metavar="NAME", help="a Lambda function: the Lambda service pulls"
    )
    parser.add_argument("--push", action="store_true", help="check a push instead of a pull")
    parser.add_argument(
        "--region", help="the region of the service or function (default: the image's region)"
    )
    parser.add_argument("--profile", help="AWS profile (default: the usual credential chain)")
    parser.add_argument(
        "--endpoint-url", metavar="URL", help="send every AWS call here (emulators)"
    )
    parser.add_argument(
        "--docker-config",
        metavar="DIR",
        help="docker's config directory for --push (default: $DOCKER_CONFIG or ~/.docker)",
    )
    add_retry_options(parser.add_argument_group("AWS calls"))
    parser.set_defaults(handler=run, max_workers=4)


def run(args: argparse.Namespace) -> int:
    image = _target(args)
    steps, role = _steps(args, image)
    if args.push:
        steps.append(
            token_step(
                docker_config_dir(args.docker_config),
                image["host"],
                image["region"],
                datetime.now(UTC),
            )
        )
    verb = "push" if args.push else "pull"
    print(f"ecrscan doctor: would {_inert(image['uri'])} {verb}{_for(args, role)}?")
    width = max(len(step.name) for step in steps)
    for step in steps:
        print(f"{step.status:<6} {step.name:<{width}}  {_inert(step.evidence)}")
    from scanner.evaluate.doctor import exit_status

    status = exit_status(steps)
    print(_SUMMARY[status].format(verb=verb))
    return _EXIT[status]


def _target(args: argparse.Namespace) -> dict:
    image = parse_image_uri(args.image)
    if image["registry"] != "ecr":
        raise InputError(
            f"{_inert(args.image)} is not an image in a private ECR registry "
            "(ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG)"
        )
    if args.push and (args.service or args.function):
        raise InputError("--push judges a role (--role, or yours), not a service or function")
    if args.service is not None and args.service.count("/") != 1:
        raise InputError("--service takes CLUSTER/SERVICE")
    if args.function is not None and not _FUNCTION.match(args.function):
        raise InputError(f"--function takes a function name or ARN, not {_inert(args.function)}")
    if args.role is not None and not _ROLE_ARN.match(args.role):
        raise InputError(
            f"--role takes a role ARN (arn:aws:iam::ACCOUNT:role/NAME), not {_inert(args.role)}"
        )
    return image


def _steps(args: argparse.Namespace, image: dict):
    from scanner.collect import open_session
    from scanner.collect.calls import OperationFailed
    from scanner.collect.consumers.doctor_facts import doctor_snapshot
    from scanner.evaluate.doctor import checklist

    session = open_session(args.profile)
    clients = client_factory(args, session)
    try:
        snapshot, reference, role = doctor_snapshot(
            clients,
            image,
            region=args.region or image["region"],
            role=args.role or None,
            service=args.service,
            function=args.function,
            now=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    except LookupError as exc:
        raise InputError(_inert(exc)) from None
    except OperationFailed as failure:
        from scanner.errors import CollectionError

        raise CollectionError(
            _inert(f"{failure.operation} failed with {failure.code}: {failure.message}")
        ) from None
    return checklist(snapshot, reference, _judge(), push=args.push, role=role), role


def _judge():
    from scanner.config import Config
    from scanner.engines.regopy import RegopyEngine
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.doctor import ENTRYPOINTS
    from scanner.evaluate.input_paths import entrypoint_modules
    from scanner.resources import policy_dir

    modules = load_policies(policy_dir()).modules
    # Only the modules the steps reach: compiling every control would double the start-up.
    reached = {path for e in ENTRYPOINTS for path in entrypoint_modules(e, modules)}
    policies = {path: source for path, source in modules.items() if path in reached}
    engine = RegopyEngine(policies, {"ecrscan": {"config": Config().policy_data()}}, ENTRYPOINTS)

    def judge(entrypoints, document):
        [answers] = engine.verdicts(entrypoints, [document])
        return answers

    return judge


def _for(args: argparse.Namespace, role: str | None) -> str:
    if args.service:
        return f" (service {_inert(args.service)})"
    if args.function:
        return f" (function {_inert(args.function)})"
    return f" (role {_inert(role)})" if role else ""


def _inert(text) -> str:
    """Control characters shown as escapes, so a hostile name cannot drive the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in str(text))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace()))
