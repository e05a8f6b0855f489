#!/usr/bin/perl
# Rewrites the vermagic string in a kernel module's .modinfo in place, keeping its length, so
# the module is byte for byte the original except for that string (no ELF offset moves).
#
#   perl rewrite-vermagic.pl release IN.ko OUT.ko   the release's last number all nines (6.1.0-NN-amd64: NN)
#   perl rewrite-vermagic.pl flags   IN.ko OUT.ko   "SMP preempt" -> "SMP PREEMPT"
#
# A module is a set of NUL-terminated "key=value" strings in .modinfo; "vermagic=" occurs
# exactly once in a module built by kbuild, which this checks.
use strict;
use warnings;

my ($mode, $in, $out) = @ARGV;
die "usage: $0 release|flags IN.ko OUT.ko\n" unless defined $out && $mode =~ /^(release|flags)$/;

open(my $fh, '<:raw', $in) or die "$in: $!\n";
my $ko = do { local $/; <$fh> };
close $fh;

my @hits = ($ko =~ /vermagic=([^\0]*)\0/g);
die "$in: expected one vermagic string, found " . scalar(@hits) . "\n" unless @hits == 1;
my $old = $hits[0];
my $new = $old;
if ($mode eq 'release') {
    # The release's last number after a '.' or '-' (Debian's ABI number in 6.1.0-NN-amd64, the
    # update number in 6.12.NNN+deb12-amd64) becomes all nines (or eights if it was all nines).
    my ($release) = $new =~ /^(\S+)/ or die "$in: no release in vermagic '$old'\n";
    my ($at, $len);
    while ($release =~ /(?<=[.-])(\d+)/g) { ($at, $len) = ($-[1], $+[1] - $-[1]); }
    die "$in: no release number to rewrite in vermagic '$old'\n" unless defined $at;
    my $number = substr($release, $at, $len);
    my $nines = $number =~ tr/0-9/9/r;
    substr($new, $at, $len) = $nines eq $number ? $number =~ tr/0-9/8/r : $nines;
} else {
    $new =~ s/\bpreempt\b/PREEMPT/ or $new =~ s/\bSMP\b/smp/
        or die "$in: no flag to rewrite in vermagic '$old'\n";
}
die "rewritten vermagic changed length\n" unless length($new) == length($old);

my $at = index($ko, "vermagic=$old\0");
substr($ko, $at + length('vermagic='), length($old)) = $new;

open(my $oh, '>:raw', $out) or die "$out: $!\n";
print $oh $ko;
close $oh or die "$out: $!\n";
print "$out: vermagic '$old' -> '$new'\n";
