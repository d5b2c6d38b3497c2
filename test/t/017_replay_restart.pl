
# Replay protection across restarts.  Every run of a worker has an epoch;
# a message is sealed for the recipient's current epoch and carries the
# sender's.  Authentic messages captured from the server log are replayed
# after the recipient restarted (refused by smpc.deliver() as for an
# earlier run), after the sender restarted (refused by the worker as from
# an earlier run of the sender), and a PING of the recipient's earlier run
# (refused as a replay), and a message of a peer that was removed and added
# again.  The computations around the replays stay exact
# and none fails.  A computation started right after a member restarts
# works without waiting for the group, and the epochs only grow.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use MIME::Base64;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;
use Time::HiRes qw(time);

my @nodes = create_nodes(3);
my ($node_a, $node_b, $node_c) = @nodes;

foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v int8',
		"SELECT g * " . ($i + 3) . " FROM generate_series(1, 30 + $i) g");
}
pool_table($node_a, 'ref_t', 'v int8', 't', \@nodes);
my $expected = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');

sub joint_sum_ok
{
	my ($label) = @_;
	my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', '$label') FROM t");
	is($_->{stdout}, $expected, "$label: joint sum exact at " . $_->{node}->name)
	  or diag($_->{stderr})
	  foreach @$res;
	return;
}

# Every message $to accepted through smpc.deliver() since log offset
# $offset (the tests log every statement with its parameters), from
# $from, of type $type (1 PING, 4 SHARES): the last one.
sub captured
{
	my ($to, $from, $type, $offset) = @_;
	my $log = slurp_file($to->logfile, $offset);
	my $sender = decode_base64($from->{smpc_key});
	my $found;
	while ($log =~ /parameters: \$1 = '\\x(5302[0-9a-f]+)'/g)
	{
		my $msg = pack('H*', $1);
		$found = $msg
		  if ord(substr($msg, 2, 1)) == $type && substr($msg, 4, 32) eq $sender;
	}
	return $found;
}

sub deliver
{
	my ($node, $msg) = @_;
	my $hex = unpack('H*', $msg);
	return $node->psql('postgres', "SELECT smpc.deliver('\\x$hex'::bytea)",
		extra_params => [ '-U', 'peer_login' ]);
}

sub epoch_file
{
	my ($node) = @_;
	my $bytes = slurp_file($node->data_dir . '/smpc/epoch');
	my ($hi, $lo) = unpack('NN', $bytes);
	return $hi * 4294967296 + $lo;
}

sub wait_worker
{
	my ($node) = @_;
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'smpc worker'"),
		$node->name . "'s worker runs again");
	return;
}

sub failed_anywhere
{
	my $n = 0;
	$n += history_count($_, "status <> 'succeeded'") foreach @nodes;
	return $n;
}

my $offset = -s $node_a->logfile;
joint_sum_ok('before');
my $old_shares = captured($node_a, $node_b, 4, $offset);
my $old_ping = captured($node_a, $node_b, 1, 0);
ok(defined $old_shares, 'captured the shares node_b sent node_a');
ok(defined $old_ping, 'captured a PING node_b sent node_a');

# the recipient restarts: what was sealed for its earlier run is refused
my $epoch_before = epoch_file($node_a);
$node_a->restart;
wait_worker($node_a);
ok(epoch_file($node_a) > $epoch_before, "node_a's worker epoch grew across the restart");
{
	# right away, without waiting for the group to be ready: the handshake
	# with each peer is one round trip
	my $t0 = time();
	joint_sum_ok('right-after-restart');
	diag(sprintf('first computation once node_a\'s worker runs again: %.3f s', time() - $t0));
}
SmpcTest::wait_group_ready(\@nodes, 'g');
{
	my ($rc, $out, $err) = deliver($node_a, $old_shares);
	isnt($rc, 0, 'recipient restarted: replayed shares refused');
	like($err, qr/smpc message is for an earlier run of this node's background worker/,
		'recipient restarted: refusal names the reason');

	$offset = -s $node_a->logfile;
	($rc, $out, $err) = deliver($node_a, $old_ping);
	is($rc, 0, 'a PING of an earlier run passes smpc.deliver()') or diag($err);
	ok( eval {
			$node_a->wait_for_log(qr/WARNING:  smpc: rejected a replayed message from peer "node_b"/,
				$offset);
			1;
		},
		'the worker refuses the replayed PING with a warning');
}
joint_sum_ok('after-recipient-restart');

# the sender restarts: its earlier run's messages, sealed for node_a's
# current run, are refused by node_a's worker once it knows the new run
$offset = -s $node_a->logfile;
joint_sum_ok('to-capture');
my $shares = captured($node_a, $node_b, 4, $offset);
ok(defined $shares, "captured shares node_b sent node_a's current run");
$node_b->restart;
wait_worker($node_b);
SmpcTest::wait_group_ready(\@nodes, 'g');
{
	# during a computation: the replay must not disturb it
	my $run = start_queries(map { [ $_, "SELECT smpc_sum(v, 'g', 'during-replay') FROM t" ] } @nodes);
	$offset = -s $node_a->logfile;
	my ($rc, $out, $err) = deliver($node_a, $shares);
	is($rc, 0, "sender restarted: the replay is for node_a's current run, so smpc.deliver() takes it")
	  or diag($err);
	ok( eval {
			$node_a->wait_for_log(
				qr/WARNING:  smpc: rejected a message from an earlier run of peer "node_b"'s worker/,
				$offset);
			1;
		},
		'sender restarted: the worker refuses it with a warning that names the reason');
	my $res = finish_queries($run);
	is($_->{stdout}, $expected, 'during-replay: joint sum exact at ' . $_->{node}->name)
	  or diag($_->{stderr})
	  foreach @$res;
}
joint_sum_ok('after-sender-restart');

# a peer removed and added again: what node_a accepted from it still counts
$offset = -s $node_a->logfile;
joint_sum_ok('before-re-add');
my $from_c = captured($node_a, $node_c, 4, $offset);
ok(defined $from_c, 'captured shares node_c sent node_a');
$node_a->safe_psql('postgres', "SELECT smpc.remove_peer('g', 'node_c')");
$node_a->safe_psql('postgres',
	sprintf("SELECT smpc.add_peer('g', 'node_c', \$ci\$%s\$ci\$, '%s')",
		SmpcTest::peer_conninfo($node_c), $node_c->{smpc_key}));
SmpcTest::wait_group_ready(\@nodes, 'g');
{
	$offset = -s $node_a->logfile;
	my ($rc, $out, $err) = deliver($node_a, $from_c);
	is($rc, 0, 're-added peer: smpc.deliver() takes the replay') or diag($err);
	ok( eval {
			$node_a->wait_for_log(
				qr/WARNING:  smpc: rejected a replayed message from peer "node_c"/, $offset);
			1;
		},
		're-added peer: the worker refuses the replay with a warning');
}
joint_sum_ok('after-re-add');
is(failed_anywhere(), 0, 'no computation failed at any member');

done_testing();
