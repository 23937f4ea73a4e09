#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/boot/run.sh: the image's entries. The Linux 64-bit entry (Firecracker
# before PVH) through the loader test image (tests/boot/loader/: QEMU boots it,
# it enters the Toro ELF as Firecracker does), and QEMU's own -kernel paths
# (Multiboot on pc and q35, PVH on microvm) through toro run.
#   tests/boot/run.sh [--counts FILE] [--timeout S] [NAME...]
# The loader runs have no isa-debug-exit: the kernel ends the VM with the i8042
# reset (QEMU -no-reboot exits) and the exit status is read from its last line,
# "toro: exit status N". On pc the i8042 reset command is seen through QEMU's
# trace event pckbd_kbd_write_command. Prints PASS/FAIL lines, then
# "boot: N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
B=$ROOT/build
LOADER=$B/tests/boot/loader.elf
GUEST=$B/tests/guest
LOGDIR=$B/tests/boot/logs
counts= timeout_s=240 only=()
while [ $# -gt 0 ]; do
	case $1 in
	--counts) counts=$2; shift ;;
	--timeout) timeout_s=$2; shift ;;
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
	*) only+=("$1") ;;
	esac
	shift
done
mkdir -p "$LOGDIR"
passed=0 failed=0

for f in "$LOADER" "$B/examples/hello.elf" "$GUEST/smp_cores.elf" "$GUEST/abort.elf" \
	"$GUEST/virtio_rng_mmio_modern.elf" "$GUEST/hello_args.pvh.elf" \
	"$GUEST/net_mmio_modern.elf" "$GUEST/blk_mmio_modern.elf" "$GUEST/thread_sleep.elf"; do
	[ -f "$f" ] || { echo "boot: $f missing: run make all first" >&2; exit 2; }
done

wanted() {
	[ ${#only[@]} -eq 0 ] && return 0
	local n
	for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

# loader NAME MACHINE SMP IMAGE LOADER-WORDS -- TORO-WORDS...: boots IMAGE
# through the loader; the console and QEMU's trace lines go to $LOGDIR/NAME.log.
loader() {
	local name=$1 machine=$2 smp=$3 image=$4 words=$5
	shift 5
	timeout "$timeout_s" qemu-system-x86_64 -machine "$machine" -m 256 -smp "$smp" \
		-nodefaults -nographic -no-reboot -serial stdio \
		-trace pckbd_kbd_write_command "${extra[@]+"${extra[@]}"}" \
		-kernel "$LOADER" -initrd "$image" -append "$words $*" \
		> "$LOGDIR/$name.log" 2>&1 < /dev/null
	echo $? > "$LOGDIR/$name.rc"
}

# check NAME STATUS PATTERN...: the run ended by itself (not the timeout), its
# last "toro: exit status N" line says STATUS, every PATTERN (grep -E) is in
# its log, and no kernel panic unless a pattern asks for one.
check() {
	local name=$1 want=$2 log=$LOGDIR/$1.log why=() p got rc
	shift 2
	rc=$(cat "$LOGDIR/$name.rc")
	[ "$rc" = 124 ] && why+=("timed out after ${timeout_s}s (a hang)")
	got=$(tr -d '\r' < "$log" | sed -n 's/^toro: exit status \([0-9]*\)$/\1/p' | tail -n 1)
	[ "$got" = "$want" ] || why+=("exit status '${got:-none}', wanted $want")
	for p in "$@"; do
		tr -d '\r' < "$log" | grep -qE -- "$p" || why+=("no line matching: $p")
	done
	if ! printf '%s\n' "$@" | grep -q panic && grep -qE 'toro: (kernel )?panic|kernel fault' "$log"; then
		why+=("kernel panic: $(grep -m1 -E 'panic|fault' "$log")")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: ${why[*]}"
		echo "    log: $log"
		tr -d '\r' < "$log" | grep -vE '^toro: memory ' | tail -n 8 | sed 's/^/    | /'
		failed=$((failed + 1))
	fi
}

ENTRY='^toro: booted by the Linux 64-bit entry$'
I8042='pckbd_kbd_write_command (0x)?fe'
extra=()

# hello: output, status 0, the i8042 reset (pc), on pc and microvm.
if wanted hello_pc; then
	loader hello_pc pc 1 "$B/examples/hello.elf" "" -- toro.debug -- world
	check hello_pc 0 "$ENTRY" '^argv\[1\] = world$' "$I8042"
fi
if wanted hello_microvm; then
	loader hello_microvm microvm 1 "$B/examples/hello.elf" "" -- toro.debug -- world
	check hello_microvm 0 "$ENTRY" '^argv\[1\] = world$'
fi
# No CMOS RTC under this entry: kvmclock, which QEMU TCG lacks, so the note
# (not timers.c: its absolute time "5 s in the past" is below 0 there, EINVAL).
if wanted realtime_note; then
	loader realtime_note microvm 1 "$GUEST/thread_sleep.elf" "" -- toro.debug
	check realtime_note 0 "$ENTRY" '^toro: no kvmclock and no CMOS clock \(Linux 64-bit entry\), CLOCK_REALTIME starts at 0$'
fi
# A non-zero status through the printed line (abort: 134, beyond isa-debug-exit's 7 bits
# would not matter here: there is no isa-debug-exit).
if wanted abort_pc; then
	loader abort_pc pc 1 "$GUEST/abort.elf" "" -- toro.debug
	check abort_pc 134 "$ENTRY" 'toro: terminated by signal 6' "$I8042"
fi
# Two vCPUs: the CPUs from the MADT (ACPI, Firecracker >= 1.8) on pc and
# microvm; from the MP table alone (Firecracker < 1.8) on microvm without ACPI.
if wanted smp_acpi_pc; then
	loader smp_acpi_pc pc 2 "$GUEST/smp_cores.elf" "" -- toro.debug -- 2
	check smp_acpi_pc 0 "$ENTRY" '^SUCCESS$' 'cores seen 0x3' "$I8042"
fi
if wanted smp_acpi_microvm; then
	loader smp_acpi_microvm microvm 2 "$GUEST/smp_cores.elf" "" -- toro.debug -- 2
	check smp_acpi_microvm 0 "$ENTRY" '^SUCCESS$' 'cores seen 0x3'
fi
if wanted smp_mptable_microvm; then
	loader smp_mptable_microvm microvm,acpi=off 2 "$GUEST/smp_cores.elf" fc.mp -- toro.debug -- 2
	check smp_mptable_microvm 0 "$ENTRY" '^loader: .*MP table only' '^toro: MP table: 2 CPUs$' \
		'^SUCCESS$' 'cores seen 0x3'
fi
# A virtio-mmio device (modern, as Firecracker's) found from the command line's
# virtio_mmio.device= word, which QEMU microvm without ACPI appends.
if wanted virtio_mmio_microvm; then
	extra=(-global virtio-mmio.force-legacy=false -device virtio-rng-device)
	loader virtio_mmio_microvm microvm,acpi=off 1 "$GUEST/virtio_rng_mmio_modern.elf" fc.mp -- toro.debug
	extra=()
	check virtio_mmio_microvm 0 "$ENTRY" 'toro: virtio-rng at mmio 0x[0-9a-f]+ irq [0-9]+' '^SUCCESS$'
fi
if wanted virtio_net_microvm; then
	extra=(-global virtio-mmio.force-legacy=false -netdev user,id=n0 -device virtio-net-device,netdev=n0)
	loader virtio_net_microvm microvm,acpi=off 2 "$GUEST/net_mmio_modern.elf" fc.mp -- \
		toro.debug toro.net.ping=10.0.2.2
	extra=()
	check virtio_net_microvm 0 "$ENTRY" 'toro: virtio-net eth0 [0-9a-f:]+ at mmio' \
		'toro: ping 10.0.2.2 ok' '^SUCCESS$'
fi
if wanted virtio_blk_microvm; then
	disk=$LOGDIR/virtio_blk_microvm.img
	blk=(1050112 9 1:1 4095:4098 70001:65543 1050109:3)
	perl "$ROOT/tests/guest/blkimg.pl" make "$disk" 1050112 9
	extra=(-global virtio-mmio.force-legacy=false -drive "file=$disk,format=raw,if=none,id=d0"
		-device virtio-blk-device,drive=d0)
	loader virtio_blk_microvm microvm,acpi=off 1 "$GUEST/blk_mmio_modern.elf" fc.mp -- \
		toro.debug -- /dev/vda "${blk[@]}"
	extra=()
	# What the guest wrote must be on the disk when QEMU has gone.
	if perl "$ROOT/tests/guest/blkimg.pl" check "$disk" "${blk[@]}" >> "$LOGDIR/virtio_blk_microvm.log" 2>&1; then
		echo "host: disk check ok" >> "$LOGDIR/virtio_blk_microvm.log"
	fi
	check virtio_blk_microvm 0 "$ENTRY" 'toro: virtio-blk vda at mmio' '^SUCCESS$' '^host: disk check ok$'
	rm -f "$disk"
fi
# Firecracker's PVH boot (its versions with PVH support take the note, not e_entry).
if wanted fc_pvh_pc; then
	loader fc_pvh_pc pc 1 "$B/examples/hello.elf" fc.pvh -- toro.debug -- world
	check fc_pvh_pc 0 'loader: entering the PVH entry at 0x' '^toro: booted by PVH$' '^argv\[1\] = world$'
fi
if wanted fc_pvh_microvm; then
	loader fc_pvh_microvm microvm 2 "$GUEST/smp_cores.elf" fc.pvh -- toro.debug -- 2
	check fc_pvh_microvm 0 'loader: entering the PVH entry at 0x' '^toro: booted by PVH$' '^SUCCESS$' \
		'cores seen 0x3'
fi
# toro pack --format firecracker's directory: its toro.elf with its boot_args and
# vcpu_count through the loader (the memory stays 256 MiB: the loader sits at 96 MiB).
if wanted pack_firecracker; then
	dir=$LOGDIR/pack_firecracker.d
	rm -rf "$dir"
	if "$ROOT/bin/toro" pack --format firecracker --smp 2 -o "$dir" "$B/examples/hello.elf" -- world \
		> "$LOGDIR/pack_firecracker.log" 2>&1; then
		cfg=$dir/vm_config.json
		loader pack_firecracker microvm "$(jq -r '.["machine-config"].vcpu_count' "$cfg")" \
			"$dir/$(jq -r '.["boot-source"].kernel_image_path' "$cfg")" "" -- \
			toro.debug "$(jq -r '.["boot-source"].boot_args' "$cfg")"
	else
		echo 1 > "$LOGDIR/pack_firecracker.rc"
	fi
	check pack_firecracker 0 "$ENTRY" 'loader: .*0x2 CPUs' '^argv\[1\] = world$'
	rm -rf "$dir"
fi
# Malformed boot_params: a console sentence and status 255, not a hang.
if wanted bad_e820; then
	loader bad_e820 pc 1 "$B/examples/hello.elf" fc.bad=e820 -- world
	check bad_e820 255 'toro: panic: boot_params: the e820 memory map is empty' "$I8042"
fi
if wanted bad_cmdline; then
	loader bad_cmdline pc 1 "$B/examples/hello.elf" fc.bad=cmdline -- world
	check bad_cmdline 255 'toro: panic: boot_params: the command line pointer is not in RAM \(e820\): 0xfffff000' "$I8042"
fi
if wanted bad_header; then
	loader bad_header microvm 1 "$B/examples/hello.elf" fc.bad=header -- world
	check bad_header 255 'toro: panic: boot_params: no setup header'
fi

# QEMU's -kernel paths with the new e_entry: Multiboot (pc, q35 and microvm
# take the Multiboot header first), PVH (an image without it, toro-cc --pvh-only).
kernel_run() {
	local name=$1 machine=$2 image=$3 proto=$4
	shift 4
	wanted "$name" || return 0
	timeout "$timeout_s" "$ROOT/bin/toro" run --machine "$machine" --timeout "$timeout_s" \
		"$image" -- toro.debug "$@" > "$LOGDIR/$name.log" 2>&1 < /dev/null
	echo $? > "$LOGDIR/$name.rc"
	check "$name" 0 "^toro: booted by $proto\$" '^SUCCESS$|^argv\[1\] = world$'
}
for m in pc q35 microvm; do
	kernel_run "kernel_$m" "$m" "$B/examples/hello.elf" Multiboot -- world
done
for m in pc q35 microvm; do
	kernel_run "kernel_pvh_$m" "$m" "$GUEST/hello_args.pvh.elf" PVH \
		GREETING=hi "MOTTO=small is fast" EMPTY= -- world "an argument with spaces" --x
done

echo "boot: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" -eq 0 ]
