
# Three nodes: the two-variable aggregates (smpc_corr, smpc_covar_pop,
# smpc_covar_samp, smpc_regr_slope, smpc_regr_intercept, smpc_regr_r2,
# smpc_regr_count) compared with PostgreSQL's own over the pooled rows:
# within 1e-9 relative, exactly for the count; rows with a NULL on either
# side are skipped; degenerate lines and tiny inputs give PostgreSQL's NULLs.

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

my $columns = 'id int, x float8, y float8, flat float8, big float8';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	my $rows = 40 + 53 * $o;
	# y grows with x plus deterministic noise; big has a mean of 10^8
	load_table(
		$node, 't', $columns, qq{
		SELECT g,
			CASE WHEN g % 8 = $o THEN NULL ELSE ((g * 37 * $o) % 1001)::float8 / 8 - 60 END,
			CASE WHEN g % 9 = $o THEN NULL
				 ELSE 2.5 * (((g * 37 * $o) % 1001)::float8 / 8 - 60) + ((g * 91 + $o) % 257)::float8 / 16 END,
			7.25,
			1e8::float8 + ((g * 13 * $o) % 2048)::float8 / 256
		FROM generate_series(1, $rows) g});
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);

my @aggs = qw(corr covar_pop covar_samp regr_slope regr_intercept regr_r2 regr_count);

sub compare
{
	my ($y, $x, $label, $where, $ref) = @_;
	$where //= 'true';
	$ref //= 'ref_t';
	my $smpc = join(', ', map { "smpc_$_($y, $x, 'g', '$label-$_')" } @aggs);
	my $plain = join(', ', map { "$_($y, $x)" } @aggs);
	my @expected = split /\|/, $node_a->safe_psql('postgres', "SELECT $plain FROM $ref WHERE $where"), -1;
	my $res = run_on_all(\@nodes, "SELECT $smpc FROM t WHERE $where");
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "$label: succeeds at $name") or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout}, -1;
		for my $i (0 .. $#aggs)
		{
			if ($expected[$i] eq '' || $aggs[$i] eq 'regr_count')
			{
				is($got[$i], $expected[$i], "$label: smpc_$aggs[$i] at $name is '$expected[$i]'");
			}
			else
			{
				ok(float_close($got[$i], $expected[$i], 1e-9),
					"$label: smpc_$aggs[$i] at $name is $got[$i], PostgreSQL says $expected[$i]");
			}
		}
	}
	return \@expected;
}

compare('y', 'x', 'y-x');
compare('x', 'y', 'x-y');
compare('big', 'x', 'big-x');
compare('y', 'big', 'y-big');
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
		(8 * 7) . ' ' . (2 * 7) . ' true', 10),
	'every two-variable computation completed and was recorded as "regression", those over too few contributors as suppressed');

done_testing();
