#!/bin/bash
# smpc benchmark: network phase of one smpc_avg and one smpc_max for 3, 5
# and 8 nodes, and the local phase of smpc_avg against the native avg over
# 10 million rows.
#
# Run as root or as the postgres OS user after "make install":
#     bash test/bench.sh [rounds]
# Prints figures; asserts nothing.  Servers live under $BENCH_DIR and are
# stopped on exit.
set -euo pipefail

ROUNDS=${1:-200}
BENCH_DIR=${BENCH_DIR:-/tmp/smpc-bench}
PGBIN=${PGBIN:-$(pg_config --bindir)}
BASE_PORT=${BASE_PORT:-5600}
NODE_COUNTS=${NODE_COUNTS:-"3 5 8"}
BIG_ROWS=${BIG_ROWS:-10000000}

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$BENCH_DIR"
	chown postgres "$BENCH_DIR"
	exec runuser -u postgres -- env BENCH_DIR="$BENCH_DIR" PGBIN="$PGBIN" \
		BASE_PORT="$BASE_PORT" NODE_COUNTS="$NODE_COUNTS" BIG_ROWS="$BIG_ROWS" \
		bash "$(readlink -f "$0")" "$ROUNDS"
fi

# shellcheck source=test/bench-lib.sh
. "$(dirname "$(readlink -f "$0")")/bench-lib.sh"

echo "smpc benchmark on $(nproc) cores; $ROUNDS rounds per size"
echo
# net_phase N LABEL QUERY: run QUERY ROUNDS times at every one of the N
# servers at once; print the median and 90th percentile of the network
# phase (the last member's start to the last member's end, from every
# member's smpc.history) and the computations per second
net_phase() {
	local n=$1 label=$2 query=$3 i p start end failed
	echo "$query" > "$BENCH_DIR/q.sql"
	start=$(date +%s.%N)
	pids=()
	for i in $(seq 1 "$n"); do
		"$PGBIN/pgbench" -n -h "$BENCH_DIR" -p $((BASE_PORT + i)) -f "$BENCH_DIR/q.sql" \
			-t "$ROUNDS" postgres > "$BENCH_DIR/pgbench$i.out" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	end=$(date +%s.%N)
	# gather every node's history at node 1 and compare per computation
	psql_n 1 -c "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS all_history (node int, computation_id text, started timestamptz, finished timestamptz, status text)" >/dev/null
	psql_n 1 -c "TRUNCATE all_history" >/dev/null
	for i in $(seq 1 "$n"); do
		for _ in $(seq 1 100); do
			[ "$(psql_n "$i" -c "SELECT count(*) FROM smpc.history WHERE label = '$label'")" -ge "$ROUNDS" ] && break
			sleep 0.1
		done
		psql_n "$i" -c "COPY (SELECT $i, computation_id, started, finished, status FROM smpc.history WHERE label = '$label') TO STDOUT" |
			psql_n 1 -c "COPY all_history FROM STDIN" >/dev/null
	done
	psql_n 1 -F ' ' -c "
		WITH per AS (
			SELECT computation_id,
				   extract(epoch FROM max(finished) - max(started)) * 1000 AS ms
			FROM all_history WHERE status = 'succeeded'
			GROUP BY computation_id HAVING count(*) = $n)
		SELECT format('%-10s %-6s %-12s %-12s %-12s', '$label', $n,
			round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3),
			round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 3),
			round(count(*) / ($end - $start), 1))
		FROM per"
	failed=$(psql_n 1 -c "SELECT count(*) FROM all_history WHERE status <> 'succeeded'")
	[ "$failed" = 0 ] || echo "  ($failed node-computations did not succeed)"
}

echo "Network phase of one computation (last member ready -> result), loopback"
echo "(smpc_avg in an n-of-n group; smpc_max in a group with max_colluders (n-1)/2)"
printf "%-10s %-6s %-12s %-12s %-12s\n" aggregate nodes median_ms p90_ms per_s
for n in $NODE_COUNTS; do
	start_nodes "$n" "shared_buffers = '1GB'"
	net_phase "$n" avg "SELECT smpc_avg(x, 'bench', 'avg') FROM t;"
	net_phase "$n" max "SELECT smpc_max(x, 'bench_hm', 'max') FROM t;"
done

echo
echo "Local phase over $BIG_ROWS rows (int4 x, float8 f) at one node (median of 5 runs, ms)"
start_nodes 3
psql_n 1 -c "CREATE TABLE big AS SELECT (random() * 100000)::int4 AS x, random() AS f FROM generate_series(1, $BIG_ROWS)" >/dev/null
psql_n 1 -c "VACUUM ANALYZE big" >/dev/null
timeit() {
	local sql=$1 t
	for _ in 1 2 3 4 5 6; do
		t=$( { psql_n 1 -c '\timing on' -c "$sql" 2>&1 || true; } | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
		echo "$t"
	done | tail -5 | sort -n | sed -n 3p
}
# The local phase ends when the final step hands the vector to the worker;
# a group that does not exist makes it fail right there, so the query time
# is the local phase alone.
printf "%-34s %10s\n" query ms
for pair in "avg(x)|smpc_avg(x, 'no_such_group')" "avg(f)|smpc_avg(f, 'no_such_group')" "sum(x)|smpc_sum(x, 'no_such_group')" \
	"var_samp(f)|smpc_var_samp(f, 'no_such_group')" "regr_slope(f, x)|smpc_regr_slope(f, x, 'no_such_group')"; do
	native=${pair%%|*}
	smpc=${pair##*|}
	tn=$(timeit "SELECT $native FROM big")
	ts=$(timeit "SELECT $smpc FROM big")
	printf "%-34s %10s\n" "native $native" "$tn"
	printf "%-34s %10s   ratio %s\n" "$smpc" "$ts" "$(awk -v a="$ts" -v b="$tn" 'BEGIN {printf "%.3f", a / b}')"
done
