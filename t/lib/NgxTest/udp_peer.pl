#!/usr/bin/perl
# A UDP peer on 127.0.0.1:PORT. "echo": each datagram goes back to its sender, except
# "size N" which is answered with N bytes; "sink": reads and never answers.
use strict;
use warnings;
use IO::Socket::INET;
my ($port, $mode) = @ARGV;
my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Proto => 'udp')
    or die "udp_peer: bind 127.0.0.1:$port: $!\n";
$SIG{TERM} = sub { exit 0 };
while (1) {
    my $peer = $s->recv(my $data, 65536) // next;
    next if $mode eq 'sink';
    $data = 'x' x $1 if $data =~ /^size (\d+)$/;
    $s->send($data, 0, $peer);
}
