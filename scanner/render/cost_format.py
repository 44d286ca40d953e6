"""`--format cost`: storage per repository and the monthly saving expiring would bring.

Reads the cost view that `evaluate` and `scan` store in the results metadata (see
scanner.cost.view), so `ecrscan report RESULTS --format cost` works from the file alone.
"""

import textwrap

from scanner.evaluate.results import Results
from scanner.render.display import PLAIN, Display, fit_table
from scanner.render.incomplete import banner_lines
from scanner.text_safety import for_terminal, neutralise_log_commands

HEADERS = [
    "account",
    "region",
    "repository",
    "images",
    "GB",
    "$/month",
    "expirable",
    "saving $/month",
    "basis",
]


def render(results: Results, display: Display = PLAIN) -> str:
    sections = ["\n".join(banner_lines(results.metadata)), cost_section(results, display)]
    return neutralise_log_commands("\n\n".join(s for s in sections if s) + "\n")


def cost_section(results: Results, display: Display = PLAIN) -> str:
    view = results.metadata.get("cost")
    if results.metadata.get("sources"):
        return "Cost: N/A (planned infrastructure stores no images yet)"
    if not view:
        return "Cost: not in these results (evaluate a snapshot collected with images)"
    if not view["repositories"]:
        return "Cost: N/A (no repository's images were collected)"
    rows = [
        [
            for_terminal(r["account_id"]),
            for_terminal(r["region"]),
            for_terminal(r["repository"]),
            r["images"],
            f"{r['stored_gb']:.3f}",
            f"{r['monthly_cost']:.2f}",
            r["expirable_images"],
            f"{r['monthly_saving']:.2f}",
            for_terminal(r["basis"]),
        ]
        for r in view["repositories"]
    ]
    total = view["total"]
    rows.append(
        [
            "total",
            "",
            "",
            "",
            f"{total['stored_gb']:.3f}",
            f"{total['monthly_cost']:.2f}",
            "",
            f"{total['monthly_saving']:.2f}",
            "",
        ]
    )
    title = (
        f"Cost (storage at ${view['price_per_gb_month']:.2f} per GB-month; "
        "saving if lifecycle policies, or the default retention, expired what they select)"
    )
    heading = "\n".join(textwrap.wrap(title, display.width or len(title)))
    return heading + "\n" + _table(rows, display)


def _table(rows: list[list], display: Display) -> str:
    """The table, its repository and basis columns wrapped when the display is narrow; a
    terminal too narrow even for that gets one short paragraph per repository."""
    return fit_table(rows, HEADERS, display, {2: 16, 8: 10}) or _paragraphs(rows, display)


def _paragraphs(rows: list[list], display: Display) -> str:
    width = display.width or 10**6
    lines = []
    for account, region, name, images, gb, cost, expirable, saving, basis in rows:
        if account == "total":
            text = f"total: {gb} GB, ${cost}/month; saving ${saving}/month"
        else:
            text = (
                f"{account}/{region}/{name}: {images} image(s), {gb} GB, ${cost}/month; "
                f"{expirable} expirable, saving ${saving}/month ({basis})"
            )
        lines += textwrap.wrap(text, width, subsequent_indent="    ")
    return "\n".join(lines)
