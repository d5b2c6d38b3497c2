
# Copyright: see the smpc LICENSE.

# smpc_min and smpc_max at scale, compared with min() and max() over the
# pooled rows:
#  - GROUP BY over 20 keys, three queries at every member at once, so
#	 that each worker runs several comparison phases side by side;
#  - tables of about 200 000 rows per member, aggregated by parallel
#	 workers (a plan with Gather and partial aggregation), for int8,
#	 numeric and float8;
#  - five members, one of which has only NULLs; then one of them holds
#	 its comparison rounds (smpc.fault_injection = hold_rounds): the other
#	 four fail within smpc.timeout naming exactly that member.

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

# A group of all @nodes with the given min_parties and max_colluders.
sub setup_group_colluders
{
	my ($group, $min_parties, $max_colluders, $nodes) = @_;

	foreach my $node (@$nodes)
	{
		my $sql =
		  "SELECT smpc.create_peer_group('$group', min_parties => $min_parties, "
		  . "max_colluders => $max_colluders);\n";
		foreach my $other (@$nodes)
		{
			next if $other == $node;
			$sql .= sprintf("SELECT smpc.add_peer('%s', '%s', \$ci\$%s\$ci\$, '%s');\n",
				$group, $other->name, SmpcTest::peer_conninfo($other), $other->{smpc_key});
		}
		$node->safe_psql($DB, $sql);
	}
	wait_group_ready($nodes, $group);
	return;
}

# Run every job at once; each must give its expected output.
sub check_jobs
{
	my ($what, @jobs) = @_;
	my $res = run_parallel(map { [ $_->[0], $_->[1] ] } @jobs);
	foreach my $i (0 .. $#jobs)
	{
		my $r = $res->[$i];
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "$what: succeeds at $name (session $i)") or diag($r->{stderr});
		is($r->{stdout}, $jobs[$i][2], "$what: result at $name (session $i)");
	}
	return;
}

my $columns = 'k int, i8 int8, n numeric, f8 float8';

# ---- three servers ----

my @nodes = create_nodes(3, group => 'g_default',
	conf => "max_worker_processes = 16\nmax_parallel_workers = 4\n");
setup_group_colluders('g', 2, 1, \@nodes);

# about 200 000 rows at each member; k takes 20 values, each member has
# its own extremes, and some NULLs
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	my $rows = 190000 + 10000 * $o;
	load_table($node, 't', $columns, qq{
		SELECT g % 20,
			CASE WHEN g % 97 = 0 THEN NULL
				 ELSE ((g::bigint * 2654435761 * $o) % 1000000007) * 9000000 - 4500000000000000 END,
			CASE WHEN g % 89 = 0 THEN NULL
				 ELSE round(((g::bigint * 104729 * $o) % 99999989)::numeric / 997 - 50000, 5) END,
			CASE WHEN g % 83 = 0 THEN NULL
				 ELSE ((g::bigint * 7919 * $o) % 100000007 - 50000000)::float8 / 3.7 END
		FROM generate_series(1, $rows) g});
}
pool_table($nodes[0], 'ref_t', $columns, 't', \@nodes);

# --- GROUP BY over 20 keys: three queries per member at once, each one
# computation for all its groups (constant labels tell them apart) ---
{
	my $q1 =
	    "SELECT k, smpc_max(i8, 'g', 'q1'), smpc_min(f8, 'g', 'q1') "
	  . "FROM t GROUP BY k ORDER BY k";
	my $q2 = "SELECT k, smpc_min(n, 'g', 'q2') FROM t GROUP BY k ORDER BY k";
	my $q3 = "SELECT k, smpc_max(n, 'g', 'q3') FROM t GROUP BY k ORDER BY k";
	my $e1 = $nodes[0]->safe_psql($DB,
		'SELECT k, max(i8), min(f8) FROM ref_t GROUP BY k ORDER BY k');
	my $e2 = $nodes[0]->safe_psql($DB, 'SELECT k, min(n) FROM ref_t GROUP BY k ORDER BY k');
	my $e3 = $nodes[0]->safe_psql($DB, 'SELECT k, max(n) FROM ref_t GROUP BY k ORDER BY k');
	is(scalar(split /\n/, $e1), 20, 'GROUP BY: 20 groups');
	check_jobs('GROUP BY over 20 keys, three sessions',
		map { ([ $_, $q1, $e1 ], [ $_, $q2, $e2 ], [ $_, $q3, $e3 ]) } @nodes);
	foreach my $node (@nodes)
	{
		is( $node->safe_psql($DB,
				"SELECT count(*) FROM smpc.history WHERE group_name = 'g' AND status = 'succeeded' "
				  . "AND aggregate = 'group by' AND label ~ '^q[123]\$'"),
			'3', $node->name . ': three successful GROUP BY computations in the history');
	}
}

# --- parallel workers, int8, numeric and float8 ---
{
	my @parallel = (
		'SET max_parallel_workers_per_gather = 2', 'SET parallel_setup_cost = 0',
		'SET parallel_tuple_cost = 0', 'SET min_parallel_table_scan_size = 0');
	my $sql = "SELECT smpc_max(i8, 'g', 'p8'), smpc_min(i8, 'g', 'p8'), smpc_max(n, 'g', 'pn'), "
	  . "smpc_min(n, 'g', 'pn'), smpc_max(f8, 'g', 'pf'), smpc_min(f8, 'g', 'pf') FROM t";
	foreach my $node (@nodes)
	{
		my $plan = $node->safe_psql($DB, join(";\n", @parallel, "EXPLAIN (COSTS OFF) $sql"));
		like($plan, qr/Gather.*Partial Aggregate/s,
			$node->name . ': the plan aggregates in parallel workers');
	}
	my $expected = $nodes[0]->safe_psql($DB,
		'SELECT max(i8), min(i8), max(n), min(n), max(f8), min(f8) FROM ref_t');
	check_jobs('parallel workers', map { [ $_, [ @parallel, $sql ], $expected ] } @nodes);
	# GROUP BY in parallel workers too: the groups still come in one order
	my $gsql = "SELECT k, smpc_max(i8, 'g', 'pg' || k), smpc_min(n, 'g', 'pg' || k) "
	  . "FROM t GROUP BY k ORDER BY k";
	foreach my $node (@nodes)
	{
		my $plan = $node->safe_psql($DB, join(";\n", @parallel, "EXPLAIN (COSTS OFF) $gsql"));
		like($plan, qr/Gather.*Partial (?:Group|Hash)?Aggregate/s,
			$node->name . ': the GROUP BY plan aggregates in parallel workers');
	}
	check_jobs('parallel workers, GROUP BY',
		map { [ $_, [ @parallel, $gsql ],
				$nodes[0]->safe_psql($DB, 'SELECT k, max(i8), min(n) FROM ref_t GROUP BY k ORDER BY k') ] }
		  @nodes);
	# and the same without parallel workers
	check_jobs('one process',
		map { [ $_, [ 'SET max_parallel_workers_per_gather = 0', $sql =~ s/'p/'s/gr ], $expected ] }
		  @nodes);
}

$_->stop foreach @nodes;

# ---- five servers, one with only NULLs ----

my @five = create_nodes(5, group => 'g_default',
	names => [qw(node_p node_q node_r node_s node_t)]);
setup_group_colluders('g', 3, 2, \@five);
$o = 0;
foreach my $node (@five)
{
	$o++;
	my $null = $node->name eq 'node_s';
	load_table($node, 't', $columns,
		$null
		? 'SELECT g % 3, NULL, NULL, NULL FROM generate_series(1, 50) g'
		: "SELECT g % 3, (g * 7919 * $o) % 100003 - 50000, round((g * 31 * $o) % 10007 / 7.0, 3), "
		  . "((g * 17 * $o) % 1009 - 500) / 3.0::float8 FROM generate_series(1, 30 + 10 * $o) g");
}
pool_table($five[0], 'ref_t', $columns, 't', \@five);
{
	my $sql = "SELECT smpc_max(i8, 'g', 'n5'), smpc_min(n, 'g', 'n5'), smpc_min(f8, 'g', 'n5f'), "
	  . "smpc_max(f8, 'g', 'n5f') FROM t";
	my $expected = $five[0]->safe_psql($DB, 'SELECT max(i8), min(n), min(f8), max(f8) FROM ref_t');
	check_jobs('five members, node_s only NULLs', map { [ $_, $sql, $expected ] } @five);
	my $gsql = "SELECT k, smpc_max(n, 'g', 'g5-' || k) FROM t GROUP BY k ORDER BY k";
	check_jobs('five members, node_s only NULLs, GROUP BY',
		map { [ $_, $gsql, $five[0]->safe_psql($DB, 'SELECT k, max(n) FROM ref_t GROUP BY k ORDER BY k') ] }
		  @five);
	# node_s's rows are all NULL: the same as without them
	is($five[0]->safe_psql($DB, "SELECT max(i8), min(n), min(f8), max(f8) FROM ref_t WHERE i8 IS NOT NULL"),
		$expected, 'five members: the NULLs change nothing');
}

# five members, one holding its comparison rounds: the other four fail
# within smpc.timeout naming exactly that one, and it learns that they gave up
{
	my $held = $five[-1];
	set_fault($held, 'hold_rounds');
	my $t0 = time();
	my $res = run_parallel(
		(map { [ $_, [ "SET smpc.timeout = '4s'", "SELECT smpc_min(i8, 'g', 'held5') FROM t" ] ] }
			  @five[ 0 .. 3 ]),
		[ $held, [ "SET smpc.timeout = '40s'", "SELECT smpc_min(i8, 'g', 'held5') FROM t" ] ]);
	my $elapsed = time() - $t0;
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "five members, node_t holds its rounds: fails at $name");
		like($r->{stderr}, qr/Peers that did not send their comparison round: node_t\./,
			"five members, node_t holds its rounds: the error at $name names exactly node_t")
		  or diag($r->{stderr});
	}
	cmp_ok($elapsed, '<', 14, 'five members, node_t holds its rounds: all gave up within smpc.timeout');
	set_fault($held, 'none');
	my $sql = "SELECT smpc_min(i8, 'g', 'after-held5'), smpc_max(n, 'g', 'after-held5') FROM t";
	check_jobs('five members, after the held rounds',
		map { [ $_, $sql, $five[0]->safe_psql($DB, 'SELECT min(i8), max(n) FROM ref_t') ] } @five);
}

$_->stop foreach @five;
done_testing();
