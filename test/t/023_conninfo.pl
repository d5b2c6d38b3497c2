
# Copyright: see the smpc LICENSE.

# Connection strings given by an administrator who is not a superuser:
# peers work end to end with the allowed keywords and a password; the
# worker never sends a password the server stores to a host such an
# administrator chose, refuses a peer whose server did not ask for the
# password, and checks a row written without add_peer again; connection
# errors of such peers are shown in full to superusers only.  A
# superuser's peer gets its password from $PGDATA/smpc/pgpass.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IO::Socket::INET;
use IPC::Run;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;
use Time::HiRes qw(usleep time);

my @nodes = map { create_node($_) } qw(node_a node_b node_c);
my ($node_a, $node_b, $node_c) = @nodes;
init_smpc_node($_) foreach @nodes;

# at every node: a peer login with a password, which pg_hba.conf makes it
# use, and an administrator who is not a superuser
foreach my $node (@nodes)
{
	my $name = $node->name;
	$node->safe_psql('postgres', qq{
		SELECT smpc.create_peer_login('peer_pw', 'pw of $name');
		CREATE ROLE ops LOGIN IN ROLE smpc_admin;
	});
	my $hba = slurp_file($node->data_dir . '/pg_hba.conf');
	open(my $fh, '>', $node->data_dir . '/pg_hba.conf') or die $!;
	print $fh "local all peer_pw scram-sha-256\n$hba";
	close $fh;
	$node->reload;
}

sub ops_psql
{
	my ($node, $sql) = @_;
	return $node->psql('postgres', $sql, extra_params => [ '-U', 'ops' ]);
}

# --- end to end, every peer added by the administrator ---------------------
foreach my $node (@nodes)
{
	my $sql = "SELECT smpc.create_peer_group('g', min_parties => 3);\n";
	foreach my $other (@nodes)
	{
		next if $other == $node;
		$sql .= sprintf(
			"SELECT smpc.add_peer('g', '%s', \$ci\$host='%s' port=%d dbname=postgres user=peer_pw password='pw of %s' connect_timeout=5 keepalives_idle=20\$ci\$, '%s');\n",
			$other->name, $other->host, $other->port, $other->name, $other->{smpc_key});
	}
	my ($rc, $out, $err) = ops_psql($node, $sql);
	is($rc, 0, $node->name . ': the administrator adds the peers') or diag($err);
	is($node->safe_psql('postgres', "SELECT string_agg(unrestricted::text, ',') FROM smpc.peer"),
		'false,false', $node->name . ': the rows say no superuser gave the strings');
}
wait_group_ready(\@nodes, 'g');
foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v int8', "SELECT g * 100 + $i FROM generate_series(1, 20) g");
}
my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g') FROM t");
is($res->[$_]{stdout}, 3 * 21000 + 20 * 3, $nodes[$_]->name . ': exact joint sum over restricted peers')
  foreach 0 .. 2;
is($node_b->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE usename = 'peer_pw' AND application_name = 'smpc worker'"),
	'2', 'node_b: both peers are connected as the password login');

# --- a peer whose server does not ask for the password ---------------------
# peer_login is trusted at node_b: the worker must not use that (a key of
# its own, as the worker keeps one connection per distinct peer key)
{
	my ($rc, $out, $err) = ops_psql($node_a, qq{
		SELECT smpc.create_peer_group('g_trust', min_parties => 2);
		SELECT smpc.add_peer('g_trust', 'node_b', \$ci\$host='${\ $node_b->host}' port=${\ $node_b->port} dbname=postgres user=peer_login password=unused\$ci\$, 'BQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQ=');
	});
	is($rc, 0, 'the administrator adds node_b with the trusted login') or diag($err);
	ok( poll_until(
			$node_a,
			"SELECT reachable, last_error FROM smpc.peer_status WHERE group_name = 'g_trust'",
			"f|the peer's server did not ask for the password; a peer added by an administrator who is not a superuser must authenticate with one",
			30),
		'a trusted connection is refused for a restricted peer');
	$node_a->safe_psql('postgres', "SELECT smpc.drop_peer_group('g_trust')");
}

# --- a listener that records the passwords it is sent ----------------------
my $stored = 'stored-secret-of-node_a';
{
	my $file = $node_a->data_dir . '/smpc/pgpass';
	open(my $fh, '>', $file) or die $!;
	print $fh "*:*:*:*:$stored\n";
	close $fh;
	chmod 0600, $file;
}

my @listeners;

sub read_n
{
	my ($sock, $n) = @_;
	my $buf = '';
	while (length($buf) < $n)
	{
		my $got = sysread($sock, $buf, $n - length($buf), length($buf));
		die "connection closed\n" unless $got;
	}
	return $buf;
}

# A TCP port that answers like a PostgreSQL server asking for a clear-text
# password, and writes one line per connection and per password to $log.
sub start_listener
{
	my ($log) = @_;
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	my $srv = IO::Socket::INET->new(
		LocalAddr => '127.0.0.1',
		LocalPort => $port,
		Listen => 10,
		ReuseAddr => 1,
		Proto => 'tcp') or die "listen: $!";
	open(my $touch, '>', $log) or die $!;
	close $touch;
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		while (my $c = $srv->accept)
		{
			my $record = sub {
				open(my $fh, '>>', $log) or die $!;
				print $fh @_;
				close $fh;
			};
			$record->("connection\n");
			eval {
				local $SIG{ALRM} = sub { die "timeout\n" };
				alarm 10;
				while (1)
				{
					my $len = unpack('N', read_n($c, 4));
					my $body = read_n($c, $len - 4);
					my $code = unpack('N', $body);
					# SSLRequest, GSSENCRequest: not here
					if ($code == 80877103 || $code == 80877104)
					{
						syswrite($c, 'N');
						next;
					}
					last;
				}
				syswrite($c, 'R' . pack('NN', 8, 3));
				my $type = read_n($c, 1);
				my $len = unpack('N', read_n($c, 4));
				my $pw = read_n($c, $len - 4);
				$pw =~ s/\0$//;
				$record->("password:$pw\n") if $type eq 'p';
				my $err = "SFATAL\0C28P01\0Mpassword authentication failed for user\0\0";
				syswrite($c, 'E' . pack('N', 4 + length $err) . $err);
				alarm 0;
			};
			close $c;
		}
		POSIX::_exit(0);
	}
	close $srv;
	push @listeners, $pid;
	return $port;
}

sub wait_for_line
{
	my ($log, $pattern, $seconds) = @_;
	my $deadline = time() + $seconds;
	while (time() < $deadline)
	{
		return 1 if slurp_file($log) =~ $pattern;
		usleep(200_000);
	}
	return 0;
}

my $fake_key = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=';
$node_a->safe_psql('postgres', "SELECT smpc.create_peer_group('g_fake', min_parties => 2)");

# the administrator's peer: only the administrator's own password travels
{
	my $log = $PostgreSQL::Test::Utils::tmp_check . '/017_listener_ops.log';
	my $port = start_listener($log);
	my ($rc, $out, $err) = ops_psql($node_a,
		"SELECT smpc.add_peer('g_fake', 'listener', 'host=127.0.0.1 port=$port dbname=postgres user=peer_login password=admins-own', '$fake_key')"
	);
	is($rc, 0, 'the administrator points a peer at a listener') or diag($err);
	ok(wait_for_line($log, qr/^password:/m, 30), 'the listener got a password message');
	my $seen = slurp_file($log);
	like($seen, qr/^password:admins-own$/m, 'it is the password the administrator gave');
	unlike($seen, qr/\Q$stored\E/, 'the stored password never reached the listener');

	# its connection error: coarse for the administrator, full for a superuser
	ok( poll_until(
			$node_a,
			"SELECT last_error LIKE '%password authentication failed%' FROM smpc.peer_status WHERE peer_name = 'listener'",
			't', 30),
		'a superuser sees the full connection error');
	($rc, $out, $err) = ops_psql($node_a,
		"SELECT last_error FROM smpc.peer_status WHERE peer_name = 'listener'");
	is($out, 'could not connect to the peer (the server log has the details)',
		'the administrator sees a coarse connection error');
	ok(eval { $node_a->wait_for_log(qr/smpc: cannot connect to peer "listener": .*password authentication failed/); 1 },
		'the server log has the full error');
	$node_a->safe_psql('postgres', "SELECT smpc.remove_peer('g_fake', 'listener')");
}

# a row written without add_peer (the attack of the review: the server's
# password file, sent to a listener): checked again, never connected
{
	my $log = $PostgreSQL::Test::Utils::tmp_check . '/017_listener_row.log';
	my $port = start_listener($log);
	my $pgpass = $node_a->data_dir . '/smpc/pgpass';
	$node_a->safe_psql('postgres',
		"INSERT INTO smpc.peer (group_name, name, conninfo, public_key) VALUES ('g_fake', 'row', 'host=127.0.0.1 port=$port dbname=postgres user=peer_login passfile=$pgpass', '$fake_key')"
	);
	ok( poll_until(
			$node_a,
			"SELECT last_error FROM smpc.peer_status WHERE peer_name = 'row'",
			'connection string refused: connection string keyword "passfile" is not allowed', 30),
		'the worker refuses a restricted row that names a password file');
	$node_a->safe_psql('postgres', "UPDATE smpc.peer SET conninfo = 'host=127.0.0.1 port=$port dbname=postgres user=peer_login' WHERE name = 'row'");
	ok( poll_until(
			$node_a,
			"SELECT last_error FROM smpc.peer_status WHERE peer_name = 'row'",
			'connection string refused: the connection string has no password', 30),
		'and one without a password');
	is(slurp_file($log), '', 'and never connects to its host');
	$node_a->safe_psql('postgres', "SELECT smpc.remove_peer('g_fake', 'row')");
}

# a superuser's peer without a password: the worker's own password file
{
	my $log = $PostgreSQL::Test::Utils::tmp_check . '/017_listener_su.log';
	my $port = start_listener($log);
	$node_a->safe_psql('postgres',
		"SELECT smpc.add_peer('g_fake', 'su', 'host=127.0.0.1 port=$port dbname=postgres user=peer_login', '$fake_key')"
	);
	ok(wait_for_line($log, qr/^password:/m, 30), 'a superuser\'s peer is sent a password');
	like(slurp_file($log), qr/^password:\Q$stored\E$/m,
		'the one from $PGDATA/smpc/pgpass');
	ok( poll_until(
			$node_a,
			"SELECT last_error LIKE '%password authentication failed%' FROM smpc.peer_status WHERE peer_name = 'su'",
			't', 30),
		'a superuser\'s peer shows its full error');
	my ($rc, $out, $err) = ops_psql($node_a,
		"SELECT last_error LIKE '%password authentication failed%' FROM smpc.peer_status WHERE peer_name = 'su'");
	is($out, 't', 'to the administrator too');
	$node_a->safe_psql('postgres', "SELECT smpc.drop_peer_group('g_fake')");
}

# a peer login made by create_peer_login has its connection limit
{
	$node_a->safe_psql('postgres',
		"SELECT smpc.create_peer_login('peer_lim', connection_limit => 1)");
	# one session held open: psql waits on its standard input
	my ($in, $out, $errout) = ('', '', '');
	my $h = IPC::Run::start(
		[
			$node_a->installed_command('psql'), '-XAtq',
			'-d', $node_a->connstr('postgres'), '-U', 'peer_lim', '-f', '-'
		],
		'<', \$in, '>', \$out, '2>', \$errout, IPC::Run::timeout(120));
	ok( poll_until(
			$node_a, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'peer_lim'",
			'1', 30),
		'a first session of the limited peer login');
	my ($rc, $o, $err) = $node_a->psql('postgres', "SELECT smpc.deliver('\\x00')",
		extra_params => [ '-U', 'peer_lim' ]);
	like($err, qr/too many connections for role "peer_lim"/, 'a second one is refused');
	$in .= "\\q\n";
	$h->finish;
	is($errout, '', 'the first session ended without error');
}

# the peers still work
$res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', 'again') FROM t");
is($res->[$_]{stdout}, 3 * 21000 + 20 * 3, $nodes[$_]->name . ': still exact') foreach 0 .. 2;

kill 'TERM', @listeners;
waitpid($_, 0) foreach @listeners;

done_testing();
