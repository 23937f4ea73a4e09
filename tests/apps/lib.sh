# SPDX-License-Identifier: MIT
# tests/apps/lib.sh: what the app tests share. A test sources it after it has
# read its options ($counts: the file for "passed failed"; $keep=1 keeps the
# work directory):
#   app_init NAME      counters, $LOGS (build/tests/apps), $work (a fresh
#                      directory, removed at exit unless keep=1; the script's
#                      own app_cleanup, if it has one, runs first)
#   pass TEXT, fail TEXT   one line and a count
#   finish             "NAME: N passed, N failed", the counts file, and exit
#                      (status 0 only without a failure)
#   app_build LOG TARGET...   make the targets quietly; on failure one FAIL
#                      with the log's last lines, then finish; $build_s: seconds
#   app_need TOOL...   each must be on PATH, else one FAIL and finish
: "${counts:=}" "${keep:=0}"

app_init() {
	APP=$1
	LOGS=build/tests/apps
	passed=0 failed=0
	mkdir -p "$LOGS"
	work=$(mktemp -d "${TMPDIR:-/tmp}/toro-$APP.XXXXXX")
	trap app_exit EXIT
}

app_exit() {
	declare -F app_cleanup > /dev/null && app_cleanup
	[ "$keep" = 1 ] || rm -rf "$work"
}

finish() {
	echo "$APP: $passed passed, $failed failed"
	[ -n "$counts" ] && echo "$passed $failed" > "$counts"
	[ "$failed" = 0 ]
	exit
}
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

app_build() {
	local log=$1 t=$SECONDS; shift
	if ! make -s -j2 "$@" > "$log" 2>&1; then
		fail "build: make $* (last lines of $log:)"
		tail -n 20 "$log" | sed 's/^/    /'
		finish
	fi
	build_s=$(( SECONDS - t ))
}

app_need() {
	local tool
	for tool; do
		command -v "$tool" > /dev/null || { fail "host tool $tool missing (tools/deps.sh)"; finish; }
	done
}
