#!/usr/bin/perl
# Copyright: see the smpc LICENSE.

=pod

=head1 NAME

delay-relay.pl - a relay that adds a fixed delay to every byte between
smpc servers, to measure computations as over a wide-area network

=head1 SYNOPSIS

  perl test/delay-relay.pl [--delay-ms MS] [--stats FILE] LISTEN=TARGET ...

LISTEN and TARGET are each a Unix socket path (anything with a slash, for
example F</tmp/relay/.s.PGSQL.5801>) or a TCP port on 127.0.0.1.

=head1 DESCRIPTION

One process accepts connections on every LISTEN address and connects each
to its TARGET.  Whatever it reads from one side it writes to the other MS
milliseconds later (default 10), in order, each direction on its own: a
request and its answer through the relay take 2 * MS longer than without
it, as on a path with that round-trip time.  The machine's kernel has no
netem, so this stands in for it.  Bandwidth is not limited.

It counts, per LISTEN address, the connections, the bytes each way, and
the requests: a burst of bytes from the client that follows an answer (or
opens the connection).  An smpc worker delivers every message by one call
of smpc.deliver() and waits for its answer before the next, so requests
count messages.  On SIGUSR1 it writes the counters to the stats file (a
new file replaces the old at once), the first line being

  generation N

where N grows by one each time; then one line per route

  route LISTEN connections C requests R bytes_up U bytes_down D

and a last line "requests TOTAL".  It prints "listening" on standard
output once every address listens, and removes the Unix socket files it
made when it ends (SIGTERM or SIGINT).

=cut

use strict;
use warnings;

use Errno qw(EAGAIN EINTR EWOULDBLOCK);
use Getopt::Long;
use IO::Handle;
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM SHUT_WR);
use Time::HiRes qw(time);

my $delay_ms = 10;
my $stats_file;
GetOptions('delay-ms=f' => \$delay_ms, 'stats=s' => \$stats_file)
  or die "usage: $0 [--delay-ms MS] [--stats FILE] LISTEN=TARGET ...\n";
die "usage: $0 [--delay-ms MS] [--stats FILE] LISTEN=TARGET ...\n" unless @ARGV;
die "delay-relay: the delay must not be negative\n" if $delay_ms < 0;
my $delay = $delay_ms / 1000;

sub is_path { return $_[0] =~ m{/}; }

# the listeners, and what each route counts
my (%route_of, %counts, @unix_paths);
my $sel_listen = IO::Select->new;
foreach my $arg (@ARGV)
{
	my ($from, $to) = split /=/, $arg, 2;
	die "delay-relay: \"$arg\" is not LISTEN=TARGET\n" unless defined $to && length $from;
	my $l;
	if (is_path($from))
	{
		unlink $from if -S $from;
		$l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $from, Listen => 64)
		  or die "delay-relay: cannot listen on $from: $!\n";
		push @unix_paths, $from;
	}
	else
	{
		$l = IO::Socket::INET->new(
			LocalAddr => '127.0.0.1',
			LocalPort => $from,
			Listen => 64,
			ReuseAddr => 1,
			Proto => 'tcp') or die "delay-relay: cannot listen on port $from: $!\n";
	}
	$l->blocking(0);
	$route_of{ fileno($l) } = { listener => $l, from => $from, to => $to };
	$counts{$from} = { connections => 0, requests => 0, up => 0, down => 0 };
	$sel_listen->add($l);
}

my $stop = 0;
my $dump = 0;
my $generation = 0;
$SIG{TERM} = $SIG{INT} = sub { $stop = 1; };
$SIG{USR1} = sub { $dump = 1; };
$SIG{PIPE} = 'IGNORE';

STDOUT->autoflush(1);
print "listening\n";

# The relayed connections: the client's socket and the one to the target,
# and for each what waits to be written to it: [due time, bytes], or [due
# time, undef] for the end of the other side.  %pair_of finds a pair by
# either socket's descriptor.
my (@pairs, %pair_of);

sub connect_target
{
	my ($to) = @_;
	return is_path($to)
	  ? IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $to)
	  : IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $to, Proto => 'tcp');
}

sub write_stats
{
	return unless defined $stats_file;
	$generation++;
	my $total = 0;
	open my $fh, '>', "$stats_file.tmp" or die "delay-relay: $stats_file.tmp: $!\n";
	print $fh "generation $generation\n";
	foreach my $from (sort keys %counts)
	{
		my $c = $counts{$from};
		printf $fh "route %s connections %d requests %d bytes_up %d bytes_down %d\n",
		  $from, $c->{connections}, $c->{requests}, $c->{up}, $c->{down};
		$total += $c->{requests};
	}
	print $fh "requests $total\n";
	close $fh;
	rename "$stats_file.tmp", $stats_file or die "delay-relay: rename: $!\n";
	return;
}

sub close_pair
{
	my ($p) = @_;
	return if $p->{closed};
	delete $pair_of{ fileno($_) } foreach $p->{client}, $p->{server};
	close $p->{client};
	close $p->{server};
	$p->{closed} = 1;
	return;
}

while (!$stop)
{
	if ($dump)
	{
		$dump = 0;
		write_stats();
	}

	my $now = time();
	my $rsel = IO::Select->new($sel_listen->handles);
	my $wsel = IO::Select->new;
	my $next_due;
	foreach my $p (@pairs)
	{
		foreach my $side ('client', 'server')
		{
			my $q = $p->{"to_$side"};
			$rsel->add($p->{$side}) unless $p->{"eof_$side"};
			next unless @$q;
			if ($q->[0][0] <= $now)
			{
				$wsel->add($p->{$side});
			}
			elsif (!defined $next_due || $q->[0][0] < $next_due)
			{
				$next_due = $q->[0][0];
			}
		}
	}
	my $timeout = 0.05;
	$timeout = $next_due - $now if defined $next_due && $next_due - $now < $timeout;
	$timeout = 0 if $timeout < 0;

	my ($readable, $writable) = IO::Select->select($rsel, $wsel, undef, $timeout);
	$now = time();

	foreach my $fh (@{ $readable || [] })
	{
		if (my $route = $route_of{ fileno($fh) // -1 })
		{
			next unless $route->{listener} == $fh;
			my $client = $fh->accept or next;
			my $server = connect_target($route->{to});
			if (!$server)
			{
				close $client;
				next;
			}
			$_->blocking(0) foreach $client, $server;
			$counts{ $route->{from} }{connections}++;
			my $p = {
				from => $route->{from},
				client => $client,
				server => $server,
				to_client => [],
				to_server => [],
				last => 'down',
			};
			push @pairs, $p;
			$pair_of{ fileno($client) } = $pair_of{ fileno($server) } = $p;
			next;
		}
		my $p = $pair_of{ fileno($fh) // -1 };
		next unless $p && !$p->{closed};
		my $from_client = $p->{client} == $fh;
		my $buf;
		my $n = sysread($fh, $buf, 65536);
		next if !defined $n && ($! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR);
		my $q = $from_client ? $p->{to_server} : $p->{to_client};
		if (!$n)
		{
			# the end goes through after the bytes read before it
			push @$q, [ $now + $delay, undef ];
			$p->{ $from_client ? 'eof_client' : 'eof_server' } = 1;
			next;
		}
		push @$q, [ $now + $delay, $buf ];
		my $c = $counts{ $p->{from} };
		if ($from_client)
		{
			$c->{requests}++ if $p->{last} eq 'down';
			$c->{up} += $n;
			$p->{last} = 'up';
		}
		else
		{
			$c->{down} += $n;
			$p->{last} = 'down';
		}
	}

	foreach my $fh (@{ $writable || [] })
	{
		my $p = $pair_of{ fileno($fh) // -1 };
		next unless $p && !$p->{closed};
		my $q = $p->{client} == $fh ? $p->{to_client} : $p->{to_server};
		while (@$q && $q->[0][0] <= $now)
		{
			my $data = $q->[0][1];
			if (!defined $data)
			{
				# the other side has ended: end this one too once all is written
				shutdown($fh, SHUT_WR);
				shift @$q;
				close_pair($p) if $p->{eof_client} && $p->{eof_server};
				last;
			}
			my $w = syswrite($fh, $data);
			if (!defined $w)
			{
				last if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
				close_pair($p);
				last;
			}
			if ($w < length $data)
			{
				substr($q->[0][1], 0, $w, '');
				last;
			}
			shift @$q;
		}
	}
	@pairs = grep { !$_->{closed} } @pairs;
}

close_pair($_) foreach @pairs;
unlink @unix_paths;
exit 0;
