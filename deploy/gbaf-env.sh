# Sourced by the deploy/gbaf-*.sh scripts (not run on its own): their environment file and their
# --help.
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
