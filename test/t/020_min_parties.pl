
# min_parties counts the members that contribute: a member with no rows,
# or only NULL inputs, does not count.  When fewer than min_parties members
# contribute, every aggregate is NULL at every member (smpc_count too), and
# smpc.history says 'suppressed'.  Decided on shares before any value is
# opened: with as many members as min_parties by a linear test, otherwise
# by a masked product (in an n-of-n group over test elements shared at
# degree floor((n - 1) / 2); in an honest-majority group at its degree).

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = create_nodes(5, group => 'g5', min_parties => 3);
my $node_a = $nodes[0];
my @three = @nodes[ 0 .. 2 ];
my @four = @nodes[ 0 .. 3 ];
SmpcTest::setup_group('g3', 3, \@three);
SmpcTest::wait_group_ready(\@three, 'g3');
SmpcTest::setup_group('g4', 3, \@four);
SmpcTest::wait_group_ready(\@four, 'g4');
# an honest majority: the contributor test at the group's own degree
SmpcTest::setup_group('g5t', '3, max_colluders => 2', \@nodes);
SmpcTest::wait_group_ready(\@nodes, 'g5t');

my $columns = 'x int4, y float8, c text';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table(
		$node, 't', $columns, qq{
		SELECT g * $o, g * 0.5 + $o, (ARRAY['a', 'b', 'c'])[1 + g % 3]
		FROM generate_series(1, 3 + $o) g});
}

my $bounds = 'ARRAY[2, 4]::float8[]';
my $cats = "ARRAY['a', 'b']";

# every aggregate family, each under its own label
sub aggregates
{
	my ($g, $from) = @_;
	return qq{SELECT smpc_sum(x, '$g', 'l1') IS NULL, smpc_avg(x, '$g', 'l2') IS NULL,
		smpc_count(x, '$g', 'l3') IS NULL, smpc_var_samp(x, '$g', 'l4') IS NULL,
		smpc_regr_slope(y, x::float8, '$g', 'l5') IS NULL,
		smpc_regr_count(y, x::float8, '$g', 'l6') IS NULL,
		smpc_histogram(y, '$g', $bounds, 'l7') IS NULL,
		smpc_frequencies(c, '$g', $cats, 'l8') IS NULL,
		smpc_count_rows('$g', 'l9') IS NULL FROM $from};
}

# members listed in @$empty run over no rows, those in @$nulls over only
# NULL inputs (which count_rows still counts), the rest over their table
sub run_group
{
	my ($g, $members, $empty, $nulls, $sql) = @_;
	my @jobs;
	foreach my $node (@$members)
	{
		my $from = 't';
		$from = 't WHERE false' if grep { $_ == $node } @$empty;
		$from = '(SELECT NULL::int4 AS x, NULL::float8 AS y, NULL::text AS c FROM t) s'
		  if grep { $_ == $node } @$nulls;
		push @jobs, [ $node, $sql->($g, $from) ];
	}
	return run_parallel(@jobs);
}

my $all_null = join('|', ('t') x 9);

# three members, min_parties 3: one without rows
my $res = run_group('g3', \@three, [ $nodes[2] ], [], \&aggregates);
foreach my $r (@$res)
{
	is($r->{rc}, 0, 'g3, node_c has no rows: succeeds at ' . $r->{node}->name)
	  or diag($r->{stderr});
	is($r->{stdout}, $all_null, 'g3, node_c has no rows: every aggregate is NULL at ' . $r->{node}->name);
}
foreach my $node (@three)
{
	ok( poll_until(
			$node,
			"SELECT count(*) || ' ' || string_agg(DISTINCT status || ': ' || error, ',') FROM smpc.history WHERE group_name = 'g3'",
			'9 suppressed: fewer than min_parties members contributed', 10),
		'g3: history records every computation as suppressed, with the reason, at ' . $node->name);
}

# one with only NULL inputs: it does not count either (count_rows counts
# its rows, so that one is released: the exact row count)
$res = run_group('g3', \@three, [], [ $nodes[1] ], \&aggregates);
my $rows = 4 + 5 + 6;
foreach my $r (@$res)
{
	is($r->{stdout}, join('|', ('t') x 8, 'f'),
		'g3, node_b has only NULLs: NULL but for count_rows at ' . $r->{node}->name)
	  or diag($r->{stderr});
}
$res = run_parallel(map { [ $_, "SELECT smpc_count_rows('g3', 'rows') FROM (SELECT NULL::int4 AS x FROM t) s" ] } @three);
is($_->{stdout}, $rows, 'g3: count_rows over rows of NULLs is exact at ' . $_->{node}->name) foreach @$res;

# the exact values, for the groups that release them
sub exact
{
	my ($g, $from) = @_;
	return qq{SELECT smpc_sum(x, '$g', 'e1'), smpc_avg(x, '$g', 'e2'), smpc_count(x, '$g', 'e3'),
		smpc_histogram(y, '$g', $bounds, 'e4'), smpc_frequencies(c, '$g', $cats, 'e5') FROM $from};
}

sub expected
{
	my (@members) = @_;
	my $union = join(' UNION ALL ', map { "SELECT $_ AS o, g FROM generate_series(1, 3 + $_) g" } @members);
	return $node_a->safe_psql('postgres', qq{
		WITH r AS (SELECT g * o AS x, g * 0.5 + o AS y, (ARRAY['a', 'b', 'c'])[1 + g % 3] AS c FROM ($union) u)
		SELECT sum(x), avg(x), count(x),
			(SELECT array_agg(n ORDER BY b) FROM (SELECT b, (SELECT count(*) FROM r WHERE width_bucket(y, $bounds) = b) n
				FROM generate_series(0, 2) b) h),
			(SELECT array_agg(n ORDER BY i) FROM (SELECT i, (SELECT count(*) FROM r WHERE c = ($cats)[i]) n
				FROM generate_series(1, 2) i UNION ALL
				SELECT 3, (SELECT count(*) FROM r WHERE c <> ALL ($cats))) f)
		FROM r});
}

# four members, min_parties 3 (n-of-n, a product test): one empty member,
# three contribute: the exact result over their rows
$res = run_group('g4', \@four, [ $nodes[3] ], [], \&exact);
my $exp = expected(1, 2, 3);
foreach my $r (@$res)
{
	is($r->{stdout}, $exp, 'g4, node_d has no rows: exact at ' . $r->{node}->name)
	  or diag($r->{stderr});
}
# two empty members: withheld
$res = run_group('g4', \@four, [ $nodes[0], $nodes[3] ], [], \&exact);
is($_->{stdout}, '||||', 'g4, two members without rows: NULL at ' . $_->{node}->name)
  foreach @$res;

# five members, n-of-n, min_parties 3: three contribute, then two
$res = run_group('g5', \@nodes, [ $nodes[1] ], [ $nodes[4] ], \&exact);
$exp = expected(1, 3, 4);
is($_->{stdout}, $exp, 'g5, three of five contribute: exact at ' . $_->{node}->name) foreach @$res;
$res = run_group('g5', \@nodes, [ $nodes[0], $nodes[1] ], [ $nodes[4] ], \&exact);
is($_->{stdout}, '||||', 'g5, two of five contribute: NULL at ' . $_->{node}->name) foreach @$res;

# the same in the honest-majority group
$res = run_group('g5t', \@nodes, [ $nodes[2], $nodes[3] ], [], \&exact);
$exp = expected(1, 2, 5);
is($_->{stdout}, $exp, 'g5t, three of five contribute: exact at ' . $_->{node}->name) foreach @$res;
$res = run_group('g5t', \@nodes, [ $nodes[2], $nodes[3] ], [ $nodes[4] ], \&exact);
is($_->{stdout}, '||||', 'g5t, two of five contribute: NULL at ' . $_->{node}->name) foreach @$res;

foreach my $node (@nodes)
{
	ok( poll_until(
			$node,
			"SELECT string_agg(status, ',' ORDER BY started) FROM smpc.history WHERE group_name = 'g5t'",
			join(',', ('succeeded') x 5, ('suppressed') x 5), 10),
		'g5t: history at ' . $node->name);
}

done_testing();
