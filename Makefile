# smpc: PGXS build.  Run "make", "make install", then "make installcheck"
# (pg_regress against a temporary instance, then the TAP tests).

EXTENSION = smpc
MODULE_big = smpc
DATA = sql/smpc--0.1.sql sql/smpc--0.2.sql sql/smpc--0.1--0.2.sql sql/smpc--0.2--0.3.sql sql/smpc--0.3--0.4.sql
PGFILEDESC = "smpc - secure multi-party aggregates across PostgreSQL servers"

SRCS = $(wildcard src/*.c)
OBJS = $(SRCS:.c=.o)

PG_CPPFLAGS = -I$(libpq_srcdir) -Isrc

# "make SMPC_TEST_BUILD=1": a test build, with smpc.fault_injection (the
# fault tests need it).  A plain "make" builds the production library,
# which has neither the setting nor the fault code.  src/.build-flavour
# records which of the two the objects are, so that switching rebuilds them.
ifeq ($(SMPC_TEST_BUILD),1)
PG_CPPFLAGS += -DSMPC_FAULT_INJECTION
SMPC_FLAVOUR = test
else
SMPC_FLAVOUR = production
endif
SMPC_FLAVOUR_STAMP = src/.build-flavour
$(shell [ "$$(cat $(SMPC_FLAVOUR_STAMP) 2>/dev/null)" = $(SMPC_FLAVOUR) ] || echo $(SMPC_FLAVOUR) > $(SMPC_FLAVOUR_STAMP))
EXTRA_CLEAN = $(SMPC_FLAVOUR_STAMP)
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(SMPC_EXTRA_CFLAGS)
SHLIB_LINK_INTERNAL = $(libpq)
SHLIB_LINK = -lsodium -Wl,--version-script=$(srcdir)/src/exports.map

REGRESS = setup management aggregates minmax ostat upgrade
REGRESS_OPTS = --temp-instance=tmp_check_regress --temp-config=$(srcdir)/test/regress.conf --load-extension=smpc

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(wildcard src/*.h) $(SMPC_FLAVOUR_STAMP)
$(OBJS:.o=.bc): $(SMPC_FLAVOUR_STAMP)
$(shlib): src/exports.map
