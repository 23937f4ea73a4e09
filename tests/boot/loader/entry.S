/* SPDX-License-Identifier: MIT */
/*
 * The loader test image's entries and its jump into the Toro ELF. QEMU boots
 * this 32-bit ELF through Multiboot 1 (pc, q35) or PVH (microvm); both enter
 * here in 32-bit protected mode, paging off. loader_main (loader.c) lays out
 * memory as Firecracker does for its Linux 64-bit boot, then enter64 sets the
 * CPU state Firecracker documents for it:
 *   long mode, CR3 = 0x9000 (identity map of 1 GiB in 2 MiB pages), CR4.PAE,
 *   CR0 = PE | PG (over the reset value's ET, CD, NW), EFER = LME | LMA;
 *   GDT at 0x500 (null, code 0x08, data 0x10, TSS 0x18), IDT at 0x520 limit 7,
 *   CS 0x08, DS/ES/FS/GS/SS 0x10, TR 0x18;
 *   RIP = e_entry, RSP = RBP = 0x8ff0, RSI = 0x7000, RFLAGS = 2, the rest 0.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS ((1 << 0) | (1 << 1))

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .note.Xen, "a", @note
	.align 4
	.long 4
	.long 4
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.align 4
	.long loader_entry

	.text
	.code32
	.globl loader_entry
loader_entry:
	cli
	cld
	mov $stack_top, %esp
	push %ebx
	push %eax
	call loader_main	/* returns only to stop */
1:	hlt
	jmp 1b

	/* enter64(entry_lo, entry_hi): does not return. */
	.globl enter64
enter64:
	mov 4(%esp), %eax
	mov %eax, target
	mov 8(%esp), %eax
	mov %eax, target + 4
	lgdt own_gdtr
	ljmp $0x20, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	/* TR as Firecracker's: selector 0x18, base 0, limit 0xfffff, busy. ltr
	 * wants an available TSS (type 9) and marks it busy (type 11). */
	mov $0x18, %ax
	ltr %ax
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $0x9000, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x100, %eax			/* LME; LMA follows with PG */
	wrmsr
	mov $0xe0000011, %eax		/* PG | CD | NW | ET | PE */
	mov %eax, %cr0
	lgdt fc_gdtr
	ljmp $0x08, $2f

	.code64
2:	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss
	mov $fc_idtr, %eax
	lidt (%rax)
	mov $target, %eax
	mov (%rax), %rax
	mov $0x8ff0, %esp
	push %rax
	push $2
	popfq
	mov $0x8ff0, %ebp
	mov $0x7000, %esi
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	ret				/* to e_entry; RSP back at 0x8ff0 */

	/* enter_pvh(entry): the PVH entry as Firecracker starts it: 32-bit
	 * protected mode, paging off, GDT at 0x500 (null, flat 32-bit code 0x08,
	 * flat data 0x10, TSS 0x18), EBX = start_info at 0x6000, the rest 0. */
	.code32
	.globl enter_pvh
enter_pvh:
	mov 4(%esp), %eax
	mov %eax, target
	lgdt pvh_gdtr
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $0x18, %ax
	ltr %ax
	lidt fc_idtr32
	mov $0x11, %eax			/* PE | ET */
	mov %eax, %cr0
	push target
	push $2
	popf
	mov $0x6000, %ebx
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	ret				/* leaves ESP at stack_top */

	.data
	.align 4
	.word 0
pvh_gdtr:
	.word 31
	.long 0x500
	.align 4
	.word 0
fc_idtr32:
	.word 7
	.long 0x520
	.align 16
own_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
	.quad 0x008f89000000ffff	/* 0x18: TSS, available */
	.quad 0x00cf9b000000ffff	/* 0x20: 32-bit code */
own_gdt_end:
	.align 4
	.word 0
own_gdtr:
	.word own_gdt_end - own_gdt - 1
	.long own_gdt
	.align 4
	.word 0
fc_gdtr:
	.word 31
	.quad 0x500
	.align 4
	.word 0
fc_idtr:
	.word 7
	.quad 0x520
	.align 8
target:	.quad 0

	.bss
	.align 16
	.skip 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
