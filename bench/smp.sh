# SPDX-License-Identifier: MIT
# The SMP part of `make bench`, sourced by bench/run.sh (it uses run.sh's
# variables and helpers): host CPU while the guest idles, scaling of a CPU-bound
# job from 1 to 2 threads, thread-switch and cross-core wake-up cost, boot time
# with 2 vCPUs. All on microvm. What is measured and how: docs/bench.md.
# BENCH_SMP=0 skips it.

IDLE_SECONDS=${BENCH_IDLE_SECONDS:-10}
SCALE_ROUNDS=${BENCH_SCALE_ROUNDS:-1000000000}	# xorshift rounds per run, split over the threads
SCALE_REPS=${BENCH_SCALE_REPS:-$([ "$QUICK" = 1 ] && echo 1 || echo 5)}
PP_ROUNDS=10000					# ping-pong round trips
QUIET_WAIT=${BENCH_QUIET_WAIT:-$([ "$QUICK" = 1 ] && echo 5 || echo 60)}		# seconds to wait for an idle host before scaling
SMP_MACHINE=microvm

# vm_cmd N [icount]: VM=(QEMU with N vCPUs). One vCPU keeps -smp 1,maxcpus=2 (see
# DESIGN.md); two run multi-threaded TCG, except under -icount, which only
# single-threaded (round-robin) TCG supports.
vm_cmd() {
	if [ "$1" = 1 ]; then
		VM=("${QEMU_BASE[@]}" -accel tcg -smp 1,maxcpus=2)
	elif [ "${2:-}" = icount ]; then
		VM=("${QEMU_BASE[@]}" -accel tcg -smp "$1,maxcpus=$1")
	else
		VM=("${QEMU_BASE[@]}" -accel tcg,thread=multi -smp "$1,maxcpus=$1")
	fi
	[ "${2:-}" = icount ] && VM+=("${ICOUNT[@]}")
	return 0
}

# prog_args SYSTEM PROGRAM "APP-ARGS": ARGS for booting PROGRAM (idle, scale,
# pingpong) on SYSTEM; the floor has only its idle variant.
prog_args() {
	case $1 in
	floor) ARGS=(-M $SMP_MACHINE -m $MEM_SMALL -kernel "$B/floor/floor-idle.elf") ;;
	linux) ARGS=(-M $SMP_MACHINE -m $MEM_LINUX -kernel "$B/linux/vmlinuz"
		     -initrd "$B/linux/$2.initrd.gz" -append "$LINUX_APPEND") ;;
	toro) ARGS=(-M $SMP_MACHINE -m $MEM_SMALL -kernel "$B/toro/$2.elf" -append "-- $3") ;;
	esac
}

# qrun TIMEOUT MARKER LOG [QTIME-OPTIONS...]: qtime on "${VM[@]}" "${ARGS[@]}".
qrun() {
	local t=$1 m=$2 l=$3; shift 3
	"$B/tools/qtime" -t "$t" -m "$m" -o "$l" "$@" -- "${VM[@]}" "${ARGS[@]}" || true
}

SMP_SYSTEMS=()
build_smp() {
	local p
	[ "$DO_SMP" = 1 ] || { note "SMP rows skipped (BENCH_SMP=0)"; return 1; }
	gcc -c -DFLOOR_IDLE bench/floor/floor.S -o "$B/floor/floor-idle.o"
	ld -n --no-warn-rwx-segments -T bench/floor/floor.ld -o "$B/floor/floor-idle.elf" \
		"$B/floor/floor-idle.o"
	SMP_SYSTEMS=(floor)
	if has_system linux; then
		bench/linux/mkguest.sh initrd "$B/linux" idle "" bench/idle.c
		bench/linux/mkguest.sh initrd "$B/linux" scale "$SCALE_ROUNDS $SCALE_REPS" \
			-Iinclude bench/scale.c
		bench/linux/mkguest.sh initrd "$B/linux" pingpong "$PP_ROUNDS" -Iinclude bench/pingpong.c
		SMP_SYSTEMS+=(linux)
	fi
	if has_system toro; then
		for p in idle scale pingpong; do
			if ! "$TOROCC" -O2 -o "$B/toro/$p.elf" bench/$p.c; then
				note "Toro SMP rows skipped: $TOROCC could not build bench/$p.c"
				return 0
			fi
		done
		SMP_SYSTEMS+=(toro)
	fi
	return 0
}
has_smp_system() { [[ " ${SMP_SYSTEMS[*]} " == *" $1 "* ]]; }

# ---- 1. host CPU while the guest sleeps ----
measure_idle() {
	local s n r l ticks win hz ns
	log "idle cost: ${IDLE_SECONDS} s windows, -smp 1 and 2 (${SMP_SYSTEMS[*]})"
	for n in 1 2; do
		for s in "${SMP_SYSTEMS[@]}"; do
			vm_cmd $n
			prog_args "$s" idle ""
			l=$B/logs/idle-$s-smp$n.log
			r=$(qrun "$(sys_timeout "$s")" "$([ $s = floor ] && echo floor || echo 'idle ready')" \
				"$l" -c "$IDLE_SECONDS")
			ticks=$(field cpu_ticks "$r"); win=$(field window_us "$r"); hz=$(field clk_tck "$r")
			ns=$(field cpu_ns "$r")
			if [ -z "$ticks" ] || [ "$ticks" = -1 ] || [ "$win" = -1 ]; then
				note "idle, $s -smp $n: no ready line or QEMU left early ($r; log: $l)"
				continue
			fi
			# ticks / hz = CPU seconds; over the window, as % of one host core.
			printf 'idle_pct\t%s\tsmp%s\t%s\n' "$s" $n \
				"$(awk -v t="$ticks" -v h="$hz" -v w="$win" \
					'BEGIN { printf "%.2f", 100 * t / h / (w / 1e6) }')" >> "$RAW"
			if [ -n "$ns" ] && [ "$ns" != -1 ]; then
				printf 'idle_ns_pct\t%s\tsmp%s\t%s\n' "$s" $n "$(awk -v c="$ns" -v w="$win" \
					'BEGIN { printf "%.2f", 100 * c / (w * 1e3) }')" >> "$RAW"
			fi
		done
	done
}

# ---- 2. scaling ----
host_jiffies() {	# -> "busy total" jiffies of all host CPUs from /proc/stat
	awk '$1 == "cpu" { b = $2 + $3 + $4 + $7 + $8; t = b + $5 + $6; print b, t; exit }' /proc/stat
}

# Wait (at most QUIET_WAIT s) until the rest of the host uses under 15% of a
# core over a second: the host has 2 cores and this phase needs both.
wait_quiet() {
	local a b waited=0 busy
	while :; do
		a=($(host_jiffies)); sleep 1; b=($(host_jiffies))
		busy=$(awk -v b=$((b[0] - a[0])) -v t=$((b[1] - a[1])) -v n="$(nproc)" \
			'BEGIN { printf "%d", t ? 100 * n * b / t : 0 }')
		((busy < 15)) && return 0
		((waited++ >= QUIET_WAIT)) && { note "scaling: the host stayed busy (${busy}% of a core used by others) for ${QUIET_WAIT} s; measured anyway"; return 0; }
	done
}

measure_scale() {
	local s r l a b other line n ns sum
	log "scaling: $SCALE_ROUNDS rounds, 1 then 2 threads, $SCALE_REPS reps, -smp 2 (nothing else of ours runs)"
	for s in linux toro; do
		has_smp_system $s || continue
		wait_quiet
		vm_cmd 2
		prog_args $s scale "$SCALE_ROUNDS $SCALE_REPS"
		l=$B/logs/scale-$s.log
		a=($(host_jiffies))
		r=$(qrun 300 "scale done" "$l")
		b=($(host_jiffies))
		if [ "$(field first_us "$r")" = -1 ]; then
			note "scaling, $s: no 'scale done' line ($r; log: $l)"
			printf 'scale_fail\t%s\t-\t1\n' $s >> "$RAW"
			continue
		fi
		# Other processes' share of the host during the run, in cores: host
		# busy time minus QEMU's own CPU time, over the run's wall time.
		other=$(awk -v b=$((b[0] - a[0])) -v q="$(field cpu_us "$r")" \
			-v w="$(field exit_us "$r")" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { o = (b / hz - q / 1e6) / (w / 1e6); printf "%.2f", o < 0 ? 0 : o }')
		printf 'scale_other_cores\t%s\t-\t%s\n' $s "$other" >> "$RAW"
		tr -d '\r' < "$l" | grep '^scale threads=' | while read -r line; do
			n=$(sed -n 's/.*threads=\([0-9]*\).*/\1/p' <<<"$line")
			ns=$(sed -n 's/.*ns=\([0-9]*\).*/\1/p' <<<"$line")
			sum=$(sed -n 's/.*sum=\([0-9a-f]*\).*/\1/p' <<<"$line")
			printf 'scale_ns\t%s\t%s\t%s\n' $s "$n" "$ns" >> "$RAW"
			printf 'scale_sum\t%s\t%s\t%s\n' $s "$n" "$sum" >> "$RAW"
		done || true
	done
}

# ---- 3. thread switch and cross-core wake-up ----
pp_record() {	# SYSTEM MODE LOG: cycles per switch / wake-up (2 per round trip)
	local kind v
	for kind in same cross; do
		v=$(tr -d '\r' < "$3" | sed -n "s/^pingpong $kind rounds=\([0-9]*\) cycles=\([0-9]*\).*/\2 \1/p" | head -1)
		[ -n "$v" ] || continue
		printf 'pp_%s\t%s\t%s\t%s\n' $kind "$1" "$2" \
			"$(awk -v c="${v% *}" -v n="${v#* }" 'BEGIN { printf "%.0f", c / (2 * n) }')" >> "$RAW"
	done
	grep -aq "pingpong done" "$3" || note "pingpong, $1 ($2): no 'pingpong done' line (log: $3)"
}

measure_pingpong() {
	local s l
	log "ping-pong: $PP_ROUNDS round trips, same core and cross-core, -smp 2"
	for s in linux toro; do
		has_smp_system $s || continue
		# Debian's kernel does not bring its second vCPU up under -icount
		# (docs/bench.md): the Linux guest is measured only without it.
		if [ $s = toro ]; then
			vm_cmd 2 icount
			prog_args $s pingpong "$PP_ROUNDS"
			l=$B/logs/pingpong-$s-icount.log
			qrun 120 "pingpong done" "$l" >/dev/null
			pp_record $s icount "$l"
		fi
		vm_cmd 2
		prog_args $s pingpong "$PP_ROUNDS"
		l=$B/logs/pingpong-$s-mttcg.log
		qrun "$(sys_timeout $s)" "pingpong done" "$l" >/dev/null
		pp_record $s mttcg "$l"
	done
}

# ---- 4. boot time with 2 vCPUs ----
measure_smp_boot() {
	local i n s r first
	log "boot with -smp 1 and 2: $RUNS runs x (floor toro) on $SMP_MACHINE"
	for ((i = 1; i <= RUNS; i++)); do
		for n in 1 2; do
			for s in floor toro; do
				has_system $s || continue
				vm_cmd $n
				sys_args $s $SMP_MACHINE
				r=$(qrun 20 "$(sys_marker $s)" "$B/logs/smpboot-$s-smp$n.log")
				first=$(field first_us "$r")
				if [ "$first" = -1 ] || [ "$(field timeout "$r")" = 1 ]; then
					printf 'smpboot_fail\t%s\tsmp%s\t1\n' $s $n >> "$RAW"
					cp "$B/logs/smpboot-$s-smp$n.log" "$B/logs/fail-smpboot-$s-smp$n-$i.log"
					continue
				fi
				printf 'smpboot_first_us\t%s\tsmp%s\t%s\n' $s $n "$first" >> "$RAW"
			done
		done
	done
}

measure_smp() {
	[ ${#SMP_SYSTEMS[@]} -gt 0 ] || return 0
	measure_smp_boot
	measure_idle
	measure_pingpong
	measure_scale
}

# ---- report ----
report_smp() {
	local n s v t f floor linux toro one two tgt
	[ ${#SMP_SYSTEMS[@]} -gt 0 ] || return 0
	{ echo; echo "SMP, $SMP_MACHINE (-smp 2: multi-threaded TCG unless under -icount)"; } >> "$TXT"
	row figure floor linux toro target verdict
	# 4. boot
	for n in 1 2; do
		for s in floor toro; do
			v=$(get smpboot_first_us $s smp$n); eval "$s=\$v"
			[ "$v" != - ] && tsv "smp${n}_first_ms" $SMP_MACHINE $s "$(ms "$v")" ms
		done
		eval "one_$n=\$toro"
		tgt=; t=
		if [ $n = 2 ]; then
			tgt="toro <= 1.05 x -smp 1"
			t=$( [ "$one_1" = - ] && echo n/a || verdict "$toro" "<=" \
				"$(awk -v v="$one_1" 'BEGIN { printf "%.0f", v * 1.05 }')")
			tsv target_smp2_boot $SMP_MACHINE toro "$t" -
		fi
		row "QEMU start -> first line, -smp $n (ms)" "$(ms "$floor")" - "$(ms "$toro")" "$tgt" "$t"
	done
	# 1. idle
	for n in 1 2; do
		for s in floor linux toro; do
			v=$(get idle_pct $s smp$n); eval "$s=\$v"
			[ "$v" != - ] && tsv "idle_host_cpu_pct_smp$n" $SMP_MACHINE $s "$v" "%"
		done
		t=$(verdict "$toro" "<=" 0.5)
		tsv "target_idle_smp$n" $SMP_MACHINE toro "$t" -
		row "host CPU, guest idle ${IDLE_SECONDS} s, -smp $n (% core)" "$floor" "$linux" "$toro" \
			"toro <= 0.5%" "$t"
		for s in floor linux toro; do
			v=$(get idle_ns_pct $s smp$n); eval "$s=\$v"
			[ "$v" != - ] && tsv "idle_host_cpu_pct_schedstat_smp$n" $SMP_MACHINE $s "$v" "%"
		done
		row "  same window, schedstat ns (% core)" "$floor" "$linux" "$toro" "" ""
	done
	# 2. scaling
	for n in 1 2; do
		for s in linux toro; do
			v=$(best scale_ns $s "$n"); eval "$s=\$v"
			[ "$v" != - ] && tsv "scale_${n}thread_best_ms" $SMP_MACHINE $s "$(ms $((v / 1000)))" ms
		done
		row "CPU-bound job, $n thread$([ $n = 2 ] && echo s), best of $SCALE_REPS (ms)" - \
			"$(ms $([ "$linux" = - ] && echo - || echo $((linux / 1000))))" \
			"$(ms $([ "$toro" = - ] && echo - || echo $((toro / 1000))))" "" ""
	done
	for s in linux toro; do
		one=$(best scale_ns $s 1); two=$(best scale_ns $s 2)
		v=-
		[ "$one" != - ] && [ "$two" != - ] &&
			v=$(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", a / b }')
		eval "$s=\$v"
		[ "$v" != - ] && tsv scale_speedup $SMP_MACHINE $s "$v" x
	done
	t=$(verdict "$toro" ">=" 1.7)
	tsv target_scale_speedup $SMP_MACHINE toro "$t" -
	row "speed-up 1 -> 2 threads (x)" - "$linux" "$toro" "toro >= 1.7x" "$t"
	for s in linux toro; do
		v=$(get scale_other_cores $s -)
		[ "$v" != - ] && tsv scale_other_load_cores $SMP_MACHINE $s "$v" cores && eval "$s=\$v" ||
			eval "$s=-"
	done
	row "  other host load during it (cores)" - "$linux" "$toro" "" ""
	scale_check
	for n in 1 2; do
		for s in floor toro; do
			f=$(count smpboot_fail $s smp$n)
			[ "$f" -gt 0 ] && note "$s -smp $n: $f of $RUNS boots failed (logs: $B/logs/fail-smpboot-$s-smp$n-*.log)"
		done
	done
	# 3. ping-pong
	for f in "same:thread switch, same core" "cross:cross-core wake-up"; do
		for t in icount mttcg; do
			for s in linux toro; do
				v=$(get pp_${f%%:*} $s $t); eval "$s=\$v"
				[ "$v" != - ] && tsv "${f%%:*}_$([ $t = icount ] && echo insn || echo host_cycles)" \
					$SMP_MACHINE $s "$v" "$([ $t = icount ] && echo insn || echo cycles)"
			done
			row "${f#*:} ($([ $t = icount ] && echo 'insn, -icount' || echo 'host cycles'))" \
				- "$linux" "$toro" "" ""
		done
	done
}

best() {	# KIND SYSTEM MACHINE -> smallest raw value, or -
	awk -F'\t' -v k="$1" -v s="$2" -v m="$3" '$1 == k && $2 == s && $3 == m { print $4 }' "$RAW" |
		sort -n | head -1 | grep . || echo -
}

# The job's checksums must agree between runs and between the two systems.
scale_check() {
	local n s sums
	for n in 1 2; do
		sums=$(for s in linux toro; do
			awk -F'\t' -v s=$s -v n=$n '$1 == "scale_sum" && $2 == s && $3 == n { print $4 }' "$RAW"
		done | sort -u)
		[ "$(wc -l <<<"$sums")" -gt 1 ] &&
			note "scaling: the $n-thread job's checksums differ between runs or systems: $(echo $sums)"
	done
	return 0
}
