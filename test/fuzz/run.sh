#!/bin/bash
# Fuzz the message decoder (src/codec.c) with libFuzzer.
#
# Builds test/fuzz/fuzz_codec.c with clang (-fsanitize=fuzzer,address,
# undefined), writes a starting corpus made with the project's own encoders
# (test/fuzz/seeds.c), and runs the fuzzer for SMPC_FUZZ_SECONDS (default
# 60).  Needs clang and libclang-rt-14-dev (Debian 12), libsodium-dev and
# postgresql-server-dev-15.  Runs as any user.
#
# The last line is "fuzz: decoder, N runs in S s, 0 crashes" on success;
# the exit status is non-zero if the build fails or the fuzzer finds a
# crash, a leak or a broken property (the input is kept in the work
# directory, SMPC_FUZZ_DIR, default a new one under /tmp).
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SECS=${SMPC_FUZZ_SECONDS:-60}
WORK=${SMPC_FUZZ_DIR:-$(mktemp -d /tmp/smpc-fuzz.XXXXXX)}
if [ -z "${PG_CONFIG:-}" ]; then
	PG_CONFIG=pg_config
	[ -x /usr/lib/postgresql/15/bin/pg_config ] && PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
fi
CC=${SMPC_FUZZ_CC:-clang}

command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not found (install clang and libclang-rt-14-dev)" >&2; exit 1; }
INC=$("$PG_CONFIG" --includedir-server)
PKGLIB=$("$PG_CONFIG" --pkglibdir)
LIBS=("$PKGLIB/libpgcommon.a" "$PKGLIB/libpgport.a" -lsodium -lm)
SRCS=("$REPO/src/codec.c" "$REPO/src/field.c")
CFLAGS=(-g -O1 -I"$INC" -I"$REPO/src" -Wno-ignored-attributes)

mkdir -p "$WORK/corpus" "$WORK/crashes"
"$CC" "${CFLAGS[@]}" -o "$WORK/seeds" "$HERE/seeds.c" "${SRCS[@]}" "${LIBS[@]}"
"$CC" "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-o "$WORK/fuzz_codec" "$HERE/fuzz_codec.c" "${SRCS[@]}" "${LIBS[@]}"
"$WORK/seeds" "$WORK/corpus" >/dev/null

set +e
"$WORK/fuzz_codec" -max_total_time="$SECS" -max_len=20480 -rss_limit_mb=1024 \
	-timeout=10 -print_final_stats=1 -artifact_prefix="$WORK/crashes/" \
	"$WORK/corpus" >"$WORK/fuzz.log" 2>&1
rc=$?
set -e

runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$WORK/fuzz.log" | tail -1)
secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$WORK/fuzz.log" | tail -1)
crashes=$(find "$WORK/crashes" -type f | wc -l)
if [ "$rc" != 0 ] || [ -z "$runs" ] || [ "$crashes" != 0 ]; then
	tail -n 40 "$WORK/fuzz.log"
	echo "fuzz: decoder, FAILED (exit status $rc, $crashes crash inputs in $WORK/crashes)"
	exit 1
fi
echo "fuzz: decoder, $runs runs in $secs s, 0 crashes (corpus $(find "$WORK/corpus" -type f | wc -l) inputs)"
