# SPDX-License-Identifier: MIT
# tests/net/lib.sh: what the host-driven guest tests share (run.sh, mem.sh,
# overload.sh, disk.sh), sourced by them after they set ROOT-relative paths.
#
#   hosttest_init NAME "DEFAULT MACHINES" "$@"   options, $work, clean-up
#   hosttest_need FILE...                         built files, or one FAIL
#   guest_start LOGNAME TORO-RUN-ARGS...          a guest in its own group
#   boot NAME IMAGE GUESTPORT ARGS...             guest_start with a port
#   until_ok / ready CMD...                       poll until CMD succeeds
#   pass / fail / check                           one line per check
#   finish NAME EXIT|any                          status and console checked
#   hosttest_end                                  "NAME: N passed, N failed"
#
# A check's lines go to $report and a PASS or FAIL word to $results: a runner
# that runs machines in parallel gives each its own pair ($work/$cfg.report
# and $work/$cfg.results) and prints the report when the machine is done;
# hosttest_init sets them to stdout and $work/all.results for the others.
# The caller also sets cfg (a label, e.g. the machine), machine, smp and, for
# boot and url, port (the host port forwarded); optionally BOOT_MEM (MiB),
# BOOT_TIMEOUT (s) and BOOT_ARGS (more `toro run` options, e.g. --disk FILE)
# and KERNEL_FAILURES (console lines that fail any guest).

TORO=${TORO:-bin/toro}
LOGDIR=${LOGDIR:-build/tests/net/logs}
KERNEL_FAILURES=${KERNEL_FAILURES:-'toro: panic|toro: kernel panic|toro: kernel fault|toro: unsupported system call'}

# hosttest_init NAME DEFAULT_MACHINES ARGS...: parses [-j N] [--counts FILE]
# [-h] [MACHINE...] into $jobs, $counts and the array machines; makes $work,
# removed at exit together with every guest still running.
hosttest_init() {
	HT_NAME=$1
	local defaults=$2
	shift 2
	jobs=1 counts= machines=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-j) jobs=$2; shift ;;
		-j*) jobs=${1#-j} ;;
		--counts) counts=$2; shift ;;
		-h|--help) sed -n '3,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		-*) echo "$(basename "$0"): unknown option '$1'" >&2; exit 2 ;;
		*) machines+=("$1") ;;
		esac
		shift
	done
	[ ${#machines[@]} = 0 ] && read -ra machines <<< "$defaults"
	work=$(mktemp -d "${TMPDIR:-/tmp}/toro-$HT_NAME.XXXXXX")
	mkdir -p "$LOGDIR"
	: > "$work/pids"
	trap hosttest_cleanup EXIT
	report=/dev/stdout results=$work/all.results
	HT_T0=$SECONDS
}

# Guests still running when the runner stops (each in its own process group).
hosttest_cleanup() {
	local p
	while read -r p; do
		kill -0 "$p" 2>/dev/null && kill -- "-$p" 2>/dev/null
	done < "$work/pids"
	rm -rf "$work"
}

# hosttest_counts PASSED FAILED: the summary line and the --counts file.
hosttest_counts() {
	echo "$HT_NAME: $1 passed, $2 failed ($((SECONDS - HT_T0)) s)"
	[ -n "$counts" ] && echo "$1 $2" > "$counts"
	[ "$2" = 0 ]
}

# hosttest_need FILE...: each must exist (built by make), else one FAIL and exit.
hosttest_need() {
	local f
	for f in "$@"; do
		[ -e "$f" ] && continue
		echo "FAIL $HT_NAME tests: $f missing (make all)"
		hosttest_counts 0 1
		exit 1
	done
}

# hosttest_end: adds up every $work/*.results; the status is 0 when none failed.
hosttest_end() {
	local passed failed
	passed=$(cat "$work"/*.results 2>/dev/null | grep -c PASS)
	failed=$(cat "$work"/*.results 2>/dev/null | grep -c FAIL)
	hosttest_counts "$passed" "$failed"
}

# Each check appends one line to the report; failures also the command's output.
pass() { echo "PASS $cfg: $*" >> "$report"; echo PASS >> "$results"; }
fail() {
	echo "FAIL $cfg: $1" >> "$report"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 15 | sed 's/^/    /' >> "$report"
	echo FAIL >> "$results"
}
# check LABEL CMD...: passes when CMD exits 0; its last output line joins the
# label (CHECK_OUTPUT=all: its whole output follows, indented). CMD runs in
# this shell, so it may set variables for the checks after it.
check() {
	local label=$1 out=$work/check.$BASHPID last
	shift
	if "$@" > "$out" 2>&1; then
		if [ "${CHECK_OUTPUT:-last}" = all ]; then
			pass "$label"
			sed 's/^/    /' "$out" >> "$report"
		else
			last=$(tail -n 1 "$out")
			pass "$label${last:+ ($last)}"
		fi
	else
		fail "$label" "$(cat "$out")"
	fi
}

# guest_start LOGNAME TORO-RUN-ARGS...: `toro run` (machine, vCPUs, memory and
# timeout from the caller) in its own process group, its console in
# $LOGDIR/LOGNAME.$cfg.log; sets $gpid, $glog and $t_boot.
guest_start() {
	glog=$LOGDIR/$1.$cfg.log
	shift
	rm -f "$glog" # not the last run's: checks may wait for lines in it
	setsid "$TORO" run --timeout "${BOOT_TIMEOUT:-120}" --machine "$machine" --smp "$smp" \
		--mem "${BOOT_MEM:-64}" "$@" > "$glog" 2>&1 &
	gpid=$!
	echo "$gpid" >> "$work/pids"
	t_boot=$(date +%s%N)
}

# boot NAME IMAGE GUESTPORT ARGS...: guest_start with host port $port
# forwarded to GUESTPORT and $BOOT_ARGS; ARGS go to the program.
boot() {
	local name=$1 image=$2 gport=$3
	shift 3
	local extra=()
	[ -n "${BOOT_ARGS:-}" ] && read -ra extra <<< "$BOOT_ARGS"
	guest_start "$name" --net "user:$port:$gport" "${extra[@]+"${extra[@]}"}" "$image" -- "$@"
}

# until_ok CMD...: runs CMD every 50 ms until it succeeds ($UNTIL_TRIES tries,
# 600 by default: 30 s, or until the guest is gone). Each attempt should be
# short: QEMU's hostfwd takes a connection before the guest listens, and such
# a request hangs (DESIGN.md, pitfalls).
until_ok() {
	local i
	for i in $(seq "${UNTIL_TRIES:-600}"); do
		"$@" > /dev/null 2>&1 && return 0
		kill -0 "$gpid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# ready CMD...: until_ok, then prints the milliseconds since the guest started.
ready() {
	until_ok "$@" || return 1
	echo $((($(date +%s%N) - t_boot) / 1000000))
}

# finish NAME EXPECTED_EXIT|any: waits (10 s) for the guest to exit by itself
# or ends it; checks its exit status and that the kernel reported no failure.
finish() {
	local name=$1 expect_exit=$2 i rc
	for i in $(seq 100); do kill -0 "$gpid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$gpid" 2>/dev/null; then
		kill -- "-$gpid" 2>/dev/null
		wait "$gpid" 2>/dev/null
		rc=killed
	else
		wait "$gpid"
		rc=$?
	fi
	gpid=
	if [ "$expect_exit" = any ] || [ "$rc" = "$expect_exit" ]; then
		pass "$name: guest ended (exit $rc)"
	else
		fail "$name: guest exit $rc, expected $expect_exit" "$(tail -n 15 "$glog")"
	fi
	if grep -aqE "$KERNEL_FAILURES" "$glog"; then
		fail "$name: kernel failure on the console" "$(grep -aE "$KERNEL_FAILURES" "$glog")"
	fi
}

# power_cut: the guest's QEMU killed with SIGKILL, as a power cut.
power_cut() {
	pkill -9 -g "$gpid" -f qemu-system 2>/dev/null
	kill -9 -- "-$gpid" 2>/dev/null
	wait "$gpid" 2>/dev/null
}

url() { echo "http://127.0.0.1:$port$1"; }
