#!/bin/sh
# Scheduled run of the GBAF crawl on Scrapyd (cron or systemd timer): asks Scrapyd's schedule.json
# for one `gbaf` job, unless a `gbaf` job is already pending or running (runs never overlap; with
# max_proc = 1 in deploy/scrapyd.conf Scrapyd itself also runs one job at a time). Each job resumes
# the state store named by GBAF_STATE_URL in Scrapyd's own environment.
#
# Environment (GBAF_ENV_FILE, default /etc/gbaf/gbaf.env, is read first if present; a variable
# set by the caller wins over the file):
#   SCRAPYD_URL        Scrapyd's address, without a trailing slash (default: http://127.0.0.1:6800)
#   SCRAPYD_USERNAME   HTTP basic auth, as given to Scrapyd; handed to curl on its standard
#   SCRAPYD_PASSWORD   input, never on its command line (which other users can see)
#   GBAF_PROJECT       Scrapyd project (default: gbaf)
#   GBAF_LOCK_FILE     lock against two schedulers at once (default: /tmp/gbaf-schedule.<uid>.lock)
# Arguments: more schedule.json parameters, e.g. setting=GBAF_BASE_URL=http://127.0.0.1:8000 or
# full=1 (a spider argument).
#
# Prints the job id. Exit status: 0 scheduled, 75 skipped (a job is pending or running, or another
# scheduler holds the lock), 1 Scrapyd refused or could not be reached.
#
# Options: -h/--help prints this text; -n/--dry-run prints the job it would ask Scrapyd for, and asks nothing.
set -eu

. "$(dirname "$0")/gbaf-env.sh"
gbaf_options "$0" "$@"
eval "set -- $gbaf_args"

gbaf_env "${GBAF_ENV_FILE:-/etc/gbaf/gbaf.env}"
url=${SCRAPYD_URL:-http://127.0.0.1:6800}
url=${url%/}
project=${GBAF_PROJECT:-gbaf}
lock=${GBAF_LOCK_FILE:-/tmp/gbaf-schedule.$(id -u).lock}
if [ "$dry_run" = 1 ]; then
    echo "gbaf-schedule: would ask $url/schedule.json for project=$project spider=gbaf $*" \
        "(unless a gbaf job is pending or running)"
    exit 0
fi

exec 9>>"$lock"
if ! flock -n 9; then
    echo "gbaf-schedule: skipped, another scheduler holds $lock" >&2
    exit 75
fi

# curl reads its options from standard input: the credentials stay off the command line.
scrapyd() {
    {
        if [ -n "${SCRAPYD_USERNAME:-}" ]; then
            printf 'user = "%s:%s"\n' "$(quote "$SCRAPYD_USERNAME")" "$(quote "${SCRAPYD_PASSWORD:-}")"
        fi
    } | curl --silent --show-error --fail --max-time 60 --config - "$@"
}
quote() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
json() { "${GBAF_PYTHON:-python3}" -c "import json, sys; d = json.load(sys.stdin); $1"; }

jobs=$(scrapyd "$url/listjobs.json?project=$project") || {
    echo "gbaf-schedule: cannot list the jobs of $project on $url" >&2
    exit 1
}
busy=$(printf '%s' "$jobs" | json \
    "print(' '.join(j['id'] for k in ('pending', 'running') for j in d.get(k, []) if j.get('spider') == 'gbaf'))")
if [ -n "$busy" ]; then
    echo "gbaf-schedule: skipped, gbaf job(s) still pending or running: $busy" >&2
    exit 75
fi

n=$#
for arg in "$@"; do
    set -- "$@" --data-urlencode "$arg"
done
shift "$n"
set -- --data-urlencode "project=$project" --data-urlencode "spider=gbaf" "$@"
answer=$(scrapyd "$url/schedule.json" "$@") || {
    echo "gbaf-schedule: Scrapyd refused the job: $answer" >&2
    exit 1
}
printf '%s' "$answer" | json "sys.exit(0 if d.get('status') == 'ok' else 1)" || {
    echo "gbaf-schedule: Scrapyd refused the job: $answer" >&2
    exit 1
}
printf '%s' "$answer" | json "print(d['jobid'])"
