/* SPDX-License-Identifier: MIT */
/*
 * Boot entry. One 32-bit entry serves Multiboot 1 (header with address fields,
 * flag 16, because QEMU's loader only takes an ELF64 that way) and PVH (Xen ELF
 * note PHYS32_ENTRY). PVH is recognised by the start_info magic at [EBX], not by
 * EAX: QEMU's microvm firmware enters PVH kernels with EAX=0x2badb002.
 * Maps the first 1 GiB with 2 MiB pages, enters long mode and calls kmain.
 *
 * A second, 64-bit entry is the ELF's e_entry: the Linux 64-bit boot protocol
 * as Firecracker (before its PVH support) uses it. The VMM has loaded each
 * PT_LOAD segment at p_paddr, set up long mode with its own identity map of
 * the first 1 GiB and its own GDT, and passes the boot_params ("zero page")
 * in RSI. toro_entry64 zeroes the bss (the protocol does not promise zeroed
 * memory), moves the segments as the 32-bit entry does, switches to the
 * kernel's own tables and GDT, and calls kmain(LINUX64_MAGIC, boot_params).
 * See docs/deploy.md "## Firecracker" and tests/boot/.
 */
#define LINUX64_MAGIC 0x53726448	/* k/bootinfo.h */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS ((1 << 1) | (1 << 16))

	.section .boot.multiboot, "a"
	.align 4
	.globl toro_multiboot_header
toro_multiboot_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long toro_multiboot_header	/* header_addr */
	.long __toro_load_start		/* load_addr */
	.long __toro_load_end		/* load_end_addr */
	.long __toro_bss_end		/* bss_end_addr */
	.long toro_entry32		/* entry_addr */

	.section .note.Xen, "a"
	.align 4
	.globl toro_pvh_note
toro_pvh_note:
	.long 4			/* namesz */
	.long 8			/* descsz: read as 64 bits for ELF64 */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.align 4
	.quad toro_entry32

	.section .boot.text, "ax"
	.code32
	.globl toro_entry32
toro_entry32:
	cli
	cld
	mov $boot_stack_top, %esp
	push %eax
	push %ebx

	/* tools/toropack packs the segments in the file; move each from its load
	 * address (p_paddr) up to where it runs (p_vaddr), last first, copying
	 * backwards since they overlap. The program headers are in the first
	 * segment, which never moves. */
	mov $__toro_load_start, %ebx
	movzwl 56(%ebx), %ecx		/* e_phnum */
	mov 32(%ebx), %edx		/* e_phoff */
	add %ebx, %edx
	imul $56, %ecx, %eax
	add %eax, %edx			/* end of the table */
3:	test %ecx, %ecx
	jz 5f
	sub $56, %edx
	dec %ecx
	cmpl $1, (%edx)			/* PT_LOAD */
	jne 3b
	mov 16(%edx), %edi		/* p_vaddr */
	mov 24(%edx), %esi		/* p_paddr */
	mov 32(%edx), %eax		/* p_filesz */
	cmp %esi, %edi
	je 3b
	test %eax, %eax
	jz 3b
	push %ecx
	mov %eax, %ecx
	lea -1(%esi, %ecx), %esi
	lea -1(%edi, %ecx), %edi
	std
	rep movsb
	cld
	pop %ecx
	jmp 3b
5:	pop %esi			/* boot information (EBX) */
	pop %edi			/* boot magic (EAX) */
	/* PD: 512 x 2 MiB, present | writable | large */
	mov $boot_pd, %edx
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, (%edx, %ecx, 8)
	movl $0, 4(%edx, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	mov $boot_pdpt, %eax
	or $3, %eax
	mov %eax, boot_pml4
	movl $0, boot_pml4 + 4
	mov $boot_pd, %eax
	or $3, %eax
	mov %eax, boot_pdpt
	movl $0, boot_pdpt + 4

	mov %cr4, %eax
	or $(1 << 5), %eax		/* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or $(1 << 8), %eax		/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax		/* PG | PE */
	and $~0x60000000, %eax		/* caches on: clear CD, NW */
	mov %eax, %cr0
	lgdt boot_gdtr
	ljmp $0x08, $entry64

	.code64
entry64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	mov %edi, %edi
	mov %esi, %esi
	xor %ebp, %ebp
	call kmain
2:	hlt
	jmp 2b

	/* Linux 64-bit boot: long mode, paging on (the VMM's tables map the first
	 * 1 GiB, where the kernel lives), interrupts off, RSI = boot_params. No
	 * stack is used until the bss, which holds it, is zeroed. */
	.globl toro_entry64
toro_entry64:
	cli
	cld
	mov %rsi, %r12
	mov $__toro_load_end, %edi
	mov $__toro_bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $boot_stack_top, %esp
	/* The segments: as above, last first, each copied backwards. */
	mov $__toro_load_start, %ebx
	movzwl 56(%rbx), %ecx		/* e_phnum */
	mov 32(%rbx), %rdx		/* e_phoff */
	add %rbx, %rdx
	imul $56, %ecx, %eax
	add %rax, %rdx
3:	test %ecx, %ecx
	jz 5f
	sub $56, %rdx
	dec %ecx
	cmpl $1, (%rdx)			/* PT_LOAD */
	jne 3b
	mov 16(%rdx), %rdi		/* p_vaddr */
	mov 24(%rdx), %rsi		/* p_paddr */
	mov 32(%rdx), %rax		/* p_filesz */
	cmp %rsi, %rdi
	je 3b
	test %rax, %rax
	jz 3b
	mov %rcx, %r8
	mov %rax, %rcx
	lea -1(%rsi, %rcx), %rsi
	lea -1(%rdi, %rcx), %rdi
	std
	rep movsb
	cld
	mov %r8, %rcx
	jmp 3b
	/* The kernel's own 1 GiB identity map, as the 32-bit entry builds it:
	 * the VMM's tables (at 0x9000 under Firecracker) are memory the kernel
	 * will hand out. */
5:	mov $boot_pd, %edx
	xor %ecx, %ecx
1:	mov %rcx, %rax
	shl $21, %rax
	or $0x83, %rax
	mov %rax, (%rdx, %rcx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	mov $boot_pdpt, %eax
	or $3, %eax
	mov %rax, boot_pml4
	mov $boot_pd, %eax
	or $3, %eax
	mov %rax, boot_pdpt
	mov $boot_pml4, %eax
	mov %rax, %cr3
	mov %cr0, %rax
	and $~0x60000000, %eax		/* caches on: KVM's reset CR0 has CD, NW */
	mov %rax, %cr0
	lgdt boot_gdtr64
	mov $LINUX64_MAGIC, %edi
	mov %r12d, %esi
	push $0x08
	push $entry64
	lretq

	.section .boot.rodata, "a"
	.align 4
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000	/* 0x08: 64-bit code */
	.quad 0x0000920000000000	/* 0x10: data */
boot_gdt_end:
	.align 4
	.word 0
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt
	.align 4
	.word 0
boot_gdtr64:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss.boot, "aw", @nobits
	.align 4096
	.globl boot_pml4, boot_stack_guard, boot_stack_top
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
boot_stack_guard: .skip 4096
boot_stack:	.skip 8192
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
