
# The worker's memory stays flat: what it builds for one computation (the
# history record, messages, early messages) is freed when the computation
# is recorded.  The bytes in use in the worker's memory contexts (the
# grand total that pg_log_backend_memory_contexts() logs) are read after a warm-up and
# again after 600 more computations; it must not grow by more than a
# generous bound (a leak of a history record alone was over 1 kB per
# computation).  test/bench-memory.sh measures the same over 3000.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = create_nodes(3);
my $node_a = $nodes[0];

foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v int4',
		"SELECT g FROM generate_series(1, 10 * ($i + 1)) g");
}
my $expected = 55 + 210 + 465;

# $count computations at every node, one session each; all must be exact
sub computations
{
	my ($count, $label) = @_;
	my @stmts = ("SELECT smpc_sum(v, 'g', '$label') FROM t") x $count;
	my $res = run_on_all(\@nodes, \@stmts);
	foreach my $r (@$res)
	{
		my @got = split /\n/, $r->{stdout};
		is(scalar(grep { $_ eq $expected } @got), $count,
			"$label: $count exact results at " . $r->{node}->name)
		  or diag($r->{stderr});
	}
	ok( $node_a->poll_query_until('postgres',
			"SELECT count(*) = $count FROM smpc.history WHERE label = '$label'"),
		"$label: node_a recorded every computation");
	return;
}

# bytes in use in the memory contexts of node_a's worker
sub worker_memory
{
	my $pid = $node_a->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'");
	my $offset = -s $node_a->logfile;
	$node_a->safe_psql('postgres', "SELECT pg_log_backend_memory_contexts($pid)");
	$node_a->wait_for_log(qr/Grand total: .*; \d+ used/, $offset);
	my ($total) = slurp_file($node_a->logfile, $offset) =~ /Grand total: .*; (\d+) used/;
	return ($pid, $total);
}

computations(100, 'warm-up');
my ($pid, $before) = worker_memory();
computations(600, 'measured');
my ($pid_after, $after) = worker_memory();
is($pid_after, $pid, 'the same worker throughout');
my $growth = $after - $before;
diag("worker memory contexts: $before bytes used before, $after after 600 computations ("
	  . sprintf('%.0f', $growth / 600) . ' bytes per computation)');
ok($growth < 300_000, 'the worker memory grew by less than 300 kB over 600 computations');

done_testing();
