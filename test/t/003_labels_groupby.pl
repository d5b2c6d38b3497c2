
# Three nodes: two computations with different labels running at the same
# time (two sessions per node), GROUP BY with the grouping column as label
# (one computation per query),
# and the smpc.history rows these leave behind.

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
my $participants = '{node_a,node_b,node_c}';

my $columns = 'id int, dept text, salary numeric(10,2), x int4, y int8';
my %nrows = (node_a => 120, node_b => 77, node_c => 203);
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	# every node has every dept; rows in a different order at each node
	load_table(
		$node, 'emp', $columns, qq{
		SELECT g,
			(ARRAY['eng', 'ops', 'sales', 'hr'])[1 + (g * 3 + $o) % 4],
			CASE WHEN g % 17 = 0 THEN NULL
				 ELSE round((30000 + (g * 7919 * $o) % 90000 + g * 0.37)::numeric, 2) END,
			(g * 31 + $o) % 1000 - 300,
			CASE WHEN g % 5 = 0 THEN NULL ELSE g::bigint * 1000000007 * $o END
		FROM generate_series(1, $nrows{$node->name}) g
		ORDER BY md5(g::text || '$o')});
}
pool_table($node_a, 'ref_emp', $columns, 'emp', \@nodes);
is($_->safe_psql('postgres', 'SELECT count(DISTINCT dept) FROM emp'),
	'4', $_->name . ': four departments')
  foreach @nodes;

sub check_results
{
	my ($what, $res, $expected) = @_;
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "$what: succeeds at " . $r->{node}->name)
		  or diag($r->{stderr});
		is($r->{stdout}, $expected, "$what: result at " . $r->{node}->name);
	}
	return;
}

# Two labelled sums of the same kind at once.  "alpha" starts at node_a
# and node_b only; "beta" then runs to completion at all three nodes while
# alpha waits for node_c; then node_c joins alpha.
my $alpha_sql = "SELECT smpc_sum(x, 'g', 'alpha') FROM emp";
my $beta_sql  = "SELECT smpc_sum(y, 'g', 'beta') FROM emp WHERE x > 0";
my $alpha_exp = $node_a->safe_psql('postgres', 'SELECT sum(x) FROM ref_emp');
my $beta_exp =
  $node_a->safe_psql('postgres', 'SELECT sum(y) FROM ref_emp WHERE x > 0');

my $alpha_ab = start_queries([ $node_a, $alpha_sql ], [ $node_b, $alpha_sql ]);
ok( poll_until(
		$_,
		"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%''alpha''%' "
		  . "AND wait_event_type = 'Extension' AND pid <> pg_backend_pid()",
		'1', 60),
	$_->name . ': alpha is waiting for the other members')
  foreach ($node_a, $node_b);
my $beta = run_on_all(\@nodes, $beta_sql);
check_results('beta while alpha waits', $beta, $beta_exp);
my $alpha_c = run_parallel([ $node_c, $alpha_sql ]);
my $alpha = finish_queries($alpha_ab);
check_results('alpha', [ @$alpha, @$alpha_c ], $alpha_exp);

# both at once, two sessions per node, started in a different order at
# each node
my @jobs;
push @jobs, [ $node_a, $alpha_sql ], [ $node_a, $beta_sql ];
push @jobs, [ $node_b, $beta_sql ],  [ $node_b, $alpha_sql ];
push @jobs, [ $node_c, $alpha_sql ], [ $node_c, $beta_sql ];
my $both = run_parallel(@jobs);
check_results('alpha, concurrently', [ grep { $_->{sql} eq $alpha_sql } @$both ],
	$alpha_exp);
check_results('beta, concurrently', [ grep { $_->{sql} eq $beta_sql } @$both ],
	$beta_exp);

# same label, different kinds, at the same time in two sessions
my $sum_sql = "SELECT smpc_sum(x, 'g', 'gamma') FROM emp";
my $avg_sql = "SELECT smpc_avg(x, 'g', 'gamma') FROM emp";
my $kinds = run_parallel(map { ([ $_, $sum_sql ], [ $_, $avg_sql ]) } @nodes);
check_results('sum labelled gamma', [ grep { $_->{sql} eq $sum_sql } @$kinds ],
	$alpha_exp);
check_results('avg labelled gamma', [ grep { $_->{sql} eq $avg_sql } @$kinds ],
	$node_a->safe_psql('postgres', 'SELECT avg(x) FROM ref_emp'));

# GROUP BY dept, with dept as the label (the form of 0.2)
my $group_sql =
    "SELECT dept, smpc_sum(salary, 'g', dept), smpc_avg(salary, 'g', dept), "
  . "smpc_count_rows('g', dept) FROM emp GROUP BY dept ORDER BY dept";
my $group_exp = $node_a->safe_psql('postgres',
	'SELECT dept, sum(salary), avg(salary), count(*) FROM ref_emp GROUP BY dept ORDER BY dept'
);
check_results('GROUP BY dept', run_on_all(\@nodes, $group_sql), $group_exp);

# the same with a hashed plan
my $group_sql2 = [
	'SET enable_sort = off',
	"SELECT dept, smpc_avg(salary, 'g', 'by-' || dept) FROM emp GROUP BY dept ORDER BY dept"
];
check_results(
	'GROUP BY dept with enable_sort = off',
	run_on_all(\@nodes, $group_sql2),
	$node_a->safe_psql('postgres',
		'SELECT dept, avg(salary) FROM ref_emp GROUP BY dept ORDER BY dept'));

# smpc.history: every computation succeeded with all three members
foreach my $node (@nodes)
{
	my $name = $node->name;
	# each GROUP BY query is one computation, whatever its groups and
	# aggregates; a label that varies by group is part of the keys
	ok( poll_until(
			$node,
			"SELECT count(*) FROM smpc.history WHERE aggregate = 'group by'",
			'2', 30),
		"$name: history has the two GROUP BY computations");
	is( $node->safe_psql(
			'postgres', qq{
			SELECT string_agg(label || ':' || aggregate || ':' || status || ':' || participants::text
							  || ':' || group_name, ' ' ORDER BY label, aggregate)
			FROM smpc.history WHERE aggregate = 'group by'}),
		join(' ', (":group by:succeeded:$participants:g") x 2),
		"$name: GROUP BY history rows");
	ok( poll_until(
			$node,
			"SELECT count(*) FROM smpc.history WHERE label IN ('alpha', 'beta', 'gamma')",
			'6', 30),
		"$name: history has the alpha, beta and gamma computations");
	is( $node->safe_psql(
			'postgres', qq{
			SELECT count(*) FROM smpc.history
			WHERE status = 'succeeded' AND participants = '$participants'
			  AND finished >= started AND computation_id IS NOT NULL
			  AND error IS NULL}),
		$node->safe_psql('postgres', 'SELECT count(*) FROM smpc.history'),
		"$name: every history row succeeded with all three members");
}

# the members agree on the computation ids
my @ids = map {
	$_->safe_psql('postgres',
		"SELECT string_agg(computation_id, ',' ORDER BY computation_id) FROM smpc.history WHERE label = 'alpha'"
	)
} @nodes;
is($ids[1], $ids[0], 'node_b has the same alpha computation ids as node_a');
is($ids[2], $ids[0], 'node_c has the same alpha computation ids as node_a');

$_->stop foreach @nodes;
done_testing();
