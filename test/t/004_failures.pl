
# Three nodes: failures and recovery.  A member that never joins, a query
# cancelled while it waits, statement_timeout, membership mismatches; after
# each, a normal computation at every node must succeed.  smpc.history
# records the failures.  Also: a server without shared_preload_libraries,
# and smpc aggregates used as window functions.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = create_nodes(3);
my ($node_a, $node_b, $node_c) = @nodes;

my $columns = 'id int, v int4';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table($node, 't', $columns,
		"SELECT g, (g * 37 * $o) % 1001 - 400 FROM generate_series(1, 50 * $o) g");
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);
my $expected_sum = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');
my $expected_avg = $node_a->safe_psql('postgres', 'SELECT avg(v) FROM ref_t');

# A normal computation at every node; $n numbers the calls so that each
# uses its own label.
my $n = 0;
sub normal_computation_works
{
	my ($after) = @_;
	$n++;
	my $res = run_on_all(\@nodes,
		"SELECT smpc_sum(v, 'g', 'normal$n'), smpc_avg(v, 'g', 'normal$n') FROM t");
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "after $after: normal computation succeeds at " . $r->{node}->name)
		  or diag($r->{stderr});
		is($r->{stdout}, "$expected_sum|$expected_avg",
			"after $after: normal computation result at " . $r->{node}->name);
	}
	return;
}

# history rows at $node with $status for $label, polled for
sub history_has
{
	my ($node, $label, $status, $what) = @_;
	ok( poll_until(
			$node,
			"SELECT count(*) > 0 FROM smpc.history WHERE label = '$label' AND status = '$status'",
			't', 30),
		$node->name . ": smpc.history records '$status' for $what");
	return;
}

normal_computation_works('setup');

############################################################
# A member that never joins
{
	my $sql = [ "SET smpc.timeout = '3s'", "SELECT smpc_sum(v, 'g', 'nojoin') FROM t" ];
	my $res = run_parallel([ $node_b, $sql ], [ $node_c, $sql ]);
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		is($r->{rc}, 1, "missing member: query fails at $name");
		like(
			$r->{stderr},
			qr/ERROR:  smpc computation for peer group "g" timed out/,
			"missing member: timeout error at $name");
		like(
			$r->{stderr},
			qr/DETAIL:  Peers that never joined: node_a\./,
			"missing member: error at $name names node_a");
		unlike($r->{stderr}, qr/never joined:[^.]*node_[bc]/,
			"missing member: error at $name names no member that joined");
	}
	history_has($_, 'nojoin', 'timed out', 'the missing member') foreach ($node_b, $node_c);
	is( $node_b->safe_psql('postgres',
			"SELECT participants FROM smpc.history WHERE label = 'nojoin'"),
		'{node_a,node_b,node_c}',
		'missing member: history participants are the group members');
	is(history_count($node_a, "label = 'nojoin'"),
		'0', 'missing member: nothing recorded at node_a');
	normal_computation_works('a member that never joined');
}

############################################################
# Cancelled with pg_cancel_backend while waiting for the others
{
	my $h = start_queries([ $node_a, "SELECT smpc_sum(v, 'g', 'cancelme') FROM t" ]);
	ok( poll_until(
			$node_a,
			"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%cancelme%' "
			  . "AND wait_event_type = 'Extension' AND pid <> pg_backend_pid()",
			'1', 30),
		'cancel: the computation is waiting');
	is( $node_a->safe_psql(
			'postgres',
			"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%cancelme%' "
			  . "AND pid <> pg_backend_pid()"),
		't',
		'cancel: pg_cancel_backend');
	my $r = finish_queries($h)->[0];
	is($r->{rc}, 1, 'cancel: query fails');
	like(
		$r->{stderr},
		qr/ERROR:  canceling statement due to user request/,
		'cancel: error says cancelled by user request');
	history_has($node_a, 'cancelme', 'cancelled', 'the cancelled query');
	normal_computation_works('a cancelled query');
}

############################################################
# statement_timeout while waiting for the others
{
	my $r = run_parallel(
		[
			$node_a,
			[
				"SET statement_timeout = '1500ms'",
				"SELECT smpc_avg(v, 'g', 'stmt_timeout') FROM t"
			]
		])->[0];
	is($r->{rc}, 1, 'statement_timeout: query fails');
	like(
		$r->{stderr},
		qr/ERROR:  canceling statement due to statement timeout/,
		'statement_timeout: error says statement timeout');
	history_has($node_a, 'stmt_timeout', 'cancelled', 'the statement timeout');
	normal_computation_works('a statement timeout');
}

############################################################
# Membership mismatch 1: node_a's group has a fourth member the others do
# not know
{
	my $fake_key = $node_a->safe_psql('postgres',
		"SELECT encode(sha256('not a real node'::bytea), 'base64')");
	$node_a->safe_psql('postgres',
		"SELECT smpc.add_peer('g', 'node_d', 'host=/nonexistent port=1 dbname=postgres user=peer_login connect_timeout=2', '$fake_key')"
	);
	is( $node_a->safe_psql('postgres', "SELECT members FROM smpc.peer_groups WHERE name = 'g'"),
		'4', 'mismatch: node_a now has four members');

	my $sql = [ "SET smpc.timeout = '5s'", "SELECT smpc_sum(v, 'g', 'extra_member') FROM t" ];
	my $res = run_on_all(\@nodes, $sql);
	foreach my $r (@$res)
	{
		is($r->{rc}, 1, 'mismatch (extra member at node_a): query fails at ' . $r->{node}->name);
	}
	# node_b and node_c each find the mismatch themselves, or hear it first
	# from the other, whose reason names node_a all the same
	foreach my $r (@$res[ 1, 2 ])
	{
		my $name = $r->{node}->name;
		like(
			$r->{stderr},
			qr/members of peer group "g" disagree on its membership/,
			"mismatch (extra member at node_a): error at $name");
		like(
			$r->{stderr},
			qr/Member "node_a" has a different list of members or keys, or other group settings, than this node\./,
			"mismatch (extra member at node_a): error at $name names node_a");
	}
	# node_a does not wait out its timeout: the others' failure reaches it
	like(
		$res->[0]{stderr},
		qr/ERROR:  member "node_[bc]" of peer group "g" abandoned the computation\n.*DETAIL:  node_[bc] reported: members of peer group "g" disagree on its membership/s,
		'mismatch (extra member at node_a): node_a learns why the others failed');
	history_has($_, 'extra_member', 'failed', 'the membership mismatch') foreach ($node_a, $node_b, $node_c);

	$node_a->safe_psql('postgres', "SELECT smpc.remove_peer('g', 'node_d')");
	wait_group_ready(\@nodes, 'g');
	normal_computation_works('a membership mismatch (extra member)');
}

############################################################
# Membership mismatch 2: node_b has a wrong key for node_c
{
	my $wrong_key = $node_b->safe_psql('postgres',
		"SELECT encode(sha256('wrong key for node_c'::bytea), 'base64')");
	my $conninfo = SmpcTest::peer_conninfo($node_c);
	$node_b->safe_psql(
		'postgres', qq{
		SELECT smpc.remove_peer('g', 'node_c');
		SELECT smpc.add_peer('g', 'node_c', \$ci\$$conninfo\$ci\$, '$wrong_key');
	});
	ok( $node_b->poll_query_until('postgres',
			"SELECT NOT key_verified FROM smpc.peer_status WHERE peer_name = 'node_c'"),
		'wrong key: node_c is not key_verified at node_b');

	my $sql = [ "SET smpc.timeout = '5s'", "SELECT smpc_sum(v, 'g', 'wrong_key') FROM t" ];
	my $res = run_on_all(\@nodes, $sql);
	foreach my $r (@$res)
	{
		is($r->{rc}, 1, 'wrong key: query fails at ' . $r->{node}->name);
		note($r->{node}->name . ' says: ' . $r->{stderr});
	}
	like(
		$res->[0]{stderr},
		qr/ERROR:  members of peer group "g" disagree on its membership/,
		'wrong key: membership error at node_a');
	like(
		$res->[0]{stderr},
		qr/DETAIL:  Member "node_b" has a different list of members or keys, or other group settings, than this node\./,
		'wrong key: error at node_a names node_b');
	history_has($node_a, 'wrong_key', 'failed', 'the wrong key');
	is( $node_a->safe_psql('postgres',
			"SELECT error LIKE '%disagree on its membership%' FROM smpc.history WHERE label = 'wrong_key'"),
		't',
		'wrong key: history error text at node_a');

	$node_b->safe_psql(
		'postgres', qq{
		SELECT smpc.remove_peer('g', 'node_c');
		SELECT smpc.add_peer('g', 'node_c', \$ci\$$conninfo\$ci\$, '$node_c->{smpc_key}');
	});
	wait_group_ready(\@nodes, 'g');
	normal_computation_works('a wrong key');
}

############################################################
# Window use
{
	my ($rc, $out, $err) = $node_a->psql('postgres',
		"SELECT smpc_sum(v, 'g') OVER (ORDER BY id) FROM t");
	is($rc, 3, 'window: query fails');
	like($err, qr/ERROR:  smpc aggregates cannot be used as window functions/,
		'window: error message');
	($rc, $out, $err) = $node_a->psql('postgres',
		"SELECT smpc_count_rows('g') OVER () FROM t");
	like($err, qr/ERROR:  smpc aggregates cannot be used as window functions/,
		'window: smpc_count_rows OVER () fails too');
}

############################################################
# NaN and infinite inputs cannot be shared (checked locally; the short
# smpc.timeout only keeps a wrong, networked failure short)
foreach my $v ("'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float4", "'NaN'::numeric")
{
	my ($rc, $out, $err) = $node_a->psql('postgres',
		"SET smpc.timeout = '3s'; SELECT smpc_sum(x, 'g', 'nan') FROM (VALUES ($v), (1)) v(x)");
	is($rc, 3, "$v input: query fails");
	like($err, qr/ERROR:  value out of range for smpc/, "$v input: error message");
}

############################################################
# Unknown group, group smaller than min_parties
{
	my ($rc, $out, $err) =
	  $node_a->psql('postgres', "SELECT smpc_sum(v, 'nosuchgroup') FROM t");
	like($err, qr/ERROR:  peer group "nosuchgroup" does not exist/, 'unknown group');

	$node_a->safe_psql(
		'postgres', q{
		SELECT smpc.create_peer_group('small', min_parties => 3);
	});
	$node_a->safe_psql('postgres',
		"SELECT smpc.add_peer('small', 'node_b', \$ci\$"
		  . SmpcTest::peer_conninfo($node_b)
		  . "\$ci\$, '$node_b->{smpc_key}')");
	($rc, $out, $err) =
	  $node_a->psql('postgres', "SELECT smpc_sum(v, 'small') FROM t");
	like($err, qr/ERROR:  peer group "small" has too few members/, 'too few members');
	like($err,
		qr/DETAIL:  The group has 2 members including this node, but min_parties is 3\./,
		'too few members: detail');
	$node_a->safe_psql('postgres', "SELECT smpc.drop_peer_group('small')");
}

normal_computation_works('the local errors');

############################################################
# A server without shared_preload_libraries
{
	my $plain = create_node('node_plain', preload => '');
	$plain->safe_psql('postgres', 'CREATE EXTENSION smpc');
	my ($rc, $out, $err) =
	  $plain->psql('postgres', "SELECT smpc.init_node('node_plain')");
	is($rc, 3, 'not preloaded: init_node fails');
	like($err, qr/ERROR:  smpc must be loaded via shared_preload_libraries/,
		'not preloaded: init_node error');
	($rc, $out, $err) = $plain->psql('postgres',
		"SELECT smpc_sum(g, 'g') FROM generate_series(1, 3) g");
	is($rc, 3, 'not preloaded: aggregate fails');
	like($err, qr/ERROR:  smpc must be loaded via shared_preload_libraries/,
		'not preloaded: aggregate error');
	$plain->stop;
}

# the failures are all in the history, with the failures' texts
is( $node_b->safe_psql('postgres',
		"SELECT error LIKE '%timed out%never joined: node_a%' FROM smpc.history WHERE label = 'nojoin'"),
	't',
	'history at node_b: error text of the timeout');
is( $node_a->safe_psql('postgres',
		"SELECT array_agg(DISTINCT status) @> '{cancelled,failed,succeeded}' FROM smpc.history"),
	't',
	'history at node_a: cancelled, failed and succeeded computations');

$_->stop foreach @nodes;
done_testing();
