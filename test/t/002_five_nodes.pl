
# Five nodes: smpc_avg, smpc_sum and smpc_count over int4 and numeric,
# compared exactly with the plain aggregates over the union of all rows.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = create_nodes(5, min_parties => 5);
my $node_a = $nodes[0];

my $columns = 'id int, v int4, n numeric';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	my $n = 40 + 67 * $o;    # 107, 174, 241, 308, 375 rows
	load_table(
		$node, 't', $columns, qq{
		SELECT g,
			CASE WHEN g % 10 = $o THEN NULL
				 ELSE (g * 7919 * $o) % 200001 - 100000 END,
			CASE WHEN g % 6 = 0 THEN NULL
				 WHEN g % 6 = 1 THEN round((g * $o * 3.14159)::numeric - 500, $o)
				 ELSE ((g * 104729 + $o) % 99991)::numeric / 1000 - 50 END
		FROM generate_series(1, $n) g});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);

my @checks = (
	[ "SELECT smpc_avg(v, 'g') FROM t", 'SELECT avg(v) FROM ref_t' ],
	[ "SELECT smpc_sum(v, 'g') FROM t", 'SELECT sum(v) FROM ref_t' ],
	[ "SELECT smpc_count(v, 'g') FROM t", 'SELECT count(v) FROM ref_t' ],
	[ "SELECT smpc_avg(n, 'g') FROM t", 'SELECT avg(n) FROM ref_t' ],
	[ "SELECT smpc_sum(n, 'g') FROM t", 'SELECT sum(n) FROM ref_t' ],
	[ "SELECT smpc_count(n, 'g') FROM t", 'SELECT count(n) FROM ref_t' ],
	[
		"SELECT smpc_avg(v, 'g', 'both'), smpc_avg(n, 'g', 'both2'), smpc_count_rows('g') FROM t WHERE id % 3 <> 0",
		'SELECT avg(v), avg(n), count(*) FROM ref_t WHERE id % 3 <> 0'
	],);

foreach my $c (@checks)
{
	my ($smpc_sql, $plain_sql) = @$c;
	my $expected = $node_a->safe_psql('postgres', $plain_sql);
	my $res = run_on_all(\@nodes, $smpc_sql);
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "$smpc_sql succeeds at " . $r->{node}->name)
		  or diag($r->{stderr});
		is($r->{stdout}, $expected,
			"$smpc_sql at " . $r->{node}->name . " equals $plain_sql");
	}
}

my $participants = '{' . join(',', map { $_->name } @nodes) . '}';
foreach my $node (@nodes)
{
	ok( poll_until(
			$node,
			"SELECT count(*) FROM smpc.history WHERE status = 'succeeded' "
			  . "AND participants = '$participants'",
			'9', 30),
		$node->name . ': nine successful computations with all five members in smpc.history');
}

$_->stop foreach @nodes;
done_testing();
