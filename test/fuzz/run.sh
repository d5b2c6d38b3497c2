#!/bin/bash
# Fuzz the message decoder (src/codec.c) and the protocol's message handling
# (src/protocol.c) with libFuzzer.
#
# Builds test/fuzz/fuzz_codec.c and test/fuzz/fuzz_protocol.c with clang
# (-fsanitize=fuzzer,address,undefined), writes a starting corpus for the
# decoder made with the project's own encoders (test/fuzz/seeds.c) and a
# few scripts for the protocol (deliver everything, with time passing), and
# runs each fuzzer for SMPC_FUZZ_SECONDS (default 60).  Needs clang and
# libclang-rt-14-dev (Debian 12), libsodium-dev and postgresql-server-dev-15.
# Runs as any user.
#
# It prints one line per target, "fuzz: decoder, N runs in S s, 0 crashes"
# and "fuzz: protocol, ..." on success; the exit status is non-zero if a
# build fails or a fuzzer finds a crash, a leak or a broken property (the
# input is kept in the work directory, SMPC_FUZZ_DIR, default a new one
# under /tmp).
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

mkdir -p "$WORK/corpus" "$WORK/crashes" "$WORK/protocol-corpus" "$WORK/protocol-crashes"
"$CC" "${CFLAGS[@]}" -o "$WORK/seeds" "$HERE/seeds.c" "${SRCS[@]}" "${LIBS[@]}"
"$CC" "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-o "$WORK/fuzz_codec" "$HERE/fuzz_codec.c" "${SRCS[@]}" "${LIBS[@]}"
"$CC" "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-o "$WORK/fuzz_protocol" "$HERE/fuzz_protocol.c" "$REPO/src/protocol.c" "$REPO/src/search.c" "$REPO/src/batch.c" "$REPO/src/engine.c" "${SRCS[@]}" "${LIBS[@]}"
"$WORK/seeds" "$WORK/corpus" >/dev/null
# protocol scripts: pairs of (action, argument); 0 delivers, 4 lets time pass
# (the first byte modulo 4: a sum, a maximum, a GROUP BY with the union of
# the keys, a GROUP BY with declared keys)
for kind in sum max union declared; do
	case $kind in
		sum) first='\000' ;;
		max) first='\001' ;;
		union) first='\002' ;;
		declared) first='\003' ;;
	esac
	{ printf "$first"; head -c 1200 /dev/zero; } >"$WORK/protocol-corpus/$kind-deliver-all"
	{ printf "$first"; for i in $(seq 300); do printf '\000\000\004\001'; done; } >"$WORK/protocol-corpus/$kind-deliver-slowly"
	{ printf "$first"; for i in $(seq 200); do printf '\000\001\002\021\005'; done; } >"$WORK/protocol-corpus/$kind-deliver-changed"
done

failed=0
# fuzz_one NAME BINARY CORPUS CRASHES MAX_LEN
fuzz_one() {
	local name=$1 bin=$2 corpus=$3 crashes=$4 maxlen=$5 rc runs secs ncrash
	set +e
	"$bin" -max_total_time="$SECS" -max_len="$maxlen" -rss_limit_mb=1024 \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/" \
		"$corpus" >"$WORK/fuzz-$name.log" 2>&1
	rc=$?
	set -e
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$WORK/fuzz-$name.log" | tail -1)
	secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$WORK/fuzz-$name.log" | tail -1)
	ncrash=$(find "$crashes" -type f | wc -l)
	if [ "$rc" != 0 ] || [ -z "$runs" ] || [ "$ncrash" != 0 ]; then
		tail -n 40 "$WORK/fuzz-$name.log"
		echo "fuzz: $name, FAILED (exit status $rc, $ncrash crash inputs in $crashes)"
		failed=1
		return
	fi
	echo "fuzz: $name, $runs runs in $secs s, 0 crashes (corpus $(find "$corpus" -type f | wc -l) inputs)"
}
fuzz_one decoder "$WORK/fuzz_codec" "$WORK/corpus" "$WORK/crashes" 20480
fuzz_one protocol "$WORK/fuzz_protocol" "$WORK/protocol-corpus" "$WORK/protocol-crashes" 4096
exit $failed
