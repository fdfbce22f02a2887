"""The gate on real pages of other publishers: the parser's figures may not fall below pinned floors.

Scored as `python -m bench.realpages` scores them (same code, project only: no trafilatura run
here), on a fixed subset that keeps the test near 20 s: every Fundus page (174) and each third
trafilatura-eval page in URL order (330 of 990). docs/realpages.md says how each field is scored.

FLOORS ONLY GO UP. They sit a little under the figures measured when they were pinned; a change
that raises a figure should raise its floor in the same commit (to a little under the new figure),
and no change lowers one: a field that falls is a regression to fix, not a floor to move.
Without ../shared/realpages (or $REALPAGES_DIR) the gate skips, except under CI, where it fails.
"""
import os

import pytest

from bench.realpages import corpus_dir, score_project

EVAL_EVERY = 3  # the gate's subset of the eval set (see the module docstring)

# Pinned 2026-12-01 on branch realpages (main 55d60fa + the decoding fixes of crawler/text.py),
# measured: Fundus body F1 mean 0.889 / median 0.946, title 0.805 / 0.822, date day 0.948,
# instant 0.956, authors 0.678, article 0.983; eval subset P 0.760 R 0.913 F1 0.829 A 0.812.
FLOORS = {
    "fundus": {
        "body_f1_mean": 0.880,
        "body_f1_median": 0.940,
        "title_exact": 0.795,
        "title_norm": 0.810,
        "date_day": 0.940,
        "date_instant": 0.945,
        "authors": 0.670,
        "article": 0.977,
    },
    "eval": {
        "precision": 0.750,
        "recall": 0.905,
        "f1": 0.820,
        "accuracy": 0.800,
    },
}
PAGES = {"fundus": 174, "eval": 330}


@pytest.fixture(scope="module")
def corpus():
    path = corpus_dir()
    if not (path / "fundus").is_dir() or not (path / "trafilatura-eval").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the real pages are missing at {path}: CI must have ../shared/realpages")
        pytest.skip(f"no real pages at {path} (../shared/realpages, or set REALPAGES_DIR)")
    return path


@pytest.mark.parametrize("which", sorted(FLOORS))
def test_real_pages_score_at_least_their_floors(corpus, which):
    summary = score_project(corpus, which, every=EVAL_EVERY if which == "eval" else 1)
    assert summary["pages"] == PAGES[which], "the corpus changed: re-measure and re-pin the floors"
    fallen = [f"{field} fell to {summary[field]:.3f}, under its floor {floor:.3f} by "
              f"{floor - summary[field]:.3f}"
              for field, floor in FLOORS[which].items() if summary[field] < floor]
    assert not fallen, f"{which} set ({summary['pages']} pages): " + "; ".join(fallen) + (
        ". See the weakest pages with `python -m bench.realpages --set "
        f"{which} --no-trafilatura`; floors only go up (docs/realpages.md).")
