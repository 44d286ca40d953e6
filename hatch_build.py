"""Build hook: compile scanner/engines/_native_input.c where a C compiler is at hand.

The extension hands documents to rego-cpp in C (see the file's header); without it ecrscan takes
the ctypes path in scanner.engines.regopy_native, with the same answers and a slower evaluation.
So a missing compiler, or ECRSCAN_NO_NATIVE=1, gives a pure-Python wheel and a warning, never a
failed install. It needs only Python's headers: rego-cpp's functions are bound at run time.
"""

import os
import shlex
import subprocess
import sysconfig
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("scanner/engines/_native_input.c")


class NativeInputHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if os.environ.get("ECRSCAN_NO_NATIVE"):
            self.app.display_info("ECRSCAN_NO_NATIVE is set: building without the C extension")
            return
        name = "_native_input" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")
        # An editable install imports from the source tree, so the library goes beside its
        # source; a wheel gets it from a scratch directory and the tree stays clean.
        if version == "editable":
            target = Path(self.root) / SOURCE.with_name(name)
        else:
            target = Path(tempfile.mkdtemp(prefix="ecrscan-native-")) / name
        problem = _compile(Path(self.root) / SOURCE, target)
        if problem:
            self.app.display_warning(
                f"ecrscan: the C input extension was not built ({problem}); evaluation falls "
                "back to the slower ctypes path"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            build_data["force_include"][str(target)] = str(SOURCE.with_name(name))


def _compile(source: Path, target: Path) -> str | None:
    """None once target is built, else what went wrong."""
    linker = sysconfig.get_config_var("LDSHARED")
    if not linker:
        return "this Python does not say how to link an extension"
    command = [
        *shlex.split(linker),
        "-O2",
        "-fPIC",
        f"-I{sysconfig.get_paths()['include']}",
        str(source),
        "-o",
        str(target),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{command[0]}: {exc}"
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["the compiler failed"])[-1]
    return None
