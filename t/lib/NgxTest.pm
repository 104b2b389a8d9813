package NgxTest;

# Data-driven test harness for the nginx Lua FFI module.  For each Test::Base
# block after __DATA__, run_tests() starts a private nginx (own prefix
# directory, own loopback port), sends the block's request(s), checks the
# response, stops nginx gracefully and checks its logs:
#
#     use lib 't/lib';
#     use NgxTest;
#     run_tests();
#     __DATA__
#     === TEST 1: say hello
#     --- config
#         location = /t { content_by_lua_block { ngx.say("hello") } }
#     --- request
#     GET /t
#     --- response_body
#     hello
#
# Section values keep their final newline (the only default filter, "trim",
# just drops the blank lines between blocks), so response_body is compared
# byte for byte; add "chomp" for a body without one.  A section the harness
# does not know fails the block, so a typo is never silently ignored.
# t/harness-selftest.t shows every section in use.  In short:
#
#   main_config http_config config   nginx.conf parts (main, http, server)
#   user_files        ">>> path" lines, each followed by the file, under html/
#   workers log_level no_module      worker_processes, error_log level, no load_module
#   master_process    on (default) or off
#   request           "METHOD URI" (+ body lines); eval may give an arrayref:
#                     one connection per request, expectations may be arrayrefs
#   raw_request       exact bytes instead; more_headers, request_body (exact)
#   body_pause        seconds the client waits after the first half of the body
#                     (so that nginx reads the body in several events)
#   timeout           seconds per request (default 3); with abort the client
#                     hangs up then, and no response is expected
#   no_response       the server closes the connection without sending a byte
#   ignore_response   no response checks (the block must then check the log)
#   truncated_response  the response must be cut short
#   must_die          nginx must fail to start (error_log says why); error_log
#                     then includes stderr
#   error_code (default 200) response_body
#   response_body_like  a regex matched against the body as in OpenResty's
#                     Test::Nginx: unanchored, /s, and the section's final newline
#                     is part of it (use "chomp", or the one-line "--- x: y" form)
#   response_headers ("Name: value", "!Name") response_headers_like
#   error_log         patterns (lines, or eval: strings/regexes) the log must have,
#                     matched against lines at the block's log_level or above
#                     (default info: nginx's debug lines echo the request itself)
#   no_error_log      patterns the log must not have (any level)
#   allow_error_log   patterns that may appear, not required (racy lines)
#   grep_error_log grep_error_log_out   every match of a pattern, in order
#   wait skip         seconds to wait before stopping nginx; skip the block
#
# Every block must check something (one of the response sections, error_log,
# no_error_log, grep_error_log, no_response).  Every block fails on an
# [error], [crit], [alert] or [emerg] line, a worker that exited with a code
# other than 0 or on a signal, or a sanitizer report, unless an error_log (or
# allow_error_log) pattern matches that line's message: a pattern matching
# only the timestamp and level ("[error]") or the context nginx appends
# (", client: ...") expects nothing in particular.  Sanitizer reports are
# never expected.  A "--- ONLY" or "--- LAST" left in a file fails it.
#
# Environment: NGX_BIN (default /usr/sbin/nginx), NGX_MODULE (default
# <repo>/build/ngx_http_lua_ffi_module.so), NGX_PRELOAD (LD_PRELOAD for nginx,
# e.g. a sanitizer runtime), TEST_NGINX_NO_CLEAN=1 (keep all prefixes), and
# any TEST_NGINX_* variable, substituted like $TEST_NGINX_SERVER_PORT.
#
# Spiffy's "-Base" source filter (required by Test::Base) turns a column-0
# `sub foo {` into a method (adds `my $self = shift;`), while `sub foo() {`
# is a plain function (the empty prototype is dropped): both are used below.

use Test::Base -Base;

use Cwd ();
use File::Basename ();
use File::Path ();
use File::Spec ();
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();
use Test::Base::Filter ();    # base class of NgxTest::Filter, at the end

our @EXPORT = qw(run_tests lua_function_line loop_traces);

# Everything else fails the block (Test::Base would ignore it).
my %KNOWN = map { $_ => 1 } qw(
    main_config http_config config user_files log_level workers master_process no_module
    request raw_request more_headers request_body body_pause timeout abort
    response_body response_body_like error_code response_headers
    response_headers_like truncated_response ignore_response no_response must_die
    error_log no_error_log allow_error_log grep_error_log grep_error_log_out wait
    skip ONLY LAST
);

# Sections that describe the HTTP response.  In a block that never looks at a
# response (must_die, abort, ignore_response) they would be silently unchecked,
# so their presence there is reported as an error instead.
my @RESPONSE_SECTIONS = qw(response_body response_body_like error_code
    response_headers response_headers_like truncated_response);

# A block must have at least one of these (the default checks, status 200 and
# a clean log, prove little on their own).
my @ASSERTIONS = (@RESPONSE_SECTIONS, qw(error_log no_error_log grep_error_log no_response));

# error_log levels, least severe first.
my @LEVELS = qw(debug info notice warn error crit alert emerg);
my %LEVEL_RANK = map { $LEVELS[$_] => $_ } 0 .. $#LEVELS;
# A log line starts "2026/01/02 03:04:05 [level] pid#tid: *conn " (error.log) or
# "nginx: [level] " (stderr before the configuration is read); other lines go
# on the one before (tracebacks) or are not nginx's (jit.v, sanitizers).
my $LINE_PREFIX = qr{^(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: (?:\*\d+ )?|nginx: \[(\w+)\] )};


my $REPO    = Cwd::abs_path(File::Basename::dirname(__FILE__) . '/../..');
my $NGX_BIN = $ENV{NGX_BIN} // '/usr/sbin/nginx';
my $MODULE  = File::Spec->rel2abs($ENV{NGX_MODULE}
                                  // "$REPO/build/ngx_http_lua_ffi_module.so");

use constant {
    START_TIMEOUT   => 5,     # seconds for nginx to come up (or die, for must_die)
    STOP_TIMEOUT    => 5,     # seconds for a graceful stop after SIGQUIT
    POLL_INTERVAL   => 0.02,
    DEFAULT_TIMEOUT => 3,     # per request
    START_ATTEMPTS  => 3,     # retries when another process grabbed our port
};

# The nginx master currently running.  It leads its own process group (so that
# a stuck worker can be killed with it), which also means a Ctrl-C does not
# reach it: the END block and signal handlers below take it down instead.
my $Live_pid;

END {
    local $?;    # waitpid below must not change the test script's exit code
    kill_group($Live_pid) if $Live_pid;
}

# Only "trim": Test::Base's default "norm" would rewrite CRs in expected bodies.
default_object()->_filters(['trim']);

#---------------------------------------------------------------------------
# Driver
#---------------------------------------------------------------------------

# The line where `local function NAME(` starts in a file of the Lua layer (lua/...),
# for matching the traces jit.v reports for that function.
sub lua_function_line() {
    my ($file, $name) = @_;
    open my $fh, '<', "lua/$file" or die "lua/$file: $!";
    while (my $line = <$fh>) {
        return $. if $line =~ /^local function \Q$name\E\(/;
    }
    die "no function $name in lua/$file";
}

# What jit.v logs for loops of a content_by_lua block compiled into traces, one
# pattern per line number given.
sub loop_traces() {
    return map { qr/\[TRACE\s+\d+ content_by_lua\(nginx\.conf:\d+\):$_ loop\]/ } @_;
}

sub run_tests() {
    my $self = default_object();
    local $SIG{PIPE} = 'IGNORE';    # a server closing early must not kill us mid-write
    local $SIG{INT}  = sub { kill_group($Live_pid) if $Live_pid; exit 130 };
    local $SIG{TERM} = sub { kill_group($Live_pid) if $Live_pid; exit 143 };

    # Test::Base's END block runs run_compare() unless a plan went through
    # Test::Builder::plan; done_testing() does not, so declare "no_plan" here
    # (done_testing still prints the final count).
    plan('no_plan') unless Test::More->builder->has_plan;

    my @blocks = $self->blocks;
    # Test::Base runs only an ONLY block, and none after a LAST one: left in a
    # file, either would pass the file while most of it never ran.
    for my $marker (qw(ONLY LAST)) {
        fail("--- $marker is left in $0: the other blocks did not run")
            if grep { exists $_->{$marker} } @blocks;
    }
    $self->run_block($_) for @blocks;
    Test::More::done_testing();
}

sub run_block {
    my $block = shift;
    my $name  = $block->name;

    if (exists $block->{skip}) {
        my $why = value($block->{skip}[0]) // '';
        Test::More->builder->skip(length $why ? "$name: $why" : $name);
        return;
    }
    if (my @errors = $self->block_errors($block)) {
        fail("$name - block is well-formed");
        diag("$name: $_") for @errors;
        return;
    }

    my $tb     = Test::More->builder;
    my $before = $tb->current_test;
    my $t = { block => $block, name => $name, prefix => make_prefix($block) };

    eval { $self->run_server($t); 1 } or do {
        fail("$name - harness error");
        diag("$name: $@");
    };
    $self->discard_nginx($t);    # only does something after a harness error

    my @results = ($tb->summary)[$before .. $tb->current_test - 1];
    if (grep { !$_ } @results) {
        diag("$name: prefix kept in $t->{prefix}");
    } elsif (!$ENV{TEST_NGINX_NO_CLEAN}) {
        File::Path::remove_tree($t->{prefix});
    }
}

# Problems visible before starting anything.
sub block_errors {
    my $block = shift;
    my @err;
    my @order = @{ $block->{_section_order}[0] || [] };
    push @err, "unknown section '$_'" for grep { !$KNOWN{$_} } @order;
    my %seen;
    push @err, "section '$_' given twice" for grep { $seen{$_}++ == 1 } @order;
    push @err, @{ $block->{_ngx_eval_errors} || [] };

    my %has = map { $_ => 1 } grep { exists $block->{$_} } keys %KNOWN;
    my ($no_response) = grep { $has{$_} } qw(must_die abort ignore_response no_response);
    my $has_request = $has{request} || $has{raw_request};
    if ($no_response) {
        push @err, "section '$_' is never checked in a '$no_response' block"
            for grep { $has{$_} } @RESPONSE_SECTIONS;
    } elsif (!$has_request) {
        push @err, "section '$_' needs a 'request' section"
            for grep { $has{$_} } @RESPONSE_SECTIONS;
    }
    if (!$has_request && !$has{must_die}) {
        push @err, "section '$_' needs a 'request' section"
            for grep { $has{$_} } qw(more_headers request_body timeout abort ignore_response
                                     no_response);
    }
    my @log_checks = grep { $has{$_} } qw(error_log no_error_log grep_error_log);
    if (!grep { $has{$_} } @ASSERTIONS) {
        push @err, "no section checks anything (" . join(', ', @ASSERTIONS) . ")";
    } elsif ($no_response && !@log_checks && !$has{no_response}) {
        push @err, "a '$no_response' block must check the log (error_log, no_error_log, "
                   . "grep_error_log)";
    }
    push @err, "a 'must_die' block names why in error_log"
        if $has{must_die} && !$has{error_log};
    push @err, "'request' and 'raw_request' are mutually exclusive"
        if $has{request} && $has{raw_request};
    push @err, "'grep_error_log' and 'grep_error_log_out' go together"
        if !$has{grep_error_log} != !$has{grep_error_log_out};

    for my $sec (qw(timeout wait)) {
        my $v = value($block->{$sec} && $block->{$sec}[0]);
        push @err, "'$sec' must be a number of seconds, not '$v'"
            if defined $v && $v !~ /^(?:\d+(?:\.\d*)?|\.\d+)$/;
    }
    my $workers = value($block->{workers} && $block->{workers}[0]);
    push @err, "'workers' must be a positive integer"
        if defined $workers && $workers !~ /^[1-9]\d*$/;
    my $master = value($block->{master_process} && $block->{master_process}[0]);
    push @err, "'master_process' must be on or off"
        if defined $master && $master !~ /^(?:on|off)$/;
    my $level = value($block->{log_level} && $block->{log_level}[0]);
    push @err, "unknown log_level '$level'"
        if defined $level && !exists $LEVEL_RANK{$level};

    push @err, "module $MODULE not found (build it, or set NGX_MODULE)"
        if !$has{no_module} && !-f $MODULE;
    return @err;
}

sub run_server {
    my $t = shift;

    if (exists $t->{block}{must_die}) {
        $self->launch($t, 1);
        my $status = wait_exit($t->{pid}, START_TIMEOUT);
        if (!defined $status) {
            fail("$t->{name} - nginx fails to start");
            diag("$t->{name}: nginx still running after " . START_TIMEOUT . " s (must_die)");
            $self->discard_nginx($t);
        } else {
            $self->forget_nginx($t);
            ok($status != 0, "$t->{name} - nginx fails to start")
                or diag("$t->{name}: nginx exited with status 0 (must_die)");
        }
        $self->check_logs($t);
        return;
    }

    my $failure = $self->launch($t, 0);
    if ($failure) {
        fail("$t->{name} - nginx starts");
        diag("$t->{name}: $failure\n" . $self->startup_logs($t));
        return;
    }
    pass("$t->{name} - nginx starts");

    $self->send_requests($t)
        if exists $t->{sec}{request} || exists $t->{sec}{raw_request};

    my $wait = value($t->{sec}{wait});
    Time::HiRes::sleep($wait) if $wait;

    $self->stop_nginx($t);
    $self->check_logs($t);
}

#---------------------------------------------------------------------------
# Prefix directory and nginx process
#---------------------------------------------------------------------------

sub make_prefix() {
    my $block = shift;
    (my $file = File::Basename::basename($0)) =~ s/\W+/_/g;
    my $dir = File::Temp::tempdir("ngxtest-$file-" . $block->seq_num . "-XXXXXX",
                                  TMPDIR => 1, CLEANUP => 0);
    chmod 0755, $dir;    # workers may run as an unprivileged user
    return $dir;
}

# (Re)creates conf/, logs/, html/, tmp/ for a fresh port; the variable-expanded
# section values of the block end up in $t->{sec}.
sub prepare_prefix {
    my $t = shift;
    my $p = $t->{prefix};
    File::Path::remove_tree(map { "$p/$_" } qw(conf logs html tmp));
    File::Path::make_path((map { "$p/$_" } qw(conf logs html tmp)), { mode => 0755 });

    my %vars = (
        TEST_NGINX_SERVER_PORT => $t->{port},
        TEST_NGINX_HTML_DIR    => "$p/html",
        TEST_NGINX_PREFIX      => $p,
    );
    my $block = $t->{block};
    $t->{sec} = { map { $_ => expand_vars($block->{$_}[0], \%vars) }
                  grep { exists $block->{$_} } keys %KNOWN };

    write_file("$p/conf/nginx.conf", $self->nginx_conf($t));
    for my $f (parse_user_files($t->{sec}{user_files})) {
        my ($name, $content) = @$f;
        die "bad user_files name '$name'\n"
            if $name =~ m{^/} || grep { $_ eq '..' } split m{/}, $name;
        File::Path::make_path(File::Basename::dirname("$p/html/$name"), { mode => 0755 });
        write_file("$p/html/$name", $content);
    }
}

sub nginx_conf {
    my $t = shift;
    my ($s, $p) = ($t->{sec}, $t->{prefix});
    my $load    = exists $s->{no_module} ? '' : "load_module $MODULE;\n";
    my $user    = $> == 0 ? "user root;\n" : '';
    my $workers = value($s->{workers}) // 1;
    my $master  = value($s->{master_process}) // 'on';
    my $level   = value($s->{log_level}) // 'debug';
    my ($main, $http, $server) = map { $_ // '' } @$s{qw(main_config http_config config)};
    return <<"CONF";
$load$main
${user}worker_processes $workers;
daemon off;
master_process $master;
error_log logs/error.log $level;
pid logs/nginx.pid;

events {
    worker_connections 1024;
}

http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $p/tmp/client_body;
    proxy_temp_path $p/tmp/proxy;
    fastcgi_temp_path $p/tmp/fastcgi;
    uwsgi_temp_path $p/tmp/uwsgi;
    scgi_temp_path $p/tmp/scgi;
    keepalive_timeout 60;

$http
    server {
        listen 127.0.0.1:$t->{port};
        server_name localhost;
        client_max_body_size 30M;

$server
    }
}
CONF
}

# Picks a port, writes the prefix and starts nginx.  Unless $must_die, waits
# until it serves and returns a failure description, or '' once ready.
sub launch {
    my ($t, $must_die) = @_;
  ATTEMPT:
    for my $attempt (1 .. START_ATTEMPTS) {
        $t->{port} = free_port();
        $self->prepare_prefix($t);
        $self->spawn($t);
        return '' if $must_die;

        my $deadline = Time::HiRes::time() + START_TIMEOUT;
        # nginx writes its pid file after opening the listening sockets and
        # initializing the modules, i.e. once it is ready to serve.
        until (-s "$t->{prefix}/logs/nginx.pid" && port_listening($t->{port})) {
            if (waitpid($t->{pid}, POSIX::WNOHANG()) == $t->{pid}) {
                my $status = $?;
                $self->forget_nginx($t);
                # The port was free when picked, but another test may have
                # taken it since: try again with another one.
                next ATTEMPT if $attempt < START_ATTEMPTS
                                && $self->read_logs($t) =~ /Address already in use/;
                return "nginx exited during startup (" . status_text($status) . ")";
            }
            if (Time::HiRes::time() >= $deadline) {
                $self->discard_nginx($t);
                return "nginx not ready after " . START_TIMEOUT . " s (killed)";
            }
            Time::HiRes::sleep(POLL_INTERVAL);
        }
        return '';
    }
}

sub spawn {
    my $t = shift;
    my $p = $t->{prefix};
    # -e: early messages (before error_log is read) go to our log, not to the
    # compiled-in default, which may be a system path.
    my @cmd = ($NGX_BIN, '-p', "$p/", '-c', 'conf/nginx.conf', '-e', 'logs/error.log');
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        POSIX::setpgid(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$p/logs/stderr.log" or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        $ENV{LD_PRELOAD} = $ENV{NGX_PRELOAD} if length($ENV{NGX_PRELOAD} // '');
        exec { $cmd[0] } @cmd or print STDERR "exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }
    POSIX::setpgid($pid, $pid);    # also here: no race with an early kill
    $t->{pid} = $Live_pid = $pid;
}

# Graceful stop, as an nginx under test must be able to shut down by itself.
sub stop_nginx {
    my $t = shift;
    my ($pid, $name) = ($t->{pid}, $t->{name});
    if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
        my $status = $?;
        $self->forget_nginx($t);
        fail("$name - nginx stops");
        diag("$name: nginx master exited before being stopped (" . status_text($status) . ")");
        return;
    }
    kill QUIT => $pid;
    my $status = wait_exit($pid, STOP_TIMEOUT);
    if (!defined $status) {
        $self->discard_nginx($t);
        fail("$name - nginx stops");
        diag("$name: nginx did not stop within " . STOP_TIMEOUT . " s of SIGQUIT (killed)");
        return;
    }
    $self->forget_nginx($t);
    ok($status == 0, "$name - nginx stops")
        or diag("$name: nginx exited with " . status_text($status));
}

sub forget_nginx {
    my $t = shift;
    undef $Live_pid if $Live_pid && $t->{pid} && $Live_pid == $t->{pid};
    undef $t->{pid};
}

sub discard_nginx {
    my $t = shift;
    return unless $t->{pid};
    kill_group($t->{pid});
    $self->forget_nginx($t);
}

sub kill_group() {
    my $pid = shift;
    kill KILL => -$pid;
    waitpid($pid, 0);
}

# The wait status once $pid exits, or undef after $secs.
sub wait_exit() {
    my ($pid, $secs) = @_;
    my $deadline = Time::HiRes::time() + $secs;
    while (1) {
        return $? if waitpid($pid, POSIX::WNOHANG()) == $pid;
        return undef if Time::HiRes::time() >= $deadline;
        Time::HiRes::sleep(POLL_INTERVAL);
    }
}

sub status_text() {
    my $status = shift;
    return $status & 127 ? "killed by signal " . ($status & 127)
                         : "exit status " . ($status >> 8);
}

sub free_port() {
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Proto => 'tcp', Listen => 1)
        or die "cannot bind a loopback port: $@\n";
    my $port = $sock->sockport;
    close $sock;
    return $port;
}

# Checks the kernel's socket table rather than connecting: a probe connection
# would show up in the error log ("client closed connection ...").
sub port_listening() {
    my $port = shift;
    open my $fh, '<', '/proc/net/tcp' or return 1;    # cannot tell: trust the pid file
    my $want = sprintf '0100007F:%04X', $port;
    while (<$fh>) {
        my @f = split;
        return 1 if $f[1] eq $want && $f[3] eq '0A';    # 0A: LISTEN
    }
    return 0;
}

#---------------------------------------------------------------------------
# Requests and responses
#---------------------------------------------------------------------------

sub send_requests {
    my $t = shift;
    my $s = $t->{sec};
    my $timeout = value($s->{timeout}) // DEFAULT_TIMEOUT;
    my @requests;
    if (exists $s->{raw_request}) {
        @requests = map { { bytes => $_, method => /^\s*(\S+)/ ? $1 : '' } }
                    as_list($s->{raw_request});
    } else {
        my @specs = as_list($s->{request});
        @requests = map { build_request($specs[$_], pick($s->{more_headers}, $_),
                                        pick($s->{request_body}, $_)) } 0 .. $#specs;
    }
    for my $i (0 .. $#requests) {
        my $label = @requests > 1 ? "$t->{name} (request " . ($i + 1) . ")" : $t->{name};
        my $res = exchange($t->{port}, $requests[$i]{bytes}, $timeout, value($s->{body_pause}));
        $self->check_response($t, $i, $label, $res, $requests[$i]{method}, $timeout);
    }
}

# "METHOD URI" on the first line, optional body lines after it.
sub build_request() {
    my ($spec, $more_headers, $body) = @_;
    die "empty request\n" unless defined $spec && $spec =~ /\S/;
    my ($line, @rest) = split /\n/, $spec, -1;
    $line =~ s/^\s+|\s+$//g;
    $line .= ' HTTP/1.1' unless $line =~ m{ HTTP/\d\.\d$};
    if (!defined $body && @rest) {
        $body = join "\n", @rest;
        chomp $body;
        undef $body unless length $body;
    }

    my @extra;
    for (split /\n/, $more_headers // '') {
        next unless /\S/;
        /^\s*([^:\s]+)\s*:[ \t]*(.*?)\s*$/ or die "bad more_headers line '$_'\n";
        push @extra, [$1, $2];
    }
    my %given = map { lc $_->[0] => 1 } @extra;
    my @headers = grep { !$given{lc $_->[0]} } ['Host', 'localhost'], ['Connection', 'close'];
    push @headers, @extra;
    push @headers, ['Content-Length', length $body]
        if defined $body && !$given{'content-length'} && !$given{'transfer-encoding'};

    my $bytes = join '', "$line\r\n", (map { "$_->[0]: $_->[1]\r\n" } @headers), "\r\n",
                         $body // '';
    return { bytes => $bytes, method => ($line =~ /^(\S+)/)[0] };
}

# Sends one request on a new connection and reads until the server closes it.
# state: 'eof' (response complete), 'timeout', 'refused' or 'reset'.
sub exchange() {
    my ($port, $bytes, $timeout, $body_pause) = @_;
    my $deadline = Time::HiRes::time() + $timeout;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                     Proto => 'tcp', Timeout => $timeout)
        or return { state => 'refused', raw => '', error => "connect: $@" };
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);

    my $off = 0;
    my $pause_at = -1;
    if ($body_pause) {
        my $body_start = index($bytes, "\r\n\r\n") + 4;
        $pause_at = $body_start + int((length($bytes) - $body_start) / 2);
    }
    while ($off < length $bytes) {
        my $left = $deadline - Time::HiRes::time();
        return { state => 'timeout', raw => '' } if $left <= 0;
        if ($off == $pause_at) {
            Time::HiRes::sleep($body_pause);
            $pause_at = -1;
        }
        next unless $sel->can_write($left);
        my $chunk = $pause_at > $off ? $pause_at - $off : 65536;
        my $n = syswrite($sock, $bytes, $chunk < 65536 ? $chunk : 65536, $off);
        if (!defined $n) {
            next if $!{EAGAIN} || $!{EINTR};
            last;    # server stopped reading (e.g. 413): still read its response
        }
        $off += $n;
    }

    my $raw = '';
    while (1) {
        my $left = $deadline - Time::HiRes::time();
        return { state => 'timeout', raw => $raw } if $left <= 0;    # closes $sock
        next unless $sel->can_read($left);
        my $n = sysread($sock, my $buf, 65536);
        if (!defined $n) {
            next if $!{EAGAIN} || $!{EINTR};
            return { state => 'reset', raw => $raw, error => "read: $!" } unless length $raw;
            last;
        }
        last if $n == 0;
        $raw .= $buf;
    }
    return { state => 'eof', raw => $raw };
}

sub check_response {
    my ($t, $i, $label, $res, $method, $timeout) = @_;
    my $s = $t->{sec};

    if ($res->{state} eq 'timeout') {
        if (exists $s->{abort}) {
            pass("$label - client aborts after ${timeout}s");
        } else {
            fail("$label - response");
            diag("$label: timed out after ${timeout}s; received so far:\n" . printable($res->{raw}));
        }
        return;
    }
    if (exists $s->{abort}) {
        fail("$label - client aborts after ${timeout}s");
        diag("$label: expected a client abort but got a response ($res->{state}):\n"
             . printable($res->{raw}));
        return;
    }
    return if exists $s->{ignore_response};
    if (exists $s->{no_response}) {
        ok(!length $res->{raw}, "$label - connection closed without a response")
            or diag("$label: got ($res->{state}):\n" . printable($res->{raw}));
        return;
    }

    if ($res->{state} ne 'eof' || !length $res->{raw}) {
        fail("$label - response");
        diag("$label: " . ($res->{error} // "connection closed without any response"));
        return;
    }
    my $r = parse_response($res->{raw}, $method);
    if ($r->{error}) {
        fail("$label - response");
        diag("$label: $r->{error}:\n" . printable($res->{raw}));
        return;
    }
    if (exists $s->{truncated_response}) {
        ok($r->{truncated}, "$label - response is truncated")
            or diag("$label: expected a truncated response, got a complete one");
    } else {
        ok(!$r->{truncated}, "$label - response is complete")
            or diag("$label: truncated response: $r->{truncated}");
    }

    my $code = value(pick($s->{error_code}, $i)) // 200;
    is($r->{status}, $code, "$label - status code");

    if (exists $s->{response_body}) {
        is($r->{body}, pick($s->{response_body}, $i), "$label - response_body");
    }
    if (exists $s->{response_body_like}) {
        my $re = pick($s->{response_body_like}, $i);
        # As in OpenResty's Test::Nginx: the section's final newline is part of
        # the pattern (a line must end there), "chomp" drops it.
        $re = qr/$re/s if ref $re ne 'Regexp';
        like($r->{body}, $re, "$label - response_body_like");
    }

    for my $line (lines(pick($s->{response_headers}, $i))) {
        if ($line =~ /^\s*!\s*(\S+)\s*$/) {
            my $got = header($r, $1);
            ok(!defined $got, "$label - header $1 is absent")
                or diag("$label: $1: $got");
        } elsif ($line =~ /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/) {
            is(header($r, $1), $2, "$label - header $1");
        } else {
            fail("$label - response_headers");
            diag("$label: bad response_headers line '$line'");
        }
    }
    for my $line (lines(pick($s->{response_headers_like}, $i))) {
        if ($line =~ /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/) {
            like(header($r, $1) // '<absent>', qr/$2/, "$label - header $1 like /$2/");
        } else {
            fail("$label - response_headers_like");
            diag("$label: bad response_headers_like line '$line'");
        }
    }
}

# Returns { status, headers => [[name, value], ...], body, truncated } or
# { error }; truncated is a reason (true) when the body is incomplete.
sub parse_response() {
    my ($raw, $method) = @_;
    my $end = index $raw, "\r\n\r\n";
    return { error => "incomplete response header" } if $end < 0;
    my ($status_line, @lines) = split /\r\n/, substr($raw, 0, $end);
    my ($status) = $status_line =~ m{^HTTP/\d\.\d (\d{3})\b}
        or return { error => "bad status line '$status_line'" };
    my @headers;
    for (@lines) {
        /^([^:\s]+)\s*:\s*(.*?)\s*$/ or return { error => "bad header line '$_'" };
        push @headers, [$1, $2];
    }
    my $r = { status => $status, headers => \@headers, truncated => '' };
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

sub decode_chunked() {
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
sub header() {
    my ($r, $name) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $r->{headers} };
    return @v ? join(', ', @v) : undef;
}

#---------------------------------------------------------------------------
# Error log
#---------------------------------------------------------------------------

sub read_logs {
    my $t = shift;
    return join '', map { read_file("$t->{prefix}/logs/$_") } qw(stderr.log error.log);
}

sub startup_logs {
    my $t = shift;
    my $out = '';
    for my $f (qw(stderr.log error.log)) {
        my @lines = split /\n/, read_file("$t->{prefix}/logs/$f");
        splice @lines, 0, @lines - 100 if @lines > 100;
        $out .= "--- logs/$f:\n" . join('', map { "$_\n" } @lines);
    }
    return $out;
}

sub check_logs {
    my $t = shift;
    my ($s, $name) = ($t->{sec}, $t->{name});
    my @lines = split /\n/, $self->read_logs($t);
    my $log = join '', map { "$_\n" } @lines;
    my $min_level = $LEVEL_RANK{ value($s->{log_level}) // 'info' };
    my $matchable = join '', map { "$_\n" } grep { matchable_line($_, $min_level) } @lines;
    my @expected = log_patterns($s->{error_log});

    for my $pat (@expected) {
        ok(scalar(log_matches($matchable, $pat)), "$name - error_log has " . describe($pat))
            or diag("$name: not found in $t->{prefix}/logs/"
                    . ($matchable ne $log ? " (at level $LEVELS[$min_level] or above)" : ''));
    }
    for my $pat (log_patterns($s->{no_error_log})) {
        my @hits = log_matches($log, $pat, 'lines');
        ok(!@hits, "$name - error_log lacks " . describe($pat))
            or diag("$name: found in:\n" . join '', map { "  $_\n" } @hits[0 .. ($#hits < 4 ? $#hits : 4)]);
    }
    if (exists $s->{grep_error_log}) {
        my $pat = $s->{grep_error_log};
        chomp $pat unless ref $pat;
        # error.log alone: messages logged while nginx reads its configuration
        # also reach stderr.log, and would be counted twice.
        my $error_log = read_file("$t->{prefix}/logs/error.log");
        my $got = join '', map { "$_\n" } log_matches($error_log, $pat);
        is($got, $s->{grep_error_log_out}, "$name - grep_error_log " . describe($pat));
    }

    my @allowed = (@expected, log_patterns($s->{allow_error_log}));
    my @bad;
    for my $i (0 .. $#lines) {
        next unless problem_line($lines[$i]);
        my $end = $i;
        $end++ while $end < $#lines && $lines[$end + 1] !~ $LINE_PREFIX;
        push @bad, $lines[$i] unless forgiven(join("\n", @lines[$i .. $end]), \@allowed);
    }
    ok(!@bad, "$name - no unexpected errors, alerts or crashes in the logs")
        or diag("$name: (a block that expects one of these names it in error_log)\n"
                . join '', map { "  $_\n" } @bad[0 .. ($#bad < 19 ? $#bad : 19)]);
}


# What error_log patterns are matched against: lines at the block's log_level
# (default info) or above, and lines without a level.  At debug level nginx
# echoes the request itself ("http request line: ...", headers, args), which
# would match almost any pattern naming something the request sends.
sub matchable_line() {
    my ($line, $min_level) = @_;
    return 1 unless $line =~ $LINE_PREFIX;
    my $rank = $LEVEL_RANK{ $1 // $2 } // 0;
    return 0 if $rank < $min_level;
    return $rank > 0 || $line !~ /\] \d+#\d+: \*\d+ http (?:request line|uri|args|exten|header):/;
}

# Lines no block may have unless it expects them: errors and worse, a worker
# that died or exited with a failure code, sanitizer reports.  UBSan reports
# are told from Lua's "... runtime error: ..." by not being nginx log lines.
sub problem_line() {
    my $line = shift;
    return 1 if $line =~ /AddressSanitizer|LeakSanitizer/;
    if ($line =~ $LINE_PREFIX) {
        my $rank = $LEVEL_RANK{ $1 // $2 } // 0;
        return $rank >= $LEVEL_RANK{error}
            || $line =~ /process \d+ exited (?:on signal|with (?:fatal )?code [1-9])/;
    }
    return $line =~ /runtime error:/;
}

# A problem the block expects: an error_log pattern matches the message of the
# entry (the line and the unprefixed lines after it, a traceback), not merely
# its timestamp and level ("[alert]" expects no alert in particular) nor the
# context nginx appends (client, request, ...).  Sanitizer reports never are.
sub forgiven() {
    my ($entry, $expected) = @_;
    return 0 if $entry =~ /^[^\n]*(?:AddressSanitizer|LeakSanitizer)/ || $entry !~ $LINE_PREFIX;
    my $msg_start = $+[0];
    my $msg_end = length $entry;
    for my $ctx (', client: ', ', context: ') {
        my $at = rindex $entry, $ctx;
        $msg_end = $at if $at > $msg_start && $at < $msg_end;
    }
    for my $pat (@$expected) {
        if (ref $pat eq 'Regexp') {
            while ($entry =~ /$pat/g) {
                return 1 if $-[0] < $msg_end && $+[0] > $msg_start;
            }
        } else {
            for (my $pos = index $entry, $pat; $pos >= 0; $pos = index $entry, $pat, $pos + 1) {
                return 1 if $pos < $msg_end && $pos + length($pat) > $msg_start;
            }
        }
    }
    return 0;
}

# error_log/no_error_log value: lines of a string, elements of an arrayref
# (strings or regexes), or a single regex.
sub log_patterns() {
    my $v = shift;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return $v if ref $v;
    return grep { /\S/ } split /\n/, $v;
}

# All occurrences of $pat in $log, in order: the matched text (the whole match
# for a regex), or with $lines the log line each one starts in.
sub log_matches() {
    my ($log, $pat, $lines) = @_;
    my @spans;
    if (ref $pat eq 'Regexp') {
        push @spans, [$-[0], $+[0] - $-[0]] while $log =~ /$pat/g;
    } else {
        for (my $pos = index $log, $pat; $pos >= 0; $pos = index $log, $pat, $pos + 1) {
            push @spans, [$pos, length $pat];
        }
    }
    return map { substr $log, $_->[0], $_->[1] } @spans unless $lines;
    return map {
        my $start = rindex($log, "\n", $_->[0] - 1) + 1;
        my $end   = index($log, "\n", $_->[0]);
        substr $log, $start, ($end < 0 ? length $log : $end) - $start;
    } @spans;
}

#---------------------------------------------------------------------------
# Small helpers
#---------------------------------------------------------------------------

# Replaces $TEST_NGINX_* (the harness's own, else the environment's) in
# strings, arrays of them and regexes.
sub expand_vars() {
    my ($v, $vars) = @_;
    my $lookup = sub { $vars->{$_[0]} // $ENV{$_[0]} };
    return [map { expand_vars($_, $vars) } @$v] if ref $v eq 'ARRAY';
    if (ref $v eq 'Regexp') {
        my $src = "$v";
        # in a regex source the variable may be written \$NAME
        return $v unless $src =~ s{\\?\$(TEST_NGINX_\w+)}
                                  { my $x = $lookup->($1); defined $x ? quotemeta $x : $& }ge;
        return qr/$src/;
    }
    return $v if !defined $v || ref $v;
    $v =~ s{\$(TEST_NGINX_\w+)}{ $lookup->($1) // $& }ge;
    return $v;
}

# ">>> name" headers, each followed by the file content; an eval'd value may
# also be an arrayref of [name, content] pairs.
sub parse_user_files() {
    my $v = shift;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    my (undef, @parts) = split /^>>>[ \t]*(\S+)[ \t]*\n/m, $v;
    my @files;
    push @files, [splice @parts, 0, 2] while @parts;
    $_->[1] //= '' for @files;
    return @files;
}

# Per-request expectation: element $i of an arrayref, else the value itself.
sub pick() {
    my ($v, $i) = @_;
    return ref $v eq 'ARRAY' ? $v->[$i] : $v;
}

sub as_list() {
    my $v = shift;
    return ref $v eq 'ARRAY' ? @$v : ($v);
}

# A one-word section value (number, level, reason) without surrounding space.
sub value() {
    my $v = shift;
    return undef unless defined $v;
    $v =~ s/^\s+|\s+$//g;
    return $v;
}

sub lines() {
    my $v = shift;
    return () unless defined $v;
    return grep { /\S/ } split /\n/, $v;
}

sub describe() {
    my $pat = shift;
    my $d = ref $pat ? "$pat" : "'$pat'";
    return length $d > 70 ? substr($d, 0, 67) . '...' : $d;
}

sub printable() {
    my $raw = shift // '';
    my $more = length $raw > 2000 ? "\n[... " . (length($raw) - 2000) . " more bytes]" : '';
    (my $s = substr $raw, 0, 2000) =~ s/([^\n\x20-\x7e])/sprintf '\\x%02X', ord $1/ge;
    return $s . $more;
}

sub read_file() {
    my $path = shift;
    open my $fh, '<:raw', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub write_file() {
    my ($path, $content) = @_;
    open my $fh, '>:raw', $path or die "cannot write $path: $!\n";
    print {$fh} $content;
    close $fh or die "cannot write $path: $!\n";
}

#---------------------------------------------------------------------------
# Filters
#---------------------------------------------------------------------------

package NgxTest::Filter;

our @ISA = ('Test::Base::Filter');

# Test::Base's "eval" filter returns the error message as the section value
# when the code does not compile, so `--- response_body eval` with a typo
# would silently expect that message.  Record the error on the block instead
# (run_block fails it), and evaluate in package main so that helpers defined
# by the test file are visible.
sub eval {
    $self->assert_scalar(@_);
    my $code = shift;
    my @values = CORE::eval("package main;\n#line 1 \"eval section\"\n$code");
    return @values unless $@;
    (my $first = $code) =~ s/\n.*//s;
    push @{ $self->current_block->{_ngx_eval_errors} },
        "eval of '$first' failed: $@";
    return undef;
}
