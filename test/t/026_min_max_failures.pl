
# Copyright: see the smpc LICENSE.

# smpc_min and smpc_max when something goes wrong in the comparison phase
# (the round engine), with three servers in a group that tolerates one
# colluder:
#  - a member holds its comparison rounds (smpc.fault_injection =
#	 hold_rounds): every member fails within smpc.timeout, naming exactly
#	 that member, and records it; the next computation is exact;
#  - the backend waiting in the comparison phase is cancelled, or runs into
#	 statement_timeout: it fails as asked, the others fail at once naming it;
#  - a member's worker is killed during the comparison phase: the others
#	 fail naming it, and the group works again once the server is back;
#  - a member sends comparison rounds before they are due, and every round
#	 twice (wrong_step): the others refuse them and the results stay exact.
# Every wait is for a condition (a log line, a view), never a fixed time.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;
use Time::HiRes qw(time);

my $DB = 'postgres';

# the timeout of the members meant to give up first, and of the others
my $SHORT = 4;
my $LONG = 40;

my @nodes = create_nodes(3, group => 'g_default', conf => "restart_after_crash = on\n");
my ($node_a, $node_b, $node_c) = @nodes;

foreach my $node (@nodes)
{
	my $sql = "SELECT smpc.create_peer_group('g', min_parties => 2, max_colluders => 1);\n";
	foreach my $other (@nodes)
	{
		next if $other == $node;
		$sql .= sprintf("SELECT smpc.add_peer('g', '%s', \$ci\$%s\$ci\$, '%s');\n",
			$other->name, SmpcTest::peer_conninfo($other), $other->{smpc_key});
	}
	$node->safe_psql($DB, $sql);
}
wait_group_ready(\@nodes, 'g');

my $columns = 'i8 int8, n numeric, f8 float8';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table($node, 't', $columns,
		"SELECT (g * 7919 * $o) % 100003 - 50000, round((g * 31 * $o) % 10007 / 7.0, 3), "
		  . "((g * 17 * $o) % 1009 - 500) / 3.0::float8 FROM generate_series(1, 40 + 10 * $o) g");
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);
my $expected = $node_a->safe_psql($DB, 'SELECT max(i8), min(n), max(f8) FROM ref_t');

# both aggregates over every column, exact at every member
my $exact = sub {
	my ($label) = @_;
	wait_group_ready(\@nodes, 'g');
	my $res = run_on_all(\@nodes,
		"SELECT smpc_max(i8, 'g', '$label'), smpc_min(n, 'g', '$label'), "
		  . "smpc_max(f8, 'g', '$label-f') FROM t");
	foreach my $r (@$res)
	{
		is($r->{stdout}, $expected, "$label: exact at " . $r->{node}->name)
		  or diag($r->{stderr});
	}
};

# the history row of $label at each node failed, and its error matches $like
my $history_failed = sub {
	my ($label, $like, @who) = @_;
	foreach my $node (@who)
	{
		ok( poll_until($node,
				"SELECT count(*) FROM smpc.history WHERE label = '$label' "
				  . "AND status IN ('timed out', 'failed', 'cancelled')", '1', 30),
			"$label: the history at " . $node->name . ' records the failure');
		like($node->safe_psql($DB, "SELECT error FROM smpc.history WHERE label = '$label'"),
			$like, "$label: the history at " . $node->name . ' names the cause');
	}
};

# node_c holds its rounds for the next computation; returns the log offsets
# at which to look for its notes
my $hold = sub {
	set_fault($node_c, 'hold_rounds');
	return -s $node_c->logfile;
};

# wait until node_c holds the computation and both others sent it their
# first comparison round: every member is in the comparison phase
my $all_in_rounds = sub {
	my ($offset, $what) = @_;
	$node_c->wait_for_log(qr/holding the comparison rounds of computation/, $offset);
	foreach my $peer ($node_a, $node_b)
	{
		my $name = $peer->name;
		$node_c->wait_for_log(
			qr/held computation \w+ has a comparison round from peer "$name"/, $offset);
	}
	pass("$what: every member is in the comparison phase");
};

$exact->('start');

# --- a member holds its comparison rounds ---
{
	my $offset = $hold->();
	my $t0 = time();
	my $res = run_parallel(
		(map { [ $_, [ "SET smpc.timeout = '${SHORT}s'", "SELECT smpc_max(i8, 'g', 'held') FROM t" ] ] }
			  ($node_a, $node_b)),
		[ $node_c, [ "SET smpc.timeout = '${LONG}s'", "SELECT smpc_max(i8, 'g', 'held') FROM t" ] ]);
	my $elapsed = time() - $t0;
	$node_c->wait_for_log(qr/holding the comparison rounds of computation/, $offset);
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "held rounds: fails at $name");
		like($r->{stderr}, qr/Peers that did not send their comparison round: node_c\./,
			"held rounds: the error at $name names exactly node_c")
		  or diag($r->{stderr});
	}
	like($res->[0]{stderr} . $res->[1]{stderr}, qr/smpc computation for peer group "g" timed out/,
		'held rounds: the members waiting for node_c time out');
	like($res->[2]{stderr}, qr/member "node_[ab]" of peer group "g" abandoned the computation/,
		'held rounds: node_c learns that the others gave up');
	cmp_ok($elapsed, '<', $SHORT + 10, 'held rounds: every member gave up within smpc.timeout');
	$history_failed->('held', qr/Peers that did not send their comparison round: node_c\./, @nodes);
	set_fault($node_c, 'none');
	$exact->('after-held');
}

# --- cancelled, and statement_timeout, in the comparison phase ---
foreach my $how ('cancel', 'statement_timeout')
{
	my $label = "stop-$how";
	my $offset = $hold->();
	my $t0 = time();
	my @first =
	  $how eq 'cancel'
	  ? ("SET smpc.timeout = '${LONG}s'")
	  : ("SET smpc.timeout = '${LONG}s'", "SET statement_timeout = '6s'");
	my $h = start_queries(
		[ $node_a, [ @first, "SELECT smpc_max(n, 'g', '$label') FROM t" ] ],
		map { [ $_, [ "SET smpc.timeout = '${LONG}s'", "SELECT smpc_max(n, 'g', '$label') FROM t" ] ] }
		  ($node_b, $node_c));
	$all_in_rounds->($offset, $how);
	if ($how eq 'cancel')
	{
		is( $node_a->safe_psql($DB,
				"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%$label%' "
				  . "AND wait_event_type = 'Extension' AND pid <> pg_backend_pid()"),
			't', 'cancel: pg_cancel_backend at node_a');
	}
	my $res = finish_queries($h);
	my $elapsed = time() - $t0;
	isnt($res->[0]{rc}, 0, "$how: the query fails at node_a");
	like($res->[0]{stderr},
		$how eq 'cancel'
		? qr/ERROR:  canceling statement due to user request/
		: qr/ERROR:  canceling statement due to statement timeout/,
		"$how: node_a says why");
	foreach my $r (@$res[ 1, 2 ])
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "$how: fails at $name");
		like($r->{stderr},
			qr/member "node_a" of peer group "g" abandoned the computation.*node_a reported: the computation was cancelled at this node/s,
			"$how: the error at $name names node_a and the cancellation")
		  or diag($r->{stderr});
		unlike($r->{stderr}, qr/timed out/, "$how: $name does not wait for its timeout");
	}
	cmp_ok($elapsed, '<', $LONG - 10, "$how: nobody waited for smpc.timeout");
	ok( poll_until($node_a,
			"SELECT status FROM smpc.history WHERE label = '$label'", 'cancelled', 30),
		"$how: the history at node_a says cancelled");
	$history_failed->($label, qr/node_a reported: the computation was cancelled/, $node_b, $node_c);
	set_fault($node_c, 'none');
	$exact->("after-$how");
}

# --- a member's worker killed in the comparison phase ---
{
	my $offset = $hold->();
	my $t0 = time();
	my $h = start_queries(
		(map { [ $_, [ "SET smpc.timeout = '${SHORT}s'", "SELECT smpc_min(f8, 'g', 'killed') FROM t" ] ] }
			  ($node_a, $node_b)),
		[ $node_c, [ "SET smpc.timeout = '${LONG}s'", "SELECT smpc_min(f8, 'g', 'killed') FROM t" ] ]);
	$all_in_rounds->($offset, 'killed');
	# the restarted worker must not hold its rounds: the setting goes first
	set_fault($node_c, 'none');
	my $pid = $node_c->safe_psql($DB,
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'");
	like($pid, qr/^\d+$/, 'killed: node_c has a running worker');
	kill 'KILL', $pid;
	my $res = finish_queries($h);
	my $elapsed = time() - $t0;
	foreach my $r (@$res[ 0, 1 ])
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "killed: fails at $name");
		like($r->{stderr},
			qr/timed out.*Peers that did not send their comparison round: node_c\./s,
			"killed: the error at $name names node_c")
		  or diag($r->{stderr});
	}
	isnt($res->[2]{rc}, 0, 'killed: the query at node_c fails with its server');
	cmp_ok($elapsed, '<', $SHORT + 10, 'killed: the others gave up within smpc.timeout');
	$history_failed->('killed', qr/comparison round: node_c\./, $node_a, $node_b);
	ok( poll_until($node_c,
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'smpc worker' AND pid <> $pid",
			't', 120),
		'killed: a new worker runs at node_c');
	$exact->('after-kill');
}

# --- comparison rounds before they are due, and every round twice ---
{
	set_fault($node_c, 'wrong_step');
	my $offset = -s $node_a->logfile;
	$exact->('wrong-step');
	foreach my $what (
		[ qr/rejected a comparison round from peer "node_c": not a step of this computation\n[^\n]*DETAIL:  This computation has no comparison rounds here yet\./,
			'a comparison round before the shares' ],
		[ qr/rejected a comparison round from peer "node_c": not a step of this computation\n[^\n]*DETAIL:  The peer had already sent that round\.|duplicate comparison round from peer "node_c" ignored/,
			'a comparison round sent twice' ])
	{
		ok(eval { $node_a->wait_for_log($what->[0], $offset); 1 },
			"wrong step: node_a refuses $what->[1] with a warning");
	}
	set_fault($node_c, 'none');
	$exact->('after-wrong-step');
}

is( $node_a->safe_psql($DB,
		"SELECT string_agg(label || ':' || outcome, ',' ORDER BY first) FROM ("
		  . "SELECT label, min(started) AS first, CASE WHEN bool_and(status = 'succeeded') "
		  . "THEN 'ok' ELSE 'failed' END AS outcome FROM smpc.history "
		  . "WHERE label NOT LIKE '%-f' GROUP BY label) s"),
	'start:ok,held:failed,after-held:ok,stop-cancel:failed,after-cancel:ok,'
	  . 'stop-statement_timeout:failed,after-statement_timeout:ok,killed:failed,after-kill:ok,'
	  . 'wrong-step:ok,after-wrong-step:ok',
	'node_a: the history records every computation');

$_->stop foreach @nodes;
done_testing();
