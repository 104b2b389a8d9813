package NgxTest::FastCGI;
# A FastCGI responder for tests of fastcgi_pass, started when a test file loads:
# `start_fastcgi_responder('NAME')` listens on a free loopback port, sets
# $TEST_NGINX_FASTCGI_NAME_PORT to it and answers every request with
# "NAME <connection> <REQUEST_URI>\n", where <connection> counts the connections it
# accepted (1, 2, ...), so a test sees which requests shared one.  A connection whose
# requests ask for FCGI_KEEP_CONN stays open for the next one.  Each connection is
# served by a process of its own; all go when the test file ends.
use strict;
use warnings;

use Exporter 'import';
use IO::Socket::INET ();
use POSIX ();

our @EXPORT_OK = qw(start_fastcgi_responder);

my @Pids;

use constant {
    FCGI_BEGIN_REQUEST => 1, FCGI_END_REQUEST => 3, FCGI_PARAMS => 4, FCGI_STDIN => 5, FCGI_STDOUT => 6,
    FCGI_KEEP_CONN => 1,
};

sub read_exactly {
    my ($sock, $len) = @_;
    my $buf = '';
    while (length($buf) < $len) {
        my $n = sysread($sock, $buf, $len - length($buf), length($buf));
        return undef unless $n;
    }
    return $buf;
}

# One record: (type, request id, content), or () at the end of the connection.
sub read_record {
    my ($sock) = @_;
    my $header = read_exactly($sock, 8) // return;
    my (undef, $type, $id, $len, $padding) = unpack 'CCnnC', $header;
    my $content = read_exactly($sock, $len + $padding) // return;
    return ($type, $id, substr($content, 0, $len));
}

sub write_record {
    my ($sock, $type, $id, $content) = @_;
    syswrite $sock, pack('CCnnCC', 1, $type, $id, length $content, 0, 0) . $content;
}

sub params {
    my ($data) = @_;
    my %params;
    while (length $data) {
        my @len;
        for (1, 2) {
            my $n = unpack 'C', $data;
            if ($n & 0x80) {
                $n = unpack('N', $data) & 0x7fffffff;
                substr($data, 0, 4) = '';
            } else {
                substr($data, 0, 1) = '';
            }
            push @len, $n;
        }
        my $name = substr $data, 0, $len[0], '';
        $params{$name} = substr $data, 0, $len[1], '';
    }
    return \%params;
}

sub serve_connection {
    my ($sock, $name, $connection) = @_;
    while (1) {
        my ($keep, $params, $id) = (0, '');
        while (my ($type, $rid, $content) = read_record($sock)) {
            $id = $rid;
            if ($type == FCGI_BEGIN_REQUEST) {
                $keep = (unpack 'x2C', $content) & FCGI_KEEP_CONN;
            } elsif ($type == FCGI_PARAMS) {
                $params .= $content;
            } elsif ($type == FCGI_STDIN && $content eq '') {
                last;
            }
        }
        return unless defined $id;
        my $uri = params($params)->{REQUEST_URI} // '';
        write_record($sock, FCGI_STDOUT, $id, "Content-Type: text/plain\r\n\r\n$name $connection $uri\n");
        write_record($sock, FCGI_STDOUT, $id, '');
        write_record($sock, FCGI_END_REQUEST, $id, pack('NCx3', 0, 0));
        return unless $keep;
    }
}

sub start_fastcgi_responder {
    my ($name) = @_;
    my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16,
                                         ReuseAddr => 1) or die "FastCGI listen: $!\n";
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        $SIG{CHLD} = 'IGNORE';
        my $connections = 0;
        while (my $sock = $listener->accept) {
            $connections++;
            my $child = fork;
            if (defined $child && $child == 0) {
                serve_connection($sock, $name, $connections);
                POSIX::_exit(0);
            }
            close $sock;
        }
        POSIX::_exit(0);
    }
    my $port = $listener->sockport;
    close $listener;
    push @Pids, $pid;
    $ENV{'TEST_NGINX_FASTCGI_' . uc($name) . '_PORT'} = $port;
    return $port;
}

END {
    local $?;    # the responders' ends are not the test's
    for my $pid (@Pids) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

1;
