
# Peers that would stall or bloat the worker, in one group, while another
# group computes: a listener that accepts and never answers, one whose
# backlog is full so that it never accepts, a server that answers with an
# endless stream of notices, and a host name that does not resolve.  The
# other group reaches one of its members by the name "localhost", which the
# worker looks up itself.  Its computations stay exact and finish in a few
# seconds, each of the bad peers shows a clear last_error, and the
# computation over the bad group fails at its timeout, naming each peer
# with its error.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IO::Select;
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SmpcTest;
use Test::More;
use Time::HiRes qw(time);

my @nodes = create_nodes(3, conf => "listen_addresses = '127.0.0.1'\n");
my ($node_a, $node_b, $node_c) = @nodes;

foreach my $i (0 .. 2)
{
	load_table($nodes[$i], 't', 'v int8',
		"SELECT g * " . ($i + 3) . " FROM generate_series(1, 40 + $i) g");
}
pool_table($node_a, 'ref_t', 'v int8', 't', \@nodes);
my $expected = $node_a->safe_psql('postgres', 'SELECT sum(v) FROM ref_t');

# node_a reaches node_b by a host name, over TCP
$node_a->safe_psql(
	'postgres', sprintf(
		"SELECT smpc.remove_peer('g', 'node_b');
		 SELECT smpc.add_peer('g', 'node_b', 'host=localhost port=%d dbname=postgres user=peer_login', '%s')",
		$node_b->port, $node_b->{smpc_key}));
wait_group_ready(\@nodes, 'g');
is( $node_a->safe_psql('postgres',
		"SELECT reachable AND key_verified FROM smpc.peer_status WHERE peer_name = 'node_b'"),
	't',
	'node_b is reached through the name localhost');

# ---- the bad peers --------------------------------------------------------

sub listener
{
	my ($backlog) = @_;
	return IO::Socket::INET->new(
		LocalAddr => '127.0.0.1',
		LocalPort => 0,
		Listen => $backlog,
		ReuseAddr => 1,
		Proto => 'tcp') || die "cannot listen: $!";
}

# accepts and never answers
my $silent = listener(16);
# never accepts: its backlog is filled by connections nobody accepts, so
# that further connection attempts are not answered at all
my $full = listener(1);
my @fillers;
foreach (1 .. 4)
{
	my $s = IO::Socket::INET->new(
		PeerAddr => '127.0.0.1',
		PeerPort => $full->sockport,
		Proto => 'tcp',
		Blocking => 0);
	push @fillers, $s if $s;
}
# speaks the protocol up to ReadyForQuery, then answers anything with
# notices, without end
my $flood = listener(16);

# A NoticeResponse of about 1 kB.
sub notice
{
	my $body = "SNOTICE\0VNOTICE\0C00000\0Msmpc-flood-notice " . ('x' x 900) . "\0\0";
	return 'N' . pack('N', 4 + length($body)) . $body;
}

# The next reply of a flood connection to what it has read so far.
sub flood_step
{
	my ($c) = @_;
	for (;;)
	{
		if ($c->{stage} eq 'start')
		{
			return if length($c->{buf}) < 8;
			my ($len, $code) = unpack('NN', $c->{buf});
			if ($len == 8 && ($code == 80877103 || $code == 80877104))
			{
				# SSL or GSS encryption request: not here
				substr($c->{buf}, 0, 8) = '';
				syswrite($c->{sock}, 'N');
				next;
			}
			return if length($c->{buf}) < $len;
			substr($c->{buf}, 0, $len) = '';
			syswrite($c->{sock},
				'R' . pack('NN', 8, 0) . 'S' . pack('N', 4 + 26) . "client_encoding\0SQL_ASCII\0"
				  . 'Z' . pack('N', 5) . 'I');
			$c->{stage} = 'ready';
		}
		elsif ($c->{stage} eq 'ready')
		{
			return if $c->{buf} eq '';
			$c->{buf} = '';
			$c->{stage} = 'flooding';
			# 4 MB of notices, or until the worker hangs up
			my $chunk = notice() x 64;
			foreach (1 .. 64)
			{
				last unless defined syswrite($c->{sock}, $chunk);
			}
			return;
		}
		else
		{
			$c->{buf} = '';
			return;
		}
	}
}

my $child = fork();
die "fork: $!" unless defined $child;
if ($child == 0)
{
	# never run the parent's END blocks: leave through POSIX::_exit only
	eval {
		local $SIG{PIPE} = 'IGNORE';
		my (@held, %conns);
		my $sel = IO::Select->new($silent, $flood);
		for (;;)
		{
			foreach my $fh ($sel->can_read(0.2))
			{
				if ($fh == $silent)
				{
					my $s = $silent->accept;
					push @held, $s if $s;
				}
				elsif ($fh == $flood)
				{
					my $s = $flood->accept or next;
					$conns{ fileno($s) } = { sock => $s, buf => '', stage => 'start' };
					$sel->add($s);
				}
				else
				{
					my $c = $conns{ fileno($fh) };
					my $n = sysread($fh, my $data, 65536);
					if (!$n)
					{
						$sel->remove($fh);
						delete $conns{ fileno($fh) };
						close $fh;
						next;
					}
					$c->{buf} .= $data;
					flood_step($c);
				}
			}
		}
	};
	POSIX::_exit(0);
}
my ($silent_port, $flood_port) = ($silent->sockport, $flood->sockport);
close $silent;
close $flood;

# a usable public key nobody holds
sub some_key
{
	return encode_base64(join('', map { chr(int(rand(256))) } 1 .. 32), '');
}

my %bad = (
	tarpit_silent => sprintf('host=127.0.0.1 port=%d dbname=postgres user=peer_login',
		$silent_port),
	tarpit_backlog => sprintf('host=127.0.0.1 port=%d dbname=postgres user=peer_login',
		$full->sockport),
	flood => sprintf('host=127.0.0.1 port=%d dbname=postgres user=peer_login sslmode=disable',
		$flood_port),
	nowhere => 'host=smpc-no-such-host.invalid port=5432 dbname=postgres user=peer_login');
my $log_offset = -s $node_a->logfile;
my $sql = "SELECT smpc.create_peer_group('slow', min_parties => 2);\n";
$sql .= "SELECT smpc.add_peer('slow', '$_', \$ci\$$bad{$_}\$ci\$, '" . some_key() . "');\n"
  foreach sort keys %bad;
$node_a->safe_psql('postgres', $sql);

# ---- computations over both groups at once ---------------------------------

my $slow = start_queries(
	[ $node_a, [ "SET smpc.timeout = '15s'", "SELECT smpc_sum(v, 'slow') FROM t" ] ]);
my $slow_started = time();

# one computation after the other for most of the slow one's 15 s, while
# the worker keeps trying the bad peers (each connection attempt is given
# up after 10 s)
my @times;
my $round = 0;
while ($round < 6 || time() - $slow_started < 12)
{
	$round++;
	my $t0 = time();
	my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', 'round-$round') FROM t");
	push @times, time() - $t0;
	is($_->{stdout}, $expected, "round $round: joint sum exact at " . $_->{node}->name)
	  foreach @$res;
}
my @sorted = sort { $a <=> $b } @times;
my $max = $sorted[-1];
note(sprintf('group g while group slow hangs: %d computations, median %.2f s, max %.2f s',
		scalar(@sorted), $sorted[ $#sorted / 2 ], $max));
cmp_ok($max, '<', 10, 'group g: every computation well within smpc.timeout (20 s)');

my $slow_res = finish_queries($slow)->[0];
my $slow_took = time() - $slow_started;
note(sprintf('group slow failed after %.1f s', $slow_took));
isnt($slow_res->{rc}, 0, 'group slow: the computation fails');
like($slow_res->{stderr}, qr/smpc computation for peer group "slow" timed out/,
	'group slow: it timed out');
like($slow_res->{stderr},
	qr/Peers that never joined: flood, nowhere, tarpit_backlog, tarpit_silent\./,
	'group slow: it names every peer that never joined');

# ---- what each bad peer shows --------------------------------------------

my %want = (
	tarpit_silent => qr/^timed out connecting to the peer: no answer within 10 s$/,
	tarpit_backlog => qr/^timed out connecting to the peer: no answer within 10 s$/,
	flood => qr/^the peer sent more than 64 kB without finishing its reply; reconnecting$/,
	nowhere => qr/^could not resolve host name "smpc-no-such-host\.invalid": \S/);
foreach my $name (sort keys %want)
{
	my $last = '';
	my $deadline = time() + 60;
	while (time() < $deadline)
	{
		$last = $node_a->safe_psql('postgres',
			"SELECT coalesce(last_error, '') FROM smpc.peer_status WHERE peer_name = '$name'");
		last if $last =~ $want{$name};
		Time::HiRes::usleep(250_000);
	}
	like($last, $want{$name}, "$name: last_error says why");
	is( $node_a->safe_psql('postgres',
			"SELECT reachable FROM smpc.peer_status WHERE peer_name = '$name'"),
		'f', "$name: not reachable");
}
like($slow_res->{stderr}, qr/Last error for nowhere: could not resolve host name/,
	'group slow: the error quotes the last error of a peer');

my $logged = substr(slurp_file($node_a->logfile), $log_offset);
ok($logged !~ /smpc-flood-notice/, 'the notices of a peer never reach the log');
my $pid = $node_a->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'smpc worker'");
my ($kb) = slurp_file("/proc/$pid/status") =~ /VmRSS:\s+(\d+) kB/;
note("node_a worker: $kb kB resident");
ok($kb < 200_000, 'the worker stays small');

# the bad peers go; group g is as fast as ever
$node_a->safe_psql('postgres', "SELECT smpc.drop_peer_group('slow')");
my $res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', 'after') FROM t");
is($_->{stdout}, $expected, 'after: joint sum exact at ' . $_->{node}->name) foreach @$res;

# node_b ends every connection the workers hold to it: their next read
# fails, they reconnect, and nothing queued is lost
my $ended = $node_b->safe_psql('postgres',
	"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'smpc worker' AND usename = 'peer_login'");
ok($ended >= 2, "node_b ended the $ended connections of its peers' workers");
$res = run_on_all(\@nodes, "SELECT smpc_sum(v, 'g', 'reconnected') FROM t");
is($_->{stdout}, $expected, 'after the connections ended: joint sum exact at ' . $_->{node}->name)
  foreach @$res;

kill 'TERM', $child;
waitpid($child, 0);
close $_ foreach @fillers;
close $full;

done_testing();
