
# Three nodes: exact values are shared at one fixed scale, so whether a
# computation succeeds, and what its error says, does not depend on the
# decimal scale another member uses.  node_a holds a large subtotal, node_b
# sums integers (int8), node_c sums numerics with 20 or with 26 digits
# after the decimal point.  With either scale the outcome is the same:
# the exact result (with the largest scale, as PostgreSQL's sum gives it),
# or, when node_a's own subtotal is beyond the fixed limit, node_a's own
# error at node_a and a timeout naming only node_a at the others.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;

my @nodes = create_nodes(3);
my ($node_a, $node_b, $node_c) = @nodes;

# node_a's subtotal per case: 10^15 fitted in 126 bits at scale 20 but not
# at 26 before (so node_c's choice decided whether node_a failed); its
# square at twice the scale (midsq) did not fit either way; 2.8e44 is just
# below the fixed limit (2^254 / 10^32, about 2.9e44), 3e44 just above it
my %big = (
	mid => ['400000000000000', '600000000000000'],
	midsq => ['400000000000000', '600000000000000'],
	near => ['140000000000000000000000000000000000000000000', '140000000000000000000000000000000000000000000'],
	over => ['300000000000000000000000000000000000000000000']);
my @ints = ('12345', '-678');
my %small = (
	20 => ['1.00000000000000000001', '2.5'],
	26 => ['1.00000000000000000000000001', '2.5']);

foreach my $node (@nodes)
{
	$node->safe_psql('postgres', 'CREATE TABLE vals (label text, v numeric, i int8)');
}
foreach my $case (keys %big)
{
	foreach my $scale (20, 26)
	{
		my $label = "$case-$scale";
		$node_a->safe_psql('postgres',
			join('', map { "INSERT INTO vals VALUES ('$label', $_, NULL);" } @{ $big{$case} }));
		$node_b->safe_psql('postgres',
			join('', map { "INSERT INTO vals VALUES ('$label', NULL, $_);" } @ints));
		$node_c->safe_psql('postgres',
			join('', map { "INSERT INTO vals VALUES ('$label', $_, NULL);" } @{ $small{$scale} }));
	}
}

# the three aggregates at every member, node_b over its int8 column
sub run_case
{
	my ($label, @aggs) = @_;
	my @jobs;
	foreach my $node (@nodes)
	{
		my $col = $node == $node_b ? 'i' : 'v';
		my $sel = join(', ', map { "smpc_$_($col, 'g', '$label')" } @aggs);
		# node_b gives up well before node_c, so that node_c's error is
		# the same in every run
		my $timeout = $node == $node_c ? '8s' : '3s';
		push @jobs,
		  [ $node, [ "SET smpc.timeout = '$timeout'", "SELECT $sel FROM vals WHERE label = '$label'" ] ];
	}
	return run_parallel(@jobs);
}

# PostgreSQL's own aggregates over the pooled values
sub pooled
{
	my ($case, $scale, @aggs) = @_;
	my $values = join(', ', map { "(${_}::numeric)" } @{ $big{$case} }, @ints, @{ $small{$scale} });
	my $sel = join(', ', map { "$_(v)" } @aggs);
	return $node_a->safe_psql('postgres', "SELECT $sel FROM (VALUES $values) t(v)");
}

# Cases where node_a's subtotal fits: the exact result with either scale.
foreach my $case (qw(mid midsq near))
{
	my @aggs = $case eq 'midsq' ? qw(var_samp stddev) : qw(sum avg);
	foreach my $scale (20, 26)
	{
		my $label = "$case-$scale";
		my $expected = pooled($case, $scale, @aggs);
		my $res = run_case($label, @aggs);
		foreach my $r (@$res)
		{
			my $name = $r->{node}->name;
			is($r->{rc}, 0, "$label: succeeds at $name") or diag($r->{stderr});
			is($r->{stdout}, $expected, "$label: the exact result at $name");
		}
	}
}
like(pooled('mid', 26, 'sum'), qr/^1000000000011670\.5\d{25}$/,
	'the result has the largest scale, 26 digits');

# node_a's own subtotal is too large: the same errors with either scale
{
	my %errors;
	foreach my $scale (20, 26)
	{
		my $res = run_case("over-$scale", 'sum');
		foreach my $r (@$res)
		{
			my $name = $r->{node}->name;
			isnt($r->{rc}, 0, "over-$scale: fails at $name");
			(my $err = $r->{stderr}) =~ s/over-$scale/over-N/g;
			$errors{$name}{$scale} = $err;
		}
	}
	foreach my $name (sort keys %errors)
	{
		is($errors{$name}{20}, $errors{$name}{26},
			"over: the error at $name does not depend on node_c's scale");
	}
	like($errors{node_a}{20}, qr/value out of range for smpc/, 'over: node_a is out of range');
	like($errors{node_a}{20}, qr/This member's local sum is too large/,
		'over: node_a is told that its own sum is too large');
	foreach my $name (qw(node_b node_c))
	{
		like($errors{$name}{20}, qr/Peers that never joined: node_a\./,
			"over: $name names node_a as the member that never joined");
		unlike($errors{$name}{20}, qr/out of range|Peers that never joined: [^.]*node_[bc]/,
			"over: $name reports no range failure and no other member as missing");
	}
}

done_testing();
