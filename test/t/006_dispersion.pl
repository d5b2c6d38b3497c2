
# Three nodes: the dispersion aggregates (smpc_var_samp, smpc_var_pop,
# smpc_variance, smpc_stddev_samp, smpc_stddev_pop, smpc_stddev) over every
# input type, compared with PostgreSQL's own aggregates over the pooled
# rows: exactly (as text) for integer and numeric input, within 1e-9
# relative for floating point.  Also one row (sample variance NULL), no
# rows, and data with a large mean and a small spread.

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

my $columns = 'id int, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8, big float8';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	my $rows = 50 + 71 * $o;
	# big: a mean of 10^9 and a spread of a few units, in steps of 1/1024
	load_table(
		$node, 't', $columns, qq{
		SELECT g,
			CASE WHEN g % 7 = $o THEN NULL ELSE ((g * 37 * $o) % 601 - 300)::int2 END,
			CASE WHEN g % 9 = 0 THEN NULL ELSE (g * 7919 * $o) % 200001 - 100000 END,
			CASE WHEN g % 11 = 0 THEN NULL ELSE ((g * 104729 * $o) % 2000000001 - 1000000000)::int8 * 1000 END,
			CASE WHEN g % 5 = 0 THEN NULL
				 WHEN g % 5 = 1 THEN round((g * $o * 3.14159)::numeric - 500, $o + 1)
				 ELSE round(((g * 7 + $o) % 9973)::numeric / 100 - 30, 2) END,
			CASE WHEN g % 6 = 0 THEN NULL ELSE ((g * 13 * $o) % 401 - 200)::float4 / 4 END,
			CASE WHEN g % 4 = 0 THEN NULL ELSE ((g * 31 * $o) % 10007)::float8 / 64 - 70 END,
			1e9::float8 + ((g * 17 + $o) % 4096)::float8 / 1024
		FROM generate_series(1, $rows) g});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);

my @aggs = qw(var_samp var_pop variance stddev_samp stddev_pop stddev);

# exact input: identical text, including the numeric scale
foreach my $col (qw(i2 i4 i8 n))
{
	my $smpc = join(', ', map { "smpc_$_($col, 'g', '$col-$_')" } @aggs);
	my $plain = join(', ', map { "$_($col)" } @aggs);
	my $expected = $node_a->safe_psql('postgres', "SELECT $plain FROM ref_t");
	my $res = run_on_all(\@nodes, "SELECT $smpc FROM t");
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "dispersion of $col succeeds at " . $r->{node}->name)
		  or diag($r->{stderr});
		is($r->{stdout}, $expected,
			"dispersion of $col at " . $r->{node}->name . " equals PostgreSQL's exactly");
	}
}

# floating-point input, including a large mean with a small spread, where
# a naive N*sum(x^2) - sum(x)^2 in double precision loses every digit
foreach my $col (qw(f4 f8 big))
{
	my $smpc = join(', ', map { "smpc_$_($col, 'g', '$col-$_')" } @aggs);
	my $plain = join(', ', map { "$_($col)" } @aggs);
	my @expected = split /\|/, $node_a->safe_psql('postgres', "SELECT $plain FROM ref_t");
	my $res = run_on_all(\@nodes, "SELECT $smpc FROM t");
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "dispersion of $col succeeds at " . $r->{node}->name)
		  or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout};
		for my $i (0 .. $#aggs)
		{
			ok(float_close($got[$i], $expected[$i], 1e-9),
				"smpc_$aggs[$i]($col) at " . $r->{node}->name
				  . " is $got[$i], PostgreSQL says $expected[$i]");
		}
	}
}
my $naive = $node_a->safe_psql('postgres',
	"SELECT (count(big) * sum(big * big) - sum(big) * sum(big)) / (count(big) * (count(big) - 1)) FROM ref_t");
my $true_var = $node_a->safe_psql('postgres', "SELECT var_samp(big) FROM ref_t");
ok(!float_close($naive, $true_var, 1e-3),
	"the large-mean data defeats naive double-precision arithmetic ($naive vs $true_var)");

# one row in all, at node_a: only one member contributes (min_parties is 3),
# so nothing is released, where PostgreSQL would give 0 for the population
# statistics
{
	my $res = run_on_all(\@nodes,
		"SELECT smpc_var_samp(i4, 'g', 'one'), smpc_stddev_samp(n, 'g', 'one'), "
		  . "smpc_var_pop(i4, 'g', 'one-pop'), smpc_stddev_pop(f8, 'g', 'one-pop') "
		  . "FROM t WHERE id = 1 AND i4 IS NOT NULL AND n IS NOT NULL AND f8 IS NOT NULL AND "
		  . "current_setting('port')::int = " . $node_a->port);
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, 'one row: succeeds at ' . $r->{node}->name) or diag($r->{stderr});
		is($r->{stdout}, '|||', 'one row, one contributor: NULL at ' . $r->{node}->name);
	}
}

# no rows anywhere: NULL
{
	my $res = run_on_all(\@nodes,
		"SELECT smpc_var_pop(i8, 'g', 'none'), smpc_stddev(f4, 'g', 'none') FROM t WHERE false");
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, 'no rows: succeeds at ' . $r->{node}->name) or diag($r->{stderr});
		is($r->{stdout}, '|', 'no rows: NULL at ' . $r->{node}->name);
	}
}

# one computation per statistic, recorded as such
ok( poll_until(
		$node_a,
		"SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'suppressed') || ' ' || "
		  . "bool_and(status IN ('succeeded', 'suppressed')) FROM smpc.history WHERE aggregate = 'variance'",
		(4 * 6 + 3 * 6 + 4 + 2) . ' 6 true', 10),
	'every dispersion computation completed and was recorded as "variance", the 6 over too few contributors as suppressed');

done_testing();
