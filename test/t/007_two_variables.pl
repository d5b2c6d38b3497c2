
# Three nodes: the two-variable aggregates (smpc_corr, smpc_covar_pop,
# smpc_covar_samp, smpc_regr_slope, smpc_regr_intercept, smpc_regr_r2,
# smpc_regr_count) compared with the exact rational result over the pooled
# rows (computed in numeric from the same values, all of them dyadic
# rationals that float8 holds exactly): within 1e-12 relative, exactly for
# the count.  Rows with a NULL on either side are skipped; degenerate
# lines and tiny inputs give PostgreSQL's NULLs; a member with balance
# sheets of 3.3e12 and one with values near 1e150 take part together.

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

my $columns = 'id int, x float8, y float8, flat float8, big float8, wide float8, '
  . 'xn numeric, yn numeric, flatn numeric, bign numeric, widen numeric';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	my $rows = 40 + 53 * $o;
	# y grows with x plus deterministic noise; big has a mean of 10^8; wide
	# is a balance sheet of 3.3e12 in steps of 1/8, and multiples of 2^498
	# (about 1e150) at node_b
	my $wide = $o == 2
	  ? '((g % 13) + 1) * power(2::numeric, 498)'
	  : "3300000000000 + ((g * 7 + $o) % 1000)::numeric / 8";
	load_table(
		$node, 't', $columns, qq{
		SELECT id, xn::float8, yn::float8, flatn::float8, bign::float8, widen::float8,
			xn, yn, flatn, bign, widen
		FROM (SELECT g AS id,
			CASE WHEN g % 8 = $o THEN NULL ELSE ((g * 37 * $o) % 1001)::numeric / 8 - 60 END AS xn,
			CASE WHEN g % 9 = $o THEN NULL
				 ELSE 2.5 * (((g * 37 * $o) % 1001)::numeric / 8 - 60) + ((g * 91 + $o) % 257)::numeric / 16 END AS yn,
			7.25 AS flatn,
			100000000 + ((g * 13 * $o) % 2048)::numeric / 256 AS bign,
			$wide AS widen
		FROM generate_series(1, $rows) g) s});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);
is($node_a->safe_psql('postgres',
		'SELECT bool_and(x::numeric = xn AND y::numeric = yn AND bign::float8 = big '
		  . 'AND widen::float8 = wide) FROM ref_t'),
	't', 'the floating-point columns hold the numeric values');

# the exact result of each aggregate from the exact sums of the pooled rows
my %exact = (
	corr => 'cxy / sqrt(nullif(cxx, 0) * nullif(cyy, 0))',
	covar_pop => 'cxy / nullif(n * n, 0)',
	covar_samp => 'cxy / nullif(n * (n - 1), 0)',
	regr_slope => 'cxy / nullif(cxx, 0)',
	regr_intercept => '(sy * cxx - sx * cxy) / nullif(n * cxx, 0)',
	regr_r2 => 'CASE WHEN cxx = 0 THEN NULL WHEN cyy = 0 THEN 1 ELSE cxy * cxy / (cxx * cyy) END',
	regr_count => 'n');

sub exact_sums
{
	my ($yn, $xn, $ref, $where) = @_;
	return qq{(SELECT n, sx, sy, n * sxx - sx * sx AS cxx, n * syy - sy * sy AS cyy,
			n * sxy - sx * sy AS cxy
		FROM (SELECT count(*)::numeric AS n, sum($xn) AS sx, sum($yn) AS sy,
				sum($xn * $xn) AS sxx, sum($yn * $yn) AS syy, sum($xn * $yn) AS sxy
			FROM $ref WHERE ($where) AND $xn IS NOT NULL AND $yn IS NOT NULL) a) b};
}

my @aggs = qw(corr covar_pop covar_samp regr_slope regr_intercept regr_r2 regr_count);

sub compare
{
	my ($y, $x, $label, $where, $ref) = @_;
	$where //= 'true';
	$ref //= 'ref_t';
	my $smpc = join(', ', map { "smpc_$_($y, $x, 'g', '$label-$_')" } @aggs);
	my $plain = join(', ', map { "$_($y, $x)" } @aggs);
	my $sums = exact_sums("${y}n", "${x}n", $ref, $where);
	my @expected = split /\|/, $node_a->safe_psql('postgres', "SELECT $plain FROM $ref WHERE $where"), -1;
	my $res = run_on_all(\@nodes, "SELECT $smpc FROM t WHERE $where");
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "$label: succeeds at $name") or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout}, -1;
		for my $i (0 .. $#aggs)
		{
			if ($aggs[$i] eq 'regr_count')
			{
				is($got[$i], $expected[$i], "$label: smpc_$aggs[$i] at $name is '$expected[$i]'");
			}
			else
			{
				ok(exact_close($node_a, $got[$i], $exact{ $aggs[$i] }, $sums),
					"$label: smpc_$aggs[$i] at $name is $got[$i], within 1e-12 of the exact value");
			}
		}
	}
	return \@expected;
}

compare('y', 'x', 'y-x');
compare('x', 'y', 'x-y');
compare('big', 'x', 'big-x');
compare('y', 'big', 'y-big');
compare('wide', 'x', 'wide-x');
compare('y', 'wide', 'y-wide');
compare('wide', 'big', 'wide-big');
# parallel workers alone aggregate the rows
{
	my @par = (
		'SET parallel_setup_cost = 0', 'SET parallel_tuple_cost = 0',
		'SET min_parallel_table_scan_size = 0', 'SET max_parallel_workers_per_gather = 2',
		'SET parallel_leader_participation = off');
	my $res = run_on_all(\@nodes,
		[ @par, "SELECT smpc_regr_intercept(wide, x, 'g', 'par'), smpc_corr(y, x, 'g', 'par') FROM t" ]);
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, 'parallel: succeeds at ' . $r->{node}->name) or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout};
		ok(exact_close($node_a, $got[0], $exact{regr_intercept}, exact_sums('widen', 'xn', 'ref_t', 'true')),
			"parallel: regr_intercept $got[0] is exact");
		ok(exact_close($node_a, $got[1], $exact{corr}, exact_sums('yn', 'xn', 'ref_t', 'true')),
			"parallel: corr $got[1] is exact");
	}
}

my $e = compare('flat', 'x', 'horizontal');
is($e->[0], '', 'horizontal line: corr is NULL');
is($e->[5], '1', 'horizontal line: r2 is 1');
$e = compare('y', 'flat', 'vertical');
is($e->[3], '', 'vertical line: slope is NULL');
# only node_a has a row, or no member has one: fewer than min_parties (3)
# members contribute, so every aggregate is NULL, smpc_regr_count too
foreach my $case ([ 'one-row', "id = 2 AND current_setting('port')::int = " . $node_a->port ],
	[ 'no-rows', 'false' ])
{
	my ($label, $where) = @$case;
	my $smpc = join(', ', map { "smpc_$_(y, x, 'g', '$label-$_') IS NULL" } @aggs);
	my $res = run_on_all(\@nodes, "SELECT $smpc FROM t WHERE $where");
	is($_->{stdout}, join('|', ('t') x @aggs), "$label: every aggregate NULL at " . $_->{node}->name)
	  foreach @$res;
}

ok( poll_until(
		$node_a,
		"SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'suppressed') || ' ' || "
		  . "bool_and(status IN ('succeeded', 'suppressed')) FROM smpc.history WHERE aggregate = 'regression'",
		(11 * 7 + 2) . ' ' . (2 * 7) . ' true', 10),
	'every two-variable computation completed and was recorded as "regression", those over too few contributors as suppressed');

done_testing();
