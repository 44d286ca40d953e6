"""`pip install .` must give a working ecrscan anywhere: policies and schema inside the wheel."""

import subprocess
import sys
import zipfile
from pathlib import Path

from scanner.engines import regopy_native

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_policies_schema_and_demo_config(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("ecrscan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for rego in ROOT.glob("policies/**/*.rego"):
        assert f"scanner/{rego.relative_to(ROOT).as_posix()}" in names
    assert "scanner/snapshot/schema.json" in names
    assert "scanner/demo/config.yaml" in names
    assert "scanner/evaluate/results_schema.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "ecrscan = scanner.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    requires = [
        line for line in metadata.decode().splitlines() if line.startswith("Requires-Dist: regopy")
    ]
    # Any 1.x (the fast path checks itself at start-up), by default where a wheel exists, and as
    # the `regopy` extra (built from source) on macOS.
    assert requires[0] == "Requires-Dist: regopy<2,>=1.5.2; sys_platform != 'darwin'", requires
    assert "Requires-Dist: regopy<2,>=1.5.2; extra == 'regopy'" in requires
    assert "Requires-Dist: regopy<2,>=1.5.2; extra == 'dev'" in requires  # macOS developers too
    if regopy_native.NATIVE:  # built here, so the wheel must carry it too (hatch_build.py)
        assert any(n.startswith("scanner/engines/_native_input.") for n in names)
        assert not wheel.name.endswith("-none-any.whl")
