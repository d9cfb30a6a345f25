# PostgreSQL for the tests, sourced by tests/run.sh (bash). CLAUDED_TEST_PG_URL when it is set
# and answers; otherwise a throwaway cluster of this machine's PostgreSQL on a free port, stopped
# and removed when the sourcing shell exits; otherwise one line saying the PostgreSQL tests are
# skipped, and CLAUDED_TEST_PG_URL stays unset. Exports CLAUDED_TEST_PG_URL and CLAUDED_TEST_PSQL
# (the psql that tests/it/support/pg.rs runs). Returns non-zero only when a server was asked
# for or found but cannot be used. Prints one line when it works or skips.

# ~40 tests at once (CI machines have more cores than this one), each a pool of a few
# connections to its own database, plus psql; the default is 100
clauded_pg_max_connections=${CLAUDED_TEST_PG_MAX_CONNECTIONS:-300}
# initdb refuses to run as root: root runs the cluster as this system user
clauded_pg_user=clauded-pg

# The folder with initdb and pg_ctl: pg_config's, the highest Debian version, then PATH.
clauded_pg_bindir() {
    local d
    if d=$(pg_config --bindir 2>/dev/null) && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
        echo "$d"
        return 0
    fi
    # Debian installs versions side by side; pg_config (libpq-dev) may be missing or older
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r 2>/dev/null); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d" && return 0
    done
    local IFS=:
    for d in $PATH /usr/local/bin; do
        [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d" && return 0
    done
    return 1
}

# psql: the one beside the binaries in $1 if given (Debian's on PATH is a Perl wrapper that
# takes twice as long to start, and each test runs one), else from PATH, else beside initdb.
clauded_pg_psql() {
    local p d
    if [ -n "${1:-}" ] && [ -x "$1/psql" ]; then
        echo "$1/psql"
    elif p=$(command -v psql); then
        echo "$p"
    elif d=$(clauded_pg_bindir) && [ -x "$d/psql" ]; then
        echo "$d/psql"
    else
        return 1
    fi
}

# A URL as it may be printed: without its password.
clauded_pg_shown() {
    echo "$1" | sed -E 's#(://[^:@/]*):[^@/]*@#\1:***@#'
}

# A free TCP port on 127.0.0.1 (free now: the start retries when it is taken meanwhile).
clauded_pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}

# Runs a command as the cluster's owner: ourselves, or the system user when we are root.
clauded_pg_as() {
    if [ "$(id -u)" != 0 ]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u "$clauded_pg_user" -- "$@"
    else
        su -s "$BASH" "$clauded_pg_user" -c "$(printf '%q ' "$@")"
    fi
}

# Stops the cluster under $1 (immediately: its data is thrown away) and removes the folder.
clauded_pg_remove() {
    local dir=$1 pid
    if [ -f "$dir/data/postmaster.pid" ]; then
        pid=$(head -1 "$dir/data/postmaster.pid")
        # SIGQUIT is PostgreSQL's immediate shutdown; the postmaster waits for its children and
        # removes its pid file (it is not our child: where nothing reaps it, it stays a zombie)
        if [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null; then
            for _ in $(seq 100); do
                if [ ! -f "$dir/data/postmaster.pid" ] || ! kill -0 "$pid" 2>/dev/null; then
                    break
                fi
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir"
}

# The clusters of runs that died without their EXIT trap (SIGKILL, a lost machine).
clauded_pg_sweep() {
    local d owner
    for d in "${TMPDIR:-/tmp}"/clauded-pg.*; do
        # ours (written by this user) and its shell gone
        [ -O "$d/owner" ] || continue
        owner=$(cat "$d/owner")
        # the owner was this user's process, so kill -0 fails only when it is gone (or its pid
        # now belongs to another user's process, which is as good)
        if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
            clauded_pg_remove "$d"
        fi
    done
}

# The EXIT trap: our cluster goes, then whatever trap was there before runs with the same $?.
clauded_pg_on_exit() {
    local rc=$?
    if [ -n "${clauded_pg_dir:-}" ]; then
        clauded_pg_remove "$clauded_pg_dir" || true
        clauded_pg_dir=
    fi
    return "$rc"
}

# Puts clauded_pg_on_exit in front of the EXIT trap the shell already has.
# shellcheck disable=SC2120 # its own positional parameters hold the old trap
clauded_pg_trap() {
    # `trap -p` prints the old trap shell-quoted: trap -- 'COMMAND' EXIT
    eval "set -- $(trap -p EXIT)"
    if [ -n "${3:-}" ]; then
        # `&& :` keeps a failed $? from ending the trap under set -e, and hands it on
        # shellcheck disable=SC2064 # the old command, as it is now
        trap "clauded_pg_on_exit && :; $3" EXIT
    else
        trap clauded_pg_on_exit EXIT
    fi
}

# A throwaway cluster of the binaries in $1, reached with the psql $2, in the folder $3.
clauded_pg_start() {
    local bindir=$1 psql=$2 dir=$3 locale=C log=$3/server.log port try answer
    echo $$ > "$dir/owner"
    if [ "$(id -u)" = 0 ]; then
        chown "$clauded_pg_user" "$dir"
    fi
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale=C.UTF-8
    fi
    # in the folder itself: the owner may not be allowed into the one we were started from
    if ! (cd "$dir" && clauded_pg_as "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
        --locale="$locale" --no-sync) > "$dir/initdb.log" 2>&1; then
        echo "PostgreSQL tests: initdb ($bindir) failed:" >&2
        tail -n 20 "$dir/initdb.log" >&2
        if [ "$(id -u)" = 0 ]; then
            echo "(as root the cluster runs as $clauded_pg_user, who must be able to reach $dir)" >&2
        fi
        return 1
    fi
    for try in 1 2 3 4 5; do
        port=$(clauded_pg_free_port)
        # the socket in our folder, not /var/run/postgresql: no clash with a system cluster
        if (cd "$dir" && clauded_pg_as "$bindir/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 -s -o \
            "-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=$clauded_pg_max_connections" \
            start) >/dev/null 2>&1; then
            break
        fi
        # another process took the port between the choice and the start: choose again
        if [ "$try" != 5 ] && grep -q 'already in use' "$log" 2>/dev/null; then
            continue
        fi
        echo "PostgreSQL tests: the server ($bindir) did not start:" >&2
        tail -n 20 "$log" >&2
        if grep -qiE 'semaphore|shared memory' "$log" 2>/dev/null; then
            echo "(fewer connections need less: CLAUDED_TEST_PG_MAX_CONNECTIONS=100 tests/run.sh)" >&2
        fi
        return 1
    done
    if ! answer=$(PGCONNECT_TIMEOUT=5 "$psql" "postgres://postgres@127.0.0.1:$port/postgres" -XAtc 'show server_version' 2>&1); then
        echo "PostgreSQL tests: the server started but does not answer: $answer" >&2
        return 1
    fi
    export CLAUDED_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    export CLAUDED_TEST_PSQL="$psql"
    # "15.18 (Debian 15.18-0+deb12u1)"
    clauded_pg_version=${answer%% *}
}

# A server the tests may use: sets CLAUDED_TEST_PG_URL and CLAUDED_TEST_PSQL, or says why not.
clauded_pg_setup() {
    local psql bindir answer started took=
    # sourced again in the same shell: the cluster we started is still up
    [ -n "${clauded_pg_dir:-}" ] && return 0

    if [ -n "${CLAUDED_TEST_PG_URL:-}" ]; then
        if ! psql=$(clauded_pg_psql "$(clauded_pg_bindir)"); then
            echo "CLAUDED_TEST_PG_URL is set but there is no psql to reach it: install postgresql-client" >&2
            return 1
        fi
        if ! answer=$(PGCONNECT_TIMEOUT=5 "$psql" "$CLAUDED_TEST_PG_URL" -XAtc \
            "select current_setting('server_version'), rolsuper or rolcreatedb from pg_roles where rolname = current_user" 2>&1); then
            echo "CLAUDED_TEST_PG_URL ($(clauded_pg_shown "$CLAUDED_TEST_PG_URL")) does not answer: $answer" >&2
            return 1
        fi
        if [ "${answer#*|}" != t ]; then
            echo "CLAUDED_TEST_PG_URL ($(clauded_pg_shown "$CLAUDED_TEST_PG_URL")): the role may not create databases, and every test makes its own: ALTER ROLE ... CREATEDB" >&2
            return 1
        fi
        export CLAUDED_TEST_PSQL="$psql"
        answer=${answer%%|*}
        echo "PostgreSQL tests: PostgreSQL ${answer%% *} at $(clauded_pg_shown "$CLAUDED_TEST_PG_URL") (CLAUDED_TEST_PG_URL)" >&2
        return 0
    fi

    if ! bindir=$(clauded_pg_bindir) || ! psql=$(clauded_pg_psql "$bindir"); then
        echo "PostgreSQL tests SKIPPED: no server found (install postgresql or set CLAUDED_TEST_PG_URL)" >&2
        return 0
    fi
    # microseconds, where bash (5+) tells the time that finely
    started=${EPOCHREALTIME:-}
    started=${started/[.,]/}
    clauded_pg_sweep
    if [ "$(id -u)" = 0 ] && ! id "$clauded_pg_user" >/dev/null 2>&1 \
        && ! useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$clauded_pg_user"; then
        echo "PostgreSQL tests: initdb will not run as root, and the user $clauded_pg_user could not be made (useradd)" >&2
        return 1
    fi
    clauded_pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/clauded-pg.XXXXXX") || return 1
    clauded_pg_trap
    if ! clauded_pg_start "$bindir" "$psql" "$clauded_pg_dir"; then
        clauded_pg_remove "$clauded_pg_dir"
        clauded_pg_dir=
        return 1
    fi
    if [ -n "$started" ]; then
        took=$(( ${EPOCHREALTIME/[.,]/} - started ))
        took=" in $((took / 1000000)).$((took / 100000 % 10)) s"
    fi
    echo "PostgreSQL tests: throwaway PostgreSQL $clauded_pg_version at $CLAUDED_TEST_PG_URL ($bindir, started$took)" >&2
}

clauded_pg_setup
