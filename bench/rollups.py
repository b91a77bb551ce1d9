"""The figures at scale, in process: each stats.json question answered from the rollups' cells and by the
exact path (a GROUP BY over the requests, percentile_cont), on a bench database already loaded (e.g. by
bench/analytics.py), after building the cells. Prints the build time and, per question, the p50 of each
and their ratio; checks that the cells answered (none fell back to the exact path).

    .venv/bin/python bench/rollups.py --database-url sqlite:///bench/var/analytics-1000000.sqlite3
    .venv/bin/python bench/rollups.py --database-url postgres://postgres@127.0.0.1:5432/civic311_analytics

It builds the cells in that database (`civic311 rollups --build` does the same), so run it on a copy if the
database is shared.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = [
    (None, {}),
    ("service", {}),
    ("service_group", {}),
    ("department", {}),
    ("district:ward", {}),
    ("channel", {}),
    ("month", {}),
    ("week", {}),
    (None, {"start_date": "2024-03-01T00:00:00Z", "end_date": "2024-05-31T23:59:59Z"}),
    (None, {"service_code": "S000"}),
    (None, {"district": "ward:42"}),
    (None, {"channel": "phone"}),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=7, help="calls per question from the cells")
    parser.add_argument("--exact-runs", type=int, default=3, help="calls per question by the exact path")
    parser.add_argument("--no-build", action="store_true", help="use the cells already there")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("CIVIC311_DATA_DIR", str(ROOT / "bench" / "var" / "rollups"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from civic311.analytics import answers, figures, rollups
    from civic311.catalog.models import Jurisdiction
    from civic311.servicerequests import filters

    call_command("migrate", verbosity=0)
    jurisdiction = Jurisdiction.objects.first()
    assert jurisdiction is not None, "load a bench database first (bench/analytics.py)"
    print(f"{jurisdiction.jurisdiction_id}: {jurisdiction.requests.count():,} requests")
    if not args.no_build:
        started = time.perf_counter()
        cells = rollups.build(jurisdiction)
        print(f"build: {cells:,} day cells in {time.perf_counter() - started:.1f} s")
    now = timezone.now()
    print(f"{'question':44} {'cells p50 ms':>12} {'exact p50 ms':>12} {'ratio':>7}")
    for grouping_name, params in QUESTIONS:
        errors: list = []
        f = filters.read_filter(
            params, filters.RequestFilter(), errors, max_span=None, jurisdiction=jurisdiction
        )
        grouping = figures.parse_grouping(grouping_name or "", jurisdiction, errors)
        assert not errors, errors
        fast = []
        for _ in range(args.runs):
            started = time.perf_counter()
            found = answers.from_cells(jurisdiction, f, grouping, jurisdiction.tz, now)
            fast.append(time.perf_counter() - started)
            assert found is not None, "the cells did not answer"
        exact = []
        for _ in range(args.exact_runs):
            started = time.perf_counter()
            requests = filters.matching(jurisdiction, f)
            figures.total(requests, now=now)
            if grouping:
                figures.grouped(requests, grouping, jurisdiction.tz, now=now)
            exact.append(time.perf_counter() - started)
        a, b = statistics.median(fast) * 1000, statistics.median(exact) * 1000
        name = f"{grouping_name or 'total'} {params or ''}"[:44]
        print(f"{name:44} {a:12.1f} {b:12.1f} {b / a:7.1f}")


if __name__ == "__main__":
    main()
