"""End-of-run checks (Spidermon monitors): did this run produce what it should have, cleanly?

At spider close `RunMonitorSuite` (SPIDERMON_SPIDER_CLOSE_MONITORS) evaluates, from the run's
stats and the run report's field coverage (crawler.run.report.RunReport):

- records: article pages fetched (new, modified or recent ones), but no record came out of them;
  a first or full run that found no article link at all; too many fetched pages that were not
  articles; too many records dropped as invalid;
- errors: ERROR log lines (other than requests given up after retries), the share of 5xx
  responses, of requests failed for good, of retries;
- coverage, per field: the share of records where it is filled, and the share of its filled
  values that came from the field's preferred layer (`jsonld`, `meta`, `dom`, `fallback`).

Every threshold is a `GBAF_MONITOR_*` setting. A failed check is logged as an ERROR naming what
failed, and the run is marked failed in the stats (`gbaf/monitor/status`): the run report's
`status` and the exit code of `scrapy crawl` (crawler.commands.crawl) follow it.
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon import settings as spidermon_settings

from crawler.defaults import setting
from crawler.run.verdict import _sum, run_problems  # noqa: F401 (run_problems: importable from here)

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)
# Spidermon 1.27 writes its results with Spider.log(), which Scrapy 2.19 deprecates: one warning a
# run that says nothing about the run.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated",
                        category=ScrapyDeprecationWarning, module="spidermon")

REQUIRED_FIELDS = ("title", "url", "published_at", "body", "category", "language")


@dataclass
class Check:
    name: str  # family/what, e.g. "coverage_preferred/title"
    status: str  # "ok", "failed" or "skipped"
    value: float | int | None = None
    limit: float | int | None = None
    detail: str = ""


@dataclass
class Limits:
    min_records: int = 1
    max_error_lines: int = 0
    max_server_error_share: float = 0.05
    max_failed_share: float = 0.1
    max_invalid_share: float = 0.1
    max_not_article_share: float = 0.5
    allowed_count: int = 5
    coverage_min_records: int = 10
    min_filled: dict = None
    preferred_layers: dict = None
    min_preferred_share: float = 0.7
    min_preferred_share_by_field: dict = None
    baseline_runs: int = 10
    max_layer_drop: float = 0.3

    @classmethod
    def from_settings(cls, s: BaseSettings) -> Limits:
        return cls(
            min_records=setting(s, "GBAF_MONITOR_MIN_RECORDS"),
            max_error_lines=setting(s, "GBAF_MONITOR_MAX_ERROR_LINES"),
            max_server_error_share=setting(s, "GBAF_MONITOR_MAX_SERVER_ERROR_SHARE"),
            max_failed_share=setting(s, "GBAF_MONITOR_MAX_FAILED_SHARE"),
            max_invalid_share=setting(s, "GBAF_MONITOR_MAX_INVALID_SHARE"),
            max_not_article_share=setting(s, "GBAF_MONITOR_MAX_NOT_ARTICLE_SHARE"),
            allowed_count=setting(s, "GBAF_MONITOR_ALLOWED_COUNT"),
            coverage_min_records=setting(s, "GBAF_MONITOR_COVERAGE_MIN_RECORDS"),
            min_filled={k: float(v) for k, v in setting(s, "GBAF_MONITOR_MIN_FILLED").items()},
            preferred_layers=dict(setting(s, "GBAF_MONITOR_PREFERRED_LAYERS")),
            min_preferred_share=setting(s, "GBAF_MONITOR_MIN_PREFERRED_SHARE"),
            min_preferred_share_by_field={k: float(v) for k, v in setting(
                s, "GBAF_MONITOR_MIN_PREFERRED_SHARE_BY_FIELD").items()},
            baseline_runs=setting(s, "GBAF_MONITOR_LAYER_BASELINE_RUNS"),
            max_layer_drop=setting(s, "GBAF_MONITOR_MAX_LAYER_DROP"),
        )


def _pct(x):
    return f"{100 * x:.0f}%"


def _share_check(name, count, total, max_share, allowed, what):
    share = count / total if total else 0.0
    ok = count <= allowed or share <= max_share
    return Check(name, "ok" if ok else "failed", round(share, 4), max_share,
                 f"{count} of {total} {what} ({_pct(share)}, at most {_pct(max_share)} "
                 f"or {allowed})")


def evaluate(stats: dict[str, Any], coverage: dict[str, dict] | None, records: int, limits: Limits,
             incremental: bool = False, history: Iterable[dict] = (),
             distributed: bool = False) -> list[Check]:
    """The run's checks, from its stats, the report's coverage ({field: {filled, layers}} as shares
    of the `records` article pages parsed in the run: exported, unchanged or duplicate), the runs
    before it (`history`, newest first: {"status", "coverage": counts}, crawler.run.history) and the limits."""
    down = _site_down(stats, limits)
    if down:  # one line says it; what follows from it is not judged
        return [Check("site/reachable", "failed", detail=down)]
    checks = []
    requests = stats.get("downloader/request_count", 0)
    if distributed and not requests:
        return [Check("records/new", "ok", 0, 0, "idle worker: the shared queue gave it no work")]
    # --- records: article pages must give records ------------------------------------------------
    # Pages the spider parsed as articles (incremental runs fetch only unknown, modified or recent
    # ones) and what came of them: a record exported, or one dropped as unchanged, duplicate or
    # older than `since` (all show the parser worked). A few non-article pages are normal.
    fetched = (stats.get("gbaf/pages/article", 0) + stats.get("gbaf/pages/not_html", 0)
               + _sum(stats, "gbaf/pages/not_article/") + stats.get("gbaf/records/skipped/before_since", 0))
    produced = (stats.get("item_scraped_count", 0) + stats.get("gbaf/records/dropped/unchanged", 0)
                + _sum(stats, "gbaf/records/dropped/duplicate_")
                + stats.get("gbaf/records/skipped/before_since", 0))
    links = stats.get("gbaf/requests/article", 0) + stats.get("gbaf/requests/related", 0)
    if not links and not incremental:
        checks.append(Check("records/new", "failed", 0, limits.min_records,
                            "no article link found: a first or full run must find articles"))
    elif fetched <= limits.allowed_count:
        checks.append(Check("records/new", "ok", produced, 0,
                            f"{produced} records from {fetched} article pages fetched"))
    else:
        checks.append(Check("records/new", "ok" if produced >= limits.min_records else "failed",
                            produced, limits.min_records,
                            f"{produced} records from {fetched} article pages fetched "
                            f"(at least {limits.min_records})"))
    not_article = _sum(stats, "gbaf/pages/not_article/") + stats.get("gbaf/pages/not_html", 0)
    check = _share_check("records/not_article", not_article, fetched, limits.max_not_article_share,
                         limits.allowed_count, "article pages fetched were not articles")
    reasons = {k[len("gbaf/pages/not_article/"):]: v for k, v in stats.items()
               if k.startswith("gbaf/pages/not_article/")}
    if reasons:
        check.detail += ": " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
    checks.append(check)
    invalid = stats.get("gbaf/records/dropped/invalid", 0)
    check = _share_check("records/invalid", invalid, invalid + produced, limits.max_invalid_share,
                         limits.allowed_count, "records invalid")
    rules = {k[len("validate/invalid/"):]: v for k, v in stats.items() if k.startswith("validate/invalid/")}
    if rules:
        check.detail += ": " + ", ".join(f"{k} {v}" for k, v in sorted(rules.items()))
    checks.append(check)

    # --- errors ------------------------------------------------------------------------------------
    # Scrapy logs an ERROR for each request it gives up on after its retries: those are judged
    # by their share (errors/failed), every other ERROR line here. A retry that recovered is no
    # failure (as Spidermon's RetryCountMonitor has it): 503s and 429s a site answers while busy
    # count only when the request failed for good in the end.
    gave_up = stats.get("retry/max_reached", 0)
    lines = max(0, stats.get("log_count/ERROR", 0) - gave_up)
    checks.append(Check("errors/log", "ok" if lines <= limits.max_error_lines else "failed", lines,
                        limits.max_error_lines, f"{lines} ERROR log lines"
                        + (f" (besides {gave_up} requests given up after retries)" if gave_up else "")))
    checks.append(_share_check("errors/server", _sum(stats, "gbaf/failures/http_5"), requests,
                               limits.max_server_error_share, limits.allowed_count,
                               "requests failed for good with a server error (5xx)"))
    failed = _sum(stats, "gbaf/failures/", exclude=("by_kind/",))
    checks.append(_share_check("errors/failed", failed, requests, limits.max_failed_share,
                               limits.allowed_count, "requests failed for good"))
    retries = stats.get("retry/count", 0)
    checks.append(Check("errors/retries", "ok", retries, None,
                        f"{retries} retries, {gave_up} of them gave up (counted in errors/failed)"))
    checks.extend(coverage_checks(_counts(coverage, records), history, limits))
    return checks


def _site_down(stats, limits):
    """One line when the site could not be reached at all, else None."""
    robots = [k.rsplit("/", 1)[1] for k in stats if k.startswith("robotstxt/unavailable/")]
    robots = [r for r in robots if not (r.startswith("http_4") and r != "http_429")]
    forbidden = stats.get("robotstxt/forbidden", 0)
    if robots and forbidden and not stats.get("gbaf/pages/article", 0):
        return (f"site unreachable: robots.txt could not be read ({', '.join(robots)}), so everything "
                f"is disallowed (RFC 9309): {forbidden} requests not made")
    requests = stats.get("downloader/request_count", 0)
    if requests and not stats.get("downloader/response_count", 0):
        why = {k.rsplit("/", 1)[1] for k in stats if k.startswith("gbaf/failures/") and "by_kind" not in k}
        return f"site unreachable: none of {requests} requests got an answer ({', '.join(sorted(why)) or 'no answer'})"
    return None


# --- coverage: this run's article pages, with the runs before it ----------------------------------
def _counts(coverage, records):
    """Shares of records -> counts ({"records", "filled": {field: n}, "layers": {field: {layer: n}}})."""
    coverage = coverage or {}
    return {"records": records,
            "filled": {f: round(c.get("filled", 0) * records) for f, c in coverage.items()},
            "layers": {f: {k: round(v * records) for k, v in (c.get("layers") or {}).items()}
                       for f, c in coverage.items()}}


def _merged(runs):
    out = {"records": 0, "filled": {}, "layers": {}}
    for run in runs:
        out["records"] += run.get("records", 0)
        for f, n in (run.get("filled") or {}).items():
            out["filled"][f] = out["filled"].get(f, 0) + n
        for f, layers in (run.get("layers") or {}).items():
            into = out["layers"].setdefault(f, {})
            for k, n in layers.items():
                into[k] = into.get(k, 0) + n
    return out


def coverage_checks(current: dict[str, Any], history: Iterable[dict], limits: Limits) -> list[Check]:
    """Field coverage of this run's article pages, with the newest earlier runs added until there
    are GBAF_MONITOR_COVERAGE_MIN_RECORDS (so a small incremental run is judged, with the runs
    before it). Each field's layers are compared with what the earlier runs that passed showed
    (the baseline, learned: `GBAF_MONITOR_LAYER_BASELINE_RUNS` runs): a drop of the layer that gave
    a field, by more than `GBAF_MONITOR_MAX_LAYER_DROP`, means the markup changed. Absolute layer
    expectations (GBAF_MONITOR_PREFERRED_LAYERS) are judged only where a user sets them."""
    earlier = [dict(r.get("coverage") or {}, status=r.get("status")) for r in history]
    window, runs = [current], 1
    while sum(w.get("records", 0) for w in window) < limits.coverage_min_records and earlier:
        window.append(earlier.pop(0))
        runs += 1
    win = _merged(window)
    records = win["records"]
    if records < limits.coverage_min_records:
        return [Check("coverage", "skipped", records, limits.coverage_min_records,
                      f"{records} article pages over {runs} run(s): too few to judge field coverage")]
    over = f"{records} article pages" + (f" over the last {runs} runs" if runs > 1 else "")
    checks = []
    for field, minimum in sorted(limits.min_filled.items()):
        filled = win["filled"].get(field, 0) / records
        checks.append(Check(f"coverage_filled/{field}", "ok" if filled >= minimum else "failed",
                            round(filled, 4), minimum,
                            f"{field}: filled in {_pct(filled)} of {over} (at least {_pct(minimum)})"))
    base = _merged([r for r in earlier if r.get("status") == "ok"][:limits.baseline_runs])
    for field in sorted(base["layers"]):
        base_filled, now_filled = base["filled"].get(field, 0), win["filled"].get(field, 0)
        if base_filled < limits.coverage_min_records or now_filled < limits.coverage_min_records:
            continue  # an optional block seldom present: its layer says little
        layer, n = max(base["layers"][field].items(), key=lambda kv: kv[1])
        was, now = n / base_filled, win["layers"].get(field, {}).get(layer, 0) / now_filled
        if was < 0.5:
            continue  # no layer the field usually comes from
        others = ", ".join(f"{k} {_pct(v / now_filled)}" for k, v in sorted(win["layers"].get(field, {}).items())
                           if k != layer and v)
        checks.append(Check(f"coverage_layer/{field}", "ok" if now >= was - limits.max_layer_drop else "failed",
                            round(now, 4), round(was - limits.max_layer_drop, 4),
                            f"{field}: {_pct(now)} from {layer} in {over}, was {_pct(was)} in the runs before"
                            + (f" (now {others})" if others else "")))
    if not base["records"]:
        checks.append(Check("coverage_layer", "skipped", None, None,
                            "no earlier run to compare the fields' layers with (the first run sets the baseline)"))
    for field, layer in sorted(limits.preferred_layers.items()):
        filled = win["filled"].get(field, 0)
        minimum = limits.min_preferred_share_by_field.get(field, limits.min_preferred_share)
        if filled < limits.coverage_min_records:
            checks.append(Check(f"coverage_preferred/{field}", "skipped", None, minimum,
                                f"{field}: filled in {filled} records only"))
            continue
        layers = win["layers"].get(field, {})
        share = layers.get(layer, 0) / filled
        others = ", ".join(f"{k} {_pct(v / filled)}" for k, v in sorted(layers.items()) if k != layer and v)
        checks.append(Check(f"coverage_preferred/{field}", "ok" if share >= minimum else "failed",
                            round(share, 4), minimum,
                            f"{field}: {_pct(share)} from {layer} (at least {_pct(minimum)})"
                            + (f", else {others}" if others else "")))
    return checks


def _report_of(crawler):
    from crawler.run.report import RunReport

    extensions = getattr(getattr(crawler, "extensions", None), "middlewares", ())
    return next((e for e in extensions if isinstance(e, RunReport)), None)


# --- Spidermon -------------------------------------------------------------------------------------
class _ChecksMonitor(Monitor):
    """Fails with the details of every failed check of its families."""

    families = ()

    def assert_checks(self, *families: str) -> None:
        suite = self.parent
        while suite is not None and not hasattr(suite, "checks"):
            suite = suite.parent
        found = [c for c in suite.checks if c.name.split("/")[0] in families]
        failed = [c for c in found if c.status == "failed"]
        if found and all(c.status == "skipped" for c in found):
            self.skipTest("; ".join(c.detail for c in found))
        if failed:
            self.fail("; ".join(c.detail for c in failed))


@monitors.name("Records")
class RecordsMonitor(_ChecksMonitor):
    @monitors.name("new articles gave records")
    def test_new_articles_give_records(self) -> None:
        self.assert_checks("records")


@monitors.name("Errors")
class ErrorsMonitor(_ChecksMonitor):
    @monitors.name("error lines, server errors, failed requests and retries within limits")
    def test_errors(self) -> None:
        self.assert_checks("errors")


@monitors.name("Field coverage")
class CoverageMonitor(_ChecksMonitor):
    @monitors.name("required fields filled")
    def test_filled(self) -> None:
        self.assert_checks("coverage_filled", "coverage")

    @monitors.name("fields from their preferred layer")
    def test_preferred_layers(self) -> None:
        self.assert_checks("coverage_preferred")


class RunMonitorSuite(MonitorSuite):
    """The end-of-run checks; the outcome goes to the stats, the log and the run report."""

    monitors = [RecordsMonitor, ErrorsMonitor, CoverageMonitor]

    def init_data(self, data: dict[str, Any]) -> None:
        crawler = data["crawler"]
        report = _report_of(crawler)
        spider = data.get("spider")
        self.stats = crawler.stats
        judged = report.judged if report else None
        self.checks = evaluate(
            dict(data["stats"]), judged.shares() if judged else None, judged.records if judged else 0,
            Limits.from_settings(crawler.settings), incremental=bool(getattr(spider, "incremental", False)),
            history=getattr(spider, "stats_history", None) or (),
            distributed=bool(getattr(spider, "distributed", False)))
        super().init_data(data)

    def on_monitors_finished(self, result: Any) -> None:
        failed = [c for c in self.checks if c.status == "failed"]
        broken = [r.item.name for r in result.monitor_results
                  if r.status == spidermon_settings.MONITOR.STATUS.ERROR]  # a monitor that crashed
        status = "failed" if failed or broken or not result.all_monitors_passed else "ok"
        self.stats.set_value("gbaf/monitor/status", status)
        self.stats.set_value("gbaf/monitor/failed", [c.name for c in failed] + broken)
        self.stats.set_value("gbaf/monitor/checks", [
            {k: v for k, v in asdict(c).items() if v not in (None, "")} for c in self.checks])
        if status == "failed":
            logger.error("Run checks failed (%d of %d): %s", len(failed) + len(broken),
                         len(self.checks), "; ".join([c.detail for c in failed] + broken))
        else:
            logger.info("Run checks passed (%d checks, %d skipped)", len(self.checks),
                        sum(c.status == "skipped" for c in self.checks))
