#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# tests/sysfuzz/monitor.pl SOCKET COMMAND...: send each command to a QEMU
# human monitor listening on the unix socket SOCKET and print its answers.
# The fuzzer's runner uses it on a hang ("info registers -a", then "quit").
use strict;
use warnings;
use IO::Socket::UNIX;
use IO::Select;

my $path = shift or die "usage: monitor.pl SOCKET COMMAND...\n";
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
	or die "monitor.pl: cannot connect to $path: $!\n";
my $sel = IO::Select->new($s);

# Everything QEMU says until it has been quiet for $quiet seconds.
sub drain {
	my ($quiet) = @_;
	my $text = '';
	while ($sel->can_read($quiet)) {
		my $n = sysread($s, my $buf, 65536);
		last unless $n;
		$text .= $buf;
	}
	$text =~ s/\e\[[0-9;]*[A-Za-z]//g;
	$text =~ s/\r//g;
	return $text;
}

drain(1);
for my $cmd (@ARGV) {
	print $s "$cmd\n";
	my $out = drain(2);
	$out =~ s/^\(qemu\)\s*//mg;
	print $out;
}
close($s);
