#!/bin/sh
# Scheduled run of the GBAF crawl without Scrapyd (cron or systemd timer): `scrapy crawl gbaf` in
# the project folder, one run at a time, each resuming the state store of the previous one.
#
# Environment (all optional; GBAF_ENV_FILE, default /etc/gbaf/gbaf.env, is read first if present;
# a variable set by the caller wins over the file):
#   GBAF_HOME         project checkout (default: the folder above this script)
#   GBAF_DATA_DIR     outputs, run reports and the state store (default: $GBAF_HOME/data)
#   GBAF_STATE_URL    state store (default: $GBAF_DATA_DIR/state.sqlite): the same for every run
#   GBAF_BASE_URL     site to crawl (default: the live site)
#   GBAF_PYTHON       interpreter with requirements.txt installed (default: python3)
#   GBAF_CRAWL_ARGS   extra `scrapy crawl` arguments, split on spaces (e.g. -a categories=banking,
#                     written so in the env file: no quotes needed)
#   GBAF_LOCK_FILE    lock shared by all runs (default: $GBAF_DATA_DIR/.crawl.lock)
#   GBAF_MAX_RUNTIME  stop a run that takes longer, as timeout(1) reads it (default: 6h)
#   GBAF_KEEP_LOGS    run logs kept in $GBAF_DATA_DIR/logs (default: 60)
# Arguments are passed to `scrapy crawl gbaf` as well.
#
# Prints nothing when the run went right (cron mails whatever a job prints). Exit status: that of
# `scrapy crawl` (0 ok, 1 failed run: see the run report's `status` and the log), 124 when the run
# was stopped for taking longer than GBAF_MAX_RUNTIME, 75 when another run holds the lock
# (this one is skipped: runs never overlap).
#
# Options: -h/--help prints this text; -n/--dry-run prints the command, the lock and the log it would use, and runs nothing.
set -eu

. "$(dirname "$0")/gbaf-env.sh"
gbaf_options "$0" "$@"
eval "set -- $gbaf_args"

gbaf_env "${GBAF_ENV_FILE:-/etc/gbaf/gbaf.env}"
GBAF_HOME=${GBAF_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
GBAF_DATA_DIR=${GBAF_DATA_DIR:-$GBAF_HOME/data}
export GBAF_DATA_DIR
lock=${GBAF_LOCK_FILE:-$GBAF_DATA_DIR/.crawl.lock}
log="$GBAF_DATA_DIR/logs/crawl-$(date -u +%Y%m%dT%H%M%SZ).log"
if [ "$dry_run" = 1 ]; then
    # shellcheck disable=SC2086 # GBAF_CRAWL_ARGS is a list of arguments
    echo "gbaf-crawl: would run in $GBAF_HOME:" "${GBAF_PYTHON:-python3}" -m scrapy crawl gbaf \
        -s LOG_FILE="$log" ${GBAF_CRAWL_ARGS:-} "$@"
    echo "gbaf-crawl: lock $lock, at most ${GBAF_MAX_RUNTIME:-6h}, data in $GBAF_DATA_DIR" \
        "(state: ${GBAF_STATE_URL:-$GBAF_DATA_DIR/state.sqlite})"
    exit 0
fi
mkdir -p "$GBAF_DATA_DIR/logs"

exec 9>>"$lock"
if ! flock -n 9; then
    echo "gbaf-crawl: skipped, another run holds $lock" >&2
    exit 75
fi

cd "$GBAF_HOME"
status=0
# SIGINT first: Scrapy closes the run cleanly (reason "shutdown", exit 1); SIGKILL 5 minutes later.
# The crawl inherits the lock (fd 9): it stays held while the crawl runs, even if this shell dies.
# shellcheck disable=SC2086 # GBAF_CRAWL_ARGS is a list of arguments
timeout --signal=INT --kill-after=300 "${GBAF_MAX_RUNTIME:-6h}" \
    "${GBAF_PYTHON:-python3}" -m scrapy crawl gbaf -s LOG_FILE="$log" ${GBAF_CRAWL_ARGS:-} "$@" \
    </dev/null >>"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    echo "gbaf-crawl: run failed (exit status $status); log: $log" >&2
    # The first ERROR lines (the cause) and the last one (the outcome: "Run failed: ...").
    grep -E '\] (ERROR|CRITICAL): ' "$log" |
        awk 'NR <= 10 { print; next } { last = $0 } END { if (NR > 11) print "..."; if (NR > 10) print last }' >&2
fi

# Keep the newest GBAF_KEEP_LOGS run logs.
ls -1t "$GBAF_DATA_DIR"/logs/crawl-*.log 2>/dev/null | tail -n +"$((${GBAF_KEEP_LOGS:-60} + 1))" |
    while read -r old; do rm -f "$old"; done
exit "$status"
