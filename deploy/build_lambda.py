"""Build the Lambda package for deploy/continuous.yaml and deploy/organization.yaml.

    python deploy/build_lambda.py --arch arm64      (make lambda [LAMBDA_ARCH=x86_64])

The runtime is python3.12 on Amazon Linux 2023: regopy (the Rego engine) ships
manylinux_2_34 wheels only, for x86_64 and aarch64, and Amazon Linux 2023's glibc is 2.34
(Amazon Linux 2, under the python3.11 and older runtimes, has 2.26 and cannot load them).
ecrscan itself is built without its C input extension (ECRSCAN_NO_NATIVE=1): it would be
compiled for this machine's Python, not the runtime's; the ctypes path gives the same verdicts.
Every dependency comes as a wheel for the target platform, boto3 included, so the package does
not depend on the runtime's older copy.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.12"
# Lambda's name for the architecture -> the wheel platform tags it loads (newest first).
PLATFORMS = {
    "arm64": ("manylinux_2_34_aarch64", "manylinux2014_aarch64"),
    "x86_64": ("manylinux_2_34_x86_64", "manylinux2014_x86_64"),
}


def build(arch: str, output: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="ecrscan-lambda-") as scratch:
        wheels, target = Path(scratch) / "wheels", Path(scratch) / "package"
        env = {**os.environ, "ECRSCAN_NO_NATIVE": "1"}
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
        subprocess.run(
            [*pip, "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)], check=True, env=env
        )
        [wheel] = wheels.glob("ecrscan-*.whl")
        subprocess.run(
            [
                *pip,
                "install",
                "-q",
                "--target",
                str(target),
                *(option for tag in PLATFORMS[arch] for option in ("--platform", tag)),
                "--python-version",
                PYTHON_VERSION,
                "--implementation",
                "cp",
                "--only-binary=:all:",
                str(wheel),
            ],
            check=True,
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        _zip(target, output)
    return output


def _zip(directory: Path, output: Path) -> None:
    partial = output.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(directory).as_posix())
    partial.replace(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    output = args.output or ROOT / "build" / "lambda" / f"ecrscan-lambda-{args.arch}.zip"
    print(build(args.arch, output))


if __name__ == "__main__":
    main()
