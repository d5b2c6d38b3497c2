
# Copyright: see the smpc LICENSE.

=pod

=head1 NAME

SmpcProxy - a TCP relay between smpc test servers whose links the test can
pause or cut

=head1 SYNOPSIS

  my $proxy = SmpcProxy->start({ $listen_port => $target_port, ... });
  $proxy->set($listen_port => 'pause');   # hold the traffic, keep the connections
  $proxy->set($listen_port => 'cut');     # close the connections, refuse new ones
  $proxy->set($listen_port => 'pass');
  $proxy->stop;

=head1 DESCRIPTION

One child process relays every listening port on 127.0.0.1 to its target
port on 127.0.0.1.  Each port (a "link") is in one of three states:

=over

=item pass

Bytes flow both ways.

=item pause

Nothing is read from the link's connections and no new connection is
accepted: the traffic waits in the kernel's buffers, as on a network path
that silently drops packets for a while, and flows again on 'pass'.

=item cut

Every connection of the link is closed and new ones are closed as soon as
they are accepted, as when a route is lost.

=back

set() returns once the relay has applied the new states, so a test waits
for a condition rather than for a length of time.

=cut

package SmpcProxy;

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use POSIX ();
use PostgreSQL::Test::Utils;
use Time::HiRes qw(usleep time);

sub start
{
	my ($class, $routes) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir('proxy');
	my $self = {
		routes => {%$routes},
		dir => $dir,
		gen => 0,
		state => { map { $_ => 'pass' } keys %$routes },
	};
	bless $self, $class;

	# listen before forking, so that the ports are open when start returns
	my %listeners;
	foreach my $port (keys %$routes)
	{
		$listeners{$port} = IO::Socket::INET->new(
			LocalAddr => '127.0.0.1',
			LocalPort => $port,
			Listen => 64,
			ReuseAddr => 1,
			Proto => 'tcp') or die "proxy: cannot listen on port $port: $!";
	}
	my $pid = fork();
	die "proxy: fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		# the child must never run the parent's END blocks (they stop the
		# test servers): leave through POSIX::_exit only
		eval { relay($dir, $routes, \%listeners); };
		print STDERR "proxy: $@" if $@;
		POSIX::_exit(0);
	}
	close $_ foreach values %listeners;
	$self->{pid} = $pid;
	return $self;
}

# Apply new link states (port => 'pass' | 'pause' | 'cut') and wait until
# the relay has taken them.
sub set
{
	my ($self, %states) = @_;
	foreach my $port (keys %states)
	{
		die "proxy: unknown port $port" unless exists $self->{routes}{$port};
		die "proxy: bad state $states{$port}"
		  unless $states{$port} =~ /^(pass|pause|cut)$/;
		$self->{state}{$port} = $states{$port};
	}
	my $gen = ++$self->{gen};
	my $tmp = "$self->{dir}/control.tmp";
	open my $fh, '>', $tmp or die "proxy: $tmp: $!";
	print $fh "$gen\n";
	print $fh "$_ $self->{state}{$_}\n" foreach sort keys %{ $self->{state} };
	close $fh;
	rename $tmp, "$self->{dir}/control" or die "proxy: rename: $!";

	my $deadline = time() + 30;
	while (time() < $deadline)
	{
		if (open my $ack, '<', "$self->{dir}/ack")
		{
			my $line = <$ack>;
			close $ack;
			return 1 if defined $line && $line =~ /^(\d+)$/ && $1 >= $gen;
		}
		die "proxy: the relay process is gone" if waitpid($self->{pid}, POSIX::WNOHANG()) > 0;
		usleep(20_000);
	}
	die "proxy: the relay did not apply the new states within 30 s";
}

sub stop
{
	my ($self) = @_;
	return unless $self->{pid};
	kill 'TERM', $self->{pid};
	waitpid($self->{pid}, 0);
	delete $self->{pid};
	return;
}

sub DESTROY
{
	my ($self) = @_;
	$self->stop if $self->{pid} && $$ != $self->{pid};
	return;
}

# ---- the child -------------------------------------------------------------

sub relay
{
	my ($dir, $routes, $listeners) = @_;
	my %state = map { $_ => 'pass' } keys %$routes;
	my @pairs;    # { port, a (accepted), b (to the target) }
	my $seen_gen = 0;
	my $stop = 0;

	local $SIG{TERM} = sub { $stop = 1; };
	local $SIG{PIPE} = 'IGNORE';

	my $close_pair = sub {
		my ($pair) = @_;
		close $pair->{a};
		close $pair->{b};
		$pair->{closed} = 1;
	};

	while (!$stop)
	{
		# new states from the test?
		if (open my $fh, '<', "$dir/control")
		{
			my @lines = <$fh>;
			close $fh;
			chomp @lines;
			my $gen = shift @lines;
			if (defined $gen && $gen =~ /^\d+$/ && $gen > $seen_gen)
			{
				foreach (@lines)
				{
					my ($port, $st) = split / /;
					$state{$port} = $st if exists $state{$port};
				}
				foreach my $pair (@pairs)
				{
					$close_pair->($pair) if $state{ $pair->{port} } eq 'cut';
				}
				@pairs = grep { !$_->{closed} } @pairs;
				$seen_gen = $gen;
				open my $ack, '>', "$dir/ack.tmp" or die "ack: $!";
				print $ack "$gen\n";
				close $ack;
				rename "$dir/ack.tmp", "$dir/ack" or die "ack: $!";
			}
		}

		my $sel = IO::Select->new;
		foreach my $port (keys %$listeners)
		{
			# a paused link leaves new connections waiting in the backlog
			$sel->add($listeners->{$port}) unless $state{$port} eq 'pause';
		}
		foreach my $pair (@pairs)
		{
			next if $state{ $pair->{port} } ne 'pass';
			$sel->add($pair->{a}, $pair->{b});
		}
		my @ready = $sel->can_read(0.05);
		foreach my $fh (@ready)
		{
			my ($lport) = grep { $listeners->{$_} == $fh } keys %$listeners;
			if (defined $lport)
			{
				my $a = $fh->accept or next;
				if ($state{$lport} eq 'cut')
				{
					close $a;
					next;
				}
				my $b = IO::Socket::INET->new(
					PeerAddr => '127.0.0.1',
					PeerPort => $routes->{$lport},
					Proto => 'tcp');
				if (!$b)
				{
					close $a;
					next;
				}
				push @pairs, { port => $lport, a => $a, b => $b };
				next;
			}
			my ($pair) = grep { !$_->{closed} && ($_->{a} == $fh || $_->{b} == $fh) } @pairs;
			next unless $pair;
			my $to = $pair->{a} == $fh ? $pair->{b} : $pair->{a};
			my $buf;
			my $n = sysread($fh, $buf, 65536);
			if (!$n)
			{
				$close_pair->($pair);
				next;
			}
			my $off = 0;
			while ($off < $n)
			{
				my $w = syswrite($to, $buf, $n - $off, $off);
				if (!defined $w)
				{
					$close_pair->($pair);
					last;
				}
				$off += $w;
			}
		}
		@pairs = grep { !$_->{closed} } @pairs;
	}
	$_->{a}->close, $_->{b}->close foreach @pairs;
	return;
}

1;
