package NgxTest::Wire;
# What goes over the socket for t/lib/NgxTest.pm: reading HTTP/1 responses (their
# length, header, chunked bodies) and the HTTP/2 client (curl with prior knowledge,
# and a client of its own that resets a stream), plus the file helpers both use.
use strict;
use warnings;

use Exporter 'import';
use File::Path ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

our @EXPORT_OK = qw(exchange_h2 response_length parse_response header read_file write_file);

# HTTP/2 over cleartext with prior knowledge.  curl sends each request on a
# connection of its own (Debian 12's curl 7.88 fails a second request over a
# prior-knowledge connection with "Error in the HTTP2 framing layer"); the k-th
# requests of all clients go at once.  An aborting client is h2_abort's.  The
# results look like HTTP/1 ones (curl writes the header as "HTTP/2 200" lines).
sub exchange_h2 {
    my ($t, $conns, $timeout, $abort) = @_;
    my $dir = "$t->{prefix}/h2client";
    File::Path::make_path($dir);
    my $longest = (sort { $b <=> $a } map { scalar @{ $_->{queue} } } @$conns)[0];
    my $n = 0;
    for my $k (0 .. $longest - 1) {
        my @reqs = grep { defined } map { $_->{queue}[$k] } @$conns;
        if ($abort) {
            $_->{result} = h2_abort($t->{port}, $_, $timeout) for @reqs;
            next;
        }
        my @running;
        for my $req (@reqs) {
            my $f = "$dir/" . $n++;
            my %given = map { lc $_->[0] => 1 } @{ $req->{headers} };
            # curl's own headers, unless the block gives them
            my @cmd = ('curl', '-sS', '--http2-prior-knowledge', '--globoff', '--path-as-is',
                       '--max-time', $timeout, '-D', "$f.head", '-o', "$f.body",
                       map({ ('-H', "$_:") } grep { !$given{lc $_} } qw(User-Agent Accept Expect)),
                       $req->{method} eq 'HEAD' ? '--head' : ('-X', $req->{method}),
                       map { ('-H', length $_->[1] ? "$_->[0]: $_->[1]" : "$_->[0];") }
                           @{ $req->{headers} });
            if (defined $req->{body}) {
                write_file("$f.req", $req->{body});
                push @cmd, '--data-binary', "\@$f.req";
            }
            push @cmd, "http://127.0.0.1:$t->{port}$req->{target}";
            my $pid = fork // die "fork: $!\n";
            if ($pid == 0) {
                open STDIN, '<', '/dev/null';
                open STDOUT, '>', "$f.err" or POSIX::_exit(127);
                open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
                exec { $cmd[0] } @cmd or print STDERR "exec $cmd[0]: $!\n";
                POSIX::_exit(127);
            }
            push @running, [$pid, $req, $f];
        }
        for (@running) {
            my ($pid, $req, $f) = @$_;
            waitpid $pid, 0;
            my $rc = $? >> 8;
            # the last header block: curl writes 1xx ones before it
            my ($head) = grep { /\S/ } reverse split /(?<=\r\n\r\n)/, read_file("$f.head");
            $head //= '';
            $head =~ s/^(HTTP\S*[ ]\d+)[ ]*\r\n/$1\r\n/;
            my $raw = $head . read_file("$f.body");
            (my $error = read_file("$f.err")) =~ s/\s+$//;
            $req->{result} = $rc == 0 ? { state => 'eof', raw => $raw }
                : $rc == 28 ? { state => 'timeout', raw => $raw }
                : length $head ? { state => 'eof', raw => $raw, truncated => "curl: $error" }
                : { state => 'closed', raw => '', error => "curl (exit $rc): $error" };
        }
    }
}

# An HTTP/2 client that sends the request, reads what comes for $timeout seconds,
# then resets the stream (RST_STREAM, CANCEL), waits for the answer to a PING
# (nginx has then handled the reset) and closes the connection.  State 'timeout'
# as for an HTTP/1 abort, 'eof' if the server ended the stream first.
sub h2_abort {
    my ($port, $req, $timeout) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or return { state => 'refused', raw => '', error => "connect: $@" };
    my $body = $req->{body} // '';
    die "an aborting HTTP/2 client sends at most 16384 body bytes\n" if length $body > 16384;
    my @fields = ([':method', $req->{method}], [':scheme', 'http'], [':path', $req->{target}],
                  (map { [lc $_->[0], $_->[1]] } @{ $req->{headers} }),
                  length $body ? ['content-length', length $body] : ());
    $_->[0] = ':authority' for grep { $_->[0] eq 'host' } @fields;
    # HPACK literals without indexing, no Huffman coding
    my $block = join '', map { "\0" . hpack_string($_->[0]) . hpack_string($_->[1]) } @fields;
    my $frame = sub { my ($type, $flags, $stream, $payload) = @_;
                      substr(pack('N', length $payload), 1) . pack('CCN', $type, $flags, $stream) . $payload };
    my $out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" . $frame->(4, 0, 0, '')
            . $frame->(1, length $body ? 0x4 : 0x5, 1, $block)    # END_HEADERS (+ END_STREAM)
            . (length $body ? $frame->(0, 0x1, 1, $body) : '');
    syswrite($sock, $out) // return { state => 'closed', raw => '', error => "write: $!" };

    my ($in, $ended, $ponged, $closed) = ('', 0, 0, 0);
    my $read_until = sub {
        my $deadline = Time::HiRes::time() + shift;
        my $sel = IO::Select->new($sock);
        while (!$ended && !$ponged && !$closed) {
            my $left = $deadline - Time::HiRes::time();
            last if $left <= 0;
            next unless $sel->can_read($left);
            my $n = sysread($sock, my $buf, 65536);
            if (!$n) { $closed = 1; last }
            $in .= $buf;
            while (length $in >= 9) {
                my ($len, $type, $flags, $stream) = unpack 'NCCN', "\0" . $in;
                last if length $in < 9 + $len;
                substr $in, 0, 9 + $len, '';
                syswrite($sock, $frame->(4, 0x1, 0, '')) if $type == 4 && !($flags & 0x1);
                $ended = 1 if $stream == 1 && ($type == 3 || ($type <= 1 && $flags & 0x1));
                $ponged = 1 if $type == 6 && $flags & 0x1;
            }
        }
    };
    $read_until->($timeout);
    return { state => 'closed', raw => '', error => 'the server closed the connection' } if $closed;
    if (!$ended) {
        syswrite($sock, $frame->(3, 0, 1, pack('N', 0x8)) . $frame->(6, 0, 0, 'abortack'));
        $read_until->(NgxTest::DEFAULT_TIMEOUT());
    }
    close $sock;
    return $ended ? { state => 'eof', raw => '', error => 'the server ended the stream' }
         : { state => 'timeout', raw => '' };
}

sub hpack_string {
    my $s = shift;
    my $len = length $s;
    return pack('C', $len) . $s if $len < 127;
    my $int = pack 'C', 127;
    for ($len -= 127; $len >= 128; $len >>= 7) { $int .= pack 'C', 0x80 | ($len & 0x7f) }
    return $int . pack('C', $len) . $s;
}

# Length of the complete response at the start of $buf; undef while it is
# incomplete, -1 when only the connection close can end it.
sub response_length {
    my ($buf, $method) = @_;
    my $end = index $buf, "\r\n\r\n";
    return undef if $end < 0;
    my $r = parse_response(substr($buf, 0, $end + 4), $method);
    return $end + 4 if $r->{error};    # shown as it is by the checks
    return $end + 4 if $method eq 'HEAD' || $r->{status} =~ /^(?:1..|204|304)$/;
    if ((header($r, 'Transfer-Encoding') // '') =~ /\bchunked\b/i) {
        my $pos = $end + 4;
        while (1) {
            my $eol = index $buf, "\r\n", $pos;
            return undef if $eol < 0;
            my ($size) = substr($buf, $pos, $eol - $pos) =~ /^([0-9a-fA-F]+)/ or return -1;
            $pos = $eol + 2;
            if (hex $size == 0) {    # trailers up to an empty line
                my $trailer_end = index $buf, "\r\n", $pos;
                while ($trailer_end > $pos) {
                    $pos = $trailer_end + 2;
                    $trailer_end = index $buf, "\r\n", $pos;
                }
                return $trailer_end < 0 ? undef : $trailer_end + 2;
            }
            $pos += hex($size) + 2;
            return undef if $pos > length $buf;
        }
    }
    my $len = header($r, 'Content-Length');
    return -1 unless defined $len;
    return length $buf >= $end + 4 + $len ? $end + 4 + $len : undef;
}

# Returns { status, headers => [[name, value], ...], body, truncated } or
# { error }; truncated is a reason (true) when the body is incomplete.
sub parse_response {
    my ($raw, $method) = @_;
    my $end = index $raw, "\r\n\r\n";
    return { error => "incomplete response header" } if $end < 0;
    my ($status_line, @lines) = split /\r\n/, substr($raw, 0, $end);
    my ($status) = $status_line =~ m{^HTTP/\d(?:\.\d)? (\d{3})\b}
        or return { error => "bad status line '$status_line'" };
    my @headers;
    for (@lines) {
        /^([^:\s]+)\s*:\s*(.*?)\s*$/ or return { error => "bad header line '$_'" };
        push @headers, [$1, $2];
    }
    my $r = { status => $status, status_line => $status_line, headers => \@headers, truncated => '' };
    my $body = substr $raw, $end + 4;

    if ($method eq 'HEAD' || $status =~ /^(?:1..|204|304)$/) {
        $r->{body} = $body;    # no body expected: anything here shows up in checks
    } elsif ((header($r, 'Transfer-Encoding') // '') =~ /\bchunked\b/i) {
        @$r{qw(body truncated)} = decode_chunked($body);
        return { error => $r->{truncated} } unless defined $r->{body};
    } elsif (defined(my $len = header($r, 'Content-Length'))) {
        $r->{body} = $body;    # extra bytes, if any, show up in body checks
        $r->{truncated} = "got " . length($body) . " of $len body bytes"
            if length($body) < $len;
    } else {
        $r->{body} = $body;    # delimited by the connection close
    }
    return $r;
}

sub decode_chunked {
    my $data = shift;
    my ($out, $pos) = ('', 0);
    while (1) {
        my $eol = index $data, "\r\n", $pos;
        return ($out, "chunked body without its last chunk") if $eol < 0;
        my ($size) = substr($data, $pos, $eol - $pos) =~ /^([0-9a-fA-F]+)/
            or return (undef, "bad chunk size line at body offset $pos");
        $size = hex $size;
        return ($out, '') if $size == 0;    # trailers, if any, are ignored
        $pos = $eol + 2;
        return ($out . substr($data, $pos), "chunked body without its last chunk")
            if length($data) < $pos + $size + 2;
        $out .= substr $data, $pos, $size;
        $pos += $size + 2;
    }
}

# Value of a response header (case-insensitive); repeated headers are joined
# with ", " as HTTP allows.
sub header {
    my ($r, $name) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $r->{headers} };
    return @v ? join(', ', @v) : undef;
}

sub read_file {
    my $path = shift;
    open my $fh, '<:raw', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub write_file {
    my ($path, $content) = @_;
    open my $fh, '>:raw', $path or die "cannot write $path: $!\n";
    print {$fh} $content;
    close $fh or die "cannot write $path: $!\n";
}

1;
