
# smpc_min and smpc_max with real servers, 3 then 5 of them, compared with
# PostgreSQL's own min() and max() over the pooled rows of all members:
# every input type, NULLs, negative values, a member without rows, no rows
# anywhere, equal extremes at several members, the extreme values of each
# type (infinities, NaN, the int8 limits, numeric's special values),
# floating-point zeros, numeric display scales, GROUP BY with labels and
# the history rows.  Members that compare different types disagree, and a
# group without an honest majority cannot compare at all.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my $DB = 'postgres';

# A group of all @nodes with the given min_parties and max_colluders.
sub setup_group_colluders
{
	my ($group, $min_parties, $max_colluders, $nodes) = @_;

	foreach my $node (@$nodes)
	{
		my $sql =
		  "SELECT smpc.create_peer_group('$group', min_parties => $min_parties, "
		  . "max_colluders => $max_colluders);\n";
		foreach my $other (@$nodes)
		{
			next if $other == $node;
			$sql .= sprintf("SELECT smpc.add_peer('%s', '%s', \$ci\$%s\$ci\$, '%s');\n",
				$group, $other->name, SmpcTest::peer_conninfo($other),
				$other->{smpc_key});
		}
		$node->safe_psql($DB, $sql);
	}
	wait_group_ready($nodes, $group);
	return;
}

# Run $smpc_sql on every node at once; each must give $expected.
sub check_all
{
	my ($what, $nodes, $smpc_sql, $expected) = @_;
	my $res = run_on_all($nodes, $smpc_sql);
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "$what: succeeds at $name") or diag($r->{stderr});
		is($r->{stdout}, $expected, "$what: result at $name");
	}
	return;
}

# Both smpc aggregates of every column, in one query, and the same with
# min() and max() over the pooled table.
sub both_queries
{
	my ($cols, $label, $from, $where) = @_;
	$where = defined $where ? " WHERE $where" : '';
	my $smpc = 'SELECT '
	  . join(', ', map { "smpc_min($_, 'g', '$label-$_'), smpc_max($_, 'g', '$label-$_')" } @$cols)
	  . " FROM $from$where";
	my $plain = 'SELECT ' . join(', ', map { "min($_), max($_)" } @$cols) . " FROM ref_$from$where";
	return ($smpc, $plain);
}

my @cols = qw(i2 i4 i8 n f4 f8 d ts tz eq nc);
my $columns =
    'id int, node text, dept text, i2 int2, i4 int4, i8 int8, n numeric(20,4), '
  . 'f4 float4, f8 float8, d date, ts timestamp, tz timestamptz, eq int4, nc numeric';

# Rows of member number $o: NULLs in every column, negative values, the
# same extremes (1000 and -1000) of eq at every member, and nc NULL at the
# third member.
sub member_rows
{
	my ($o, $name, $nrows) = @_;
	return qq{
		SELECT g, '$name', (ARRAY['eng', 'ops', 'hr'])[1 + (g + $o) % 3],
			CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37 * $o) % 20001 - 10000 END,
			CASE WHEN g % 5 = $o THEN NULL ELSE (g * 7919 * $o) % 2000001 - 1000000 END,
			CASE WHEN g % 6 = 0 THEN NULL
				 ELSE g::bigint * 30000000000007 * $o * (1 - 2 * (g % 2)) END,
			CASE WHEN g % 4 = 0 THEN NULL
				 ELSE round(((g * 104729 * $o) % 99991)::numeric / 7 - 7000, 4) END,
			CASE WHEN g % 9 = 0 THEN NULL ELSE ((g * 31 * $o) % 1001 - 500)::float4 / 7 END,
			CASE WHEN g % 8 = 0 THEN NULL ELSE ((g * 17 * $o) % 10007 - 5000)::float8 / 3.3 END,
			CASE WHEN g % 10 = 0 THEN NULL
				 ELSE date '2000-01-01' + ((g * 113 * $o) % 20000 - 10000) END,
			CASE WHEN g % 11 = 0 THEN NULL
				 ELSE timestamp '2000-01-01' + ((g * 7919 * $o) % 1000000 - 500000) * interval '61.5 seconds' END,
			CASE WHEN g % 12 = 0 THEN NULL
				 ELSE timestamptz '2000-01-01 00:00+00' + ((g * 104729 * $o) % 1000000 - 500000) * interval '1.000025 seconds' END,
			CASE WHEN g = 1 THEN 1000 WHEN g = 2 THEN -1000 WHEN g % 3 = 0 THEN NULL ELSE g % 100 END,
			CASE WHEN $o = 3 THEN NULL ELSE round((g * $o - 50) / 4.0, 2) END
		FROM generate_series(1, $nrows) g
		ORDER BY md5(g::text || '$o')};
}

# ---- three servers ----

my @nodes = create_nodes(3, group => 'g_default');
my ($node_a, $node_b, $node_c) = @nodes;
setup_group_colluders('g', 2, 1, \@nodes);
setup_group_colluders('g_weak', 2, 2, \@nodes);

my %nrows = (node_a => 60, node_b => 45, node_c => 80);
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table($node, 't', $columns, member_rows($o, $node->name, $nrows{ $node->name }));
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);

# every type at once: 22 computations in one query
my ($smpc, $plain) = both_queries(\@cols, 'all', 't');
check_all('every type', \@nodes, $smpc, $node_a->safe_psql($DB, $plain));

# a member without rows: the others' extremes
($smpc, $plain) = both_queries([qw(i4 n f8 ts)], 'no-c', 't', "node <> 'node_c'");
check_all('node_c without rows', \@nodes, $smpc, $node_a->safe_psql($DB, $plain));

# a member whose rows are all NULL for the column, with a filter
($smpc, $plain) = both_queries([qw(nc eq)], 'filtered', 't', 'id % 2 = 1');
check_all('filtered, nc NULL at node_c', \@nodes, $smpc, $node_a->safe_psql($DB, $plain));

# no rows anywhere: NULL
($smpc, $plain) = both_queries([qw(i2 n f4 d tz)], 'none', 't', 'false');
check_all('no rows anywhere', \@nodes, $smpc, '|' x 9);
is($node_a->safe_psql($DB, $plain), '|' x 9, 'min() and max() agree: no rows, NULL');
($smpc, $plain) = both_queries([qw(i8)], 'nulls', 't', 'i8 IS NULL');
check_all('only NULLs anywhere', \@nodes, $smpc, '|');

# GROUP BY with the group's key as the label (the form of 0.2): one
# computation for the whole query
my $group_sql =
    "SELECT dept, smpc_min(i4, 'g', dept), smpc_max(n, 'g', dept), smpc_max(tz, 'g', dept || '+') "
  . "FROM t GROUP BY dept ORDER BY dept";
check_all('GROUP BY dept', \@nodes, $group_sql,
	$node_a->safe_psql($DB,
		'SELECT dept, min(i4), max(n), max(tz) FROM ref_t GROUP BY dept ORDER BY dept'));

# the extreme values of each type, spread over the members
my $xcolumns =
  'node text, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8, d date, ts timestamp, tz timestamptz';
my %xrows = (
	node_a => q{('node_a', -32768, -2147483648, -9223372036854775808, '-Infinity', '-Infinity',
				'-Infinity', '-infinity', '-infinity', '-infinity'),
			   ('node_a', 1, 1, 1, -999999999999999.99999999, -3.4028235e38, -1.7976931348623157e308,
				'4714-11-24 BC', '4714-11-24 00:00 BC', '4714-11-24 00:00+00 BC')},
	node_b => q{('node_b', 32767, 2147483647, 9223372036854775807, 'NaN', 'NaN', 'NaN',
				'infinity', 'infinity', 'infinity'),
			   ('node_b', 0, 0, 0, 999999999999999.99999999, 1e-45, 5e-324,
				'5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00')},
	node_c => q{('node_c', -1, -1, -1, 'Infinity', 'Infinity', 'Infinity',
				'2000-01-01', '2000-01-01', '2000-01-01 00:00+00'),
			   ('node_c', 5, 5, 5, -0.00000001, -1e-45, -5e-324, NULL, NULL, NULL)},);
load_table($_, 'x', $xcolumns, 'VALUES ' . $xrows{ $_->name }) foreach @nodes;
pool_table($node_a, 'ref_x', $xcolumns, 'x', \@nodes);
my @xcols = qw(i2 i4 i8 n f4 f8 d ts tz);
($smpc, $plain) = both_queries(\@xcols, 'extremes', 'x');
my $xexp = $node_a->safe_psql($DB, $plain);
check_all('extreme values', \@nodes, $smpc, $xexp);
like($xexp, qr/^-32768\|32767\|-2147483648\|2147483647\|-9223372036854775808\|9223372036854775807\|-Infinity\|NaN\|-Infinity\|NaN\|-Infinity\|NaN\|-infinity\|infinity\|/,
	'the extremes are the limits of each type');
# without node_b's NaN and +infinity: the largest finite values and +Infinity
($smpc, $plain) = both_queries(\@xcols, 'extremes-no-b', 'x', "node <> 'node_b'");
check_all('extreme values without node_b', \@nodes, $smpc, $node_a->safe_psql($DB, $plain));
# only the finite rows: the finite limits of numeric, float and time
($smpc, $plain) = both_queries(\@xcols, 'finite', 'x', "i2 NOT IN (-32768, 32767, -1)");
my $finite = $node_a->safe_psql($DB, $plain);
check_all('finite extremes', \@nodes, $smpc, $finite);
is( $finite,
	'0|5|0|5|0|5|-999999999999999.99999999|999999999999999.99999999|-3.4028235e+38|1e-45|'
	  . '-1.7976931348623157e+308|5e-324|4714-11-24 BC|5874897-12-31|4714-11-24 00:00:00 BC|'
	  . '294276-12-31 23:59:59.999999|'
	  . $node_a->safe_psql($DB,
		"SELECT '4714-11-24 00:00+00 BC'::timestamptz || '|' || '294276-12-31 23:59:59.999999+00'::timestamptz"),
	'the finite extremes are what was entered');

# floating-point zeros: -0 and +0 are equal; smpc returns +0
my $zsql = q{SELECT smpc_min(f, 'g', 'zero') = 0 AND smpc_max(f, 'g', 'zero') = 0,
	smpc_min(f, 'g', 'zero'), smpc_max(f, 'g', 'zero'), smpc_min(r, 'g', 'zero4'), smpc_max(r, 'g', 'zero4') FROM z};
load_table($node_a, 'z', 'f float8, r float4', q{VALUES ('-0', '-0')});
load_table($node_b, 'z', 'f float8, r float4', q{VALUES ('0', '-0'), (NULL, NULL)});
load_table($node_c, 'z', 'f float8, r float4', q{VALUES ('-0', '0')});
check_all('zeros', \@nodes, $zsql, 't|0|0|0|0');
is($node_b->safe_psql($DB, 'SELECT min(f) = 0, max(f) = 0 FROM z'), 't|t',
	'PostgreSQL holds -0 and +0 equal');

# numeric display scale: the largest of all members' rows
load_table($node_a, 's', 'n numeric', q{VALUES (1.5), (-2)});
load_table($node_b, 's', 'n numeric', q{VALUES (2.25)});
load_table($node_c, 's', 'n numeric', q{VALUES (0.125), (-3), (NULL)});
check_all('numeric display scale', \@nodes,
	"SELECT smpc_min(n, 'g', 'scale'), smpc_max(n, 'g', 'scale') FROM s", '-3.000|2.250');
check_all('numeric display scale without node_c', \@nodes,
	"SELECT smpc_min(n, 'g', 'scale2'), smpc_max(n, 'g', 'scale2') FROM s WHERE n > 1", '1.50|2.25');

# members comparing different types disagree
my $mixed = run_parallel(
	[ $node_a, "SELECT smpc_max(i4, 'g', 'mixed') FROM t" ],
	[ $node_b, "SELECT smpc_max(i8, 'g', 'mixed') FROM t" ],
	[ $node_c, "SELECT smpc_max(i4, 'g', 'mixed') FROM t" ]);
foreach my $r (@$mixed)
{
	my $name = $r->{node}->name;
	isnt($r->{rc}, 0, "int4 against int8: fails at $name");
	like($r->{stderr}, qr/members of peer group "g" disagree on the computation/,
		"int4 against int8: disagreement at $name");
	like($r->{stderr}, qr/node_b/, "int4 against int8: the error at $name names node_b")
	  unless $r->{node} == $node_b;
	unlike($r->{stderr}, qr/timed out/, "int4 against int8: $name does not wait for the timeout");
}
$mixed = run_parallel(
	[ $node_a, "SELECT smpc_min(f8, 'g', 'mixed2') FROM t" ],
	[ $node_b, "SELECT smpc_min(f8, 'g', 'mixed2') FROM t" ],
	[ $node_c, "SELECT smpc_min(n, 'g', 'mixed2') FROM t" ]);
foreach my $r (@$mixed)
{
	my $name = $r->{node}->name;
	isnt($r->{rc}, 0, "float8 against numeric: fails at $name");
	like($r->{stderr}, qr/disagree on the computation/,
		"float8 against numeric: disagreement at $name");
	unlike($r->{stderr}, qr/timed out/, "float8 against numeric: $name does not wait for the timeout");
}

# no honest majority: 3 members tolerating 2 colluders (explicitly, and
# by default: NULL is all members but one)
foreach my $group (qw(g_weak g_default))
{
	foreach my $agg (qw(smpc_min smpc_max))
	{
		my $res = run_on_all(\@nodes, "SELECT $agg(i4, '$group', 'weak') FROM t");
		foreach my $r (@$res)
		{
			my $name = $r->{node}->name;
			isnt($r->{rc}, 0, "$agg in $group: fails at $name");
			like($r->{stderr}, qr/max_colluders/, "$agg in $group: the error names max_colluders at $name");
			like($r->{stderr}, qr/half/, "$agg in $group: the error says half the members at $name");
			like($r->{stderr}, qr/HINT:  Create the group again with max_colluders => 1 or less\./,
				"$agg in $group: the hint gives the largest max_colluders at $name");
			unlike($r->{stderr}, qr/timed out/, "$agg in $group: $name does not wait for the timeout");
		}
	}
}

# the history: every computation in g succeeded with all three members,
# except the disagreements; the GROUP BY is one computation
my $participants = '{node_a,node_b,node_c}';
foreach my $node (@nodes)
{
	my $name = $node->name;
	ok( poll_until(
			$node,
			"SELECT count(*) FROM smpc.history WHERE group_name = 'g' AND aggregate = 'group by'",
			'1', 30),
		"$name: history has the GROUP BY computation");
	is( $node->safe_psql(
			$DB, qq{
			SELECT string_agg(label || ':' || aggregate || ':' || status || ':' || participants::text,
							  ' ' ORDER BY label, aggregate)
			FROM smpc.history WHERE group_name = 'g' AND aggregate = 'group by'}),
		":group by:succeeded:$participants",
		"$name: GROUP BY history row");
	is( $node->safe_psql(
			$DB, qq{
			SELECT count(*) FROM smpc.history
			WHERE group_name = 'g' AND label LIKE 'all-%' AND status = 'succeeded'
			  AND participants = '$participants' AND aggregate IN ('min', 'max')}),
		'22', "$name: 22 successful computations for the query over every type");
	is( $node->safe_psql(
			$DB, qq{
			SELECT count(*) FROM smpc.history
			WHERE group_name = 'g' AND label IN ('mixed', 'mixed2') AND status <> 'succeeded'}),
		'2', "$name: the disagreements are failures in the history");
}

$_->stop foreach @nodes;

# ---- five servers ----

my @five = create_nodes(5, group => 'g_default', names => [qw(node_p node_q node_r node_s node_t)]);
setup_group_colluders('g', 3, 2, \@five);
my %nrows5 = (node_p => 30, node_q => 55, node_r => 41, node_s => 66, node_t => 23);
$o = 0;
foreach my $node (@five)
{
	$o++;
	load_table($node, 't', $columns, member_rows($o, $node->name, $nrows5{ $node->name }));
}
pool_table($five[0], 'ref_t', $columns, 't', \@five);

($smpc, $plain) = both_queries(\@cols, 'all5', 't');
check_all('five members, every type', \@five, $smpc, $five[0]->safe_psql($DB, $plain));
# two members without rows: three contributors are enough (min_parties 3)
($smpc, $plain) = both_queries([qw(i8 f4 d)], 'three5', 't', "node NOT IN ('node_p', 'node_s')");
check_all('five members, two without rows', \@five, $smpc, $five[0]->safe_psql($DB, $plain));
# three members without rows: withheld
($smpc, $plain) = both_queries([qw(i8)], 'two5', 't', "node IN ('node_q', 'node_r')");
check_all('five members, only two with rows', \@five, $smpc, '|');
check_all('five members, GROUP BY', \@five,
	"SELECT dept, smpc_max(eq, 'g', dept), smpc_min(f8, 'g', dept) FROM t GROUP BY dept ORDER BY dept",
	$five[0]->safe_psql($DB, 'SELECT dept, max(eq), min(f8) FROM ref_t GROUP BY dept ORDER BY dept'));

$_->stop foreach @five;
done_testing();
