#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/guest/hostreq.sh ACTION ARG: what a guest test's "// host-during:"
# line runs to ask the guest to shut down (docs/reliability.md). It waits
# until the console ($TORO_CONSOLE) shows the program's READY line and the
# kernel's "toro: shutdown requests:" line (toro.debug: the requests are
# armed), then makes the request once, in the run's scratch directory:
#   hmp CMD     a QEMU monitor command written to ./hm.in; the test gives QEMU
#               -chardev pipe,id=hm,path={tmp}/hm -mon chardev=hm and its
#               host-setup makes the FIFO (mkfifo hm.in; : > hm.out)
#   signal SIG  kill -SIG $TORO_PID: toro run turns it into the machine's request
#   port TEXT   TEXT (printf escapes) written to ./sd.in, the host end of a
#               virtserialport (-chardev pipe,id=sd,path={tmp}/sd)
# Gives up after 60 s. Prints what it did (in the run's .during file).
set -u
action=$1 arg=$2
for _ in $(seq 600); do
	if grep -aq '^READY' "$TORO_CONSOLE" && grep -aq '^toro: shutdown requests:' "$TORO_CONSOLE"; then
		case "$action" in
		hmp) exec 9<> hm.in && echo "$arg" >&9 ;;
		signal) kill "-$arg" "$TORO_PID" ;;
		port) exec 9<> sd.in && printf "$arg" >&9 ;;
		*) echo "hostreq.sh: unknown action '$action'" >&2; exit 2 ;;
		esac
		echo "hostreq: $action $arg"
		exit 0
	fi
	sleep 0.1
done
echo "hostreq: the guest never said READY" >&2
exit 1
