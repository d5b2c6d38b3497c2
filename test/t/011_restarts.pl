
# Three nodes through restarts: a member stopped before a computation (the
# others fail within smpc.timeout, naming it), a member restarted between
# computations, and a member whose smpc worker is killed with SIGKILL (the
# postmaster restarts the server).  After each, the next computation is
# exact and smpc.history records what happened.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

# as in a default installation, a crashed child makes the postmaster
# reinitialise rather than stop
my @nodes = create_nodes(3, conf => "restart_after_crash = on\n");
my ($node_a, $node_b, $node_c) = @nodes;

foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v numeric',
		"SELECT round(g * " . ($i + 1) . " / 7.0, 2) FROM generate_series(1, 40 + 3 * $i) g");
}
pool_table($node_a, 'ref_t', 'v numeric', 't', \@nodes);
my $expected = $node_a->safe_psql('postgres', 'SELECT avg(v) FROM ref_t');

sub joint_avg_ok
{
	my ($label) = @_;
	SmpcTest::wait_group_ready(\@nodes, 'g');
	my $res = run_on_all(\@nodes, "SELECT smpc_avg(v, 'g', '$label') FROM t");
	foreach my $r (@$res)
	{
		is($r->{stdout}, $expected, "$label: joint average exact at " . $r->{node}->name)
		  or diag($r->{stderr});
	}
	return;
}

joint_avg_ok('start');
# the worker records each computation just after it ends
ok( $node_c->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM smpc.history WHERE label = 'start'"),
	'node_c recorded the first computation');

# node_c is down: the others fail within their timeout and name it
$node_c->stop('immediate');
{
	my $res = run_parallel(map {
		[ $_, [ "SET smpc.timeout = '3s'", "SELECT smpc_avg(v, 'g', 'down') FROM t" ] ]
	} ($node_a, $node_b));
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "member down: fails at $name");
		like($r->{stderr}, qr/timed out/, "member down: timeout at $name");
		like($r->{stderr}, qr/Peers that never joined: node_c\./, "member down: $name names node_c");
		like($r->{stderr}, qr/Last error for node_c: /, "member down: $name shows why node_c is unreachable");
	}
	is( $node_a->safe_psql('postgres',
			"SELECT status FROM smpc.history WHERE label = 'down'"),
		'timed out', 'member down: history at node_a');
}
$node_c->start;
joint_avg_ok('back');

# restarted between computations
$node_b->restart;
joint_avg_ok('restarted');

# the worker killed: the postmaster reinitialises the server, and smpc with it
{
	my $pid = $node_c->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'");
	like($pid, qr/^\d+$/, 'node_c has a running worker');
	kill 'KILL', $pid;
	ok( poll_until($node_c,
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'smpc worker' AND pid <> $pid", 't', 120),
		'a new worker runs after SIGKILL');
}
joint_avg_ok('after-kill');
is( $node_c->safe_psql('postgres',
		"SELECT string_agg(label || ':' || status, ',' ORDER BY started) FROM smpc.history"),
	'start:succeeded,back:succeeded,restarted:succeeded,after-kill:succeeded',
	'node_c history survives the restarts');

done_testing();
