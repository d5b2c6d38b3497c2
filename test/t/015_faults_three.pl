
# Copyright: see the smpc LICENSE.

# Faults with three members: stopped before, in the input phase and in the
# output phase of a computation, dropping out of a threshold group,
# restarted, network paths paused and cut, the worker killed (see
# SmpcFaults.pm).

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use SmpcFaults;
use Test::More;

SmpcFaults::run_suite(3);

done_testing();
