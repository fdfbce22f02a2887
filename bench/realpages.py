"""The parser on real pages of other publishers, scored field by field beside trafilatura.

    python -m bench.realpages [--set fundus|eval] [--limit N] [--no-trafilatura] [--write]

Reads ../shared/realpages (see its README; --corpus or $REALPAGES_DIR for another place): each
page from its gzipped bytes, decoded as the crawler decodes a response without a charset header
(`crawler.text.decode_html`: BOM, <meta> charset, the UTF-8/windows-1252 correction), and given
to both tools as the same text with the page's URL, so that the comparison is of extraction alone.
  project      `ArticlePage(html, url)`, `not_article_reason()` and `record()`: what the spider
               runs for an article page (timed together)
  trafilatura  `trafilatura.bare_extraction(html, url=url, with_metadata=True,
               include_comments=False, include_tables=True, include_formatting=False)`: the text
               and metadata `trafilatura.extract(..., with_metadata=True)` prints for news text
               (comments off, tables on: trafilatura's own evaluation settings); dates by its
               default settings, which give a day, not a time
Fundus set (174 pages, reviewed fields): body word-F1 against summary + section headlines +
paragraphs, title (exact, and normalised), date (same day; same instant where the expected value
has a time), authors (the set of people: agencies and publishers are taken out of the expected
list, as the contract puts them in `source`), and the share of pages the project takes for an
article. Trafilatura-eval set (990 pages): trafilatura's own snippet metric (precision, recall,
F1, accuracy), on the project's body whether or not it takes the page for an article. Both sets:
ms per page of each tool, measured page by page in the same run, and their ratio.
How the figures are used and the gate's floors: docs/realpages.md, tests/test_realpages.py.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "realpages"
TRAFILATURA_OPTS = {"with_metadata": True, "include_comments": False, "include_tables": True,
                    "include_formatting": False}

# Names in Fundus's expected authors that are no people: wire agencies, broadcasters, the
# publisher itself. The contract wants people in `authors` (an agency goes to `source`).
NOT_PEOPLE = {"sda", "dpa", "afp", "sid", "apa", "ap", "ansa", "efe", "kna", "epd", "reuters",
              "der spiegel", "mdr sachsen-anhalt", "日刊現代"}
# Scripts written without spaces between words: each character is a token of the word-F1.
_NO_SPACES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f"
_TOKEN = re.compile(rf"[{_NO_SPACES}]|[^\W{_NO_SPACES}]+")


def corpus_dir(given=None):
    return Path(given or os.environ.get("REALPAGES_DIR") or DEFAULT_CORPUS)


# --- the pages --------------------------------------------------------------------------------
@dataclass
class Page:
    name: str      # path under the corpus, for the reports
    url: str
    html: str      # decoded as the crawler decodes it
    expected: dict = field(default_factory=dict)


def _read(path):
    from crawler.text import decode_html

    with gzip.open(path, "rb") as f:
        return decode_html(f.read())


def fundus_pages(corpus, limit=None):
    out = []
    for exp in sorted((corpus / "fundus").glob("*/*.expected.json")):
        html = exp.with_name(exp.name.replace(".expected.json", ".html.gz"))
        expected = json.loads(exp.read_text(encoding="utf-8"))
        out.append(Page(str(exp.relative_to(corpus)), expected["url"], _read(html), expected))
        if limit and len(out) >= limit:
            break
    return out


def eval_pages(corpus, limit=None, every=1):
    """The eval set's pages sorted by URL; every: only each every-th of them (the gate's subset)."""
    base = corpus / "trafilatura-eval"
    data = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for url, item in sorted(data.items())[::every]:
        path = base / "html" / item["file"]
        if path.is_file():
            out.append(Page(f"trafilatura-eval/html/{item['file']}", url, _read(path), item))
        if limit and len(out) >= limit:
            break
    return out


# --- the tools ---------------------------------------------------------------------------------
# Run once by each tool before any page is timed, with the set's first page: what a crawl pays once
# per process, not per page, is paid here. Its date line is read by dateparser alone (the project
# imports dateparser for the first such date: a quarter of a second), and its few words send both
# tools to trafilatura's fallbacks, whose justext loads its stoplists on first use.
WARM_UP = Page("warm-up", "https://example.com/news/2023/04/28/warm-up-page",
               "<html><head><title>Warm-up page</title></head><body><h1>Warm-up page</h1>"
               "<p>Posted on Fri Apr 28 19:20:36 CEST 2023</p><p>A few words.</p></body></html>")


def run_project(page):
    """(result dict, ms): the record and whether the project takes the page for an article."""
    from crawler.article import ArticlePage

    started = time.perf_counter()
    ap = ArticlePage(page.html, page.url)
    reason = ap.not_article_reason()
    rec = ap.record()
    ms = (time.perf_counter() - started) * 1000
    return {"body": rec.get("body") or "", "title": rec.get("title"), "authors": rec.get("authors") or [],
            "date": rec.get("published_at"), "reason": reason}, ms


def run_trafilatura(page):
    import trafilatura

    started = time.perf_counter()
    doc = trafilatura.bare_extraction(page.html, url=page.url, **TRAFILATURA_OPTS)
    ms = (time.perf_counter() - started) * 1000
    if doc is None:
        return {"body": "", "title": None, "authors": [], "date": None, "reason": "nothing"}, ms
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {"body": doc.text or "", "title": doc.title, "authors": authors, "date": doc.date,
            "reason": None}, ms


# --- scoring -----------------------------------------------------------------------------------
def expected_body(expected):
    body = expected.get("body") or {}
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n\n".join(parts)


def tokens(text):
    return _TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold())


def word_f1(got, want):
    """F1 of the bags of words (a word counted as often as it occurs in both)."""
    g, w = Counter(tokens(got)), Counter(tokens(want))
    common = sum((g & w).values())
    if not common:
        return 1.0 if not g and not w else 0.0
    precision, recall = common / sum(g.values()), common / sum(w.values())
    return 2 * precision * recall / (precision + recall)


def norm_title(text):
    return " ".join(tokens(text))


def people(names):
    out = set()
    for name in names or []:
        name = " ".join(unicodedata.normalize("NFKC", name).split()).casefold()
        if name and name not in NOT_PEOPLE:
            out.add(name)
    return out


def _parse_date(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def date_match(got, want):
    """(same day, same instant or None where the expected value has no time to compare).

    A day matches the expected one as the page wrote it (its own zone) or in UTC: the project
    writes UTC, trafilatura the page's day. An instant matches within a second, in UTC."""
    w, g = _parse_date(want), _parse_date(got)
    if w is None:
        return None, None
    has_time = w.tzinfo is not None and (w.hour, w.minute, w.second) != (0, 0, 0)
    if g is None:
        return False, (False if has_time else None)
    days = {w.date()}
    if w.tzinfo is not None:
        days.add(w.astimezone(timezone.utc).date())
    day = g.date() in days or (g.tzinfo is not None and g.astimezone(timezone.utc).date() in days)
    if not has_time:
        return day, None
    g_time = "T" in str(got) or " " in str(got).strip()
    instant = g_time and abs((g.replace(tzinfo=g.tzinfo or timezone.utc) - w)) < timedelta(seconds=1)
    return day, bool(instant)


def score_fundus_page(page, result):
    exp = page.expected
    day, instant = date_match(result["date"], exp.get("publishing_date"))
    title, want_title = result["title"] or "", exp.get("title") or ""
    return {
        "body_f1": word_f1(result["body"], expected_body(exp)),
        "title_exact": " ".join(title.split()) == " ".join(want_title.split()),
        "title_norm": norm_title(title) == norm_title(want_title),
        "date_day": day, "date_instant": instant,
        "authors": people(result["authors"]) == people(exp.get("authors")),
        "article": result["reason"] is None,
    }


def snippet_counts(item, text):
    """(tp, fp, fn, tn) of one page: trafilatura's own metric (whitespace-normalised substrings)."""
    text = " ".join((text or "").split())
    tp = sum(1 for s in item["with"] if " ".join(s.split()) in text)
    fp = sum(1 for s in item["without"] if " ".join(s.split()) in text)
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def summarise_fundus(scores):
    """{field: value} over the pages' scores (shares, except the body F1's mean and median)."""
    def share(key):
        values = [s[key] for s in scores if s[key] is not None]
        return sum(values) / len(values) if values else None

    f1 = [s["body_f1"] for s in scores]
    return {"pages": len(scores), "body_f1_mean": statistics.fmean(f1) if f1 else None,
            "body_f1_median": statistics.median(f1) if f1 else None,
            "title_exact": share("title_exact"), "title_norm": share("title_norm"),
            "date_day": share("date_day"), "date_instant": share("date_instant"),
            "date_instant_pages": sum(1 for s in scores if s["date_instant"] is not None),
            "authors": share("authors"), "article": share("article")}


def summarise_eval(counts):
    tp, fp, fn, tn = (sum(c[i] for c in counts) for i in range(4))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    total = tp + fp + fn + tn
    return {"pages": len(counts), "precision": precision, "recall": recall,
            "f1": 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0,
            "accuracy": (tp + tn) / total if total else 0.0}


def score_project(corpus, which, limit=None, every=1):
    """The project's summary of one set alone, without trafilatura (what the gate checks)."""
    return evaluate(corpus, which, limit, tools=("project",), every=every)["project"]["summary"]


def evaluate(corpus, which, limit=None, tools=("project", "trafilatura"), every=1):
    """{tool: {"summary": {...}, "ms": [...], "pages": [(name, score), ...]}} for one set."""
    warnings.filterwarnings("ignore")
    pages = fundus_pages(corpus, limit) if which == "fundus" else eval_pages(corpus, limit, every)
    runners = {"project": run_project, "trafilatura": run_trafilatura}
    out = {t: {"ms": [], "pages": [], "reasons": Counter()} for t in tools}
    for tool in tools:  # imports, compiled patterns, caches: not part of any page's time
        for page in [WARM_UP, *pages[:1]]:
            runners[tool](page)
    for page in pages:
        for tool in tools:  # interleaved page by page: a busy moment falls on both alike
            try:
                result, ms = runners[tool](page)
            except Exception as exc:  # noqa: BLE001 - a crash is a page scored as nothing, and said
                result, ms = {"body": "", "title": None, "authors": [], "date": None,
                              "reason": f"crash:{type(exc).__name__}"}, 0.0
            out[tool]["ms"].append(ms)
            out[tool]["reasons"][result["reason"] or "article"] += 1
            score = (score_fundus_page(page, result) if which == "fundus"
                     else snippet_counts(page.expected, result["body"]))
            out[tool]["pages"].append((page.name, score))
    for tool in tools:
        scores = [s for _n, s in out[tool]["pages"]]
        out[tool]["summary"] = summarise_fundus(scores) if which == "fundus" else summarise_eval(scores)
    return out


# --- the report --------------------------------------------------------------------------------
FUNDUS_ROWS = (("body word-F1, mean", "body_f1_mean"), ("body word-F1, median", "body_f1_median"),
               ("title, exact", "title_exact"), ("title, normalised", "title_norm"),
               ("date, same day", "date_day"), ("date, same instant (where given)", "date_instant"),
               ("authors, same set of people", "authors"), ("article recognised", "article"))
EVAL_ROWS = (("precision", "precision"), ("recall", "recall"), ("F1", "f1"), ("accuracy", "accuracy"))


def _fmt(value):
    return "n/a" if value is None else f"{value:.3f}"


def _ms(values):
    return (statistics.fmean(values), statistics.median(values)) if values else (0.0, 0.0)


def table(results):
    """Markdown rows: | set | measure | project | trafilatura | ratio |, from {set: evaluate(...)}."""
    rows = ["| set | measure | project | trafilatura | project / trafilatura |", "|---|---|---|---|---|"]
    for which, res in results.items():
        spec = FUNDUS_ROWS if which == "fundus" else EVAL_ROWS
        label = {"fundus": "Fundus", "eval": "trafilatura-eval"}[which]
        proj, traf = res["project"], res.get("trafilatura")
        n = proj["summary"]["pages"]
        for name, key in spec:
            if which == "fundus" and key == "date_instant":
                name += f" ({proj['summary']['date_instant_pages']} pages)"
            p = proj["summary"][key]
            t = traf["summary"][key] if traf else None
            if traf and key == "date_instant":
                t = None  # trafilatura's default output is a day: no instant to compare
            if traf and key == "article":
                t = traf["summary"][key]  # trafilatura: a text extracted at all
            rows.append(f"| {label} ({n} pages) | {name} | {_fmt(p)} | {_fmt(t)} | |")
        pm, pmed = _ms(proj["ms"])
        tm, tmed = _ms(traf["ms"]) if traf else (None, None)
        ratio = f"{pm / tm:.2f}" if tm else ""
        rows.append(f"| {label} ({n} pages) | ms per page, mean (median) | {pm:.1f} ({pmed:.1f}) | "
                    + (f"{tm:.1f} ({tmed:.1f})" if tm else "n/a") + f" | {ratio} |")
    return rows


def weakest(results, count=10):
    """Lines on the project's weakest pages: lowest body F1 (Fundus) and the rejections."""
    lines = []
    res = results.get("fundus")
    if res:
        proj = res["project"]
        traf = dict(res["trafilatura"]["pages"]) if "trafilatura" in res else {}
        worst = sorted(proj["pages"], key=lambda p: p[1]["body_f1"])[:count]
        lines.append("weakest Fundus bodies (project F1, trafilatura F1):")
        for name, s in worst:
            t = traf.get(name, {}).get("body_f1")
            lines.append(f"  {s['body_f1']:.2f}  {'' if t is None else f'{t:.2f}'}  {name}")
    for which, res in results.items():
        reasons = {r: n for r, n in res["project"]["reasons"].items() if r != "article"}
        if reasons:
            lines.append(f"{which}: pages the project does not take for an article: "
                         + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items(), key=lambda x: -x[1])))
    return lines


def commit():
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "?"
    return rev + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def write_results(rows, header, path=ROOT / "bench" / "results.md"):
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n" + "\n".join([*header, "", *rows]) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.realpages", description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("fundus", "eval"), help="one set only (default: both)")
    ap.add_argument("--limit", type=int, help="the first N pages of each set (sorted by name)")
    ap.add_argument("--corpus", help=f"the realpages folder (default: $REALPAGES_DIR or {DEFAULT_CORPUS})")
    ap.add_argument("--every", type=int, default=1, help="eval set: each N-th page only (the gate uses 3)")
    ap.add_argument("--no-trafilatura", action="store_true", help="the project alone")
    ap.add_argument("--write", action="store_true", help="append the table to bench/results.md")
    args = ap.parse_args(argv)
    corpus = corpus_dir(args.corpus)
    if not (corpus / "fundus").is_dir():
        ap.error(f"no real pages at {corpus} (see ../shared/realpages/README.md)")
    from bench.measure import machine

    m, rev = machine(), commit()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    started = time.time()
    tools = ("project",) if args.no_trafilatura else ("project", "trafilatura")
    sets = [args.set] if args.set else ["fundus", "eval"]
    results = {w: evaluate(corpus, w, args.limit, tools, args.every) for w in sets}
    wall = time.time() - started
    rows = table(results)
    given = " ".join(a for a in (sys.argv[1:] if argv is None else argv) if a != "--write")
    opts = ", ".join(f"{k}={v}" for k, v in TRAFILATURA_OPTS.items())
    header = [f"## Real pages: `python -m bench.realpages{' ' + given if given else ''}`", "",
              f"{when}, commit {rev}, {wall:.0f} s. {m['machine']}; {m['python']}; {m['load']}, "
              f"{os.getloadavg()[0]:.2f} at the end. "
              f"trafilatura: `bare_extraction(html, url=url, {opts})`; both given the same decoded text "
              "(crawler.text.decode_html); ms per page measured page by page, interleaved. "
              "Scoring: docs/realpages.md."]
    print("\n".join(header[2:]))
    print("\n".join(rows))
    print("\n".join(weakest(results)))
    if args.write:
        write_results(rows, header)
        print("added to bench/results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
