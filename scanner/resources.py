"""Where the files that ship with ecrscan live, installed or in a checkout."""

from importlib import resources
from pathlib import Path


def policy_dir() -> Path:
    """The bundled policies: inside the wheel, or at the top of a source checkout."""
    installed = Path(str(resources.files("scanner") / "policies"))
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "policies"


def snapshot_schema_path() -> Path:
    return Path(str(resources.files("scanner.snapshot") / "schema.json"))


def results_schema_path() -> Path:
    return Path(str(resources.files("scanner.evaluate") / "results_schema.json"))


def demo_config_path() -> Path:
    return Path(str(resources.files("scanner.demo") / "config.yaml"))
