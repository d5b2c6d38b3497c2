# GROUP BY as one joint computation, with three servers: every group and
# every smpc aggregate of a query level that groups runs as one
# computation (one smpc.history row, aggregate 'group by'), whatever keys,
# table sizes and plans the members have.  Each result is compared with
# PostgreSQL's own aggregate over the rows of all members pooled into one
# table, with min_parties applied per key and aggregate: keys missing at
# one or two members, a key only one member has (NULL), keys at exactly
# min_parties members, NULL and multi-column keys, HAVING and ORDER BY on
# smpc results, a GROUP BY in a subquery and in a CTE, a hashed plan at one
# member against a sorted plan at another, 10,000 groups, every family in
# one query, smpc.group_results(), declared keys (smpc.group_keys), and
# the errors: an undeclared key, GROUPING SETS, ROLLUP and CUBE, members
# that run different aggregates.  A query without GROUP BY is unchanged.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;
use Time::HiRes qw(time);

my $DB = 'postgres';

# g: min_parties 2 and an honest majority (smpc_min and smpc_max need it);
# g3: min_parties 3, every member must contribute
my @nodes = create_nodes(3, group => 'g', min_parties => '2, max_colluders => 1');
my ($node_a, $node_b, $node_c) = @nodes;
SmpcTest::setup_group('g3', '3, max_colluders => 1', \@nodes);
wait_group_ready(\@nodes, 'g3');

# key, key number, rows at node_a, node_b and node_c
my @layout = (
	[ 'k01', 1, 12, 7, 9 ],
	[ 'k02', 2, 3, 15, 4 ],
	[ 'k03', 3, 8, 8, 8 ],
	[ 'k04', 4, 1, 1, 1 ],
	[ 'k05', 5, 20, 2, 11 ],
	[ 'k06', 6, 5, 9, 30 ],
	[ 'only_a', 7, 4, 0, 0 ],
	[ 'only_b', 8, 0, 3, 0 ],
	[ 'no_c', 9, 5, 6, 0 ],
	[ 'no_a', 10, 0, 2, 7 ],
	[ 'no_b', 11, 3, 0, 4 ],
	[ 'nulls_c', 12, 3, 4, 5 ],    # x, y and n NULL at node_c
	[ undef, 13, 2, 3, 0 ],        # the NULL key
);
my $columns =
  'm int, k text, k2 int, j int, x int4, y int8, n numeric(12,2), f float8, f2 float8, v float8, c text';

# the rows of member $o (1, 2, 3), in an order of its own
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
		SELECT $o, s.k, CASE j % 3 WHEN 0 THEN NULL ELSE 2023 + j % 3 END, j,
			xx.x, xx.x::int8 * 1000000007,
			CASE WHEN (s.k = 'nulls_c' AND $o = 3) OR j % 10 = 4 THEN NULL
				 ELSE round(((j * 104729 + $o * 7919 + s.id * 3571) % 100000) / 100.0 - 400, 2) END,
			CASE WHEN (j + $o) % 9 = 0 THEN NULL ELSE ((j * 7907 + $o * 3301 + s.id * 577) % 1000 - 500) / 4.0 END,
			CASE WHEN j % 13 = 5 THEN NULL ELSE ((j * j * 53 + $o * 7 + s.id * 3) % 777) / 8.0 END,
			CASE WHEN j % 8 = 3 THEN NULL ELSE (j * 13 + $o * 5 + s.id) % 60 END,
			CASE WHEN j % 7 = 6 THEN NULL
				 ELSE (ARRAY['red', 'green', 'blue', 'grey', 'pink'])[1 + (j + $o + s.id) % 5] END
		FROM (VALUES $values) s(k, id, r), generate_series(1, s.r) j,
			LATERAL (SELECT CASE WHEN (s.k = 'nulls_c' AND $o = 3) OR (j * 7 + $o) % 11 = 0 THEN NULL
							ELSE (j * 7919 + $o * 31 + s.id * 101) % 2001 - 1000 END AS x) xx
		ORDER BY md5(j::text || coalesce(s.k, '-') || '$o')};
}

load_table($nodes[$_], 't', $columns, member_rows($_ + 1)) foreach 0 .. 2;
pool_table($node_a, 'ref_t', $columns, 't', \@nodes);
is( $node_c->safe_psql($DB, "SELECT count(*), count(x) FROM t WHERE k = 'nulls_c'"),
	'5|0', 'node_c has rows of nulls_c, all with a NULL x');

# ---- specifications of the aggregates ----

my %A = (
	sum_x => agg_spec("smpc_sum(x, 'GRP')", 'sum(x)', 'x IS NOT NULL'),
	sum_y => agg_spec("smpc_sum(y, 'GRP')", 'sum(y)', 'y IS NOT NULL'),
	sum_n => agg_spec("smpc_sum(n, 'GRP')", 'sum(n)', 'n IS NOT NULL'),
	count_x => agg_spec("smpc_count(x, 'GRP')", 'count(x)', 'x IS NOT NULL'),
	count_n => agg_spec("smpc_count(n, 'GRP')", 'count(n)', 'n IS NOT NULL'),
	rows => agg_spec("smpc_count_rows('GRP')", 'count(*)', 'true'),
	avg_x => agg_spec("smpc_avg(x, 'GRP')", 'avg(x)', 'x IS NOT NULL'),
	avg_y => agg_spec("smpc_avg(y, 'GRP')", 'avg(y)', 'y IS NOT NULL'),
	avg_n => agg_spec("smpc_avg(n, 'GRP')", 'avg(n)', 'n IS NOT NULL'),
	avg_f => agg_spec("smpc_avg(f, 'GRP')", 'avg(f)', 'f IS NOT NULL', 1),
	variance_x => agg_spec("smpc_variance(x, 'GRP')", 'variance(x)', 'x IS NOT NULL'),
	var_samp_n => agg_spec("smpc_var_samp(n, 'GRP')", 'var_samp(n)', 'n IS NOT NULL'),
	stddev_f => agg_spec("smpc_stddev_samp(f, 'GRP')", 'stddev_samp(f)', 'f IS NOT NULL', 1),
	corr => agg_spec("smpc_corr(f, f2, 'GRP')", 'corr(f, f2)', 'f IS NOT NULL AND f2 IS NOT NULL', 1),
	slope => agg_spec("smpc_regr_slope(f, f2, 'GRP')", 'regr_slope(f, f2)',
		'f IS NOT NULL AND f2 IS NOT NULL', 1),
	hist => histogram_spec('v', [ 10, 20, 30, 40, 50 ]),
	freq => frequencies_spec('c', [qw(red green blue)]),
	min_n => agg_spec("smpc_min(n, 'GRP')", 'min(n)', 'n IS NOT NULL'),
	max_f => agg_spec("smpc_max(f, 'GRP')", 'max(f)', 'f IS NOT NULL'),
	min_x => agg_spec("smpc_min(x, 'GRP')", 'min(x)', 'x IS NOT NULL'),
);
sub aggs { return [ map { $A{$_} } @_ ]; }

# ---- smpc.history: every step says how many rows each node gains ----

my $hist = history_tracker(\@nodes);
sub expect_hist { return expect_history($hist, @_); }

# one GROUP BY query at every member, checked against the pool
sub check_group
{
	my ($what, %o) = @_;
	return check_group_by(\@nodes, $what, min_parties => 2, %o);
}

# ---- every family in one query, keys at 1, 2 and 3 members ----

my @families = qw(sum_x sum_y sum_n count_x rows avg_x avg_y avg_n avg_f variance_x var_samp_n
  stddev_f corr slope hist freq min_n max_f);
check_group('every family, min_parties 2',
	group => 'g', aggs => aggs(@families), results => 1);
expect_hist('every family, min_parties 2', 1, 1);

# the data really has the cases: keys at one member are NULL, the keys at
# exactly two members and the NULL key are released
my $fam_sql = group_query(group => 'g', table => 't', keys => ['k'], aggs => aggs(@families));
my $fam_exp = $node_a->safe_psql($DB,
	group_expected_sql(table => 'ref_t', keys => ['k'], aggs => aggs(@families),
		min_parties => 2, members => 3, select => "coalesce(key1, '<null>') || ':' || (r1 IS NOT NULL)::int || (r5 IS NOT NULL)::int || (r13 IS NOT NULL)::int"));
is( join(' ', split /\n/, $fam_exp),
	'k01:111 k02:111 k03:111 k04:111 k05:111 k06:111 no_a:111 no_b:111 no_c:111 nulls_c:111 '
	  . 'only_a:000 only_b:000 <null>:111',
	'expected: one-member keys withheld, the others released');

# group_results at node_c lists the keys node_c lacks, with the values
# that node_a's own query gave
my $res = run_parallel(
	[ $node_a, $fam_sql ],
	[ $node_b, $fam_sql ],
	[ $node_c, [ $fam_sql, "SELECT '$SmpcTest::GROUP_RESULTS_MARKER'",
		"SELECT key, aggregate_no, aggregate, result FROM smpc.group_results() "
		  . "WHERE key IN ('{no_c}', '{only_a}', '{NULL}', '{k03}') AND aggregate_no IN (1, 5, 7, 17) "
		  . "ORDER BY key, aggregate_no" ] ]);
is($_->{rc}, 0, 'every family again: succeeds at ' . $_->{node}->name) foreach @$res;
expect_hist('every family again', 1, 1);
{
	my %at_a = map { my @f = split /\|/, $_, -1; (($f[0] eq '' ? 'NULL' : $f[0]) => \@f) }
	  split /\n/, $res->[0]{stdout};
	my ($own, $gr) = split_group_results($res->[2]{stdout});
	my @names = map { $A{$_}{smpc} =~ /^(\w+)/ } @families;
	# text[] sorts {NULL} after the other keys
	my $want = join("\n",
		map { my $k = $_; map { "{$k}|$_|$names[$_ - 1]|$at_a{$k}[$_]" } (1, 5, 7, 17) }
		  qw(k03 no_c only_a NULL));
	is($gr, $want, 'node_c: group_results has no_c, only_a and the NULL key, as node_a got them');
	like($gr, qr/^\{only_a\}\|1\|smpc_sum\|$/m, 'node_c: only_a is withheld');
	unlike($own, qr/^(no_c|only_a)\|/m, 'node_c: its own query returns only its own keys');
}

# the same with min_parties 3: the keys at all three members (exactly
# min_parties) are released, keys at two members are withheld, and
# nulls_c only for the aggregates over columns node_c has
my @fam3 = qw(sum_x rows avg_n avg_f stddev_f hist min_x);
check_group('min_parties 3', group => 'g3', aggs => aggs(@fam3), min_parties => 3, results => 1);
expect_hist('min_parties 3', 1, 1);
is( $node_a->safe_psql($DB,
		group_expected_sql(table => 'ref_t', keys => ['k'], aggs => aggs(@fam3), min_parties => 3,
			members => 3, select => "string_agg(coalesce(key1, '<null>') || ':' || (r1 IS NOT NULL)::int || (r2 IS NOT NULL)::int || (r4 IS NOT NULL)::int, ' ' ORDER BY key1)", order => '')),
	'k01:111 k02:111 k03:111 k04:111 k05:111 k06:111 no_a:000 no_b:000 no_c:000 nulls_c:011 '
	  . 'only_a:000 only_b:000 <null>:000',
	'expected with min_parties 3: three holders released, nulls_c only where node_c counts');

# ---- multi-column and NULL keys ----

check_group('two key columns with NULLs',
	group => 'g', keys => [qw(k k2)], aggs => aggs(qw(sum_x rows avg_n max_f)), results => 1);
expect_hist('two key columns', 1, 1);

# ---- HAVING and ORDER BY on smpc results ----

my $having = "SELECT k, smpc_sum(x, 'g'), smpc_count_rows('g') FROM t GROUP BY k "
  . "HAVING smpc_avg(x, 'g') > -40 ORDER BY smpc_sum(x, 'g') DESC NULLS LAST, k";
my %having = (aggs => aggs(qw(sum_x rows avg_x)), select => 'key1, r1, r2',
	filter => 'r3 > -40', order => 'r1 DESC NULLS LAST, key1');
check_group('HAVING and ORDER BY', group => 'g', sql => $having, %having, float => []);
expect_hist('HAVING and ORDER BY', 1, 1);
{
	my ($kept, $all) = split /\|/, $node_a->safe_psql($DB,
		'SELECT count(*) FILTER (WHERE r3 > -40), count(*) FROM ('
		  . SmpcTest::expected_inner_sql(table => 'ref_t', keys => ['k'],
			aggs => $having{aggs}, min_parties => 2, members => 3) . ') s');
	ok($kept > 0 && $kept < $all - 2, "HAVING keeps $kept of $all keys");
}

# ---- a GROUP BY in a CTE and in a subquery ----

check_group('GROUP BY in a materialized CTE', group => 'g',
	sql => "WITH s AS MATERIALIZED (SELECT k, smpc_avg(n, 'g') AS a, smpc_count(n, 'g') AS c "
	  . "FROM t GROUP BY k) SELECT k, a, c FROM s WHERE c > 10 ORDER BY a, k",
	aggs => aggs(qw(avg_n count_n)), filter => 'r2 > 10', order => 'r1, key1');
expect_hist('GROUP BY in a CTE', 1, 1);
check_group('GROUP BY in a subquery', group => 'g',
	sql => "SELECT count(*), sum(a), max(c) FROM (SELECT k, smpc_avg(x, 'g') AS a, "
	  . "smpc_count_rows('g') AS c FROM t GROUP BY k) s",
	aggs => aggs(qw(avg_x rows)), select => 'count(*), sum(r1), max(r2)', order => '', float => []);
expect_hist('GROUP BY in a subquery', 1, 1);

# ---- labels ----

# the old form, the grouping column as the label: still one computation
check_group('grouping column as label', group => 'g', where => 'k IS NOT NULL',
	sql => "SELECT k, smpc_avg(x, 'g', k), smpc_sum(n, 'g', k) FROM t WHERE k IS NOT NULL "
	  . 'GROUP BY k ORDER BY k',
	aggs => aggs(qw(avg_x sum_n)));
expect_hist('grouping column as label', 1, 1);

# two GROUP BY queries with different constant labels at once, in two
# sessions per node: they do not mix
{
	my $l1 = "SELECT k, smpc_sum(x, 'g', 'L1') FROM t GROUP BY k ORDER BY k";
	my $l2 = "SELECT k, smpc_count_rows('g', 'L2'), smpc_avg(n, 'g', 'L2') FROM t GROUP BY k ORDER BY k";
	my $both = run_parallel(map { ([ $_, [ $l1, group_results_stmts() ] ], [ $_, $l2 ]) }
		@nodes);
	foreach my $i (0 .. 2)
	{
		my ($r1, $r2) = @$both[ 2 * $i, 2 * $i + 1 ];
		my $name = $nodes[$i]->name;
		is($r1->{rc}, 0, "label L1 at $name") or diag($r1->{stderr});
		is($r2->{rc}, 0, "label L2 at $name") or diag($r2->{stderr});
		my %e = (table => 'ref_t', keys => ['k'], min_parties => 2, members => 3, member => $i + 1);
		my ($out, $gr) = split_group_results($r1->{stdout});
		rows_match("label L1: result at $name", $out,
			$node_a->safe_psql($DB, group_expected_sql(%e, aggs => aggs('sum_x'))));
		rows_match("label L2: result at $name", $r2->{stdout},
			$node_a->safe_psql($DB, group_expected_sql(%e, aggs => aggs(qw(rows avg_n)))));
		rows_match("label L1: group_results at $name", $gr,
			$node_a->safe_psql($DB,
				group_results_expected_sql(%e, group => 'g', label => 'L1', aggs => aggs('sum_x'))),
			sort => 1);
	}
	expect_hist('labels L1 and L2', 2, 2);
}

# different WHERE clauses at each member, and a GROUP BY over another
# group earlier in the same session: smpc.group_results() shows the last
# computation only
check_group('a WHERE clause of its own at each member', group => 'g',
	aggs => aggs(qw(sum_x rows max_f)),
	sql_at => {
		node_a => "SELECT k, smpc_sum(x, 'g'), smpc_count_rows('g'), smpc_max(f, 'g') FROM t WHERE x > 0 GROUP BY k ORDER BY k",
		node_b => "SELECT k, smpc_sum(x, 'g'), smpc_count_rows('g'), smpc_max(f, 'g') FROM t WHERE f < 50 GROUP BY k ORDER BY k",
		node_c => "SELECT k, smpc_sum(x, 'g'), smpc_count_rows('g'), smpc_max(f, 'g') FROM t WHERE j % 2 = 1 GROUP BY k ORDER BY k" },
	where => 'CASE m WHEN 1 THEN x > 0 WHEN 2 THEN f < 50 ELSE j % 2 = 1 END',
	pre => { map { ($_->name => [ '\o /dev/null', "SELECT k, smpc_count_rows('g3') FROM t GROUP BY k", '\o' ]) } @nodes },
	results => 1);
expect_hist('a WHERE clause of its own, after another GROUP BY', 2, 2);

# a member without any group (no rows pass its WHERE) still takes part:
# its query returns no rows, the others' results are over their rows
check_group('node_c without any group', group => 'g', aggs => aggs(qw(sum_x avg_n)),
	sql_at => { node_c => "SELECT k, smpc_sum(x, 'g'), smpc_avg(n, 'g') FROM t WHERE false GROUP BY k ORDER BY k" },
	where => 'm <> 3', no_rows => ['node_c'], results => 1);
expect_hist('node_c without any group', 1, 1);

# ---- declared keys ----

my %declared = (
	node_a => '{k01,k02,no_c,only_a,ghost,NULL}',
	node_b => '{ghost,NULL,only_a,no_c,k02,k01}',
	node_c => '{no_c,k01,NULL,ghost,only_a,k02}');
check_group('declared keys', group => 'g', aggs => aggs(qw(sum_x count_x)),
	where => "k IN ('k01', 'k02', 'no_c', 'only_a') OR k IS NULL",
	pre => { map { ($_ => ["SET smpc.group_keys = '$declared{$_}'"]) } keys %declared },
	results => 1,
	extra_results => [ 'g||{ghost}|1|smpc_sum|', 'g||{ghost}|2|smpc_count|' ]);
expect_hist('declared keys', 1, 1);

my %declared2 = (
	node_a => '{{k01,2024},{k01,2025},{k01,NULL},{no_c,2024},{no_c,2025},{no_c,NULL},{ghost,2030}}',
	node_b => '{{ghost,2030},{no_c,NULL},{no_c,2025},{no_c,2024},{k01,NULL},{k01,2025},{k01,2024}}',
	node_c => '{{no_c,2025},{k01,NULL},{ghost,2030},{k01,2024},{no_c,NULL},{k01,2025},{no_c,2024}}');
check_group('declared two-column keys', group => 'g', keys => [qw(k k2)],
	aggs => aggs(qw(sum_x rows)), where => "k IN ('k01', 'no_c')",
	pre => { map { ($_ => ["SET smpc.group_keys = '$declared2{$_}'"]) } keys %declared2 },
	results => 1,
	extra_results => [ 'g||{ghost,2030}|1|smpc_sum|', 'g||{ghost,2030}|2|smpc_count_rows|' ]);
expect_hist('declared two-column keys', 1, 1);

# a local key that is not declared: 22023 naming it, nothing computed
{
	my %extra = (node_a => 'only_a', node_b => 'only_b', node_c => 'no_a');
	my $t0 = time;
	my $bad = run_parallel(map {
			[ $_, [ '\set VERBOSITY verbose', "SET smpc.group_keys = '{k01,k02}'",
				"SELECT k, smpc_sum(x, 'g') FROM t WHERE k IN ('k01', 'k02', '$extra{$_->name}') GROUP BY k" ] ]
	} @nodes);
	my $elapsed = time - $t0;
	foreach my $r (@$bad)
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "undeclared key: fails at $name");
		like($r->{stderr}, qr/ERROR:  22023: /, "undeclared key: SQLSTATE 22023 at $name");
		like($r->{stderr}, qr/\b$extra{$name}\b/, "undeclared key: the error names $extra{$name} at $name");
		unlike($r->{stderr}, qr/timed out/, "undeclared key: no timeout at $name");
	}
	ok($elapsed < 15, sprintf('undeclared key: the errors come at once (%.1fs)', $elapsed));
	expect_hist('undeclared key', 0, 0);
}

# ---- 10,000 groups ----

my $bcolumns = 'm int, k int, x int4';
load_table($node_a, 'big', $bcolumns,
	'SELECT 1, k, (k * 31 + j * 7 + 1) % 1000 - 200 FROM generate_series(1, 10000) k, generate_series(1, 2) j '
	  . 'ORDER BY md5(k::text || j::text)');
load_table($node_b, 'big', $bcolumns,
	'SELECT 2, k, (k * 31 + 14) % 1000 - 200 FROM generate_series(1, 10000) k WHERE k % 5 <> 0 ORDER BY md5(k::text)');
load_table($node_c, 'big', $bcolumns,
	'SELECT 3, k, (k * 17 + 3) % 1000 - 500 FROM generate_series(1, 10000) k WHERE k % 7 <> 0 ORDER BY k DESC');
pool_table($node_a, 'ref_big', $bcolumns, 'big', \@nodes);
my (undef, $big_s) = check_group('10,000 groups', group => 'g', table => 'big', aggs => aggs('avg_x'));
note(sprintf('10,000 groups, one smpc_avg, three members: %.1f s', $big_s));
expect_hist('10,000 groups', 1, 1);
foreach my $node (@nodes)
{
	is( $node->safe_psql($DB,
			'SELECT aggregate, group_name, status, participants FROM smpc.history ORDER BY started DESC LIMIT 1'),
		'group by|g|succeeded|{node_a,node_b,node_c}',
		'10,000 groups: the history row at ' . $node->name);
}
is($node_a->safe_psql($DB,
		"SELECT count(*) FILTER (WHERE c = 1), count(*) FROM (SELECT k, count(DISTINCT m) c FROM ref_big GROUP BY k) s"),
	'285|10000', '10,000 groups: 285 keys at node_a only, withheld');

# ---- different plans at different members ----

my $pcolumns = 'm int, k text, x int4';
load_table($node_a, 'p', $pcolumns,
	q{SELECT 1, 'p' || lpad((i % 25)::text, 2, '0'), i * 3 - 70 FROM generate_series(1, 50) i});
load_table($node_b, 'p', $pcolumns,
	q{SELECT 2, 'p' || lpad((i % 40)::text, 2, '0'), (i * 7) % 1001 - 500 FROM generate_series(1, 20000) i});
load_table($node_c, 'p', $pcolumns,
	q{SELECT 3, 'p' || lpad((10 + i % 40)::text, 2, '0'), i % 97 FROM generate_series(1, 1000) i});
pool_table($node_a, 'ref_p', $pcolumns, 'p', \@nodes);
my %plan_pre = (node_a => ['SET enable_hashagg = off'], node_b => ['SET enable_sort = off']);
my $plan_aggs = aggs(qw(sum_x avg_x rows));
my $plan_sql = group_query(group => 'g', table => 'p', keys => ['k'], aggs => $plan_aggs, order => '');
my %plan;
foreach my $node (@nodes)
{
	my $pre = join('; ', @{ $plan_pre{ $node->name } // [] });
	$plan{ $node->name } = $node->safe_psql($DB, ($pre ne '' ? "$pre; " : '') . "EXPLAIN (COSTS OFF) $plan_sql");
	note($node->name . " plan:\n" . $plan{ $node->name });
}
like($plan{node_a}, qr/GroupAggregate/, 'node_a groups sorted rows');
unlike($plan{node_a}, qr/HashAggregate/, 'node_a does not hash');
like($plan{node_b}, qr/HashAggregate/, 'node_b hashes');
unlike($plan{node_b}, qr/GroupAggregate/, 'node_b does not group sorted rows');
check_group('sorted at node_a (50 rows), hashed at node_b (20,000 rows)',
	group => 'g', table => 'p', aggs => $plan_aggs, sql => $plan_sql, pre => \%plan_pre,
	order => '', sort => 1);
expect_hist('different plans', 1, 1);

# ---- without GROUP BY: one computation per aggregate, as before ----

{
	my $plain = run_on_all(\@nodes, "SELECT smpc_sum(x, 'g', 'plain'), smpc_avg(n, 'g', 'plain') FROM t");
	my $want = $node_a->safe_psql($DB, 'SELECT sum(x), avg(n) FROM ref_t');
	foreach my $r (@$plain)
	{
		is($r->{rc}, 0, 'no GROUP BY: succeeds at ' . $r->{node}->name) or diag($r->{stderr});
		is($r->{stdout}, $want, 'no GROUP BY: result at ' . $r->{node}->name);
	}
	expect_hist('no GROUP BY', 2, 0);
	foreach my $node (@nodes)
	{
		is( $node->safe_psql($DB,
				"SELECT string_agg(aggregate || ':' || status, ' ' ORDER BY aggregate) FROM smpc.history WHERE label = 'plain'"),
			'avg:succeeded sum:succeeded',
			'no GROUP BY: one history row per aggregate at ' . $node->name);
	}
}

# every 'group by' computation succeeded with all three members
foreach my $node (@nodes)
{
	is( $node->safe_psql($DB,
			"SELECT count(*) FILTER (WHERE status = 'succeeded' AND participants = '{node_a,node_b,node_c}'), "
			  . "count(*) FROM smpc.history WHERE aggregate = 'group by'"),
		"$hist->{counts}{$node->name}[1]|$hist->{counts}{$node->name}[1]",
		'every group by computation succeeded with all members at ' . $node->name);
}

# ---- errors ----

foreach my $gs ('GROUPING SETS ((k), (k2))', 'ROLLUP (k, k2)', 'CUBE (k, k2)')
{
	my $t0 = time;
	my $err = run_on_all(\@nodes,
		[ '\set VERBOSITY verbose', "SELECT k, k2, smpc_sum(x, 'g'), smpc_count_rows('g') FROM t GROUP BY $gs" ]);
	my $elapsed = time - $t0;
	foreach my $r (@$err)
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "$gs: fails at $name");
		like($r->{stderr},
			qr/ERROR:  0A000: smpc aggregates do not support GROUPING SETS, ROLLUP or CUBE/,
			"$gs: 0A000 at $name");
	}
	ok($elapsed < 15, sprintf('%s: the errors come at once (%.1fs)', $gs, $elapsed));
}

# members that run different aggregates disagree, without waiting
foreach my $case (
	[ 'order of the aggregates',
		"SELECT k, smpc_sum(x, 'g'), smpc_avg(x, 'g') FROM t GROUP BY k",
		"SELECT k, smpc_avg(x, 'g'), smpc_sum(x, 'g') FROM t GROUP BY k" ],
	[ 'one aggregate more',
		"SELECT k, smpc_sum(x, 'g'), smpc_avg(x, 'g') FROM t GROUP BY k",
		"SELECT k, smpc_sum(x, 'g'), smpc_avg(x, 'g'), smpc_count(x, 'g') FROM t GROUP BY k" ],
	[ 'another input type',
		"SELECT k, smpc_max(x, 'g') FROM t GROUP BY k",
		"SELECT k, smpc_max(y, 'g') FROM t GROUP BY k" ])
{
	my ($what, $sql, $other) = @$case;
	my $t0 = time;
	my $dis = run_parallel([ $node_a, $sql ], [ $node_b, $other ], [ $node_c, $sql ]);
	my $elapsed = time - $t0;
	foreach my $r (@$dis)
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "$what: fails at $name");
		# the error itself, not only the DETAIL of another error
		like($r->{stderr}, qr/ERROR:  members of peer group "g" disagree on the computation/,
			"$what: disagreement at $name");
		unlike($r->{stderr}, qr/timed out/, "$what: no timeout at $name");
	}
	ok($elapsed < 15, sprintf('%s: the errors come at once (%.1fs)', $what, $elapsed));
}

$_->stop foreach @nodes;
done_testing();
