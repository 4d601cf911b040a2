"""The figures of `manage.py bench_directory` as compact tables, the issue's
targets with a verdict for each run, and the same as JSON for the record."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engagements.bench.load import PhaseResult, Summary, median, percentile
from engagements.bench.mix import API, HTML, REFERENCE
from engagements.bench.queries import QueryCounts
from engagements.bench.references import SqlReference

LABELS = {API: "API", HTML: "HTML", REFERENCE: "ref view"}
MILLION = 1_000_000
# Issue 13: the whole mix, at one connection and at sixteen.
TARGET_P95_1 = 60.0
TARGET_P99_1 = 120.0
TARGET_RPS_16 = 80.0
TARGET_P95_1_AT_MILLION = 300.0


@dataclass(frozen=True)
class Verdict:
    target: str
    run: str
    measured: str
    met: bool | None  # None: not measured in this run

    def line(self) -> str:
        mark = {True: "met", False: "NOT MET", None: "not measured"}[self.met]
        return f"  {self.target:<44} {self.run:<18} {self.measured:<34} {mark}"


def run_rows(phases: Sequence[PhaseResult]) -> list[str]:
    """One line per surface and one for the whole mix, per run."""
    lines = [
        f"  {'run':<16} {'conns':>5} {'surface':<8} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'errors':>6} {'non-2xx':>7}  stopped by"
    ]
    for phase in phases:
        targets = sorted({sample.target for sample in phase.samples}, key=list(LABELS).index)
        groups: list[tuple[str, Iterable[str] | None]] = [(LABELS[target], [target]) for target in targets]
        if len(targets) > 1:
            groups.append(("all", None))
        for label, wanted in groups:
            summary = phase.summary(wanted)
            lines.append(
                f"  {phase.name:<16} {phase.connections:>5} {label:<8} {summary.requests:>8} "
                f"{summary.per_second:>7.1f} {summary.p50:>8.1f} {summary.p95:>8.1f} {summary.p99:>8.1f} "
                f"{summary.max:>8.1f} {summary.errors:>6} {summary.non_2xx:>7}  {phase.stopped_by}"
            )
    return lines


def kind_rows(phases: Sequence[PhaseResult], queries: QueryCounts) -> list[str]:
    """Latency per (surface, kind) over `phases`, slowest median first, with what
    the in-process sample measured: SQL queries per request (min / median / max)
    and the median time in SQL out of the median time in all."""
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    for phase in phases:
        for sample in phase.samples:
            latencies[(sample.target, sample.kind)].append(sample.ms)
    keys = sorted(set(latencies) | set(queries.counts), key=lambda key: -percentile(latencies.get(key, []), 0.5))
    lines = [
        f"  {'surface':<8} {'kind':<26} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   "
        f"{'queries min/med/max':<20} in-process: SQL of total ms (medians)"
    ]
    for key in keys:
        values = latencies.get(key, [])
        counts = queries.counts.get(key, [])
        query_text = f"{min(counts)} / {median(counts):g} / {max(counts)}" if counts else "-"
        split = (
            f"{median(queries.sql_ms[key]):.1f} of {median(queries.total_ms[key]):.1f}" if key in queries.sql_ms else ""
        )
        lines.append(
            f"  {LABELS[key[0]]:<8} {key[1]:<26} {len(values):>5} {percentile(values, 0.5):>8.1f} "
            f"{percentile(values, 0.95):>8.1f} {max(values, default=0.0):>8.1f}   {query_text:<20} {split}"
        )
    return lines


def statement_rows(queries: QueryCounts, *, limit: int = 8, width: int = 150) -> list[str]:
    """The SQL statements that took the most time over the in-process sample."""
    ranked = sorted(queries.statements.items(), key=lambda item: -sum(item[1]))[:limit]
    lines = [f"  {'total ms':>9} {'runs':>5} {'mean ms':>8}   statement (parameters as %s)"]
    for shape, timings in ranked:
        text = shape if len(shape) <= width else shape[: width - 1] + "…"
        lines.append(f"  {sum(timings):>9.1f} {len(timings):>5} {sum(timings) / len(timings):>8.2f}   {text}")
    return lines


def reference_rows(references: Sequence[SqlReference]) -> list[str]:
    lines = [f"  {'reference':<26} {'runs':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   plan"]
    for reference in references:
        values = reference.latencies
        lines.append(
            f"  {reference.label:<26} {len(values):>6} {percentile(values, 0.5):>8.2f} "
            f"{percentile(values, 0.95):>8.2f} {percentile(values, 0.99):>8.2f}   {plan_summary(reference.plan)}"
        )
    return lines


def plan_summary(plan: Sequence[str]) -> str:
    """The top node, then every scan: enough to see whether an index serves the query."""
    scans = [node for node in plan[1:] if "Scan" in node]
    return " → ".join([*plan[:1], *scans]) if scans else " → ".join(plan)


def ratio_rows(
    *, warm: dict[int, PhaseResult], views: dict[int, PhaseResult], references: Sequence[SqlReference]
) -> list[str]:
    """Ours ÷ reference: latency ratios (how many times slower) and throughput ratio."""
    lines = []
    for connections, phase in sorted(warm.items()):
        view = views.get(connections)
        if view is None:
            continue
        ours, api, reference = phase.summary(), phase.summary([API]), view.summary()
        lines.append(
            f"  warm mix ÷ reference view, {connections} conn: p50 {_ratio(ours.p50, reference.p50)}, "
            f"p95 {_ratio(ours.p95, reference.p95)}, throughput {_ratio(ours.per_second, reference.per_second)}"
            f" (API requests alone: p50 {_ratio(api.p50, reference.p50)}, p95 {_ratio(api.p95, reference.p95)})"
        )
    single = warm.get(1)
    if single is not None and len(references) == 2:
        browse, search = (reference.latencies for reference in references)
        searching = [sample.ms for sample in single.samples if sample.searched]
        others = [sample.ms for sample in single.samples if not sample.searched]
        for label, ours_ms, theirs in (("search requests", searching, search), ("non-search requests", others, browse)):
            lines.append(
                f"  warm {label} ÷ {'SQL search page' if theirs is search else 'SQL browse'}, 1 conn: "
                f"p50 {_ratio(percentile(ours_ms, 0.5), percentile(theirs, 0.5))}, "
                f"p95 {_ratio(percentile(ours_ms, 0.95), percentile(theirs, 0.95))}"
            )
    return lines


def _ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.1f}x" if reference > 0 else "n/a"


def verdicts(*, phases: Sequence[PhaseResult], vendors: int) -> list[Verdict]:
    """Each of the issue's targets against each run it applies to."""
    results = []
    for phase in phases:
        if phase.name.startswith("reference"):
            continue
        summary = phase.summary()
        run = f"{phase.name}, {phase.connections} conn"
        if phase.connections == 1:
            results.append(_single(summary, run))
            results.append(_million(summary, run, vendors))
        elif phase.connections == 16:
            results.append(
                Verdict(
                    target=f"16 conn: >= {TARGET_RPS_16:g} req/s, no error/non-2xx",
                    run=run,
                    measured=f"{summary.per_second:.1f} req/s, {summary.errors} err, {summary.non_2xx} non-2xx",
                    met=summary.per_second >= TARGET_RPS_16 and summary.clean,
                )
            )
    return results


def _single(summary: Summary, run: str) -> Verdict:
    return Verdict(
        target=f"1 conn: p95 <= {TARGET_P95_1:g} ms, p99 <= {TARGET_P99_1:g} ms",
        run=run,
        measured=f"p95 {summary.p95:.1f} ms, p99 {summary.p99:.1f} ms",
        met=summary.p95 <= TARGET_P95_1 and summary.p99 <= TARGET_P99_1 and summary.clean,
    )


def _million(summary: Summary, run: str, vendors: int) -> Verdict:
    at_million = vendors >= MILLION
    return Verdict(
        target=f"1M vendors, 1 conn: p95 <= {TARGET_P95_1_AT_MILLION:g} ms",
        run=run,
        measured=f"p95 {summary.p95:.1f} ms" if at_million else f"({vendors:,} vendors)",
        met=summary.p95 <= TARGET_P95_1_AT_MILLION and summary.clean if at_million else None,
    )


def failure_rows(phases: Sequence[PhaseResult], queries: QueryCounts, *, limit: int = 10) -> list[str]:
    """Every failed request counted, the first few shown: a non-2xx is never a footnote."""
    lines = []
    for phase in phases:
        failures = phase.failures()
        if failures:
            lines.append(f"  {phase.name}, {phase.connections} conn: {len(failures)} failed requests")
            lines += [f"    {LABELS[s.target]} {s.status or 'no answer'} {s.error} {s.url}" for s in failures[:limit]]
    if queries.failures:
        lines.append(f"  in-process query count: {len(queries.failures)} non-200 answers")
        lines += [f"    {status} {url}" for url, status in queries.failures[:limit]]
    return lines


def write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")


def phase_record(phase: PhaseResult) -> dict[str, Any]:
    targets = sorted({sample.target for sample in phase.samples})
    kinds: dict[str, list[float]] = defaultdict(list)
    for sample in phase.samples:
        kinds[f"{sample.target} {sample.kind}"].append(sample.ms)
    return {
        "name": phase.name,
        "connections": phase.connections,
        "seconds": round(phase.seconds, 3),
        "stopped_by": phase.stopped_by,
        "all": asdict(phase.summary()),
        **{target: asdict(phase.summary([target])) for target in targets},
        "kinds": {
            kind: {"n": len(values), "p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}
            for kind, values in sorted(kinds.items())
        },
        "failures": [asdict(sample) for sample in phase.failures()[:50]],
    }
