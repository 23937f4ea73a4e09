/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry and exit: interrupt/exception stubs, the syscall entry, the
 * return paths (sysretq when the frame allows it, iretq otherwise) and the
 * user-memory copy routines whose faults are fixed up to -EFAULT.
 * Per-CPU data at %gs: 0 self, 8 kernel stack top, 16 user rsp scratch.
 */
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23

.macro PUSH_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_REGS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

	.text
/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
.macro VEC n
	.align 16
vec_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	push $0
	.endif
	push $\n
	jmp intr_common
.endm

/* Stubs for vectors 0..VEC_STUBS-1, 16 bytes apart (cpu.c computes their
 * addresses); every other vector shares vec_other, reported as vector 0x1ff. */
	.align 16
	.globl vec_stubs, vec_other
vec_stubs:
.altmacro
.set i, 0
.rept 0x80
	VEC %i
	.set i, i + 1
.endr
	.align 16
vec_other:
	push $0
	push $0x1ff
	jmp intr_common

intr_common:
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	PUSH_REGS
	cld
	/* From ring 3 or through an IST the CPU leaves a null SS (iretq puts
	 * back the frame's): the kernel's own, as a system call has it. */
	mov $0x10, %eax
	mov %eax, %ss
	mov %rsp, %rdi
	call trap_dispatch
	.globl intr_return
intr_return:
	cli
	POP_REGS
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	add $16, %rsp
	iretq

/* switch_stacks(save, load): save the callee-saved registers on this stack,
 * store its pointer in *save, and continue on the stack `load`. */
	.globl switch_stacks
switch_stacks:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* A kernel thread's first instructions: the thread is in %r12. */
	.globl kthread_entry
kthread_entry:
	mov %r12, %rdi
	call kthread_main
	ud2

/* A new thread's first instructions (see arch_thread_init): its user frame
 * is at %rsp. */
	.globl thread_entry
thread_entry:
	mov %rsp, %rdi
	call signal_thread_start
	jmp intr_return

/* syscall: rcx = user rip, r11 = user rflags; IF is clear (FMASK). */
	.globl syscall_entry
	.align 16
syscall_entry:
	swapgs
	mov %rsp, %gs:16
	mov %gs:8, %rsp
	push $SEL_UDATA
	push %gs:16
	push %r11
	push $SEL_UCODE
	push %rcx
	push $0
	push $0x100
	PUSH_REGS
	cld
	mov %rsp, %rdi
	call syscall_dispatch
	cli
	/* sysretq only when it restores exactly the frame: rip == rcx,
	 * rflags == r11 and rip canonical; anything else goes through iretq. */
	mov 136(%rsp), %rcx
	cmp 96(%rsp), %rcx
	jne intr_return
	mov 152(%rsp), %r11
	cmp 32(%rsp), %r11
	jne intr_return
	mov %rcx, %rax
	shr $47, %rax
	jnz intr_return
	POP_REGS
	mov 40(%rsp), %rsp
	swapgs
	sysretq

/* User copies. A fault between *_start and *_end resumes at the fixup, which
 * returns -EFAULT (see extable[] in trap.c). SMAP is opened by the C caller.
 * Eight bytes per step, then the rest: QEMU's TCG runs each step of a rep
 * string instruction as one pass through its translated code, so a 4 KiB
 * read with rep movsb cost 4,096 passes (a third of the time of reading a
 * small cached file, fsbench's read_1000), with rep movsq 512. A fault that
 * maps a page resumes the instruction with rcx, rsi and rdi where they were. */
	.text
	.globl copy_user_raw, copy_user_start, copy_user_end, copy_user_fixup
copy_user_raw:
	mov %rdx, %rcx
	shr $3, %rcx
	and $7, %edx
copy_user_start:
	rep movsq
	mov %edx, %ecx
	rep movsb
copy_user_end:
	xor %eax, %eax
	ret
copy_user_fixup:
	mov $-14, %rax
	ret

/* The same copy for callers that hold a spinlock (the futex word): a fault
 * here maps no page on demand (trap.c leaves uvm_fault out) but returns
 * -EFAULT at once; the caller faults the page in with no lock held. */
	.globl copy_user_nofault_raw, copy_user_nofault_start, copy_user_nofault_end
copy_user_nofault_raw:
	mov %rdx, %rcx
	shr $3, %rcx
	and $7, %edx
copy_user_nofault_start:
	rep movsq
	mov %edx, %ecx
	rep movsb
copy_user_nofault_end:
	xor %eax, %eax
	ret

	.globl clear_user_raw, clear_user_start, clear_user_end
clear_user_raw:
	mov %rsi, %rcx
	shr $3, %rcx
	and $7, %esi
	xor %eax, %eax
clear_user_start:
	rep stosq
	mov %esi, %ecx
	rep stosb
clear_user_end:
	ret

	.globl strncpy_user_raw, strncpy_user_start, strncpy_user_end
strncpy_user_raw:
	xor %eax, %eax
1:	cmp %rdx, %rax
	jae 3f
strncpy_user_start:
	movb (%rsi, %rax), %cl
strncpy_user_end:
	movb %cl, (%rdi, %rax)
	test %cl, %cl
	jz 2f
	inc %rax
	jmp 1b
2:	ret
3:	mov $-36, %rax
	ret

	.section .note.GNU-stack, "", @progbits
