# Shared helpers of the uprocd benchmark scripts (sourced, not run).
# Each script: bench_init NAME; bench_build PRODUCT...; then daemon_start etc.
# Everything started here is recorded and ended by PID in bench_cleanup.

bench_die() {
    echo "$BENCH_NAME: $*" >&2
    exit 1
}

# Records a command line for the summary, quoted so it can be pasted.
bench_record() {
    local arg line=
    for arg in "$@"; do
        if [[ $arg =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then
            line+=" $arg"
        else
            line+=" '${arg//\'/\'\\\'\'}'"
        fi
    done
    line=${line# }
    for arg in "${BENCH_COMMANDS[@]}"; do [[ $arg == "$line" ]] && return 0; done
    BENCH_COMMANDS+=("$line")
}

bench_init() {
    BENCH_NAME=$1
    BENCH_COMMANDS=()
    BENCH_PIDS=()   # background helpers to end on exit (by PID)
    BENCH_GROUPS=() # process groups to end on exit (by PGID)
    DAEMON_PID=
    [[ $(id -u) -eq 0 ]] || bench_die "needs root (the proc connector needs CAP_NET_ADMIN)"
    BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    cd "$BENCH_ROOT"
    tools/install-deps --bench
    BENCH_RESULTS=$BENCH_ROOT/.build/bench/$BENCH_NAME-$(date -u +%Y%m%dT%H%M%SZ)
    mkdir -p "$BENCH_RESULTS"
    BENCH_WORK=$(mktemp -d "/dev/shm/uproc-bench-$BENCH_NAME.XXXXXX")
    chmod 0755 "$BENCH_WORK"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    {
        echo "date: $(date -u +%FT%TZ)"
        echo "kernel: $(uname -r)"
        echo "cpus: $(nproc)"
        echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "git: $(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    } > "$BENCH_RESULTS/environment.txt"
}

# Runs a long command as a background child and waits for it, so a
# SIGTERM/SIGINT to the script runs the cleanup at once instead of after
# the command (bash defers traps while a foreground child runs).
bench_run() {
    "$@" &
    BENCH_CHILD=$!
    local status=0
    wait "$BENCH_CHILD" || status=$?
    BENCH_CHILD=
    return "$status"
}

# bench_run in a session of its own: the cleanup ends the command's whole
# process group, children it spawned included.
bench_run_group() {
    setsid "$@" &
    BENCH_CHILD=$!
    BENCH_GROUPS+=("$BENCH_CHILD")
    local status=0
    wait "$BENCH_CHILD" || status=$?
    BENCH_CHILD=
    return "$status"
}

bench_cleanup() {
    local status=$? pid group
    set +e
    trap - EXIT INT TERM
    if [[ -n ${BENCH_CHILD:-} ]]; then
        kill -TERM "$BENCH_CHILD" 2>/dev/null
        wait "$BENCH_CHILD" 2>/dev/null
    fi
    if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID"
        for _ in {1..100}; do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
        kill -0 "$DAEMON_PID" 2>/dev/null && kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null
    fi
    for group in "${BENCH_GROUPS[@]}"; do
        kill -TERM -- "-$group" 2>/dev/null
    done
    for pid in "${BENCH_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for group in "${BENCH_GROUPS[@]}"; do
        for _ in {1..200}; do kill -0 -- "-$group" 2>/dev/null || break; sleep 0.05; done
        kill -KILL -- "-$group" 2>/dev/null
    done
    rm -rf "$BENCH_WORK"
    [[ $status -ne 0 ]] && echo "$BENCH_NAME: failed (status $status); raw results in $BENCH_RESULTS" >&2
    exit "$status"
}

# Builds release products (only what is missing or stale) and sets BENCH_BIN.
# uprocd, uproc-check, uproc-genconf, uproc-kill and uproc-top are the product uproc,
# run through the links an installation has (BENCH_BIN/uprocd and so on).
bench_build() {
    local product
    for product in "$@"; do
        [[ $product == uprocd && -n ${UPROCD:-} ]] && continue
        case $product in uprocd | uproc-check | uproc-genconf | uproc-kill | uproc-top) product=uproc ;; esac
        swift build -c release --product "$product" 2>&1 | tail -1 >&2
        [[ ${PIPESTATUS[0]} -eq 0 ]] || bench_die "swift build -c release --product $product failed"
    done
    BENCH_BIN=$(swift build -c release --show-bin-path)
    if [[ -x $BENCH_BIN/uproc ]]; then tools/link-tools "$BENCH_BIN"; fi
    UPROCD=${UPROCD:-$BENCH_BIN/uprocd}   # override to benchmark another build
}

# The rules of this machine's accounts: uproc-genconf's output when it works,
# else the same shape (uid.<user>, gid.<group>) from /etc/passwd and /etc/group.
bench_default_rules() {
    if [[ -x $BENCH_BIN/uproc-genconf ]] && "$BENCH_BIN/uproc-genconf" > "$BENCH_WORK/genconf.out" 2>/dev/null \
        && grep -q '^uid ' "$BENCH_WORK/genconf.out"; then
        cat "$BENCH_WORK/genconf.out"
    else
        echo "$BENCH_NAME: uproc-genconf unavailable; rules from /etc/passwd and /etc/group with awk" >&2
        awk -F: '{ printf "uid %s uid.%s\n", $3, $1 }' /etc/passwd
        awk -F: '{ printf "gid %s gid.%s\n", $3, $1 }' /etc/group
    fi
}

# daemon_start CONFIG DIRECTORY LOG [uprocd options...]
# CONFIG - starts it without -c (on /etc/uproc.conf, else the built-in default).
# Starts uprocd in the background with each stderr line prefixed by the
# epoch time it was read at, waits for its `started` line, and sets
# DAEMON_PID, DAEMON_STARTED (the line), DAEMON_WALL_MS (launch → line).
daemon_start() {
    local config=$1 directory=$2 log=$3
    shift 3
    local fifo=$BENCH_WORK/daemon-stderr.$RANDOM earlier=0 config_options=(-c "$config")
    [[ $config == - ]] && config_options=()
    [[ -e $log ]] && earlier=$(wc -l < "$log")
    : >> "$log"
    mkfifo "$fifo"
    (while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done < "$fifo" >> "$log") &
    BENCH_PIDS+=($!)
    # DAEMON_PREFIX (e.g. "chrt -f 50"): words run before uprocd, which must exec it.
    local prefix=()
    read -r -a prefix <<< "${DAEMON_PREFIX:-}"
    bench_record "${prefix[@]}" "$UPROCD" "${config_options[@]}" "$@" "$directory"
    local launched=$EPOCHREALTIME
    "${prefix[@]}" "$UPROCD" "${config_options[@]}" "$@" "$directory" 2> "$fifo" &
    DAEMON_PID=$!
    local deadline=$((SECONDS + ${DAEMON_START_TIMEOUT:-120}))
    DAEMON_STARTED=
    while [[ -z $DAEMON_STARTED ]]; do
        # The log may hold earlier runs: take the first line of this one.
        DAEMON_STARTED=$(tail -n +$((earlier + 1)) "$log" | grep -m1 -E ' started( |$)' || true)
        [[ -n $DAEMON_STARTED ]] && break
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            local status=0
            wait "$DAEMON_PID" || status=$?
            DAEMON_PID=
            sed 's/^/    /' "$log" >&2
            bench_die "uprocd exited with status $status before its 'started' line (log above: $log)"
        fi
        ((SECONDS < deadline)) || bench_die "uprocd printed no 'started' line within ${DAEMON_START_TIMEOUT:-120} s ($log)"
        sleep 0.01
    done
    local stamp=${DAEMON_STARTED%% *}
    DAEMON_WALL_MS=$(awk -v a="$launched" -v b="$stamp" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
}

# The value of KEY=VALUE in a log line (quotes stripped), or "?".
log_value() {
    local value
    value=$(grep -oE "(^| )$2=[^ ]+" <<< "$1" | head -1 | cut -d= -f2- | tr -d "\"'")
    echo "${value:-?}"
}

# Sends SIGUSR1 and prints the new `statistics` log line; waits up to
# SECONDS (5) for it.
daemon_statistics() {
    local log=$1 seconds=${2:-5} before after line
    before=$(grep -c ' statistics' "$log" || true)
    kill -USR1 "$DAEMON_PID"
    for _ in $(seq $((seconds * 100))); do
        after=$(grep -c ' statistics' "$log" || true)
        if ((after > before)); then
            grep ' statistics' "$log" | tail -1
            return 0
        fi
        sleep 0.01
    done
    bench_die "no 'statistics' log line within $seconds s of SIGUSR1 ($log)"
}

# The daemon's CPU time (utime + stime) in clock ticks, from /proc/PID/stat.
daemon_cpu_ticks() {
    local stat rest
    stat=$(< "/proc/$DAEMON_PID/stat")
    rest=${stat##*) }   # fields after the comm, starting at field 3 (state)
    read -r -a fields <<< "$rest"
    echo $((fields[11] + fields[12]))  # fields 14 and 15 of stat(5)
}

# kB of a /proc/PID/status field (VmRSS, VmHWM).
daemon_status_kb() {
    awk -v key="$1:" '$1 == key { print $2 }' "/proc/$DAEMON_PID/status"
}

# Stops the daemon with SIGTERM; checks exit status 0 and that it removed its
# namespace files and lock (the lineage file of tree rules stays, by design).
daemon_stop() {
    local directory=$1 status=0 left
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" || status=$?
    DAEMON_PID=
    ((status == 0)) || bench_die "uprocd exited with status $status after SIGTERM (expected 0)"
    # The lineage of tree rules stays for the next start (uprocd(8)).
    left=$(find "$directory" -mindepth 1 -maxdepth 1 ! -name .uprocd.lineage | wc -l)
    ((left == 0)) || bench_die "uprocd left $left files in $directory after a clean stop"
}

# Median of numbers on stdin.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) printf "%.10g\n", v[(NR + 1) / 2]; else printf "%.10g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench_print_commands() {
    echo
    echo "Commands:"
    printf '  %s\n' "${BENCH_COMMANDS[@]}"
    echo "Raw results: $BENCH_RESULTS"
}
