#!/bin/bash
# Check that no module of src/ imports another in a circle.
#
# A module is one src/x.c; its header is src/x.h.  The graph has an edge
# from module a to module b when
#   - a.c includes b.h itself (b.h belongs to b.c), or
#   - a.c uses (outside comments) a function or variable that b.c defines
#     and that a header a.c sees (directly or through other headers)
#     declares.  This is how shared headers such as smpc.h, which declare
#     what several modules define, count: as what they declare.
# Definitions are found in PostgreSQL's layout: a function's name starts its
# line, a global variable's definition is a line of its own at the left
# margin.  The graph is sorted with tsort(1), which names any circle.
#
# Prints the edges with -v.  The last line is "modules: N modules, M
# imports, no circle" (exit status 0) or names the circle (exit status 1).
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC=${1:-$HERE/../src}
VERBOSE=${SMPC_MODULES_VERBOSE:-0}
[ "${1:-}" = -v ] && { VERBOSE=1; SRC=$HERE/../src; }
CC=${CC:-cc}
WORK=$(mktemp -d /tmp/smpc-modules.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cd "$SRC"

# The source without comments and without the text of string literals
# (a worker's entry point is named in a string, which is no import).
strip() {
	{ "$CC" -fpreprocessed -dD -E -P -x c "$1" 2>/dev/null || cat "$1"; } |
		sed -E 's/"([^"\\]|\\.)*"/""/g'
}

# where each function and global variable is defined: "name module"
for c in *.c; do
	m=${c%.c}
	strip "$c" | awk -v m="$m" '
		/^[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/ {
			name = $0; sub(/[ \t]*\(.*/, "", name)
			if (prev !~ /^static([ \t]|$)/) print name, m
			prev = $0; next
		}
		{ keep = prev; prev = $0 }
		/^(extern|static|typedef|PG_MODULE_MAGIC|PG_FUNCTION_INFO)/ { next }
		/^[A-Za-z_][A-Za-z0-9_ \t*]*[ \t*][A-Za-z_][A-Za-z0-9_]*[ \t]*(=|;|\[)/ && !/\(/ {
			s = $0; sub(/[ \t]*(=|;|\[).*/, "", s); n = split(s, w, /[ \t*]+/); print w[n], m
		}'
done | sort -u >"$WORK/defs"

# what each header declares: "header name"
for h in *.h; do
	strip "$h" | tr '\n' ' ' | sed 's/;/;\n/g' | { grep -E '^[[:space:]]*extern[[:space:]]' || true; } |
		sed -E 's/\(\*([A-Za-z_][A-Za-z0-9_]*)\).*/ \1 /; s/\(.*//; s/\[.*//; s/[;=].*//' |
		awk -v h="$h" '{ gsub(/\*/, " "); print h, $NF }'
done | sort -u >"$WORK/decls"

# A header counts by inclusion when what it declares is defined in its own
# x.c only; a shared header (smpc.h declares what several modules define)
# counts only by the declarations a file uses.
owned_header() {
	local b=${1%.h}
	[ -f "$b.c" ] || return 1
	! awk -v h="$1" '$1 == h { print $2 }' "$WORK/decls" | sort -u |
		join - "$WORK/defs" | awk -v b="$b" '$2 != b { found = 1 } END { exit !found }'
}

# the headers of src/ a file includes directly
includes() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1" |
		while read -r h; do if [ -f "$h" ]; then echo "$h"; fi; done
}

# ... and through other headers
closure() {
	local queue seen h i
	queue=$(includes "$1")
	seen=""
	while [ -n "$queue" ]; do
		h=$(echo "$queue" | head -1)
		queue=$(echo "$queue" | tail -n +2)
		case " $seen " in *" $h "*) continue ;; esac
		seen="$seen $h"
		for i in $(includes "$h"); do queue=$(printf '%s\n%s' "$queue" "$i"); done
		queue=$(echo "$queue" | sed '/^$/d')
	done
	echo $seen | tr ' ' '\n'
}

: >"$WORK/edges"
nmod=0
for c in *.c; do
	m=${c%.c}
	nmod=$((nmod + 1))
	echo "$m $m" >>"$WORK/edges"	# every module is a node
	for h in $(includes "$c"); do
		b=${h%.h}
		if [ "$b" != "$m" ] && owned_header "$h"; then
			echo "$m $b include $h" >>"$WORK/edges"
		fi
	done
	strip "$c" | grep -oE '[A-Za-z_][A-Za-z0-9_]*' | sort -u >"$WORK/words"
	for h in $(closure "$c"); do
		awk -v h="$h" '$1 == h { print $2 }' "$WORK/decls"
	done | sort -u | join - "$WORK/words" | join - "$WORK/defs" |
		awk -v m="$m" '$2 != m { print m, $2, "uses", $1 }' >>"$WORK/edges"
done

if [ "$VERBOSE" = 1 ]; then
	awk '$1 != $2 { print $1 " -> " $2 " (" $3 " " $4 ")" }' "$WORK/edges" | sort -u
fi
nimports=$(awk '$1 != $2 { print $1, $2 }' "$WORK/edges" | sort -u | wc -l)
if ! awk '{ print $1, $2 }' "$WORK/edges" | tsort >/dev/null 2>"$WORK/tsort.err"; then
	loop=$(sed -n 's/^tsort: //p' "$WORK/tsort.err" | grep -v 'input contains a loop' | sort -u | tr '\n' ' ')
	echo "modules: a circle of imports among: $loop"
	echo "modules: the imports of those modules:"
	for x in $loop; do
		awk -v x="$x" -v l=" $loop " '$1 == x && $1 != $2 && index(l, " " $2 " ") { print "  " $1 " -> " $2 " (" $3 " " $4 ")" }' "$WORK/edges" | sort -u
	done
	exit 1
fi
echo "modules: $nmod modules, $nimports imports, no circle"
