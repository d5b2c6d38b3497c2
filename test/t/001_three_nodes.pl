
# Three nodes, each with its own rows: every input type, NULLs, negative
# numbers, mixed numeric scales, a node with no rows (exact in a group with
# min_parties 2, NULL in one with min_parties 3), all nodes without rows,
# smpc_count and smpc_count_rows, two aggregates in one query, labels.
# Every result must equal the plain aggregate over the union of all nodes'
# rows (exact text; floating point within a relative 1e-9).

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
SmpcTest::setup_group('g2', 2, \@nodes);
SmpcTest::wait_group_ready(\@nodes, 'g2');

my $columns =
  'id int, i2 int2, i4 int4, i8 int8, num numeric, f4 float4, f8 float8, s text';

# Deterministic rows for node number $o with $n rows.  Every column has NULLs
# and negative values; numeric values have scales 0, 2 and 5 + $o; the
# float4 values are multiples of 0.25 so that every partial sum is exact in
# single precision (the native sum(float4) adds in single precision too).
sub rows_sql
{
	my ($o, $n) = @_;
	return qq{
	SELECT g,
		CASE WHEN g % 11 = 0 THEN NULL
			 ELSE ((g * 37 + $o * 101) % 65535 - 32767)::int2 END,
		CASE WHEN g % 13 = 0 THEN NULL
			 ELSE ((g::bigint * 2654435761 + $o * 7919) % 4294967295 - 2147483647)::int4 END,
		CASE WHEN g % 7 = 0 THEN NULL
			 WHEN g % 3 = 0 THEN -(9223372036854775807 - g * 1000003 - $o)
			 ELSE 9223372036854775807 - g * 1000003 - $o END,
		CASE g % 4 WHEN 0 THEN NULL
			 WHEN 1 THEN (g * $o - 500)::numeric
			 WHEN 2 THEN round((g * 1.37 - 100)::numeric, 2)
			 ELSE round(((g * 7919 % 100003) / 7.0 - 3000)::numeric, 5 + $o) END,
		CASE WHEN g % 9 = 0 THEN NULL
			 ELSE ((g * 13 + $o * 5) % 4000 - 1000)::float4 / 4 END,
		CASE WHEN g % 8 = 0 THEN NULL
			 ELSE sin(g + $o) * 1000 + 300 END,
		CASE WHEN g % 5 = 0 THEN NULL ELSE 'row ' || g END
	FROM generate_series(1, $n) g
	};
}

# different row counts per node
my %nrows = (node_a => 211, node_b => 347, node_c => 58);
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table($node, 't', $columns, rows_sql($o, $nrows{ $node->name }));
}
# a few extreme values: a numeric with scale 11 (trailing zeros count),
# a large numeric, and int2/int4 extremes
$node_b->safe_psql('postgres',
	"INSERT INTO t VALUES (1001, 32767, 2147483647, NULL, 98765432109876543210.5, NULL, NULL, NULL)"
);
$node_c->safe_psql('postgres',
	"INSERT INTO t VALUES (1002, -32768, -2147483648, -9223372036854775808, 0.10000000000, -0.25, -1e-3, 'x')"
);

# the same table with no rows at node_c, and a table without rows anywhere
load_table($node_a, 'part', $columns, 'SELECT * FROM t WHERE id % 2 = 0');
load_table($node_b, 'part', $columns, 'SELECT * FROM t WHERE id % 2 = 1');
load_table($node_c, 'part', $columns, undef);
load_table($_, 'nothing', $columns, undef) foreach @nodes;

# expected values: plain aggregates over the pooled rows, on node_a
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);
pool_table($node_a, 'ref_part', $columns, 'part', \@nodes);
pool_table($node_a, 'ref_nothing', $columns, 'nothing', \@nodes);

my %is_float = (f4 => 1, f8 => 1);

# Run $smpc_sql on every node at once; compare every node's output with
# $plain_sql on node_a, field by field ("|"-separated); $float_fields lists
# the field indexes compared with a tolerance.
sub check_joint
{
	my ($what, $smpc_sql, $plain_sql, $float_fields) = @_;
	my %float = map { $_ => 1 } @{ $float_fields || [] };
	my $expected = $node_a->safe_psql('postgres', $plain_sql);
	note("$what: expecting '$expected'");
	my $res = run_on_all(\@nodes, $smpc_sql);

	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		if ($r->{rc} != 0)
		{
			fail("$what at $name");
			diag("query: $smpc_sql\nrc: $r->{rc}\nstderr: $r->{stderr}");
			next;
		}
		if (!%float)
		{
			is($r->{stdout}, $expected, "$what at $name");
			next;
		}
		my @got = split /\|/, $r->{stdout}, -1;
		my @exp = split /\|/, $expected, -1;
		my $ok = @got == @exp;
		for my $i (0 .. $#exp)
		{
			last unless $ok;
			$ok = $float{$i}
			  ? float_close($got[$i], $exp[$i])
			  : $got[$i] eq $exp[$i];
		}
		ok($ok, "$what at $name")
		  or diag("got:      '$r->{stdout}'\nexpected: '$expected'");
	}
	return;
}

# smoke test: one aggregate
check_joint('smpc_sum(int4)', "SELECT smpc_sum(i4, 'g') FROM t",
	'SELECT sum(i4) FROM ref_t');

# every input type: sum, avg and count in one query (three computations)
foreach my $col (qw(i2 i4 i8 num f4 f8))
{
	check_joint(
		"sum/avg/count over $col",
		"SELECT smpc_sum($col, 'g'), smpc_avg($col, 'g'), smpc_count($col, 'g') FROM t",
		"SELECT sum($col), avg($col), count($col) FROM ref_t",
		$is_float{$col} ? [ 0, 1 ] : []);
}

# result types are those of the native aggregates
check_joint(
	'result types',
	"SELECT pg_typeof(smpc_sum(i2, 'g', 'ty2')), pg_typeof(smpc_sum(i4, 'g', 'ty4')), "
	  . "pg_typeof(smpc_sum(i8, 'g', 'ty8')), pg_typeof(smpc_sum(num, 'g', 'tyn')), "
	  . "pg_typeof(smpc_sum(f4, 'g', 'tyf4')), pg_typeof(smpc_sum(f8, 'g', 'tyf8')), "
	  . "pg_typeof(smpc_avg(i4, 'g', 'tya4')), pg_typeof(smpc_avg(f4, 'g', 'tyaf4')), "
	  . "pg_typeof(smpc_count(s, 'g', 'tyc')) FROM t",
	'SELECT pg_typeof(sum(i2)), pg_typeof(sum(i4)), pg_typeof(sum(i8)), '
	  . 'pg_typeof(sum(num)), pg_typeof(sum(f4)), pg_typeof(sum(f8)), '
	  . 'pg_typeof(avg(i4)), pg_typeof(avg(f4)), pg_typeof(count(s)) FROM ref_t');

# count of a non-numeric column and count of rows
check_joint('smpc_count(text)', "SELECT smpc_count(s, 'g') FROM t",
	'SELECT count(s) FROM ref_t');
check_joint('smpc_count_rows', "SELECT smpc_count_rows('g') FROM t",
	'SELECT count(*) FROM ref_t');
check_joint('smpc_count_rows with WHERE',
	"SELECT smpc_count_rows('g') FROM t WHERE i4 > 0",
	'SELECT count(*) FROM ref_t WHERE i4 > 0');

# two smpc aggregates of the same kind in one query, told apart by labels
check_joint(
	'two labelled sums in one query',
	"SELECT smpc_sum(i4, 'g', 'first'), smpc_sum(num, 'g', 'second') FROM t",
	'SELECT sum(i4), sum(num) FROM ref_t');
check_joint(
	'avg and count_rows in one query',
	"SELECT smpc_avg(num, 'g'), smpc_count_rows('g') FROM t",
	'SELECT avg(num), count(*) FROM ref_t');

# labels: a label with spaces and non-ASCII characters
check_joint(
	'labelled avg',
	"SELECT smpc_avg(i8, 'g', 'salary 2024 – Zürich') FROM t",
	'SELECT avg(i8) FROM ref_t');
foreach my $node (@nodes)
{
	ok( poll_until(
			$node,
			"SELECT count(*) FROM smpc.history WHERE label = 'salary 2024 – Zürich' "
			  . "AND aggregate = 'avg' AND status = 'succeeded' "
			  . "AND participants = '{node_a,node_b,node_c}'",
			'1', 30),
		$node->name . ': history records the labelled computation');
}

# parallel plans: partial aggregates in workers, combined in the leader
my @parallel = (
	'SET parallel_setup_cost = 0', 'SET parallel_tuple_cost = 0',
	'SET min_parallel_table_scan_size = 0', 'SET max_parallel_workers_per_gather = 2');
my $plan = $node_a->safe_psql('postgres',
	join(";\n", @parallel, "EXPLAIN (COSTS OFF) SELECT smpc_sum(i4, 'g') FROM t"));
like($plan, qr/Partial Aggregate/, 'a parallel plan is chosen for smpc_sum');
check_joint(
	'parallel aggregation',
	[ @parallel,
	  "SELECT smpc_sum(i8, 'g', 'par'), smpc_avg(num, 'g', 'par'), smpc_count(s, 'g', 'par'), smpc_sum(f8, 'g', 'par2') FROM t"
	],
	'SELECT sum(i8), avg(num), count(s), sum(f8) FROM ref_t',
	[3]);

# node_c has no rows
foreach my $col (qw(i2 i4 i8 num f4 f8))
{
	check_joint(
		"node_c without rows, min_parties 2: sum/avg/count over $col",
		"SELECT smpc_sum($col, 'g2'), smpc_avg($col, 'g2'), smpc_count($col, 'g2') FROM part",
		"SELECT sum($col), avg($col), count($col) FROM ref_part",
		$is_float{$col} ? [ 0, 1 ] : []);
}
check_joint('node_c without rows, min_parties 2: smpc_count_rows',
	"SELECT smpc_count_rows('g2') FROM part",
	'SELECT count(*) FROM ref_part');

# with min_parties 3, only two members contribute: no value is released,
# not even a count (NULL, where count() over no rows would give 0)
check_joint('node_c without rows, min_parties 3: nothing released',
	"SELECT smpc_sum(i4, 'g') IS NULL, smpc_avg(num, 'g') IS NULL, smpc_count(f8, 'g') IS NULL, "
	  . "smpc_count_rows('g') IS NULL FROM part",
	"SELECT 't|t|t|t'");

# no rows anywhere: nobody contributes, every aggregate is NULL
is( $node_a->safe_psql('postgres',
		'SELECT sum(i4) IS NULL, avg(num) IS NULL, count(f8) FROM ref_nothing'),
	't|t|0',
	'plain aggregates over no rows');
foreach my $col (qw(i2 i4 i8 num f4 f8))
{
	check_joint(
		"no rows anywhere: sum/avg/count over $col",
		"SELECT smpc_sum($col, 'g') IS NULL, smpc_avg($col, 'g') IS NULL, smpc_count($col, 'g') IS NULL FROM nothing",
		"SELECT 't|t|t'");
}
check_joint('no rows anywhere: smpc_count_rows',
	"SELECT smpc_count_rows('g') IS NULL FROM nothing",
	"SELECT 't'");

# after all that, every node agrees on what happened
foreach my $node (@nodes)
{
	ok( poll_until(
			$node,
			"SELECT count(*) FILTER (WHERE status NOT IN ('succeeded', 'suppressed')) || ' ' "
			  . "|| count(*) FILTER (WHERE status = 'suppressed' AND error = 'fewer than min_parties members contributed') "
			  . "FROM smpc.history",
			'0 23', 10),
		$node->name . ': no failed computation in smpc.history, 23 suppressed');
}

$_->stop foreach @nodes;
done_testing();
