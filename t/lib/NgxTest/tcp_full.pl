#!/usr/bin/perl
# A TCP listener on 127.0.0.1:PORT that never accepts, its accept queue (backlog 0)
# filled by its own connections: Linux then drops further SYNs, so connects to it
# time out.
use strict;
use warnings;
use IO::Socket::INET;
my ($port) = @ARGV;
my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, ReuseAddr => 1,
                                     Proto => 'tcp')
    or die "tcp_full: bind 127.0.0.1:$port: $!\n";
listen($listener, 0) or die "tcp_full: listen: $!\n";
my @fill = map {
    IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Blocking => 0)
} 1 .. 2;
$SIG{TERM} = sub { exit 0 };
sleep 1 while 1;
