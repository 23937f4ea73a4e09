/* SPDX-License-Identifier: MIT */
/* The bench's floor: a do-nothing kernel that prints "floor entry_tsc=0x..." on
 * COM1 and exits through isa-debug-exit. Booting it measures QEMU's own start-up
 * cost; under -icount shift=0 the TSC it prints counts the firmware's
 * instructions before any kernel runs. It carries a Multiboot 1 header with the
 * address fields (QEMU takes an ELF64 only through those) and a PVH note, both
 * pointing at the same 32-bit code, which needs no stack, memory map or paging,
 * so it does not care which path entered it. Built with -DFLOOR_IDLE it halts
 * for good after the line instead (interrupts stay off, as both boot paths leave
 * them): the baseline of the bench's idle-cost figure. */

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00010000	/* bit 16: the address fields are valid */
#define COM1		0x3f8
#define DEBUG_EXIT	0xf4

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long floor_image_start	/* load_addr */
	.long floor_load_end	/* load_end_addr */
	.long floor_bss_end	/* bss_end_addr */
	.long floor_entry	/* entry_addr */

	/* XEN_ELFNOTE_PHYS32_ENTRY (18): read as 64 bits in an ELF64. */
	.section .note.pvh, "a", @note
	.balign 4
	.long 4			/* name size */
	.long 8			/* desc size */
	.long 18		/* type */
	.asciz "Xen"
	.balign 4
	.quad floor_entry

	.text
	.code32
	.globl floor_entry
floor_entry:
	rdtsc
	mov $floor_stack_top, %esp	/* PVH and Multiboot leave ESP undefined */
	mov %eax, %edi		/* low half; EDX keeps the high half */
	mov %edx, %ebp
	mov $COM1, %dx
	mov $msg, %esi
	call puts
	mov %ebp, %ebx
	call puthex32
	mov %edi, %ebx
	call puthex32
	mov $crlf, %esi
	call puts
#ifndef FLOOR_IDLE
	xor %eax, %eax		/* QEMU exits with status (0 << 1) | 1 = 1 */
	mov $DEBUG_EXIT, %dx
	outl %eax, %dx
#endif
1:	hlt			/* the idle floor, or no isa-debug-exit */
	jmp 1b

puts:	lodsb
	test %al, %al
	jz 1f
	outb %al, %dx
	jmp puts
1:	ret

puthex32:			/* EBX -> 8 hex digits on port DX */
	mov $8, %ecx
1:	rol $4, %ebx
	mov %ebx, %eax
	and $0xf, %eax
	movb hexdigits(%eax), %al
	outb %al, %dx
	loop 1b
	ret

	.section .rodata
msg:	.asciz "floor entry_tsc=0x"
crlf:	.asciz "\r\n"
hexdigits: .ascii "0123456789abcdef"

	.section .bss
	.balign 16
	.skip 64
floor_stack_top:
