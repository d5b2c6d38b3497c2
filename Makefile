# smpc: PGXS build.  Run "make", "make install", then "make installcheck"
# (pg_regress against a temporary instance, then the TAP tests).

EXTENSION = smpc
MODULE_big = smpc
DATA = sql/smpc--0.1.sql sql/smpc--0.2.sql sql/smpc--0.1--0.2.sql
PGFILEDESC = "smpc - secure multi-party aggregates across PostgreSQL servers"

SRCS = $(wildcard src/*.c)
OBJS = $(SRCS:.c=.o)

PG_CPPFLAGS = -I$(libpq_srcdir) -Isrc
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(SMPC_EXTRA_CFLAGS)
SHLIB_LINK_INTERNAL = $(libpq)
SHLIB_LINK = -lsodium -Wl,--version-script=$(srcdir)/src/exports.map

REGRESS = setup management aggregates upgrade
REGRESS_OPTS = --temp-instance=tmp_check_regress --temp-config=$(srcdir)/test/regress.conf --load-extension=smpc

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild everything when a header changes
$(OBJS): $(wildcard src/*.h)
$(shlib): src/exports.map
