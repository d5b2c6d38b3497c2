/*-------------------------------------------------------------------------
 *
 * engine.h
 *	  The round engine: batched arithmetic on Shamir shares over the field
 *	  of field.h, run by every participant of a computation in lock step.
 *
 * The engine is pure: it does no I/O, reads no clock and no setting, and
 * reports no error through ereport.  It compiles in the backend and in
 * the stand-alone test programs under test/.  Its randomness comes from
 * libsodium's randombytes_buf(), which the tests make deterministic.
 *
 * A program runs in rounds.  In each round every participant sends one
 * vector of field elements (possibly empty) to every other participant,
 * then waits for one vector from each of them; when all are in, advancing
 * computes the next round's vectors, or the program's opened outputs.  Any
 * number of operations of the same kind share a round, so a round costs
 * the same whatever the batch size.
 *
 * Multiplication reshares products of degree 2t at degree t, so it needs
 * an honest majority: 2 * degree < n.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_ENGINE_H
#define SMPC_ENGINE_H

#include "field.h"

/* Signed width of compared values, and the statistical masking slack. */
#define SMPC_ENGINE_MAX_BITS	80
#define SMPC_ENGINE_KAPPA		40

/* Largest vector one participant sends another in one round. */
#define SMPC_ENGINE_MAX_VECTOR	(1 << 20)

typedef enum SmpcEngineProgram
{
	/*
	 * The largest (smallest) value of each of G >= 1 independent groups.
	 * inputs: ninputs = G * n shares, group-major: group g's candidates
	 * are inputs[g * n .. g * n + n - 1], the share of each participant's
	 * value in participant order; values in [-2^(bits-1), 2^(bits-1)).
	 * Output: G values, in group order.  Nothing else is opened: per
	 * group, only its result and the masked values of its comparisons.
	 *
	 * All groups travel in the same rounds, so G groups take exactly the
	 * rounds of one; the vectors grow linearly with G, the first round's
	 * the most: G (n (n - 1) / 2 (2 bits + 1) + 1) elements for 3 <= n <=
	 * 16.  A G whose vectors would exceed SMPC_ENGINE_MAX_VECTOR is
	 * refused; at 80 bits the largest G is 2166 at n = 3, 650 at n = 5 and
	 * 232 at n = 8 (1000 groups fit up to 51 bits at n = 5, up to 18 at
	 * n = 8; 10000 up to 16 bits at n = 3).
	 */
	SMPC_PROG_MAX = 1,
	SMPC_PROG_MIN = 2,

	/*
	 * inputs: shares of a[0..k-1] then b[0..k-1] (ninputs = 2k).  Output: k
	 * opened bits, a[i] < b[i] (LESS_THAN) or a[i] == b[i] (EQUAL).  For
	 * tests and benchmarks.
	 */
	SMPC_PROG_LESS_THAN = 3,
	SMPC_PROG_EQUAL = 4
} SmpcEngineProgram;

typedef struct SmpcEngine SmpcEngine;

/*
 * Start a program at participant "self" (0-based) of n.  The input shares
 * are of polynomials of degree "degree" evaluated at self + 1.  Returns
 * NULL and sets *why when the arguments are not valid (2 * degree >= n,
 * bits out of range, wrong number of inputs, so many comparisons or groups
 * that a round's vector would exceed SMPC_ENGINE_MAX_VECTOR); nothing is
 * allocated then.
 */
extern SmpcEngine *smpc_engine_start(SmpcEngineProgram program, int n, int self,
									 int degree, int bits,
									 const smpc_fe *inputs, int ninputs,
									 const char **why);

/*
 * LESS_THAN and EQUAL only: a program started with inputs NULL (and
 * ninputs as it will have them) makes its random bits in its first two
 * rounds without them, and takes them here, before it advances past round
 * 2 (until then, advancing from round 2 does nothing).  False, changing
 * nothing, when it is too late, when the inputs were given already, or
 * when one is not a field element.
 */
extern bool smpc_engine_set_inputs(SmpcEngine *e, const smpc_fe *inputs, int ninputs);

/* The round in progress, from 1; 0 once done. */
extern int	smpc_engine_round(const SmpcEngine *e);

/* The vector to send participant j (j != self) in the current round. */
extern void smpc_engine_outgoing(const SmpcEngine *e, int j,
								 const smpc_fe **v, int *len);

/*
 * Participant j's vector for round "round".  Returns false and sets *why,
 * keeping nothing, when it is not well formed: a round other than the
 * current one, a length other than expected, a second vector from j, or j
 * out of range.
 */
extern bool smpc_engine_incoming(SmpcEngine *e, int j, int round,
								 const smpc_fe *v, int len, const char **why);

/* Whether every other participant's vector for the current round is in. */
extern bool smpc_engine_round_complete(const SmpcEngine *e);

/* Compute the next round from a complete one (or the outputs). */
extern void smpc_engine_advance(SmpcEngine *e);

extern bool smpc_engine_done(const SmpcEngine *e);

/* The opened outputs, once done: returns how many, at most max. */
extern int	smpc_engine_result(const SmpcEngine *e, int128 *out, int max);

/* Wipe every share and free the engine. */
extern void smpc_engine_free(SmpcEngine *e);

#ifdef SMPC_ENGINE_TRACE
/*
 * Unit tests only (test/unit/run.sh defines SMPC_ENGINE_TRACE; the
 * extension has no such hook): called by each participant's engine when a
 * round is complete, with the values opened in that round, which every
 * participant opens alike.  It is how the tests check what a member sees.
 */
typedef void (*SmpcEngineTrace) (int self, int round, const smpc_fe *opened,
								 int nopened);
extern SmpcEngineTrace smpc_engine_trace;
#endif

#endif							/* SMPC_ENGINE_H */
