"""`python -m bench` (= `make bench`): collection and evaluation at scale, a table and a JSON file.

python -m bench                                   # the sizes the README quotes
python -m bench --collect 100 --evaluate 1000 --evaluate-processes   # a quick look
python -m bench --throttled 200                   # a quick look at collection under throttling
python -m bench --collect --evaluate --evaluate-processes --throttled --html 20000  # HTML alone
"""

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

from bench import collection, evaluation, html, throttling

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
TARGETS = {
    # Collection (every repository has images, a third under ENHANCED scanning): all requests.
    "requests_per_repository": 3.1,
    # Collection wall time over the floor the emulated server's own ceiling sets.
    "collection_wall_over_floor": 1.15,
    "repositories_per_second": 2000,
    "peak_rss_mb_at_100k": 1024,
    "html_megabytes_at_100k": 25,
    "html_interactive_seconds_at_100k": 10,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--collect", type=int, nargs="*", default=[500, 2000], metavar="N")
    parser.add_argument("--evaluate", type=int, nargs="*", default=[10_000, 100_000], metavar="N")
    parser.add_argument(
        "--evaluate-processes",
        type=int,
        nargs="*",
        default=[10_000, 100_000],
        metavar="N",
        help="evaluation sizes measured again with --processes (forked workers)",
    )
    parser.add_argument("--throttled", type=int, nargs="*", default=[5000], metavar="N")
    parser.add_argument(
        "--html",
        type=int,
        nargs="*",
        default=[20_000, 100_000],
        metavar="N",
        help="HTML report sizes: megabytes and time to interactive in headless Chromium",
    )
    parser.add_argument(
        "--consumers",
        type=int,
        nargs="*",
        default=[500],
        metavar="N",
        help="collection sizes measured again with ECS services and Lambda functions: the "
        "requests the consumer collection adds",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # Other work on the machine skews the wall/floor ratio: say how busy it was.
            "load_average_before": os.getloadavg(),
        },
        "targets": TARGETS,
        "collection": collection.run(args.collect),
        "evaluation": evaluation.run(args.evaluate, workers=args.workers)
        + evaluation.run(args.evaluate_processes, workers=args.workers, processes=True),
        "throttling": throttling.run(args.throttled),
        "html": html.run(args.html),
        # Only the requests matter here: one collection is enough.
        "consumers": [collection.measure(n, consumers=True, rounds=1) for n in args.consumers],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    if report["throttling"]:
        print("\n" + throttling_table(report["throttling"]))
    if report["html"]:
        print("\n" + html_table(report["html"]))
    if report["consumers"]:
        print("\n" + consumers_table(report["consumers"]))
    print(f"\nwritten to {args.output}")
    return 0


def table(report: dict) -> str:
    rows = [
        [
            "collect",
            c["repositories"],
            c["wall_seconds"],
            f"{c['requests_per_repository']} ({c['per_repository_requests_per_repository']})",
            f"wall/floor {c['wall_over_floor']} (floor {c['floor_seconds']} s at "
            f"{c['server_ceiling_requests_per_second']} requests/s); "
            f"wall/busy floor {c['wall_over_busy_floor']}",
            c["peak_rss_mb"],
        ]
        for c in report["collection"]
    ]
    rows += [
        [
            f"evaluate ({e['controls']} controls, {'processes' if e['processes'] else 'threads'})",
            e["repositories"],
            round(sum(e["seconds"].values()), 1),
            "",
            f"{e['repositories_per_second']} ({e['end_to_end_repositories_per_second']})",
            # With worker processes, the whole tree's proportional set size is the real figure.
            f"{e['peak_rss_mb']} (all processes: {e.get('peak_pss_mb')} PSS)",
        ]
        for e in report["evaluation"]
    ]
    headers = [
        "phase",
        "repositories",
        "wall s",
        "requests/repo (per-repo calls)",
        "repos/s (end to end); collection: wall over the server's floor",
        "peak RSS MB",
    ]
    return tabulate(rows, headers=headers)


def consumers_table(rows: list[dict]) -> str:
    """The requests the consumer collection adds, per service and per function."""
    headers = [
        "repositories",
        "services",
        "functions",
        "ECS requests (per service)",
        "Lambda requests (per function)",
        "image look-ups (per consumer)",
        "once (IAM, NAT)",
        "added",
        "wall s",
    ]
    body = []
    for row in rows:
        c = row["consumers"]
        body.append(
            [
                row["repositories"],
                c["services"],
                c["functions"],
                f"{c['ecs_requests']} ({c['ecs_requests_per_service']})",
                f"{c['lambda_requests']} ({c['lambda_requests_per_function']})",
                f"{c['image_lookups']} ({c['image_lookups_per_consumer']})",
                c["once_per_account_or_region"],
                c["added_requests"],
                row["wall_seconds"],
            ]
        )
    return tabulate(body, headers=headers)


def throttling_table(rows: list[dict]) -> str:
    headers = [
        "repositories",
        "throttled share",
        "throttled answers",
        "clean s",
        "throttled s",
        "extra s (%)",
        "errors",
        "same verdicts",
    ]
    body = [
        [
            r["repositories"],
            r["throttled_share"],
            r["throttled_answers"],
            r["clean_seconds"],
            r["throttled_seconds"],
            f"{r['extra_seconds']} ({r['extra_percent']}%)",
            r["collection_errors"],
            "yes" if r["same_verdicts"] else f"NO ({r['cells']} cells)",
        ]
        for r in rows
    ]
    return tabulate(body, headers=headers)


def html_table(rows: list[dict]) -> str:
    headers = [
        "repositories",
        "verdicts",
        "HTML MB",
        "render s",
        "interactive ms (in page)",
        "headless run s (blank page s)",
    ]
    body = [
        [
            r["repositories"],
            r["verdicts"],
            r["megabytes"],
            r["render_seconds"],
            r.get("ready_ms", r.get("chromium")),
            f"{r.get('headless_seconds')} ({r.get('blank_page_seconds')})",
        ]
        for r in rows
    ]
    return tabulate(body, headers=headers)


if __name__ == "__main__":
    sys.exit(main())
