"""Plan the Terraform fixtures for real, offline, and write each one's plan.json.

    python tests/data/iac/terraform/regenerate.py [--check] [--out DIR]

Every folder beside this script that holds a main.tf is planned with the hashicorp/aws provider
from the filesystem mirror (TF_PLUGIN_MIRROR, default /opt/tf-plugins) and fake credentials:
`terraform init`, `terraform plan -refresh=false -out plan.out`, `terraform show -json`. No
network is used. The plan is written without its `timestamp`, the only part that changes from
run to run (and with relevant_attributes sorted, which Terraform lists in no stable order).
With --check nothing is written: the fresh plans are compared with the committed
ones, and the script exits 1 naming any that differ.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRROR = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
CLI_CONFIG = """provider_installation {
  filesystem_mirror {
    path    = "%s"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
"""


def fixtures() -> list[Path]:
    return sorted(p.parent for p in HERE.glob("*/main.tf"))


def missing() -> str | None:
    """Why the plans cannot be made here, or None."""
    if shutil.which("terraform") is None:
        return "terraform is not on PATH"
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        return f"no hashicorp/aws provider in the filesystem mirror {MIRROR}"
    return None


def plan(fixture: Path) -> dict:
    """The fixture's plan as `terraform show -json` writes it, less its timestamp."""
    with tempfile.TemporaryDirectory(prefix="ecrscan-tf-") as scratch:
        work = Path(scratch) / fixture.name
        shutil.copytree(fixture, work, ignore=shutil.ignore_patterns("plan.json", ".terraform*"))
        config = Path(scratch) / "cli.tfrc"
        config.write_text(CLI_CONFIG % MIRROR)
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",  # no version check against HashiCorp's servers
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        for argv in (
            ["terraform", "init", "-backend=false", "-no-color"],
            ["terraform", "plan", "-refresh=false", "-lock=false", "-no-color", "-out=plan.out"],
        ):
            done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"{fixture.name}: {' '.join(argv)} failed:\n{done.stderr}")
        shown = subprocess.run(
            ["terraform", "show", "-json", "plan.out"],
            cwd=work,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    document = json.loads(shown.stdout)
    document.pop("timestamp", None)
    # Terraform lists these in no stable order; ecrscan does not read them.
    document["relevant_attributes"] = sorted(
        document.get("relevant_attributes") or [], key=lambda a: json.dumps(a, sort_keys=True)
    )
    return document


def render(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"regenerate.py: cannot plan: {reason}", file=sys.stderr)
        return 2
    stale = []
    for fixture in fixtures():
        text = render(plan(fixture))
        target = fixture / "plan.json"
        if args.check:
            if not target.is_file() or target.read_text() != text:
                stale.append(str(target.relative_to(HERE)))
        else:
            target.write_text(text)
            print(f"wrote {target.relative_to(HERE)}")
    if stale:
        print(f"stale: {', '.join(stale)}; run regenerate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
