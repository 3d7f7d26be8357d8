#!/usr/bin/env perl
# SPDX-License-Identifier: BSD-2-Clause
#
# A scripted session with the demo kernel's shell, as a TAP producer for prove:
# commands go in on the serial port (through tools/qemu.sh, as `echo ... | make run`
# does), their output is checked, and what the shell says about the tables is compared
# with QEMU's own view of guest memory (the monitor's `xp`, over a socket).
#
#   tests/shell/session.pl ARCH        (env BUILD: the build directory, default build)
#
# Checked: the boot summary; help; clear errors for an unknown command, a bad number, a
# wrong argument count, an unmapped address, a range outside the scratch window, a user
# mapping in the kernel space; map / ptdump / protect / touch / unmap on the scratch
# range with the page sizes the machine has; every entry `walk` prints read back from
# guest physical memory by QEMU; a store through the MMU seen at the frame `translate`
# names; i386's recursive window shown as such; processes: ps, run hello (its exit
# status), run wild (its children killed and reported), kill of bad pids, spawn spin and
# its space through vmmap / ptdump / walk PID (entries read back by QEMU), kill; `halt`
# and the end of input both ending QEMU with status 0.
use strict;
use warnings;
no warnings 'portable'; # 64-bit addresses in hex
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::UNIX;
use IPC::Open2;

my $arch = shift or die "usage: session.pl ARCH\n";
my $here = dirname(dirname(dirname(abs_path($0))));
my $image = "$here/" . ($ENV{BUILD} || 'build') . "/$arch/kernel.img";
my $dir = tempdir(CLEANUP => 1);
my $sock = "$dir/monitor";
my $tests = 0;
my $failed = 0;

# The prototype puts every argument in scalar context: a failed match is false, not an
# empty list that would shift the description into the condition.
sub ok ($$;$) {
	my ($cond, $what, $diag) = @_;
	$tests++;
	print(($cond ? "ok" : "not ok") . " $tests - $what\n");
	unless ($cond) {
		$failed++;
		if (defined $diag) {
			print "# $_\n" for split /\n/, $diag;
		}
	}
	return $cond;
}

sub skip {
	my ($what, $why) = @_;
	$tests++;
	print "ok $tests - $what # SKIP $why\n";
}

# ------------------------------------------------------------ the kernel's console

$ENV{TIMEOUT} ||= 120;
my $pid = open2(my $out, my $in, "$here/tools/qemu.sh", $arch, $image,
		'-monitor', "unix:$sock,server=on,wait=off");
my $sel = IO::Select->new($out);
my $buf = '';
my $eof = 0;

# Reads console output until $re matches the text held; returns that text (removed).
sub read_until {
	my ($re, $timeout) = @_;
	my $deadline = time + ($timeout || 60);
	while ($buf !~ $re) {
		return undef if $eof || time > $deadline;
		next unless $sel->can_read(1);
		my $n = sysread($out, my $chunk, 65536);
		if (!$n) {
			$eof = 1;
			next;
		}
		$chunk =~ s/\r//g;
		$buf .= $chunk;
	}
	$buf =~ s/^(.*?$re)//s;
	return $1;
}

my $prompt = qr/mmukit> /;

# Sends one command; returns what it printed (between its echo and the next prompt).
sub cmd {
	my ($line) = @_;
	print $in "$line\n";
	$in->flush;
	my $text = read_until(qr/\Q$line\E\n(?:.*?\n)?$prompt/s);
	return "(no prompt after '$line')" unless defined $text;
	$text =~ s/^.*?\Q$line\E\n//s;
	$text =~ s/$prompt$//;
	return $text;
}

# ------------------------------------------------------------ QEMU's monitor

my $mon;

sub monitor_read {
	my $text = '';
	my $msel = IO::Select->new($mon);
	my $deadline = time + 20;
	while ($text !~ /\(qemu\) $/) {
		return $text if time > $deadline;
		next unless $msel->can_read(1);
		my $n = sysread($mon, my $chunk, 65536);
		return $text unless $n;
		$text .= $chunk;
	}
	return $text;
}

# The entry of $bytes bytes at physical address $pa, as QEMU reads it.
sub xp {
	my ($pa, $bytes) = @_;
	unless ($mon) {
		$mon = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $sock) or return undef;
		monitor_read();
	}
	my $cmd = sprintf("xp /1%sx 0x%x", $bytes == 8 ? 'g' : 'w', $pa);
	print $mon "$cmd\n";
	my $reply = monitor_read();
	$reply =~ s/\e\[[0-9;]*[A-Za-z]//g;
	return $reply =~ /^0*([0-9a-f]+): 0x([0-9a-f]+)\s*$/m ? hex($2) : undef;
}

sub h { return sprintf('0x%x', $_[0]); }

# ------------------------------------------------------------ the session

my $boot = read_until($prompt, 120);
ok(defined $boot, "the shell prompt appears") or do {
	print "1..$tests\n";
	exit 1;
};
ok($boot =~ /physical memory map:/ && $boot =~ /kernel virtual memory \(/ &&
   $boot =~ /^regions /m && $boot =~ /^page sizes: supported (\S+);/m && $boot =~ /^MMU: /m,
   "boot summary: physical map, kernel virtual map, page sizes, MMU features", $boot);
# The CPU features the VMM uses, as each machine's features.c reads them.
my %features = (
	i386 => qr/^  PSE\s+yes\s+on\s+4 MiB pages/m,
	x86_64 => qr/^  NX\s+yes\s+on\s+non-executable pages/m,
	armv7 => qr/^  VMSA: VMSAv7 with PXN and long descriptors \(LPAE-capable\); tables: short/m,
	aarch64 => qr/^  granules: 4K yes, .* in use: 4K$/m,
	riscv64 => qr/^  translation: Sv48 /m,
);
ok($boot =~ /^CPU features the VMM uses /m && $boot =~ $features{$arch},
   "boot summary: the CPU features the VMM uses", $boot);
my ($sizes) = $boot =~ /^page sizes: supported (\S+);/m;
$sizes ||= '4K';

my $help = cmd('help');
my @missing = grep { $help !~ /^  \Q$_\E\b/m }
	qw(help meminfo vmmap ptdump walk translate scratch map unmap protect touch bench halt);
ok(!@missing, "help lists every command", "missing: @missing\n$help");

ok(cmd('frobnicate 1 2') =~ /^error: unknown command 'frobnicate'/m, "unknown command");
ok(cmd('walk 0xzz') =~ /^error: '0xzz' is not a number/m, "bad number");
ok(cmd('translate') =~ /^error: translate takes ADDR/m, "missing argument");
ok(cmd('map 0x1000 1Q') =~ /^error: '1Q' is not a size/m, "bad size");
ok(cmd('translate 0x0') =~ /^error: 0x0 is not mapped/m, "unmapped address");

my $scratch = cmd('scratch');
my ($s0, $s1) = $scratch =~ /^scratch range \[(0x[0-9a-f]+), (0x[0-9a-f]+)\)/m;
ok(defined $s0, "scratch range", $scratch) or do {
	print "1..$tests\n";
	exit 1;
};
($s0, $s1) = (hex($s0), hex($s1));
ok(cmd('map ' . h($s0 - 4096) . ' 4K') =~ /^error: .* is outside the scratch range/m,
   "map outside the scratch range is refused");
ok(cmd('map ' . h($s0) . ' 4K ru') =~ /^error: map: .*no user mappings/m,
   "a user mapping in the kernel space is refused");

# The largest page size of this machine that a 2 MiB aligned 2 MiB range can use.
my %unit = (K => 1 << 10, M => 1 << 20, G => 1 << 30);
my $large = 4096;
for (split /,/, $sizes) {
	my ($n, $u) = /^(\d+)([KMG])$/ or next;
	my $b = $n * $unit{$u};
	$large = $b if $b <= (2 << 20) && $b > $large;
}
my $large_name = $large >= (1 << 20) ? ($large >> 20) . 'M' : ($large >> 10) . 'K';
my $big = $s0 + (2 << 20);

ok(cmd('map ' . h($s0) . ' 4K rw') =~ /^mapped /m, "map a page");
ok(cmd('map ' . h($big) . ' 2M rw') =~ /^mapped .* \(the first page: \Q$large_name\E\)/m,
   "map 2 MiB: pages of $large_name");
ok(cmd('map ' . h($s0) . ' 4K rw') =~ /^error: map: .*already/m, "map over a mapping");

my $dump = cmd('ptdump ' . h($s0) . ' ' . h($s0 + (4 << 20)));
my $w = qr/0x0*/;
my $re_small = sprintf('^0x0*%x-0x0*%x\s+4K\s+4K\s+rw\S+ wb\s+pa 0x[0-9a-f]+$', $s0, $s0 + 4096);
my $re_big = sprintf('^0x0*%x-0x0*%x\s+2M\s+%s\s+rw\S+ wb\s+pa 0x[0-9a-f]+$', $big, $big + (2 << 20),
		     $large_name);
my @lines = grep { /^0x/ } split /\n/, $dump;
ok(@lines == 2 && $lines[0] =~ /$re_small/ && $lines[1] =~ /$re_big/,
   "ptdump of the scratch range: two runs, 4K and $large_name pages", $dump);

# walk: every entry read back by QEMU from guest physical memory.
sub check_walk {
	my ($walk) = @_;
	my ($root) = $walk =~ /root (0x[0-9a-f]+)\):/;
	my $table = defined $root ? hex($root) : undef;
	my @steps = $walk =~ /^\s+\S+\s*\[\s*(\d+)\] = 0x([0-9a-f]+) (.*)$/mg;
	my ($agree, $checked, $why) = (1, 0, '');
	my $leaf_pa;
	while (@steps && defined $table) {
		my ($index, $hex, $rest) = splice(@steps, 0, 3);
		my $bytes = length($hex) / 2;
		my $entry = hex($hex);
		my $seen = xp($table + $index * $bytes, $bytes);
		my $mask = $arch eq 'i386' ? ~0x60 : ~0; # the CPU sets accessed/dirty in i386 entries
		if (!defined $seen || ($seen & $mask) != ($entry & $mask)) {
			$agree = 0;
			$why .= sprintf("entry %u of table 0x%x: shell 0x%x, QEMU %s\n", $index, $table,
					$entry, defined $seen ? h($seen) : 'nothing');
		}
		$checked++;
		if ($rest =~ /^table at (0x[0-9a-f]+)/) {
			$table = hex($1);
		} else {
			($leaf_pa) = $rest =~ /page \d+ KiB at (0x[0-9a-f]+)/;
			last;
		}
	}
	return ($agree && $checked >= 2 && defined $leaf_pa, $checked, $why, $leaf_pa);
}

my $walk = cmd('walk ' . h($s0));
my ($walk_ok, $checked, $why, $leaf_pa) = check_walk($walk);
ok($walk_ok, "walk: all $checked entries match guest memory as QEMU reads it", "$why$walk");

my $tr = cmd('translate ' . h($s0));
my ($pa) = $tr =~ /-> (0x[0-9a-f]+)  \(/;
ok(defined $pa && defined $leaf_pa && hex($pa) == hex($leaf_pa), "translate agrees with walk", $tr);

my $touch = cmd('touch ' . h($s0) . ' w');
my ($value) = $touch =~ /^wrote (0x[0-9a-f]+) at /m;
my $back = defined $pa ? xp(hex($pa), 4) : undef;
ok(defined $value && defined $back && $back == hex($value),
   "a store through the MMU lands in the frame translate names", $touch);
ok($touch =~ /accessed dirty/, "the page is accessed and dirty after the store", $touch);

ok(cmd('protect ' . h($s0) . ' 4K r') =~ /is now r-/, "protect read-only");
ok(cmd('touch ' . h($s0) . ' w') =~ /^error: .* is read-only/m, "a store to it is refused");
ok(cmd('unmap ' . h($s0) . ' 4K') =~ /^unmapped /m, "unmap the page");
ok(cmd('unmap ' . h($s0) . ' 4K') =~ /^error: unmap: .*not mapped/m, "unmap it again");
ok(cmd('unmap ' . h($big) . ' 2M') =~ /^unmapped /m, "unmap 2 MiB");
@lines = grep { /^0x/ } split /\n/, cmd('ptdump ' . h($s0) . ' ' . h($s0 + (4 << 20)));
ok(@lines == 0, "the scratch range is empty again");

# Processes: ps, run, spawn, kill, and a process's space through vmmap / ptdump / walk.
my $help_ps = cmd('help');
@missing = grep { $help_ps !~ /^  \Q$_\E\b/m } qw(ps run spawn wait kill);
ok(!@missing, "help lists the process commands", "missing: @missing");
ok(cmd('ps') =~ /^no processes/m, "ps with no process");
my $list = cmd('run');
ok($list =~ /^programs:.* hello\b/m && $list =~ / spin\b/ && $list =~ / wild\b/,
   "run without a program lists them", $list);
ok(cmd('run nope') =~ /^error: no program 'nope'; programs: /m, "run of an unknown program");
ok(cmd('run hello 1') =~ /^error: programs take no arguments/m, "run with arguments");
my $hello = cmd('run hello');
my ($hello_pid) = $hello =~ /^pid (\d+) \(hello\) started/m;
ok(defined $hello_pid && $hello =~ /^# $hello_pid: hello from pid $hello_pid$/m &&
   $hello =~ /^pid $hello_pid \(hello\) exited with status 0$/m,
   "run hello: its output, then its exit status", $hello);
my $wild = cmd('run wild');
my @killed = $wild =~ /^proc: pid \d+ \(wild\) killed by a page fault:$/mg;
ok(@killed == 3 && $wild =~ /^page fault: user write of 0x5eadb000 /m &&
   $wild =~ /its guard page/ && $wild =~ /^pid \d+ \(wild\) exited with status 0$/m,
   "run wild: three children killed and reported, the parent exits with 0", $wild);
ok(cmd('kill 0') =~ /^error: pid 0 is the kernel/m, "kill 0 is refused");
ok(cmd('kill 77777') =~ /^error: no process with pid 77777/m, "kill of an unknown pid");
ok(cmd('kill 1x') =~ /^error: '1x' is not a number/m, "kill of a bad pid");
ok(cmd('kill 99999999999') =~ /^error: 99999999999 is not a pid/m, "kill of a pid too large");
ok(cmd('vmmap 77777') =~ /^error: no process with pid 77777/m, "vmmap of an unknown pid");
ok(cmd('wait 77777') =~ /^error: no process with pid 77777/m, "wait for an unknown pid");

sub free_frames {
	my ($m) = cmd('meminfo') =~ /^  free\s+\d+ KiB\s+\((\d+) frames/m;
	return $m;
}
my $free_before = free_frames();
my $spawn = cmd('spawn spin');
my ($spin) = $spawn =~ /^pid (\d+) \(spin\) is ready to run/m;
ok(defined $spin, "spawn spin", $spawn) or do {
	print "1..$tests\n";
	exit 1;
};
my $ps = cmd('ps');
my ($resident, $tables) = $ps =~ /^\s*$spin\s+0\s+runnable\s+spin\s+(\d+)\s+(\d+)$/m;
ok(defined $resident && $resident > 0 && $tables > 0,
   "ps: pid, parent, state, program, resident and table pages", $ps);
my $vmmap = cmd("vmmap $spin");
my @regions = $vmmap =~ /^0x[0-9a-f]+-0x[0-9a-f]+\s+\d+K\s+\S+ wb\s+(.*?)\s+(\d+)$/mg;
my ($text) = $vmmap =~ /^(0x[0-9a-f]+)-0x[0-9a-f]+\s+4K\s+r-xu- wb\s+anonymous\s+1$/m;
my ($res_total) = $vmmap =~ /^(\d+) regions, (\d+) pages resident/m;
ok(@regions >= 8 && $vmmap =~ /^0x\S+\s+68K\s+rw-u- wb\s+stack \d+K, 4K guard\s+0$/m &&
   defined $text && $vmmap =~ /^\d+ regions, $resident pages resident/m,
   "vmmap PID: the program's regions, its stack with the guard, resident pages as ps says", $vmmap);
$text = hex($text || '0');
my $pdump = cmd("ptdump $spin");
my ($text_pa) = $pdump =~ /^0x0*@{[sprintf('%x', $text)]}-0x[0-9a-f]+\s+\S+\s+4K\s+r-xu- wb\s+pa (0x[0-9a-f]+)$/m;
ok($pdump =~ /^pid $spin \(spin\), root 0x[0-9a-f]+ .*user half:$/m && defined $text_pa,
   "ptdump PID: the text page, user and executable", $pdump);
my $pwalk = cmd('walk ' . h($text) . " $spin");
my ($pwalk_ok, $pchecked, $pwhy, $pleaf) = check_walk($pwalk);
ok($pwalk_ok && $pwalk =~ /^pid $spin \(spin\): walk of /m && defined $text_pa &&
   hex($pleaf) == hex($text_pa),
   "walk ADDR PID: all $pchecked entries match guest memory, the frame ptdump names", "$pwhy$pwalk");
ok(cmd("kill $spin") =~ /^pid $spin \(spin\) was killed \(kill\)$/m, "kill PID");
ok(cmd('ps') =~ /^no processes/m, "ps after the kill");
my $free_after = free_frames();
ok(defined $free_before && defined $free_after && $free_before == $free_after,
   "kill gives back every frame the process had", "free frames before spawn " .
   ($free_before // '?') . ", after kill " . ($free_after // '?'));
ok(cmd("kill $spin") =~ /^error: no process with pid $spin/m, "kill it again");

my $full = cmd('ptdump');
if ($arch eq 'i386') {
	ok($full =~ /recursive window: a root entry points at this root/, "ptdump shows the recursive window", $full);
} else {
	skip("ptdump shows the recursive window", "$arch has no recursive mapping");
}
ok(cmd('meminfo') =~ /^page tables: \d+ pages/m, "meminfo");

print $in "halt\n";
close $in;
read_until(qr/halting\n/, 30);
close $mon if $mon;
waitpid($pid, 0);
ok($? == 0, "halt ends QEMU with status 0", "qemu.sh status " . ($? >> 8));

# The end of piped input ends the session as halt does.
my $eof_run = `printf 'help halt\\n' | "$here/tools/qemu.sh" $arch "$image" 2>&1`;
$eof_run =~ s/\r//g;
ok($? == 0 && $eof_run =~ /^end of input$/m, "the end of piped input ends QEMU with status 0",
   "status " . ($? >> 8));

print "1..$tests\n";
exit($failed ? 1 : 0);
