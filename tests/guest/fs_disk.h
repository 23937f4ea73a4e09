/* SPDX-License-Identifier: MIT */
/*
 * A FAT disk made on the host by `toro mkdisk` (host-setup) as the root: the
 * POSIX checks of fs_check.h pass in a directory of it, the files the host
 * put there read back byte-exact, and what the guest writes is there for the
 * host after the VM is off (host-check: fsck.fat -n finds nothing, mtools
 * reads /result.txt and /big.bin as written).
 */
#include "fs_check.h"

static int check_host_files(void)
{
	char buf[64];
	ssize_t n = get_file("/hello.txt", buf, sizeof(buf));
	CHECK("host file", n == 14 && !memcmp(buf, "hello from fat", 14), "%zd bytes", n);
	n = get_file("/deep/er/still/deeper/x.txt", buf, sizeof(buf));
	CHECK("deep host file", n == 2 && !memcmp(buf, "x\n", 2), "%zd bytes", n);
	unsigned char *big = malloc(3 << 20);
	int fd = open("/pattern.bin", O_RDONLY);
	size_t got = 0;
	while (fd >= 0 && (n = read(fd, big + got, (3 << 20) - got)) > 0)
		got += (size_t)n;
	close(fd);
	int ok = got == 3000000;
	for (size_t i = 0; ok && i < got; i++)
		ok = big[i] == (unsigned char)(i % 251);
	CHECK("3 MB host file byte-exact", ok, "%zu bytes", got);
	for (size_t i = 0; i < (2 << 20); i++)
		big[i] = (unsigned char)(i % 253);
	CHECK("write for the host", put_file("/big.bin", big, 2 << 20) == 0 &&
	      put_file("/result.txt", "written by the guest\n", 21) == 0, "put");
	free(big);
	return fs_fails;
}

static int fs_disk_main(void)
{
	int fails = check_host_files();
	fails += fs_check_all("/");
	printf("%d failures\n", fails);
	if (fails == 0)
		printf("SUCCESS\n");
	return fails != 0;
}
