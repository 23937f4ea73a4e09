/* SPDX-License-Identifier: MIT */
/* fs_ram: without a disk, / and /tmp are RAM file systems; the POSIX checks of
 * fs_check.h pass in /tmp and in a directory of the root; /dev lists the
 * devices; /etc/hosts is there. The same program passes on Linux (host-args). */
// machines: pc q35 microvm
// args: -- /tmp
// host-args: /tmp
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_check.h"

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	int fails = fs_check_all(base);
#ifdef __toro__
	struct stat st;
	CHECK("/dev/null is a device", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "stat");
	CHECK("/dev listed", count_in("/dev", "zero") == 1 && count_in("/dev", "urandom") == 1,
	      "listing");
	CHECK("/etc/hosts", access("/etc/hosts", R_OK) == 0, "access");
	CHECK("root is writable", mkdir("/data", 0755) == 0 && put_file("/data/x", "1", 1) == 0,
	      "mkdir");
	fails = fs_fails;
	fs_fails = 0;
	fails += fs_check_all("/data");
#endif
	printf("%d failures\n", fails);
	if (fails == 0)
		printf("SUCCESS\n");
	return fails != 0;
}
