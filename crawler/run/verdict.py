"""The run's verdict: why a finished crawl counts as failed (the report, the monitors and the exit
code of `scrapy crawl` all ask here)."""
from __future__ import annotations

from typing import Any


def _sum(stats: dict[str, Any], prefix: str, exclude: tuple[str, ...] = ()) -> int | float:
    return sum(v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, (int, float))
               and not any(k[len(prefix):].startswith(x) for x in exclude))


def run_problems(stats: dict[str, Any]) -> list[str]:
    """Why a finished crawl counts as failed ([] when it does not): what schedulers are told."""
    problems = []
    reason = stats.get("finish_reason")
    if reason != "finished":
        problems.append(f"spider closed with reason {reason!r}")
    if stats.get("gbaf/monitor/status") == "failed":
        problems.append("run checks failed: " + ", ".join(stats.get("gbaf/monitor/failed") or []))
    if stats.get("gbaf/state/error"):
        problems.append(f"state store: {stats['gbaf/state/error']}")
    if stats.get("gbaf/delivery/error"):
        problems.append(f"delivery: {stats['gbaf/delivery/error']}")
    undelivered = _sum(stats, "feedexport/failed_count/")
    if undelivered:
        problems.append(f"{undelivered} output(s) not delivered")
    return problems
