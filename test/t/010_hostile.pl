
# Hostile input at the delivery endpoint of a real node: a replayed
# message, an altered one, one from an unknown key, one for another node,
# truncated and oversized ones, a removed peer's, a member's messages of a
# step not due or for a finished computation, a member's group name, label
# and reason that are not text, and a flood of junk.  Each is refused with
# an error or a logged warning, no backend crashes, memory stays bounded,
# and the results of the computations around them stay exact.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

# UTF-8, so that text that is not UTF-8 would break a dump and restore
my @nodes = create_nodes(3, initdb => [ '--encoding=UTF8', '--locale=C' ]);
my ($node_a, $node_b, $node_c) = @nodes;
my $peer = 'peer_login';

foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v int4',
		"SELECT g * " . ($i + 2) . " FROM generate_series(1, 50 + $i) g");
}
pool_table($node_a, 'ref_t', 'v int4', 't', \@nodes);
my $expected = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');
my $started = $node_a->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

sub joint_sum_ok
{
	my ($label) = @_;
	my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', '$label') FROM t");
	is($_->{stdout}, $expected, "$label: joint sum exact at " . $_->{node}->name) foreach @$res;
	return;
}

joint_sum_ok('before');

# a message node_a accepted from a peer, as the server logged its delivery
my $log = slurp_file($node_a->logfile);
my ($captured) = $log =~ /parameters: \$1 = '\\x(5302[0-9a-f]+)'/;
ok(defined $captured && length($captured) > 2 * 148, 'captured a delivered message from the log');
my $bytes = pack('H*', $captured);

sub deliver
{
	my ($msg) = @_;
	my $hex = unpack('H*', $msg);
	return $node_a->psql('postgres', "SELECT smpc.deliver('\\x$hex'::bytea)",
		extra_params => [ '-U', $peer ]);
}

sub deliver_fails
{
	my ($msg, $pattern, $what) = @_;
	my ($rc, $out, $err) = deliver($msg);
	isnt($rc, 0, "$what: refused");
	like($err, $pattern, "$what: says why");
	return;
}

sub deliver_warns
{
	my ($msg, $pattern, $what) = @_;
	my $offset = -s $node_a->logfile;
	my ($rc, $out, $err) = deliver($msg);
	is($rc, 0, "$what: queued for the worker") or diag($err);
	ok(eval { $node_a->wait_for_log($pattern, $offset); 1 }, "$what: the worker logs a warning");
	return;
}

# replayed: same bytes again
deliver_warns($bytes, qr/WARNING:  smpc: rejected a replayed message from peer/, 'replay');

# altered: one byte of the ciphertext flipped
my $altered = $bytes;
substr($altered, 150, 1) = chr(ord(substr($altered, 150, 1)) ^ 0x01);
deliver_warns($altered, qr/rejected a message claiming to come from peer "node_[bc]": authentication failed/,
	'altered ciphertext');

# altered header (the sequence number is associated data)
my $reseq = $bytes;
substr($reseq, 91, 1) = chr(ord(substr($reseq, 91, 1)) ^ 0x01);
deliver_warns($reseq, qr/authentication failed/, 'altered header');

# from a key no peer has
my $stranger = $bytes;
substr($stranger, 4, 32) = pack('C*', map { ($_ * 7 + 3) % 256 } 1 .. 32);
deliver_warns($stranger, qr/rejected a message from an unknown key/, 'unknown sender');

# for another node: recipient key replaced
my $elsewhere = $bytes;
substr($elsewhere, 36, 32) = pack('C*', map { ($_ * 11 + 5) % 256 } 1 .. 32);
deliver_fails($elsewhere, qr/addressed to a different node key/, 'misaddressed');

# truncated, oversized, an earlier version of the format, unknown type
deliver_fails(substr($bytes, 0, 100), qr/message is truncated/, 'truncated');
# SMPC_MAX_MESSAGE is 528 kB: one more is refused before it is read,
# the largest is taken (and then fails authentication, being padded)
deliver_fails($bytes . ("\0" x (528 * 1024 + 1 - length($bytes))), qr/message is too large/, 'oversized');
deliver_warns($bytes . ("\0" x (528 * 1024 - length($bytes))), qr/authentication failed/,
	'largest size');
my $version = $bytes;
substr($version, 1, 1) = chr(1);
deliver_fails($version, qr/unknown format or version/, 'wrong version');
my $type = $bytes;
substr($type, 2, 1) = chr(99);
deliver_fails($type, qr/unknown type/, 'unknown type');

# a peer removed at node_a: its next messages are from an unknown key
{
	my $conninfo = SmpcTest::peer_conninfo($node_c);
	$node_a->safe_psql('postgres', "SELECT smpc.remove_peer('g', 'node_c')");
	my $offset = -s $node_a->logfile;
	my ($rc, $out, $err) = $node_c->psql('postgres',
		"SET smpc.timeout = '2s'; SELECT smpc_sum(v, 'g', 'removed') FROM t");
	isnt($rc, 0, 'removed peer: its computation cannot complete');
	ok(eval { $node_a->wait_for_log(qr/rejected a message from an unknown key/, $offset); 1 },
		'removed peer: node_a refuses its messages');
	$node_a->safe_psql('postgres',
		"SELECT smpc.add_peer('g', 'node_c', \$ci\$$conninfo\$ci\$, '$node_c->{smpc_key}')");
	SmpcTest::wait_group_ready(\@nodes, 'g');
}

# A member that misbehaves (smpc.fault_injection at node_c): authentic
# messages, but of steps that are not due, or for a computation that has
# ended.  The others refuse them with a warning, and the results stay exact.
{
	set_fault($node_c, 'wrong_step');
	my $offset = -s $node_a->logfile;
	joint_sum_ok('wrong-step');
	foreach my $what (
		[ qr/rejected a multiplication round from peer "node_c": not a step of this computation/,
			'a multiplication round in a group without small-cell protection' ],
		[ qr/rejected a small-cell test from peer "node_c": not a step of this computation/,
			'small-cell test values in a group without small-cell protection' ],
		[ qr/duplicate shares from peer "node_c" ignored/, 'a second set of shares' ])
	{
		ok(eval { $node_a->wait_for_log($what->[0], $offset); 1 },
			"wrong step: node_a refuses $what->[1] with a warning");
	}

	set_fault($node_c, 'repeat_sums');
	joint_sum_ok('repeat-1');
	$offset = -s $node_a->logfile;
	# node_c sends the sums of repeat-1 again as this one starts
	joint_sum_ok('repeat-2');
	ok( eval {
			$node_a->wait_for_log(
				qr/rejected sums from peer "node_c" for a finished computation/, $offset);
			1;
		},
		'finished computation: node_a refuses sums sent again with a warning');
	set_fault($node_c, 'none');
}

# A member whose text is not text (smpc.fault_injection = bad_text at
# node_c): besides its real READY, one whose group name and one whose label
# hold control characters and bytes that are not UTF-8; then it fails on
# purpose, and its ABORT's reason holds such bytes too.  The others refuse
# the READYs, keep the reason only escaped, log nothing but printable text,
# and their smpc.history_log still dumps and restores.
{
	# what node_c appends (SMPC_BAD_TEXT), as every member must show it
	my $escaped = ' \x01\x1b[31m\xff\xfe\xc3(\x0a\xc2\x85end';
	set_fault($node_c, 'bad_text');
	my $offset = -s $node_a->logfile;
	my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', 'bad-text') FROM t");
	foreach my $r (@$res[ 0, 1 ])
	{
		my $name = $r->{node}->name;
		isnt($r->{rc}, 0, "bad text: the computation fails at $name");
		like($r->{stderr}, qr/member "node_c" of peer group "g" abandoned the computation/,
			"bad text: $name names the member that failed");
		ok(index($r->{stderr}, "node_c reported: smpc fault injection: this member fails on purpose$escaped") >= 0,
			"bad text: $name shows the reason escaped") or diag($r->{stderr});
	}
	like($res->[2]{stderr}, qr/smpc fault injection: this member fails on purpose/,
		'bad text: node_c fails on purpose');
	foreach my $what ([ 'group', qr/Group "g\Q$escaped\E", label "bad-text" \(escaped\)/ ],
		[ 'label', qr/Group "g", label "bad-text\Q$escaped\E" \(escaped\)/ ])
	{
		ok( eval {
				$node_a->wait_for_log(
					qr/WARNING:  smpc: rejected a READY from peer "node_c": its group name or label is not valid text\n.*DETAIL:  $what->[1]/,
					$offset);
				1;
			},
			"bad text: node_a refuses a READY whose $what->[0] is not text, and logs it escaped");
	}
	ok($node_a->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM smpc.history WHERE label = 'bad-text' AND status = 'failed'"),
		'bad text: node_a recorded the computation');
	is( $node_a->safe_psql(
			'postgres',
			"SELECT position(\$q\$reported: smpc fault injection: this member fails on purpose$escaped\$q\$ in error) > 0 "
			  . "FROM smpc.history WHERE label = 'bad-text'"),
		't',
		'bad text: the history keeps the reason escaped');
	my $logged = substr(slurp_file($node_a->logfile), $offset);
	ok($logged !~ /[^\t\n\x20-\x7e]/, 'bad text: the log holds only printable ASCII')
	  or diag(join(' ', map { sprintf('%02x', ord) } ($logged =~ /([^\t\n\x20-\x7e])/g)));
	is( $node_a->safe_psql('postgres',
			"SELECT count(*) FROM smpc.history_log WHERE NOT (concat_ws(' ', group_name, label, error, "
			  . "array_to_string(participants, ' ')) ~ '^[[:print:]]*\$')"),
		'0',
		'bad text: every history text is printable');

	# the whole database dumps and restores into a fresh one
	my $dump = PostgreSQL::Test::Utils::tempdir() . '/postgres.sql';
	$node_a->command_ok([ 'pg_dump', '-f', $dump, '-d', $node_a->connstr('postgres') ],
		'bad text: pg_dump of the smpc database');
	$node_a->safe_psql('postgres',
		"CREATE DATABASE restored TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");
	$node_a->command_ok(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $dump, '-d', $node_a->connstr('restored') ],
		'bad text: the dump restores into a fresh database');
	is( $node_a->safe_psql('restored', 'SELECT count(*) FROM smpc.history_log'),
		$node_a->safe_psql('postgres', 'SELECT count(*) FROM smpc.history_log'),
		'bad text: every history row restored');
	$node_a->safe_psql('postgres', 'DROP DATABASE restored');
	set_fault($node_c, 'none');
	joint_sum_ok('after-bad-text');
}

# a flood of junk from an unknown key, as fast as one session can send it
# (a peer login may run nothing but SELECT smpc.deliver(...): one call per
# statement, and psql stops at the first error)
{
	my $hex = unpack('H*', $stranger);
	my ($rc, $out, $err) = $node_a->psql('postgres',
		"SELECT smpc.deliver('\\x$hex'::bytea);\n" x 3000,
		extra_params => [ '-U', $peer ]);
	is($rc, 0, 'flood: 3000 messages delivered') or diag($err);
	is(scalar(split(/\n/, $out, -1)), 3000, 'flood: every call returned');
	my $rss = $node_a->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'");
	ok($rss =~ /^\d+$/, 'flood: the worker is still running');
	my $status = slurp_file("/proc/$rss/status");
	my ($kb) = $status =~ /VmRSS:\s+(\d+) kB/;
	ok(defined $kb && $kb < 200_000, "flood: worker memory stays bounded (${\ ($kb // '?')} kB)");
}

joint_sum_ok('after');
is($node_a->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'),
	$started, 'no backend crashed: the server never restarted');

done_testing();
