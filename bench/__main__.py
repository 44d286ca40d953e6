"""`python -m bench` (= `make bench`): collection and evaluation at scale, a table and a JSON file.

python -m bench                                   # the sizes the README quotes
python -m bench --collect 100 --evaluate 1000 --evaluate-processes   # a quick look
python -m bench --throttled 200                   # a quick look at collection under throttling
"""

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

from bench import collection, evaluation, throttling

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
TARGETS = {
    "per_repository_requests": 3,  # beyond the per-region calls
    "repositories_per_second": 2000,
    "peak_rss_mb_at_100k": 1024,
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
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "targets": TARGETS,
        "collection": collection.run(args.collect),
        "evaluation": evaluation.run(args.evaluate, workers=args.workers)
        + evaluation.run(args.evaluate_processes, workers=args.workers, processes=True),
        "throttling": throttling.run(args.throttled),
        "consumers": [collection.measure(n, consumers=True) for n in args.consumers],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    if report["throttling"]:
        print("\n" + throttling_table(report["throttling"]))
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
            "",
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
        "repos/s (end to end)",
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


if __name__ == "__main__":
    sys.exit(main())
