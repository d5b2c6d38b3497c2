
# Upgrading from 0.1 (through 0.2 and 0.3 to 0.4).  A server that runs this library
# while the extension in smpc.database is still at 0.1 says so once in its
# log, and its worker takes part in nothing; after ALTER EXTENSION smpc
# UPDATE the worker takes up the configuration by itself, and the member
# computes with the others, a GROUP BY included.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = map { create_node($_) } qw(node_a node_b node_c);
my ($node_a, $node_b, $node_c) = @nodes;
init_smpc_node($_) foreach ($node_a, $node_b);

$node_c->safe_psql('postgres', "CREATE EXTENSION smpc VERSION '0.1'");
ok( eval {
		$node_c->wait_for_log(
			qr/WARNING:  smpc: the extension in database "postgres" is version 0\.1, but this server runs the library of version 0\.4/,
			0);
		1;
	},
	'node_c: the worker names the old extension version');
like(slurp_file($node_c->logfile),
	qr/HINT:  Run ALTER EXTENSION smpc UPDATE in database "postgres" as a superuser\./,
	'node_c: with the statement to run');
is($node_c->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'smpc worker'"),
	'1', 'node_c: the worker keeps running');

$node_c->safe_psql('postgres', 'ALTER EXTENSION smpc UPDATE');
is($node_c->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'smpc'"),
	'0.4', 'node_c: the extension is at 0.4');
my $key = $node_c->safe_psql('postgres', "SELECT smpc.init_node('node_c')");
$node_c->safe_psql('postgres', "SELECT smpc.create_peer_login('peer_login'); "
	  . "ALTER ROLE peer_login RESET log_statement");
$node_c->{smpc_key} = $key;

setup_group('g', 3, \@nodes);
wait_group_ready(\@nodes, 'g');

foreach my $node (@nodes)
{
	my $i = ($node == $node_a) ? 1 : ($node == $node_b) ? 2 : 3;
	$node->safe_psql('postgres', "CREATE TABLE t AS SELECT g * $i AS x FROM generate_series(1, 10) g");
}
my $res = run_on_all(\@nodes, "SELECT smpc_sum(x, 'g', 'after-upgrade') FROM t");
is($_->{stdout}, 6 * 55, 'after the upgrade: joint sum exact at ' . $_->{node}->name)
  foreach @$res;
$res = run_on_all(\@nodes,
	"SELECT x % 3, smpc_sum(x, 'g') FROM t GROUP BY x % 3 ORDER BY 1");
# node_c's x are all multiples of 3: keys 1 and 2 have two contributors
# (NULL under min_parties 3), and node_c has no row for them
is($_->{stdout}, ($_->{node} == $node_c ? "0|219" : "0|219\n1|\n2|"),
	'after the upgrade: a GROUP BY is exact at ' . $_->{node}->name)
  foreach @$res;

# the worker polled once a second until the update, and said it once
my @warned = (slurp_file($node_c->logfile) =~ /is version 0\.1, but this server runs/g);
is(scalar(@warned), 1, 'node_c: the old version was named once, not at every poll');

done_testing();
