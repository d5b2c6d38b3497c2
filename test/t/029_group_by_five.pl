# GROUP BY as one joint computation, with five servers and an honest
# majority (min_parties 3, max_colluders 2): the union of the members'
# keys, where some keys have 1, 2, 3, 4 or 5 holders, every key's results
# released or withheld on its own, smpc_min and smpc_max among the
# aggregates; then a second group with min_cell_count 3, where a key's
# result is also withheld when its row count, or that count less one
# member's own rows, is 1 or 2 (and histogram cells each on their own);
# then one query over both groups: two computations.  Every result is
# compared with PostgreSQL's own aggregates over the pooled rows.

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
SmpcTest::setup_group('gc', '3, max_colluders => 2, min_cell_count => 3', \@nodes);
wait_group_ready(\@nodes, 'gc');

# key, key number, rows at node_p, node_q, node_r, node_s, node_t
my @layout = (
	[ 'h1a', 1, 3, 0, 0, 0, 0 ],
	[ 'h1b', 2, 0, 0, 0, 0, 2 ],
	[ 'h2', 3, 0, 4, 0, 5, 0 ],
	[ 'h3a', 4, 1, 1, 1, 0, 0 ],    # 3 rows: each less one member's is 2
	[ 'h3b', 5, 0, 0, 6, 3, 4 ],
	[ 'h3i', 6, 9, 1, 1, 0, 0 ],    # 11 rows, 2 beyond node_p's
	[ 'h3n', 7, 2, 3, 2, 0, 0 ],    # x is NULL at node_r
	[ 'h4', 8, 5, 2, 0, 1, 7 ],
	[ 'h4s', 9, 1, 1, 0, 1, 1 ],
	[ 'h5a', 10, 2, 3, 4, 5, 6 ],
	[ 'h5b', 11, 1, 1, 1, 1, 1 ],
	[ undef, 12, 2, 0, 0, 3, 1 ],    # the NULL key, at three members
);
my $columns = 'm int, k text, j int, x int4, n numeric(12,3), f float8, v float8';

sub member_rows
{
	my ($o) = @_;
	my @vals;
	foreach my $l (@layout)
	{
		my ($k, $id, @r) = @$l;
		next unless $r[ $o - 1 ];
		push @vals, sprintf('(%s, %d, %d)', defined $k ? "'$k'" : 'NULL::text', $id, $r[ $o - 1 ]);
	}
	my $values = join(', ', @vals);
	return qq{
		SELECT $o, s.k, j,
			CASE WHEN j % 6 = 5 OR (s.k = 'h3n' AND $o = 3) THEN NULL
				 ELSE (j * 7919 + $o * 131 + s.id * 17) % 2001 - 1000 END,
			round(((j * 104729 + $o * 7919 + s.id * 3571) % 1000000) / 1000.0 - 500, 3),
			CASE WHEN (j + $o) % 7 = 0 THEN NULL ELSE ((j * 7907 + $o * 3301 + s.id * 577) % 1000 - 500) / 8.0 END,
			(j * 13 + $o * 5 + s.id) % 40
		FROM (VALUES $values) s(k, id, r), generate_series(1, s.r) j
		ORDER BY md5(j::text || coalesce(s.k, '-') || '$o')};
}

load_table($nodes[$_], 't', $columns, member_rows($_ + 1)) foreach 0 .. 4;
pool_table($node_p, 'ref_t', $columns, 't', \@nodes);
is( $node_p->safe_psql($DB,
		"SELECT string_agg(coalesce(k, '<null>') || ':' || holders, ' ' ORDER BY k) FROM "
		  . '(SELECT k, count(DISTINCT m) AS holders FROM ref_t GROUP BY k) s'),
	'h1a:1 h1b:1 h2:2 h3a:3 h3b:3 h3i:3 h3n:3 h4:4 h4s:4 h5a:5 h5b:5 <null>:3',
	'keys with 1, 2, 3, 4 and 5 holders');

my %A = (
	sum_x => agg_spec("smpc_sum(x, 'GRP')", 'sum(x)', 'x IS NOT NULL'),
	count_x => agg_spec("smpc_count(x, 'GRP')", 'count(x)', 'x IS NOT NULL'),
	rows => agg_spec("smpc_count_rows('GRP')", 'count(*)', 'true'),
	avg_n => agg_spec("smpc_avg(n, 'GRP')", 'avg(n)', 'n IS NOT NULL'),
	avg_f => agg_spec("smpc_avg(f, 'GRP')", 'avg(f)', 'f IS NOT NULL', 1),
	stddev_f => agg_spec("smpc_stddev_samp(f, 'GRP')", 'stddev_samp(f)', 'f IS NOT NULL', 1),
	min_x => agg_spec("smpc_min(x, 'GRP')", 'min(x)', 'x IS NOT NULL'),
	max_x => agg_spec("smpc_max(x, 'GRP')", 'max(x)', 'x IS NOT NULL'),
	max_n => agg_spec("smpc_max(n, 'GRP')", 'max(n)', 'n IS NOT NULL'),
	min_f => agg_spec("smpc_min(f, 'GRP')", 'min(f)', 'f IS NOT NULL'),
	max_f => agg_spec("smpc_max(f, 'GRP')", 'max(f)', 'f IS NOT NULL'),
	hist => histogram_spec('v', [ 10, 20, 30 ]),
);
sub aggs { return [ map { $A{$_} } @_ ]; }

my $hist = history_tracker(\@nodes);

# ---- group g: min_parties 3 ----

my $g_aggs = aggs(qw(sum_x count_x rows avg_n stddev_f min_x max_n min_f max_f hist));
check_group_by(\@nodes, 'five members, union of keys',
	group => 'g', aggs => $g_aggs, min_parties => 3, results => 1);
expect_history($hist, 'five members, union of keys', 1, 1);
is( $node_p->safe_psql($DB,
		group_expected_sql(table => 'ref_t', keys => ['k'], aggs => $g_aggs, min_parties => 3,
			members => 5, order => '',
			select => "string_agg(coalesce(key1, '<null>') || ':' || (r1 IS NOT NULL)::int "
			  . "|| (r3 IS NOT NULL)::int || (r6 IS NOT NULL)::int, ' ' ORDER BY key1)")),
	'h1a:000 h1b:000 h2:000 h3a:111 h3b:111 h3i:111 h3n:010 h4:111 h4s:111 h5a:111 h5b:111 <null>:111',
	'expected in g: fewer than three holders withheld, h3n only for the row count');

# ---- group gc: min_cell_count 3 as well ----

my $gc_aggs = aggs(qw(rows sum_x max_x avg_f hist));
check_group_by(\@nodes, 'five members, min_cell_count 3',
	group => 'gc', aggs => $gc_aggs, min_parties => 3, min_cell_count => 3, results => 1);
expect_history($hist, 'five members, min_cell_count 3', 1, 1);
is( $node_p->safe_psql($DB,
		group_expected_sql(table => 'ref_t', keys => ['k'], aggs => $gc_aggs, min_parties => 3,
			min_cell_count => 3, members => 5, order => '',
			select => "string_agg(coalesce(key1, '<null>') || ':' || (r1 IS NOT NULL)::int, ' ' ORDER BY key1)")),
	'h1a:0 h1b:0 h2:0 h3a:0 h3b:1 h3i:0 h3n:1 h4:1 h4s:1 h5a:1 h5b:1 <null>:1',
	'expected in gc: the row count withheld for h3a and h3i (small cells), released for h4s and h5b');
like( $node_p->safe_psql($DB,
		group_expected_sql(table => 'ref_t', keys => ['k'], aggs => $gc_aggs, min_parties => 3,
			min_cell_count => 3, members => 5, order => '', filter => 'r5 IS NOT NULL',
			select => "string_agg(r5::text, ' ')")),
	qr/NULL/, 'expected in gc: some released histograms have withheld cells');

# ---- one query over both groups: two computations ----

{
	my $sql = "SELECT k, smpc_sum(x, 'g'), smpc_max(n, 'g'), smpc_count_rows('gc'), smpc_min(f, 'gc') "
	  . 'FROM t GROUP BY k ORDER BY k';
	my $res = run_on_all(\@nodes, [ $sql, group_results_stmts() ]);
	expect_history($hist, 'two groups in one query', 2, 2);
	my %e = (table => 'ref_t', keys => ['k'], min_parties => 3, members => 5);
	my @g = (aggs(qw(sum_x max_n)), { %e, group => 'g' });
	my @gc = (aggs(qw(rows min_f)), { %e, group => 'gc', min_cell_count => 3 });
	# group_results without aggregate_no (its numbering across two groups
	# is not what this checks)
	my $strip = sub { join("\n", sort map { my @f = split /\|/, $_, -1; splice(@f, 3, 1); join('|', @f) } grep { $_ ne '' } split /\n/, $_[0]) };
	my $want_gr = $strip->(join("\n",
			map { $node_p->safe_psql($DB, group_results_expected_sql(%{ $_->[1] }, aggs => $_->[0])) }
			  ([ $g[0], $g[1] ], [ $gc[0], $gc[1] ])));
	foreach my $i (0 .. 4)
	{
		my $r = $res->[$i];
		my $name = $r->{node}->name;
		is($r->{rc}, 0, "two groups: succeeds at $name") or diag($r->{stderr});
		my ($out, $gr) = split_group_results($r->{stdout});
		# the expected columns: g's two results, then gc's two
		my $exp_g = $node_p->safe_psql($DB,
			group_expected_sql(%{ $g[1] }, aggs => $g[0], member => $i + 1, select => 'key1, r1, r2'));
		my $exp_gc = $node_p->safe_psql($DB,
			group_expected_sql(%{ $gc[1] }, aggs => $gc[0], member => $i + 1, select => 'r1, r2'));
		my @eg = split /\n/, $exp_g;
		my @egc = split /\n/, $exp_gc;
		rows_match("two groups: result at $name", $out,
			join("\n", map { "$eg[$_]|$egc[$_]" } 0 .. $#eg));
		is($strip->($gr), $want_gr, "two groups: group_results of both groups at $name");
	}
	like($want_gr, qr/^g\|\|\{h3a\}\|smpc_sum\|-?\d+$/m, 'two groups: h3a released in g');
	like($want_gr, qr/^gc\|\|\{h3a\}\|smpc_count_rows\|$/m, 'two groups: h3a withheld in gc');
}

foreach my $node (@nodes)
{
	is( $node->safe_psql($DB,
			"SELECT string_agg(group_name || ':' || status || ':' || participants::text, ' ' ORDER BY group_name, started) "
			  . "FROM smpc.history WHERE aggregate = 'group by'"),
		join(' ', map { "$_:succeeded:{node_p,node_q,node_r,node_s,node_t}" } qw(g g gc gc)),
		'the group by history rows at ' . $node->name);
}

$_->stop foreach @nodes;
done_testing();
