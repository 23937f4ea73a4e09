/* SPDX-License-Identifier: MIT */
/*
 * Start-up code of the other cores, copied to TRAMP_BASE (below 1 MiB; the
 * SIPI vector is its page number). Real mode -> protected mode -> long mode
 * on the kernel's page tables, then ap_entry(index) on a stack the boot core
 * allocated. The boot core fills the parameters at the end before each SIPI.
 */
#define TRAMP_BASE 0x8000
#define A(x) (TRAMP_BASE + (x) - trampoline_start)

	.section .rodata
	.globl trampoline_start, trampoline_end
	.globl tramp_cr3_off, tramp_stack_off, tramp_entry_off, tramp_arg_off, tramp_efer_off
	.code16
trampoline_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	lgdtl A(tramp_gdtr)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $A(tramp32)

	.code32
tramp32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $(1 << 5), %eax		/* PAE */
	mov %eax, %cr4
	mov A(tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or A(tramp_efer), %eax		/* LME, and NXE where the CPU has it */
	wrmsr
	mov %cr0, %eax
	or $0x80010000, %eax		/* PG, WP */
	and $0x9fffffff, %eax		/* caches on: INIT leaves CD and NW set */
	mov %eax, %cr0
	ljmp $0x18, $A(tramp64)

	.code64
tramp64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov A(tramp_stack), %rsp
	mov A(tramp_arg), %rdi
	mov A(tramp_entry), %rax
	xor %ebp, %ebp
	call *%rax
1:	hlt
	jmp 1b

	.align 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00209a0000000000	/* 0x18: 64-bit code */
tramp_gdtr:
	.word tramp_gdtr - tramp_gdt - 1
	.long A(tramp_gdt)
	.align 8
tramp_cr3:	.quad 0
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_arg:	.quad 0
tramp_efer:	.quad 0
trampoline_end:

	.set tramp_cr3_off, tramp_cr3 - trampoline_start
	.set tramp_stack_off, tramp_stack - trampoline_start
	.set tramp_entry_off, tramp_entry - trampoline_start
	.set tramp_arg_off, tramp_arg - trampoline_start
	.set tramp_efer_off, tramp_efer - trampoline_start

	.section .note.GNU-stack, "", @progbits
