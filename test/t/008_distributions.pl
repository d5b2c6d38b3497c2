
# Three nodes: smpc_histogram and smpc_frequencies compared with the counts
# PostgreSQL's width_bucket() and GROUP BY give over the pooled rows,
# exactly; NULLs, values outside the bounds, no rows; members passing
# different bounds or categories get an error naming the member.

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
my ($node_b, $node_c) = @nodes[ 1, 2 ];

my $columns = 'id int, salary numeric, grade text';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	my $rows = 60 + 45 * $o;
	load_table(
		$node, 't', $columns, qq{
		SELECT g,
			CASE WHEN g % 10 = $o THEN NULL ELSE 20000 + ((g * 7919 * $o) % 180001) END,
			CASE WHEN g % 12 = $o THEN NULL
				 ELSE (ARRAY['junior', 'senior', 'consultant', 'intern', 'chief'])[1 + (g * $o) % 5] END
		FROM generate_series(1, $rows) g});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);

my $bounds = "ARRAY[40000, 80000, 100000, 150000]::float8[]";
my $expected_hist = $node_a->safe_psql('postgres', qq{
	SELECT array_agg(coalesce(c, 0) ORDER BY b)
	FROM generate_series(0, 4) b
	LEFT JOIN (SELECT width_bucket(salary::float8, $bounds) AS w, count(*) AS c
			   FROM ref_t WHERE salary IS NOT NULL GROUP BY 1) s ON s.w = b});
my $cats = "ARRAY['junior', 'senior', 'consultant', 'fellow']";
my $expected_freq = $node_a->safe_psql('postgres', qq{
	SELECT array_agg(c ORDER BY i) FROM (
		SELECT i, (SELECT count(*) FROM ref_t WHERE grade = ($cats)[i]) AS c
		FROM generate_series(1, 4) i
		UNION ALL
		SELECT 5, (SELECT count(*) FROM ref_t WHERE grade IS NOT NULL AND grade <> ALL ($cats))) s});

my $res = run_on_all(\@nodes,
	"SELECT smpc_histogram(salary, 'g', $bounds), smpc_frequencies(grade, 'g', $cats, 'grades') FROM t");
foreach my $r (@$res)
{
	my $name = $r->{node}->name;
	is($r->{rc}, 0, "histogram and frequencies succeed at $name") or diag($r->{stderr});
	is($r->{stdout}, "$expected_hist|$expected_freq",
		"histogram and frequencies at $name equal the pooled counts");
}
like($expected_hist, qr/^\{\d+,\d+,\d+,\d+,\d+\}$/, 'five buckets: under, three inner, over');

# a histogram per group: one computation per department label
$res = run_on_all(\@nodes,
	"SELECT grade, smpc_histogram(salary, 'g', $bounds, grade) FROM t "
	  . "WHERE grade IS NOT NULL GROUP BY grade ORDER BY grade");
my $expected_by = $node_a->safe_psql('postgres', qq{
	SELECT g.grade, array_agg(coalesce(c, 0) ORDER BY b)
	FROM (SELECT DISTINCT grade FROM ref_t WHERE grade IS NOT NULL) g
	CROSS JOIN generate_series(0, 4) b
	LEFT JOIN (SELECT grade, width_bucket(salary::float8, $bounds) AS w, count(*) AS c
			   FROM ref_t WHERE salary IS NOT NULL GROUP BY 1, 2) s ON s.grade = g.grade AND s.w = b
	GROUP BY g.grade ORDER BY g.grade});
foreach my $r (@$res)
{
	is($r->{rc}, 0, 'histogram by grade succeeds at ' . $r->{node}->name) or diag($r->{stderr});
	is($r->{stdout}, $expected_by, 'histogram by grade at ' . $r->{node}->name);
}

# no rows anywhere: no member contributes, so nothing is released (NULL)
$res = run_on_all(\@nodes,
	"SELECT smpc_histogram(salary, 'g', $bounds, 'none'), smpc_frequencies(grade, 'g', $cats, 'none') FROM t WHERE false");
foreach my $r (@$res)
{
	is($r->{rc}, 0, 'no rows: succeeds at ' . $r->{node}->name) or diag($r->{stderr});
	is($r->{stdout}, '|', 'no rows: NULL at ' . $r->{node}->name);
}

# node_b passes other bounds: everyone fails, and node_a and node_c name node_b
$res = run_parallel(
	map {
		my $b = $_ == $node_b ? 'ARRAY[40000, 80000, 100000, 150001]::float8[]' : $bounds;
		[ $_, [ "SET smpc.timeout = '10s'", "SELECT smpc_histogram(salary, 'g', $b, 'mismatch') FROM t" ] ]
	} @nodes);
foreach my $r (@$res)
{
	my $name = $r->{node}->name;
	isnt($r->{rc}, 0, "other bounds: fails at $name");
	like($r->{stderr}, qr/disagree on the computation/, "other bounds: error at $name says why");
	like($r->{stderr}, qr/node_b/, "other bounds: error at $name names node_b")
	  unless $r->{node} == $node_b;
	unlike($r->{stderr}, qr/timed out/, "other bounds: $name does not wait for the timeout");
}

# and the next computation is unaffected
$res = run_on_all(\@nodes, "SELECT smpc_histogram(salary, 'g', $bounds, 'after') FROM t");
is($_->{stdout}, $expected_hist, 'after a mismatch: histogram at ' . $_->{node}->name) foreach @$res;

done_testing();
