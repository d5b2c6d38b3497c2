#!/bin/bash
# Shared by the benchmark scripts (test/bench.sh, test/bench-memory.sh):
# servers with smpc under $BENCH_DIR, two peer groups over all of them
# ("bench", n-of-n, and "bench_hm", honest majority: max_colluders below
# half the members, which comparisons need), and a small table t(x) at
# each.  Source it after setting
# BENCH_DIR, PGBIN and BASE_PORT; the caller runs as the postgres OS user.

NODES=0

stop_all() {
	local i
	for i in $(seq 1 "$NODES"); do
		"$PGBIN/pg_ctl" -D "$BENCH_DIR/n$i" stop -m fast >/dev/null 2>&1 || true
	done
}
trap stop_all EXIT

psql_n() { local i=$1; shift; "$PGBIN/psql" -X -q -At -h "$BENCH_DIR" -p $((BASE_PORT + i)) -d postgres "$@"; }

# start_nodes N [extra postgresql.conf lines]: N servers that are all
# members of the groups "bench" and "bench_hm" (min_parties 3), each
# reachable and key-verified by the others when it returns
start_nodes() {
	local n=$1 extra=${2:-} i j key
	stop_all
	rm -rf "${BENCH_DIR:?}"/n*
	NODES=$n
	for i in $(seq 1 "$n"); do
		"$PGBIN/initdb" -D "$BENCH_DIR/n$i" -A trust >/dev/null
		cat >> "$BENCH_DIR/n$i/postgresql.conf" <<EOC
port = $((BASE_PORT + i))
unix_socket_directories = '$BENCH_DIR'
listen_addresses = ''
shared_preload_libraries = 'smpc'
smpc.database = 'postgres'
smpc.timeout = '30s'
fsync = off
$extra
EOC
		"$PGBIN/pg_ctl" -D "$BENCH_DIR/n$i" -l "$BENCH_DIR/n$i.log" -w start >/dev/null
		{ psql_n "$i" <<EOS
CREATE EXTENSION smpc;
SELECT smpc.init_node('node$i') \g /dev/null
SELECT smpc.create_peer_login('peer_login', 'bench-password') \g /dev/null
SELECT smpc.create_peer_group('bench', min_parties => 3);
SELECT smpc.create_peer_group('bench_hm', min_parties => 3, max_colluders => $(( (n - 1) / 2 )));
CREATE TABLE t AS SELECT g AS x FROM generate_series(1, 1000) g;
EOS
		} >/dev/null
	done
	for i in $(seq 1 "$n"); do
		for j in $(seq 1 "$n"); do
			[ "$i" = "$j" ] && continue
			key=$(psql_n "$j" -c "SELECT public_key FROM smpc.node_info()")
			for g in bench bench_hm; do
				psql_n "$i" -c "SELECT smpc.add_peer('$g', 'node$j', 'host=$BENCH_DIR port=$((BASE_PORT + j)) dbname=postgres user=peer_login', '$key')" >/dev/null
			done
		done
	done
	for i in $(seq 1 "$n"); do
		for _ in $(seq 1 300); do
			[ "$(psql_n "$i" -c "SELECT bool_and(reachable AND key_verified) FROM smpc.peer_status")" = t ] && break
			sleep 0.1
		done
	done
}
