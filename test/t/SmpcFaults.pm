
# Copyright: see the smpc LICENSE.

=pod

=head1 NAME

SmpcFaults - the fault scenarios of the smpc TAP tests, for any number of
nodes

=head1 SYNOPSIS

  use SmpcFaults;
  SmpcFaults::run_suite(3);

=head1 DESCRIPTION

run_suite($n) starts $n servers that reach each other over TCP through a
relay (SmpcProxy), one relay port per direction of every pair, so that a
test can pause or cut the network paths of one member.  Two peer groups
span all of them: "g" with the default n-of-n sharing, and "gt" that
tolerates t = floor((n-1)/2) colluders and so needs only t+1 members' sums.

A member is put at a known step of a computation with smpc.fault_injection
(it holds its shares, or its sums, and logs that it does), then stopped in
immediate mode.  Each scenario ends with the right result or with a clear
error at every surviving member within smpc.timeout, the next computation
over all members is exact, and smpc.history records what happened:

=over

=item * a member stopped before the computation;

=item * a member stopped in the input phase (after joining, before sending its shares);

=item * a member stopped in the output phase, n-of-n: the others fail and name it;

=item * t members stopped in the output phase of the threshold group: the
others still get the exact result;

=item * a member restarted between two computations;

=item * a member's network paths paused for longer than a delivery may stay
unanswered (the connections are given up and rebuilt): the computation
completes, exact, once the paths are back;

=item * a member's network paths cut for longer than smpc.timeout: every
member fails with a clear error, and the next computation after the paths
come back is exact;

=item * a member's smpc worker killed with SIGKILL.

=back

Every wait is for a condition (a log line, a view, the relay's
acknowledgement), never for a fixed time.

=cut

package SmpcFaults;

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcProxy;
use SmpcTest;
use Test::More;
use Time::HiRes qw(time);

my $DB = 'postgres';

# the timeout of the computations that are meant to fail, in seconds
my $FAIL_TIMEOUT = 4;

sub run_suite
{
	my ($n) = @_;
	my $t = int(($n - 1) / 2);
	my @names = map { 'node_' . chr(ord('a') + $_) } 0 .. $n - 1;

	# reachable over TCP on 127.0.0.1 (initdb's pg_hba trusts it for tests);
	# a crashed child makes the postmaster reinitialise, as by default
	my @nodes = map {
		create_node($_,
			conf => "listen_addresses = '127.0.0.1'\nrestart_after_crash = on\n")
	} @names;
	init_smpc_node($_) foreach @nodes;

	# one relay port for each direction of each pair
	my (%routes, %link);
	foreach my $from (@nodes)
	{
		foreach my $to (@nodes)
		{
			next if $from == $to;
			my $port = PostgreSQL::Test::Cluster::get_free_port();
			$routes{$port} = $to->port;
			$link{ $from->name }{ $to->name } = $port;
		}
	}
	my $proxy = SmpcProxy->start(\%routes);

	foreach my $node (@nodes)
	{
		my $sql = "SELECT smpc.create_peer_group('g', min_parties => $n);\n"
		  . "SELECT smpc.create_peer_group('gt', min_parties => $n, max_colluders => $t);\n";
		foreach my $other (@nodes)
		{
			next if $other == $node;
			my $ci = sprintf('host=127.0.0.1 port=%d dbname=%s user=peer_login',
				$link{ $node->name }{ $other->name }, $DB);
			$sql .= sprintf("SELECT smpc.add_peer('%s', '%s', '%s', '%s');\n",
				$_, $other->name, $ci, $other->{smpc_key})
			  foreach ('g', 'gt');
		}
		$node->safe_psql($DB, $sql);
	}
	wait_group_ready(\@nodes);

	foreach my $i (0 .. $n - 1)
	{
		load_table($nodes[$i], 't', 'v numeric',
			"SELECT round(g * " . ($i + 2) . " / 7.0, 2) FROM generate_series(1, 30 + 5 * $i) g");
	}
	pool_table($nodes[0], 'ref_t', 'v numeric', 't', \@nodes);
	my $expected = $nodes[0]->safe_psql($DB, 'SELECT avg(v) FROM ref_t');

	my $victim = $nodes[-1];
	my $vname = $victim->name;
	my @survivors = @nodes[ 0 .. $n - 2 ];
	my $first = $survivors[0]->name;

	# --- helpers over these nodes ---

	my $exact = sub {
		my ($group, $label) = @_;
		wait_group_ready(\@nodes);
		my $res = run_on_all(\@nodes, "SELECT smpc_avg(v, '$group', '$label') FROM t");
		foreach my $r (@$res)
		{
			is($r->{stdout}, $expected,
				"$n nodes, $label: joint average exact at " . $r->{node}->name)
			  or diag($r->{stderr});
		}
	};

	# run at @$who with a short timeout, expect a failure matching $like
	# everywhere, within the timeout (plus a margin for starting psql)
	my $fails = sub {
		my ($who, $group, $label, $like) = @_;
		my $t0 = time();
		my $res = run_parallel(map {
			[ $_, [ "SET smpc.timeout = '${FAIL_TIMEOUT}s'",
					"SELECT smpc_avg(v, '$group', '$label') FROM t" ] ]
		} @$who);
		my $elapsed = time() - $t0;
		foreach my $r (@$res)
		{
			my $name = $r->{node}->name;
			isnt($r->{rc}, 0, "$n nodes, $label: fails at $name");
			like($r->{stderr}, $like, "$n nodes, $label: the error at $name names the cause")
			  or diag($r->{stderr});
		}
		cmp_ok($elapsed, '<', $FAIL_TIMEOUT + 10,
			"$n nodes, $label: every member gave up within smpc.timeout");
		return $res;
	};

	# the history row of $label at each node: 'succeeded', or for 'failed'
	# one that failed naming $culprit (a member that gave up itself says
	# 'timed out'; one told first by another member that gave up, 'failed')
	my $history_is = sub {
		my ($who, $label, $outcome, $culprit) = @_;
		my $cond =
		  $outcome eq 'succeeded'
		  ? "status = 'succeeded' AND error IS NULL"
		  : "status IN ('timed out', 'failed') AND error LIKE '%$culprit%'";
		foreach my $node (@$who)
		{
			ok( $node->poll_query_until($DB,
					"SELECT $cond FROM smpc.history WHERE label = '$label'"),
				"$n nodes, $label: history at " . $node->name . " says $outcome")
			  or diag($node->safe_psql($DB,
				"SELECT status, error FROM smpc.history WHERE label = '$label'"));
		}
	};

	# make a node's worker misbehave for one computation: set the fault,
	# wait until the worker has it, then take it out of the configuration
	# file again, so that the restarted server runs normally
	my $inject = sub {
		my ($node, $fault) = @_;
		set_fault($node, $fault);
		$node->safe_psql($DB, 'ALTER SYSTEM RESET smpc.fault_injection');
	};

	# every link to or from one node
	my $links_of = sub {
		my ($node) = @_;
		my @ports;
		foreach my $other (@nodes)
		{
			next if $other == $node;
			push @ports, $link{ $node->name }{ $other->name },
			  $link{ $other->name }{ $node->name };
		}
		return @ports;
	};

	$exact->('g', 'start');

	# --- stopped before the computation ---
	$victim->stop('immediate');
	$fails->(\@survivors, 'g', 'before',
		qr/timed out.*Peers that never joined: $vname\./s);
	$history_is->(\@survivors, 'before', 'failed', $vname);
	$victim->start;
	$exact->('g', 'after-before');

	# --- stopped in the input phase: joined, shares not sent ---
	foreach my $phase (['input', 'hold_shares', 'shares', 'Peers that did not send their shares'],
		['output', 'hold_sums', 'sums', 'Peers that did not send their sums'])
	{
		my ($label, $fault, $what, $detail) = @$phase;
		$inject->($victim, $fault);
		my $offset = -s $victim->logfile;
		my $h = start_queries(
			(map {
				[ $_, [ "SET smpc.timeout = '${FAIL_TIMEOUT}s'",
						"SELECT smpc_avg(v, 'g', '$label') FROM t" ] ]
			} @survivors),
			[ $victim, "SELECT smpc_avg(v, 'g', '$label') FROM t" ]);
		$victim->wait_for_log(qr/holding the $what of computation/, $offset);
		$victim->stop('immediate');
		my $t0 = time();
		my $res = finish_queries($h);
		my $elapsed = time() - $t0;
		foreach my $r (@$res[ 0 .. $n - 2 ])
		{
			my $name = $r->{node}->name;
			isnt($r->{rc}, 0, "$n nodes, stopped in the $label phase: fails at $name");
			like($r->{stderr}, qr/timed out.*$detail: $vname\./s,
				"$n nodes, stopped in the $label phase: $name names $vname")
			  or diag($r->{stderr});
		}
		cmp_ok($elapsed, '<', $FAIL_TIMEOUT + 10,
			"$n nodes, stopped in the $label phase: the others gave up within smpc.timeout");
		$history_is->(\@survivors, $label, 'failed', $vname);
		is( $survivors[0]->safe_psql($DB,
				"SELECT computation_id IS NOT NULL FROM smpc.history WHERE label = '$label'"),
			't', "$n nodes, $label: the history row has the computation's id");
		$victim->start;
		$exact->('g', "after-$label");
	}

	# --- threshold group: t members stop in the output phase ---
	{
		my @gone = @nodes[ $n - $t .. $n - 1 ];
		my @stay = @nodes[ 0 .. $n - $t - 1 ];
		my %offset;
		foreach my $node (@gone)
		{
			$inject->($node, 'hold_sums');
			$offset{ $node->name } = -s $node->logfile;
		}
		my $h = start_queries(map { [ $_, "SELECT smpc_avg(v, 'gt', 'dropout') FROM t" ] }
			  @nodes);
		foreach my $node (@gone)
		{
			$node->wait_for_log(qr/holding the sums of computation/, $offset{ $node->name });
			$node->stop('immediate');
		}
		my $res = finish_queries($h);
		foreach my $r (@$res[ 0 .. $n - $t - 1 ])
		{
			is($r->{stdout}, $expected,
				"$n nodes, $t of them stopped in the output phase of a threshold group: exact at "
				  . $r->{node}->name)
			  or diag($r->{stderr});
		}
		$history_is->(\@stay, 'dropout', 'succeeded');
		$_->start foreach @gone;
		$exact->('gt', 'after-dropout');
	}

	# --- restarted between two computations ---
	$victim->restart;
	$exact->('g', 'restarted');

	# --- network paths paused longer than a delivery may stay unanswered ---
	{
		my @ports = $links_of->($victim);
		$proxy->set(map { $_ => 'pause' } @ports);
		# time enough for the 10 s reply deadline, a reconnection and the rest
		my $h = start_queries(map {
			[ $_, [ "SET smpc.timeout = '60s'", "SELECT smpc_avg(v, 'g', 'paused') FROM t" ] ]
		} @nodes);
		# the others' deliveries to the victim go unanswered, the connection
		# is given up (its message stays queued) and a new one cannot get through
		ok( $survivors[0]->poll_query_until($DB,
				"SELECT last_error LIKE 'no answer from the peer%' FROM smpc.peer_status "
				  . "WHERE group_name = 'g' AND peer_name = '$vname'"),
			"$n nodes, paused: $first gives up the silent connection to $vname");
		$proxy->set(map { $_ => 'pass' } @ports);
		my $res = finish_queries($h);
		foreach my $r (@$res)
		{
			is($r->{stdout}, $expected,
				"$n nodes, paused network: exact at " . $r->{node}->name . ' once the paths are back')
			  or diag($r->{stderr});
		}
		$history_is->(\@nodes, 'paused', 'succeeded');
	}

	# --- network paths cut for longer than smpc.timeout ---
	{
		my @ports = $links_of->($victim);
		$proxy->set(map { $_ => 'cut' } @ports);
		my $others = join(', ', map { $_->name } @survivors);
		my $t0 = time();
		my $res = run_on_all(\@nodes,
			[ "SET smpc.timeout = '${FAIL_TIMEOUT}s'", "SELECT smpc_avg(v, 'g', 'cut') FROM t" ]);
		my $elapsed = time() - $t0;
		foreach my $r (@$res)
		{
			my $name = $r->{node}->name;
			my $missing = $r->{node} == $victim ? $others : $vname;
			isnt($r->{rc}, 0, "$n nodes, cut network: fails at $name");
			like($r->{stderr}, qr/timed out.*Peers that never joined: \Q$missing\E\./s,
				"$n nodes, cut network: $name names $missing")
			  or diag($r->{stderr});
		}
		cmp_ok($elapsed, '<', $FAIL_TIMEOUT + 10,
			"$n nodes, cut network: every member gave up within smpc.timeout");
		$history_is->(\@survivors, 'cut', 'failed', $vname);
		$history_is->([$victim], 'cut', 'failed', $first);
		$proxy->set(map { $_ => 'pass' } @ports);
		$exact->('g', 'after-cut');
	}

	# --- the worker killed; the postmaster reinitialises the server ---
	{
		my $pid = $victim->safe_psql($DB,
			"SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'");
		like($pid, qr/^\d+$/, "$n nodes: $vname has a running worker");
		kill 'KILL', $pid;
		ok( poll_until($victim,
				"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'smpc worker' AND pid <> $pid", 't', 120),
			"$n nodes: a new worker runs after SIGKILL");
		$exact->('g', 'after-kill');
	}

	is( $survivors[0]->safe_psql($DB,
			"SELECT string_agg(label || ':' || CASE WHEN status = 'succeeded' THEN 'ok' ELSE 'failed' END, ',' "
			  . "ORDER BY started) FROM smpc.history"),
		'start:ok,before:failed,after-before:ok,input:failed,after-input:ok,output:failed,'
		  . 'after-output:ok,dropout:ok,after-dropout:ok,restarted:ok,paused:ok,cut:failed,'
		  . 'after-cut:ok,after-kill:ok',
		"$n nodes: the history at $first records every computation");

	$proxy->stop;
	$_->stop foreach @nodes;
	return;
}

1;
