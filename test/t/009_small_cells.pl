
# Three nodes, small-cell protection: a group with min_cell_count 3 and
# max_colluders 1 (an honest majority) releases histogram and frequency
# counts of 1 or 2 as NULL, decided inside the protocol (every member
# learns only whether a count is small, never the small count), and every
# other count exactly.  The same group's sum, shared at degree 1, is still
# exact.  A group without an honest majority refuses small-cell protection.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = create_nodes(3);
my $node_a = $nodes[0];
SmpcTest::setup_group('safe', '3, max_colluders => 1, min_cell_count => 3', \@nodes);
SmpcTest::wait_group_ready(\@nodes, 'safe');
SmpcTest::setup_group('weak', '3, min_cell_count => 3', \@nodes);
SmpcTest::wait_group_ready(\@nodes, 'weak');

# buckets with pooled counts 0, 1, 2, 3 and more, spread over the members
my $columns = 'v float8, c text';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table(
		$node, 't', $columns, qq{
		SELECT v, c FROM (VALUES
			(5, 'a'), (15, 'b'), (25, 'c'), (25, 'c'),
			($o * 100 + 50, 'd'), (450 + $o, 'e'), (NULL, NULL)) s(v, c)
		WHERE $o = 1 OR v IS NULL OR v >= 100});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);

my $bounds = 'ARRAY[10, 20, 30, 100, 200, 300, 400, 500]::float8[]';
my $expected_hist = $node_a->safe_psql('postgres', qq{
	SELECT array_agg(CASE WHEN coalesce(n, 0) BETWEEN 1 AND 2 THEN NULL ELSE coalesce(n, 0) END ORDER BY b)
	FROM generate_series(0, 8) b
	LEFT JOIN (SELECT width_bucket(v, $bounds) AS w, count(*) AS n
			   FROM ref_t WHERE v IS NOT NULL GROUP BY 1) s ON s.w = b});
my $raw_hist = $node_a->safe_psql('postgres', qq{
	SELECT array_agg(coalesce(n, 0) ORDER BY b)
	FROM generate_series(0, 8) b
	LEFT JOIN (SELECT width_bucket(v, $bounds) AS w, count(*) AS n
			   FROM ref_t WHERE v IS NOT NULL GROUP BY 1) s ON s.w = b});
note("pooled counts $raw_hist, released $expected_hist");
like($raw_hist, qr/(^|,)1(,|})/, 'the data has a bucket with a count of 1');
like($raw_hist, qr/(^|,)2(,|})/, 'the data has a bucket with a count of 2');
like($raw_hist, qr/(^|,)0(,|})/, 'the data has an empty bucket');

my $cats = "ARRAY['a', 'b', 'c', 'e']";
my $expected_freq = $node_a->safe_psql('postgres', qq{
	SELECT array_agg(CASE WHEN n BETWEEN 1 AND 2 THEN NULL ELSE n END ORDER BY i) FROM (
		SELECT i, (SELECT count(*) FROM ref_t WHERE c = ($cats)[i]) AS n
		FROM generate_series(1, 4) i
		UNION ALL
		SELECT 5, (SELECT count(*) FROM ref_t WHERE c IS NOT NULL AND c <> ALL ($cats))) s});

my $res = run_on_all(\@nodes,
	"SELECT smpc_histogram(v, 'safe', $bounds), smpc_frequencies(c, 'safe', $cats), smpc_sum(v, 'safe') FROM t");
my $sum = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');
foreach my $r (@$res)
{
	my $name = $r->{node}->name;
	is($r->{rc}, 0, "small cells: succeeds at $name") or diag($r->{stderr});
	is($r->{stdout}, "$expected_hist|$expected_freq|$sum",
		"small cells: counts of 1 and 2 are NULL, the rest exact, at $name");
}

# without an honest majority the protection cannot be computed: refused
$res = run_on_all(\@nodes, "SELECT smpc_histogram(v, 'weak', $bounds) FROM t");
foreach my $r (@$res)
{
	my $name = $r->{node}->name;
	isnt($r->{rc}, 0, "no honest majority: fails at $name");
	like($r->{stderr}, qr/small-cell protection in peer group "weak" needs an honest majority/,
		"no honest majority: error at $name");
}

# the same group's other aggregates are not affected by min_cell_count
$res = run_on_all(\@nodes, "SELECT smpc_count(v, 'weak') FROM t");
my $count = $node_a->safe_psql('postgres', 'SELECT count(v) FROM ref_t');
is($_->{stdout}, $count, 'count in the weak group at ' . $_->{node}->name) foreach @$res;

is( $node_a->safe_psql('postgres',
		"SELECT string_agg(aggregate || ':' || status, ',' ORDER BY started) FROM smpc.history WHERE group_name IN ('safe', 'weak')"),
	'histogram:succeeded,frequencies:succeeded,sum:succeeded,histogram:failed,count:succeeded',
	'history records the computations');

done_testing();
