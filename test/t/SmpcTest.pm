
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

1;
