#!/bin/bash
# smpc demo: three hospitals, three PostgreSQL 15 servers, one joint
# benchmark of doctors' salaries that no hospital can compute alone.
#
# Usage, from the repository root on Debian 12, as root (sudo is not
# needed, and not used when the caller is root):
#     bash test/demo.sh
# A caller who is not root is re-run through sudo when sudo exists.
#
# It installs the packages (skip with SMPC_SKIP_APT=1), builds and installs
# smpc, creates the servers under $SMPC_DEMO_DIR (default /tmp/smpc-demo;
# cleaned at the start, so the demo can be run again), sets up keys and the
# peer group "hospitals" (max_colluders 1: an honest majority, which the
# comparisons of smpc_min and smpc_max need), runs smpc_avg, smpc_sum,
# smpc_count, a GROUP BY where one hospital lacks a department (and
# smpc.group_results()), smpc_stddev, a salary-band histogram, smpc_max,
# smpc_min, the salary quartiles and median (smpc_percentile_disc,
# smpc_percentile_cont, smpc_median) and, over each hospital's table of
# bids for surplus vaccine doses, an auction's clearing price
# (smpc_clearing_price) on all three servers at once, and compares each
# joint result with the plain aggregate (or, for the auction, the plain
# SQL definition of the clearing price) over the three hospitals' rows
# pooled in one table.
# The pooling is done ONLY to prove that the joint results are correct;
# smpc itself never moves a row or a per-hospital subtotal.
#
# The servers are stopped at the end; their logs stay in the demo
# directory.  Exit status 0 means every joint result matched.
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
DEMO=${SMPC_DEMO_DIR:-/tmp/smpc-demo}
PACKAGES="postgresql-15 postgresql-server-dev-15 libsodium-dev postgresql-15-cron libipc-run-perl make gcc"
NAMES=(hospital_a hospital_b hospital_c)
PORTS=(5441 5442 5443)
ROWS=(1200 750 430)			# doctors per hospital
SEEDS=(0.11 0.22 0.33)		# setseed() per hospital: deterministic data
PAY=(1.00 1.07 0.94)		# salary level per hospital
SKIP=("" "" pediatrics)		# a department a hospital does not have
BIDS=(14 9 11)				# bids for vaccine doses per hospital
GROUP=hospitals

export LC_ALL=C.UTF-8 LANG=C.UTF-8 LANGUAGE=
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGDATA PGOPTIONS PGPASSWORD || true

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo SMPC_SKIP_APT="${SMPC_SKIP_APT:-}" SMPC_DEMO_DIR="$DEMO" bash "$(readlink -f "$0")" "$@"
	fi
	echo "demo.sh: must be run as root (as root: bash test/demo.sh; or install sudo)" >&2
	exit 2
fi

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
	echo "demo.sh: $*" >&2
	exit 1
}

# --- packages, build, install ----------------------------------------------
if [ "${SMPC_SKIP_APT:-}" = 1 ]; then
	step "Skipping the package installation (SMPC_SKIP_APT=1)"
else
	step "Installing packages: $PACKAGES"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y $PACKAGES
fi
# Debian's /usr/bin/pg_config picks the newest server-dev package; use 15's.
if [ -z "${PG_CONFIG:-}" ]; then
	PG_CONFIG=pg_config
	[ -x /usr/lib/postgresql/15/bin/pg_config ] && PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
fi
command -v "$PG_CONFIG" >/dev/null || die "pg_config not found; install postgresql-server-dev-15"
[ "$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')" = 15 ] ||
	die "$PG_CONFIG is not PostgreSQL 15's"
PGBIN=$("$PG_CONFIG" --bindir)
id postgres >/dev/null 2>&1 || die "there is no \"postgres\" OS user; install postgresql-15"

step "Building and installing smpc"
make -s -C "$REPO" PG_CONFIG="$PG_CONFIG"
make -s -C "$REPO" PG_CONFIG="$PG_CONFIG" install
info "installed $("$PG_CONFIG" --pkglibdir)/smpc.so"

# --- helpers ------------------------------------------------------------------
as_pg() { (cd "$DEMO" && runuser -u postgres -- "$@"); }
# psql at hospital $1 (index), quiet, unaligned, stop on error
sql() {
	local i=$1
	shift
	as_pg "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DEMO" -p "${PORTS[$i]}" -d postgres "$@"
}

stop_servers() {
	local i
	for i in "${!NAMES[@]}"; do
		if [ -f "$DEMO/${NAMES[$i]}/postmaster.pid" ]; then
			as_pg "$PGBIN/pg_ctl" -D "$DEMO/${NAMES[$i]}" stop -m fast >/dev/null 2>&1 || true
		fi
	done
}

on_exit() {
	local rc=$?
	trap - EXIT
	if [ -d "$DEMO" ]; then
		step "Stopping the three servers"
		stop_servers
		info "server logs: $DEMO/<hospital>.log"
	fi
	exit $rc
}

# --- fresh servers ------------------------------------------------------------
case "$DEMO" in
	/ | /tmp | /tmp/ | "$REPO" | "$REPO"/) die "refusing to use $DEMO as the demo directory" ;;
esac
step "Preparing $DEMO (servers of an earlier run are stopped, the directory is emptied)"
if [ -d "$DEMO" ]; then
	stop_servers
	rm -rf "$DEMO"
fi
mkdir -p "$DEMO"
chown postgres: "$DEMO"
chmod 700 "$DEMO"
trap on_exit EXIT
trap "exit 130" INT
trap "exit 143" TERM

for i in "${!NAMES[@]}"; do
	name=${NAMES[$i]}
	step "Creating $name: PostgreSQL 15 on port ${PORTS[$i]} (unix socket in $DEMO, no TCP)"
	as_pg "$PGBIN/initdb" -D "$DEMO/$name" -A trust -U postgres >"$DEMO/$name.initdb.log" 2>&1 ||
		die "initdb failed, see $DEMO/$name.initdb.log"
	cat >>"$DEMO/$name/postgresql.conf" <<EOC

# smpc demo
port = ${PORTS[$i]}
listen_addresses = ''
unix_socket_directories = '$DEMO'
unix_socket_permissions = 0700
shared_preload_libraries = 'smpc'
smpc.database = 'postgres'
smpc.timeout = '30s'
EOC
	as_pg "$PGBIN/pg_ctl" -D "$DEMO/$name" -l "$DEMO/$name.log" -w start >/dev/null ||
		die "$name did not start, see $DEMO/$name.log"
	info "started, log in $DEMO/$name.log"
done

# --- private data -------------------------------------------------------------
step "Loading each hospital's private table doctors(dept, salary, years)"
for i in "${!NAMES[@]}"; do
	sql "$i" <<EOS
CREATE TABLE doctors (dept text NOT NULL, salary numeric(10,2), years int);
SELECT setseed(${SEEDS[$i]}) \g /dev/null
INSERT INTO doctors (dept, salary, years)
SELECT dept,
       CASE WHEN g % 97 = 0 THEN NULL      -- a few salaries are unknown
            ELSE round(((base + years * 1850 + noise) * ${PAY[$i]})::numeric, 2) END,
       years
FROM (SELECT g,
             (ARRAY['cardiology','emergency','oncology','pediatrics','radiology'])[1 + g % 5] AS dept,
             (ARRAY[98000, 74000, 91000, 79000, 86000])[1 + g % 5] AS base,
             floor(random() * 36)::int AS years,
             random() * 30000 AS noise
      FROM generate_series(1, ${ROWS[$i]}) g) s
WHERE dept <> '${SKIP[$i]}';
EOS
	info "${NAMES[$i]}: $(sql "$i" -c "SELECT count(*) || ' doctors, ' || count(*) FILTER (WHERE salary IS NULL) || ' without a salary' FROM doctors")"
done

step "Loading each hospital's private bids for surplus vaccine doses, bids(side, price, qty)"
for i in "${!NAMES[@]}"; do
	# buyers bid between 9 and 15 a dose, sellers ask between 8 and 14
	sql "$i" <<EOS
CREATE TABLE bids (side text NOT NULL, price numeric(6,2) NOT NULL, qty numeric(8,0) NOT NULL);
SELECT setseed(${SEEDS[$i]} + 0.5) \g /dev/null
INSERT INTO bids (side, price, qty)
SELECT side, round((CASE side WHEN 'buy' THEN 9 ELSE 8 END + random() * 6)::numeric, 2),
       10 * (1 + floor(random() * 20))
FROM (SELECT CASE WHEN random() < 0.5 THEN 'buy' ELSE 'sell' END AS side
      FROM generate_series(1, ${BIDS[$i]})) s;
EOS
	info "${NAMES[$i]}: $(sql "$i" -c "SELECT count(*) FILTER (WHERE side = 'buy') || ' buy bids (' || coalesce(sum(qty) FILTER (WHERE side = 'buy'), 0) || ' doses), ' || count(*) FILTER (WHERE side = 'sell') || ' sell bids (' || coalesce(sum(qty) FILTER (WHERE side = 'sell'), 0) || ' doses)' FROM bids")"
done

# --- smpc setup ---------------------------------------------------------------
step "Setting up smpc at every hospital: extension, key pair, peer login role, group '$GROUP' (any one hospital alone learns nothing more than the results: max_colluders 1)"
declare -a KEYS
for i in "${!NAMES[@]}"; do
	KEYS[i]=$(sql "$i" <<EOS
CREATE EXTENSION smpc;
SELECT smpc.create_peer_login('peer_login') \g /dev/null
SELECT smpc.create_peer_group('$GROUP', min_parties => 3, max_colluders => 1) \g /dev/null
SELECT smpc.init_node('${NAMES[$i]}');
EOS
)
	[ "${#KEYS[$i]}" = 44 ] || die "${NAMES[$i]}: init_node did not return a public key: ${KEYS[$i]}"
	info "${NAMES[$i]}: public key ${KEYS[$i]} (the secret key stays in $DEMO/${NAMES[$i]}/smpc/)"
done

step "Exchanging public keys: every hospital adds the other two as peers"
for i in "${!NAMES[@]}"; do
	for j in "${!NAMES[@]}"; do
		[ "$i" = "$j" ] && continue
		conninfo="host=$DEMO port=${PORTS[$j]} dbname=postgres user=peer_login"
		sql "$i" -c "SELECT smpc.add_peer('$GROUP', '${NAMES[$j]}', '$conninfo', '${KEYS[$j]}')" >/dev/null
		info "${NAMES[$i]}: add_peer ${NAMES[$j]} ($conninfo)"
	done
done

step "Waiting until every peer is reachable and has proved its key (smpc.peer_status, up to 60 s)"
for i in "${!NAMES[@]}"; do
	ok=
	for _ in $(seq 1 120); do
		if [ "$(sql "$i" -c "SELECT coalesce(bool_and(reachable AND key_verified), false) FROM smpc.peer_status")" = t ]; then
			ok=1
			break
		fi
		sleep 0.5
	done
	if [ -z "$ok" ]; then
		sql "$i" -P footer=off -c "SELECT * FROM smpc.peer_status" -A -F ' | ' || true
		die "${NAMES[$i]}: peers not ready after 60 s; see $DEMO/${NAMES[$i]}.log"
	fi
	info "${NAMES[$i]}: $(sql "$i" -c "SELECT string_agg(peer_name || ' reachable, key verified' || coalesce(' (rtt ' || round(rtt_ms::numeric, 2) || ' ms)', ''), '; ' ORDER BY peer_name) FROM smpc.peer_status")"
done

# --- joint computations -------------------------------------------------------
# Run $1 at the three hospitals at the same time; results into $DEMO/out.<i>.
# $2, if given, runs first in the same session, its output thrown away.
run_joint() {
	local query=$1 prelude=${2:-} i rc=0
	local pids=()
	for i in "${!NAMES[@]}"; do
		if [ -n "$prelude" ]; then
			sql "$i" -F ' ' -P null=NULL -c '\o /dev/null' -c "$prelude" -c '\o' -c "$query" \
				>"$DEMO/out.$i" 2>"$DEMO/err.$i" &
		else
			sql "$i" -F ' ' -P null=NULL -c "$query" >"$DEMO/out.$i" 2>"$DEMO/err.$i" &
		fi
		pids+=($!)
	done
	for i in "${!NAMES[@]}"; do
		if ! wait "${pids[$i]}"; then
			echo "    ${NAMES[$i]} failed: $(cat "$DEMO/err.$i")" >&2
			rc=1
		fi
	done
	return $rc
}

declare -a ROW_LABEL ROW_POOLED
declare -A ROW_AT
nrows=0
# One row of the results table per line of the pooled reference output
# (stdin): "value" for a plain query, "dept value" for the GROUP BY.
add_rows() {
	local title=$1 a b key value i
	while read -r a b; do
		if [ -n "$b" ]; then
			key=$a
			value=$b
			ROW_LABEL[nrows]="${title}[$key]"
		else
			key=""
			value=$a
			ROW_LABEL[nrows]=$title
		fi
		ROW_POOLED[nrows]=$value
		for i in "${!NAMES[@]}"; do
			if [ -n "$key" ]; then
				value=$(awk -v k="$key" '$1 == k { print $2 }' "$DEMO/out.$i")
			else
				value=$(cat "$DEMO/out.$i")
			fi
			# a GROUP BY returns a hospital its own groups only
			if [ -n "$key" ] && ! awk -v k="$key" '$1 == k { f = 1 } END { exit !f }' "$DEMO/out.$i"; then
				value="(no rows here)"
			fi
			ROW_AT[$nrows,$i]=${value:-"(none)"}
		done
		nrows=$((nrows + 1))
	done
}

# Reference: the plain aggregates over the three tables pooled in one
# temporary table, in a separate session, thrown away when it ends.  This
# is what no hospital could compute without the others' rows.
declare -A POOLED_COLUMNS=(
	[doctors]="hospital text, dept text, salary numeric(10,2), years int"
	[bids]="hospital text, side text, price numeric(6,2), qty numeric(8,0)"
)
pooled() {
	local table=$1 query=$2 i
	{
		for i in "${!NAMES[@]}"; do
			sql "$i" -c "COPY (SELECT '${NAMES[$i]}', * FROM $table) TO STDOUT"
		done
	} | sql 0 -F ' ' -P null=NULL \
		-c "CREATE TEMP TABLE $table (${POOLED_COLUMNS[$table]})" \
		-c "COPY $table FROM STDIN" \
		-c "$query"
}

step "Computing jointly, each query on all three servers at the same time"
# salary bands for the histogram: below 80k, 80-100k, ..., 160-180k, 180k and more
BANDS="ARRAY[80000, 100000, 120000, 140000, 160000, 180000]::float8[]"
# title @ joint query (run at every hospital) @ plain query (over the pooled rows)
# [@ a query run first in the joint query's session]
QUERIES=(
	"smpc_avg(salary)@SELECT smpc_avg(salary, '$GROUP') FROM doctors@SELECT avg(salary) FROM doctors"
	"smpc_sum(salary)@SELECT smpc_sum(salary, '$GROUP') FROM doctors@SELECT sum(salary) FROM doctors"
	"smpc_count(salary)@SELECT smpc_count(salary, '$GROUP') FROM doctors@SELECT count(salary) FROM doctors"
	"avg/max by dept@SELECT dept, round(smpc_avg(salary, '$GROUP'), 2) || '/' || smpc_max(salary, '$GROUP') FROM doctors GROUP BY dept ORDER BY dept@SELECT dept, CASE WHEN count(DISTINCT hospital) >= 3 THEN round(avg(salary), 2) || '/' || max(salary) END FROM doctors GROUP BY dept ORDER BY dept"
	"group_results() avg@SELECT key[1], result FROM smpc.group_results() WHERE aggregate = 'smpc_avg' ORDER BY 1@SELECT dept, CASE WHEN count(DISTINCT hospital) >= 3 THEN avg(salary)::text END FROM doctors GROUP BY dept ORDER BY dept@SELECT dept, smpc_avg(salary, '$GROUP'), smpc_count(salary, '$GROUP') FROM doctors GROUP BY dept"
	"smpc_stddev(salary)@SELECT smpc_stddev(salary, '$GROUP') FROM doctors@SELECT stddev(salary) FROM doctors"
	"salary bands@SELECT smpc_histogram(salary, '$GROUP', $BANDS) FROM doctors@SELECT array_agg(coalesce(c, 0) ORDER BY b) FROM generate_series(0, 6) b LEFT JOIN (SELECT width_bucket(salary::float8, $BANDS) AS w, count(*) AS c FROM doctors WHERE salary IS NOT NULL GROUP BY 1) s ON s.w = b"
	"smpc_max(salary)@SELECT smpc_max(salary, '$GROUP') FROM doctors@SELECT max(salary) FROM doctors"
	"smpc_min(years)@SELECT smpc_min(years, '$GROUP') FROM doctors@SELECT min(years) FROM doctors"
	"salary quartiles (disc)@SELECT smpc_percentile_disc(ARRAY[0.25, 0.5, 0.75], '$GROUP') WITHIN GROUP (ORDER BY salary) FROM doctors@SELECT percentile_disc(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY salary) FROM doctors"
	"salary quartiles (cont)@SELECT smpc_percentile_cont(ARRAY[0.25, 0.75], '$GROUP') WITHIN GROUP (ORDER BY salary::float8) FROM doctors@SELECT percentile_cont(ARRAY[0.25, 0.75]) WITHIN GROUP (ORDER BY salary::float8) FROM doctors"
	"smpc_median(salary)@SELECT smpc_median(salary, '$GROUP') FROM doctors@SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY salary) FROM doctors"
)
# the auction's price grid: 8.00 to 15.00 a dose in steps of 0.25
GRID="'{$(awk 'BEGIN { for (p = 800; p <= 1500; p += 25) printf "%s%.2f", (p > 800 ? "," : ""), p / 100 }')}'::numeric[]"
# The clearing price by its definition: the smallest grid price p at which
# supply (sell bids asking p or less) meets demand (buy bids offering p or more).
AUCTION=(
	"clearing price@SELECT smpc_clearing_price(side, price, qty, '$GROUP', $GRID) FROM bids@SELECT min(p) FROM unnest($GRID) p WHERE (SELECT coalesce(sum(qty), 0) FROM bids WHERE side = 'sell' AND price <= p) >= (SELECT coalesce(sum(qty), 0) FROM bids WHERE side = 'buy' AND price >= p)"
)
# run_queries TABLE QUERY...: each joint query at all three hospitals, then
# its plain query over the pooled copies of TABLE
run_queries() {
	local table=$1 q title joint plain prelude t0 t1
	shift
	for q in "$@"; do
		IFS='@' read -r title joint plain prelude <<<"$q"
		[ -n "$prelude" ] && info "$prelude"
		info "$joint"
		t0=$(date +%s.%N)
		run_joint "$joint" "$prelude" || die "the joint computation failed; see $DEMO/<hospital>.log"
		t1=$(date +%s.%N)
		info "  answered at all three hospitals in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
		pooled "$table" "$plain" >"$DEMO/pooled.out" || die "the pooled reference query failed"
		add_rows "$title" <"$DEMO/pooled.out"
	done
}
run_queries doctors "${QUERIES[@]}"
info "The auction: each hospital's bids for vaccine doses, grid of prices 8.00 to 15.00 in steps of 0.25"
run_queries bids "${AUCTION[@]}"

# --- results ------------------------------------------------------------------
step "Joint results as each hospital sees them, beside the plain aggregate over all rows pooled"
info "(the pooled column exists only to prove correctness: the demo copies the three tables"
info " into one temporary table; smpc never sends a row or a hospital's own subtotal)"
echo
fmt="%-24s %-26s %-26s %-26s %-26s %s\n"
# shellcheck disable=SC2059
printf "$fmt" aggregate "${NAMES[@]}" "pooled (plain SQL)" check
# shellcheck disable=SC2059
printf "$fmt" "$(printf '%.0s-' {1..24})" "$(printf '%.0s-' {1..26})" "$(printf '%.0s-' {1..26})" \
	"$(printf '%.0s-' {1..26})" "$(printf '%.0s-' {1..26})" "--------"
mismatches=0
for r in $(seq 0 $((nrows - 1))); do
	verdict=MATCH
	for i in "${!NAMES[@]}"; do
		[ "${ROW_AT[$r,$i]}" = "${ROW_POOLED[$r]}" ] && continue
		# a hospital without a department has no row of its own for it
		[ "${ROW_AT[$r,$i]}" = "(no rows here)" ] && [ "${ROW_LABEL[$r]}" = "avg/max by dept[${SKIP[$i]}]" ] && continue
		verdict=MISMATCH
	done
	[ "$verdict" = MATCH ] || mismatches=$((mismatches + 1))
	# shellcheck disable=SC2059
	printf "$fmt" "${ROW_LABEL[$r]}" "${ROW_AT[$r,0]}" "${ROW_AT[$r,1]}" "${ROW_AT[$r,2]}" \
		"${ROW_POOLED[$r]}" "$verdict"
done

echo
info "${NAMES[2]} has no ${SKIP[2]} department: its own GROUP BY has no row for it, and"
info "smpc.group_results() shows it the joint result of every department.  With only two"
info "hospitals having ${SKIP[2]}, min_parties 3 withholds that result (NULL) from everyone."

step "What each hospital recorded in smpc.history"
for i in "${!NAMES[@]}"; do
	for _ in $(seq 1 40); do	# one row per computation, written shortly after it
		[ "$(sql "$i" -c "SELECT count(*) >= $((${#QUERIES[@]} + ${#AUCTION[@]})) FROM smpc.history")" = t ] && break
		sleep 0.25
	done
	info "${NAMES[$i]}: $(sql "$i" -c "SELECT count(*) FILTER (WHERE status = 'succeeded') || ' succeeded, ' || count(*) FILTER (WHERE status <> 'succeeded') || ' not; participants ' || coalesce(max(participants::text), '-') FROM smpc.history")"
done

echo
if [ "$mismatches" = 0 ]; then
	echo "demo: all $nrows joint results MATCH the plain aggregates over the pooled data"
else
	echo "demo: $mismatches of $nrows joint results MISMATCH" >&2
	exit 1
fi
