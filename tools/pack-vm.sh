# SPDX-License-Identifier: MIT
# tools/pack-vm.sh: the VMM and fleet formats of toro pack (firecracker,
# libvirt, oci + a KubeVirt manifest); sourced by tools/pack.sh after
# tools/pack-disk.sh. JSON is written by jq (its quoting is right for any
# string), XML escaped here, the OCI layout made by umoci.

# Firecracker's configuration file (the one --config-file takes): the same
# objects as its API's /boot-source, /machine-config, /drives and
# /network-interfaces. Paths are relative to the directory: run it there.
pack_firecracker() { # OUT (a directory)
	need jq jq
	local d drives='[]' ifaces='[]' i=0 ro dname
	mkdir -p "$1" || die "cannot make the directory '$1'"
	cp "$image" "$1/toro.elf" || die "cannot write '$1/toro.elf'"
	for d in "${disks[@]+"${disks[@]}"}"; do
		ro=false
		[[ "$d" == *,ro ]] && ro=true d=${d%,ro}
		dname=$(printf 'vd%b' "\\x$(printf %x $((97 + i)))")
		drives=$(jq -c --arg id "$dname" --arg p "$(readlink -f "$d")" --argjson ro $ro \
			'. + [{drive_id: $id, path_on_host: $p, is_root_device: false, is_read_only: $ro}]' <<< "$drives")
		i=$((i + 1))
	done
	if [ -n "$tap" ]; then
		ifaces=$(jq -c --arg tap "$tap" --arg mac "$mac" \
			'[{iface_id: "eth0", host_dev_name: $tap} + (if $mac == "" then {} else {guest_mac: $mac} end)]' <<< '{}')
	fi
	jq -n --arg args "$cmdline" --argjson mem "$mem" --argjson smp "$smp" \
		--argjson drives "$drives" --argjson ifaces "$ifaces" '{
		"boot-source": {kernel_image_path: "toro.elf", boot_args: $args},
		"machine-config": {vcpu_count: $smp, mem_size_mib: $mem, smt: false},
		"drives": $drives,
		"network-interfaces": $ifaces
	}' > "$1/vm_config.json" || die "cannot write '$1/vm_config.json'"
	cat > "$1/README" <<-EOF
	Toro image $name for Firecracker (written by toro pack; docs/deploy.md).
	Run it from this directory (the paths in vm_config.json are relative to it):

	    firecracker --no-api --config-file vm_config.json

	The console is the serial port (Firecracker's stdout); the program's exit
	status is the last line ("toro: exit status N"), then the VM resets through
	the i8042, which ends Firecracker. Arguments and variables are on the command
	line (boot_args): Firecracker has no fw_cfg.
	EOF
}

xml_esc() { # TEXT
	local s=${1//&/"&amp;"} # quoted: bash 5.2 reads a bare & as the match
	s=${s//</"&lt;"}; s=${s//>/"&gt;"}; s=${s//\"/"&quot;"}; s=${s//\'/"&apos;"}
	printf '%s' "$s"
}

libvirt_disk() { # FILE FORMAT TARGET [ro]
	echo "    <disk type='file' device='disk'>"
	echo "      <driver name='qemu' type='$2'/>"
	echo "      <source file='$(xml_esc "$(readlink -f "$1")")'/>"
	echo "      <target dev='$3' bus='virtio'/>"
	[ -n "${4:-}" ] && echo "      <readonly/>"
	echo "    </disk>"
}

# A libvirt domain for QEMU (type qemu: TCG; type kvm where /dev/kvm works):
# --boot kernel gives QEMU the image and the command line as -kernel/-append;
# --boot disk makes the qcow2 disk next to OUT and boots it through SeaBIOS.
pack_libvirt() { # OUT (an .xml file)
	local qcow= d i=0 t
	if [ "$boot" = disk ]; then
		qcow=${1%.xml}.qcow2
		pack_qcow2 "$qcow"
	fi
	{
		echo "<domain type='qemu'>"
		echo "  <name>$(xml_esc "$name")</name>"
		echo "  <memory unit='MiB'>$mem</memory>"
		echo "  <vcpu>$smp</vcpu>"
		echo "  <os>"
		echo "    <type arch='x86_64' machine='$machine'>hvm</type>"
		if [ -z "$qcow" ]; then
			echo "    <kernel>$(xml_esc "$image_abs")</kernel>"
			echo "    <cmdline>$(xml_esc "$cmdline")</cmdline>"
		else
			echo "    <boot dev='hd'/>"
		fi
		echo "  </os>"
		echo "  <features><acpi/></features>"
		echo "  <cpu mode='maximum' migratable='off'/>"
		echo "  <on_poweroff>destroy</on_poweroff>"
		echo "  <on_reboot>destroy</on_reboot>"
		echo "  <on_crash>destroy</on_crash>"
		echo "  <devices>"
		echo "    <emulator>$(command -v qemu-system-x86_64 || echo /usr/bin/qemu-system-x86_64)</emulator>"
		[ -n "$qcow" ] && { libvirt_disk "$qcow" qcow2 vda; i=1; }
		for d in "${disks[@]+"${disks[@]}"}"; do
			t=vd$(printf '%b' "\\x$(printf %x $((97 + i)))")
			if [[ "$d" == *,ro ]]; then libvirt_disk "${d%,ro}" raw "$t" ro
			else libvirt_disk "$d" raw "$t"; fi
			i=$((i + 1))
		done
		case "$net" in
		user) echo "    <interface type='user'><model type='virtio'/></interface>" ;;
		network:*) echo "    <interface type='network'><source network='$(xml_esc "${net#*:}")'/><model type='virtio'/></interface>" ;;
		bridge:*) echo "    <interface type='bridge'><source bridge='$(xml_esc "${net#*:}")'/><model type='virtio'/></interface>" ;;
		esac
		if [ -n "$serial_log" ]; then
			echo "    <serial type='file'><source path='$(xml_esc "$(readlink -f "$serial_log")")'/><target port='0'/></serial>"
		else
			echo "    <serial type='pty'><target port='0'/></serial>"
			echo "    <console type='pty'><target type='serial' port='0'/></console>"
		fi
		echo "    <memballoon model='none'/>"
		echo "  </devices>"
		echo "</domain>"
	} > "$tmp/domain.xml"
	mv -f "$tmp/domain.xml" "$1" || die "cannot write '$1'"
}

# KubeVirt's containerDisk: a container image whose only content is the disk,
# one file under /disk/ (qcow2 or raw), readable by the qemu user 107:107.
pack_oci() { # OUT (a directory: the OCI image layout)
	need umoci umoci
	[ "$(id -u)" = 0 ] || die "oci needs root (the disk's owner must be 107:107 in the layer)"
	[ -e "$1" ] && die "'$1' exists: give a new directory (an OCI layout is written whole)"
	local tag=latest file
	file=disk.$( [ "$disk_format" = raw ] && echo img || echo qcow2)
	mkdir -p "$tmp/stage/disk"
	if [ "$disk_format" = raw ]; then pack_raw "$tmp/stage/disk/$file"
	else pack_qcow2 "$tmp/stage/disk/$file"; fi
	chown -R 107:107 "$tmp/stage/disk" && chmod 0755 "$tmp/stage/disk" &&
		chmod 0444 "$tmp/stage/disk/$file" || die "cannot set the disk's owner"
	{
		umoci init --layout "$tmp/layout" &&
		umoci new --image "$tmp/layout:$tag" &&
		umoci insert --image "$tmp/layout:$tag" "$tmp/stage/disk" /disk &&
		umoci config --image "$tmp/layout:$tag" --config.label "org.toro.image=$name" &&
		umoci gc --layout "$tmp/layout"
	} > "$tmp/log" 2>&1 || { sed 's/^/  /' "$tmp/log" >&2; die "umoci failed"; }
	mv "$tmp/layout" "$1" || die "cannot write '$1'"
	[ -n "$image_ref" ] || image_ref="localhost:5000/toro-$name:$tag"
	kubevirt_vm > "${1%/}.kubevirt.yaml" || die "cannot write '${1%/}.kubevirt.yaml'"
}

kubevirt_vm() {
	cat <<-EOF
	# A KubeVirt VirtualMachine booting the Toro image $name from a containerDisk
	# (written by toro pack; docs/deploy.md). Push the layout first:
	#   skopeo copy oci:$(basename "${out%/}"):latest docker://$image_ref
	apiVersion: kubevirt.io/v1
	kind: VirtualMachine
	metadata:
	  name: toro-$name
	spec:
	  runStrategy: Always
	  template:
	    metadata:
	      labels:
	        kubevirt.io/vm: toro-$name
	    spec:
	      domain:
	        cpu:
	          cores: $smp
	        resources:
	          requests:
	            memory: ${mem}Mi
	        devices:
	          disks:
	          - name: containerdisk
	            disk:
	              bus: virtio
	          interfaces:
	          - name: default
	            masquerade: {}
	            model: virtio
	      networks:
	      - name: default
	        pod: {}
	      volumes:
	      - name: containerdisk
	        containerDisk:
	          image: $image_ref
	EOF
}
