# SPDX-License-Identifier: MIT
# tests/net/lib.sh: what the host-driven network tests share, sourced by them.
# The caller sets: work (a scratch directory), cfg (a label, e.g. the
# machine), machine, smp, port (the host port forwarded), report and results
# (files the checks append to), LOGDIR, TORO, and optionally BOOT_MEM (MiB)
# and BOOT_ARGS (more `toro run` options, e.g. --disk FILE).

KERNEL_FAILURES=${KERNEL_FAILURES:-'toro: panic|toro: kernel panic|toro: kernel fault|toro: unsupported system call'}

# Each check appends one line to the report; failures also the command's output.
pass() { echo "PASS $cfg: $*" >> "$report"; echo PASS >> "$results"; }
fail() {
	echo "FAIL $cfg: $1" >> "$report"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 15 | sed 's/^/    /' >> "$report"
	echo FAIL >> "$results"
}
# check LABEL CMD...: passes when CMD exits 0; its last output line joins the label.
check() {
	local label=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$label${out:+ ($(printf '%s' "$out" | tail -n 1))}"
	else
		fail "$label" "$out"
	fi
}

# boot NAME IMAGE GUESTPORT ARGS...: starts the guest in its own process
# group, forwarding host port $port to GUESTPORT; sets $gpid and $glog.
boot() {
	local name=$1 image=$2 gport=$3
	shift 3
	glog=$LOGDIR/$name.$cfg.log
	local extra=()
	[ -n "${BOOT_ARGS:-}" ] && read -ra extra <<< "$BOOT_ARGS"
	setsid "$TORO" run --timeout 120 --machine "$machine" --smp "$smp" --mem "${BOOT_MEM:-64}" \
		--net "user:$port:$gport" "${extra[@]+"${extra[@]}"}" "$image" -- "$@" > "$glog" 2>&1 &
	gpid=$!
	echo "$gpid" >> "$work/pids"
	t_boot=$(date +%s%N)
}

# ready CMD...: runs CMD every 50 ms until it succeeds (30 s at most, or
# until the guest is gone). Prints the milliseconds it took. Each attempt is
# short: QEMU's hostfwd takes a connection before the guest listens, and
# such a request hangs (DESIGN.md, pitfalls).
ready() {
	local i
	for i in $(seq 600); do
		if "$@" > /dev/null 2>&1; then
			echo $((($(date +%s%N) - t_boot) / 1000000))
			return 0
		fi
		kill -0 "$gpid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# finish NAME EXPECTED_EXIT|any: waits for the guest to exit by itself or
# ends it; checks its exit status and that the kernel reported no failure.
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
