"""The Lambda's configuration, from its environment (set by deploy/continuous.yaml).

| variable               | meaning                                                             |
| ---------------------- | ------------------------------------------------------------------- |
| ECRSCAN_RESULTS_S3     | s3://bucket/prefix for results files (optional)                     |
| ECRSCAN_REGIONS        | regions of the scheduled full scan, comma-separated (default: the   |
|                        | event's region; `all` = every enabled region)                       |
| ECRSCAN_EXPORT         | `securityhub` (default) or `none`                                   |
| ECRSCAN_CONFIG         | path of an ecrscan.yaml inside the package (optional)               |
| ECRSCAN_WAIVERS        | path of a waiver file inside the package (optional)                 |
| ECRSCAN_ROLE_NAME      | organisation steps: the read-only role to assume in each account    |
| ECRSCAN_EXTERNAL_ID    | the external id that role requires (optional)                       |
| ECRSCAN_ACCOUNTS_S3    | organisation steps: an accounts file (one id a line) instead of     |
|                        | AWS Organizations' list (optional)                                  |
| ECRSCAN_ENDPOINT_URL   | send every AWS call here (emulators; never set in AWS)              |
"""

from collections.abc import Mapping
from dataclasses import dataclass

from scanner.errors import InputError
from scanner.export.results_store import S3Location

EXPORTS = ("securityhub", "none")


@dataclass(frozen=True)
class Settings:
    results: S3Location | None = None
    regions: tuple[str, ...] = ()
    export: str = "securityhub"
    config: str | None = None
    waivers: str | None = None
    role_name: str | None = None
    external_id: str | None = None
    accounts_file: str | None = None
    endpoint_url: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "Settings":
        def value(name: str) -> str | None:
            text = (environ.get(name) or "").strip()
            return text or None

        export = value("ECRSCAN_EXPORT") or "securityhub"
        if export not in EXPORTS:
            raise InputError(f"ECRSCAN_EXPORT is {export!r}; expected one of {', '.join(EXPORTS)}")
        results = value("ECRSCAN_RESULTS_S3")
        regions = value("ECRSCAN_REGIONS")
        return cls(
            results=S3Location.parse(results) if results else None,
            regions=tuple(r.strip() for r in (regions or "").split(",") if r.strip()),
            export=export,
            config=value("ECRSCAN_CONFIG"),
            waivers=value("ECRSCAN_WAIVERS"),
            role_name=value("ECRSCAN_ROLE_NAME"),
            external_id=value("ECRSCAN_EXTERNAL_ID"),
            accounts_file=value("ECRSCAN_ACCOUNTS_S3"),
            endpoint_url=value("ECRSCAN_ENDPOINT_URL"),
        )
