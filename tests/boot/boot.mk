# SPDX-License-Identifier: MIT
# The loader test image (tests/boot/loader/): a 32-bit ELF QEMU boots through
# Multiboot or PVH, which enters a Toro ELF as Firecracker's Linux 64-bit boot
# does. Built with the guest tests; tests/boot/run.sh uses it.
LOADER_SRCS := tests/boot/loader/entry.S tests/boot/loader/loader.c tests/boot/loader/mptable_fc.c
LOADER_CFLAGS := -m32 -ffreestanding -fno-pie -fno-stack-protector -fno-builtin -mgeneral-regs-only \
                 -O2 --param=min-pagesize=0 -Wall -Wextra -nostdlib -static -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

$(B)/tests/boot/loader.elf: $(LOADER_SRCS) tests/boot/loader/mptable_fc.h tests/boot/loader/loader.ld
	@mkdir -p $(dir $@)
	$(CC) $(LOADER_CFLAGS) -T tests/boot/loader/loader.ld -o $@ $(LOADER_SRCS)

guest-tests: $(B)/tests/boot/loader.elf
