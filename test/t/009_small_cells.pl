
# Three nodes, small-cell protection: a group with min_cell_count 3 and
# max_colluders 1 (an honest majority) releases histogram and frequency
# counts of 1 or 2 as NULL, decided inside the protocol (every member
# learns only whether a count is small, never the small count), and every
# other count exactly.  A count is also NULL when the count less one
# member's own is 1 or 2 (that member would learn the others' small count).
# Every other aggregate follows the same rule over its joint row count:
# NULL for the whole result, recorded as 'suppressed' with 'small cell'.
# A group without an honest majority refuses small-cell protection, for
# every aggregate.

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
my $columns = 'v float8, c text, m int';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table(
		$node, 't', $columns, qq{
		SELECT v, c, $o FROM (VALUES
			(5, 'a'), (15, 'b'), (25, 'c'), (25, 'c'),
			($o * 100 + 50, 'd'), (450 + $o, 'e'), (NULL, NULL)) s(v, c)
		WHERE $o = 1 OR v IS NULL OR v >= 100});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);

my $bounds = 'ARRAY[10, 20, 30, 100, 200, 300, 400, 500]::float8[]';
# NULL when the joint count n, or n less one member's count, is 1 or 2
sub released
{
	my ($n, $member_count, $k) = @_;
	my $small = 'BETWEEN 1 AND ' . (($k // 3) - 1);
	return "CASE WHEN $n $small OR EXISTS (SELECT 1 FROM generate_series(1, 3) i "
	  . "WHERE $n - ($member_count) $small) THEN NULL ELSE $n END";
}
my $expected_hist = $node_a->safe_psql('postgres', qq{
	SELECT array_agg(} . released('n', "SELECT count(*) FROM ref_t WHERE m = i AND v IS NOT NULL AND width_bucket(v, $bounds) = b") . qq{ ORDER BY b)
	FROM (SELECT b, (SELECT count(*) FROM ref_t WHERE v IS NOT NULL AND width_bucket(v, $bounds) = b) AS n
		  FROM generate_series(0, 8) b) s});
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
	SELECT array_agg(} . released('n', "SELECT count(*) FROM ref_t WHERE m = i AND CASE WHEN j <= 4 THEN c = ($cats)[j] ELSE c <> ALL ($cats) END") . qq{ ORDER BY j) FROM (
		SELECT j, (SELECT count(*) FROM ref_t WHERE CASE WHEN j <= 4 THEN c = ($cats)[j] ELSE c <> ALL ($cats) END) AS n
		FROM generate_series(1, 5) j) s});
note("frequencies released $expected_freq");
like($expected_hist, qr/^\{NULL,NULL,NULL,0,NULL,NULL,NULL,NULL,0\}$/,
	'the insider rule suppresses the bucket of 3 spread one per member');
my $res = run_on_all(\@nodes,
	"SELECT smpc_histogram(v, 'safe', $bounds), smpc_frequencies(c, 'safe', $cats), smpc_sum(v, 'safe') FROM t");
my $sum = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');
foreach my $r (@$res)
{
	my $name = $r->{node}->name;
	is($r->{rc}, 0, "small cells: succeeds at $name") or diag($r->{stderr});
	is($r->{stdout}, "$expected_hist|$expected_freq|$sum",
		"small cells: counts of 1 and 2, and counts one member could subtract down to 1 or 2, are NULL, the rest exact, at $name");
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

# min_cell_count applies to every aggregate: refused here too
$res = run_on_all(\@nodes, "SELECT smpc_count(v, 'weak') FROM t");
foreach my $r (@$res)
{
	like($r->{stderr}, qr/small-cell protection in peer group "weak" needs an honest majority/,
		'no honest majority: count refused at ' . $r->{node}->name);
}

# 64 buckets with min_cell_count 10: each round of the test multiplies more
# products than one message carries (1280 in the first), so they go in
# several messages per round
SmpcTest::setup_group('wide', '3, max_colluders => 1, min_cell_count => 10', \@nodes);
SmpcTest::wait_group_ready(\@nodes, 'wide');
$o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table($node, 'w', 'v float8, m int', qq{
		SELECT b + 0.5, $o FROM generate_series(0, 63) b, generate_series(1, 13) r
		WHERE r <= (b * ($o + 2)) % 13});
}
pool_table($node_a, 'ref_w', 'v float8, m int', 'w', \@nodes);
my $wide_bounds = 'ARRAY(SELECT generate_series(1, 63))::float8[]';
my $expected_wide = $node_a->safe_psql('postgres', qq{
	SELECT array_agg(} . released('n', "SELECT count(*) FROM ref_w WHERE m = i AND width_bucket(v, $wide_bounds) = b", 10) . qq{ ORDER BY b)
	FROM (SELECT b, (SELECT count(*) FROM ref_w WHERE width_bucket(v, $wide_bounds) = b) AS n
		  FROM generate_series(0, 63) b) s});
my $nulls = () = $expected_wide =~ /NULL/g;
ok($nulls >= 10 && $nulls <= 54, "wide: $nulls of 64 buckets suppressed, the rest released");
$res = run_on_all(\@nodes, "SELECT smpc_histogram(v, 'wide', $wide_bounds) FROM w");
foreach my $r (@$res)
{
	is($r->{stdout}, $expected_wide, 'wide: 64 buckets, min_cell_count 10, at ' . $r->{node}->name)
	  or diag($r->{stderr});
}

foreach my $node (@nodes)
{
	ok( poll_until(
			$node,
			"SELECT string_agg(aggregate || ':' || status, ',' ORDER BY started) FROM smpc.history WHERE group_name IN ('safe', 'weak')",
			'histogram:succeeded,frequencies:succeeded,sum:succeeded,histogram:failed,count:failed', 10),
		'history records the computations at ' . $node->name);
}

# Every aggregate over few rows: group 'cells' (min_parties 2) over rows
# of node_a and node_b only; node_c contributes nothing.
#   few:     1 + 1 rows: 2 joint rows, NULL
#   even:    3 + 3 rows: released exactly
#   insider: 5 + 1 rows: 6 joint rows, but node_a would learn node_b's 1
#   wider:   5 + 3 rows: released exactly
# (3 joint rows can never be released with min_cell_count 3: with at least
# min_parties = 2 contributors, one of them would learn the others' count
# of 1 or 2)
SmpcTest::setup_group('cells', '2, max_colluders => 1, min_cell_count => 3', \@nodes);
SmpcTest::wait_group_ready(\@nodes, 'cells');
my %rows = (few => [ 1, 1 ], even => [ 3, 3 ], insider => [ 5, 1 ], wider => [ 5, 3 ]);
foreach my $i (0, 1)
{
	my $sql = "CREATE TABLE u (x float8, k text);\n";
	foreach my $k (sort keys %rows)
	{
		$sql .= "INSERT INTO u SELECT g * 2 + $i, '$k' FROM generate_series(1, $rows{$k}[$i]) g;\n";
	}
	$nodes[$i]->safe_psql('postgres', $sql);
}
$nodes[2]->safe_psql('postgres', 'CREATE TABLE u (x float8, k text)');

my %expected = (
	few => '||{NULL,0}|',
	even => '4.5|6|{6,0}|6',
	insider => '||{NULL,0}|',
	wider => '5.625|8|{8,0}|8');
foreach my $k (qw(few even insider wider))
{
	$res = run_on_all(\@nodes,
		"SELECT smpc_avg(x, 'cells', '$k'), smpc_count(x, 'cells', '$k'), "
		  . "smpc_histogram(x, 'cells', ARRAY[100]::float8[], '$k'), smpc_count_rows('cells', '$k') "
		  . "FROM u WHERE k = '$k'");
	foreach my $r (@$res)
	{
		is($r->{stdout}, $expected{$k}, "cells, $k: at " . $r->{node}->name)
		  or diag($r->{stderr});
	}
}
foreach my $node (@nodes)
{
	ok( poll_until(
			$node,
			"SELECT string_agg(label || ' ' || aggregate || ':' || status || coalesce(' (' || error || ')', ''), ', ' ORDER BY started) "
			  . "FROM smpc.history WHERE group_name = 'cells'",
			join(', ',
				'few avg:suppressed (small cell)', 'few count:suppressed (small cell)',
				'few histogram:succeeded', 'few count:suppressed (small cell)',
				'even avg:succeeded', 'even count:succeeded', 'even histogram:succeeded',
				'even count:succeeded',
				'insider avg:suppressed (small cell)', 'insider count:suppressed (small cell)',
				'insider histogram:succeeded', 'insider count:suppressed (small cell)',
				'wider avg:succeeded', 'wider count:succeeded', 'wider histogram:succeeded',
				'wider count:succeeded'),
			10),
		'cells: history records suppressed results at ' . $node->name);
}

done_testing();
