#!/bin/bash
# smpc memory benchmark: the background worker's memory before and after
# many computations with 3 servers, and the local cost of a frequency table
# whose label is a column rather than a constant.
#
# Run as root or as the postgres OS user after "make install":
#     bash test/bench-memory.sh [computations]
# (default 3000).  Prints figures; asserts nothing.  Servers live under
# $BENCH_DIR and are stopped on exit.
#
# The worker's memory is read at node 1 after a warm-up of 200
# computations, halfway and at the end: its private anonymous memory (heap
# and the like: Anonymous in /proc/<pid>/smaps_rollup), its private dirty
# memory (Private_Dirty, which also counts pages of shared memory that
# only this process has touched, such as the shared buffers of the
# smpc.history_log rows it writes, about 200 bytes per computation), and
# the bytes in use
# in all its memory contexts (the "used" of the grand total that
# pg_log_backend_memory_contexts() writes to the server log).
set -euo pipefail

ROUNDS=${1:-3000}
WARMUP=${WARMUP:-200}
BENCH_DIR=${BENCH_DIR:-/tmp/smpc-bench-memory}
PGBIN=${PGBIN:-$(pg_config --bindir)}
BASE_PORT=${BASE_PORT:-5700}
LOCAL_ROWS=${LOCAL_ROWS:-1000000}

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$BENCH_DIR"
	chown postgres "$BENCH_DIR"
	exec runuser -u postgres -- env BENCH_DIR="$BENCH_DIR" PGBIN="$PGBIN" \
		BASE_PORT="$BASE_PORT" WARMUP="$WARMUP" LOCAL_ROWS="$LOCAL_ROWS" \
		bash "$(readlink -f "$0")" "$ROUNDS"
fi

# shellcheck source=test/bench-lib.sh
. "$(dirname "$(readlink -f "$0")")/bench-lib.sh"

N=3
start_nodes "$N"

# run $1 computations at every node at once, labelled $2
run_computations() {
	local count=$1 label=$2 i pids=()
	echo "SELECT smpc_avg(x, 'bench', '$label') FROM t;" > "$BENCH_DIR/q-$label.sql"
	for i in $(seq 1 "$N"); do
		"$PGBIN/pgbench" -n -h "$BENCH_DIR" -p $((BASE_PORT + i)) -f "$BENCH_DIR/q-$label.sql" \
			-t "$count" postgres > "$BENCH_DIR/pgbench-$label-$i.out" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	# the worker records each computation just after it ends
	for _ in $(seq 1 100); do
		[ "$(psql_n 1 -c "SELECT count(*) FROM smpc.history WHERE label = '$label'")" -ge "$count" ] && break
		sleep 0.1
	done
}

worker_pid() { psql_n 1 -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'"; }

# "<Anonymous kB> <Private_Dirty kB> <bytes used in memory contexts>" of
# node 1's worker
worker_memory() {
	local pid log offset total
	pid=$(worker_pid)
	log="$BENCH_DIR/n1.log"
	offset=$(stat -c %s "$log")
	psql_n 1 -c "SELECT pg_log_backend_memory_contexts($pid)" >/dev/null
	total=''
	for _ in $(seq 1 50); do
		total=$(tail -c +$((offset + 1)) "$log" | sed -n 's/.*Grand total: .*; \([0-9]*\) used.*/\1/p' | head -1)
		[ -n "$total" ] && break
		sleep 0.1
	done
	echo "$(awk '/^Anonymous:/ {a = $2} /^Private_Dirty:/ {d = $2} END {print a, d}' "/proc/$pid/smaps_rollup") ${total:-?}"
}

echo "smpc worker memory, $N servers, $ROUNDS computations of smpc_avg at every server"
half=$((ROUNDS / 2))
run_computations "$WARMUP" warmup
pid_before=$(worker_pid)
read -r anon_before dirty_before ctx_before <<< "$(worker_memory)"
start=$(date +%s.%N)
run_computations "$half" first-half
read -r anon_half dirty_half ctx_half <<< "$(worker_memory)"
run_computations $((ROUNDS - half)) second-half
end=$(date +%s.%N)
read -r anon_after dirty_after ctx_after <<< "$(worker_memory)"
[ "$(worker_pid)" = "$pid_before" ] || echo "  (the worker restarted during the run)"
failed=$(psql_n 1 -c "SELECT count(*) FROM smpc.history WHERE status <> 'succeeded'")
per() { echo "scale=1; $1 / $ROUNDS" | bc; }
printf "%-26s %12s %12s %12s %16s\n" "node 1's worker" before "after $half" "after $ROUNDS" per_computation
printf "%-26s %12s %12s %12s %16s\n" "Anonymous (kB)" "$anon_before" "$anon_half" "$anon_after" \
	"$(per "($anon_after - $anon_before) * 1024") B"
printf "%-26s %12s %12s %12s %16s\n" "Private_Dirty (kB)" "$dirty_before" "$dirty_half" "$dirty_after" \
	"$(per "($dirty_after - $dirty_before) * 1024") B"
printf "%-26s %12s %12s %12s %16s\n" "memory contexts, used (B)" "$ctx_before" "$ctx_half" "$ctx_after" \
	"$(per "($ctx_after - $ctx_before)") B"
printf "%d computations in %.1f s; %d node-computations did not succeed\n" \
	"$ROUNDS" "$(echo "$end - $start" | bc)" "$failed"

echo
echo "Local phase of smpc_frequencies over $LOCAL_ROWS rows at one node (median of 5 runs, ms)"
psql_n 1 -c "CREATE TABLE cats AS SELECT (ARRAY['a','b','c','d'])[1 + g % 4] AS c, 'one' AS lbl FROM generate_series(1, $LOCAL_ROWS) g" >/dev/null
psql_n 1 -c "VACUUM ANALYZE cats" >/dev/null
timeit() {
	local sql=$1 t
	for _ in 1 2 3 4 5 6; do
		t=$( { psql_n 1 -c 'SET max_parallel_workers_per_gather = 0' -c '\timing on' -c "$sql" 2>&1 || true; } | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
		echo "$t"
	done | tail -5 | sort -n | sed -n 3p
}
# a group that does not exist makes the final step fail at once, so the
# query time is the local phase alone
printf "%-44s %10s\n" "label" ms
printf "%-44s %10s\n" "constant 'one'" \
	"$(timeit "SELECT smpc_frequencies(c, 'no_such_group', ARRAY['a','b','c'], 'one') FROM cats")"
printf "%-44s %10s\n" "column lbl (the same value on every row)" \
	"$(timeit "SELECT smpc_frequencies(c, 'no_such_group', ARRAY['a','b','c'], lbl) FROM cats")"
