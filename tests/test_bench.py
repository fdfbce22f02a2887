"""The benchmark suite runs end to end (`python -m bench --quick`): it prints its table and writes
it to the file asked for. No timing is asserted: figures depend on the machine."""
import subprocess
import sys

from tests.conftest import ROOT


def test_quick_benchmark_prints_the_table_and_writes_results(tmp_path):
    out = tmp_path / "results.md"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--no-cache", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    header = "| # | measure | this crawler | baseline, same run | ratio | target | met |"
    assert header in proc.stdout
    for measure in ("trafilatura.bare_extraction", "lxml parse alone", "gbaf articles/s", "fetch-only",
                    "peak RSS", "incremental re-run, unchanged replica", "a step later"):
        assert measure in proc.stdout, measure
    text = out.read_text(encoding="utf-8")
    assert header in text
    assert "Machine:" in text and "scrapy 2." in text.lower()
    assert "bench server serving" in text  # the server it measured against, and its CPU
