/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  The grouped computation: one joint computation for every group of a
 *	  GROUP BY query and every smpc aggregate in it.
 *
 * The backend gathers, for each of this member's groups (an opaque key:
 * the encoded GROUP BY values) and each smpc aggregate of the query (a
 * column), the vector the aggregate would have shared on its own and its
 * row count (a cell).  The members then agree on the set of keys (their
 * union, or a list declared by the query) and compute every cell of every
 * agreed key at once, each cell with the release tests of a single
 * computation of its aggregate (protocol.c's plan_tests()).
 *
 * The module is pure like engine.c: no I/O, no clock, no ereport, no
 * shared memory.  It runs in lock step like the engine (engine.h): in
 * each round every member sends one vector (maybe empty) to every other
 * member, then waits for one from each; advancing computes the next
 * round.  Randomness comes from libsodium through field.h.
 *
 * Local input (network byte order):
 *	 u8 version = 1, u8 key_mode (1 union, 2 declared), u16 ncols (1..64)
 *	 per column: u8 kind (SmpcKind), u8 vclass (SmpcClass), u16 width
 *		 (1..SMPC_MAX_VALUES; 1 for MINIMUM and MAXIMUM), u8 scale
 *		 (0..SMPC_EXACT_SCALE; 0 for FLOAT)
 *	 u32 ndeclared (union: 0), then per declared key u16 len + bytes,
 *		 strictly increasing in memcmp-then-length order
 *	 u32 nkeys, then per local key (distinct; in declared mode each one
 *		 declared): u16 len + bytes, and per column i64 rows followed by
 *		 width x int128 (16 bytes, two's complement, big-endian)
 * A cell with rows == 0 contributes nothing, whatever its values.
 *
 * Result (smpc_batch_result):
 *	 u32 nkeys (agreed, in memcmp-then-length order), u16 ncols
 *	 per column: i32 agreed scale (the largest announced; FLOAT: 0)
 *	 per key: u16 len + bytes, then per column: u8 status (0 released,
 *		 1 withheld: fewer than min_parties contributors, 2 withheld: small
 *		 cell), u16 width, and per value u8 null + int128 (0 when null)
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_BATCH_H
#define SMPC_BATCH_H

#include "field.h"
#include "lib/stringinfo.h"

#define SMPC_BATCH_MAX_KEY		240 /* bytes of one grouping key */
#define SMPC_BATCH_MAX_KEYS		100000	/* keys of one member, and agreed */
#define SMPC_BATCH_MAX_COLS		64

#define SMPC_BATCH_UNION		1
#define SMPC_BATCH_DECLARED		2

#define SMPC_BATCH_RELEASED		0
#define SMPC_BATCH_FEW_PARTIES	1
#define SMPC_BATCH_SMALL_CELL	2

typedef struct SmpcBatch SmpcBatch;

typedef struct SmpcBatchSettings
{
	int			n;				/* members, 2..SMPC_MAX_MEMBERS */
	int			self;			/* 0-based index of this member */
	int			degree;			/* Shamir degree t of values (max_colluders) */
	int			min_parties;	/* group setting, 2..n */
	int			min_cell_count; /* group setting, 1..10 */

	/*
	 * Public and the same at every member: the protocol passes the
	 * computation id.  The salts of the key agreement's hash tables derive
	 * from it, so that no member chooses where keys land.
	 */
	uint8		seed[32];
} SmpcBatchSettings;

/*
 * Validate a local input without starting anything.  *has_order: some
 * column is MINIMUM or MAXIMUM (needs 2 * degree < n).  False with *why.
 */
extern bool smpc_batch_check_input(const uint8 *input, size_t len, bool *has_order,
								   const char **why);

/*
 * Start.  NULL and *why when the input or the settings are not valid, or
 * when a column needs multiplication (MINIMUM, MAXIMUM, or small-cell
 * tests) and 2 * degree >= n.  Copies what it needs; the caller wipes its
 * input.
 */
extern SmpcBatch *smpc_batch_start(const SmpcBatchSettings *s, const uint8 *input,
								   size_t len, const char **why);

/* The round in progress, from 1; 0 once done or failed. */
extern int	smpc_batch_round(const SmpcBatch *b);

/* The vector to send member j (j != self) in the current round. */
extern void smpc_batch_outgoing(const SmpcBatch *b, int j, const smpc_fe **v, int *len);

/*
 * Member j's vector of round "round".  False and *why, keeping nothing,
 * when it is not well formed: another round, another length, a second
 * vector from j, j out of range, an announced scale out of range.  A
 * member that computes another grouped computation (other columns,
 * settings or declared keys) is noticed in round 1: the batch then fails.
 */
extern bool smpc_batch_incoming(SmpcBatch *b, int j, int round, const smpc_fe *v,
								int len, const char **why);
extern bool smpc_batch_round_complete(const SmpcBatch *b);
extern void smpc_batch_advance(SmpcBatch *b);
extern bool smpc_batch_done(const SmpcBatch *b);

/*
 * Whether it failed (then done is false and round is 0), with a message
 * for users.
 */
extern bool smpc_batch_failed(const SmpcBatch *b, const char **why);

/* Once done: the result, serialised, appended to out. */
extern void smpc_batch_result(const SmpcBatch *b, StringInfo out);

/* Wipe every share and free. */
extern void smpc_batch_free(SmpcBatch *b);

/*
 * The formats' pieces, for the backend that writes the input and reads
 * the result (groupby.c): big-endian integers of len <= 16 bytes, and the
 * order of keys (memcmp, then length).
 */
extern void smpc_batch_put_be(StringInfo s, uint128 v, int len);
extern uint128 smpc_batch_get_be(const uint8 *p, int len);
extern int	smpc_batch_key_cmp(const uint8 *a, int alen, const uint8 *b, int blen);

/* For figures: rounds the key agreement took (0 in declared mode). */
extern int	smpc_batch_key_rounds(const SmpcBatch *b);

#ifdef SMPC_ENGINE_TRACE
/*
 * Unit tests only (test/unit/run.sh defines SMPC_ENGINE_TRACE): called by
 * each member when it opens values, with what it opened; "what" names the
 * step ("table", "keys", "tests", "sums").
 */
typedef void (*SmpcBatchTrace) (int self, const char *what, const smpc_fe *opened,
								int nopened);
extern SmpcBatchTrace smpc_batch_trace;
#endif

#endif							/* SMPC_BATCH_H */
