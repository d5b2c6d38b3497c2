#!/bin/bash
# Build and run the stand-alone unit test programs of test/unit/.
#
# Every test/unit/test_*.c is one program, built with gcc (-O2 -Wall
# -Wextra -Werror) against PostgreSQL's server headers and libpgcommon.a /
# libpgport.a (palloc outside the server) and libsodium, together with the
# project sources named on its " * sources:" comment line (paths from the
# repository root).  Each program prints "unit: NAME, N passed, M failed"
# last; this script prints those lines and exits non-zero if a build or a
# program fails.
#
#     bash test/unit/run.sh             build and run every test_*.c
#     bash test/unit/run.sh --bench     build and run every bench_*.c instead
#
# Environment: PG_CONFIG (default Debian's PostgreSQL 15), SMPC_UNIT_DIR
# (build directory, default a new one under /tmp), SMPC_UNIT_SEED (passed to
# every test program; default: each picks and prints one).  Runs as any user.
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${SMPC_UNIT_DIR:-$(mktemp -d /tmp/smpc-unit.XXXXXX)}
if [ -z "${PG_CONFIG:-}" ]; then
	PG_CONFIG=pg_config
	[ -x /usr/lib/postgresql/15/bin/pg_config ] && PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
fi
prefix=test_
if [ "${1:-}" = --bench ]; then
	prefix=bench_
fi

INC=$("$PG_CONFIG" --includedir-server)
PKGLIB=$("$PG_CONFIG" --pkglibdir)
LIBS=("$PKGLIB/libpgcommon.a" "$PKGLIB/libpgport.a" -lsodium -lm)
# SMPC_ENGINE_TRACE: the engine's hook that shows the tests what it opens
CFLAGS=(-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-function
	-DSMPC_ENGINE_TRACE -I"$INC" -I"$REPO/src" -I"$HERE")
mkdir -p "$WORK"

status=0
summaries=()
for src in "$HERE"/"$prefix"*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	# the project sources this program needs, from its " * sources:" line
	read -r -a srcs <<<"$(sed -n 's/^ \* sources: *//p' "$src" | head -1)"
	paths=()
	for s in "${srcs[@]}"; do
		paths+=("$REPO/$s")
	done
	if ! gcc "${CFLAGS[@]}" -o "$WORK/$name" "$src" "${paths[@]}" "${LIBS[@]}"; then
		summaries+=("unit: $name, 0 passed, 1 failed (the build failed)")
		status=1
		continue
	fi
	set +e
	if [ "$prefix" = test_ ] && [ -n "${SMPC_UNIT_SEED:-}" ]; then
		"$WORK/$name" "$SMPC_UNIT_SEED" >"$WORK/$name.out" 2>&1
	else
		"$WORK/$name" >"$WORK/$name.out" 2>&1
	fi
	rc=$?
	set -e
	if [ "$prefix" = bench_ ]; then
		cat "$WORK/$name.out"
		[ "$rc" = 0 ] || status=1
		continue
	fi
	line=$(grep -E '^unit: ' "$WORK/$name.out" | tail -1 || true)
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		# the failures and the seed, to replay
		grep -E '^(not ok|# seed)' "$WORK/$name.out" | head -n 40 || true
		tail -n 5 "$WORK/$name.out" | grep -v "^unit: " || true
		[ -n "$line" ] || line="unit: $name, 0 passed, 1 failed (exit status $rc, no summary)"
		status=1
	fi
	summaries+=("$line")
done
if [ "$prefix" = test_ ]; then
	[ "${#summaries[@]}" -gt 0 ] || { echo "unit: no test programs in $HERE"; exit 1; }
	printf '%s\n' "${summaries[@]}"
fi
exit "$status"
