"""Apple Health export.xml → canonical daily rows: speed (MB/s) and peak memory, beside bare parsers.

    .venv/bin/python bench/apple_health_parse.py [--mb 500] [--path /tmp/wellness_bench/export.xml]
        [--kinds expat_floor,etree_floor,wellness_parse,wellness_one_pass] [--repeat 1]

Generates (once) a synthetic export of about --mb megabytes with the project's own generator (1-minute
heart rate, steps from Watch and iPhone, sleep stages, ignored types), then runs each measurement in a fresh
process so peak RSS is its own:
  expat_floor     pyexpat with a handler that only counts <Record> elements
  etree_floor     ElementTree iterparse + clear (the common approach)
  wellness_parse  the ingestion path as pipelines.landing_ingestion runs it: transforms.ingest.parse.detect + parse_input
                  (transforms.ingest.sources.apple_health) → quality row rules → transforms.ingest.samples daily values;
                  a file this large is split between this process and a helper process (two cores)
  wellness_one_pass  the same with the split read off (one expat pass, as smaller files and zip members take)
The pipeline's modules are imported before the clock starts (a pipeline process imports them once). Prints one
line per figure, the helper's peak RSS beside the parser's, and each wellness kind's speed over expat_floor's in
the same round.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from _measure import report_child, run_child


def generate(path: Path, megabytes: int) -> None:
    from transforms.synthetic.apple_health import export_text
    from transforms.synthetic.cohort import CohortSpec, simulate

    days = max(2, int(megabytes * 1e6 / 520_000))
    cohort = simulate(CohortSpec(participants=1, days=days, seed=1, episode_fraction=0.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export_text(cohort, 0, hr_every_s=60), encoding="utf-8")


def expat_floor(path: Path) -> dict:
    from xml.parsers import expat

    count = 0

    def start(name, attrs):
        nonlocal count
        if name == "Record":
            count += 1

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    with open(path, "rb") as fh:
        parser.ParseFile(fh)
    return {"records": count}


def etree_floor(path: Path) -> dict:
    import xml.etree.ElementTree as ET

    count = 0
    context = ET.iterparse(path, events=("start", "end"))
    _, root = next(context)
    for event, elem in context:
        if event == "end" and elem.tag == "Record":
            count += 1
            root.clear()
    return {"records": count}


def wellness_one_pass(path: Path) -> dict:
    from transforms.ingest.sources import apple_health

    apple_health.SPLIT_MIN_BYTES = 1 << 62
    return wellness_parse(path)


def wellness_parse(path: Path) -> dict:
    import datetime as dt

    from quality.rules import apply_row_rules
    from transforms.ingest.identity import ParticipantMap
    from transforms.ingest.inputs import plain_file
    from transforms.ingest.parse import detect, parse_input
    from transforms.ingest.samples import DailyFromSamples

    source = plain_file(path, "P1/export.xml")  # landing/<participant>/export.xml
    module = detect(source)
    daily = DailyFromSamples(module.FORMAT, source.source_file, module.HEART_RATE_SAMPLES_PER_HOUR)
    records = 0
    for chunk in parse_input(source, module, ParticipantMap.load(None, b"bench key")):
        chunk = apply_row_rules(chunk, module.FORMAT, dt.date(2100, 1, 1))
        daily.add(chunk.samples)
        records += chunk.n_records
    rows = daily.finish()
    return {"records": records, "daily_rows": len(rows)}


KINDS = {
    "expat_floor": expat_floor,
    "etree_floor": etree_floor,
    "wellness_parse": wellness_parse,
    "wellness_one_pass": wellness_one_pass,
}
WELLNESS_IMPORTS = ["quality.rules", "transforms.ingest.parse", "transforms.ingest.samples", "pyarrow.compute"]
IMPORTS = {
    "expat_floor": [],
    "etree_floor": [],
    "wellness_parse": WELLNESS_IMPORTS,
    "wellness_one_pass": WELLNESS_IMPORTS,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--path", type=Path, default=Path("/tmp/wellness_bench/export.xml"))
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--child", choices=list(KINDS))
    args = ap.parse_args()
    if args.child:
        report_child(KINDS[args.child], args.path, IMPORTS[args.child], watch_children=args.child == "wellness_parse")
        return
    if not args.path.exists() or abs(args.path.stat().st_size / 1e6 - args.mb) > 0.2 * args.mb:
        print(f"generating {args.mb} MB export at {args.path} …", flush=True)
        generate(args.path, args.mb)
    size_mb = args.path.stat().st_size / 1e6
    print(f"file {args.path} {size_mb:.0f} MB, {os.cpu_count()} cores")
    for round_ in range(1, args.repeat + 1):
        if args.repeat > 1:
            print(f"round {round_}")
        results = {}
        for kind in args.kinds.split(","):
            r = results[kind] = run_child(__file__, kind, args.path)
            extra = f"  daily_rows {r['daily_rows']}" if "daily_rows" in r else ""
            helper = f" (helper {r['helper_peak_rss_mb']:.0f} MB)" if r["helper_peak_rss_mb"] else ""
            print(
                f"{kind:<17} {size_mb / r['seconds']:6.1f} MB/s  {r['records'] / r['seconds'] / 1e6:5.2f} M records/s  "
                f"peak RSS {r['peak_rss_mb']:4.0f} MB{helper}  ({r['seconds']:.1f} s, {r['records']:,} records){extra}"
            )
        if "expat_floor" in results:
            for kind in ("wellness_parse", "wellness_one_pass"):
                if kind in results:
                    ratio = results["expat_floor"]["seconds"] / results[kind]["seconds"]
                    print(f"{kind} speed / expat_floor speed: {ratio:.2f}×")


if __name__ == "__main__":
    main()
