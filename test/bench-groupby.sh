#!/bin/bash
# smpc benchmark of GROUP BY: the network phase of one GROUP BY query (all
# its groups and smpc aggregates are one joint computation) for 3, 5 and 8
# nodes, in union mode (the members agree on the union of their keys) and
# with declared keys (smpc.group_keys), for 100 and 10 000 groups and for
# one and five smpc aggregates; and the whole query at one node against
# the same query with native aggregates.
#
# Run as root or as the postgres OS user after "make install":
#     bash test/bench-groupby.sh [rounds]
# Prints figures; asserts nothing.  Servers live under $BENCH_DIR and are
# stopped on exit.  Every member has every key here except in the "missing"
# rows, where each member lacks a different tenth of the keys.
set -euo pipefail

ROUNDS=${1:-20}
BENCH_DIR=${BENCH_DIR:-/tmp/smpc-bench-groupby}
PGBIN=${PGBIN:-$(pg_config --bindir)}
BASE_PORT=${BASE_PORT:-5700}
NODE_COUNTS=${NODE_COUNTS:-"3 5 8"}

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$BENCH_DIR"
	chown postgres "$BENCH_DIR"
	exec runuser -u postgres -- env BENCH_DIR="$BENCH_DIR" PGBIN="$PGBIN" \
		BASE_PORT="$BASE_PORT" NODE_COUNTS="$NODE_COUNTS" \
		bash "$(readlink -f "$0")" "$ROUNDS"
fi

# shellcheck source=test/bench-lib.sh
. "$(dirname "$(readlink -f "$0")")/bench-lib.sh"

echo "smpc GROUP BY benchmark on $(nproc) cores; $ROUNDS rounds per line"
echo

# the groups' tables: g(k, x, f) with 5 rows per key; at node i of n, the
# "missing" table lacks the keys k % 10 = i - 1
load_tables() {
	local n=$1 i
	for i in $(seq 1 "$n"); do
		psql_n "$i" <<EOS >/dev/null
CREATE TABLE g100 AS SELECT r % 100 AS k, (r * 7 + $i) % 1000 AS x, ((r * 13 + $i) % 1000) / 7.0::float8 AS f FROM generate_series(1, 500) r;
CREATE TABLE g10k AS SELECT r % 10000 AS k, (r * 7 + $i) % 1000 AS x, ((r * 13 + $i) % 1000) / 7.0::float8 AS f FROM generate_series(1, 50000) r;
CREATE TABLE g10k_missing AS SELECT * FROM g10k WHERE k % 10 <> $i - 1;
ANALYZE;
EOS
	done
}

# net_phase N LABEL QUERYFILE: run the queries of QUERYFILE ROUNDS times at
# every one of the N servers at once; print the median and 90th percentile
# of the network phase (the last member's start to the last member's end,
# from every member's smpc.history) and the query's median time at node 1
net_phase() {
	local n=$1 label=$2 file=$3 i p
	pids=()
	for i in $(seq 1 "$n"); do
		"$PGBIN/pgbench" -n -h "$BENCH_DIR" -p $((BASE_PORT + i)) -f "$file" -r \
			-t "$ROUNDS" postgres > "$BENCH_DIR/pgbench$i.out" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
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
	local latency
	latency=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$BENCH_DIR/pgbench1.out")
	psql_n 1 -F ' ' -c "
		WITH per AS (
			SELECT computation_id,
				   extract(epoch FROM max(finished) - max(started)) * 1000 AS ms
			FROM all_history WHERE status = 'succeeded'
			GROUP BY computation_id HAVING count(*) = $n)
		SELECT format('%-34s %-6s %-12s %-12s %-12s', '$label', $n,
			round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
			round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 2),
			'${latency:-?}')
		FROM per"
	local failed
	failed=$(psql_n 1 -c "SELECT count(*) FROM all_history WHERE status <> 'succeeded'")
	[ "$failed" = 0 ] || echo "  ($failed node-computations did not succeed)"
}

q() {
	local file=$BENCH_DIR/$1.sql
	shift
	printf '%s\n' "$@" > "$file"
	echo "$file"
}

KEYS10K=$(seq -s, 0 9999)
echo "Network phase of one GROUP BY query (last member ready -> result), loopback;"
echo "query_ms: pgbench's average time of the whole query at node 1"
printf "%-34s %-6s %-12s %-12s %-12s\n" query nodes median_ms p90_ms query_ms
for n in $NODE_COUNTS; do
	start_nodes "$n" "shared_buffers = '1GB'"
	load_tables "$n"
	net_phase "$n" "100 x avg, union" \
		"$(q a "SELECT k, smpc_avg(x, 'bench', '100 x avg, union') FROM g100 GROUP BY k;")"
	net_phase "$n" "100 x 5 aggregates, union" \
		"$(q b "SELECT k, smpc_avg(x, 'bench', '100 x 5 aggregates, union'), smpc_sum(f, 'bench', '100 x 5 aggregates, union'), smpc_count(x, 'bench', '100 x 5 aggregates, union'), smpc_var_samp(f, 'bench', '100 x 5 aggregates, union'), smpc_regr_slope(f, x::float8, 'bench', '100 x 5 aggregates, union') FROM g100 GROUP BY k;")"
	net_phase "$n" "10000 x avg, union" \
		"$(q c "SELECT k, smpc_avg(x, 'bench', '10000 x avg, union') FROM g10k GROUP BY k;")"
	net_phase "$n" "10000 x avg, union, missing" \
		"$(q d "SELECT k, smpc_avg(x, 'bench', '10000 x avg, union, missing') FROM g10k_missing GROUP BY k;")"
	net_phase "$n" "10000 x avg, declared" \
		"$(q e "SET smpc.group_keys = '{$KEYS10K}';" "SELECT k, smpc_avg(x, 'bench', '10000 x avg, declared') FROM g10k GROUP BY k;")"
	net_phase "$n" "100 x max, union" \
		"$(q f "SELECT k, smpc_max(x, 'bench_hm', '100 x max, union') FROM g100 GROUP BY k;")"
done

echo
echo "The whole query at one node, 10 000 groups of 5 rows (median of 5 runs, ms):"
echo "native GROUP BY, then the same with smpc_avg in a 3-node group"
start_nodes 3
load_tables 3
timeit() {
	local node=$1 sql=$2 t
	for _ in 1 2 3 4 5 6; do
		t=$( { psql_n "$node" -c '\timing on' -c "$sql" 2>&1 || true; } | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
		echo "$t"
	done | tail -5 | sort -n | sed -n 3p
}
printf "%-60s %10s\n" query ms
printf "%-60s %10s\n" "SELECT k, avg(x) FROM g10k GROUP BY k" "$(timeit 1 "SELECT k, avg(x) FROM g10k GROUP BY k")"
# the three members run it together: time it at node 1 while the others run it too
for i in 2 3; do
	( for _ in 1 2 3 4 5 6; do psql_n "$i" -c "SELECT k, smpc_avg(x, 'bench', 'whole') FROM g10k GROUP BY k" >/dev/null; done ) &
done
printf "%-60s %10s\n" "SELECT k, smpc_avg(x, 'bench', 'whole') FROM g10k GROUP BY k" "$(timeit 1 "SELECT k, smpc_avg(x, 'bench', 'whole') FROM g10k GROUP BY k")"
wait
