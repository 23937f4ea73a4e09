#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/guest/args.sh: the program's arguments and environment reach main
# byte-exact through `toro run` (docs/kernel.md, "Arguments and environment").
# tests/guest/args_exact.c prints the length and FNV-1a hash of each string
# main gets; this script computes the same on the host from what it gave and
# compares. Cases, on each machine: quotes, empty strings, newlines, tabs,
# UTF-8, every byte value but NUL, `--save ''` (the fw_cfg file); 1,000
# arguments and 64 KiB+ in total (the fw_cfg file, by DMA; on microvm also by
# port reads); the same kinds of words on the kernel command line (--args-cmdline). Then what toro run must refuse
# (exit 2, one line, QEMU not started).
#   tests/guest/args.sh [--counts FILE] [MACHINE...]   (default: pc q35 microvm)
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
TORO=$ROOT/bin/toro
IMG=${TORO_GUEST_DIR:-$ROOT/build/tests/guest}/args_exact.elf
counts= machines=()
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) counts=$2; shift ;;
	*) machines+=("$1") ;;
	esac
	shift
done
[ ${#machines[@]} -gt 0 ] || machines=(pc q35 microvm)
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-args.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1 ($2)"; failed=$((failed + 1)); }

# expect ARGFILE ENVFILE: the lines args_exact prints for these NUL-separated
# strings (argv from argv[0] on, then envp).
expect() {
	perl -e '
		sub fnv { my $h = 2166136261;
			$h = (($h ^ $_) * 16777619) & 0xffffffff for unpack("C*", $_[0]);
			return $h; }
		sub strings { local $/; open(my $f, "<", $_[0]) or die; my $d = <$f>;
			return () if !defined $d || $d eq ""; $d =~ s/\0\z//; return split(/\0/, $d, -1); }
		my @a = strings($ARGV[0]); my @e = strings($ARGV[1]);
		printf "args-begin argc=%d envc=%d\n", scalar @a, scalar @e;
		printf "a %d %d %08x\n", $_, length $a[$_], fnv($a[$_]) for 0 .. $#a;
		printf "e %d %d %08x\n", $_, length $e[$_], fnv($e[$_]) for 0 .. $#e;
		print "args-end argv-null environ\n";' "$1" "$2"
}

# check NAME MACHINE OPTS... : run args_exact with the arrays ARGS and ENVS
# (toro run options in OPTS) and compare what main got with what was given.
# KOPTS: kernel options; WANT: a console line that must be there too.
KOPTS=() WANT=
check() {
	local name=$1 machine=$2 out=$work/out rc
	shift 2
	{ printf 'args_exact\0'; [ ${#ARGS[@]} = 0 ] || printf '%s\0' "${ARGS[@]}"; } > "$work/a"
	: > "$work/e"
	[ ${#ENVS[@]} = 0 ] || printf '%s\0' "${ENVS[@]}" > "$work/e"
	expect "$work/a" "$work/e" > "$work/want"
	"$TORO" run --timeout 180 --machine "$machine" "$@" "$IMG" -- "${KOPTS[@]+"${KOPTS[@]}"}" \
		"${ENVS[@]+"${ENVS[@]}"}" -- "${ARGS[@]+"${ARGS[@]}"}" > "$out" 2>&1
	rc=$?
	# The kernel's own lines (toro: ...) may come at any time, also between
	# main's (a shutdown-request line from a thread of the power driver).
	sed -n '/^args-begin/,/^args-end/p' "$out" | grep -av '^toro: ' > "$work/got"
	if [ "$rc" != 0 ]; then
		fail "$name $machine" "exit $rc: $(grep -a '^toro:' "$out" | tail -n 2 | tr '\n' ' ')"
	elif [ -n "$WANT" ] && ! grep -aqF -- "$WANT" "$out"; then
		fail "$name $machine" "no '$WANT' on the console"
	elif ! cmp -s "$work/want" "$work/got"; then
		fail "$name $machine" "main got other strings: $(diff "$work/want" "$work/got" | head -n 4 | tr '\n' ' ')"
	else
		pass "$name $machine ($(($(wc -l < "$work/want") - 2)) strings, $(($(wc -c < "$work/a") + $(wc -c < "$work/e"))) bytes)"
	fi
}

# refuse NAME OPTS... -- WORDS...: toro run must exit 2 with one line, before QEMU.
refuse() {
	local name=$1 rc
	shift
	"$TORO" run --timeout 60 "$@" > "$work/rout" 2> "$work/rerr"
	rc=$?
	if [ "$rc" != 2 ]; then
		fail "refuse $name" "exit $rc, expected 2"
	elif [ "$(wc -l < "$work/rerr")" != 1 ] || ! grep -q '^toro: ' "$work/rerr"; then
		fail "refuse $name" "not one 'toro:' line: $(head -c 200 "$work/rerr")"
	elif [ -s "$work/rout" ]; then
		fail "refuse $name" "the guest ran"
	else
		pass "refuse $name: $(cat "$work/rerr")"
	fi
}

# Every byte value but NUL, in one argument.
allbytes=$(perl -e 'print map { chr } 1 .. 255')
special_args=("it's" 'say "hi"' '' $'line1\nline2\n' $'a\tb' 'héllo wörld ✓ 日本語' --save ''
	' lead and trail ' toro.debug -- KEY=value '"' '\' '$HOME' "$allbytes" "$(printf 'x%.0s' {1..3000})")
special_envs=('QUOTED=say "hi"' $'NL=a\nb' 'EMPTY=' 'UTF8=ü✓' $'TAB=a\tb' '_U=1')
# 1,000 arguments of 1 to 129 bytes of any value but NUL (deterministic),
# 64 KiB and more with the environment.
mapfile -d '' -t big_args < <(perl -e 'srand(10); for (1 .. 1000) {
	print map({ chr(1 + int(rand(255))) } 1 .. 1 + int(rand(129))), "\0" }')
mapfile -d '' -t big_envs < <(perl -e 'srand(11); for (1 .. 100) {
	print "V$_=", map({ chr(1 + int(rand(255))) } 1 .. 60), "\0" }')

for m in "${machines[@]}"; do
	ARGS=("${special_args[@]}") ENVS=("${special_envs[@]}")
	check "special (fw_cfg)" "$m"
	ARGS=("${big_args[@]}") ENVS=("${big_envs[@]}")
	check "1000 arguments (fw_cfg)" "$m"
	# What the kernel command line can carry: no double quote, at most 64 each.
	ARGS=("it's" 'a b' '' $'a\tb' $'line1\nline2' 'héllo wörld ✓' --save '' toro.debug -- --x)
	ENVS=('MOTTO=small is fast' 'EMPTY=' 'UTF8=ü✓' $'NL=a\nb')
	check "command line (--args-cmdline)" "$m" --args-cmdline
done
# fw_cfg without DMA: the port reads. (On pc and q35 SeaBIOS itself then
# loads the image a byte at a time, for minutes: microvm only.)
if [[ " ${machines[*]} " == *" microvm "* ]]; then
	ARGS=("${big_args[@]}") ENVS=("${big_envs[@]}") KOPTS=(toro.debug)
	WANT="(fw_cfg port reads)"
	check "1000 arguments (fw_cfg port reads)" microvm --qemu-arg -global --qemu-arg fw_cfg_io.dma_enabled=off
	KOPTS=() WANT=
fi

refuse "a double quote on the command line" --args-cmdline "$IMG" -- -- 'say "hi"'
refuse "a double quote in a kernel option" "$IMG" -- 'toro.x="a"'
refuse "65 arguments on the command line" --args-cmdline "$IMG" -- -- $(seq 65)
refuse "an argument of microvm's on the command line" --args-cmdline "$IMG" -- -- \
	virtio_mmio.device=512@0xd0000000:5
mapfile -d '' -t huge < <(perl -e 'print "x" x 65536, "\0" for 1 .. 17')
refuse "over 1 MiB" "$IMG" -- -- "${huge[@]}"

echo "args: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
