
# Order statistics and the clearing price with five real servers and an
# honest majority (max_colluders 2), compared with PostgreSQL's own
# percentile_disc and percentile_cont and with the plain SQL definition of
# the clearing price over the pooled rows: quartiles as arrays of
# fractions over int4 and numeric, the median and percentile_cont over
# float8, with every member contributing and with two members without
# rows; the clearing price and the volume.  Then what is withheld, exactly
# as smpc_count and smpc_min withhold it: in a group with min_parties 4,
# rows at three members give NULL (smpc.history: 'suppressed', fewer than
# min_parties members contributed) and rows at four members the values;
# in a group with min_cell_count 3, a joint row count, or that count less
# one member's rows, of 1 or 2 gives NULL ('suppressed', small cell).

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my $DB = 'postgres';

my @nodes = create_nodes(5,
	group => 'g',
	min_parties => '3, max_colluders => 2',
	names => [qw(node_p node_q node_r node_s node_t)]);
my $node_p = $nodes[0];
SmpcTest::setup_group('g4', '4, max_colluders => 2', \@nodes);
wait_group_ready(\@nodes, 'g4');
SmpcTest::setup_group('gc', '3, max_colluders => 2, min_cell_count => 3', \@nodes);
wait_group_ready(\@nodes, 'gc');

sub sql_literal
{
	my ($v) = @_;
	return 'NULL' if !defined $v || $v eq '';
	$v =~ s/'/''/g;
	return "'$v'";
}

# A case: the smpc expression, PostgreSQL's over the pooled rows, the
# column whose non-NULL rows count, the result type.
sub case
{
	my ($smpc, $plain, $col, $type) = @_;
	return { smpc => $smpc, plain => $plain, col => $col, type => $type };
}

# Run the cases in one query over t [WHERE $where] at every member at
# once, and compare each member's values with PostgreSQL's over ref_t
# [WHERE $where]: NULL when fewer than $min members have rows that count
# ($null says whether that is meant).
sub check_cases
{
	my ($what, $cases, %o) = @_;
	my $min = $o{min_parties} // 3;
	my $where = defined $o{where} ? " WHERE $o{where}" : '';
	my $sql = 'SELECT ' . join(', ', map { $_->{smpc} } @$cases) . " FROM t$where";
	my $res = run_on_all(\@nodes, $sql);
	my @exp = map {
		"CASE WHEN count(DISTINCT m) FILTER (WHERE ($_->{col}) IS NOT NULL) >= $min THEN $_->{plain} END"
	} @$cases;
	my $pg = $node_p->safe_psql($DB, 'SELECT ' . join(', ', map { "($_)::text" } @exp) . " FROM ref_t$where");
	my @pg = split /\|/, $pg, -1;
	is(scalar(grep { $_ eq '' } @pg), $o{null} ? scalar(@$cases) : 0,
		"$what: PostgreSQL's values are " . ($o{null} ? 'withheld' : 'all there') . ": $pg");
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "$what: succeeds at $name") or diag($r->{stderr});
		my @got = split /\|/, $r->{stdout}, -1;
		my $cmp = $node_p->safe_psql($DB,
			'SELECT '
			  . join(', ',
				map { '(' . sql_literal($got[$_]) . "::$cases->[$_]{type}) IS NOT DISTINCT FROM ($exp[$_])" }
				  0 .. $#$cases)
			  . " FROM ref_t$where");
		is($cmp, join('|', ('t') x @$cases), "$what: equals PostgreSQL's at $name")
		  or diag("got $r->{stdout}, PostgreSQL $pg");
		is($r->{stdout}, $res->[0]{stdout}, "$what: the same at $name as at " . $res->[0]{node}->name);
	}
	return $res;
}

# ---- the rows ----

my $columns = 'm int, dept text, i4 int4, n numeric, f8 float8';
my %nrows = (node_p => 30, node_q => 55, node_r => 41, node_s => 66, node_t => 23);
foreach my $i (0 .. 4)
{
	my $o = $i + 1;
	load_table($nodes[$i], 't', $columns, qq{
		SELECT $o, (ARRAY['eng', 'ops'])[1 + (g + $o) % 2],
			CASE WHEN g % 5 = $o % 5 THEN NULL ELSE (g * 7919 * $o) % 2001 - 1000 END,
			CASE WHEN g % 4 = 0 THEN NULL ELSE round(((g * 104729 * $o) % 99991)::numeric / 7 - 7000, g % 3 * 2) END,
			CASE WHEN g % 7 = 0 THEN NULL ELSE ((g * 17 * $o) % 10007 - 5000)::float8 / 3.3 END
		FROM generate_series(1, $nrows{ $nodes[$i]->name }) g
		ORDER BY md5(g::text || '$o')});
}
pool_table($node_p, 'ref_t', $columns, 't', \@nodes);

my $quartiles = 'ARRAY[0.25, 0.5, 0.75]';
sub cases
{
	my ($g, $tag) = @_;
	return [
		case("smpc_percentile_disc($quartiles, '$g', '$tag-1') WITHIN GROUP (ORDER BY i4)",
			"percentile_disc($quartiles) WITHIN GROUP (ORDER BY i4)", 'i4', 'int4[]'),
		case("smpc_percentile_disc($quartiles, '$g', '$tag-2') WITHIN GROUP (ORDER BY n)",
			"percentile_disc($quartiles) WITHIN GROUP (ORDER BY n)", 'n', 'numeric[]'),
		case("smpc_median(f8, '$g', '$tag-3')",
			'percentile_cont(0.5) WITHIN GROUP (ORDER BY f8)', 'f8', 'float8'),
		case("smpc_percentile_cont(0.9, '$g', '$tag-4') WITHIN GROUP (ORDER BY f8)",
			'percentile_cont(0.9) WITHIN GROUP (ORDER BY f8)', 'f8', 'float8'),
		case("smpc_percentile_cont(ARRAY[0, 0.1, 0.5, 1], '$g', '$tag-5') WITHIN GROUP (ORDER BY i4)",
			'percentile_cont(ARRAY[0, 0.1, 0.5, 1]) WITHIN GROUP (ORDER BY i4)', 'i4', 'float8[]'),
	];
}

check_cases('five members', cases('g', 'all'));
check_cases('five members, node_q and node_s without rows', cases('g', 'three'), where => 'm NOT IN (2, 4)');
check_cases('five members, department ops', cases('g', 'ops'), where => "dept = 'ops'");

# ---- the clearing price ----

my $bid_columns = 'm int, side text, price numeric, qty numeric';
foreach my $i (0 .. 4)
{
	my $o = $i + 1;
	load_table($nodes[$i], 'bids', $bid_columns, qq{
		SELECT $o, CASE WHEN (g * 3 + $o) % 2 = 0 THEN 'buy' ELSE 'sell' END,
			round(95 + ((g * 7919 * $o) % 1001) / 100.0, 2),
			round(((g * 104729 + $o) % 3000) / 100.0 + 0.25, g % 3)
		FROM generate_series(1, 20 + 10 * $o) g});
}
pool_table($node_p, 'ref_bids', $bid_columns, 'bids', \@nodes);
my $grid = 'ARRAY(SELECT round(95 + g * 0.05, 2) FROM generate_series(0, 200) g)';

sub clearing_expected
{
	my ($where, $what) = @_;
	my $w = defined $where ? " AND ($where)" : '';
	my $result = $what eq 'volume'
	  ? '(SELECT least(demand, supply) FROM curve WHERE p = (SELECT p FROM cp))'
	  : '(SELECT p FROM cp)';
	return qq{WITH grid AS (SELECT DISTINCT unnest($grid) AS p),
		curve AS (SELECT p,
			(SELECT coalesce(sum(qty), 0) FROM ref_bids WHERE side = 'buy' AND price >= p$w) AS demand,
			(SELECT coalesce(sum(qty), 0) FROM ref_bids WHERE side = 'sell' AND price <= p$w) AS supply
			FROM grid),
		cp AS (SELECT min(p) AS p FROM curve WHERE supply >= demand)
		SELECT $result};
}

$_->safe_psql($DB, "SELECT smpc.allow_clearing_volume('g')") foreach @nodes;
foreach my $c (
	[ 'clearing price', 'smpc_clearing_price', undef ],
	[ 'clearing price, node_t without bids', 'smpc_clearing_price', 'm <> 5' ],
	[ 'clearing volume', 'smpc_clearing_volume', undef ])
{
	my ($what, $agg, $where) = @$c;
	my $w = defined $where ? " WHERE $where" : '';
	my $res = run_on_all(\@nodes, "SELECT $agg(side, price, qty, 'g', $grid, '$what') FROM bids$w");
	my $exp = clearing_expected($where, $agg =~ /volume/ ? 'volume' : 'price');
	my $want = $node_p->safe_psql($DB, $exp);
	isnt($want, '', "$what: the definition gives a value ($want)");
	foreach my $r (@$res)
	{
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "$what: succeeds at $name") or diag($r->{stderr});
		is($node_p->safe_psql($DB, 'SELECT ' . sql_literal($r->{stdout}) . "::numeric IS NOT DISTINCT FROM ($exp)"),
			't', "$what: equals the definition at $name")
		  or diag("got '$r->{stdout}', the definition '$want'");
	}
}

# ---- min_parties 4: rows at three members are withheld, at four released ----

# the order statistics beside smpc_count and smpc_min over the same rows
sub g4_cases
{
	my ($tag) = @_;
	return [
		case("smpc_count(i4, 'g4', '$tag-count')", 'count(i4)', 'i4', 'int8'),
		case("smpc_min(i4, 'g4', '$tag-min')", 'min(i4)', 'i4', 'int4'),
		case("smpc_percentile_disc($quartiles, 'g4', '$tag-disc') WITHIN GROUP (ORDER BY i4)",
			"percentile_disc($quartiles) WITHIN GROUP (ORDER BY i4)", 'i4', 'int4[]'),
		case("smpc_median(n, 'g4', '$tag-median')",
			'percentile_cont(0.5) WITHIN GROUP (ORDER BY n::float8)', 'n', 'float8'),
		case("smpc_percentile_cont(ARRAY[0.2], 'g4', '$tag-cont') WITHIN GROUP (ORDER BY f8)",
			'percentile_cont(ARRAY[0.2]) WITHIN GROUP (ORDER BY f8)', 'f8', 'float8[]'),
	];
}
my $withheld = check_cases('min_parties 4, rows at three members', g4_cases('g4-three'),
	min_parties => 4, where => 'm <= 3', null => 1);
is($_->{stdout}, '||||', 'min_parties 4, rows at three members: every result NULL at ' . $_->{node}->name)
  foreach @$withheld;
check_cases('min_parties 4, rows at four members', g4_cases('g4-four'), min_parties => 4, where => 'm <= 4');

# the clearing price: bids at three members withheld, at four released
foreach my $c ([ 'three', 'm <= 3', 1 ], [ 'four', 'm <> 2', 0 ])
{
	my ($tag, $where, $null) = @$c;
	my $res = run_on_all(\@nodes,
		"SELECT smpc_clearing_price(side, price, qty, 'g4', $grid, 'g4-cp-$tag'), "
		  . "smpc_count_rows('g4', 'g4-rows-$tag') FROM bids WHERE $where");
	my $exp = clearing_expected($where, 'price');
	my $want = $null ? '|' : $node_p->safe_psql($DB, "SELECT ($exp) || '|' || count(*) FROM ref_bids WHERE $where");
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "g4, bids at $tag members: succeeds at " . $r->{node}->name) or diag($r->{stderr});
		is($r->{stdout}, $want, "g4, bids at $tag members: " . ($null ? 'withheld' : 'released') . ' at ' . $r->{node}->name);
	}
}

foreach my $node (@nodes)
{
	my $name = $node->name;
	ok( poll_until($node,
			"SELECT string_agg(label || ' ' || aggregate || ':' || status || coalesce(' (' || error || ')', ''), ', ' "
			  . "ORDER BY label COLLATE \"C\") FROM smpc.history WHERE group_name = 'g4' AND label LIKE 'g4-%three%'",
			join(', ',
				map { "$_->[0] $_->[1]:suppressed (fewer than min_parties members contributed)" }
				  ([ 'g4-cp-three', 'clearing price' ], [ 'g4-rows-three', 'count' ],
				   [ 'g4-three-cont', 'percentile' ], [ 'g4-three-count', 'count' ],
				   [ 'g4-three-disc', 'percentile' ], [ 'g4-three-median', 'percentile' ],
				   [ 'g4-three-min', 'min' ])),
			10),
		"$name: history records the withheld results as smpc_count's and smpc_min's");
	is( $node->safe_psql($DB,
			"SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FROM smpc.history "
			  . "WHERE group_name = 'g4' AND label LIKE 'g4-%four%'"),
		'7|7', "$name: history records the released results");
}

# ---- min_cell_count 3 ----

# rows per member (p, q, r, s, t):
#   even:    3 3 3 0 0   9 rows: released
#   insider: 7 1 1 0 0   9 rows, 2 beyond node_p's own: withheld
#   three:   1 1 1 0 0   3 rows, 2 beyond each member's own: withheld
#   wider:   5 2 4 3 0   14 rows: released
my %layout = (even => [ 3, 3, 3, 0, 0 ], insider => [ 7, 1, 1, 0, 0 ],
	three => [ 1, 1, 1, 0, 0 ], wider => [ 5, 2, 4, 3, 0 ]);
my %released = (even => 1, insider => 0, three => 0, wider => 1);
foreach my $i (0 .. 4)
{
	my $sql = "CREATE TABLE u (m int, k text, x int4);\n";
	foreach my $k (sort keys %layout)
	{
		$sql .= sprintf("INSERT INTO u SELECT %d, '%s', (j * 37 + %d * 11) %% 50 - 20 FROM generate_series(1, %d) j;\n",
			$i + 1, $k, $i + 1, $layout{$k}[$i]);
	}
	$sql .= "INSERT INTO u VALUES ($i + 1, 'even', NULL);\n";
	$nodes[$i]->safe_psql($DB, $sql);
}
pool_table($node_p, 'ref_u', 'm int, k text, x int4', 'u', \@nodes);
foreach my $k (sort keys %layout)
{
	my $res = run_on_all(\@nodes,
		"SELECT smpc_count(x, 'gc', '$k'), smpc_percentile_disc(ARRAY[0, 0.5, 1], 'gc', '$k') WITHIN GROUP (ORDER BY x), "
		  . "smpc_median(x, 'gc', '$k') FROM u WHERE k = '$k'");
	my $want = $released{$k}
	  ? $node_p->safe_psql($DB,
		'SELECT count(x), percentile_disc(ARRAY[0, 0.5, 1]) WITHIN GROUP (ORDER BY x), '
		  . "percentile_cont(0.5) WITHIN GROUP (ORDER BY x::float8) FROM ref_u WHERE k = '$k'")
	  : '||';
	# the rule, over the pooled rows: n or n less one member's rows is 1 or 2
	is( $node_p->safe_psql($DB,
			"SELECT NOT (n BETWEEN 1 AND 2 OR EXISTS (SELECT 1 FROM generate_series(1, 5) i "
			  . "WHERE n - (SELECT count(x) FROM ref_u WHERE k = '$k' AND m = i) BETWEEN 1 AND 2)) "
			  . "FROM (SELECT count(x) AS n FROM ref_u WHERE k = '$k') s"),
		$released{$k} ? 't' : 'f', "cells, $k: the rule " . ($released{$k} ? 'releases' : 'withholds'));
	foreach my $r (@$res)
	{
		is($r->{rc}, 0, "cells, $k: succeeds at " . $r->{node}->name) or diag($r->{stderr});
		is($r->{stdout}, $want, "cells, $k: " . ($released{$k} ? 'released' : 'withheld, as smpc_count') . ' at ' . $r->{node}->name);
	}
}
foreach my $node (@nodes)
{
	ok( poll_until($node,
			"SELECT string_agg(label || ' ' || aggregate || ':' || status || coalesce(' (' || error || ')', ''), ', ' ORDER BY label, aggregate COLLATE \"C\") "
			  . "FROM smpc.history WHERE group_name = 'gc'",
			join(', ',
				'even count:succeeded', 'even percentile:succeeded', 'even percentile:succeeded',
				'insider count:suppressed (small cell)', 'insider percentile:suppressed (small cell)',
				'insider percentile:suppressed (small cell)',
				'three count:suppressed (small cell)', 'three percentile:suppressed (small cell)',
				'three percentile:suppressed (small cell)',
				'wider count:succeeded', 'wider percentile:succeeded', 'wider percentile:succeeded'),
			10),
		'cells: history records the withheld results as small cells at ' . $node->name);
}

$_->stop foreach @nodes;
done_testing();
