#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/apps/hello.sh: GNU hello from Debian's hello source package, an
# autoconf + gnulib project, built with CC=toro-cc (make hello,
# tests/apps/apps.mk) in both ways docs/apps.md gives:
#   ./configure --host=x86_64-linux-musl CC=toro-cc   (cross: nothing run)
#   TORO_CC_HOST=1 ./configure CC=toro-cc; make       (configure runs its tests)
# Each image is booted with the arguments a user would give (none, --greeting
# with spaces and punctuation, -g, -t, --version, --help, an extra operand, an
# unknown option): its console and exit status must equal those of the same
# objects linked for the host (TORO_CC_HOST=1, build/apps/hello-host) and,
# where the C library makes no difference, of Debian's own hello binary.
#   tests/apps/hello.sh [--counts FILE]
# Prints PASS/FAIL per check and "hello: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
counts=
[ "${1:-}" = --counts ] && counts=$2
A=build/apps
. tests/apps/lib.sh
app_init hello

app_build "$LOGS/hello-build.log" hello
pass "build: configure --host and TORO_CC_HOST=1 configure, make ($build_s s)"
if grep -qx 'checking whether we are cross compiling... yes' $A/hello-build/configure.log &&
   grep -qx 'checking whether we are cross compiling... no' $A/hello-native/configure.log &&
   grep -q "^gl_cv_func_getopt_posix=no$" $A/hello-native/config.log; then
	pass "configure: --host is cross mode; with TORO_CC_HOST=1 it ran its test programs (getopt: no)"
else
	fail "configure: cross compiling not 'yes' with --host, or not 'no' (tests run) with TORO_CC_HOST=1"
fi
command -v hello > /dev/null || { fail "Debian's hello missing (tools/deps.sh test)"; finish; }

# run NAME IMAGE|HOSTPROG ARGS...: the output and "exit N" into $work/NAME
toro_run() {
	local name=$1 img=$2; shift 2
	bin/toro run --timeout 60 --machine microvm --mem 32 "$img" -- -- "$@" > "$work/$name.raw" 2>&1
	local rc=$?
	cp "$work/$name.raw" "$LOGS/hello.$name.log"
	grep -v '^toro: ' "$work/$name.raw" | tr -d '\r' > "$work/$name"
	echo "exit $rc" >> "$work/$name"
}
host_run() {
	local name=$1 prog=$2; shift 2
	# argv[0] "hello", as the image's (its name without .elf)
	(cd "$work" && LC_ALL=C LANG=C exec -a hello "$prog" "$@" > "$work/$name" 2>&1)
	echo "exit $?" >> "$work/$name"
}
same() { # WHAT A B
	if cmp -s "$work/$2" "$work/$3"; then return 0; fi
	echo "    $1: $2 and $3 differ:"; diff "$work/$2" "$work/$3" | head -n 10 | sed 's/^/    /'
	return 1
}

cases=(plain greeting gshort trad version help extra bogus)
args_of() {
	case $1 in
	plain) ;;
	greeting) printf '%s\n' "--greeting=Bonjour, Toro: 2 + 2 = 4 (100%)" ;;
	gshort) printf '%s\n' -g "hi  there" ;;
	trad) printf '%s\n' -t ;;
	version) printf '%s\n' --version ;;
	help) printf '%s\n' --help ;;
	extra) printf '%s\n' one two ;;
	bogus) printf '%s\n' --bogus ;;
	esac
}
# The cases where Debian's glibc build answers alike: after an error hello
# prints its help and then, with musl, the greeting too (a wide-character
# printf on a stream printf used, which glibc refuses and musl does not);
# Debian's --version names no version (its build regenerates configure).
debian_too=" plain greeting gshort trad help "
for c in "${cases[@]}"; do
	mapfile -t a < <(args_of "$c")
	toro_run "toro.$c" $A/hello.elf "${a[@]}"
	host_run "host.$c" "$ROOT/$A/hello-host" "${a[@]}"
	why=
	same "image vs hello-host" "toro.$c" "host.$c" || why="differs from hello-host"
	if [ -z "$why" ] && [[ $debian_too == *" $c "* ]]; then
		host_run "debian.$c" hello "${a[@]}"
		same "image vs Debian's hello" "toro.$c" "debian.$c" || why="differs from Debian's hello"
	fi
	if [ -z "$why" ] && [ "$(wc -l < "$work/toro.$c")" -lt 2 ]; then why="no output"; fi
	if [ -z "$why" ] && [ "$c" = version ] && [ "$(head -n 1 "$work/toro.$c")" != "hello (GNU Hello) 2.10" ]; then
		why="first line not 'hello (GNU Hello) 2.10'"
	fi
	if [ -z "$why" ]; then
		pass "hello ${a[*]:-(no arguments)}: '$(head -n 1 "$work/toro.$c" | cut -c1-50)', $(tail -n 1 "$work/toro.$c"), as on the host"
	else
		fail "hello ${a[*]:-(no arguments)}: $why"
	fi
done
# The image configured with TORO_CC_HOST=1 (gnulib's getopt replaced musl's).
for c in plain greeting help; do
	mapfile -t a < <(args_of "$c")
	toro_run "native.$c" $A/hello-native.elf "${a[@]}"
	if same "native image vs Debian's hello" "native.$c" "debian.$c"; then
		pass "hello (TORO_CC_HOST=1 configure) ${a[*]:-(no arguments)}: as Debian's hello"
	else
		fail "hello (TORO_CC_HOST=1 configure) ${a[*]:-(no arguments)}: differs from Debian's hello"
	fi
done
finish
