/*-------------------------------------------------------------------------
 *
 * smpc.h
 *	  Definitions shared by every part of smpc: limits, the shared memory
 *	  layout through which backends, the delivery function and the
 *	  background worker talk, and the entry points of each module.
 *
 * Locking: all of SmpcShared is guarded by the single LWLock in
 * SmpcShared->lock, except config_gen, which is atomic.  Holders never wait
 * on anything else while they hold it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_H
#define SMPC_H

#include "postgres.h"

#include "fmgr.h"
#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#define SMPC_KEY_BYTES		32		/* X25519 public and secret keys */
#define SMPC_NONCE_BYTES	16		/* per-request rendezvous nonce */
#define SMPC_HASH_BYTES		32		/* computation ids, membership digests */
#define SMPC_MAX_NAME		64		/* node, peer and group names, with NUL */
#define SMPC_MAX_LABEL		256		/* labels, with NUL */
#define SMPC_MAX_VALUES		512		/* length of the shared vector */
#define SMPC_MAX_MEMBERS	64		/* members of one computation */
#define SMPC_MAX_REQUESTS	64		/* computations running at once */
#define SMPC_MAX_PEERS		256		/* distinct peer keys known to a node */
#define SMPC_MAX_MESSAGE	(528 * 1024)	/* largest message a peer may
											 * deliver: a chunk of
											 * SMPC_ROUND_BIG_CHUNK elements
											 * of 16 bytes (codec.h), header
											 * and tag */
/* The extension version whose tables this library reads (smpc.control). */
#define SMPC_EXTENSION_VERSION "0.4"
#define SMPC_INBOX_BYTES	(16 * 1024 * 1024)

/* Fixed-point encoding of floating-point sums (smpc_sum, smpc_avg): fractional bits. */
#define SMPC_FLOAT_FRAC_BITS 40

typedef enum SmpcKind
{
	SMPC_KIND_SUM = 1,
	SMPC_KIND_AVG = 2,
	SMPC_KIND_COUNT = 3,
	SMPC_KIND_VARIANCE = 4,		/* count, sum, sum of squares */
	SMPC_KIND_REGRESSION = 5,	/* count, sums, squares and cross product */
	SMPC_KIND_HISTOGRAM = 6,	/* a count per bucket */
	SMPC_KIND_FREQUENCIES = 7,	/* a count per category */
	SMPC_KIND_MINIMUM = 8,		/* the round engine: the smallest key */
	SMPC_KIND_MAXIMUM = 9,		/* the round engine: the largest key */
	SMPC_KIND_GROUPED = 10,		/* a GROUP BY query: every group and smpc
								 * aggregate at once (batch.h) */
	SMPC_KIND_PERCENTILE = 11,	/* order statistics: a search over the
								 * value domain (search.h) */
	SMPC_KIND_CLEARING = 12		/* the auction clearing price (search.h) */
} SmpcKind;

#define SMPC_KIND_MAX SMPC_KIND_CLEARING

/*
 * smpc_min and smpc_max compare keys: signed integers of SMPC_ORDER_BITS
 * bits that order like the values they stand for (aggregates.c maps each
 * input type onto them).  The vector is the one key of this member's local
 * extreme; a member without rows enters the sentinel, which lies beyond
 * every key, and a joint result equal to it means no rows anywhere.
 * numeric keys are the value times 10^SMPC_ORDER_SCALE.
 */
#define SMPC_ORDER_BITS		80
#define SMPC_ORDER_SCALE	8
#define SMPC_ORDER_NONE_MAX	(-(((int128) 1) << (SMPC_ORDER_BITS - 1)))
#define SMPC_ORDER_NONE_MIN	((((int128) 1) << (SMPC_ORDER_BITS - 1)) - 1)

/*
 * How the values of the vector are encoded; all members must agree.  The
 * layouts (wide.h has the limb counts and units):
 *  sum, avg, exact: the sum in SMPC_EXACT_LIMBS limbs at decimal scale
 *    SMPC_EXACT_SCALE, then the count (sum: 1 if any non-NULL value)
 *  sum, avg, float: the sum times 2^SMPC_FLOAT_FRAC_BITS, then the count
 *  count: the count
 *  variance, exact: the count, the sum (SMPC_EXACT_LIMBS limbs at scale
 *    SMPC_EXACT_SCALE), the sum of squares (SMPC_EXACT_SQ_LIMBS limbs at
 *    twice that scale)
 *  variance, float: the count, the sum (SMPC_FLOAT_LIMBS limbs in units of
 *    2^-1074), the sum of squares (SMPC_FLOAT_SQ_LIMBS limbs, 2^-2148)
 *  regression (float): the count, sum x, sum y (SMPC_FLOAT_LIMBS limbs
 *    each), sum x^2, sum y^2, sum xy (SMPC_FLOAT_SQ_LIMBS limbs each)
 *  histogram, frequencies: a count per bucket
 */
typedef enum SmpcClass
{
	SMPC_CLASS_EXACT = 1,		/* integers and numeric, at a fixed scale */
	SMPC_CLASS_FLOAT = 2		/* floating point */
} SmpcClass;

typedef enum SmpcReqState
{
	SMPC_REQ_FREE = 0,
	SMPC_REQ_SUBMITTED,			/* filled in by a backend, not yet seen */
	SMPC_REQ_RUNNING,			/* the worker is driving it */
	SMPC_REQ_DONE,				/* result or error posted for the backend */
	SMPC_REQ_ABANDONED			/* the backend gave up; worker must clean up */
} SmpcReqState;

/* One computation asked for by a backend; see shmem.c for who moves it when. */
typedef struct SmpcRequest
{
	SmpcReqState state;
	uint64		serial;			/* unique per submission */
	Latch	   *backend_latch;
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	uint8		kind;			/* SmpcKind */
	uint8		vclass;			/* SmpcClass */
	int32		scale;			/* this member's display scale (exact) */
	int32		nvalues;
	uint8		desc[SMPC_HASH_BYTES];	/* what all members must agree on, or zeros */
	int32		timeout_ms;
	int128		values[SMPC_MAX_VALUES];
	int64		rows;			/* this member's rows that contribute */
	/* GROUP BY (SMPC_KIND_GROUPED): the local input in a dynamic shared
	 * memory segment of the backend (dsm_handle, 0: none) */
	uint32		batch_in;
	uint32		batch_in_len;
	/* filled in by the worker */
	uint32		batch_out;		/* the result, in a segment of the worker */
	uint32		batch_out_len;
	int32		result_scale;	/* the agreed display scale: the largest */
	int128		result[SMPC_MAX_VALUES];
	bool		result_null[SMPC_MAX_VALUES];	/* suppressed small cells */
	bool		result_withheld;	/* no value released: too few contributors
									 * or a small cell */
	int			sqlerrcode;		/* 0 on success */
	char		errmsg[256];
	char		errdetail[1024];
	char		errhint[256];
} SmpcRequest;

/* What the worker knows of one peer key, for smpc.peer_status. */
typedef struct SmpcPeerStatus
{
	uint8		public_key[SMPC_KEY_BYTES];
	bool		connected;
	bool		key_verified;
	double		rtt_ms;			/* negative when never measured */
	TimestampTz last_contact;	/* 0 when never */
	char		last_error[256];
	bool		error_hidden;	/* show last_error to superusers only */
} SmpcPeerStatus;

/*
 * What others than superusers see instead of a connection error of a peer
 * that an administrator who is not a superuser added (transport.c).
 */
#define SMPC_HIDDEN_CONNECT_ERROR "could not connect to the peer (the server log has the details)"

typedef struct SmpcShared
{
	LWLock	   *lock;
	pid_t		worker_pid;		/* 0 while no worker runs */
	Latch	   *worker_latch;
	uint64		worker_epoch;	/* the running worker's epoch (codec.h) */
	pg_atomic_uint64 config_gen;	/* bumped when configuration changes */
	uint64		next_serial;
	bool		node_key_valid;
	uint8		node_public_key[SMPC_KEY_BYTES];
	/* inbox: a ring of [uint32 length][bytes] records */
	uint64		inbox_head;		/* total bytes ever written */
	uint64		inbox_tail;		/* total bytes ever consumed */
	SmpcRequest requests[SMPC_MAX_REQUESTS];
	int			npeers;
	SmpcPeerStatus peers[SMPC_MAX_PEERS];
	char		inbox[SMPC_INBOX_BYTES];
} SmpcShared;

/*
 * smpc.deliver() refuses a message sealed for an earlier run (epoch) of
 * this node's worker with this SQLSTATE, so that the sender learns the
 * current epoch and seals the message again.
 */
#define SMPC_ERRCODE_STALE_EPOCH MAKE_SQLSTATE('5','5','S','0','1')

/* smpc.c */
extern SmpcShared *smpc_shared;
extern char *smpc_database;
extern int	smpc_timeout_ms;

/*
 * smpc.fault_injection: make this node misbehave in one chosen way, so that
 * the tests can put a member into a known state (for example, stopped
 * between the input and the output phase) without relying on timing.
 * Superuser only, and only in test builds (see below).
 */
typedef enum SmpcFault
{
	SMPC_FAULT_NONE = 0,
	SMPC_FAULT_HOLD_SHARES,		/* join, then never send the shares */
	SMPC_FAULT_HOLD_SUMS,		/* send the shares, then never the sums */
	SMPC_FAULT_WRONG_STEP,		/* also send messages of steps not due */
	SMPC_FAULT_REPEAT_SUMS,		/* send the sums again once finished */
	SMPC_FAULT_BAD_TEXT,		/* send a group, label and reason that are
								 * not text, and fail every computation */
	SMPC_FAULT_HOLD_ROUNDS		/* smpc_min, smpc_max: send the shares and
								 * test values, then never a comparison round */
} SmpcFault;

/* what bad_text appends: control characters and bytes that are not UTF-8 */
#define SMPC_BAD_TEXT " \x01\x1b[31m\xff\xfe\xc3\x28\n\xc2\x85" "end"

/*
 * The faults exist only in a test build (make SMPC_TEST_BUILD=1 defines
 * SMPC_FAULT_INJECTION).  In a production build the setting is not
 * registered, smpc_fault() is constant false, so the compiler drops every
 * fault branch, and smpc_fault_log_change() is nothing.
 */
#ifdef SMPC_FAULT_INJECTION
extern int	smpc_fault_injection;
extern void smpc_fault_log_change(void);
#define smpc_fault(mode) (smpc_fault_injection == (mode))
#else
#define smpc_fault(mode) false
#define smpc_fault_log_change() ((void) 0)
#endif
extern void smpc_check_loaded(void);
extern void smpc_note_config_change(void);

/* peerlogin.c: hold the peers' logins to smpc.deliver() */
extern void smpc_peer_login_init(void);

/* worker.c */
extern PGDLLEXPORT void smpc_worker_main(Datum arg);

/* launcher.c: waits for smpc.database, then starts and watches the worker */
extern PGDLLEXPORT void smpc_launcher_main(Datum arg);

/*
 * aggregates.c: hand a vector to the worker and wait for the joint result.
 * rows is this member's number of rows that contribute to the value
 * (non-NULL inputs, or the rows counted, or the sum of the bucket counts).
 * Returns false when the joint result is withheld: fewer than min_parties
 * members had such rows, or (min_cell_count) a count is small; then every
 * final function returns NULL.
 */
extern bool smpc_run_computation(FunctionCallInfo fcinfo, const char *group, const char *label,
								 SmpcKind kind, SmpcClass vclass, int32 scale,
								 const int128 *values, int nvalues,
								 const uint8 *desc, int64 rows,
								 int128 *result, int32 *result_scale,
								 bool *result_null);

/* codec.c */
extern const char *smpc_kind_name(SmpcKind kind);

#endif							/* SMPC_H */
