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

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#define SMPC_KEY_BYTES		32		/* X25519 public and secret keys */
#define SMPC_NONCE_BYTES	16		/* per-request rendezvous nonce */
#define SMPC_HASH_BYTES		32		/* computation ids, membership digests */
#define SMPC_MAX_NAME		64		/* node, peer and group names, with NUL */
#define SMPC_MAX_LABEL		256		/* labels, with NUL */
#define SMPC_MAX_VALUES		64		/* length of the shared vector */
#define SMPC_MAX_MEMBERS	64		/* members of one computation */
#define SMPC_MAX_REQUESTS	64		/* computations running at once */
#define SMPC_MAX_PEERS		256		/* distinct peer keys known to a node */
#define SMPC_MAX_MESSAGE	8192	/* largest message a peer may deliver */
#define SMPC_INBOX_BYTES	(2 * 1024 * 1024)

/* Fixed-point encoding of floating-point inputs: fractional bits. */
#define SMPC_FLOAT_FRAC_BITS 40

typedef enum SmpcKind
{
	SMPC_KIND_SUM = 1,
	SMPC_KIND_AVG = 2,
	SMPC_KIND_COUNT = 3,
	SMPC_KIND_VARIANCE = 4,		/* count, sum, sum of squares */
	SMPC_KIND_REGRESSION = 5,	/* count, sums, squares and cross product */
	SMPC_KIND_HISTOGRAM = 6,	/* a count per bucket */
	SMPC_KIND_FREQUENCIES = 7	/* a count per category */
} SmpcKind;

#define SMPC_KIND_MAX SMPC_KIND_FREQUENCIES

/* How element 0 of the vector is encoded; all members must agree. */
typedef enum SmpcClass
{
	SMPC_CLASS_EXACT = 1,		/* integer times 10^-scale */
	SMPC_CLASS_FLOAT = 2		/* integer times 2^-SMPC_FLOAT_FRAC_BITS */
} SmpcClass;

typedef enum SmpcReqState
{
	SMPC_REQ_FREE = 0,
	SMPC_REQ_SUBMITTED,			/* filled in by a backend, not yet seen */
	SMPC_REQ_RUNNING,			/* the worker is driving it */
	SMPC_REQ_DONE,				/* result or error posted for the backend */
	SMPC_REQ_ABANDONED			/* the backend gave up; worker must clean up */
} SmpcReqState;

/* One computation asked for by a backend; see aggregates.c and worker.c. */
typedef struct SmpcRequest
{
	SmpcReqState state;
	uint64		serial;			/* unique per submission */
	int			backend_pid;
	Latch	   *backend_latch;
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	uint8		kind;			/* SmpcKind */
	uint8		vclass;			/* SmpcClass */
	int32		scale;			/* this member's decimal scale (exact) */
	int32		nvalues;
	uint8		scale_mult[SMPC_MAX_VALUES];	/* element k is at scale_mult[k] * scale */
	uint8		desc[SMPC_HASH_BYTES];	/* what all members must agree on, or zeros */
	int32		timeout_ms;
	int128		values[SMPC_MAX_VALUES];
	/* filled in by the worker */
	int32		result_scale;
	int128		result[SMPC_MAX_VALUES];
	bool		result_null[SMPC_MAX_VALUES];	/* suppressed small cells */
	int			sqlerrcode;		/* 0 on success */
	char		errmsg[256];
	char		errdetail[1024];
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
 * that an administrator who is not a superuser added (peer.c).
 */
#define SMPC_HIDDEN_CONNECT_ERROR "could not connect to the peer (the server log has the details)"

typedef struct SmpcShared
{
	LWLock	   *lock;
	pid_t		worker_pid;		/* 0 while no worker runs */
	Latch	   *worker_latch;
	pg_atomic_uint64 config_gen;	/* bumped when configuration changes */
	uint64		next_serial;
	bool		node_key_valid;
	uint8		node_public_key[SMPC_KEY_BYTES];
	/* inbox: a ring of [uint32 length][bytes] records */
	uint64		inbox_head;		/* total bytes ever written */
	uint64		inbox_tail;		/* total bytes ever consumed */
	uint64		inbox_rejected;	/* deliveries refused for lack of room */
	SmpcRequest requests[SMPC_MAX_REQUESTS];
	int			npeers;
	SmpcPeerStatus peers[SMPC_MAX_PEERS];
	char		inbox[SMPC_INBOX_BYTES];
} SmpcShared;

/* smpc.c */
extern SmpcShared *smpc_shared;
extern char *smpc_database;
extern int	smpc_timeout_ms;

/*
 * smpc.fault_injection: make this node misbehave in one chosen way, so that
 * the tests can put a member into a known state (for example, stopped
 * between the input and the output phase) without relying on timing.
 * Superuser only, and never meant for production.
 */
typedef enum SmpcFault
{
	SMPC_FAULT_NONE = 0,
	SMPC_FAULT_HOLD_SHARES,		/* join, then never send the shares */
	SMPC_FAULT_HOLD_SUMS,		/* send the shares, then never the sums */
	SMPC_FAULT_WRONG_STEP,		/* also send messages of steps not due */
	SMPC_FAULT_REPEAT_SUMS		/* send the sums again once finished */
} SmpcFault;
extern int	smpc_fault_injection;
extern void smpc_check_loaded(void);
extern void smpc_note_config_change(void);

/* peerlogin.c: hold the peers' logins to smpc.deliver() */
extern void smpc_peer_login_init(void);

/* worker.c */
extern PGDLLEXPORT void smpc_worker_main(Datum arg);

/* aggregates.c: hand a vector to the worker and wait for the joint result */
extern void smpc_run_computation(const char *group, const char *label,
								 SmpcKind kind, SmpcClass vclass, int32 scale,
								 const int128 *values, const uint8 *scale_mult,
								 int nvalues, const uint8 *desc,
								 int128 *result, int32 *result_scale,
								 bool *result_null);
extern const char *smpc_kind_name(SmpcKind kind);

#endif							/* SMPC_H */
