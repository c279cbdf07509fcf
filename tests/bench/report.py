"""The output: the machine, a table per scenario (each server, ratios ours/peer), the JSON file,
and a summary of a py-spy profile (raw collapsed stacks) of our server."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

SKIP = {"problems"}


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kib = int(line.split()[1])
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        node = None
    versions = {}
    for package in ("pycrdt", "pycrdt-websocket", "uvicorn", "websockets", "starlette"):
        try:
            versions[package] = version(package)
        except Exception:
            versions[package] = None
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": node,
        "packages": versions,
        "fd_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "note": (
            "load generator (one asyncio loop, no uvloop; fan-out: its readers in worker "
            "processes, one loop each) and server run on the same machine and compete for its "
            "cores; loopback only"
        ),
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def _ratio(a: Any, b: Any) -> str:
    if isinstance(a, bool) or isinstance(b, bool):
        return ""
    if isinstance(a, int | float) and isinstance(b, int | float) and b:
        return f"{a / b:.2f}"
    return ""


def table(name: str, results: dict[str, dict[str, Any]]) -> str:
    servers = list(results)
    base = servers[0] if servers else ""
    others = servers[1:]
    header = ["figure", *servers, *(f"{base}/{o}" for o in others)]
    keys: list[str] = []
    for figures in results.values():
        keys += [k for k in figures if k not in keys and k not in SKIP]
    rows = [header]
    for key in keys:
        values = [results[s].get(key) for s in servers]
        rows.append(
            [
                key,
                *(_fmt(v) for v in values),
                *(_ratio(values[0], results[o].get(key)) for o in others),
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [f"== {name} =="]
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    for server, figures in results.items():
        for problem in figures.get("problems", []):
            lines.append(f"  ! {server}: {problem}")
    return "\n".join(lines)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


PROJECT = ("server/", "drafting/")


def _function(frame: str) -> str:
    """'func (path/file.py:123)' → 'func (path/file.py)': lines of one function together."""
    name, _, where = frame.rpartition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else frame


def profile_summary(raw: Path, top: int = 15) -> dict[str, Any]:
    """py-spy `--format raw` (collapsed stacks 'a;b;c count'): in % of samples, the functions
    most often on top of the stack (self), and our own functions (server/, drafting/) most
    often anywhere in it (total)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = [_function(f) for f in stack.split(";") if f]
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            if any(p in frame for p in PROJECT):
                total[frame] += n
    if not samples:
        return {"samples": 0, "self": [], "total": []}

    def pct(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(f, round(100 * n / samples, 1)) for f, n in counter.most_common(top)]

    return {"samples": samples, "self": pct(own), "total": pct(total)}


def print_profile(summary: dict[str, Any]) -> None:
    print(f"-- profile of ours (py-spy, {summary.get('samples')} samples)")
    for kind, title in (("self", "self time"), ("total", "total time, our code")):
        print(f"   top by {title} (% of samples)")
        for frame, share in summary.get(kind, []):
            print(f"  {share:5.1f}%  {frame}")
    sys.stdout.flush()


KEY_FIGURES = (
    "p50_ms", "p99_ms", "max_ms", "missing", "converged", "deliveries_per_s",
    "server_cpu_pct", "server_peak_rss_mb", "server_cpu_ms_per_1k_deliveries",
    "awareness_frames_in_per_s", "closed_early", "history_first_sync_ms",
    "history_warm_sync_ms", "big_sync_p50_ms", "big_sync_max_ms", "big_peak_rss_mb",
    "big_failures", "generator_lag_p99_ms", "other_processes_cpu_pct", "trustworthy",
)  # fmt: skip


def markdown(document: dict[str, Any]) -> str:
    """The key figures of a JSON result as Markdown tables (for the README)."""
    out = []
    for name, scenario in document.get("scenarios", {}).items():
        results = scenario["results"]
        servers = list(results)
        base, others = servers[0], servers[1:]
        out.append(f"**{name}**" + (" (quick)" if document.get("quick") else ""))
        out.append("")
        out.append("| figure | " + " | ".join([*servers, *(f"{base}/{o}" for o in others)]) + " |")
        out.append("|---" * (1 + len(servers) + len(others)) + "|")
        for key in KEY_FIGURES:
            if not any(key in r for r in results.values()):
                continue
            values = [results[s].get(key) for s in servers]
            ratios = [_ratio(values[0], results[o].get(key)) for o in others]
            out.append(f"| {key} | " + " | ".join([*map(_fmt, values), *ratios]) + " |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # python -m tests.bench.report out.json → Markdown tables
    for argument in sys.argv[1:]:
        print(markdown(json.loads(Path(argument).read_text())))
