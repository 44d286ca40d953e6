"""Outputs, one small module each, all with the signature `render(results) -> str`."""

from collections.abc import Callable

from scanner.evaluate.results import Results
from scanner.render import (
    asff_format,
    cost_format,
    csv_format,
    framework_format,
    gitlab_format,
    html_format,
    json_format,
    junit_format,
    markdown_format,
    ocsf_format,
    sarif_format,
    table_format,
)

Renderer = Callable[[Results], str]

RENDERERS: dict[str, Renderer] = {
    "table": table_format.render,
    "json": json_format.render,
    "csv": csv_format.render,
    "html": html_format.render,
    "framework": framework_format.render,
    "sarif": sarif_format.render,  # code scanning (SARIF 2.1.0)
    "junit": junit_format.render,  # CI test reports
    "gitlab": gitlab_format.render,  # GitLab's code quality report
    "markdown": markdown_format.render,  # a pull-request comment
    "cost": cost_format.render,  # storage per repository and what expiring would save
    "asff": asff_format.render,  # AWS Security Hub (ASFF 2018-10-08)
    "ocsf": ocsf_format.render,  # OCSF Compliance Finding, JSON lines (data lakes)
}
