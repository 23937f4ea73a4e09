#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Disk images for the virtio-blk guest tests (tests/guest/blk_*.c, whose
# blk_check.h computes the same bytes):
#   blkimg.pl make FILE BYTES SEED              a raw image of the first pattern
#   blkimg.pl check FILE BYTES SEED [OFF:LEN]... the first pattern, with the
#                                                written pattern over each range
# Byte o of a disk made with seed s is
#   ((o >> 9) * 31 + (o >> 17) * 17 + (o & 511) * 7 + s * 101) & 255
# and a byte the guest wrote at o is (o * 13 + 0xa5 + (o >> 9)) & 255, so a
# sector in the wrong place or a byte off by one shows. Perl: in Debian's
# essential set, so the tests need no package for it.
use strict;
use warnings;

sub first_pattern {
	my ($bytes, $seed) = @_;
	my $img = '';
	for (my $o = 0; $o < $bytes; $o += 512) {
		my $n = $bytes - $o < 512 ? $bytes - $o : 512;
		my $base = (($o >> 9) * 31 + ($o >> 17) * 17 + $seed * 101) & 255;
		$img .= pack('C*', map { ($base + $_ * 7) & 255 } 0 .. $n - 1);
	}
	return $img;
}

sub written {
	my ($off, $len) = @_;
	return pack('C*', map { (($off + $_) * 13 + 0xa5 + (($off + $_) >> 9)) & 255 } 0 .. $len - 1);
}

my ($cmd, $file, $bytes, $seed, @ranges) = @ARGV;
die "usage: $0 make|check FILE BYTES SEED [OFF:LEN]...\n"
	unless defined $seed && $cmd =~ /^(make|check)$/;
my $want = first_pattern($bytes, $seed);
if ($cmd eq 'make') {
	open(my $fh, '>:raw', $file) or die "$file: $!\n";
	print $fh $want;
	close($fh) or die "$file: $!\n";
	exit 0;
}
for my $r (@ranges) {
	my ($off, $len) = $r =~ /^(\d+):(\d+)$/ or die "bad range '$r'\n";
	substr($want, $off, $len) = written($off, $len);
}
open(my $fh, '<:raw', $file) or die "$file: $!\n";
my $got = do { local $/; <$fh> };
close($fh);
die sprintf("%s: %d bytes, expected %d\n", $file, length($got), $bytes) if length($got) != $bytes;
if ($got ne $want) {
	my $i = 0;
	$i++ while substr($got, $i, 1) eq substr($want, $i, 1);
	die sprintf("%s: byte %d is 0x%02x, expected 0x%02x\n", $file, $i,
		    ord(substr($got, $i, 1)), ord(substr($want, $i, 1)));
}
print "$file: $bytes bytes as expected\n";
