/*-------------------------------------------------------------------------
 *
 * search.h
 *	  Order statistics and the auction clearing price: a search over an
 *	  ordered domain in which every member counts its own rows, and only
 *	  summed counts are compared, by batched secure comparisons.
 *
 * The module is pure like engine.c and batch.c: no I/O, no clock, no
 * ereport, no shared memory.  It runs in lock step (engine.h): in each
 * round every member sends one vector (maybe empty) to every other member,
 * then waits for one from each; advancing computes the next round.
 *
 * Two kinds of computation, each over ninst independent instances that
 * travel in the same rounds (one instance for a plain aggregate):
 *
 * ORDER: each member holds its rows' order keys (order.c: signed integers
 *	 of SMPC_ORDER_BITS bits, strictly inside the sentinels), as distinct
 *	 keys with their counts.  The members first run the release tests of a
 *	 single smpc_count over the instance (contributors, small cells: a
 *	 batch.h sub-computation) and open the joint row count N, which is
 *	 public from then on.  Each query (a fraction and a mode) gives one or
 *	 two target ranks, computed from N exactly as PostgreSQL computes them
 *	 (orderedsetaggs.c, in float8):
 *	   DISC: K = max(1, ceil(fraction * N));
 *	   CONT: K1 = floor(fraction * (N - 1)) + 1, K2 = ceil(fraction * (N - 1)) + 1.
 *	 For each target rank K the search finds the smallest key t with
 *	 C(t) >= K, C(t) being the number of rows of all members with key <= t.
 *	 Each step compares C at several thresholds with K at once; the
 *	 thresholds of the next step depend only on the bits opened so far,
 *	 each of which is [t >= the result]: what is opened is a function of
 *	 N and the results alone.
 *
 * CLEARING: each member holds, for every price of an agreed grid (in
 *	 ascending order), its demand (quantity of its buy bids at or above
 *	 that price) and supply (quantity of its sell bids at or below it),
 *	 scaled integers in [0, 2^SMPC_SEARCH_QTY_BITS).  Release tests as a
 *	 single computation whose rows are the bids (nothing is opened but
 *	 the verdict).  The search finds the smallest grid index g with
 *	 joint demand(g) <= joint supply(g); every opened bit is [g' >= that
 *	 index].  With SMPC_SEARCH_VOLUME, the members then open
 *	 min(joint demand(g), joint supply(g)) at that index, and nothing
 *	 else (not which of the two is smaller).
 *
 * Local input (network byte order):
 *	 u8 version = 1, u8 what (SMPC_SEARCH_ORDER or SMPC_SEARCH_CLEARING),
 *	 u8 flags (CLEARING: SMPC_SEARCH_VOLUME; ORDER: 0), u16 ninst (1..
 *	 SMPC_SEARCH_MAX_INST)
 *	 ORDER, per instance:
 *		 u16 nq (1..SMPC_SEARCH_MAX_QUERIES), per query u8 mode
 *		 (SMPC_SEARCH_DISC or SMPC_SEARCH_CONT) + 8 bytes of the float8
 *		 fraction's IEEE bits (0 <= fraction <= 1, not NaN)
 *		 u32 ndistinct, per distinct key, strictly increasing: the key and
 *		 its count (>= 1) as smpc_search_put_key() writes them (varints:
 *		 the first key zigzag-encoded, each next one as its difference
 *		 from the one before, which is at least 1; a few bytes a key
 *		 instead of 24); the counts sum to at most SMPC_SEARCH_MAX_ROWS
 *	 CLEARING, per instance:
 *		 u64 bids (this member's bid rows; 0: it contributes nothing)
 *		 u32 ngrid (1..SMPC_SEARCH_MAX_GRID), per grid price in ascending
 *		 order: int128 demand + int128 supply, demand non-increasing and
 *		 supply non-decreasing along the grid
 *	 Every member must pass the same public part (what, flags, ninst, the
 *	 queries, ngrid): a member that does not is noticed in round 1 and
 *	 the search fails.
 *
 * Result (smpc_search_result):
 *	 u8 what, u16 ninst, per instance:
 *	 u8 status (SMPC_BATCH_RELEASED, SMPC_BATCH_FEW_PARTIES,
 *	 SMPC_BATCH_SMALL_CELL); when not released nothing else of the
 *	 instance follows.
 *	 ORDER: i64 N, u16 nq, per query u8 found (0 when N == 0), int128 lo,
 *		 int128 hi (the keys at ranks K1 and K2; DISC: both the key at K)
 *	 CLEARING: u8 found (0: no grid price clears), u32 index, u8
 *		 has_volume, int128 volume (0 unless has_volume)
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_SEARCH_H
#define SMPC_SEARCH_H

#include "batch.h"
#include "field.h"
#include "lib/stringinfo.h"

#define SMPC_SEARCH_ORDER		1
#define SMPC_SEARCH_CLEARING	2

#define SMPC_SEARCH_DISC		1
#define SMPC_SEARCH_CONT		2

#define SMPC_SEARCH_VOLUME		0x01

#define SMPC_SEARCH_MAX_INST	1000
#define SMPC_SEARCH_MAX_QUERIES	100
#define SMPC_SEARCH_MAX_GRID	100000
/* rows of one member's instance, and N; counts compare at 42 bits or fewer */
#define SMPC_SEARCH_MAX_ROWS	(((int64) 1) << 40)
/* a member's demand or supply at any grid price, scaled */
#define SMPC_SEARCH_QTY_BITS	62

typedef struct SmpcSearch SmpcSearch;

/*
 * Append one distinct key of an ORDER instance and its count to the input
 * (prev: the instance's key before it; ignored for its first).
 */
extern void smpc_search_put_key(StringInfo s, bool first, int128 prev, int128 key,
								uint64 count);

/*
 * Validate a local input without starting anything.  False and *why when
 * it is not well formed.
 */
extern bool smpc_search_check_input(const uint8 *input, size_t len, const char **why);

/*
 * Start (settings as for batch.h; the seed is the computation id).  NULL
 * and *why when the input or the settings are not valid, in particular
 * when 2 * degree >= n: comparisons multiply shares.  Copies what it
 * needs; the caller wipes its input.
 */
extern SmpcSearch *smpc_search_start(const SmpcBatchSettings *s, const uint8 *input,
									 size_t len, const char **why);

/* The lock-step interface, as batch.h's. */
extern int	smpc_search_round(const SmpcSearch *s);
extern void smpc_search_outgoing(const SmpcSearch *s, int j, const smpc_fe **v, int *len);
extern bool smpc_search_incoming(SmpcSearch *s, int j, int round, const smpc_fe *v,
								 int len, const char **why);
extern bool smpc_search_round_complete(const SmpcSearch *s);
extern void smpc_search_advance(SmpcSearch *s);
extern bool smpc_search_done(const SmpcSearch *s);
extern bool smpc_search_failed(const SmpcSearch *s, const char **why);

/* Once done: the result, serialised, appended to out. */
extern void smpc_search_result(const SmpcSearch *s, StringInfo out);

/*
 * Once done, with one instance: its verdict (SMPC_BATCH_RELEASED,
 * SMPC_BATCH_FEW_PARTIES or SMPC_BATCH_SMALL_CELL); RELEASED with several.
 */
extern int	smpc_search_status(const SmpcSearch *s);

/* Wipe every share and free. */
extern void smpc_search_free(SmpcSearch *s);

/* For figures: search steps taken, and secure comparisons made. */
extern int	smpc_search_steps(const SmpcSearch *s);
extern int64 smpc_search_comparisons(const SmpcSearch *s);

#ifdef SMPC_ENGINE_TRACE
/*
 * Unit tests only: called by each member when it opens values, with what
 * it opened; "what" names the step ("count", "bits", "volume").
 */
typedef void (*SmpcSearchTrace) (int self, const char *what, const smpc_fe *opened,
								 int nopened);
extern SmpcSearchTrace smpc_search_trace;

/* Unit benchmarks only: thresholds per step after the first (256). */
extern int	smpc_search_budget;
#endif

#endif							/* SMPC_SEARCH_H */
