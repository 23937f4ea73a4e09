#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/pack/run.sh: toro pack --format (docs/deploy.md), checked as a user would:
# the GRUB ISO and the raw disk boot hello (its arguments through GRUB's command
# line, its exit status) and httpd (curl gets index.html through hostfwd) on pc
# and q35 through SeaBIOS; the qcow2 boots hello; a toro pack --app image of a
# musl program boots from the ISO with its argument and exit status 3; the libvirt XML validates
# (virt-xml-validate) and, where a libvirtd answers on qemu:///system, runs
# hello to its exit; skopeo inspect reads the OCI layout and its one layer
# holds /disk/disk.qcow2 owned 107:107, a qcow2 that qemu-img reads; the
# KubeVirt manifest names the layout's reference; Firecracker's vm_config.json
# parses with the expected fields; bad input gets one line and no output file.
#   tests/pack/run.sh [--counts FILE] [--keep]
# Host ports 21300-21303. Prints PASS/FAIL/SKIP and "pack: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
counts= keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) counts=$2; shift ;;
	--keep) keep=1 ;;
	*) echo "usage: $0 [--counts FILE] [--keep]" >&2; exit 2 ;;
	esac
	shift
done
TORO=$ROOT/bin/toro
HELLO=$ROOT/build/examples/hello.elf
HTTPD=$ROOT/build/examples/httpd.elf
PORT0=${TORO_PACK_PORT:-21300}
passed=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-pack-test.XXXXXX")
[ $keep = 1 ] && echo "keeping $work" || trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() {
	echo "pack: $passed passed, $failed failed"
	[ -n "$counts" ] && echo "$passed $failed" > "$counts"
	[ "$failed" = 0 ]
	exit
}
for f in "$HELLO" "$HTTPD"; do
	[ -f "$f" ] || { fail "no $f (make all)"; finish; }
done

# qemu MACHINE DRIVE...: QEMU booting from a disk or CD through SeaBIOS, as
# toro run sets it up otherwise (no SeaBIOS banner, isa-debug-exit).
qemu() {
	local m=$1; shift
	qemu-system-x86_64 -M "$m" -accel tcg -cpu max -m 64 -nodefaults -nographic -no-reboot \
		-serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-fw_cfg name=etc/sercon-port,string=0 "$@"
}
drive_of() { # FILE: QEMU's options for it
	case "$1" in
	*.iso) echo "-drive file=$1,media=cdrom,format=raw,readonly=on" ;;
	*.qcow2) echo "-drive file=$1,format=qcow2,if=ide" ;;
	*) echo "-drive file=$1,format=raw,if=ide" ;;
	esac
}

# boot_hello FILE MACHINE: hello's lines with its arguments, exit status 0
# through isa-debug-exit (QEMU exits with (0 << 1) | 1).
boot_hello() {
	local f=$1 m=$2 rc out
	out=$work/hello.$m.$(basename "$1").out
	# shellcheck disable=SC2046
	timeout 120 bash -c 'qemu "$@"' _ "$m" $(drive_of "$f") < /dev/null > "$out" 2>&1
	rc=$?
	tr -d '\r' < "$out" | grep -v 'fw_cfg item names' > "$out.txt"
	if [ "$rc" = 1 ] && grep -qxF 'hello, world!' "$out.txt" &&
		grep -qxF "argv[2] = a b" "$out.txt" &&
		[ "$(grep '^toro: ' "$out.txt" | tail -n 1)" = "toro: exit status 0" ]; then
		pass "$(basename "$f") on $m: hello through SeaBIOS and GRUB, its arguments, exit status 0"
	else
		fail "$(basename "$f") on $m: hello (QEMU exit $rc)"
		tail -n 12 "$out.txt" | sed 's/^/    /'
	fi
}
export -f qemu

# boot_httpd FILE MACHINE PORT: curl gets index.html byte-exact through hostfwd.
boot_httpd() {
	local f=$1 m=$2 port=$3 out qpid i ok=
	out=$work/httpd.$m.$(basename "$1").out
	# shellcheck disable=SC2046
	timeout 180 bash -c 'qemu "$@"' _ "$m" $(drive_of "$f") \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-pci,netdev=n0 \
		< /dev/null > "$out" 2>&1 &
	qpid=$!
	for i in $(seq 120); do
		if curl -sS -m 5 -o "$work/index.html" "http://127.0.0.1:$port/index.html" 2>/dev/null; then
			ok=1; break
		fi
		kill -0 "$qpid" 2>/dev/null || break
		sleep 1
	done
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	if [ -n "$ok" ] && cmp -s "$work/index.html" "$ROOT/examples/httpd/www/index.html"; then
		pass "$(basename "$f") on $m: httpd through GRUB answers curl byte-exact (after ${i}s)"
	else
		fail "$(basename "$f") on $m: httpd gave no index.html through 127.0.0.1:$port"
		tr -d '\r' < "$out" | tail -n 12 | sed 's/^/    /'
	fi
}

# pack_ok WHAT ARGS...: toro pack succeeds and writes its output.
pack_ok() {
	local what=$1; shift
	if "$TORO" pack "$@" > pack.out 2>&1; then return 0; fi
	fail "toro pack $what: $(head -n 3 pack.out)"
	return 1
}

# ---- bad input: one line on stderr, exit 2, nothing written ----
refused() { # WHAT EXPECTED-TEXT OUT ARGS...
	local what=$1 want=$2 o=$3 rc lines
	shift 3
	"$TORO" pack "$@" > refused.out 2>&1
	rc=$?
	lines=$(wc -l < refused.out)
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -qF -- "$want" refused.out && [ ! -e "$o" ]; then
		pass "refused: $what ($(cat refused.out))"
	else
		fail "refused: $what (exit $rc, $lines lines, want '$want')"
		sed 's/^/    /' refused.out | head -n 5
	fi
}
echo 'not a kernel' > notes.txt
refused "an unknown format" "unknown format 'vmdk'" bad.out --format vmdk -o bad.out "$HELLO"
refused "a missing image" "image 'nosuch.elf' not found" bad.iso --format iso -o bad.iso nosuch.elf
refused "a file that is not an ELF" "is not an ELF file" bad.img --format raw -o bad.img notes.txt
refused "no -o" "-o OUT is needed" x --format iso "$HELLO"
refused "a double quote in the command line" "cannot carry a double quote" bad.iso \
	--format iso -o bad.iso "$HELLO" -- 'say "hi"'
refused "a ' on GRUB's command line (GRUB would add a backslash)" "cannot carry ' or" bad.img \
	--format raw -o bad.img "$HELLO" -- "it's"
refused "an unknown option" "unknown option '--colour'" bad.iso --format iso --colour -o bad.iso "$HELLO"
# A tool missing: PATH without xorriso (links to every other command).
mkdir nox
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
	for c in "$d"/*; do
		[ "$(basename "$c")" = xorriso ] && continue
		[ -e "nox/$(basename "$c")" ] || ln -s "$c" "nox/$(basename "$c")"
	done
done
PATH=$work/nox refused "xorriso missing" "xorriso missing: apt-get install xorriso" bad.iso \
	--format iso -o bad.iso "$HELLO"

# ---- the images ----
args=(-- world "a b")
pack_ok iso --format iso -o hello.iso "$HELLO" "${args[@]}" &&
	pack_ok raw --format raw -o hello.img "$HELLO" "${args[@]}" &&
	pack_ok qcow2 --format qcow2 -o hello.qcow2 "$HELLO" "${args[@]}" &&
	pack_ok "httpd iso" --format iso -o httpd.iso "$HTTPD" -- --quiet &&
	pack_ok "httpd raw" --format raw -o httpd.img "$HTTPD" -- --quiet || finish
# (Two packs differ in the FAT's serial number and times: the boot below
# checks the contents.)
if [ "$(qemu-img info --output=json hello.qcow2 | jq -r .format)" = qcow2 ] &&
	[ "$(qemu-img info --output=json hello.qcow2 | jq -r '.["virtual-size"]')" = "$(stat -c %s hello.img)" ]; then
	pass "hello.qcow2 is a qcow2 of the raw disk's size (qemu-img info)"
else
	fail "hello.qcow2 is not a qcow2 of the raw disk's size"
fi
for m in pc q35; do
	boot_hello hello.iso $m
	boot_hello hello.img $m
done
boot_hello hello.qcow2 pc
port=$PORT0
for m in pc q35; do
	boot_httpd httpd.iso $m $port
	boot_httpd httpd.img $m $((port + 1))
	port=$((port + 2))
done

# ---- an unmodified static program (toro pack --app) through GRUB, status 3 ----
printf '#include <stdio.h>\nint main(int c, char **v) { printf("static %%s\\n", c > 1 ? v[1] : "-"); return 3; }\n' > s.c
if musl-gcc -static -O2 -o s s.c > cc.out 2>&1 && pack_ok "--app" --app ./s -o s.img &&
	pack_ok "iso of an --app image" --format iso -o s.iso s.img -- -- there; then
	timeout 120 bash -c 'qemu "$@"' _ q35 -drive file=s.iso,media=cdrom,format=raw,readonly=on \
		< /dev/null > s.out 2>&1
	rc=$?
	if [ "$rc" = 7 ] && grep -qxF 'static there' <(tr -d '\r' < s.out) &&
		grep -qxF 'toro: exit status 3' <(tr -d '\r' < s.out); then
		pass "a toro pack --app image through the GRUB ISO on q35: its argument, exit status 3"
	else
		fail "the --app image through the GRUB ISO (QEMU exit $rc)"
		tr -d '\r' < s.out | tail -n 8 | sed 's/^/    /'
	fi
else
	fail "musl-gcc or toro pack --app failed: $(head -n 2 cc.out pack.out)"
fi

# ---- libvirt ----
pack_ok libvirt --format libvirt --name "toro-pack-test-$$" --net none \
	--serial-log "$work/libvirt.log" -o hello.xml "$HELLO" "${args[@]}" &&
	pack_ok "libvirt --boot disk" --format libvirt --boot disk --machine q35 -o disk.xml "$HELLO" &&
	for x in hello.xml disk.xml; do
		if virt-xml-validate "$x" domain > validate.out 2>&1; then
			pass "$x validates (virt-xml-validate, domain schema)"
		else
			fail "$x: $(cat validate.out)"
		fi
	done
if [ -f disk.qcow2 ] && grep -qF "$work/disk.qcow2" disk.xml; then
	pass "libvirt --boot disk: the domain boots the qcow2 written next to it"
else
	fail "libvirt --boot disk: no disk.qcow2 named in disk.xml"
fi
# libvirtd probes QEMU's capabilities again on a define or start when /dev/kvm
# exists but does not work (as here): a minute each under load.
virsh() { timeout 300 virsh -c qemu:///system "$@" < /dev/null; }
if ! virsh list --all > virsh.out 2>&1; then
	echo "SKIP libvirt run: no libvirtd answers on qemu:///system (as root: libvirtd -d; $(tail -n 1 virsh.out))"
elif [ -f hello.xml ]; then
	dom=toro-pack-test-$$ st=
	chmod 755 "$work"
	if virsh define hello.xml > virsh.out 2>&1 && virsh start "$dom" >> virsh.out 2>&1; then
		for i in $(seq 120); do
			st=$(virsh domstate "$dom" 2>/dev/null | head -n 1)
			[ "$st" = "shut off" ] && break
			sleep 1
		done
	fi
	[ "$st" = "shut off" ] || virsh destroy "$dom" > /dev/null 2>&1
	virsh undefine "$dom" > /dev/null 2>&1
	if [ "$st" = "shut off" ] && grep -qxF "argv[2] = a b" <(tr -d '\r' < libvirt.log) &&
		grep -qxF 'toro: exit status 0' <(tr -d '\r' < libvirt.log); then
		pass "virsh define + start: hello runs under libvirtd (QEMU TCG) to exit status 0"
	else
		fail "virsh define + start: state '$st'"
		cat virsh.out libvirt.log 2>/dev/null | tail -n 8 | sed 's/^/    /'
	fi
fi

# ---- OCI layout for KubeVirt's containerDisk ----
if pack_ok oci --format oci --image-ref registry.test/toro/hello:1 -o layout "$HELLO" "${args[@]}"; then
	if skopeo inspect oci:layout:latest > inspect.json 2> inspect.err &&
		[ "$(jq -r '.Layers | length' inspect.json)" = 1 ]; then
		pass "skopeo inspect reads the OCI layout: one layer, $(jq -r .Architecture inspect.json)/$(jq -r .Os inspect.json)"
	else
		fail "skopeo inspect oci:layout:latest: $(head -n 2 inspect.err)"
	fi
	layer=$(jq -r '.Layers[0]' inspect.json 2>/dev/null)
	layer=layout/blobs/sha256/${layer#sha256:}
	listing=$(tar -tvzf "$layer" 2>/dev/null | grep ' disk/disk.qcow2$')
	if [[ "$listing" == *" 107/107 "* ]]; then
		pass "the layer holds /disk/disk.qcow2 owned 107:107 ($(awk '{print $1, $3}' <<< "$listing") bytes)"
	else
		fail "no /disk/disk.qcow2 owned 107:107 in the layer: '$listing'"
	fi
	mkdir unpacked
	if tar -xzf "$layer" -C unpacked disk/disk.qcow2 2>/dev/null &&
		[ "$(qemu-img info --output=json unpacked/disk/disk.qcow2 | jq -r .format)" = qcow2 ]; then
		pass "the disk from the layer is a qcow2 (qemu-img info)"
	else
		fail "the disk from the layer is no qcow2"
	fi
	if grep -qxF '          image: registry.test/toro/hello:1' layout.kubevirt.yaml &&
		grep -qxF 'kind: VirtualMachine' layout.kubevirt.yaml &&
		grep -qF 'containerDisk:' layout.kubevirt.yaml; then
		pass "layout.kubevirt.yaml: a VirtualMachine with a containerDisk of the image"
	else
		fail "layout.kubevirt.yaml lacks the VirtualMachine, containerDisk or image"
	fi
fi

# ---- Firecracker ----
truncate -s 1M data.img
if pack_ok firecracker --format firecracker -o fc --mem 48 --smp 2 --tap tap-pack0 \
	--disk data.img,ro "$HELLO" -- PORT=80 -- "it's a b"; then
	if jq -e --arg d "$work/data.img" '
		.["boot-source"].kernel_image_path == "toro.elf" and
		.["boot-source"].boot_args == "PORT=80 -- \"it'"'"'s a b\"" and
		.["machine-config"].vcpu_count == 2 and .["machine-config"].mem_size_mib == 48 and
		.drives[0].path_on_host == $d and .drives[0].is_read_only == true and
		.["network-interfaces"][0].host_dev_name == "tap-pack0"' fc/vm_config.json > /dev/null &&
		cmp -s fc/toro.elf "$HELLO" && grep -qF 'firecracker --no-api --config-file vm_config.json' fc/README; then
		pass "firecracker: vm_config.json parses with the kernel, boot_args, vCPUs, memory, drive, tap; README has the command line"
	else
		fail "firecracker: vm_config.json lacks an expected field"
		sed 's/^/    /' fc/vm_config.json | head -n 30
	fi
fi
finish
