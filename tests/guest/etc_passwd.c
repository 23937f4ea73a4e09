/* SPDX-License-Identifier: MIT */
/* etc_passwd: where the root file system has no /etc/passwd or /etc/group,
 * the kernel's answer: root (uid 0, home /root) and nobody/nogroup (65534),
 * so a server's start-up lookup of its unprivileged user (nginx's default
 * `user nobody nogroup`) succeeds; it failed with ENOENT. A disk's own files
 * win: on pc the root is a FAT disk whose /etc holds another user, and
 * nobody is then unknown. On q35 and microvm: a RAM root and a FAT root
 * without /etc (microvm), both with the kernel's files. */
// machines: pc q35 microvm
// expect-output: SUCCESS
// reject-output: FAIL
// mem: 32
// host-setup: mkdir -p own/etc none/data && printf 'app:x:1000:1001:app:/home/app:/bin/sh\n' > own/etc/passwd && printf 'apps:x:1001:\n' > own/etc/group && $TORO_ROOT/bin/toro mkdisk --size 8M -o own.img own > /dev/null && $TORO_ROOT/bin/toro mkdisk --size 8M -o none.img none > /dev/null
// qemu-args-pc: -drive file={tmp}/own.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file={tmp}/none.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok" : "FAIL:", what);
	failures += !ok;
}

static int listed(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;
	while (d && (e = readdir(d)))
		found += !strcmp(e->d_name, name);
	if (d)
		closedir(d);
	return found;
}

static void kernel_files(void)
{
	struct passwd *pw = getpwnam("nobody");
	check("getpwnam(nobody): 65534/65534", pw && pw->pw_uid == 65534 && pw->pw_gid == 65534);
	pw = getpwuid(0);
	check("getpwuid(0): root, home /root", pw && !strcmp(pw->pw_name, "root") &&
	      !strcmp(pw->pw_dir, "/root"));
	struct group *gr = getgrnam("nogroup");
	check("getgrnam(nogroup): 65534", gr && gr->gr_gid == 65534);
	gr = getgrgid(0);
	check("getgrgid(0): root", gr && !strcmp(gr->gr_name, "root"));
	check("getpwnam(nosuchuser): not found", getpwnam("nosuchuser") == NULL);
	check("/etc/passwd readable", access("/etc/passwd", R_OK) == 0);
	int fd = open("/etc/group", O_WRONLY);
	if (fd >= 0 || errno != EROFS)
		printf("open(/etc/group, O_WRONLY): %d, %s\n", fd, strerror(errno));
	check("/etc/group not writable (EROFS)", fd < 0 && errno == EROFS);
}

int main(void)
{
	if (access("/etc/passwd", F_OK) == 0 && getpwnam("app")) {
		struct passwd *pw = getpwnam("app");
		printf("the disk's own /etc\n");
		check("getpwnam(app) from the disk: 1000/1001", pw->pw_uid == 1000 && pw->pw_gid == 1001);
		check("getpwnam(nobody): not in the disk's file", getpwnam("nobody") == NULL);
		struct group *gr = getgrnam("apps");
		check("getgrnam(apps) from the disk", gr && gr->gr_gid == 1001);
		check("getgrnam(nogroup): not in the disk's file", getgrnam("nogroup") == NULL);
	} else {
		printf("the kernel's /etc files\n");
		kernel_files();
		if (access("/data", F_OK) == 0)
			check("/etc of a FAT root without one lists passwd and group",
			      listed("/etc", "passwd") == 1 && listed("/etc", "group") == 1);
	}
	if (failures == 0)
		printf("SUCCESS\n");
	return failures != 0;
}
