
# Keys: the secret key is in no table, no log file and no pg_dump output
# (in hex or base64, whole or in part); a node that replaces its key
# without telling its peers is refused by them and named in their
# smpc.peer_status; once the peers are given the new key, computations
# work again.  Then the same with smpc.rotate_key() and smpc.set_peer_key()
# run by an administrator who is not a superuser.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use MIME::Base64;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = create_nodes(3);
my ($node_a, $node_b, $node_c) = @nodes;
foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v int8', "SELECT g * 1000 + $i FROM generate_series(1, 30) g");
}
pool_table($node_a, 'ref_t', 'v int8', 't', \@nodes);
my $expected = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');

sub joint_sum
{
	my ($label) = @_;
	return run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', '$label') FROM t");
}
is($_->{stdout}, $expected, 'joint sum at ' . $_->{node}->name) foreach @{ joint_sum('one') };

# the secret key file: only there, only for the server's user
my $pk_hex = unpack('H*', decode_base64($node_a->{smpc_key}));
my $keyfile = $node_a->data_dir . "/smpc/$pk_hex.key";
ok(-f $keyfile, 'the key file is named after the public key');
is((stat($keyfile))[2] & 07777, 0600, 'the key file is readable by its owner only');
is((stat($node_a->data_dir . '/smpc'))[2] & 07777, 0700, 'the key directory is private');
my $secret = slurp_file($keyfile);
is(length($secret), 32, 'the key file holds a 32-byte secret');

# every form in which the secret could leak, and a long piece of each
my @forms = (unpack('H*', $secret), uc(unpack('H*', $secret)), encode_base64($secret, ''));
my @needles = map { ($_, substr($_, 0, 24), substr($_, -24)) } @forms;

sub contains_secret
{
	my ($text) = @_;
	foreach my $n (@needles)
	{
		return 1 if index($text, $n) >= 0;
	}
	return 0;
}

my $dump = $node_a->safe_psql('postgres', 'SELECT 1') && do {
	my ($out, $err);
	IPC::Run::run([ 'pg_dump', '-d', $node_a->connstr('postgres') ], '>', \$out, '2>', \$err);
	$out;
};
ok(length($dump) > 1000, 'pg_dump produced a dump');
like($dump, qr/smpc\.node/, 'the dump includes smpc configuration');
ok(!contains_secret($dump), 'the secret key is not in the pg_dump output');

my $tables = $node_a->safe_psql('postgres', q{
	SELECT string_agg(t::text, E'\n') FROM (
		SELECT row_to_json(n)::text AS t FROM smpc.node n
		UNION ALL SELECT row_to_json(g)::text FROM smpc.peer_group g
		UNION ALL SELECT row_to_json(p)::text FROM smpc.peer p
		UNION ALL SELECT row_to_json(h)::text FROM smpc.history_log h
		UNION ALL SELECT encode(decode(public_key, 'base64'), 'hex') FROM smpc.node) s});
ok(!contains_secret($tables), 'the secret key is in no smpc table');

my $logs = join('', map { slurp_file($_->logfile) } @nodes);
ok(length($logs) > 10000, 'the servers logged (every statement, with parameters)');
ok(!contains_secret($logs), 'the secret key is in no server log');

# node_a replaces its key and tells nobody
my $old_key = $node_a->{smpc_key};
my $new_key = $node_a->safe_psql('postgres', "SELECT smpc.init_node('node_a', new_key => true)");
isnt($new_key, $old_key, 'init_node with new_key gives a new public key');
ok($node_a->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_ls_dir('smpc') f WHERE f LIKE '%.key'"),
	'the old key file is removed once the new key is in use');

# $changed has a key its peers do not know yet: a computation fails at
# every member, and each peer's smpc.peer_status names $changed
sub refused_after_key_change
{
	my ($changed, $label, $fails, $names) = @_;
	my $res = run_parallel(map {
		[ $_, [ "SET smpc.timeout = '3s'", "SELECT smpc_sum(v, 'g', '$label') FROM t" ] ]
	} @nodes);
	isnt($_->{rc}, 0, "$fails: fails at " . $_->{node}->name) foreach @$res;
	foreach my $peer (grep { $_ != $changed } @nodes)
	{
		ok( $peer->poll_query_until('postgres',
				"SELECT NOT key_verified AND last_error LIKE '%addressed to a different node key%' "
				  . "FROM smpc.peer_status WHERE peer_name = '" . $changed->name . "'"),
			$peer->name . ": peer_status names " . $changed->name . " $names");
	}
	return;
}

refused_after_key_change($node_a, 'unannounced', 'unannounced key change', 'as having another key');

# the documented procedure: every peer replaces node_a's key
foreach my $peer ($node_b, $node_c)
{
	my $conninfo = SmpcTest::peer_conninfo($node_a);
	$peer->safe_psql('postgres', qq{
		SELECT smpc.remove_peer('g', 'node_a');
		SELECT smpc.add_peer('g', 'node_a', \$ci\$$conninfo\$ci\$, '$new_key');});
}
SmpcTest::wait_group_ready(\@nodes, 'g');
is($_->{stdout}, $expected, 'after the key change is announced: joint sum at ' . $_->{node}->name)
  foreach @{ joint_sum('two') };

# Rotation by an administrator who is not a superuser, benchmarks run by a
# benchmark user: smpc.rotate_key() at node_b, then smpc.set_peer_key() at
# the others, as its notice says.
foreach my $node (@nodes)
{
	$node->safe_psql('postgres', q{
		CREATE ROLE ops LOGIN IN ROLE smpc_admin;
		CREATE ROLE analyst LOGIN IN ROLE smpc_benchmark;
		GRANT SELECT ON t TO analyst;});
}
my ($rc, $rotated, $notice) = $node_b->psql('postgres', 'SELECT smpc.rotate_key()',
	extra_params => [ '-U', 'ops' ]);
is($rc, 0, 'rotate_key: an smpc_admin member may rotate the key') or diag($notice);
like($rotated, qr/^[A-Za-z0-9+\/]{43}=$/, 'rotate_key returns the new public key');
isnt($rotated, $node_b->{smpc_key}, 'rotate_key: the key is a new one');
like($notice, qr/NOTICE:  node "node_b" has a new key pair/, 'rotate_key: a notice says so');
like($notice, qr/HINT:  At every peer.*smpc\.set_peer_key\('<group>', 'node_b', '\Q$rotated\E'\)/,
	'rotate_key: its hint gives the statement for the peers');
is($node_b->safe_psql('postgres', 'SELECT public_key FROM smpc.node_info()'),
	$rotated, 'node_info shows the rotated key');

refused_after_key_change($node_b, 'rotated-unannounced', 'rotated, not yet announced',
	'after its rotation');
foreach my $peer ($node_a, $node_c)
{
	my ($src, $sout, $serr) = $peer->psql('postgres',
		"SELECT smpc.set_peer_key('g', 'node_b', '$rotated')",
		extra_params => [ '-U', 'ops' ]);
	is($src, 0, $peer->name . ': an administrator gives node_b its new key') or diag($serr);
}
SmpcTest::wait_group_ready(\@nodes, 'g');
{
	my @runs = map {
		my $node = $_;
		my @cmd = ($node->installed_command('psql'), '-XAtq', '-U', 'analyst', '-d', $node->connstr('postgres'),
			'-c', "SELECT smpc_sum(v, 'g', 'rotated') FROM t");
		my ($out, $err) = ('', '');
		[ $node, IPC::Run::start(\@cmd, '<', '/dev/null', '>', \$out, '2>', \$err), \$out, \$err ]
	} @nodes;
	foreach my $r (@runs)
	{
		$r->[1]->finish;
		chomp(my $out = ${ $r->[2] });
		is($out, $expected, 'after set_peer_key: joint sum run by a benchmark user at ' . $r->[0]->name)
		  or diag(${ $r->[3] });
	}
}

done_testing();
