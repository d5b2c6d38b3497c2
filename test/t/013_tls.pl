
# Peer connections over TLS with sslmode=verify-full.  The test makes its own
# certificate authority with openssl; three servers require TLS for the peer
# login and present certificates for "localhost".  A joint sum over verified
# connections is exact; a peer whose certificate comes from another CA, or
# whose host name does not match its certificate, is refused, named in
# smpc.peer_status with libpq's reason, and named by the computation's
# error; once the connection strings are right, computations work again.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my $dir = PostgreSQL::Test::Utils::tempdir('tls');

# a CA, and a server certificate it signs for the name "localhost" only
sub make_ca
{
	my ($name) = @_;
	PostgreSQL::Test::Utils::system_or_bail('openssl', 'req', '-x509', '-newkey', 'ec',
		'-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
		'-subj', "/CN=smpc test $name", '-keyout', "$dir/$name.key",
		'-out', "$dir/$name.crt");
	return "$dir/$name.crt";
}

sub make_server_cert
{
	my ($ca, $name) = @_;
	open my $fh, '>', "$dir/$name.ext" or die $!;
	print $fh "subjectAltName = DNS:localhost\n";
	close $fh;
	PostgreSQL::Test::Utils::system_or_bail('openssl', 'req', '-new', '-newkey', 'ec',
		'-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
		'-keyout', "$dir/$name.key", '-out', "$dir/$name.csr");
	PostgreSQL::Test::Utils::system_or_bail('openssl', 'x509', '-req', '-in', "$dir/$name.csr",
		'-CA', "$dir/$ca.crt", '-CAkey', "$dir/$ca.key", '-CAcreateserial', '-days', '2',
		'-extfile', "$dir/$name.ext", '-out', "$dir/$name.crt");
	chmod 0600, "$dir/$name.key";
	return;
}

my $ca = make_ca('ca');
my $other_ca = make_ca('other_ca');

my @names = qw(node_a node_b node_c);
my @nodes;
foreach my $name (@names)
{
	make_server_cert('ca', $name);
	push @nodes,
	  create_node($name,
		conf => "listen_addresses = '127.0.0.1'\n"
		  . "ssl = on\n"
		  . "ssl_cert_file = '$dir/$name.crt'\n"
		  . "ssl_key_file = '$dir/$name.key'\n");
}
my ($node_a, $node_b, $node_c) = @nodes;

# the peer login may connect over TLS only (the first matching line wins)
foreach my $node (@nodes)
{
	my $hba = $node->data_dir . '/pg_hba.conf';
	my $old = slurp_file($hba);
	open my $fh, '>', $hba or die $!;
	print $fh "hostssl   postgres  peer_login  127.0.0.1/32  trust\n";
	print $fh "hostnossl all       peer_login  all           reject\n";
	print $fh "host      all       peer_login  all           reject\n";
	print $fh "local     all       peer_login                reject\n";
	print $fh $old;
	close $fh;
	$node->reload;
}

init_smpc_node($_) foreach @nodes;

sub tls_conninfo
{
	my ($node, %o) = @_;
	return sprintf(
		'host=%s port=%d dbname=postgres user=peer_login sslmode=verify-full sslrootcert=%s',
		$o{host} // 'localhost',
		$node->port, $o{root} // $ca);
}

foreach my $node (@nodes)
{
	my $sql = "SELECT smpc.create_peer_group('g', min_parties => 3);\n";
	foreach my $other (@nodes)
	{
		next if $other == $node;
		$sql .= sprintf("SELECT smpc.add_peer('g', '%s', '%s', '%s');\n",
			$other->name, tls_conninfo($other), $other->{smpc_key});
	}
	$node->safe_psql('postgres', $sql);
}
wait_group_ready(\@nodes, 'g');

foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v int8',
		"SELECT g * " . (3 + $i) . " FROM generate_series(1, 40 + 10 * $i) g");
}
pool_table($node_a, 'ref_t', 'v int8', 't', \@nodes);
my $expected = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');

sub joint_sum_ok
{
	my ($label) = @_;
	my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', '$label') FROM t");
	foreach my $r (@$res)
	{
		is($r->{stdout}, $expected, "$label: joint sum exact at " . $r->{node}->name)
		  or diag($r->{stderr});
	}
	return;
}

joint_sum_ok('verified');

# the peers' workers are connected to node_a over TLS
is( $node_a->safe_psql('postgres',
		"SELECT count(*) || ':' || bool_and(s.ssl) FROM pg_stat_ssl s "
		  . "JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'peer_login'"),
	'2:true', 'node_a: both peers are connected as peer_login over TLS');

# the peer login cannot come in without TLS
{
	my ($rc, $out, $err) = $node_a->psql('postgres', 'SELECT 1',
		connstr => sprintf('host=127.0.0.1 port=%d dbname=postgres user=peer_login sslmode=disable',
			$node_a->port));
	isnt($rc, 0, 'the peer login is refused without TLS');
	like($err, qr/no encryption|pg_hba\.conf rejects connection/, 'pg_hba.conf says why');
}

# node_a's connection strings for its peers node_b and node_c
sub repoint
{
	my ($b_conninfo, $c_conninfo) = @_;
	my $sql = '';
	foreach my $p ([ $node_b, $b_conninfo ], [ $node_c, $c_conninfo ])
	{
		my ($peer, $ci) = @$p;
		$sql .= sprintf("SELECT smpc.remove_peer('g', '%s');\n", $peer->name);
		$sql .= sprintf("SELECT smpc.add_peer('g', '%s', '%s', '%s');\n",
			$peer->name, $ci, $peer->{smpc_key});
	}
	$node_a->safe_psql('postgres', $sql);
	return;
}

# node_a is told to trust only another CA for node_c, and to reach node_b by
# an address its certificate does not name
repoint(tls_conninfo($node_b, host => '127.0.0.1'), tls_conninfo($node_c, root => $other_ca));

ok( $node_a->poll_query_until('postgres',
		"SELECT NOT reachable AND last_error LIKE '%certificate verify failed%' "
		  . "FROM smpc.peer_status WHERE peer_name = 'node_c'"),
	'a certificate from another CA: node_c is unreachable, peer_status says why');
ok( $node_a->poll_query_until('postgres',
		"SELECT NOT reachable AND last_error LIKE '%does not match host name \"127.0.0.1\"%' "
		  . "FROM smpc.peer_status WHERE peer_name = 'node_b'"),
	'a host name the certificate does not name: node_b is unreachable, peer_status says why');

{
	my $res = run_on_all(\@nodes,
		[ "SET smpc.timeout = '3s'", "SELECT smpc_sum(v, 'g', 'refused') FROM t" ]);
	foreach my $r (@$res)
	{
		isnt($r->{rc}, 0, 'refused certificates: fails at ' . $r->{node}->name);
		like($r->{stderr}, qr/timed out/, 'refused certificates: a timeout at ' . $r->{node}->name);
	}
	like($res->[0]{stderr}, qr/Last error for node_c: [^\n]*certificate verify failed/,
		"node_a's error gives node_c's certificate failure");
}

# put the connection strings right again
repoint(tls_conninfo($node_b), tls_conninfo($node_c));
wait_group_ready(\@nodes, 'g');
joint_sum_ok('verified-again');

done_testing();
