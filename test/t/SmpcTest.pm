
# Copyright: see the smpc LICENSE.

=pod

=head1 NAME

SmpcTest - shared helpers for the multi-server smpc TAP tests

=head1 SYNOPSIS

  use FindBin;
  use lib $FindBin::RealBin;
  use SmpcTest;

  my @nodes = SmpcTest::create_nodes(3);     # node_a, node_b, node_c, one group "g"
  my $res = SmpcTest::run_on_all(\@nodes, "SELECT smpc_sum(x, 'g') FROM t");
  is($res->[0]{stdout}, '42', 'sum at node_a');

=head1 DESCRIPTION

Every node is a PostgreSQL::Test::Cluster whose name is also its smpc node
name and the name under which the other members know it as a peer.  Every
member of a group adds all the other members; the helpers wait until every
peer is reachable and has proved its key before they return.

=cut

package SmpcTest;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

our @EXPORT = qw(
  create_nodes
  create_node
  init_smpc_node
  setup_group
  wait_group_ready
  start_queries
  finish_queries
  run_parallel
  run_on_all
  load_table
  pool_table
  float_close
  exact_close
  poll_until
  history_count
  set_fault
);

our $DB = 'postgres';

# Default time limit for one batch of concurrent psql runs, in seconds.
our $QUERY_TIMEOUT = 120;

=pod

=head1 FUNCTIONS

=over

=item create_node($name, %opts)

Initialise and start one cluster with the smpc settings.  Options:
preload (shared_preload_libraries, default 'smpc'; '' for none),
timeout (smpc.timeout, default '20s'), conf (extra postgresql.conf text),
initdb (an array ref of extra initdb arguments, e.g. an encoding).
Does not create the extension.

=cut

sub create_node
{
	my ($name, %opts) = @_;
	my $preload = defined $opts{preload} ? $opts{preload} : 'smpc';
	my $timeout = defined $opts{timeout} ? $opts{timeout} : '20s';

	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(defined $opts{initdb} ? (extra => $opts{initdb}) : ());
	my $conf = '';
	$conf .= "shared_preload_libraries = '$preload'\n" if $preload ne '';
	$conf .= "smpc.database = '$DB'\n" if $preload =~ /\bsmpc\b/;
	$conf .= "smpc.timeout = '$timeout'\n" if $preload =~ /\bsmpc\b/;
	$conf .= "max_connections = 40\n";
	$conf .= "log_min_messages = info\n";
	$conf .= $opts{conf} if defined $opts{conf};
	$node->append_conf('postgresql.conf', $conf);
	$node->start;
	return $node;
}

=pod

=item init_smpc_node($node)

CREATE EXTENSION smpc, smpc.init_node(<node name>), and the peers' login
role peer_login (smpc.create_peer_login: a member of smpc_peer, limited,
no password; the test servers trust it).  Returns the node's public key.

=cut

sub init_smpc_node
{
	my ($node) = @_;
	my $name = $node->name;

	$node->safe_psql($DB, 'CREATE EXTENSION smpc');
	my $key = $node->safe_psql($DB, "SELECT smpc.init_node('$name')");
	is(length($key), 44, "$name: init_node returns a 44-character public key");
	my $info = $node->safe_psql($DB,
		"SELECT name || '|' || public_key FROM smpc.node_info()");
	is($info, "$name|$key", "$name: node_info shows name and key");
	# the tests read delivered messages from a log of every statement
	$node->safe_psql($DB, "SELECT smpc.create_peer_login('peer_login'); "
		  . "ALTER ROLE peer_login RESET log_statement");
	$node->{smpc_key} = $key;
	return $key;
}

=pod

=item peer_conninfo($node)

The connection string another member uses to reach $node.

=cut

sub peer_conninfo
{
	my ($node) = @_;
	return
	    "host='"
	  . $node->host
	  . "' port="
	  . $node->port
	  . " dbname=$DB user=peer_login";
}

=pod

=item setup_group($group, $min_parties, \@nodes)

Create the group on every node and add every other node as a peer.

=cut

sub setup_group
{
	my ($group, $min_parties, $nodes) = @_;

	foreach my $node (@$nodes)
	{
		my $sql = "SELECT smpc.create_peer_group('$group', min_parties => $min_parties);\n";
		foreach my $other (@$nodes)
		{
			next if $other == $node;
			$sql .= sprintf("SELECT smpc.add_peer('%s', '%s', \$ci\$%s\$ci\$, '%s');\n",
				$group, $other->name, peer_conninfo($other),
				$other->{smpc_key});
		}
		$node->safe_psql($DB, $sql);
	}
	return;
}

=pod

=item wait_group_ready(\@nodes [, $group])

Poll every node until all its peers (of $group, or of every group) are
reachable and key_verified.  One ok() per node.

=cut

sub wait_group_ready
{
	my ($nodes, $group) = @_;
	my $where = defined $group ? "WHERE group_name = '$group'" : '';

	foreach my $node (@$nodes)
	{
		my $ok = $node->poll_query_until($DB,
			"SELECT coalesce(bool_and(reachable AND key_verified), false) FROM smpc.peer_status $where"
		);
		ok($ok, $node->name . ': every peer reachable and key verified');
		if (!$ok)
		{
			diag($node->safe_psql($DB,
				'SELECT peer_name, reachable, key_verified, last_error FROM smpc.peer_status'));
		}
	}
	return;
}

=pod

=item create_nodes($n, %opts)

Create $n nodes named node_a, node_b, ... (or names => [...]), initialise
smpc on each, create group (default 'g', min_parties default $n) with every
other node as a peer, and wait until all peers are ready.  Options as for
create_node, plus group, min_parties, names.

=cut

sub create_nodes
{
	my ($n, %opts) = @_;
	my $group = defined $opts{group} ? $opts{group} : 'g';
	my $min = defined $opts{min_parties} ? $opts{min_parties} : $n;
	my @names =
	  defined $opts{names}
	  ? @{ $opts{names} }
	  : map { 'node_' . chr(ord('a') + $_) } 0 .. $n - 1;

	my @nodes = map { create_node($_, %opts) } @names;
	init_smpc_node($_) foreach @nodes;
	setup_group($group, $min, \@nodes);
	wait_group_ready(\@nodes, $group);
	return @nodes;
}

=pod

=item start_queries(@jobs)

Start one psql per job without waiting.  A job is [$node, $sql] where $sql
is a string or an array ref of statements (each one sent with its own -c,
so SET then SELECT works).  Output is unaligned, tuples only, quiet;
ON_ERROR_STOP is on.  Returns a handle for finish_queries.

=cut

sub start_queries
{
	my (@jobs) = @_;
	my @runs;

	foreach my $job (@jobs)
	{
		my ($node, $sql, %o) = @$job;
		my @stmts = ref $sql ? @$sql : ($sql);
		my $r = {
			node => $node,
			sql => join('; ', @stmts),
			stdout => '',
			stderr => '',
		};
		my @cmd = (
			$node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr($o{dbname} // $DB),
			map { ('-c', $_) } @stmts);
		$r->{timer} = IPC::Run::timeout($QUERY_TIMEOUT, exception => 'smpc test psql timed out');
		$r->{h} = IPC::Run::start(\@cmd, '<', '/dev/null', '>', \$r->{stdout},
			'2>', \$r->{stderr}, $r->{timer});
		push @runs, $r;
	}
	return \@runs;
}

=pod

=item finish_queries($handle)

Wait for every psql started by start_queries.  Returns an array ref, one
hash per job in order: { node, sql, stdout, stderr, rc } with stdout and
stderr chomped; rc is psql's exit code (0 ok, 1 SQL error: statements go in
with -c), -1 when the run timed out, -2 when psql died of a signal.

=cut

sub finish_queries
{
	my ($runs) = @_;
	my @res;

	foreach my $r (@$runs)
	{
		my $rc;
		eval {
			$r->{h}->finish;
			my $full = $r->{h}->full_result(0);
			$rc = ($full & 127) ? -2 : $full >> 8;
			1;
		} or do {
			my $err = $@;
			diag('psql on ' . $r->{node}->name . " failed: $err");
			eval { $r->{h}->kill_kill; };
			$rc = -1;
		};
		chomp $r->{stdout};
		chomp $r->{stderr};
		push @res,
		  {
			node => $r->{node},
			sql => $r->{sql},
			stdout => $r->{stdout},
			stderr => $r->{stderr},
			rc => $rc
		  };
	}
	return \@res;
}

=pod

=item run_parallel(@jobs)

start_queries then finish_queries.

=item run_on_all(\@nodes, $sql)

Run the same $sql (string or array ref of statements) on every node at the
same time; returns the results as run_parallel, in node order.

=cut

sub run_parallel
{
	return finish_queries(start_queries(@_));
}

sub run_on_all
{
	my ($nodes, $sql) = @_;
	return run_parallel(map { [ $_, $sql ] } @$nodes);
}

=pod

=item load_table($node, $table, $columns, $select)

CREATE TABLE $table ($columns) and fill it with INSERT ... $select (skipped
when $select is undef or empty, leaving the table empty).

=cut

sub load_table
{
	my ($node, $table, $columns, $select) = @_;
	my $sql = "CREATE TABLE $table ($columns);\n";
	$sql .= "INSERT INTO $table $select;\n" if defined $select && $select ne '';
	$sql .= "ANALYZE $table;\n";
	$node->safe_psql($DB, $sql);
	return;
}

=pod

=item pool_table($ref, $pooled, $columns, $table, \@nodes)

Copy the rows of $table from every node in @nodes into $pooled (created with
$columns) on node $ref, through COPY in text format.  Plain aggregates over
$pooled are the expected values of the joint aggregates.

=cut

sub pool_table
{
	my ($ref, $pooled, $columns, $table, $nodes) = @_;

	$ref->safe_psql($DB, "CREATE TABLE $pooled ($columns)");
	foreach my $node (@$nodes)
	{
		my $data = $node->safe_psql($DB, "COPY $table TO STDOUT");
		next if $data eq '';
		$ref->safe_psql($DB, "COPY $pooled FROM STDIN;\n$data\n\\.\n");
	}
	my $total = 0;
	$total += $_->safe_psql($DB, "SELECT count(*) FROM $table") foreach @$nodes;
	is($ref->safe_psql($DB, "SELECT count(*) FROM $pooled"),
		$total, "$pooled holds the rows of $table from every node");
	return;
}

=pod

=item float_close($got, $expected [, $reltol])

True when both are NULL (empty string) or both are numbers whose relative
difference is at most $reltol (default 1e-9).

=cut

sub float_close
{
	my ($got, $exp, $tol) = @_;
	$tol = 1e-9 unless defined $tol;
	return 0 unless defined $got && defined $exp;
	return $got eq $exp if $got eq '' || $exp eq '';
	my $num = qr/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
	return 0 unless $got =~ $num && $exp =~ $num;
	return 1 if $got == $exp;
	my $scale = abs($exp) > abs($got) ? abs($exp) : abs($got);
	return abs($got - $exp) <= $tol * $scale;
}

=pod

=item exact_close($node, $got, $expr [, $from])

True when $got (a float8's text, or empty for NULL) is within 1e-12
relative of the exact value of the numeric expression $expr over the rows
of $from (default ref_t), or both are NULL.  The comparison is done in
numeric at $node, so values beyond double's range or precision are
compared exactly.

=cut

sub exact_close
{
	my ($node, $got, $expr, $from) = @_;
	$from //= 'ref_t';
	my $g = (defined $got && $got ne '') ? "'$got'::numeric" : 'NULL::numeric';
	my $ok = $node->safe_psql($DB,
		"SELECT CASE WHEN g IS NULL OR e IS NULL THEN g IS NULL AND e IS NULL "
		  . "ELSE abs(g - e) <= 1e-12 * abs(e) END FROM (SELECT $g AS g, ($expr) AS e FROM $from) s");
	Test::More::diag("got $got, exact " . $node->safe_psql($DB, "SELECT ($expr)::text FROM $from"))
	  if $ok ne 't';
	return $ok eq 't';
}

=pod

=item poll_until($node, $sql, $expected, $seconds)

Like poll_query_until, with an explicit bound in seconds.  Returns true
when $sql returned $expected in time.  The query goes on psql's command
line, not its standard input, and every failure of psql counts as "not
yet": a server that is restarting after a crash (connections refused,
psql exiting before it reads anything) only makes the loop try again.

=cut

sub poll_until
{
	my ($node, $sql, $expected, $seconds) = @_;
	my $deadline = time() + $seconds;
	my $last = '';

	while (time() < $deadline)
	{
		my ($out, $err) = ('', '');
		my $ran = eval {
			IPC::Run::run(
				[ $node->installed_command('psql'), '-XAtq', '-d', $node->connstr($DB), '-c', $sql ],
				'<', '/dev/null', '>', \$out, '2>', \$err);
		};
		$err .= $@ if $@;
		chomp $out;
		$last = "$out$err";
		return 1 if $ran && $out eq $expected;
		usleep(250_000);
	}
	Test::More::diag("poll_until on " . $node->name . " gave up after ${seconds}s: $sql\nlast output: $last");
	return 0;
}

=pod

=item history_count($node, $where)

Number of smpc.history rows at $node matching the SQL condition $where.

=cut

sub history_count
{
	my ($node, $where) = @_;
	return $node->safe_psql($DB, "SELECT count(*) FROM smpc.history WHERE $where");
}

=pod

=item set_fault($node, $fault)

Set smpc.fault_injection at $node (ALTER SYSTEM and a reload) and wait
until its worker logs that it has taken the new value.

=cut

sub set_fault
{
	my ($node, $fault) = @_;
	my $offset = -s $node->logfile;
	$node->safe_psql($DB, "ALTER SYSTEM SET smpc.fault_injection = '$fault'");
	$node->reload;
	$node->wait_for_log(qr/smpc: fault injection is now "$fault"/, $offset);
	return;
}

=pod

=back

=cut

=pod

=head1 GROUP BY HELPERS

A specification of one smpc aggregate, for the GROUP BY tests, is a hash:

  { smpc  => "smpc_sum(x, 'GRP')",   # 'GRP' is replaced by the group name
    plain => 'sum(x)',               # PostgreSQL's own aggregate
    rows  => 'x IS NOT NULL',        # the rows that count (contributors, cells)
    cells => [ 'width_bucket(v, b) = 0', ... ],  # histogram and frequency cells
    float => 1 }                     # a floating-point result

The pooled table of the expected values has a column m, the number (1, 2,
...) of the member a row came from.

=over

=item histogram_spec($column, \@bounds) and frequencies_spec($column, \@categories)

Specifications of smpc_histogram and smpc_frequencies over $column.

=cut

sub histogram_spec
{
	my ($col, $bounds) = @_;
	my $b = 'ARRAY[' . join(', ', @$bounds) . ']::float8[]';
	return {
		smpc => "smpc_histogram($col, 'GRP', $b)",
		rows => "$col IS NOT NULL",
		cells => [ map { "width_bucket($col, $b) = $_" } 0 .. scalar(@$bounds) ],
	};
}

sub frequencies_spec
{
	my ($col, $cats) = @_;
	my $c = 'ARRAY[' . join(', ', map { "'$_'" } @$cats) . ']::text[]';
	return {
		smpc => "smpc_frequencies($col, 'GRP', $c)",
		rows => "$col IS NOT NULL",
		cells => [ (map { "$col = ($c)[$_]" } 1 .. scalar(@$cats)), "$col <> ALL ($c)" ],
	};
}

=pod

=item group_query(%o)

The smpc query: SELECT the keys and the aggregates of $o{aggs} over group
$o{group} FROM $o{table} [WHERE $o{where}] GROUP BY the keys ORDER BY the
keys.  $o{keys} is an array ref of column names.

=cut

sub group_query
{
	my (%o) = @_;
	my @keys = @{ $o{keys} };
	my $sql = 'SELECT '
	  . join(', ', @keys, map { my $s = $_->{smpc}; $s =~ s/GRP/$o{group}/g; $s } @{ $o{aggs} })
	  . " FROM $o{table}";
	$sql .= " WHERE $o{where}" if defined $o{where};
	$sql .= ' GROUP BY ' . join(', ', @keys);
	$sql .= ' ORDER BY ' . join(', ', @keys) unless defined $o{order} && $o{order} eq '';
	return $sql;
}

# The SQL that decides whether a count $n, with $c->(i) the count of member
# i in it, is a small cell under min_cell_count $k among $members members.
sub small_cell_sql
{
	my ($n, $c, $k, $members) = @_;
	my $range = 'BETWEEN 1 AND ' . ($k - 1);
	return "(($n) $range OR "
	  . join(' OR ', map { "($n) - (" . $c->($_) . ") $range" } 1 .. $members) . ')';
}

# One aggregate's expected value over the rows of one group: NULL when
# fewer than min_parties members have rows that count, or (min_cell_count
# above 1) when its count is a small cell; histogram and frequency cells
# each on their own.
sub expected_agg_sql
{
	my ($a, %o) = @_;
	my $k = $o{min_cell_count} // 1;
	my $released = "count(DISTINCT m) FILTER (WHERE $a->{rows}) >= $o{min_parties}";
	if ($a->{cells})
	{
		my @cells;
		foreach my $cell (@{ $a->{cells} })
		{
			my $n = "count(*) FILTER (WHERE ($a->{rows}) AND ($cell))";
			if ($k > 1)
			{
				my $small = small_cell_sql($n,
					sub { "count(*) FILTER (WHERE ($a->{rows}) AND ($cell) AND m = $_[0])" },
					$k, $o{members});
				$n = "CASE WHEN $small THEN NULL ELSE $n END";
			}
			push @cells, $n;
		}
		return "CASE WHEN $released THEN ARRAY[" . join(', ', @cells) . ']::bigint[] END';
	}
	if ($k > 1)
	{
		my $small = small_cell_sql("count(*) FILTER (WHERE $a->{rows})",
			sub { "count(*) FILTER (WHERE ($a->{rows}) AND m = $_[0])" },
			$k, $o{members});
		$released .= " AND NOT $small";
	}
	return "CASE WHEN $released THEN $a->{plain} END";
}

# SELECT key1.., r1.. FROM the pooled table, one row per group; only the
# groups member $o{member} has when that is given.
sub expected_inner_sql
{
	my (%o) = @_;
	my @keys = @{ $o{keys} };
	my $i = 0;
	my $j = 0;
	my $sql = 'SELECT '
	  . join(', ',
		(map { $i++; "$_ AS key$i" } @keys),
		(map { $j++; expected_agg_sql($_, %o) . " AS r$j" } @{ $o{aggs} }))
	  . " FROM $o{table}";
	$sql .= " WHERE $o{where}" if defined $o{where};
	$sql .= ' GROUP BY ' . join(', ', 1 .. scalar(@keys));
	$sql .= " HAVING bool_or(m = $o{member})" if defined $o{member};
	return $sql;
}

=pod

=item group_expected_sql(%o)

What member $o{member} (1-based, the m of its rows) should get from
group_query(%o), computed with PostgreSQL's own aggregates over the pooled
table $o{table}: its own groups, each aggregate NULL when it is withheld
(fewer than $o{min_parties} of the $o{members} members have rows that
count, or a small cell under $o{min_cell_count}).  The result columns are
named key1.. and r1..; $o{select} (default all), $o{filter} (a WHERE over
them) and $o{order} (default the keys, '' for none) shape the output.

=cut

sub group_expected_sql
{
	my (%o) = @_;
	my $nkeys = scalar(@{ $o{keys} });
	my $order = $o{order} // join(', ', map { "key$_" } 1 .. $nkeys);
	my $sql = 'SELECT ' . ($o{select} // '*') . ' FROM (' . expected_inner_sql(%o) . ') s';
	$sql .= " WHERE $o{filter}" if defined $o{filter};
	$sql .= " ORDER BY $order" if $order ne '';
	return $sql;
}

=pod

=item group_results_expected_sql(%o)

The rows smpc.group_results() should show after group_query(%o), in the
order peer_group, label, key, aggregate_no, aggregate, result: every key of
the pooled table (not only one member's).  $o{label} defaults to ''.

=cut

sub group_results_expected_sql
{
	my (%o) = @_;
	my $nkeys = scalar(@{ $o{keys} });
	my $j = 0;
	my $values = join(', ',
		map {
			$j++;
			my ($name) = $_->{smpc} =~ /^(\w+)\(/;
			"($j, '$name', r${j}::text)"
		} @{ $o{aggs} });
	my $label = $o{label} // '';
	return "SELECT '$o{group}', '$label', ARRAY["
	  . join(', ', map { "key${_}::text" } 1 .. $nkeys)
	  . "]::text[], v.no, v.name, v.res FROM ("
	  . expected_inner_sql(%o, member => undef)
	  . ") s CROSS JOIN LATERAL (VALUES $values) v(no, name, res) ORDER BY 3, 4";
}

=pod

=item group_results_query()

The query that lists smpc.group_results() in the same columns.

=cut

sub group_results_query
{
	return 'SELECT peer_group, label, key, aggregate_no, aggregate, result '
	  . 'FROM smpc.group_results() ORDER BY peer_group, key, aggregate_no';
}

=pod

=item rows_match($what, $got, $expected, %o)

One ok(): the psql outputs $got and $expected (lines of fields separated
by '|') are the same.  Fields listed in $o{float} (0-based indexes, or a
function of the index and the expected row's fields) may differ by a
relative 1e-9 (plus 1e-12 absolute, for results near zero that are
rounded differently).  $o{sort}: compare the lines sorted.

=cut

sub rows_match
{
	my ($what, $got, $exp, %o) = @_;
	my @g = split /\n/, $got // '', -1;
	my @e = split /\n/, $exp // '', -1;
	if ($o{sort})
	{
		@g = sort @g;
		@e = sort @e;
	}
	my $is_float = $o{float} // [];
	if (ref $is_float eq 'ARRAY')
	{
		my %f = map { $_ => 1 } @$is_float;
		$is_float = sub { return $f{ $_[0] } };
	}
	my $num = qr/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
	my @bad;
	push @bad, 'got ' . scalar(@g) . ' rows, expected ' . scalar(@e) if @g != @e;
	for my $i (0 .. ($#g < $#e ? $#g : $#e))
	{
		next if $g[$i] eq $e[$i];
		my @gf = split /\|/, $g[$i], -1;
		my @ef = split /\|/, $e[$i], -1;
		my $ok = @gf == @ef;
		for my $c (0 .. $#ef)
		{
			last unless $ok;
			next if $gf[$c] eq $ef[$c];
			$ok = 0;
			next unless $is_float->($c, \@ef);
			next unless $gf[$c] =~ $num && $ef[$c] =~ $num;
			my $scale = abs($gf[$c]) > abs($ef[$c]) ? abs($gf[$c]) : abs($ef[$c]);
			$ok = abs($gf[$c] - $ef[$c]) <= 1e-9 * $scale + 1e-12;
		}
		push @bad, "row " . ($i + 1) . ": got '$g[$i]', expected '$e[$i]'" unless $ok;
	}
	my $res = Test::More::ok(!@bad, $what);
	if (@bad)
	{
		Test::More::diag($_) foreach (@bad > 8 ? (@bad[ 0 .. 7 ], '...') : @bad);
	}
	return $res;
}

=pod

=item history_counts($node)

"total/group by": the number of smpc.history rows at $node, and of those
with aggregate 'group by'.

=cut

sub history_counts
{
	my ($node) = @_;
	return $node->safe_psql($DB,
		"SELECT count(*) || '/' || count(*) FILTER (WHERE aggregate = 'group by') FROM smpc.history");
}

=pod

=item agg_spec($smpc, $plain, $rows [, $float])

A specification (see above) from its parts.

=cut

sub agg_spec
{
	my ($smpc, $plain, $rows, $float) = @_;
	return { smpc => $smpc, plain => $plain, rows => $rows, float => $float };
}

=pod

=item float_fields($nkeys, \@aggs)

The 0-based fields of the floating-point results in a row of $nkeys keys
followed by the results of @aggs.

=cut

sub float_fields
{
	my ($nkeys, $aggs) = @_;
	return [ map { $aggs->[$_]{float} ? $nkeys + $_ : () } 0 .. $#$aggs ];
}

=pod

=item group_results_stmts() and split_group_results($stdout)

The statements to run after a GROUP BY query in the same session to list
smpc.group_results() after a marker line, and the two parts of psql's
output: the query's rows and group_results' rows.

=cut

our $GROUP_RESULTS_MARKER = '-- group results --';

sub group_results_stmts
{
	return ("SELECT '$GROUP_RESULTS_MARKER'", group_results_query());
}

sub split_group_results
{
	my ($stdout) = @_;
	my @lines = split /\n/, $stdout // '', -1;
	my ($at) = grep { $lines[$_] eq $GROUP_RESULTS_MARKER } 0 .. $#lines;
	$at = scalar @lines unless defined $at;
	return (join("\n", @lines[ 0 .. $at - 1 ]), join("\n", @lines[ $at + 1 .. $#lines ]));
}

=pod

=item check_group_by(\@nodes, $what, %o)

Run one GROUP BY query at every node at once and check each node's rows
against group_expected_sql over the pooled table at $nodes->[0] (member
number i + 1 is $nodes->[i], the m of its rows).  Options: group, table
(default t), ref (the pooled table, default ref_<table>), keys (default
[k]), aggs, where, min_parties, min_cell_count, sql (instead of
group_query), sql_at (a query per node name, instead of sql), select,
filter, order (for the expected rows), float (see
rows_match; default the floating-point results), pre (statements per node
name before the query), results (check smpc.group_results() too: the
expected rows, and the same at every node), extra_results (rows that
group_results shows beyond the pooled keys), label, sort (compare sorted
rows), no_rows (names of nodes that are meant to get no rows).  Returns
the psql results and the seconds they took.

=cut

sub check_group_by
{
	my ($nodes, $what, %o) = @_;
	my $ref_node = $nodes->[0];
	$o{table} //= 't';
	$o{keys} //= ['k'];
	my $sql = $o{sql} // group_query(%o);
	my @jobs;
	foreach my $node (@$nodes)
	{
		my @stmts = @{ $o{pre}{ $node->name } // [] };
		push @stmts, $o{sql_at}{ $node->name } // $sql;
		push @stmts, group_results_stmts() if $o{results};
		push @jobs, [ $node, \@stmts ];
	}
	my $t0 = time();
	my $res = run_parallel(@jobs);
	my $elapsed = time() - $t0;

	my %exp = (%o, table => $o{ref} // "ref_$o{table}", members => scalar(@$nodes));
	my $nkeys = scalar @{ $o{keys} };
	my @gr;
	foreach my $i (0 .. $#$nodes)
	{
		my $r = $res->[$i];
		my $name = $r->{node}->name;
		Test::More::is($r->{rc}, 0, "$what: succeeds at $name") or Test::More::diag($r->{stderr});
		my ($out, $gr) = split_group_results($r->{stdout});
		push @gr, $gr;
		my $expected = $ref_node->safe_psql($DB, group_expected_sql(%exp, member => $i + 1));
		# a comparison of nothing with nothing proves nothing
		Test::More::fail("$what: the test data gives $name rows")
		  if $expected eq '' && !grep { $_ eq $name } @{ $o{no_rows} // [] };
		rows_match("$what: result at $name", $out, $expected,
			float => $o{float} // float_fields($nkeys, $o{aggs}), sort => $o{sort});
	}
	if ($o{results})
	{
		my $expected = $ref_node->safe_psql($DB, group_results_expected_sql(%exp));
		$expected = join("\n", grep { $_ ne '' } $expected, @{ $o{extra_results} })
		  if $o{extra_results};
		my $aggs = $o{aggs};
		my $float = sub { my ($c, $f) = @_; return $c == 5 && $aggs->[ $f->[3] - 1 ]{float}; };
		foreach my $i (0 .. $#$nodes)
		{
			my $name = $nodes->[$i]->name;
			rows_match("$what: smpc.group_results() at $name", $gr[$i], $expected,
				float => $float, sort => 1);
			Test::More::is($gr[$i], $gr[0],
				"$what: smpc.group_results() at $name is the same as at " . $nodes->[0]->name)
			  if $i > 0;
		}
	}
	return ($res, $elapsed);
}

=pod

=item history_tracker(\@nodes) and expect_history($tracker, $what, $total, $group_by)

A tracker of the smpc.history rows of @nodes; expect_history polls (30 s)
until every node has gained exactly $total rows since the last call, of
them $group_by with aggregate 'group by'.  A row that comes late makes the
next call fail, so the counts are exact over the whole test.

=cut

sub history_tracker
{
	my ($nodes) = @_;
	return { nodes => $nodes, counts => { map { $_->name => [ split m{/}, history_counts($_) ] } @$nodes } };
}

sub expect_history
{
	my ($tracker, $what, $total, $group_by) = @_;
	foreach my $node (@{ $tracker->{nodes} })
	{
		my $h = $tracker->{counts}{ $node->name };
		$h->[0] += $total;
		$h->[1] += $group_by;
		Test::More::ok(
			poll_until($node,
				"SELECT count(*) || '/' || count(*) FILTER (WHERE aggregate = 'group by') FROM smpc.history",
				"$h->[0]/$h->[1]", 30),
			"$what: $total new history row(s), $group_by of them 'group by', at " . $node->name);
	}
	return;
}

=pod

=back

=cut

push @EXPORT, qw(
  histogram_spec
  frequencies_spec
  group_query
  group_expected_sql
  group_results_expected_sql
  group_results_query
  rows_match
  history_counts
  agg_spec
  float_fields
  group_results_stmts
  split_group_results
  check_group_by
  history_tracker
  expect_history
);

1;
