
# Three nodes with pg_cron: the same job scheduled at every node computes
# smpc_avg every minute and stores it; the stored result must equal the
# plain avg over the union of the nodes' rows.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

# pg_cron must be installed next to smpc
my $cron_lib = `pg_config --pkglibdir 2>/dev/null` // '';
chomp $cron_lib;
if ($cron_lib ne '' && !-e "$cron_lib/pg_cron.so")
{
	plan skip_all => "pg_cron is not installed in $cron_lib";
}

my @nodes = create_nodes(
	3,
	preload => 'smpc,pg_cron',
	conf => "cron.database_name = 'postgres'\n"
	  . "cron.use_background_workers = on\n"
	  . "max_worker_processes = 20\n");
my $node_a = $nodes[0];

my $columns = 'id int, score int4, weight numeric';
my $o = 0;
foreach my $node (@nodes)
{
	$o++;
	load_table(
		$node, 'scores', $columns, qq{
		SELECT g,
			CASE WHEN g % 9 = 0 THEN NULL ELSE (g * 7 * $o) % 101 - 20 END,
			round((g * $o)::numeric / 7, 3)
		FROM generate_series(1, 30 + 25 * $o) g});
	$node->safe_psql(
		'postgres', q{
		CREATE EXTENSION pg_cron;
		CREATE TABLE results (computed timestamptz DEFAULT now(), avg_score numeric, sum_weight numeric);
	});
}
pool_table($node_a, 'ref_scores', $columns, 'scores', \@nodes);
my $expected =
  $node_a->safe_psql('postgres', 'SELECT avg(score), sum(weight) FROM ref_scores');

my $command =
    "INSERT INTO results (avg_score, sum_weight) "
  . "SELECT smpc_avg(score, 'g', 'cron'), smpc_sum(weight, 'g', 'cron') FROM scores";
foreach my $node (@nodes)
{
	my $jobid = $node->safe_psql('postgres',
		"SELECT cron.schedule('smpc_avg_job', '* * * * *', \$cmd\$$command\$cmd\$)");
	like($jobid, qr/^\d+$/, $node->name . ': job scheduled');
}

# Jobs run at the start of every minute.  If the nodes were scheduled on
# either side of a minute boundary, the first run fails at some nodes; the
# next minute's run succeeds everywhere.  Wait for up to 150 seconds.
foreach my $node (@nodes)
{
	ok(poll_until($node, 'SELECT count(*) > 0 FROM results', 't', 150),
		$node->name . ': the cron job stored a result');
}
foreach my $node (@nodes)
{
	is( $node->safe_psql(
			'postgres',
			'SELECT avg_score, sum_weight FROM results ORDER BY computed LIMIT 1'),
		$expected,
		$node->name . ': stored smpc_avg and smpc_sum equal the plain aggregates over all rows');
	my $runs = $node->safe_psql(
		'postgres', q{
		SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
		WHERE j.jobname = 'smpc_avg_job' AND d.status = 'succeeded'});
	cmp_ok($runs, '>=', 1, $node->name . ': cron.job_run_details shows a successful run');
	ok( poll_until(
			$node,
			"SELECT count(*) > 0 FROM smpc.history WHERE label = 'cron' AND status = 'succeeded' "
			  . "AND participants = '{node_a,node_b,node_c}'",
			't', 30),
		$node->name . ': smpc.history records the cron computation');
}

foreach my $node (@nodes)
{
	is($node->safe_psql('postgres', "SELECT cron.unschedule('smpc_avg_job')"),
		't', $node->name . ': job unscheduled');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM cron.job'),
		'0', $node->name . ': no job left');
}

$_->stop foreach @nodes;
done_testing();
