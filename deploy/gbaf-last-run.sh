#!/bin/sh
# Status of the newest GBAF run, from its run report (<GBAF_DATA_DIR>/articles/<date>/<run id>.report.json),
# for a monitoring probe or a cron line after Scrapyd runs (Scrapyd lists a failed job as "finished").
#
# Environment: GBAF_ENV_FILE (default /etc/gbaf/gbaf.env, read first if present; the caller's
# variables win over it), GBAF_DATA_DIR
# (default: data), GBAF_MAX_AGE_HOURS (default 26: a newest report older than that means runs
# stopped happening), GBAF_PYTHON (default python3).
# Prints "<status> <run id> <report path>" and the problems. Exit status: 0 ok, 1 the run failed,
# 2 no report, or the newest one is too old.
#
# Options: -h/--help prints this text; -n/--dry-run changes nothing either (this script only reads).
set -eu

. "$(dirname "$0")/gbaf-env.sh"
gbaf_options "$0" "$@"
eval "set -- $gbaf_args"

gbaf_env "${GBAF_ENV_FILE:-/etc/gbaf/gbaf.env}"
exec "${GBAF_PYTHON:-python3}" - "${GBAF_DATA_DIR:-data}" "${GBAF_MAX_AGE_HOURS:-26}" <<'PY'
import json, sys, time
from pathlib import Path

data_dir, max_age = Path(sys.argv[1]), float(sys.argv[2])
reports = sorted((data_dir / "articles").glob("*/*.report.json"), key=lambda p: p.stat().st_mtime)
if not reports:
    print(f"none: no run report under {data_dir}/articles")
    sys.exit(2)
path = reports[-1]
report = json.loads(path.read_text(encoding="utf-8"))
status = report.get("status", "unknown")
print(status, report.get("run_id"), path)
for problem in report.get("problems") or []:
    print("  " + problem)
age = (time.time() - path.stat().st_mtime) / 3600
if age > max_age:
    print(f"  the newest run report is {age:.0f} hours old (more than {max_age:g})")
    sys.exit(2)
sys.exit(0 if status == "ok" else 1)
PY
