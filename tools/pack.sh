#!/bin/bash
# SPDX-License-Identifier: MIT
# toro pack --format: one Toro image as the artifact a VMM or fleet engine takes.
#   toro pack --format raw|iso|qcow2|firecracker|libvirt|oci -o OUT [options] IMAGE [-- WORDS...]
#     iso          a GRUB rescue ISO (BIOS, hybrid: also boots as a disk)
#     raw          a disk: MBR + GRUB (boot.img, core.img) + a FAT partition
#                  holding IMAGE and grub.cfg
#     qcow2        the raw disk, converted by qemu-img
#     firecracker  a directory OUT: the kernel, vm_config.json, README
#     libvirt      a domain XML OUT (kernel + cmdline; --boot disk: OUT's .qcow2)
#     oci          an OCI image layout OUT holding the disk under /disk/ (owner
#                  107:107) for KubeVirt's containerDisk, and OUT.kubevirt.yaml
#   Options: --name NAME, --mem MIB (64), --smp N (1); libvirt: --machine pc|q35,
#   --boot kernel|disk, --net none|user|network:NAME|bridge:BR (user),
#   --serial-log FILE; firecracker: --tap DEV, --mac MAC; firecracker and
#   libvirt: --disk FILE[,ro] (repeatable); oci: --disk-format qcow2|raw,
#   --image-ref REF (the image name in the manifest).
#   WORDS: the boot's command line, as toro run takes them (toro.* options,
#   KEY=VALUE, then the program's arguments, after a second -- or the first
#   other word); all of them go on the kernel command line (no fw_cfg there).
# docs/deploy.md says what each is for and how each was checked.
set -uo pipefail

usage() {
	sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
die() { echo "toro pack: $*" >&2; exit 2; }
need() { # COMMAND PACKAGE
	command -v "$1" >/dev/null || die "$1 missing: apt-get install $2"
}

format= out= name= mem=64 smp=1 machine=pc boot=kernel net=user serial_log= tap= mac=
disk_format=qcow2 image_ref= image= disks=() words=()
while [ $# -gt 0 ]; do
	case "$1" in
	--format|-o|--name|--mem|--smp|--machine|--boot|--net|--serial-log|--tap|--mac|--disk|\
	--disk-format|--image-ref)
		[ $# -ge 2 ] || die "$1 needs a value"
		set -- "$1=$2" "${@:3}" ;;
	esac
	case "$1" in
	--format=*) format=${1#*=} ;;
	-o=*) out=${1#*=} ;;
	--name=*) name=${1#*=} ;;
	--mem=*) mem=${1#*=} ;;
	--smp=*) smp=${1#*=} ;;
	--machine=*) machine=${1#*=} ;;
	--boot=*) boot=${1#*=} ;;
	--net=*) net=${1#*=} ;;
	--serial-log=*) serial_log=${1#*=} ;;
	--tap=*) tap=${1#*=} ;;
	--mac=*) mac=${1#*=} ;;
	--disk=*) disks+=("${1#*=}") ;;
	--disk-format=*) disk_format=${1#*=} ;;
	--image-ref=*) image_ref=${1#*=} ;;
	-h|--help) usage ;;
	--) shift; words=("$@"); break ;;
	-*) die "unknown option '$1' (toro pack --help)" ;;
	*) [ -z "$image" ] || die "more than one image given ('$image', '$1')"; image=$1 ;;
	esac
	shift
done

case "$format" in
raw|iso|qcow2|firecracker|libvirt|oci) ;;
'') die "--format is needed (raw, iso, qcow2, firecracker, libvirt, oci)" ;;
*) die "unknown format '$format' (raw, iso, qcow2, firecracker, libvirt, oci)" ;;
esac
[ -n "$out" ] || die "-o OUT is needed"
[ -n "$image" ] || die "no image given"
[ -f "$image" ] || die "image '$image' not found"
[ "$(head -c 4 "$image" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
	die "'$image' is not an ELF file (a Toro image from toro-cc or toro pack --app)"
[[ "$mem" =~ ^[1-9][0-9]*$ ]] || die "bad --mem '$mem' (MiB)"
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "bad --smp '$smp'"
case "$machine" in pc|q35) ;; *) die "bad --machine '$machine' (pc, q35)" ;; esac
case "$boot" in kernel|disk) ;; *) die "bad --boot '$boot' (kernel, disk)" ;; esac
case "$disk_format" in qcow2|raw) ;; *) die "bad --disk-format '$disk_format' (qcow2, raw)" ;; esac
case "$net" in none|user|network:?*|bridge:?*) ;; *)
	die "bad --net '$net' (none, user, network:NAME, bridge:BRIDGE)" ;; esac
[ -z "$name" ] && name=$(basename "$image" | sed 's/\.[^.]*$//')
name=$(printf '%s' "$name" | tr 'A-Z_.' 'a-z--' | tr -cd 'a-z0-9-')
[ -n "$name" ] || die "bad --name (letters, digits and - are kept)"
for d in "${disks[@]+"${disks[@]}"}"; do
	[ -f "${d%,ro}" ] || die "disk '${d%,ro}' not found"
done

# The command line, in toro run's order: kernel options, variables, "--", the
# program's arguments (kernel/main.c and lib/cmdline.c read it so).
kopts=() envs=() appargs=() seen=0
for w in "${words[@]+"${words[@]}"}"; do
	if [ $seen = 0 ] && [ "$w" = "--" ]; then seen=1; continue; fi
	if [ $seen = 0 ] && [[ "$w" == toro.* ]]; then kopts+=("$w")
	elif [ $seen = 0 ] && [[ "$w" =~ ^[ABCDEFGHIJKLMNOPQRSTUVWXYZ_][^.=]*= ]]; then envs+=("$w")
	elif [ $seen = 0 ] && [[ "$w" == *=* ]]; then kopts+=("$w")
	else seen=1; appargs+=("$w"); fi
done
for w in "${words[@]+"${words[@]}"}"; do
	[[ "$w" == *'"'* ]] && die "the kernel command line cannot carry a double quote, in $(printf %q "$w")"
	[[ "$w" == *[$'\n\t\r']* ]] && die "the kernel command line cannot carry a tab or newline, in $(printf %q "$w")"
done
[ ${#appargs[@]} -le 64 ] && [ ${#envs[@]} -le 64 ] ||
	die "the kernel command line carries at most 64 arguments and 64 variables"
# GRUB's multiboot quotes a word with a space in double quotes itself; the
# other loaders take the line as written here.
cmd_words=("${kopts[@]+"${kopts[@]}"}" "${envs[@]+"${envs[@]}"}")
[ ${#appargs[@]} -gt 0 ] && cmd_words+=(-- "${appargs[@]}")
cmdline=
for w in "${cmd_words[@]+"${cmd_words[@]}"}"; do
	if [ -z "$w" ] || [[ "$w" == *' '* ]]; then cmdline+="\"$w\" "; else cmdline+="$w "; fi
done
cmdline=${cmdline% }
[ "$(printf '%s' "$cmdline" | wc -c)" -le 1792 ] || die "the kernel command line would be over 1792 bytes"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/toro-pack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
image_abs=$(readlink -f "$image")

. "$(dirname "$(readlink -f "$0")")/pack-disk.sh"
. "$(dirname "$(readlink -f "$0")")/pack-vm.sh"

case "$format" in
iso) pack_iso "$out" ;;
raw) pack_raw "$out" ;;
qcow2) pack_qcow2 "$out" ;;
firecracker) pack_firecracker "$out" ;;
libvirt) pack_libvirt "$out" ;;
oci) pack_oci "$out" ;;
esac
