#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# tests/sysfuzz/monitor.pl SOCKET COMMAND...: send each command to a QEMU
# human monitor listening on the unix socket SOCKET and print its answers.
# The command "backtraces" prints, for every vCPU, its RIP and the return
# addresses found by following the frame pointers (RBP) through guest memory
# ("cpu N", "info registers", "x /2gx RBP"); "threads TABLE N OFF_TID
# OFF_STATE OFF_KSP" the same for every thread in the kernel's table of N
# pointers at TABLE, from its saved kernel stack. The fuzzer's runner names
# the addresses from the image's symbols when a run hangs.
use strict;
use warnings;
no warnings 'portable';
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
	$text =~ s/^\(qemu\)\s*//mg;
	return $text;
}

sub ask {
	my ($cmd) = @_;
	print $s "$cmd\n";
	my $out = drain(1);
	$out =~ s/^\Q$cmd\E\n//m;
	return $out;
}

sub backtraces {
	my $cpus = () = ask("info cpus") =~ /CPU #\d+/g;
	for my $c (0 .. ($cpus || 1) - 1) {
		ask("cpu $c");
		my $regs = ask("info registers");
		my ($rip) = $regs =~ /RIP=([0-9a-f]+)/;
		my ($rbp) = $regs =~ /RBP=([0-9a-f]+)/;
		next unless defined $rip;
		print "CPU#$c RIP=$rip\n";
		my $fp = hex($rbp);
		for (1 .. 16) {
			last if $fp == 0 || ($fp & 7);
			my $m = ask(sprintf("x /2gx 0x%x", $fp));
			my ($next, $ret) = $m =~ /:\s*0x([0-9a-f]+)\s+0x([0-9a-f]+)/;
			last unless defined $ret && hex($ret) != 0;
			print "CPU#$c RET=$ret\n";
			last if hex($next) <= $fp;
			$fp = hex($next);
		}
	}
}

sub qword {
	my ($a) = @_;
	my ($v) = ask(sprintf("x /1gx 0x%x", $a)) =~ /:\s*0x([0-9a-f]+)/;
	return defined $v ? hex($v) : 0;
}

# Every thread in the kernel's table: "THREAD tid state" and the return
# addresses its saved kernel stack leads to (switch_stacks pushed rbp and the
# return address at ksp + 40 and + 48).
sub threads {
	my ($table, $n, $off_tid, $off_state, $off_ksp) = @_;
	for my $i (0 .. $n - 1) {
		my $t = qword($table + 8 * $i);
		next unless $t;
		my $ts = qword($t + $off_tid);
		my ($tid, $state) = ($ts & 0xffffffff, qword($t + $off_state) & 0xffffffff);
		print "THREAD $tid state $state\n";
		my $ksp = qword($t + $off_ksp);
		next unless $ksp;
		my ($fp, $ret) = (qword($ksp + 40), qword($ksp + 48));
		printf "THREAD RET=%x\n", $ret if $ret;
		for (1 .. 14) {
			last if $fp == 0 || ($fp & 7);
			my ($next, $r) = (qword($fp), qword($fp + 8));
			last unless $r;
			printf "THREAD RET=%x\n", $r;
			last if $next <= $fp;
			$fp = $next;
		}
	}
}

drain(1);
for my $cmd (@ARGV) {
	if ($cmd eq 'backtraces') {
		backtraces();
	} elsif ($cmd =~ /^threads (\S+) (\d+) (\d+) (\d+) (\d+)$/) {
		threads(hex($1), $2, $3, $4, $5);
	} else {
		print ask($cmd);
	}
}
close($s);
