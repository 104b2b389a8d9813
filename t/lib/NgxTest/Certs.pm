package NgxTest::Certs;
# A test certificate authority made when a test file loads: `test_certificates(names)`
# writes ca.crt and, for the first name, server.crt and server.key (every name in its
# subjectAltName) into a directory that lives as long as the test run, sets
# $TEST_NGINX_CERT_DIR to it (sections can then say
# `ssl_certificate $TEST_NGINX_CERT_DIR/server.crt;`) and returns it.  openssl(1)
# makes them; nothing is kept in the repository.
use strict;
use warnings;

use Exporter 'import';
use File::Temp ();

our @EXPORT_OK = qw(test_certificates);

sub openssl {
    my ($dir, @args) = @_;
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        chdir $dir or die "chdir $dir: $!\n";
        open STDOUT, '>>', 'openssl.log';
        open STDERR, '>&', \*STDOUT;
        exec 'openssl', @args or die "openssl: $!\n";
    }
    waitpid $pid, 0;
    die "openssl @args failed, see $dir/openssl.log\n" if $?;
}

sub test_certificates {
    my @names = @_;
    my $dir = File::Temp::tempdir('ngxtest-certs-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my @key = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes');
    openssl($dir, 'req', '-x509', @key, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
            '-subj', '/CN=nginx-lua-ffi test CA');
    openssl($dir, 'req', @key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', "/CN=$names[0]");
    open my $ext, '>', "$dir/server.ext" or die "$dir/server.ext: $!\n";
    print $ext 'subjectAltName=' . join(',', map { "DNS:$_" } @names) . "\n";
    close $ext;
    openssl($dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
            '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
    $ENV{TEST_NGINX_CERT_DIR} = $dir;
    return $dir;
}

1;
