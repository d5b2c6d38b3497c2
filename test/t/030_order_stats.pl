
# Order statistics and the auction clearing price with three real servers,
# compared with PostgreSQL's own percentile_disc and percentile_cont, and
# with the plain SQL definition of the clearing price, over the rows of
# all members pooled into one table:
#   smpc_percentile_disc, scalar and array forms, over every type smpc_min
#   takes (int2, int4, int8, numeric of several display scales, float4,
#   float8, date, timestamp, timestamptz) and over each type's extreme
#   values; smpc_percentile_cont (float8) and smpc_median (int2, int4,
#   int8, numeric, float4, float8); fractions 0, 1, 0.5, the quartiles,
#   0.9, fractions whose rank PostgreSQL rounds up in float8, NULL
#   fractions and arrays of any shape; NULL rows, a member without rows,
#   a member whose rows are all NULL, no rows anywhere, rows at one member
#   only (withheld: min_parties 2), all-equal values, duplicates around
#   the percentile boundaries, negative values; labels, and one query per
#   department with the department as the label in place of GROUP BY;
#   the clearing price over grids that clear at a tie, that never clear,
#   that are unsorted with repeated prices, and of 10,000 prices;
#   smpc_clearing_volume, refused (55000) until every member allows it.
# Errors: order statistics in a GROUP BY query (0A000), members with other
# fractions, another input type or another grid (the error names the other
# member, nothing waits for the timeout), and a group of two members (no
# honest majority).

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my $DB = 'postgres';

# g: min_parties 2 and an honest majority (comparisons need it)
my @nodes = create_nodes(3, group => 'g', min_parties => '2, max_colluders => 1');
my ($node_a, $node_b, $node_c) = @nodes;
# two members only: no honest majority
SmpcTest::setup_group('pair', 2, [ $node_a, $node_b ]);
wait_group_ready([ $node_a, $node_b ], 'pair');

my $MIN_PARTIES = 2;

# ---- the helpers ----

# A case: the smpc expression (LBL becomes a label of its own), PostgreSQL's
# expression over the pooled rows, the column whose non-NULL rows count
# (for min_parties), the result type, and null => 1 when PostgreSQL's value
# is meant to be NULL (otherwise it must not be: a comparison of NULL with
# NULL proves little).
sub case
{
	my ($smpc, $plain, $col, $type, %f) = @_;
	return { smpc => $smpc, plain => $plain, col => $col, type => $type, %f };
}

sub disc
{
	my ($frac, $col, $type, %f) = @_;
	my $t = $frac =~ /^ARRAY|^'|\[\]$/ ? "${type}[]" : $type;
	return case("smpc_percentile_disc($frac, 'g', 'LBL') WITHIN GROUP (ORDER BY $col)",
		"percentile_disc($frac) WITHIN GROUP (ORDER BY $col)", $col, $t, %f);
}

sub cont
{
	my ($frac, $col, %f) = @_;
	my $t = $frac =~ /^ARRAY|^'|\[\]$/ ? 'float8[]' : 'float8';
	return case("smpc_percentile_cont($frac, 'g', 'LBL') WITHIN GROUP (ORDER BY $col)",
		"percentile_cont($frac) WITHIN GROUP (ORDER BY $col)", $col, $t, %f);
}

sub median
{
	my ($col, %f) = @_;
	return case("smpc_median($col, 'g', 'LBL')",
		"percentile_cont(0.5) WITHIN GROUP (ORDER BY ($col)::float8)", $col, 'float8', %f);
}

my $query_no = 0;

# The smpc query of @$cases over $from [WHERE $where], each LBL replaced by
# a label of its own (prefix $tag).
sub smpc_sql
{
	my ($cases, $from, $where, $tag) = @_;
	$query_no++;
	$tag //= "q$query_no";
	my $i = 0;
	my @exprs = map { $i++; (my $s = $_->{smpc}) =~ s/LBL/$tag-$i/g; $s } @$cases;
	my $sql = 'SELECT ' . join(', ', @exprs) . " FROM $from";
	$sql .= " WHERE $where" if defined $where;
	return $sql;
}

# PostgreSQL's value of one case over the pooled table: NULL when fewer
# than min_parties members have rows that count.
sub expected_expr
{
	my ($c, $min) = @_;
	return "CASE WHEN count(DISTINCT m) FILTER (WHERE ($c->{col}) IS NOT NULL) >= $min "
	  . "THEN $c->{plain} END";
}

sub sql_literal
{
	my ($v) = @_;
	return 'NULL' if !defined $v || $v eq '';
	$v =~ s/'/''/g;
	return "'$v'";
}

# Check the psql results $res of smpc_sql($cases, ...) against PostgreSQL's
# values over the pooled table $o{ref} [WHERE $o{where}] at $node_a: every
# value equal (numerics by value, arrays element by element, NULLs alike),
# and the same text at every member.
sub verify
{
	my ($what, $res, $cases, %o) = @_;
	my $ref = $o{ref} // 'ref_t';
	my $min = $o{min_parties} // $MIN_PARTIES;
	my $where = defined $o{where} ? " WHERE $o{where}" : '';
	my @exp = map { expected_expr($_, $min) } @$cases;

	my $pg = $node_a->safe_psql($DB,
		'SELECT ' . join(', ', map { "($_)::text" } @exp) . " FROM $ref$where");
	my @pg = split /\|/, $pg, -1;
	my $nulls = $node_a->safe_psql($DB,
		'SELECT ' . join(', ', map { "($_) IS NULL" } @exp) . " FROM $ref$where");
	my @nulls = split /\|/, $nulls, -1;
	foreach my $i (0 .. $#$cases)
	{
		my $want = $cases->[$i]{null} ? 't' : 'f';
		is($nulls[$i], $want,
			"$what: PostgreSQL's value of case " . ($i + 1) . ' is ' . ($want eq 't' ? '' : 'not ') . 'NULL')
		  or diag("$cases->[$i]{plain}: $pg[$i]");
	}

	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "$what: succeeds at $name") or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout}, -1;
		is(scalar(@got), scalar(@$cases), "$what: one value per case at $name");
		next unless @got == @$cases;
		my $cmp = $node_a->safe_psql($DB,
			'SELECT '
			  . join(', ',
				map { "(" . sql_literal($got[$_]) . "::$cases->[$_]{type}) IS NOT DISTINCT FROM ($exp[$_])" }
				  0 .. $#$cases)
			  . " FROM $ref$where");
		my @cmp = split /\|/, $cmp, -1;
		my @bad = grep { $cmp[$_] ne 't' } 0 .. $#$cases;
		ok(!@bad, "$what: every value equals PostgreSQL's at $name");
		diag("case " . ($_ + 1) . " ($cases->[$_]{smpc}): got '$got[$_]', PostgreSQL '$pg[$_]'")
		  foreach @bad;
	}
	foreach my $r (@$res[ 1 .. $#$res ])
	{
		is($r->{stdout}, $res->[0]{stdout},
			"$what: the same text at " . $r->{node}->name . ' as at ' . $res->[0]{node}->name);
	}
	return;
}

# Run the cases at every member at once, each over $from [WHERE $where]
# (the same condition picks the pooled rows: the tables have the member
# number m), and verify.
sub check_cases
{
	my ($what, $cases, %o) = @_;
	my $from = $o{from} // 't';
	my $res = run_on_all(\@nodes, smpc_sql($cases, $from, $o{where}, $o{tag}));
	verify($what, $res, $cases, ref => "ref_$from", %o);
	return $res;
}

# A failure at every member of @$res: rc not 0, the error matching $re,
# the error naming another member when $names_other, and no timeout.
sub check_fails
{
	my ($what, $res, $re, $names_other) = @_;
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "$what: fails at $name");
		isnt($r->{rc}, -1, "$what: psql at $name does not hang");
		like($r->{stderr}, $re, "$what: the error at $name");
		unlike($r->{stderr}, qr/timed out/, "$what: $name does not wait for the timeout");
		if ($names_other)
		{
			my @others = grep { $_ ne $name } map { $_->{node}->name } @$res;
			my $alt = join('|', @others);
			like($r->{stderr}, qr/\b($alt)\b/, "$what: the error at $name names another member");
		}
	}
	return;
}

# ---- the rows ----

my $columns =
    'm int, id int, dept text, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8, '
  . 'd date, ts timestamp, tz timestamptz, eq int4, dup int4, nc numeric';

# Rows of member $o: NULLs in every column, negative values, numerics with
# 0 to 6 decimal digits (more at some members than at others), eq the
# same value in every row, dup five values with many rows each, nc NULL in
# every row of the third member.
sub member_rows
{
	my ($o, $nrows) = @_;
	return qq{
		SELECT $o, g, (ARRAY['eng', 'ops', 'hr'])[1 + (g + $o) % 3],
			CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37 * $o) % 20001 - 10000 END,
			CASE WHEN g % 5 = $o THEN NULL ELSE (g * 7919 * $o) % 2000001 - 1000000 END,
			CASE WHEN g % 6 = 0 THEN NULL
				 ELSE g::bigint * 30000000000007 * $o * (1 - 2 * (g % 2)) END,
			CASE WHEN g % 4 = 0 THEN NULL
				 ELSE round(((g * 104729 * $o) % 99991)::numeric / 7 - 7000, (g + $o) % ($o + 2) * 2) END,
			CASE WHEN g % 9 = 0 THEN NULL ELSE ((g * 31 * $o) % 1001 - 500)::float4 / 7 END,
			CASE WHEN g % 8 = 0 THEN NULL ELSE ((g * 17 * $o) % 10007 - 5000)::float8 / 3.3 END,
			CASE WHEN g % 10 = 0 THEN NULL
				 ELSE date '2000-01-01' + ((g * 113 * $o) % 20000 - 10000) END,
			CASE WHEN g % 11 = 0 THEN NULL
				 ELSE timestamp '2000-01-01' + ((g * 7919 * $o) % 1000000 - 500000) * interval '61.5 seconds' END,
			CASE WHEN g % 12 = 0 THEN NULL
				 ELSE timestamptz '2000-01-01 00:00+00' + ((g * 104729 * $o) % 1000000 - 500000) * interval '1.000025 seconds' END,
			CASE WHEN g % 3 = 0 THEN NULL ELSE -42 END,
			CASE WHEN g % 13 = 0 THEN NULL ELSE (g * $o) % 5 - 2 END,
			CASE WHEN $o = 3 THEN NULL ELSE round((g * $o - 50) / 4.0, 2) END
		FROM generate_series(1, $nrows) g
		ORDER BY md5(g::text || '$o')};
}

my %nrows = (node_a => 60, node_b => 45, node_c => 80);
foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', $columns, member_rows($i + 1, $nrows{ $nodes[$i]->name }));
}
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);
is( $node_a->safe_psql($DB,
		'SELECT count(DISTINCT scale(n)), min(scale(n)), max(scale(n)), '
		  . 'count(*) FILTER (WHERE m = 3 AND nc IS NOT NULL), count(DISTINCT eq) FROM ref_t'),
	'5|0|8|0|1',
	'the numerics have 0 to 8 decimal digits; nc is NULL at node_c; eq is one value');

my @types = (
	[ i2 => 'int2' ], [ i4 => 'int4' ], [ i8 => 'int8' ], [ n => 'numeric' ],
	[ f4 => 'float4' ], [ f8 => 'float8' ], [ d => 'date' ], [ ts => 'timestamp' ],
	[ tz => 'timestamptz' ]);
my $quartiles = 'ARRAY[0, 0.25, 0.5, 0.75, 0.9, 1]';

# ---- every type, the scalar and the array form ----

my %scalar_frac = (i2 => 0.5, i4 => 0.25, i8 => 0.75, n => 0.5, f4 => 0.9, f8 => 0, d => 1,
	ts => 0.5, tz => 0.75);
check_cases('every type, one fraction',
	[ map { disc($scalar_frac{ $_->[0] }, $_->[0], $_->[1]) } @types ]);
check_cases('every type, quartiles, 0.9, 0 and 1',
	[ map { disc($quartiles, $_->[0], $_->[1]) } @types ]);

# the numeric result has the largest display scale of all members' rows
{
	my $res = run_on_all(\@nodes,
		"SELECT scale(smpc_percentile_disc(0.5, 'g', 'scale') WITHIN GROUP (ORDER BY n)) FROM t");
	my $want = $node_a->safe_psql($DB, 'SELECT max(scale(n)) FROM ref_t');
	is($_->{stdout}, $want, 'numeric: the display scale is the largest of the rows at ' . $_->{node}->name)
	  foreach @$res;
}

# percentile_cont and the median
check_cases('percentile_cont and smpc_median',
	[
		cont('0.5', 'f8'), cont('0.3', 'f8'), cont($quartiles, 'f8'), cont('0.75', 'i4'),
		median('i2'), median('i4'), median('i8'), median('n'), median('f4'), median('f8'),
	]);

# the forms without a label, two in one query
check_cases('without labels',
	[
		case("smpc_percentile_disc(0.5, 'g') WITHIN GROUP (ORDER BY i4)",
			'percentile_disc(0.5) WITHIN GROUP (ORDER BY i4)', 'i4', 'int4'),
		case("smpc_percentile_cont(ARRAY[0.1, 0.6], 'g') WITHIN GROUP (ORDER BY f8)",
			'percentile_cont(ARRAY[0.1, 0.6]) WITHIN GROUP (ORDER BY f8)', 'f8', 'float8[]'),
		case("smpc_median(n, 'g')", 'percentile_cont(0.5) WITHIN GROUP (ORDER BY n::float8)', 'n', 'float8'),
	]);

# all-equal values, many duplicates, a member whose rows are all NULL
check_cases('all equal, duplicates, NULL at one member',
	[
		disc($quartiles, 'eq', 'int4'), median('eq'), cont('0.37', 'eq'),
		disc("ARRAY[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]", 'dup', 'int4'),
		cont("ARRAY[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]", 'dup'),
		disc($quartiles, 'nc', 'numeric'), median('nc'),
	]);

# NULL fractions: NULL, or NULL in their place; arrays keep their shape
check_cases('NULL fractions and the shape of arrays',
	[
		disc('NULL::float8', 'i4', 'int4', null => 1),
		disc('NULL::float8[]', 'n', 'numeric', null => 1),
		disc('ARRAY[0.5, NULL, 0.25]', 'i8', 'int8'),
		disc('ARRAY[[0.1, 0.2], [0.3, NULL], [1, 0]]', 'd', 'date'),
		cont('ARRAY[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]', 'f8'),
		disc('ARRAY[NULL, NULL]::float8[]', 'f4', 'float4'),
		disc("'{}'::float8[]", 'tz', 'timestamptz'),
		disc("'[0:2]={0.2,0.4,0.6}'::float8[]", 'i2', 'int2'),
	]);
{
	my $res = run_on_all(\@nodes,
		"SELECT smpc_percentile_disc(ARRAY[[0.1, 0.2], [0.3, NULL], [1, 0]], 'g', 'shape') "
		  . "WITHIN GROUP (ORDER BY i4) FROM t");
	my $want = $node_a->safe_psql($DB,
		'SELECT percentile_disc(ARRAY[[0.1, 0.2], [0.3, NULL], [1, 0]]) WITHIN GROUP (ORDER BY i4) FROM ref_t');
	like($want, qr/^\{\{-?\d+,-?\d+\},\{-?\d+,NULL\},\{-?\d+,-?\d+\}\}$/, 'PostgreSQL: a 3 by 2 array');
	is($_->{stdout}, $want, 'a 3 by 2 array of fractions gives the same array at ' . $_->{node}->name)
	  foreach @$res;
}

# a member without rows: the others' rows
check_cases('node_c without rows',
	[ disc($quartiles, 'i4', 'int4'), disc('0.5', 'n', 'numeric'), cont($quartiles, 'f8'),
	  median('i8'), disc('ARRAY[0.3, 0.6]', 'ts', 'timestamp') ],
	where => 'm <> 3');
# rows at one member only: withheld (min_parties 2), as every aggregate
check_cases('rows at node_a only: withheld',
	[ disc($quartiles, 'i4', 'int4', null => 1), median('f8', null => 1) ],
	where => 'm = 1', tag => 'only-a');
# no rows anywhere: NULL, as PostgreSQL's
check_cases('no rows anywhere',
	[ disc('0.5', 'i4', 'int4', null => 1), disc($quartiles, 'n', 'numeric', null => 1),
	  cont('ARRAY[0.5]', 'f8', null => 1), median('f4', null => 1) ],
	where => 'false');
is( $node_a->safe_psql($DB,
		'SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY i4) IS NULL, '
		  . "percentile_disc(ARRAY[0.5]) WITHIN GROUP (ORDER BY i4) IS NULL FROM ref_t WHERE false"),
	't|t', 'PostgreSQL: no rows, NULL (also for an array of fractions)');

# ---- duplicates at the boundaries ----

# pooled 1, 2, 2, 2, 3, 3, 3, 4 (and a NULL): every fraction of k/8 ends
# on a boundary between equal values or between runs
my $bcolumns = 'm int, v int4, w float8, nv numeric';
load_table($node_a, 'b', $bcolumns, "SELECT 1, v, v / 2.0, v / 4.0 FROM unnest(ARRAY[1, 2, 2]) v");
load_table($node_b, 'b', $bcolumns, "SELECT 2, v, v / 2.0, v / 4.0 FROM unnest(ARRAY[2, 3]) v");
load_table($node_c, 'b', $bcolumns, "SELECT 3, v, v / 2.0, v / 4.0 FROM unnest(ARRAY[3, 3, 4, NULL]) v");
pool_table($node_a, 'ref_b', $bcolumns, 'b', \@nodes);
my $eighths = 'ARRAY[0, 0.125, 0.25, 0.375, 0.5, 0.5000001, 0.625, 0.75, 0.875, 0.9, 1]';
is( $node_a->safe_psql($DB, "SELECT percentile_disc($eighths) WITHIN GROUP (ORDER BY v) FROM ref_b"),
	'{1,1,2,2,2,3,3,3,3,4,4}', 'PostgreSQL: the eighths end on the boundaries');
check_cases('duplicates around the boundaries',
	[ disc($eighths, 'v', 'int4'), disc('0.5', 'v', 'int4'), disc('0.5000001', 'v', 'int4'),
	  disc($eighths, 'nv', 'numeric'), cont($eighths, 'w'), median('v'), median('nv') ],
	from => 'b');

# 100 distinct values: PostgreSQL computes the rank ceil(fraction * N) in
# float8, and 0.07 * 100 is a little above 7
my $ecolumns = 'm int, v int4, f float8';
foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 'e', $ecolumns,
		"SELECT $i + 1, v * 10 - 500, v / 3.0 FROM generate_series(1, 100) v WHERE v % 3 = $i ORDER BY md5(v::text)");
}
pool_table($node_a, 'ref_e', $ecolumns, 'e', \@nodes);
my $rounded = 'ARRAY[0.07, 0.14, 0.28, 0.29, 0.56, 0.57, 0.58]';
is( $node_a->safe_psql($DB, "SELECT percentile_disc($rounded) WITHIN GROUP (ORDER BY v) FROM ref_e"),
	'{-420,-350,-210,-210,70,70,80}', 'PostgreSQL: 0.07, 0.14, 0.28 and 0.56 of 100 rows take the next row');
check_cases('ranks rounded in float8',
	[ disc($rounded, 'v', 'int4'), disc('0.07', 'v', 'int4'), cont($rounded, 'f'), median('f') ],
	from => 'e');

# ---- the extreme values of each type ----

my $xcolumns =
  'm int, i2 int2, i4 int4, i8 int8, n numeric, f4 float4, f8 float8, d date, ts timestamp, tz timestamptz';
my %xrows = (
	node_a => q{(1, -32768, -2147483648, -9223372036854775808, '-Infinity', '-Infinity',
				'-Infinity', '-infinity', '-infinity', '-infinity'),
			   (1, 1, 1, 1, -999999999999999.99999999, -3.4028235e38, -1.7976931348623157e308,
				'4714-11-24 BC', '4714-11-24 00:00 BC', '4714-11-24 00:00+00 BC')},
	node_b => q{(2, 32767, 2147483647, 9223372036854775807, 'NaN', 'NaN', 'NaN',
				'infinity', 'infinity', 'infinity'),
			   (2, 0, 0, 0, 999999999999999.99999999, 1e-45, 5e-324,
				'5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00')},
	node_c => q{(3, -1, -1, -1, 'Infinity', 'Infinity', 'Infinity',
				'2000-01-01', '2000-01-01', '2000-01-01 00:00+00'),
			   (3, 5, 5, 5, -0.00000001, -1e-45, -5e-324, NULL, NULL, NULL)});
load_table($_, 'x', $xcolumns, 'VALUES ' . $xrows{ $_->name }) foreach @nodes;
pool_table($node_a, 'ref_x', $xcolumns, 'x', \@nodes);
check_cases('extreme values',
	[ (map { disc('ARRAY[0, 0.2, 0.5, 0.8, 1]', $_->[0], $_->[1]) } @types),
	  cont('ARRAY[0, 0.1, 0.5, 0.7, 1]', 'f8'), median('f4') ],
	from => 'x');
is( $node_a->safe_psql($DB, 'SELECT percentile_disc(ARRAY[0, 1]) WITHIN GROUP (ORDER BY n) FROM ref_x'),
	'{-Infinity,NaN}', 'PostgreSQL: numeric from -Infinity to NaN');

# ---- labels: one query per department in place of GROUP BY ----

{
	my @depts = qw(eng ops hr);
	my %cases;
	my @jobs;
	foreach my $dept (@depts)
	{
		my $c = [
			case("smpc_percentile_disc($quartiles, 'g', '$dept') WITHIN GROUP (ORDER BY i4)",
				"percentile_disc($quartiles) WITHIN GROUP (ORDER BY i4)", 'i4', 'int4[]'),
			case("smpc_median(n, 'g', '$dept')",
				'percentile_cont(0.5) WITHIN GROUP (ORDER BY n::float8)', 'n', 'float8'),
		];
		$cases{$dept} = $c;
		my $sql = 'SELECT ' . join(', ', map { $_->{smpc} } @$c) . " FROM t WHERE dept = '$dept'";
		push @jobs, map { [ $_, $sql ] } @nodes;
	}
	# every department's query at every member at once
	my $res = run_parallel(@jobs);
	foreach my $k (0 .. $#depts)
	{
		my $dept = $depts[$k];
		verify("department $dept, labelled", [ @$res[ 3 * $k .. 3 * $k + 2 ] ], $cases{$dept},
			where => "dept = '$dept'");
	}
	# the same as PostgreSQL's GROUP BY
	my $grouped = $node_a->safe_psql($DB,
		"SELECT dept, percentile_disc($quartiles) WITHIN GROUP (ORDER BY i4) FROM ref_t "
		  . "GROUP BY dept ORDER BY array_position(ARRAY['eng', 'ops', 'hr'], dept)");
	is( join("\n", map { $depts[$_] . '|' . (split /\|/, $res->[ 3 * $_ ]{stdout})[0] } 0 .. $#depts),
		$grouped, "the labelled queries give PostgreSQL's GROUP BY dept");
}

# ---- the clearing price ----

my $bid_columns = 'm int, side text, price numeric, qty numeric';
foreach my $i (0 .. 2)
{
	my $o = $i + 1;
	load_table($nodes[$i], 'bids', $bid_columns, qq{
		SELECT $o,
			CASE WHEN g % 23 = 0 THEN NULL WHEN (g * 7 + $o) % 2 = 0 THEN 'buy' ELSE 'sell' END,
			CASE WHEN g % 17 = 5 THEN NULL ELSE round(90 + ((g * 7919 * $o) % 2001) / 100.0, 2) END,
			CASE WHEN g % 19 = 7 THEN NULL ELSE round(((g * 104729 + $o) % 5000) / 100.0 + 0.5, g % 3) END
		FROM generate_series(1, 40 + 30 * $o) g ORDER BY md5(g::text || '$o')});
}
pool_table($node_a, 'ref_bids', $bid_columns, 'bids', \@nodes);

# The clearing price (or the volume, $what 'volume') by its definition
# over the pooled bids [that pass $where]; NULL when fewer than
# min_parties members have bids.
sub clearing_expected
{
	my ($grid, $where, $what) = @_;
	my $w = defined $where ? " AND ($where)" : '';
	my $result = $what && $what eq 'volume'
	  ? '(SELECT least(demand, supply) FROM curve WHERE p = (SELECT p FROM cp))'
	  : '(SELECT p FROM cp)';
	return qq{WITH grid AS (SELECT DISTINCT unnest(${grid}::numeric[]) AS p),
		curve AS (SELECT p,
			(SELECT coalesce(sum(qty), 0) FROM ref_bids WHERE side = 'buy' AND price >= p$w) AS demand,
			(SELECT coalesce(sum(qty), 0) FROM ref_bids WHERE side = 'sell' AND price <= p$w) AS supply
			FROM grid),
		cp AS (SELECT min(p) AS p FROM curve WHERE supply >= demand)
		SELECT CASE WHEN (SELECT count(DISTINCT m) FROM ref_bids
						  WHERE side IS NOT NULL AND price IS NOT NULL AND qty IS NOT NULL$w) >= $MIN_PARTIES
			   THEN $result END};
}

# Each grid [name, grid, where, whether the price is NULL] at every member
# at once, one query per grid, and the price compared with the definition.
sub check_clearing
{
	my ($what, $agg, @grids) = @_;
	my @jobs;
	foreach my $g (@grids)
	{
		my ($name, $grid, $where) = @$g;
		my $sql = "SELECT $agg(side, price, qty, 'g', $grid, '$name') FROM bids";
		$sql .= " WHERE $where" if defined $where;
		push @jobs, map { [ $_, $sql ] } @nodes;
	}
	my $res = run_parallel(@jobs);
	foreach my $k (0 .. $#grids)
	{
		my ($name, $grid, $where, $null) = @{ $grids[$k] };
		my $exp = clearing_expected($grid, $where, $agg =~ /volume/ ? 'volume' : 'price');
		my $want = $node_a->safe_psql($DB, $exp);
		is($want eq '' ? 1 : 0, $null ? 1 : 0,
			"$what, $name: the definition gives " . ($null ? 'NULL' : "a value ($want)"));
		foreach my $r (@$res[ 3 * $k .. 3 * $k + 2 ])
		{
			my $node = $r->{node}->name;
			is($r->{rc}, 0, "$what, $name: succeeds at $node") or diag($r->{stderr});
			is( $node_a->safe_psql($DB,
					'SELECT ' . sql_literal($r->{stdout}) . "::numeric IS NOT DISTINCT FROM ($exp)"),
				't', "$what, $name: equals the definition at $node")
			  or diag("got '$r->{stdout}', the definition '$want'");
		}
	}
	return;
}

my $grid_cents = 'ARRAY(SELECT (90 + g)::numeric FROM generate_series(0, 20) g)';
my $grid_10000 = 'ARRAY(SELECT round(90 + g * 0.002, 3) FROM generate_series(0, 9999) g)';
is($node_a->safe_psql($DB, "SELECT cardinality($grid_10000), count(DISTINCT p) FROM unnest($grid_10000) p"),
	'10000|10000', 'the large grid has 10,000 prices');
check_clearing('clearing price', 'smpc_clearing_price',
	[ 'cp-whole', $grid_cents ],
	[ 'cp-unsorted', 'ARRAY[104.5, 95, 100, 95.00, 99.99, 100.01, 110, 90]' ],
	[ 'cp-low', 'ARRAY[1, 2, 3]', undef, 1 ],
	[ 'cp-high', 'ARRAY[150, 120, 130]' ],
	[ 'cp-no-c', $grid_cents, 'm <> 3' ],
	[ 'cp-buys-at-a', 'ARRAY[91, 95, 99, 103, 107]', "m = 1 OR side = 'sell'" ],
	[ 'cp-only-c', $grid_cents, 'm = 3', 1 ]);
is($node_a->safe_psql($DB, clearing_expected('ARRAY[150, 120, 130]')), '120',
	'the definition: a grid above every bid clears at its lowest price');
check_clearing('clearing price, 10,000 prices', 'smpc_clearing_price', [ 'cp-10000', $grid_10000 ]);
{
	my ($dem, $sup) = split /\|/, $node_a->safe_psql($DB, qq{
		SELECT (SELECT sum(qty) FROM ref_bids WHERE side = 'buy' AND price >= p),
			   (SELECT sum(qty) FROM ref_bids WHERE side = 'sell' AND price <= p)
		FROM (} . clearing_expected($grid_10000) . ') s(p)');
	ok($sup >= $dem, "the 10,000 price grid clears: supply $sup, demand $dem");
}

# Bids that clear at a tie: demand 10 up to 7, 8 up to 10, 3 up to 12;
# supply 0 below 6, 4 up to 8, 8 up to 10, 14 from 11
$_->safe_psql($DB, 'CREATE TABLE tie (m int, side text, price numeric, qty numeric)') foreach @nodes;
$node_a->safe_psql($DB, "INSERT INTO tie VALUES (1, 'buy', 10, 5), (1, 'sell', 11, 6)");
$node_b->safe_psql($DB, "INSERT INTO tie VALUES (2, 'buy', 12, 3), (2, 'sell', 6, 4), (2, NULL, 1, 1)");
$node_c->safe_psql($DB, "INSERT INTO tie VALUES (3, 'buy', 7, 2), (3, 'sell', 9, 4.000)");
pool_table($node_a, 'ref_tie', 'm int, side text, price numeric, qty numeric', 'tie', \@nodes);
{
	my %grids = (
		'ARRAY[5, 6, 7, 8, 9, 10, 11, 12]' => '9',
		'ARRAY[5, 6, 7, 8, 10, 11, 12]' => '10',
		'ARRAY[5, 6, 7, 8]' => '',
		'ARRAY[8.99, 9, 9.01]' => '9');
	my @g = sort keys %grids;
	my $res = run_parallel(map {
			my $k = $_;
			map { [ $_, "SELECT smpc_clearing_price(side, price, qty, 'g', $g[$k], 'tie-$k') FROM tie" ] } @nodes
	} 0 .. $#g);
	foreach my $k (0 .. $#g)
	{
		(my $exp = clearing_expected($g[$k])) =~ s/ref_bids/ref_tie/g;
		is($node_a->safe_psql($DB, $exp), $grids{ $g[$k] }, "the definition over the tie bids, grid $g[$k]");
		foreach my $r (@$res[ 3 * $k .. 3 * $k + 2 ])
		{
			is($r->{rc}, 0, "tie bids, grid $g[$k]: succeeds at " . $r->{node}->name) or diag($r->{stderr});
			is($r->{stdout}, $grids{ $g[$k] }, "tie bids, grid $g[$k]: at " . $r->{node}->name);
		}
	}
}

# ---- the volume: only when every member allows it ----

my $volume_sql = "SELECT smpc_clearing_volume(side, price, qty, 'g', $grid_cents, 'vol') FROM bids";
my $res = run_on_all(\@nodes, [ '\set VERBOSITY verbose', $volume_sql ]);
check_fails('volume, not allowed', $res,
	qr/ERROR:  55000: peer group "g" does not release the volume traded at the clearing price/);
like($_->{stderr}, qr/smpc\.allow_clearing_volume\('g'\)/, 'volume: the hint says how, at ' . $_->{node}->name)
  foreach @$res;

# allowed at two of the three members: node_c refuses before it joins (as a
# member whose own value is out of range does), and the other two wait for
# it until their timeout (a short one here), naming it
$_->safe_psql($DB, "SELECT smpc.allow_clearing_volume('g')") foreach ($node_a, $node_b);
$res = run_parallel(
	(map { [ $_, [ '\set VERBOSITY verbose', "SET smpc.timeout = '3s'", $volume_sql ] ] } ($node_a, $node_b)),
	[ $node_c, [ '\set VERBOSITY verbose', $volume_sql ] ]);
foreach my $r (@$res)
{
	my $name = $r->{node}->name;
	isnt($r->{rc}, 0, "volume, allowed at two members: fails at $name");
	isnt($r->{rc}, -1, "volume, allowed at two members: psql at $name does not hang");
	is($r->{stdout}, '', "volume, allowed at two members: no volume at $name");
}
like($res->[2]{stderr}, qr/ERROR:  55000: peer group "g" does not release the volume/,
	'volume, allowed at two members: 55000 at node_c');
unlike($res->[2]{stderr}, qr/timed out/, 'volume, allowed at two members: node_c does not wait');
foreach my $r (@$res[ 0, 1 ])
{
	like($r->{stderr}, qr/timed out.*Peers that never joined: node_c\./s,
		'volume, allowed at two members: ' . $r->{node}->name . ' names node_c as the member that never joined');
}

$node_c->safe_psql($DB, "SELECT smpc.allow_clearing_volume('g')");
is($_->safe_psql($DB, "SELECT clearing_volume FROM smpc.peer_groups WHERE name = 'g'"), 't',
	'clearing_volume is on at ' . $_->name)
  foreach @nodes;
wait_group_ready(\@nodes, 'g');
check_clearing('clearing volume', 'smpc_clearing_volume',
	[ 'vol-whole', $grid_cents ],
	[ 'vol-no-c', $grid_cents, 'm <> 3' ],
	[ 'vol-10000', $grid_10000 ],
	[ 'vol-low', 'ARRAY[1, 2, 3]', undef, 1 ]);
# at the clearing price the demand is the smaller side
{
	my $exp = clearing_expected($grid_cents);
	is( $node_a->safe_psql($DB, qq{
			SELECT (SELECT sum(qty) FROM ref_bids WHERE side = 'buy' AND price >= p)
				 = (} . clearing_expected($grid_cents, undef, 'volume') . qq{)
			FROM ($exp) s(p)}),
		't', 'the volume is the demand at the clearing price');
	my $tie = run_on_all(\@nodes,
		"SELECT smpc_clearing_volume(side, price, qty, 'g', ARRAY[5, 6, 7, 8, 9, 10, 11, 12], 'tie-vol') FROM tie");
	foreach my $r (@$tie)
	{
		is($r->{rc}, 0, 'tie bids, volume: succeeds at ' . $r->{node}->name) or diag($r->{stderr});
		is($node_a->safe_psql($DB, 'SELECT ' . sql_literal($r->{stdout}) . '::numeric = 8'), 't',
			"tie bids, volume: 8 at " . $r->{node}->name)
		  or diag("got '$r->{stdout}'");
	}
}
# the price is unchanged by the setting
check_clearing('clearing price, volume allowed', 'smpc_clearing_price', [ 'cp-after', $grid_cents ]);

# ---- errors ----

# not in a GROUP BY query
foreach my $agg (
	[ 'smpc_percentile_disc', "SELECT dept, smpc_percentile_disc(0.5, 'g', dept) WITHIN GROUP (ORDER BY i4) FROM t GROUP BY dept" ],
	[ 'smpc_percentile_cont', "SELECT dept, smpc_percentile_cont(ARRAY[0.5], 'g') WITHIN GROUP (ORDER BY f8) FROM t GROUP BY dept" ],
	[ 'smpc_median', "SELECT dept, smpc_median(i4, 'g') FROM t GROUP BY dept" ],
	[ 'smpc_median', "SELECT dept FROM t GROUP BY dept HAVING smpc_median(i4, 'g') > 0" ],
	[ 'smpc_clearing_price', "SELECT side, smpc_clearing_price(side, price, qty, 'g', ARRAY[100]) FROM bids GROUP BY side" ])
{
	my ($name, $sql) = @$agg;
	check_fails("$name in GROUP BY", run_on_all(\@nodes, [ '\set VERBOSITY verbose', $sql ]),
		qr/ERROR:  0A000: $name cannot be used in a GROUP BY query/);
}

# members that ask for something else: every member fails at once, naming
# another member
foreach my $mis (
	[ 'another fraction',
		"SELECT smpc_percentile_disc(0.25, 'g', 'mis1') WITHIN GROUP (ORDER BY i4) FROM t",
		"SELECT smpc_percentile_disc(0.5, 'g', 'mis1') WITHIN GROUP (ORDER BY i4) FROM t" ],
	[ 'other fractions',
		"SELECT smpc_percentile_cont(ARRAY[0.25, 0.75], 'g', 'mis2') WITHIN GROUP (ORDER BY f8) FROM t",
		"SELECT smpc_percentile_cont(ARRAY[0.75, 0.25], 'g', 'mis2') WITHIN GROUP (ORDER BY f8) FROM t" ],
	[ 'another input type',
		"SELECT smpc_percentile_disc(0.5, 'g', 'mis3') WITHIN GROUP (ORDER BY i4) FROM t",
		"SELECT smpc_percentile_disc(0.5, 'g', 'mis3') WITHIN GROUP (ORDER BY i8) FROM t" ],
	[ 'percentile_cont against the median',
		"SELECT smpc_percentile_cont(0.5, 'g', 'mis4') WITHIN GROUP (ORDER BY f8) FROM t",
		"SELECT smpc_median(f8, 'g', 'mis4') FROM t" ],
	[ 'another grid',
		"SELECT smpc_clearing_price(side, price, qty, 'g', ARRAY[90, 100, 110], 'mis5') FROM bids",
		"SELECT smpc_clearing_price(side, price, qty, 'g', ARRAY[90, 100, 111], 'mis5') FROM bids" ])
{
	my ($what, $sql, $other) = @$mis;
	my $r = run_parallel([ $node_a, $sql ], [ $node_b, $other ], [ $node_c, $sql ]);
	check_fails($what, $r, qr/members of peer group "g" disagree on the computation/, 1);
	is($_->{stdout}, '', "$what: no result at " . $_->{node}->name) foreach @$r;
}

# two members: no honest majority, refused
foreach my $sql (
	"SELECT smpc_percentile_disc(0.5, 'pair') WITHIN GROUP (ORDER BY i4) FROM t",
	"SELECT smpc_median(f8, 'pair') FROM t",
	"SELECT smpc_clearing_price(side, price, qty, 'pair', ARRAY[100]) FROM bids")
{
	my $r = run_on_all([ $node_a, $node_b ], [ '\set VERBOSITY verbose', $sql ]);
	my ($agg) = $sql =~ /(smpc_\w+)/;
	check_fails("two members, $agg", $r, qr/ERROR:  55000: .* in peer group "pair" needs an honest majority/);
	like($_->{stderr}, qr/HINT:  Comparisons need a group of at least 3 members\./,
		'two members: the hint at ' . $_->{node}->name)
	  foreach @$r;
}

# ---- the history ----

foreach my $node (@nodes)
{
	my $name = $node->name;
	ok( poll_until($node,
			"SELECT string_agg(status || ':' || coalesce(error, ''), ',' ORDER BY label) FROM smpc.history "
			  . "WHERE group_name = 'g' AND label LIKE 'only-a-%'",
			'suppressed:fewer than min_parties members contributed,suppressed:fewer than min_parties members contributed',
			10),
		"$name: history records the rows at one member as suppressed");
	is( $node->safe_psql($DB,
			"SELECT aggregate || ':' || status || ':' || participants::text FROM smpc.history "
			  . "WHERE group_name = 'g' AND label = 'cp-10000'"),
		'clearing price:succeeded:{node_a,node_b,node_c}',
		"$name: history records the clearing price over 10,000 prices");
	is( $node->safe_psql($DB,
			"SELECT aggregate || ':' || status FROM smpc.history WHERE group_name = 'g' AND label = 'scale'"),
		'percentile:succeeded', "$name: history records a percentile");
}

$_->stop foreach @nodes;
done_testing();
