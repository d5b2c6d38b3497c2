
# Three nodes: the dispersion aggregates (smpc_var_samp, smpc_var_pop,
# smpc_variance, smpc_stddev_samp, smpc_stddev_pop, smpc_stddev) over every
# input type, compared with PostgreSQL's own aggregates over the pooled
# rows: exactly (as text) for integer and numeric input; for floating point
# within 1e-12 relative of the exact rational result, which PostgreSQL's
# numeric aggregates give over the same values (every float here is a
# dyadic rational, so the numeric column holds it exactly).  The values
# include a large mean with a small spread, a member with a balance sheet
# of 3.3e12, one with values near 1e150 and values near 1e-301.  Also one
# row (sample variance NULL), and no rows.

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

my $columns = 'id int, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8, big float8, '
  . 'f4n numeric, f8n numeric, bign numeric, wide float8, widen numeric, tiny float8, tinyn numeric';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	my $rows = 50 + 71 * $o;
	# big: a mean of 10^9 and a spread of a few units, in steps of 1/1024;
	# wide: a balance sheet of 3.3e12 in steps of 1/8 at node_a and node_c,
	# multiples of 2^498 (about 1e150) at node_b; tiny: multiples of 2^-1000
	my $wide = $o == 2
	  ? '((g % 13) + 1) * power(2::numeric, 498)'
	  : "3300000000000 + ((g * 7 + $o) % 1000)::numeric / 8";
	load_table(
		$node, 't', $columns, qq{
		SELECT id, i2, i4, i8, n, f4n::float4, f8n::float8, bign::float8, f4n, f8n, bign,
			widen::float8, widen, tinyn::float8, tinyn
		FROM (SELECT g AS id,
			CASE WHEN g % 7 = $o THEN NULL ELSE ((g * 37 * $o) % 601 - 300)::int2 END AS i2,
			CASE WHEN g % 9 = 0 THEN NULL ELSE (g * 7919 * $o) % 200001 - 100000 END AS i4,
			CASE WHEN g % 11 = 0 THEN NULL ELSE ((g * 104729 * $o) % 2000000001 - 1000000000)::int8 * 1000 END AS i8,
			CASE WHEN g % 5 = 0 THEN NULL
				 WHEN g % 5 = 1 THEN round((g * $o * 3.14159)::numeric - 500, $o + 1)
				 ELSE round(((g * 7 + $o) % 9973)::numeric / 100 - 30, 2) END AS n,
			CASE WHEN g % 6 = 0 THEN NULL ELSE ((g * 13 * $o) % 401 - 200)::numeric / 4 END AS f4n,
			CASE WHEN g % 4 = 0 THEN NULL ELSE ((g * 31 * $o) % 10007)::numeric / 64 - 70 END AS f8n,
			1000000000 + ((g * 17 + $o) % 4096)::numeric / 1024 AS bign,
			$wide AS widen,
			((g * 5 + $o) % 17 + 1) * power(5::numeric, 1000) * '1e-1000'::numeric AS tinyn
		FROM generate_series(1, $rows) g) s});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);
is($node_a->safe_psql('postgres',
		'SELECT bool_and(f4::numeric = f4n AND f8::numeric = f8n AND bign::float8 = big '
		  . 'AND widen::float8 = wide AND tinyn::float8 = tiny) FROM ref_t'),
	't', 'the floating-point columns hold the numeric values exactly where they are short');
is($node_a->safe_psql('postgres', 'SELECT max(wide) > 1e150 AND min(tiny) < 1e-300 FROM ref_t'),
	't', 'the wide column reaches 1e150 and the tiny one 1e-301');

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
# a naive N*sum(x^2) - sum(x)^2 in double precision loses every digit,
# values of 3.3e12 and 1e150 together, and tiny values: within 1e-12 of the
# exact result over the same values as numeric
foreach my $col (qw(f4 f8 big wide tiny))
{
	# the variance of the tiny values is below the smallest double
	my @which = $col eq 'tiny' ? qw(stddev_samp stddev_pop stddev) : @aggs;
	my $smpc = join(', ', map { "smpc_$_($col, 'g', '$col-$_')" } @which);
	my $res = run_on_all(\@nodes, "SELECT $smpc FROM t");
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "dispersion of $col succeeds at " . $r->{node}->name)
		  or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout};
		for my $i (0 .. $#which)
		{
			ok(exact_close($node_a, $got[$i], "$which[$i](${col}n)"),
				"smpc_$which[$i]($col) at " . $r->{node}->name
				  . " is $got[$i], within 1e-12 of the exact value");
		}
	}
}
# parallel workers alone aggregate the rows: their exact accumulators are
# serialised and combined without loss
{
	my @par = (
		'SET parallel_setup_cost = 0', 'SET parallel_tuple_cost = 0',
		'SET min_parallel_table_scan_size = 0', 'SET max_parallel_workers_per_gather = 2',
		'SET parallel_leader_participation = off');
	my $plan = $node_a->safe_psql('postgres',
		join(";\n", @par, "EXPLAIN (costs off) SELECT smpc_var_samp(wide, 'g', 'par') FROM t"));
	like($plan, qr/Partial Aggregate/, 'the parallel plan has partial aggregates');
	my $res = run_on_all(\@nodes,
		[ @par, "SELECT smpc_var_samp(wide, 'g', 'par'), smpc_stddev_pop(big, 'g', 'par') FROM t" ]);
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, 'parallel: succeeds at ' . $r->{node}->name) or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout};
		ok(exact_close($node_a, $got[0], 'var_samp(widen)'), "parallel: var_samp $got[0] is exact");
		ok(exact_close($node_a, $got[1], 'stddev_pop(bign)'), "parallel: stddev_pop $got[1] is exact");
	}
}

# the exact result is out of reach of double-precision shortcuts
my $naive = $node_a->safe_psql('postgres',
	"SELECT (count(big) * sum(big * big) - sum(big) * sum(big)) / (count(big) * (count(big) - 1)) FROM ref_t");
my $true_var = $node_a->safe_psql('postgres', "SELECT var_samp(bign) FROM ref_t");
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
		(4 * 6 + 4 * 6 + 3 + 2 + 4 + 2) . ' 6 true', 10),
	'every dispersion computation completed and was recorded as "variance", the 6 over too few contributors as suppressed');

done_testing();
