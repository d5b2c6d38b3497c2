/*-------------------------------------------------------------------------
 *
 * protocol.h
 *	  The computation protocol (protocol.c) as a pure state machine: it
 *	  takes requests, authenticated messages and the time, and queues
 *	  effects (messages to send, results to post, history rows, log lines)
 *	  that its caller carries out afterwards.  It does no I/O, reads no
 *	  clock and no setting, raises no error and keeps all of its state in
 *	  one SmpcProtocol, so that several nodes can run in one process.
 *
 * Every function allocates with palloc in the caller's current memory
 * context, which must live as long as the SmpcProtocol (the worker keeps a
 * context for it).  No function calls back into its caller, and none runs
 * an effect: the caller takes them with smpc_protocol_next_effect().
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_PROTOCOL_H
#define SMPC_PROTOCOL_H

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"

#include "group.h"
#include "smpc.h"

typedef struct SmpcProtocol SmpcProtocol;

/* What the protocol may ask of its environment: reading, never acting. */
typedef struct SmpcProtoEnv
{
	/*
	 * The last connection error of the peer with this key, or NULL; *hidden
	 * says it may be shown to superusers only.  It is quoted in the detail
	 * of a timeout or of an abandoned computation.  May be NULL.
	 */
	const char *(*peer_error) (void *arg, const uint8 *public_key, bool *hidden);
	void	   *arg;
} SmpcProtoEnv;

/* A copy of what a backend asked for (shmem.c takes it out of its slot). */
typedef struct SmpcProtoRequest
{
	int			slot;			/* where the result goes */
	uint64		serial;
	SmpcKind	kind;
	SmpcClass	vclass;
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	int32		scale;
	int			nvalues;		/* at most SMPC_MAX_VALUES */
	const int128 *values;		/* copied; the caller wipes its own */
	int64		rows;
	uint8		desc[SMPC_HASH_BYTES];
	int32		timeout_ms;
	/* SMPC_KIND_GROUPED: the local input of batch.h (copied), else NULL */
	const uint8 *batch;
	size_t		batch_len;
} SmpcProtoRequest;

typedef enum SmpcEffectType
{
	SMPC_EFFECT_SEND = 1,		/* seal and queue a message for a peer */
	SMPC_EFFECT_RESULT,			/* post a result or an error to a slot */
	SMPC_EFFECT_HISTORY,		/* a row for smpc.history_log */
	SMPC_EFFECT_LOG,			/* a line for the server log */
	SMPC_EFFECT_DROP			/* drop the queued messages of a computation */
} SmpcEffectType;

typedef enum SmpcLogLevel
{
	SMPC_LOG_DEBUG = 1,			/* DEBUG1 */
	SMPC_LOG_INFO,				/* LOG */
	SMPC_LOG_WARNING			/* WARNING */
} SmpcLogLevel;

/*
 * One effect.  Which fields count depends on the type; strings and arrays
 * belong to the effect and go with smpc_protocol_free_effect().
 */
typedef struct SmpcEffect
{
	SmpcEffectType type;
	struct SmpcEffect *next;	/* the protocol's queue */

	/* SEND: recipient key, message type, computation id (READY: none) */
	uint8		peer[SMPC_KEY_BYTES];
	uint8		msg_type;		/* SmpcMsgType */
	bool		has_comp_id;	/* SEND, HISTORY, DROP */
	uint8		comp_id[SMPC_HASH_BYTES];
	StringInfoData payload;		/* may hold shares: wiped when freed */

	/* RESULT */
	int			slot;
	uint64		serial;
	int			sqlerrcode;		/* 0: the result */
	int128	   *result;			/* nresult values, or NULL */
	bool	   *result_null;
	int			nresult;
	int32		scale;
	bool		withheld;
	uint8	   *blob;			/* SMPC_KIND_GROUPED: the result of batch.h */
	size_t		bloblen;

	/* RESULT (errmsg, errdetail), LOG (message, detail) */
	char	   *msg;
	char	   *detail;			/* or NULL */
	char	   *hint;			/* RESULT: an errhint, or NULL */
	SmpcLogLevel level;			/* LOG */

	/* HISTORY (has_comp_id, comp_id above) */
	char		group[SMPC_MAX_NAME];
	SmpcKind	kind;
	char		label[SMPC_MAX_LABEL];
	Member	   *members;
	int			nmembers;
	TimestampTz started;
	char	   *status;
	char	   *error;			/* or NULL */
} SmpcEffect;

extern SmpcProtocol *smpc_protocol_create(const SmpcProtoEnv *env);
extern void smpc_protocol_destroy(SmpcProtocol *P);

/* The node's key and groups (copied), after every reading of the tables. */
extern void smpc_protocol_configure(SmpcProtocol *P, bool have_node_key,
									const PeerGroup *groups, int ngroups);

/* smpc.fault_injection (smpc.h), honoured only in test builds. */
extern void smpc_protocol_set_fault(SmpcProtocol *P, int fault);

/* A backend asked for a computation. */
extern void smpc_protocol_submit(SmpcProtocol *P, const SmpcProtoRequest *req,
								 TimestampTz now);

/* The backend of this slot gave up; false if no computation holds it. */
extern bool smpc_protocol_cancel(SmpcProtocol *P, int slot, TimestampTz now);

/*
 * An authenticated message (the session layer has opened it): the sender's
 * key and name, its type (SmpcMsgType), computation id and plain payload.
 */
extern void smpc_protocol_receive(SmpcProtocol *P, const uint8 *sender,
								  const char *sender_name, uint8 type,
								  const uint8 *comp_id, const uint8 *payload,
								  size_t len, TimestampTz now);

/* Time passes: computations past their deadline time out. */
extern void smpc_protocol_tick(SmpcProtocol *P, TimestampTz now);

/* The earliest deadline of a running computation; false if none runs. */
extern bool smpc_protocol_next_deadline(SmpcProtocol *P, TimestampTz *deadline);

/* Whether a computation runs for this slot. */
extern bool smpc_protocol_has_slot(SmpcProtocol *P, int slot);

/*
 * The worker stops: an error for every waiting backend (RESULT effects
 * only), and every computation and early message wiped.
 */
extern void smpc_protocol_shutdown(SmpcProtocol *P);

/* The oldest queued effect, or NULL; the caller frees it when done. */
extern SmpcEffect *smpc_protocol_next_effect(SmpcProtocol *P);
extern void smpc_protocol_free_effect(SmpcEffect *e);

#endif
