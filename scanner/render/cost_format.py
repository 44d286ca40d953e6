"""`--format cost`: storage per repository and the monthly saving expiring would bring.

Reads the cost view that `evaluate` and `scan` store in the results metadata (see
scanner.cost.view), so `ecrscan report RESULTS --format cost` works from the file alone.
"""

from tabulate import tabulate

from scanner.evaluate.results import Results

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


def render(results: Results) -> str:
    return cost_section(results) + "\n"


def cost_section(results: Results) -> str:
    view = results.metadata.get("cost")
    if not view:
        return "Cost: not in these results (evaluate a snapshot collected with images)"
    rows = [
        [
            r["account_id"],
            r["region"],
            r["repository"],
            r["images"],
            f"{r['stored_gb']:.3f}",
            f"{r['monthly_cost']:.2f}",
            r["expirable_images"],
            f"{r['monthly_saving']:.2f}",
            r["basis"],
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
    return title + "\n" + tabulate(rows, headers=HEADERS, tablefmt="simple", disable_numparse=True)
