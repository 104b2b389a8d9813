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
#   worker_connections                events { worker_connections } (default 1024)
#   master_process    on (default) or off
#   request           "METHOD URI" (+ body lines); eval may give an arrayref:
#                     one connection per request, expectations may be arrayrefs
#   raw_request       exact bytes instead; more_headers, request_body (exact)
#   body_pause        seconds the client waits after the first half of the body
#                     (so that nginx reads the body in several events)
#   timeout           seconds per request (default 3); with abort the client
#                     hangs up then, and no response is expected
#   pipelined_requests  eval list of requests written at once on one keep-alive
#                     connection (the last says Connection: close); each response
#                     checked as with an arrayref request
#   repeat_each       N: the block's requests are sent N times over one keep-alive
#                     connection, each response checked (TEST_NGINX_REPEAT_EACH=N
#                     does so for every block that can be repeated)
#   no_repeat         reason: TEST_NGINX_REPEAT_EACH leaves this block alone (its
#                     answers depend on what the earlier requests did)
#   concurrency       N: each request is sent by N clients at once, each checked
#   forced_eagain     r, w or rw (empty: rw): nginx's socket reads/writes fail with
#                     EAGAIN every other call and move one byte otherwise
#                     (tests/forced_eagain; TEST_NGINX_FORCED_EAGAIN=rw for every
#                     block, TEST_NGINX_FORCED_EAGAIN_BYTES for more than one byte)
#   no_forced_eagain  reason: TEST_NGINX_FORCED_EAGAIN leaves this block alone
#   http2             the server listens with http2 and the requests go over h2c
#                     (curl --http2-prior-knowledge, one connection each); with
#                     abort the client resets the stream (RST_STREAM) instead
#   reload_between    hup (empty) or upgrade: between two requests the master gets
#                     SIGHUP, or USR2 then QUIT to the old master; the next request
#                     goes once only new workers are left
#   slow_reader       "BYTES SECONDS": the client's SO_RCVBUF and the server's
#                     listen sndbuf= are BYTES, the client reads BYTES at a time,
#                     SECONDS apart (timeout: without progress)
#   no_response       the server closes the connection without sending a byte
#   ignore_response   no response checks (the block must then check the log)
#   truncated_response  the response must be cut short
#   must_die          nginx must fail to start (error_log says why); error_log
#                     then includes stderr
#   error_code (default 200) status_line (exact, e.g. "HTTP/1.1 101 Switching
#                     Protocols") response_body
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
# e.g. a sanitizer runtime), NGX_FORCED_EAGAIN_LIB (default nlf_forced_eagain.so
# beside the module), TEST_NGINX_NO_CLEAN=1 (keep all prefixes),
# TEST_NGINX_LOG_LEVEL (error_log level of blocks without log_level; default
# debug), TEST_NGINX_REPEAT_EACH, TEST_NGINX_FORCED_EAGAIN(_BYTES) (above), and
# any TEST_NGINX_* variable, substituted like $TEST_NGINX_SERVER_PORT.  Sections
# may also use $TEST_NGINX_PORT_1 .. $TEST_NGINX_PORT_9: other free loopback ports,
# picked anew for each start (extra server blocks, a port nothing listens on);
# start_helper_servers(qw(redis memcached)) before run_tests starts those servers
# for the file ($TEST_NGINX_REDIS_PORT, $TEST_NGINX_MEMCACHED_PORT); also dns
# (dnsmasq serving @NgxTest::DNS_HOSTS, $TEST_NGINX_DNS_PORT), udp_echo, udp_sink and
# tcp_full (a listener that never completes a connect).
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
use Socket ();
use POSIX ();
use Time::HiRes ();
use Test::Base::Filter ();    # base class of NgxTest::Filter, at the end
use NgxTest::Wire qw(exchange_h2 response_length parse_response header read_file write_file);

our @EXPORT = qw(run_tests lua_function_line loop_traces start_helper_servers);

# Everything else fails the block (Test::Base would ignore it).
my %KNOWN = map { $_ => 1 } qw(
    main_config http_config config user_files log_level workers worker_connections
    master_process no_module
    request raw_request pipelined_requests more_headers request_body body_pause timeout abort
    repeat_each no_repeat concurrency forced_eagain no_forced_eagain http2 reload_between
    slow_reader
    response_body response_body_like error_code status_line response_headers
    response_headers_like truncated_response ignore_response no_response must_die
    error_log no_error_log allow_error_log grep_error_log grep_error_log_out wait
    skip ONLY LAST
);

# Sections that describe the HTTP response.  In a block that never looks at a
# response (must_die, abort, ignore_response) they would be silently unchecked,
# so their presence there is reported as an error instead.
my @RESPONSE_SECTIONS = qw(response_body response_body_like error_code status_line
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
# The LD_PRELOAD library of the forced-EAGAIN mode (tests/forced_eagain), built
# beside the module.
my $FORCED_EAGAIN_LIB = File::Spec->rel2abs($ENV{NGX_FORCED_EAGAIN_LIB}
                                            // File::Basename::dirname($MODULE) . '/nlf_forced_eagain.so');

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

# Helper servers a test file talks to, each on a free loopback port exported as
# TEST_NGINX_<NAME>_PORT (substituted like the others), stopped when the file ends.
# The names the dns helper serves.
our @DNS_HOSTS = ('127.0.0.1 a.nlf.test', '127.0.0.2 multi.nlf.test', '127.0.0.3 multi.nlf.test',
                  '::1 v6.nlf.test', '127.0.0.1 both.nlf.test', '::1 both.nlf.test');
my %HELPER_COMMANDS = (
    redis     => sub { ('redis-server', '--port', $_[0], '--bind', '127.0.0.1', '--save', '',
                        '--appendonly', 'no', '--dir', $_[1]) },
    memcached => sub { ('memcached', '-l', '127.0.0.1', '-p', $_[0], '-U', '0',
                        ($> == 0 ? ('-u', 'root') : ())) },
    # A DNS server (UDP and TCP) for the names of @DNS_HOSTS; other names under
    # nlf.test are NXDOMAIN, names elsewhere REFUSED.
    dns       => sub {
        write_file("$_[1]/hosts", join('', map { "$_\n" } @DNS_HOSTS));
        ('dnsmasq', '--keep-in-foreground', "--port=$_[0]", '--listen-address=127.0.0.1',
         '--bind-interfaces', '--no-resolv', '--no-hosts', "--addn-hosts=$_[1]/hosts",
         '--local=/nlf.test/', '--conf-file=/dev/null', '--pid-file=', '--log-facility=-',
         '--user=' . getpwuid($>)) },
    # UDP peers (t/lib/NgxTest/udp_peer.pl): one sends each datagram back ("size N"
    # is answered with N bytes), the other never answers.
    udp_echo  => sub { ($^X, "$REPO/t/lib/NgxTest/udp_peer.pl", $_[0], 'echo') },
    udp_sink  => sub { ($^X, "$REPO/t/lib/NgxTest/udp_peer.pl", $_[0], 'sink') },
    # A TCP listener whose accept queue is full: connects to it time out.
    tcp_full  => sub { ($^X, "$REPO/t/lib/NgxTest/tcp_full.pl", $_[0]) },
);
# How a helper shows it is ready, when not by listening on its TCP port.
my %HELPER_READY = (
    udp_echo => \&udp_port_bound,
    udp_sink => \&udp_port_bound,
    tcp_full => \&accept_queue_full,
);
my @Helper_pids;

sub start_helper_servers() {
    for my $name (@_) {
        my $command = $HELPER_COMMANDS{$name} or die "no helper server '$name'\n";
        my $port = free_port();
        my $dir = File::Temp::tempdir("ngxtest-$name-XXXXXX", TMPDIR => 1, CLEANUP => 1);
        my @argv = $command->($port, $dir);
        my $pid = fork // die "fork: $!\n";
        if ($pid == 0) {
            open STDOUT, '>', "$dir/out.log";
            open STDERR, '>&', \*STDOUT;
            exec @argv or POSIX::_exit(127);
        }
        push @Helper_pids, $pid;
        my $ready = $HELPER_READY{$name} // \&port_listening;
        my $deadline = Time::HiRes::time() + 5;
        Time::HiRes::sleep(0.02) until $ready->($port) || Time::HiRes::time() > $deadline;
        die "$name did not listen on port $port\n" unless $ready->($port);
        $ENV{'TEST_NGINX_' . uc($name) . '_PORT'} = $port;
    }
}

END {
    for my $pid (@Helper_pids) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
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
    my $has_request = $has{request} || $has{raw_request} || $has{pipelined_requests};
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
                                     no_response repeat_each concurrency);
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
    push @err, "'request', 'raw_request' and 'pipelined_requests' are mutually exclusive"
        if ($has{request} // 0) + ($has{raw_request} // 0) + ($has{pipelined_requests} // 0) > 1;
    push @err, "'pipelined_requests' needs an eval list of requests"
        if $has{pipelined_requests} && ref $block->{pipelined_requests}[0] ne 'ARRAY';
    push @err, "'grep_error_log' and 'grep_error_log_out' go together"
        if !$has{grep_error_log} != !$has{grep_error_log_out};

    for my $sec (qw(timeout wait)) {
        my $v = value($block->{$sec} && $block->{$sec}[0]);
        push @err, "'$sec' must be a number of seconds, not '$v'"
            if defined $v && $v !~ /^(?:\d+(?:\.\d*)?|\.\d+)$/;
    }
    for my $sec (qw(no_repeat no_forced_eagain)) {
        push @err, "'$sec' says why (--- $sec: reason)"
            if $has{$sec} && !length(value($block->{$sec}[0]) // '');
    }
    if ($has{http2}) {
        push @err, "'http2' sends requests built from 'request', not '$_'"
            for grep { $has{$_} } qw(raw_request pipelined_requests);
        push @err, "'$_' is not supported with 'http2'" for grep { $has{$_} } qw(body_pause slow_reader);
    }
    if ($has{reload_between}) {
        my $kind = value($block->{reload_between}[0]);
        push @err, "'reload_between' is hup or upgrade (empty: hup)"
            if length($kind // '') && $kind !~ /^(?:hup|upgrade)$/;
        push @err, "'reload_between' needs two requests or more (request eval [...])"
            unless ref $block->{request}[0] eq 'ARRAY' && @{ $block->{request}[0] } > 1;
        push @err, "'reload_between' sends one request at a time, without '$_'"
            for grep { $has{$_} } qw(concurrency repeat_each pipelined_requests);
        push @err, "'reload_between' needs master_process on"
            if (value($block->{master_process} && $block->{master_process}[0]) // 'on') eq 'off';
    }
    push @err, "'slow_reader' is \"BYTES SECONDS\" (receive buffer and read size, pause)"
        if $has{slow_reader}
           && (value($block->{slow_reader}[0]) // '') !~ /^[1-9]\d*\s+(?:\d+(?:\.\d*)?|\.\d+)$/;
    my $eagain = value($block->{forced_eagain} && $block->{forced_eagain}[0]);
    push @err, "'forced_eagain' is r, w or rw (empty: rw)"
        if defined $eagain && $eagain !~ /^(?:r|w|rw|)$/;
    push @err, "forced EAGAIN library $FORCED_EAGAIN_LIB not found (build it, or set "
               . "NGX_FORCED_EAGAIN_LIB)"
        if forced_eagain($block) && !-f $FORCED_EAGAIN_LIB;
    for my $sec (qw(workers repeat_each concurrency)) {
        my $v = value($block->{$sec} && $block->{$sec}[0]);
        push @err, "'$sec' must be a positive integer"
            if defined $v && $v !~ /^[1-9]\d*$/;
    }
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
        if grep { exists $t->{sec}{$_} } qw(request raw_request pipelined_requests);

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
    # $TEST_NGINX_PORT_1 .. _9: more free loopback ports, distinct from each other
    # and from the server's, for server blocks the config adds (upstreams) or a
    # port nothing listens on.
    my %taken = ($t->{port} => 1);
    for my $i (1 .. 9) {
        my $port;
        do { $port = free_port() } while $taken{$port}++;
        $vars{"TEST_NGINX_PORT_$i"} = $port;
    }
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
    my $connections = value($s->{worker_connections}) // 1024;
    my $master  = value($s->{master_process}) // 'on';
    my $level   = value($s->{log_level}) // $ENV{TEST_NGINX_LOG_LEVEL} // 'debug';
    my ($main, $http, $server) = map { $_ // '' } @$s{qw(main_config http_config config)};
    my $slow    = slow_reader($s);
    # The kernel's default send buffer would take in a whole response at once
    # and hide a slow reader from nginx.
    my $listen  = exists $s->{http2} ? ' http2' : $slow ? " sndbuf=$slow->{bytes}" : '';
    return <<"CONF";
$load$main
${user}worker_processes $workers;
daemon off;
master_process $master;
error_log logs/error.log $level;
pid logs/nginx.pid;

events {
    worker_connections $connections;
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
        listen 127.0.0.1:$t->{port}$listen;
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
    if (reload_kind($t->{sec}) eq 'upgrade') {
        $self->spawn_upgradable($t);
        return;
    }
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        POSIX::setpgid(0, 0);
        exec_nginx($t);
    }
    POSIX::setpgid($pid, $pid);    # also here: no race with an early kill
    $t->{pid} = $t->{group} = $Live_pid = $pid;
}

sub exec_nginx() {
    my $t = shift;
    my $p = $t->{prefix};
    # -e: early messages (before error_log is read) go to our log, not to the
    # compiled-in default, which may be a system path.
    my @cmd = ($NGX_BIN, '-p', "$p/", '-c', 'conf/nginx.conf', '-e', 'logs/error.log');
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$p/logs/stderr.log" or POSIX::_exit(127);
    open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
    my @preload = grep { length } $ENV{NGX_PRELOAD} // '';
    if (my $dirs = forced_eagain($t->{block})) {
        push @preload, $FORCED_EAGAIN_LIB;    # after a sanitizer runtime, which goes first
        $ENV{NLF_FORCED_EAGAIN} = $dirs;
        # a block's own forced_eagain moves one byte at a time; the run-wide mode
        # as many as TEST_NGINX_FORCED_EAGAIN_BYTES
        $ENV{NLF_FORCED_EAGAIN_BYTES} = exists $t->{block}{forced_eagain} ? 1
                                      : $ENV{TEST_NGINX_FORCED_EAGAIN_BYTES} // 1;
    }
    $ENV{LD_PRELOAD} = join ':', @preload if @preload;
    exec { $cmd[0] } @cmd or print STDERR "exec $cmd[0]: $!\n";
    POSIX::_exit(127);
}

# nginx ignores USR2 while its master has the parent it started with ("the
# changing binary signal is ignored"): a daemon's parent has gone by then.  So
# an intermediate process starts it and holds on until reload_nginx lets it go;
# the harness is a child subreaper, so the master (and later the new one) is
# then a child of ours again, and its exit status is known.
sub spawn_upgradable {
    my $t = shift;
    become_subreaper();
    pipe(my $pid_r, my $pid_w) or die "pipe: $!\n";
    pipe(my $hold_r, my $hold_w) or die "pipe: $!\n";
    my $holder = fork // die "fork: $!\n";
    if ($holder == 0) {
        POSIX::setpgid(0, 0);
        close $pid_r;
        close $hold_w;
        my $pid = fork // POSIX::_exit(127);
        if ($pid == 0) {
            close $hold_r;
            close $pid_w;
            exec_nginx($t);
        }
        syswrite $pid_w, "$pid\n";
        close $pid_w;
        sysread $hold_r, my $byte, 1;    # returns when the harness closes its end
        POSIX::_exit(0);
    }
    POSIX::setpgid($holder, $holder);
    close $pid_w;
    close $hold_r;
    my $pid = <$pid_r> // die "the process starting nginx failed\n";
    chomp $pid;
    close $pid_r;
    $t->{pid} = $pid;
    $t->{group} = $Live_pid = $holder;
    $t->{holder} = [$holder, $hold_w];
}

sub become_subreaper() {
    use constant PR_SET_CHILD_SUBREAPER => 36;
    my $prctl = eval { require 'syscall.ph'; &SYS_prctl() } // 157;    # x86_64's number
    syscall($prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n";
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

# The process group the master was started in: a binary upgrade's new master and
# its workers are in it too.
sub forget_nginx {
    my $t = shift;
    undef $Live_pid if $Live_pid && $t->{group} && $Live_pid == $t->{group};
    delete @$t{qw(pid group holder)};
}

sub discard_nginx {
    my $t = shift;
    return unless $t->{group};
    kill_group($t->{group});
    waitpid($t->{pid}, 0) if $t->{pid} != $t->{group};    # an upgradable one's master
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

# A zombie is not.
sub alive() {
    my $pid = shift;
    my $stat = read_file("/proc/$pid/stat");
    return length($stat) && $stat !~ /^\d+ \(.*\) Z /s;
}

# The live child processes of $pid (an nginx master's workers and cache helpers).
sub child_pids() {
    my $pid = shift;
    return grep { alive($_) } split ' ', read_file("/proc/$pid/task/$pid/children");
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

# A listener on 127.0.0.1:$port with a connection waiting in its accept queue.
sub accept_queue_full() {
    my $port = shift;
    open my $fh, '<', '/proc/net/tcp' or return 1;
    my $want = sprintf '0100007F:%04X', $port;
    while (<$fh>) {
        my @f = split;
        next unless $f[1] eq $want && $f[3] eq '0A';
        return hex((split /:/, $f[4])[1]) >= 1;    # rx_queue of a listener: its accept queue
    }
    return 0;
}

# A UDP socket bound to 127.0.0.1:$port.
sub udp_port_bound() {
    my $port = shift;
    open my $fh, '<', '/proc/net/udp' or return 1;
    my $want = sprintf '0100007F:%04X', $port;
    while (<$fh>) {
        return 1 if (split)[1] eq $want;
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
    my ($repeat, $keepalive) = repeat_mode($s);
    my $clients = value($s->{concurrency}) // 1;
    my $pipelined = exists $s->{pipelined_requests};

    my @specs;
    if (exists $s->{raw_request}) {
        @specs = map { { raw => $_ } } as_list($s->{raw_request});
    } else {
        @specs = map { { spec => $_ } } as_list($pipelined ? $s->{pipelined_requests} : $s->{request});
    }
    my @sequence = map { my $r = $_; map { [$_, $r] } 0 .. $#specs } 1 .. $repeat;
    my @conns;
    for my $client (1 .. $clients) {
        my @queue;
        for my $k (0 .. $#sequence) {
            my ($i, $r) = @{ $sequence[$k] };
            my $conn_header = $keepalive && $k < $#sequence ? 'keep-alive' : 'close';
            my $req = exists $specs[$i]{raw}
                ? { bytes => $specs[$i]{raw}, method => $specs[$i]{raw} =~ /^\s*(\S+)/ ? $1 : '' }
                : build_request($specs[$i]{spec}, pick($s->{more_headers}, $i),
                                pick($s->{request_body}, $i), $conn_header);
            my @where = (@specs > 1 ? ("request " . ($i + 1)) : (),
                         $repeat > 1 ? ("repeat $r") : (), $clients > 1 ? ("client $client") : ());
            $req->{label} = @where ? "$t->{name} (" . join(', ', @where) . ")" : $t->{name};
            $req->{index} = $i;
            push @queue, $req;
        }
        push @conns, { queue => \@queue, pipelined => $pipelined, keepalive => $keepalive };
    }

    my $reload = reload_kind($s);
    if ($reload) {    # one client, one connection per request
        my @queue = @{ $conns[0]{queue} };
        for my $k (0 .. $#queue) {
            if ($k > 0 && (my $failure = $self->reload_nginx($t, $reload))) {
                fail("$t->{name} - nginx reloads ($reload)");
                diag("$t->{name}: $failure\n" . $self->startup_logs($t));
                $_->{result} = { state => 'closed', raw => '', error => 'not sent: the reload failed' }
                    for @queue[$k .. $#queue];
                last;
            }
            pass("$t->{name} - nginx reloads ($reload)") if $k > 0;
            $self->exchange_with($t, [{ queue => [$queue[$k]], pipelined => 0, keepalive => 0 }],
                                 $timeout);
        }
    } else {
        $self->exchange_with($t, \@conns, $timeout);
    }
    for my $conn (@conns) {
        $self->check_response($t, $_->{index}, $_->{label}, $_->{result}, $_->{method}, $timeout)
            for @{ $conn->{queue} };
    }
}

sub exchange_with {
    my ($t, $conns, $timeout) = @_;
    my $s = $t->{sec};
    return exchange_h2($t, $conns, $timeout, exists $s->{abort}) if exists $s->{http2};
    exchange($t->{port}, $conns, $timeout, value($s->{body_pause}), slow_reader($s));
}

# reload_between: '' (none), 'hup' (the default) or 'upgrade'.
sub reload_kind() {
    my $s = shift;
    return '' unless exists $s->{reload_between};
    return value($s->{reload_between}) || 'hup';
}

# Between two requests: SIGHUP to the master (hup), or a binary upgrade (upgrade:
# USR2 starts a new master from the same binary, then the old one gets QUIT).
# Returns once the old generation of workers is gone and a new one runs, so
# that the next request is served by a new worker; '' then, else what failed.
sub reload_nginx {
    my ($t, $kind) = @_;
    my $master = $t->{pid};
    my %old = map { $_ => 1 } child_pids($master);
    my $deadline = Time::HiRes::time() + START_TIMEOUT + STOP_TIMEOUT;
    my $exited = sub {
        return 0 if waitpid($master, POSIX::WNOHANG()) != $master;
        my $status = $?;
        $self->forget_nginx($t);
        return "the master exited (" . status_text($status) . ")";
    };
    if ($kind eq 'hup') {
        kill HUP => $master;
        while (1) {
            my @now = child_pids($master);
            return '' if @now && !grep { $old{$_} } @now;
            if (my $why = $exited->()) { return "after SIGHUP $why" }
            return "after SIGHUP the old workers (" . join(' ', sort keys %old)
                   . ") still run, or no new one started" if Time::HiRes::time() >= $deadline;
            Time::HiRes::sleep(POLL_INTERVAL);
        }
    }
    if (my $holder = delete $t->{holder}) {    # the master becomes our child
        close $holder->[1];
        waitpid($holder->[0], 0);
    }
    my $pid_file = "$t->{prefix}/logs/nginx.pid";
    kill USR2 => $master;
    my $new;
    while (1) {
        ($new) = read_file($pid_file) =~ /^(\d+)/;
        last if -s "$pid_file.oldbin" && $new && $new != $master && child_pids($new);
        if (my $why = $exited->()) { return "after SIGUSR2 $why" }
        return "no new master with workers after SIGUSR2" if Time::HiRes::time() >= $deadline;
        Time::HiRes::sleep(POLL_INTERVAL);
    }
    kill QUIT => $master;
    my $status = wait_exit($master, STOP_TIMEOUT);
    return "the old master did not stop within " . STOP_TIMEOUT . " s of SIGQUIT" unless defined $status;
    return "the old master exited with " . status_text($status) if $status != 0;
    $t->{pid} = $new;    # a child of ours too, now that its parent is gone
    return '';
}

# slow_reader "BYTES SECONDS": the client's receive buffer is BYTES (SO_RCVBUF),
# the server's send buffer too (nginx_conf), and the client reads at most BYTES
# at a time, SECONDS apart; undef otherwise.
sub slow_reader() {
    my $s = shift;
    my ($bytes, $pause) = split ' ', value($s->{slow_reader}) // '';
    # numbers, not strings: setsockopt would pass the digits' bytes as the size
    return defined $pause ? { bytes => 0 + $bytes, pause => 0 + $pause } : undef;
}

# The directions ("r", "w", "rw") in which nginx's socket I/O is forced through
# EAGAIN and one byte at a time, or '' for none: forced_eagain (empty: rw), else
# TEST_NGINX_FORCED_EAGAIN for the blocks that do not say no_forced_eagain.
sub forced_eagain() {
    my $block = shift;
    if (exists $block->{forced_eagain}) {
        my $v = value($block->{forced_eagain}[0]);
        return length($v // '') ? $v : 'rw';
    }
    return '' if exists $block->{no_forced_eagain};
    my $env = $ENV{TEST_NGINX_FORCED_EAGAIN} // '';
    return $env =~ /^(?:r|w|rw)$/ ? $env : '';
}

# How many times the block's requests are sent, and whether over one
# keep-alive connection: repeat_each; pipelined_requests; else
# TEST_NGINX_REPEAT_EACH=N, for the blocks whose requests can be repeated (not
# raw bytes, not those about the connection itself, not those counting log
# lines, not those saying no_repeat).
sub repeat_mode() {
    my $s = shift;
    my $given = value($s->{repeat_each});
    return ($given, $given > 1) if defined $given;
    return (1, 1) if exists $s->{pipelined_requests};
    my $env = $ENV{TEST_NGINX_REPEAT_EACH} // '';
    return (1, 0) if $env !~ /^[1-9]\d*$/
                  || grep { exists $s->{$_} } qw(raw_request abort no_response ignore_response
                                                 truncated_response body_pause grep_error_log
                                                 reload_between no_repeat);
    return ($env, 1);
}

# "METHOD URI" on the first line, optional body lines after it.
sub build_request() {
    my ($spec, $more_headers, $body, $conn_header) = @_;
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
    my @headers = grep { !$given{lc $_->[0]} }
                  ['Host', 'localhost'], ['Connection', $conn_header // 'close'];
    push @headers, @extra;
    push @headers, ['Content-Length', length $body]
        if defined $body && !$given{'content-length'} && !$given{'transfer-encoding'};

    my $bytes = join '', "$line\r\n", (map { "$_->[0]: $_->[1]\r\n" } @headers), "\r\n",
                         $body // '';
    my ($method, $target) = split ' ', $line;
    # the parts again for an HTTP/2 client, which has no Connection header
    return { bytes => $bytes, method => $method, target => $target, body => $body,
             headers => [(grep { !$given{lc $_->[0]} } ['Host', 'localhost']), @extra] };
}

# Runs the connections at once.  Each sends the requests of its queue, one
# after the other (each after the previous response), or all at once when
# pipelined; a keep-alive request's response ends where its framing says, the
# last one's when the server closes.  Each request gets a result: state 'eof'
# (response received), 'timeout', 'refused', 'reset' or 'closed' (the server
# closed before the request was answered), and the raw bytes.  A server that
# closes after a complete response gets the next requests on a new connection.
# A slow reader (slow_reader()) has a small receive buffer and reads in small
# pieces with pauses; its timeout is then one without any progress.
sub exchange() {
    my ($port, $conns, $timeout, $body_pause, $slow) = @_;
    my $sel_r = IO::Select->new;
    my $sel_w = IO::Select->new;
    my %by_fd;
    my $now = sub { Time::HiRes::time() };

    my $start_next;    # writes the next request(s) of a connection
    my $open = sub {
        my $c = shift;
        my $sock = IO::Socket::INET->new(Proto => 'tcp') or die "socket: $!\n";
        # before connecting: the window the client offers is agreed then
        $sock->setsockopt(Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), $slow->{bytes}) if $slow;
        if (!$sock->connect(Socket::pack_sockaddr_in($port, Socket::inet_aton('127.0.0.1')))) {
            $_->{result} //= { state => 'refused', raw => '', error => "connect: $!" }
                for @{ $c->{queue} };
            return 0;
        }
        $c->{sock} = $sock;
        $c->{sock}->blocking(0);
        $by_fd{ fileno $c->{sock} } = $c;
        $sel_r->add($c->{sock});
        $c->{in} = '';
        return 1;
    };
    my $close = sub {
        my $c = shift;
        return unless $c->{sock};
        $sel_r->remove($c->{sock});
        $sel_w->remove($c->{sock});
        delete $by_fd{ fileno $c->{sock} };
        close $c->{sock};
        undef $c->{sock};
    };
    $start_next = sub {
        my $c = shift;
        my @todo = grep { !$_->{sent} } @{ $c->{queue} };
        return unless @todo;
        @todo = ($todo[0]) unless $c->{pipelined};
        $c->{out} = '';
        $c->{pause_at} = -1;
        for my $req (@todo) {
            if ($body_pause && $c->{pause_at} < 0) {
                my $body_start = index($req->{bytes}, "\r\n\r\n") + 4;
                $c->{pause_at} = length($c->{out}) + $body_start
                               + int((length($req->{bytes}) - $body_start) / 2);
            }
            $c->{out} .= $req->{bytes};
            $req->{sent} = 1;
            push @{ $c->{pending} }, $req;
        }
        $c->{out_off} = 0;
        $c->{deadline} = $now->() + $timeout;
        $sel_w->add($c->{sock});
    };
    # The next requests go on a new connection: after a response and a close
    # (which a server may do at any time), or after a timeout.
    my $reconnect = sub {
        my $c = shift;
        $start_next->($c) if grep({ !$_->{sent} } @{ $c->{queue} }) && $open->($c);
    };
    # Takes the complete responses off the front of the input.
    my $take_responses = sub {
        my $c = shift;
        while (@{ $c->{pending} } > 1 || (@{ $c->{pending} } && $c->{keepalive}
                                           && $c->{pending}[0] != $c->{queue}[-1])) {
            my $req = $c->{pending}[0];
            my $len = response_length($c->{in}, $req->{method});
            last unless defined $len && $len >= 0;
            $req->{result} = { state => 'eof', raw => substr($c->{in}, 0, $len, '') };
            shift @{ $c->{pending} };
            $c->{deadline} = $now->() + $timeout;
            # nginx ends keep-alive after some answers (500, 413, the
            # keepalive_requests-th one): the next request needs a new connection.
            my $head = substr $req->{result}{raw}, 0, index($req->{result}{raw}, "\r\n\r\n") + 2;
            if (!@{ $c->{pending} } && $head =~ /\r\nConnection:[ \t]*close\r\n/i) {
                $close->($c);
                $reconnect->($c);
                return;
            }
        }
        $start_next->($c) if !@{ $c->{pending} } && $c->{sock};
    };
    my $finish = sub {    # the server closed the connection (or reset it)
        my ($c, $error) = @_;
        $close->($c);
        my $first = shift @{ $c->{pending} };
        if ($first) {
            $first->{result} = !length $c->{in} && $error
                ? { state => 'reset', raw => '', error => "read: $error" }
                : { state => 'eof', raw => $c->{in} };
        }
        $_->{result} = { state => 'closed', raw => '',
                         error => 'connection closed before this request was answered' }
            for splice @{ $c->{pending} };
        $reconnect->($c) if $first;
    };

    for my $c (@$conns) {
        $c->{pending} = [];
        $start_next->($c) if $open->($c);
    }
    while (my @live = grep { $_->{sock} } @$conns) {
        my $t_now = $now->();
        for my $c (grep { $t_now >= $_->{deadline} } @live) {
            my $first = shift @{ $c->{pending} };
            $first->{result} = { state => 'timeout', raw => $c->{in} } if $first;
            $_->{result} = { state => 'timeout', raw => '' } for splice @{ $c->{pending} };
            $close->($c);
            $reconnect->($c);
        }
        @live = grep { $_->{sock} } @live or last;
        my $wait = (sort { $a <=> $b } map { $_->{deadline} } @live)[0] - $t_now;
        $wait = 0 if $wait < 0;
        # a connection waiting out its body pause is not writable meanwhile, nor a
        # slow reader's readable
        for my $c (grep { $_->{resume_at} } @live) {
            if ($t_now >= $c->{resume_at}) { delete $c->{resume_at}; $sel_w->add($c->{sock}) }
            else { $wait = $c->{resume_at} - $t_now if $c->{resume_at} - $t_now < $wait }
        }
        for my $c (grep { $_->{read_at} } @live) {
            if ($t_now >= $c->{read_at}) { delete $c->{read_at}; $sel_r->add($c->{sock}) }
            else { $wait = $c->{read_at} - $t_now if $c->{read_at} - $t_now < $wait }
        }
        my ($readable, $writable) = IO::Select->select($sel_r, $sel_w, undef, $wait);
        for my $sock (@{ $writable || [] }) {
            my $c = $by_fd{ fileno $sock } or next;
            my $end = $c->{pause_at} > $c->{out_off} ? $c->{pause_at} : length $c->{out};
            my $chunk = $end - $c->{out_off};
            $chunk = 65536 if $chunk > 65536;
            my $n = syswrite($sock, $c->{out}, $chunk, $c->{out_off});
            if (!defined $n) {
                next if $!{EAGAIN} || $!{EINTR};
                $sel_w->remove($sock);    # server stopped reading (e.g. 413): read its response
                next;
            }
            $c->{out_off} += $n;
            if ($c->{out_off} == $c->{pause_at}) {
                $c->{pause_at} = -1;
                $c->{resume_at} = $now->() + $body_pause;
                $sel_w->remove($sock);
            }
            $sel_w->remove($sock) if $c->{out_off} >= length $c->{out};
        }
        for my $sock (@{ $readable || [] }) {
            my $c = $by_fd{ fileno $sock } or next;
            my $n = sysread($sock, my $buf, $slow ? $slow->{bytes} : 65536);
            if (!defined $n) {
                next if $!{EAGAIN} || $!{EINTR};
                $finish->($c, "$!");
            } elsif ($n == 0) {
                $finish->($c);
            } else {
                $c->{in} .= $buf;
                if ($slow) {
                    $c->{deadline} = $now->() + $timeout;
                    $c->{read_at} = $now->() + $slow->{pause};
                    $sel_r->remove($sock);
                }
                $take_responses->($c);
            }
        }
    }
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
    $r->{truncated} ||= $res->{truncated} // '';    # an HTTP/2 stream that did not end well
    if (exists $s->{truncated_response}) {
        ok($r->{truncated}, "$label - response is truncated")
            or diag("$label: expected a truncated response, got a complete one");
    } else {
        ok(!$r->{truncated}, "$label - response is complete")
            or diag("$label: truncated response: $r->{truncated}");
    }

    my $code = value(pick($s->{error_code}, $i)) // 200;
    is($r->{status}, $code, "$label - status code");
    if (exists $s->{status_line}) {
        is($r->{status_line}, value(pick($s->{status_line}, $i)), "$label - status line");
    }

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
