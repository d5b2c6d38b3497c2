#!/bin/bash
# smpc benchmark of the order statistics and the auction clearing price.
#
# With 3 servers of $ROWS rows each (int4 x, float8 f, numeric n): the
# network phase and the whole query of the exact median (smpc_median and
# smpc_percentile_disc(0.5)) and of P25/P50/P75/P90 in one call, beside
# plain percentile_disc over the same rows pooled in one server; and the
# local phase (a member's own rows scanned, sorted and counted) beside the
# native ordered-set aggregate over the same rows.  With 3, 5 and 8
# servers of $BIDS bids each: the network phase of smpc_clearing_price
# over a grid of $GRID prices.  Then the same again with $RTT_MS ms of
# round-trip time added to every peer path by test/delay-relay.pl (this
# kernel has no netem), which also counts the messages each member sends
# to each other member per computation.  Each smpc result is printed once
# beside PostgreSQL's own over the pooled rows (or the plain SQL
# definition of the clearing price over the pooled bids).
#
# Run as root or as the postgres OS user after "make install":
#     bash test/bench-ostat.sh [rounds]
# Prints figures; asserts nothing.  Servers live under $BENCH_DIR and are
# stopped on exit.
set -euo pipefail

ROUNDS=${1:-10}
BENCH_DIR=${BENCH_DIR:-/tmp/smpc-bench-ostat}
PGBIN=${PGBIN:-$(pg_config --bindir)}
BASE_PORT=${BASE_PORT:-5800}
NODE_COUNTS=${NODE_COUNTS:-"3 5 8"}
ROWS=${ROWS:-1000000}			# rows per member for the order statistics
BIDS=${BIDS:-10000}				# bids per member for the clearing price
GRID=${GRID:-4000}				# prices in the grid
RTT_MS=${RTT_MS:-20}			# round-trip time added for the wide-area lines
WAN_ROUNDS=${WAN_ROUNDS:-5}		# computations per wide-area line

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$BENCH_DIR"
	chown postgres "$BENCH_DIR"
	exec runuser -u postgres -- env BENCH_DIR="$BENCH_DIR" PGBIN="$PGBIN" \
		BASE_PORT="$BASE_PORT" NODE_COUNTS="$NODE_COUNTS" ROWS="$ROWS" BIDS="$BIDS" \
		GRID="$GRID" RTT_MS="$RTT_MS" WAN_ROUNDS="$WAN_ROUNDS" \
		bash "$(readlink -f "$0")" "$ROUNDS"
fi

HERE=$(dirname "$(readlink -f "$0")")
# shellcheck source=test/bench-lib.sh
. "$HERE/bench-lib.sh"

RELAY_PID=
stop_relay() {
	if [ -n "$RELAY_PID" ]; then
		kill "$RELAY_PID" 2>/dev/null || true
		wait "$RELAY_PID" 2>/dev/null || true
		RELAY_PID=
	fi
}
trap 'stop_relay; stop_all' EXIT

# work_mem: the native ordered-set aggregates sort in memory, as smpc does
CONF="shared_buffers = '256MB'
work_mem = '1GB'"

echo "smpc order statistics benchmark on $(nproc) cores; $ROUNDS computations per line" \
	"($WAN_ROUNDS at $RTT_MS ms round trip)"
echo "$ROWS rows per member (int4 x, float8 f, numeric(12,2) n, uniform random);" \
	"$BIDS bids per member; a grid of $GRID prices; work_mem 1GB"

q() {
	local file=$BENCH_DIR/$1.sql
	shift
	printf '%s\n' "$@" > "$file"
	echo "$file"
}

# the rows of the order statistics at every member, and all of them pooled
# in one table at node 1 (the pooled table is plain PostgreSQL's input)
load_rows() {
	local n=$1 i
	for i in $(seq 1 "$n"); do
		psql_n "$i" <<EOS >/dev/null
SELECT setseed(0.$i);
CREATE TABLE big AS
	SELECT (random() * 1e9)::int4 AS x, random() * 1e6 AS f,
		   round((random() * 1e6)::numeric, 2)::numeric(12,2) AS n
	FROM generate_series(1, $ROWS);
VACUUM ANALYZE big;
EOS
	done
	psql_n 1 -c "CREATE TABLE pooled (x int4, f float8, n numeric(12,2))" >/dev/null
	for i in $(seq 1 "$n"); do
		psql_n "$i" -c "COPY big TO STDOUT" | psql_n 1 -c "COPY pooled FROM STDIN" >/dev/null
	done
	psql_n 1 -c "VACUUM ANALYZE pooled" >/dev/null
}

# the bids: buyers offer 10.00 to 35.00, sellers ask 5.00 to 30.00, 1 to
# 100 units; the grid: 0.01 to GRID / 100 in steps of 0.01
GRID_SQL="'{$(awk -v n="$GRID" 'BEGIN { for (k = 1; k <= n; k++) printf "%s%.2f", (k > 1 ? "," : ""), k / 100 }')}'::numeric[]"
load_bids() {
	local n=$1 i
	for i in $(seq 1 "$n"); do
		psql_n "$i" <<EOS >/dev/null
SELECT setseed(0.$i + 0.05);
CREATE TABLE bids AS
	SELECT side, round((CASE side WHEN 'buy' THEN 10 ELSE 5 END + random() * 25)::numeric, 2) AS price,
		   (1 + floor(random() * 100))::numeric AS qty
	FROM (SELECT CASE WHEN random() < 0.5 THEN 'buy' ELSE 'sell' END AS side
		  FROM generate_series(1, $BIDS)) s;
VACUUM ANALYZE bids;
EOS
	done
	psql_n 1 -c "CREATE TABLE pooled_bids (side text, price numeric, qty numeric)" >/dev/null
	for i in $(seq 1 "$n"); do
		psql_n "$i" -c "COPY bids TO STDOUT" | psql_n 1 -c "COPY pooled_bids FROM STDIN" >/dev/null
	done
}

# --- the relay ------------------------------------------------------------------
# relay_on N: every member reaches every other through test/delay-relay.pl,
# which listens in $BENCH_DIR/relay; returns once every member has measured
# the added round trip to every peer
relay_on() {
	local n=$1 i j g key routes=() ok
	mkdir -p "$BENCH_DIR/relay"
	for j in $(seq 1 "$n"); do
		routes+=("$BENCH_DIR/relay/.s.PGSQL.$((BASE_PORT + j))=$BENCH_DIR/.s.PGSQL.$((BASE_PORT + j))")
	done
	rm -f "$BENCH_DIR/relay.stats"
	perl "$HERE/delay-relay.pl" --delay-ms "$(awk -v r="$RTT_MS" 'BEGIN { print r / 2 }')" \
		--stats "$BENCH_DIR/relay.stats" "${routes[@]}" > "$BENCH_DIR/relay.out" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 1 100); do
		grep -q listening "$BENCH_DIR/relay.out" && break
		sleep 0.1
	done
	for i in $(seq 1 "$n"); do
		for j in $(seq 1 "$n"); do
			[ "$i" = "$j" ] && continue
			key=$(psql_n "$j" -c "SELECT public_key FROM smpc.node_info()")
			for g in bench bench_hm; do
				psql_n "$i" -c "SELECT smpc.remove_peer('$g', 'node$j'); SELECT smpc.add_peer('$g', 'node$j', 'host=$BENCH_DIR/relay port=$((BASE_PORT + j)) dbname=postgres user=peer_login', '$key')" >/dev/null
			done
		done
	done
	for i in $(seq 1 "$n"); do
		ok=
		for _ in $(seq 1 300); do
			if [ "$(psql_n "$i" -c "SELECT bool_and(reachable AND key_verified AND rtt_ms >= $RTT_MS * 0.9) FROM smpc.peer_status")" = t ]; then
				ok=1
				break
			fi
			sleep 0.1
		done
		[ -n "$ok" ] || echo "  (node$i: not every peer answers through the relay yet)"
	done
}

# relay_requests: the requests the relay has seen so far, all routes
relay_requests() {
	local gen=0 now
	[ -f "$BENCH_DIR/relay.stats" ] && gen=$(sed -n 's/^generation //p' "$BENCH_DIR/relay.stats")
	kill -USR1 "$RELAY_PID"
	for _ in $(seq 1 100); do
		now=0
		[ -f "$BENCH_DIR/relay.stats" ] && now=$(sed -n 's/^generation //p' "$BENCH_DIR/relay.stats")
		[ "$now" -gt "$gen" ] && break
		sleep 0.05
	done
	sed -n 's/^requests //p' "$BENCH_DIR/relay.stats"
}

# --- measuring ------------------------------------------------------------------
# net_phase N LABEL QUERYFILE [COUNT]: run QUERYFILE COUNT times (default
# ROUNDS) at every one of the N servers at once; print the median and 90th
# percentile of the network phase (the last member's start to the last
# member's end, from every member's smpc.history), the whole query's
# average at node 1 (pgbench), and with the relay on the messages each
# member sent each other member per computation and the rounds: the time
# the added round trips cost over LOOPBACK_MS, the loopback median, in
# round trips.  The median is left in NET_MEDIAN.
NET_MEDIAN=
net_phase() {
	local n=$1 label=$2 file=$3 count=${4:-$ROUNDS} loopback=${5:-} i p before=
	local pids=()
	[ -n "$RELAY_PID" ] && before=$(relay_requests)
	for i in $(seq 1 "$n"); do
		"$PGBIN/pgbench" -n -h "$BENCH_DIR" -p $((BASE_PORT + i)) -f "$file" \
			-t "$count" postgres > "$BENCH_DIR/pgbench$i.out" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	psql_n 1 -c "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS all_history (node int, computation_id text, started timestamptz, finished timestamptz, status text)" >/dev/null
	psql_n 1 -c "TRUNCATE all_history" >/dev/null
	for i in $(seq 1 "$n"); do
		for _ in $(seq 1 100); do
			[ "$(psql_n "$i" -c "SELECT count(*) FROM smpc.history WHERE label = '$label'")" -ge "$count" ] && break
			sleep 0.1
		done
		psql_n "$i" -c "COPY (SELECT $i, computation_id, started, finished, status FROM smpc.history WHERE label = '$label') TO STDOUT" |
			psql_n 1 -c "COPY all_history FROM STDIN" >/dev/null
	done
	local latency msgs=- rounds=- p90
	latency=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$BENCH_DIR/pgbench1.out")
	if [ -n "$before" ]; then
		msgs=$(awk -v a="$before" -v b="$(relay_requests)" -v n="$n" -v c="$count" \
			'BEGIN { printf "%.1f", (b - a) / (n * (n - 1)) / c }')
	fi
	read -r NET_MEDIAN p90 < <(psql_n 1 -F ' ' -c "
		WITH per AS (
			SELECT computation_id,
				   extract(epoch FROM max(finished) - max(started)) * 1000 AS ms
			FROM all_history WHERE status = 'succeeded'
			GROUP BY computation_id HAVING count(*) = $n)
		SELECT coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1)::text, '-'),
			   coalesce(round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 1)::text, '-')
		FROM per")
	if [ -n "$loopback" ] && [ "$NET_MEDIAN" != - ] && [ "$loopback" != - ]; then
		rounds=$(awk -v a="$loopback" -v b="$NET_MEDIAN" -v r="$RTT_MS" 'BEGIN { printf "%.1f", (b - a) / r }')
	fi
	printf "%-30s %-6s %-10s %-10s %-10s %-6s %s\n" "$label" "$n" "$NET_MEDIAN" "$p90" \
		"${latency:-?}" "$msgs" "$rounds"
	local failed
	failed=$(psql_n 1 -c "SELECT count(*) FROM all_history WHERE status <> 'succeeded'")
	[ "$failed" = 0 ] || echo "  ($failed node-computations did not succeed:" \
		"$(psql_n 1 -c "SELECT string_agg(DISTINCT status, ', ') FROM all_history WHERE status <> 'succeeded'"))"
}

# timeit NODE SQL: the median of 5 runs (after one to warm up), ms
timeit() {
	local node=$1 sql=$2 t
	for _ in 1 2 3 4 5 6; do
		t=$( { psql_n "$node" -c '\timing on' -c "$sql" 2>&1 || true; } | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
		echo "$t"
	done | tail -5 | sort -n | sed -n 3p
}

# joint N SQL: SQL at every one of the N members at once; node 1's answer
joint() {
	local n=$1 sql=$2 i
	for i in $(seq 2 "$n"); do
		psql_n "$i" -c "$sql" >/dev/null 2>&1 &
	done
	psql_n 1 -c "$sql" 2>&1
	wait
}

# check LABEL SMPC_SQL PLAIN_SQL N: one joint result beside plain
# PostgreSQL's over the pooled rows at node 1
check() {
	local label=$1 smpc=$2 plain=$3 n=$4 a b
	a=$(joint "$n" "$smpc")
	b=$(psql_n 1 -c "$plain")
	printf "%-28s smpc %-44s pooled %-44s %s\n" "$label" "$a" "$b" \
		"$([ "$a" = "$b" ] && echo same || echo DIFFERENT)"
}

HEAD="$(printf "%-30s %-6s %-10s %-10s %-10s %-6s %s" line nodes median_ms p90_ms query_ms msgs rounds)"
# the measured queries, labelled $1
median_q() { echo "SELECT smpc_median(x, 'bench_hm', '$1') FROM big;"; }
disc_q() { echo "SELECT smpc_percentile_disc(0.5, 'bench_hm', '$1') WITHIN GROUP (ORDER BY x) FROM big;"; }
quart_q() { echo "SELECT smpc_percentile_disc(ARRAY[0.25, 0.5, 0.75, 0.9], 'bench_hm', '$1') WITHIN GROUP (ORDER BY x) FROM big;"; }
clearing_q() { echo "SELECT smpc_clearing_price(side, price, qty, 'bench_hm', $GRID_SQL, '$1') FROM bids;"; }
declare -A LOOPBACK
CLEARING_PLAIN="
	WITH points AS (
		SELECT price AS at, 0 AS kind, qty AS sell, 0 AS buy FROM pooled_bids WHERE side = 'sell'
		UNION ALL SELECT p, 1, 0, 0 FROM unnest($GRID_SQL) p
		UNION ALL SELECT price, 2, 0, qty FROM pooled_bids WHERE side = 'buy'),
	running AS (
		SELECT at, kind,
			   sum(sell) OVER w AS supply,
			   (SELECT sum(qty) FROM pooled_bids WHERE side = 'buy') - sum(buy) OVER w AS demand
		FROM points WINDOW w AS (ORDER BY at, kind ROWS UNBOUNDED PRECEDING))
	SELECT min(at) FROM running WHERE kind = 1 AND supply >= demand"

for n in $NODE_COUNTS; do
	echo
	echo "=== $n servers (groups: bench_hm, max_colluders $(( (n - 1) / 2 )), min_parties 3)"
	start_nodes "$n" "$CONF"
	load_bids "$n"
	[ "$n" = 3 ] && load_rows "$n"

	echo
	echo "Results, smpc beside plain PostgreSQL over the pooled rows (the clearing price:"
	echo "the smallest grid price p with supply(p) >= demand(p), computed over the pooled bids)"
	if [ "$n" = 3 ]; then
		check "median x" "SELECT smpc_median(x, 'bench_hm', 'check') FROM big" \
			"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM pooled" "$n"
		check "P25 P50 P75 P90 of x" \
			"SELECT smpc_percentile_disc(ARRAY[0.25, 0.5, 0.75, 0.9], 'bench_hm', 'check') WITHIN GROUP (ORDER BY x) FROM big" \
			"SELECT percentile_disc(ARRAY[0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY x) FROM pooled" "$n"
		check "median n (numeric)" "SELECT smpc_percentile_disc(0.5, 'bench_hm', 'check') WITHIN GROUP (ORDER BY n) FROM big" \
			"SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM pooled" "$n"
	fi
	check "clearing price, $GRID prices" "$(clearing_q check)" "$CLEARING_PLAIN" "$n"

	echo
	echo "Network phase (last member ready -> result, from smpc.history), loopback; query_ms:"
	echo "pgbench's average of the whole query at node 1; msgs: messages per member and peer"
	echo "$HEAD"
	if [ "$n" = 3 ]; then
		net_phase "$n" median "$(q median "$(median_q median)")"
		LOOPBACK[median]=$NET_MEDIAN
		net_phase "$n" "disc 0.5" "$(q disc "$(disc_q "disc 0.5")")"
		net_phase "$n" "P25 P50 P75 P90" "$(q quart "$(quart_q "P25 P50 P75 P90")")"
		LOOPBACK[quart]=$NET_MEDIAN
	fi
	net_phase "$n" clearing "$(q clearing "$(clearing_q clearing)")"
	LOOPBACK[clearing]=$NET_MEDIAN

	if [ "$n" = 3 ]; then
		echo
		echo "Plain PostgreSQL over the $((3 * ROWS)) rows pooled in one server, and the local phase"
		echo "at one member ($ROWS rows: an smpc aggregate over a group that does not exist fails"
		echo "right after the local phase); median of 5 runs, ms"
		printf "%-84s %10s\n" query ms
		for sql in "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM pooled" \
			"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM pooled" \
			"SELECT percentile_disc(ARRAY[0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY x) FROM pooled"; do
			printf "%-84s %10s\n" "$sql" "$(timeit 1 "$sql")"
		done
		printf "%-84s %10s\n" "SELECT count(x) FROM big (the scan alone)" "$(timeit 1 "SELECT count(x) FROM big")"
		for col in x f n; do
			native="SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY $col) FROM big"
			smpc="SELECT smpc_percentile_disc(0.5, 'no_such_group') WITHIN GROUP (ORDER BY $col) FROM big"
			tn=$(timeit 1 "$native")
			ts=$(timeit 1 "$smpc")
			printf "%-84s %10s\n" "$native" "$tn"
			printf "%-84s %10s   ratio %s\n" "$smpc" "$ts" "$(awk -v a="$ts" -v b="$tn" 'BEGIN { if (b > 0) printf "%.2f", a / b }')"
		done
		native="SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM big"
		smpc="SELECT smpc_median(x, 'no_such_group') FROM big"
		tn=$(timeit 1 "$native")
		ts=$(timeit 1 "$smpc")
		printf "%-84s %10s\n" "$native" "$tn"
		printf "%-84s %10s   ratio %s\n" "$smpc" "$ts" "$(awk -v a="$ts" -v b="$tn" 'BEGIN { if (b > 0) printf "%.2f", a / b }')"
	fi

	echo
	echo "The same with $RTT_MS ms round trip added to every peer path (test/delay-relay.pl);"
	echo "msgs: calls of smpc.deliver() per member and peer and computation, pings included"
	echo "(one every 30 s per peer); rounds: (median_ms here - loopback median_ms) / $RTT_MS ms"
	relay_on "$n"
	echo "$HEAD"
	if [ "$n" = 3 ]; then
		net_phase "$n" "median, ${RTT_MS}ms" "$(q median-wan "$(median_q "median, ${RTT_MS}ms")")" \
			"$WAN_ROUNDS" "${LOOPBACK[median]}"
		net_phase "$n" "P25 P50 P75 P90, ${RTT_MS}ms" \
			"$(q quart-wan "$(quart_q "P25 P50 P75 P90, ${RTT_MS}ms")")" "$WAN_ROUNDS" "${LOOPBACK[quart]}"
	fi
	net_phase "$n" "clearing, ${RTT_MS}ms" "$(q clearing-wan "$(clearing_q "clearing, ${RTT_MS}ms")")" \
		"$WAN_ROUNDS" "${LOOPBACK[clearing]}"
	stop_relay
done
