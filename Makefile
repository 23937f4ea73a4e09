# SPDX-License-Identifier: MIT
# Toro build. `make` builds the kernel object, toro-cc's pieces, the examples and
# the guest tests into build/. `make run`, `make test`, `make bench`: see README.md.

B        := build
CC       := gcc
LD       := ld
OBJCOPY  := objcopy

KCFLAGS  := -std=gnu11 -Os -g -ffreestanding -fno-pie -fno-stack-protector \
            -fno-builtin-printf -mgeneral-regs-only -mno-red-zone -mcmodel=small \
            -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
            -ffunction-sections -fdata-sections -fno-common \
            -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
            -Iinclude -MMD -MP
KASFLAGS := -Iinclude -MMD -MP

KSRCS := $(wildcard arch/x86_64/*.S arch/x86_64/*.c kernel/*.c drivers/*.c drivers/virtio/*.c lib/*.c)
KOBJS := $(patsubst %,$(B)/k/%.o,$(KSRCS))

EXAMPLES    := $(notdir $(wildcard examples/*))
EXAMPLE_ELF := $(foreach e,$(EXAMPLES),$(B)/examples/$(e).elf)
GUEST_TESTS := $(basename $(notdir $(wildcard tests/guest/*.c)))
GUEST_ELF   := $(foreach t,$(GUEST_TESTS),$(B)/tests/guest/$(t).elf $(B)/tests/guest/$(t).pvh.elf)

TOROCC := bin/toro-cc

.PHONY: all kernel examples guest-tests unit-tests run test bench deps clean fuzz
all: deps kernel examples guest-tests

deps:
	@tools/deps.sh

kernel: $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack

$(B)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(B)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KASFLAGS) -c $< -o $@

# One relocatable object whose only global symbols are its entry points, so the
# kernel's memcpy & co. never meet musl's. Allocated sections get a .toro prefix
# so the linker script can give kernel pages their own (supervisor) protections.
$(B)/toro.o: $(KOBJS) tools/toro.syms
	$(LD) -r -o $(B)/toro-full.o $(KOBJS)
	$(OBJCOPY) --keep-global-symbols=tools/toro.syms --prefix-alloc-sections=.toro \
	    $(B)/toro-full.o $@

$(B)/tools/mksyms: tools/mksyms.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Iinclude -o $@ $<

$(B)/tools/toropack: tools/toropack.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $<

examples: $(EXAMPLE_ELF)
$(B)/examples/%.elf: examples/%/*.c $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) -O2 -o $@ $(filter %.c,$^)

guest-tests: $(GUEST_ELF)
$(B)/tests/guest/%.elf: tests/guest/%.c $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) -O2 -o $@ $<
# PVH-only variant: no Multiboot header, so QEMU takes the PVH note.
$(B)/tests/guest/%.pvh.elf: tests/guest/%.c $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) --pvh-only -O2 -o $@ $<

# ---- host unit tests (cmocka, sanitizers) ----
include tests/unit/unit.mk
UNIT_TESTS := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
UNIT_BINS  := $(foreach t,$(UNIT_TESTS),$(B)/unit/$(t))
UCFLAGS := -std=gnu11 -g -O1 -DTORO_HOST -Iinclude -Wall -Wextra -Wno-unused-parameter \
           -fsanitize=address,undefined -fno-sanitize-recover=all
.SECONDEXPANSION:
$(B)/unit/%: tests/unit/%.c $$(UNIT_SRCS_$$*) $$(if $$(filter $$*,$$(UNIT_OWN_STUBS)),,tests/unit/host_stubs.c)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $^ -lcmocka
unit-tests: $(UNIT_BINS)

run: all
	bin/toro run --machine microvm $(B)/examples/hello.elf -- world

test: all unit-tests
	@tests/run-all.sh

bench: all
	@bench/run.sh

fuzz:
	@tests/fuzz/run.sh

clean:
	rm -rf $(B)

-include $(shell find $(B)/k -name '*.d' 2>/dev/null)
