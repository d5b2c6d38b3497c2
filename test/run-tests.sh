#!/bin/bash
# Run every smpc test: build the production library and check it, then
# build and install the test build (make SMPC_TEST_BUILD=1, which has the
# setting smpc.fault_injection that the fault tests need), then run the
# pg_regress suite (single node, temporary instance) and the TAP suite
# (several real servers) with "make installcheck", then fuzz the message
# decoder and the protocol's message handling with libFuzzer for a minute
# each (test/fuzz/run.sh), then run the stand-alone unit programs
# (test/unit/run.sh).
#
# Usage, from the repository root on Debian 12, as root (sudo is not
# needed, and not used when the caller is root):
#     bash test/run-tests.sh
# A caller who is not root is re-run through sudo when sudo exists.
#
# Environment:
#     SMPC_SKIP_APT=1      do not apt-get install the build and test packages
#     CI=true              build with -Werror
#     SMPC_TEST_DIR=dir    scratch copy of the tree (default /tmp/smpc-tests)
#     SMPC_PROVE_TESTS=... run only these TAP files, e.g. test/t/001_three_nodes.pl
#     PROVE_FLAGS=...      extra flags for prove, e.g. --verbose
#     SMPC_FUZZ_SECONDS=n  how long to fuzz each target (default 60; 0 skips it)
#
# PostgreSQL refuses to run as root, so the tests run as the "postgres" OS
# user in a copy of the tree that it owns.  The Debian default cluster (if
# any) is left alone: every test starts its own temporary servers.
#
# The last line is always "tests: N passed, M failed", where N counts the
# passed pg_regress tests plus the passed TAP assertions, plus one for each
# fuzzed target (decoder, protocol) and for each unit program, one for the
# check of the symbols smpc.so exports, one for the check that no module of
# src/ imports another in a circle (test/check-modules.sh) and one for the
# check that the production build has no fault injection.  The exit status
# is 0 only when nothing failed.
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
WORK=${SMPC_TEST_DIR:-/tmp/smpc-tests}
PACKAGES="postgresql-15 postgresql-server-dev-15 libsodium-dev postgresql-15-cron libipc-run-perl make gcc openssl clang libclang-rt-14-dev"

# English messages and a locale that exists on every Debian system, so
# the expected outputs match whatever the caller's locale is.
export LC_ALL=C.UTF-8 LANG=C.UTF-8 LANGUAGE=
# Connection settings of the caller must not leak into the test servers.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGDATA PGOPTIONS PGPASSWORD || true

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo SMPC_SKIP_APT="${SMPC_SKIP_APT:-}" CI="${CI:-}" SMPC_TEST_DIR="$WORK" \
			SMPC_PROVE_TESTS="${SMPC_PROVE_TESTS:-}" PROVE_FLAGS="${PROVE_FLAGS:-}" \
			SMPC_FUZZ_SECONDS="${SMPC_FUZZ_SECONDS:-}" \
			bash "$(readlink -f "$0")" "$@"
	fi
	echo "run-tests.sh: must be run as root (as root: bash test/run-tests.sh; or install sudo)" >&2
	exit 2
fi

log() { printf '\n==> %s\n' "$*"; }

regress_passed=0
regress_failed=0
tap_passed=0
tap_failed=0
fuzz_passed=0
fuzz_failed=0
unit_passed=0
unit_failed=0
exports_passed=0
exports_failed=0
faults_passed=0
faults_failed=0
modules_passed=0
modules_failed=0
other_failed=0

summary() {
	local passed=$((regress_passed + tap_passed + fuzz_passed + unit_passed + exports_passed + faults_passed + modules_passed))
	local failed=$((regress_failed + tap_failed + fuzz_failed + unit_failed + exports_failed + faults_failed + modules_failed + other_failed))
	echo
	# the runners' own summary lines again, next to ours
	if [ -f "$WORK/run-regress.out" ]; then
		grep -E 'All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed' "$WORK/run-regress.out" | sed 's/^ *//; s/ *$//' | sed 's/^/pg_regress: /' || true
	fi
	if [ -f "$WORK/run-tap.out" ]; then
		grep -E '^(Files=[0-9]+, Tests=|Result: )' "$WORK/run-tap.out" | sed 's/^/prove: /' || true
	fi
	if [ -f "$WORK/run-fuzz.out" ]; then
		grep -E '^fuzz: ' "$WORK/run-fuzz.out" || true
	fi
	if [ -f "$WORK/run-unit.out" ]; then
		grep -E '^unit: ' "$WORK/run-unit.out" || true
	fi
	echo "pg_regress: $regress_passed passed, $regress_failed failed; TAP assertions: $tap_passed passed, $tap_failed failed; fuzzing: $fuzz_passed passed, $fuzz_failed failed; unit programs: $unit_passed passed, $unit_failed failed; exported symbols: $exports_passed passed, $exports_failed failed; no faults in the production build: $faults_passed passed, $faults_failed failed; modules without circles: $modules_passed passed, $modules_failed failed"
	echo "tests: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# A step that cannot be counted as tests (packages, build) failed: report
# and stop.
abort() {
	echo "run-tests.sh: $*" >&2
	other_failed=$((other_failed + 1))
	summary || true
	exit 1
}

# outputs of an earlier run must not be mistaken for this one's
rm -f "$WORK/run-regress.out" "$WORK/run-tap.out" "$WORK/run-fuzz.out" "$WORK/run-unit.out"

# --- 1. packages -----------------------------------------------------------
if [ "${SMPC_SKIP_APT:-}" = 1 ]; then
	log "Skipping the package installation (SMPC_SKIP_APT=1)"
else
	log "Installing packages: $PACKAGES"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update || abort "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y $PACKAGES || abort "apt-get install failed"
fi
# Debian's /usr/bin/pg_config picks the newest server-dev package; use 15's.
if [ -z "${PG_CONFIG:-}" ]; then
	PG_CONFIG=pg_config
	[ -x /usr/lib/postgresql/15/bin/pg_config ] && PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
fi
export PG_CONFIG
for cmd in "$PG_CONFIG" make gcc nm strings runuser prove; do
	command -v "$cmd" >/dev/null 2>&1 || abort "$cmd not found; install the packages or unset SMPC_SKIP_APT"
done
id postgres >/dev/null 2>&1 || abort "there is no \"postgres\" OS user; install postgresql-15"
PG_MAJOR=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
[ "$PG_MAJOR" = 15 ] || abort "pg_config is for PostgreSQL ${PG_MAJOR:-?}, need 15 (set PATH to /usr/lib/postgresql/15/bin first)"

# --- 2. build and install --------------------------------------------------
make_flags=(PG_CONFIG="$PG_CONFIG")
if [ "${CI:-}" = true ]; then
	make_flags+=(SMPC_EXTRA_CFLAGS=-Werror)
fi
log "Building the production library (make ${make_flags[*]})"
make -C "$REPO" "${make_flags[@]}" || abort "the build failed"
# smpc.so exports only what PostgreSQL looks up and smpc_-prefixed names
# (src/exports.map), so its helpers never clash with another library's
log "Checking the symbols smpc.so exports"
bad_symbols=$(nm -D --defined-only "$REPO/smpc.so" | awk '{print $3}' |
	grep -Ev '^(Pg_magic_func|_PG_init|pg_finfo_smpc_.*|smpc_.*)$' || true)
if [ -z "$bad_symbols" ]; then
	echo "exports: smpc.so exports only Pg_magic_func, _PG_init and smpc_ symbols"
	exports_passed=1
else
	echo "exports: smpc.so exports symbols without the smpc_ prefix:" $bad_symbols
	exports_failed=1
fi
# no module of src/ imports another in a circle
log "Checking the imports between the modules of src/"
if bash "$REPO/test/check-modules.sh"; then
	modules_passed=1
else
	modules_failed=1
fi
# the production build has neither the setting smpc.fault_injection nor
# the fault code (its log messages); the test build has both, which shows
# that the check would see them
log "Checking that the production library has no fault injection"
fault_strings() {
	strings "$REPO/smpc.so" | grep -cE 'fault_injection|fault injection' || true
}
production_faults=$(fault_strings)
log "Building the test build, with smpc.fault_injection (make SMPC_TEST_BUILD=1 ${make_flags[*]})"
make -C "$REPO" SMPC_TEST_BUILD=1 "${make_flags[@]}" || abort "the test build failed"
test_faults=$(fault_strings)
if [ "$production_faults" = 0 ] && [ "$test_faults" -gt 0 ]; then
	echo "faults: the production smpc.so has no fault injection (the test build has $test_faults traces of it)"
	faults_passed=1
else
	echo "faults: $production_faults traces of fault injection in the production smpc.so, $test_faults in the test build (want 0 and more than 0)"
	faults_failed=1
fi
log "Installing the test build (make SMPC_TEST_BUILD=1 install); the tests below run it"
make -C "$REPO" PG_CONFIG="$PG_CONFIG" SMPC_TEST_BUILD=1 install || abort "make install failed"

# --- 3. scratch copy owned by postgres -------------------------------------
log "Copying the tree to $WORK (owned by postgres)"
case "$WORK" in
	/ | /tmp | /tmp/ | "$REPO" | "$REPO"/) abort "refusing to use $WORK as the scratch directory" ;;
esac
rm -rf "$WORK"
mkdir -p "$WORK"
tar -C "$REPO" -cf - \
	--exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
	--exclude=./results --exclude=./tmp_check --exclude=./tmp_check_regress \
	--exclude=./log --exclude=./regression.diffs --exclude=./regression.out . |
	tar -C "$WORK" -xf -
chown -R postgres: "$WORK"

as_postgres() {
	# cd first: the caller's directory may not be readable by postgres
	(cd "$WORK" && runuser -u postgres -- "$@")
}

# --- 4. pg_regress ---------------------------------------------------------
log "pg_regress suite (make installcheck, temporary instance)"
set +e
as_postgres make -C "$WORK" PG_CONFIG="$PG_CONFIG" installcheck TAP_TESTS= 2>&1 | tee "$WORK/run-regress.out"
regress_rc=${PIPESTATUS[0]}
set -e

if line=$(grep -Eo 'All [0-9]+ tests passed' "$WORK/run-regress.out" | tail -1) && [ -n "$line" ]; then
	regress_passed=$(echo "$line" | grep -Eo '[0-9]+')
elif line=$(grep -Eo '[0-9]+ of [0-9]+ tests failed' "$WORK/run-regress.out" | tail -1) && [ -n "$line" ]; then
	regress_failed=$(echo "$line" | awk '{print $1}')
	regress_passed=$(($(echo "$line" | awk '{print $3}') - regress_failed))
else
	# no summary (the instance did not start, ...): count the test lines
	regress_passed=$(grep -Ec '\.\.\. ok ' "$WORK/run-regress.out" || true)
	regress_failed=$(grep -Ec '\.\.\. FAILED' "$WORK/run-regress.out" || true)
fi
if [ "$regress_rc" != 0 ] && [ "$regress_failed" = 0 ]; then
	regress_failed=1
fi

if [ "$regress_rc" != 0 ]; then
	if [ -s "$WORK/regression.diffs" ]; then
		log "pg_regress failed; regression.diffs:"
		cat "$WORK/regression.diffs"
	else
		log "pg_regress failed (exit status $regress_rc) without regression.diffs"
	fi
	# pg_regress keeps the temporary instance's logs in ./log
	l="$WORK/log/postmaster.log"
	[ -s "$l" ] || l="$WORK/log/initdb.log"
	if [ -s "$l" ]; then
		log "Tail of ${l#"$WORK"/}:"
		tail -n 60 "$l"
	fi
fi

# --- 5. TAP ----------------------------------------------------------------
log "TAP suite (make installcheck, one set of servers per test file)"
tap_args=(PG_CONFIG="$PG_CONFIG" REGRESS=)
if [ -n "${SMPC_PROVE_TESTS:-}" ]; then
	tap_args+=("PROVE_TESTS=$SMPC_PROVE_TESTS")
fi
if [ -n "${PROVE_FLAGS:-}" ]; then
	tap_args+=("PROVE_FLAGS=$PROVE_FLAGS")
fi
set +e
as_postgres make -C "$WORK" installcheck "${tap_args[@]}" 2>&1 | tee "$WORK/run-tap.out"
tap_rc=${PIPESTATUS[0]}
set -e

# prove: "Files=5, Tests=123, ..." counts every assertion that ran; the
# "Test Summary Report" has one line per failed file with its failed count.
tap_total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$WORK/run-tap.out" | tail -1)
tap_total=${tap_total:-0}
failed_files=()
while read -r file failed; do
	failed_files+=("$file")
	if [ "$failed" -gt 0 ]; then
		tap_failed=$((tap_failed + failed))
	else
		tap_failed=$((tap_failed + 1))	# died or bad plan without a failed assertion
	fi
done < <(sed -n 's/^\([^ ]*\.pl\) *(Wstat: .* Tests: [0-9]* Failed: \([0-9]*\)).*/\1 \2/p' "$WORK/run-tap.out")
tap_passed=$((tap_total - $(sed -n 's/^[^ ]*\.pl *(Wstat: .* Tests: [0-9]* Failed: \([0-9]*\)).*/\1/p' "$WORK/run-tap.out" | awk '{s += $1} END {print s + 0}')))
[ "$tap_passed" -ge 0 ] || tap_passed=0
if [ "$tap_rc" != 0 ] && [ "$tap_failed" = 0 ]; then
	tap_failed=1
fi

if [ "$tap_rc" != 0 ]; then
	log "TAP tests failed (exit status $tap_rc)"
	logs=()
	if [ -d "$WORK/tmp_check/log" ]; then
		for f in "${failed_files[@]}"; do
			base=$(basename "$f" .pl)
			for l in "$WORK"/tmp_check/log/*"$base"*; do
				[ -f "$l" ] && logs+=("$l")
			done
		done
		if [ "${#logs[@]}" = 0 ]; then
			for l in "$WORK"/tmp_check/log/*; do
				[ -f "$l" ] && logs+=("$l")
			done
		fi
	fi
	for l in "${logs[@]}"; do
		log "Tail of ${l#"$WORK"/}:"
		tail -n 80 "$l"
	done
	[ "${#logs[@]}" != 0 ] || echo "(no logs under $WORK/tmp_check/log)"
fi

# --- 6. fuzzing ------------------------------------------------------------
fuzz_seconds=${SMPC_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" = 0 ]; then
	log "Skipping the fuzzing (SMPC_FUZZ_SECONDS=0)"
else
	log "Fuzzing the message decoder and the protocol for ${fuzz_seconds}s each (test/fuzz/run.sh)"
	set +e
	as_postgres env PG_CONFIG="$PG_CONFIG" SMPC_FUZZ_SECONDS="$fuzz_seconds" \
		SMPC_FUZZ_DIR="$WORK/fuzz" bash "$WORK/test/fuzz/run.sh" 2>&1 | tee "$WORK/run-fuzz.out"
	fuzz_rc=${PIPESTATUS[0]}
	set -e
	# one line per target: "fuzz: NAME, N runs in S s, 0 crashes" or "..., FAILED"
	fuzz_passed=$(grep -cE '^fuzz: [a-z]+, [0-9]+ runs in .*, 0 crashes' "$WORK/run-fuzz.out" || true)
	fuzz_failed=$(grep -cE '^fuzz: [a-z]+, FAILED' "$WORK/run-fuzz.out" || true)
	if [ "$fuzz_rc" != 0 ] && [ "$fuzz_failed" = 0 ]; then
		fuzz_failed=1
	fi
fi

# --- 7. unit programs -----------------------------------------------------
log "Unit programs (test/unit/run.sh)"
set +e
as_postgres env PG_CONFIG="$PG_CONFIG" SMPC_UNIT_DIR="$WORK/unit" \
	bash "$WORK/test/unit/run.sh" 2>&1 | tee "$WORK/run-unit.out"
unit_rc=${PIPESTATUS[0]}
set -e
# each program's last line: "unit: NAME, N passed, M failed"
# each program counts as one test (its own line gives its number of checks)
unit_passed=$(grep -cE '^unit: [^,]*, [0-9]+ passed, 0 failed' "$WORK/run-unit.out" || true)
unit_failed=$(grep -E '^unit: [^,]*, [0-9]+ passed, [0-9]+ failed' "$WORK/run-unit.out" | grep -cvE ', 0 failed' || true)
if [ "$unit_rc" != 0 ] && [ "$unit_failed" = 0 ]; then
	unit_failed=1
fi

echo
echo "Outputs and logs are in $WORK (run-regress.out, run-tap.out, run-fuzz.out, run-unit.out; on failure regression.diffs, tmp_check/log, fuzz/ and unit/)."
summary
