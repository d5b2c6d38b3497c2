
# Ready at once.  Three servers start before their smpc.database exists:
# the launcher waits for it (and says so in the log) instead of a worker
# that fails and comes back.  Then, at each, CREATE DATABASE, CREATE
# EXTENSION, init_node and add_peer: the worker takes up each change at
# once, and the group is ready (every peer reachable and its key verified)
# shortly after the last add_peer, with no error left in peer_status.
# Finally a member whose worker has stopped says so to its peers, who keep
# their messages for it: a computation started meanwhile completes once
# the worker is back, and the error goes from peer_status.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;
use Time::HiRes qw(time usleep);

my $db = 'smpcdb';
my @nodes = map { create_node($_, conf => "smpc.database = '$db'\n") } qw(node_a node_b node_c);
my ($node_a, $node_b, $node_c) = @nodes;

foreach my $node (@nodes)
{
	ok( eval {
			$node->wait_for_log(qr/LOG:  smpc: waiting for database "smpcdb" to be created/, 0);
			1;
		},
		$node->name . ': the launcher waits for the database');
	is( $node->safe_psql('postgres',
			"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'smpc worker'"),
		'0', $node->name . ': no worker runs before the database exists');
}
# nothing in the log about a worker that failed to start
unlike(slurp_file($node_a->logfile), qr/database "smpcdb" does not exist/,
	'no worker tried to connect to the missing database');

# Bounded polling: seconds until $sql returns 't' at $node (or undef).
sub seconds_until
{
	my ($node, $sql, $limit) = @_;
	my $t0 = time();
	while (time() - $t0 < $limit)
	{
		my ($rc, $out) = $node->psql($db, $sql);
		return time() - $t0 if $rc == 0 && $out eq 't';
		usleep(20_000);
	}
	return undef;
}

{
	local $SmpcTest::DB = $db;

	foreach my $node (@nodes)
	{
		$node->safe_psql('postgres', "CREATE DATABASE $db");
		my $waited = seconds_until($node,
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'smpc worker' AND datname = '$db'",
			10);
		ok(defined $waited, $node->name . ': the worker starts in the new database');
		note(sprintf('%s: worker running %.2f s after CREATE DATABASE', $node->name, $waited // -1));
		init_smpc_node($node);
	}

	# the first add_peer: the worker reads it at once
	$node_a->safe_psql($db, "SELECT smpc.create_peer_group('g', min_parties => 3)");
	$node_a->safe_psql($db,
		sprintf("SELECT smpc.add_peer('g', 'node_b', \$ci\$%s\$ci\$, '%s')",
			SmpcTest::peer_conninfo($node_b), $node_b->{smpc_key}));
	my $seen = seconds_until($node_a, 'SELECT count(*) = 1 FROM smpc.peer_status', 10);
	ok(defined $seen, 'node_a: the worker shows a new peer');
	ok(defined $seen && $seen < 5, 'node_a: ... within a few seconds of add_peer');
	note(sprintf('add_peer to peer_status: %.3f s', $seen // -1));

	# the rest of the group, node by node; the clock starts at the last add_peer
	$node_a->safe_psql($db,
		sprintf("SELECT smpc.add_peer('g', 'node_c', \$ci\$%s\$ci\$, '%s')",
			SmpcTest::peer_conninfo($node_c), $node_c->{smpc_key}));
	setup_group('g', 3, [ $node_b, $node_c ]);
	foreach my $other ($node_a)
	{
		foreach my $node ($node_b, $node_c)
		{
			$node->safe_psql($db,
				sprintf("SELECT smpc.add_peer('g', '%s', \$ci\$%s\$ci\$, '%s')",
					$other->name, SmpcTest::peer_conninfo($other), $other->{smpc_key}));
		}
	}
	my $t0 = time();
	my $ready = 1;
	foreach my $node (@nodes)
	{
		my $left = 30 - (time() - $t0);
		$ready &&= defined seconds_until($node,
			"SELECT count(*) = 2 AND bool_and(reachable AND key_verified) FROM smpc.peer_status",
			$left);
	}
	my $took = time() - $t0;
	ok($ready, 'the group is ready everywhere');
	ok($took < 10, 'ready within a generous bound after the last add_peer');
	diag(sprintf('group ready %.3f s after the last add_peer', $took));
	foreach my $node (@nodes)
	{
		is( $node->safe_psql($db,
				"SELECT coalesce(string_agg(peer_name || ': ' || last_error, '; '), '') FROM smpc.peer_status WHERE last_error IS NOT NULL"),
			'', $node->name . ': no error left in peer_status');
	}

	foreach my $i (0 .. 2)
	{
		$nodes[$i]->safe_psql($db,
			"CREATE TABLE t AS SELECT g::int4 AS v FROM generate_series(1, 10 * ($i + 1)) g");
	}
	# 1..10, 1..20, 1..30
	my $expected = 55 + 210 + 465;
	my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', 'first') FROM t");
	is($_->{stdout}, $expected, 'first computation exact at ' . $_->{node}->name)
	  or diag($_->{stderr})
	  foreach @$res;

	# node_c's worker stops; the launcher starts it again 5 s later
	my $pid = $node_c->safe_psql($db,
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'");
	$node_c->safe_psql($db, "SELECT pg_terminate_backend($pid)");
	ok(defined seconds_until($node_c,
			"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'smpc worker'", 10),
		"node_c's worker has stopped");
	my ($rc, $out, $err) = $node_c->psql($db,
		"SELECT smpc.deliver('\\x53020100" . ('00' x 64) . '0000000000000001' . ('00' x 88) . "'::bytea)",
		extra_params => [ '-U', 'peer_login' ]);
	like($err, qr/smpc background worker is not running on this node/,
		'smpc.deliver() says the worker is not running');

	# node_a and node_b start a computation; node_c joins once its worker is back
	my $run = start_queries(map { [ $_, "SELECT smpc_sum(v, 'g', 'worker-back') FROM t" ] }
		  ($node_a, $node_b));
	ok(defined seconds_until($node_a,
			"SELECT bool_or(last_error LIKE '%smpc background worker is not running on this node%') FROM smpc.peer_status WHERE peer_name = 'node_c'",
			10),
		"node_a's peer_status says node_c's worker is not running");
	ok(defined seconds_until($node_c,
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'smpc worker'", 20),
		"node_c's worker is back");
	my $res_c = run_parallel([ $node_c, "SELECT smpc_sum(v, 'g', 'worker-back') FROM t" ]);
	my $res_ab = finish_queries($run);
	is($_->{stdout}, $expected, 'worker-back: joint sum exact at ' . $_->{node}->name)
	  or diag($_->{stderr})
	  foreach (@$res_ab, @$res_c);
	foreach my $node ($node_a, $node_b)
	{
		ok(defined seconds_until($node,
				"SELECT count(*) = 0 FROM smpc.peer_status WHERE last_error IS NOT NULL", 10),
			$node->name . ': the error is gone from peer_status once deliveries succeed');
	}
}

done_testing();
