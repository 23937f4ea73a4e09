#!/bin/sh
# The kernel object may leave undefined only what the linker script and the
# program's link give it (section bounds, _start, the symbol table, the
# program's name). Anything else would be taken from the program's libraries
# (libgcc's __popcountdi2, musl's memcpy) and run from user pages: a kernel
# fault the first time it is called (SMEP), or worse.
obj=$1
bad=$(nm -u "$obj" | awk '{print $NF}' |
      grep -v -E '^(__toro_[a-z_]+|_start|toro_symtab(_end)?|toro_app_name)$')
if [ -n "$bad" ]; then
	echo "$obj: the kernel uses symbols it does not define:" $bad >&2
	echo "(a compiler builtin that calls libgcc? write it out)" >&2
	exit 1
fi
