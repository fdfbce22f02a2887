# Sourced by the deploy/gbaf-*.sh scripts (not run on its own): their environment file, their
# --help and their --dry-run.
#
# gbaf_env FILE reads FILE as systemd's EnvironmentFile= does: one NAME=value a line, the value
# the rest of the line (spaces kept, no quotes needed; one pair of surrounding quotes is removed),
# '#' lines and blank lines skipped. It is never run as shell code. A variable the caller set
# already keeps the caller's value: `GBAF_BASE_URL=... deploy/gbaf-crawl.sh` means that URL,
# whatever the file says.
gbaf_env() {
    [ -f "$1" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            '' | '#'* | [!A-Za-z_]*) continue ;;
        esac
        name=${line%%=*}
        value=${line#*=}
        case $name in
            *[!A-Za-z0-9_]* | "$line") continue ;;  # not NAME=...
        esac
        case $value in
            \"*\" | \'*\') value=${value#?}; value=${value%?} ;;
        esac
        if eval "[ -z \"\${$name+set}\" ]"; then
            export "$name=$value"
        fi
    done <"$1"
}

# gbaf_usage SCRIPT prints the script's header comment (from line 2 to the first line that is
# not a comment) as its --help.
gbaf_usage() {
    sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$1"
}

# gbaf_options SCRIPT ARG... reads the options every script takes, wherever they stand among its
# arguments: -h/--help prints SCRIPT's usage and exits 0; -n/--dry-run sets dry_run=1 (else 0).
# The other arguments are left in gbaf_args, in their order, each single-quoted (a ' in one is
# written '\''): the script takes them back with `eval "set -- $gbaf_args"`.
gbaf_options() {
    gbaf_script=$1
    shift
    dry_run=0
    gbaf_args=
    for arg in "$@"; do
        case $arg in
            -h | --help) gbaf_usage "$gbaf_script"; exit 0 ;;
            -n | --dry-run) dry_run=1 ;;
            *)
                arg=$(printf '%s.' "$arg" | sed "s/'/'\\\\''/g")  # the dot keeps trailing newlines
                gbaf_args="$gbaf_args '${arg%.}'"
                ;;
        esac
    done
}
