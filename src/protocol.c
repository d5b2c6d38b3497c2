/*-------------------------------------------------------------------------
 *
 * protocol.c
 *	  Every running computation as a state machine, free of I/O: it takes
 *	  requests, authenticated messages and the time, and queues effects
 *	  that the worker (worker.c) or a test program carries out afterwards
 *	  (protocol.h).  No clock, no setting, no ereport, no shared memory.
 *
 * One computation, as seen from one member:
 *	 WAIT	 a backend asked for it; READY went to every other member of the
 *			 group.  It moves on when every member's READY has arrived with
 *			 the same membership digest and encoding.
 *	 INPUT	 the computation id is the hash of the key and every member's
 *			 rendezvous nonce.  Our vector was split into Shamir shares, one
 *			 sent (sealed) to each member; we add up the shares we receive.
 *	 MULT	 once every member's share is in, the tests that decide what is
 *			 released (enough contributors, small cells; see plan_tests())
 *			 are multiplied out on shares, one level of product trees per
 *			 round.  No round when the tests are linear.
 *	 ZOPEN	 we send our shares of the test values, one per cell, to all;
 *			 with every member's in, they are opened.  When nothing may be
 *			 released, the computation ends here with NULL ("suppressed").
 *	 OUTPUT  we send our sum of shares of the released values to everyone;
 *			 with degree + 1 sums in, the joint vector is interpolated and
 *			 posted to the waiting backend.
 *	 ENGINE  instead of OUTPUT for smpc_min and smpc_max: the round engine
 *			 (engine.c) runs a tournament of secure comparisons on every
 *			 member's shared key, one ROUND message (in chunks) to each
 *			 member per round, and opens only the extreme.
 * Every message a member sends in a computation follows its previous
 * step, and messages from one member arrive in the order sent, so a
 * message of a step its sender has not reached yet is refused.
 * Any error, timeout or cancellation posts an error to the backend, tells
 * the other members with ABORT, and records the outcome in smpc.history.
 *
 * Nothing re-enters: an entry point changes the state of one computation,
 * advances it as far as it can go, and then works through the messages
 * that had arrived early for a computation that has just started, one at
 * a time, advancing after each (drive()).  Effects only ever go to the
 * queue.  A message from a peer can never raise an error: a bad one is
 * logged as a warning and dropped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "batch.h"
#include "search.h"
#include "codec.h"
#include "engine.h"
#include "field.h"
#include "protocol.h"
#include "wide.h"

#define MAX_PENDING		1024
#define MAX_RECENT		256

/* the faults exist only in test builds (smpc.h) */
#ifdef SMPC_FAULT_INJECTION
#define FAULT(P, mode) ((P)->fault == (mode))
#else
#define FAULT(P, mode) false
#endif

typedef enum CompPhase
{
	PHASE_WAIT = 1,
	PHASE_INPUT,
	PHASE_MULT,					/* the tests: multiplication rounds */
	PHASE_ZOPEN,				/* the tests: opening the test values */
	PHASE_OUTPUT,
	PHASE_ENGINE				/* the round engine's rounds (min, max) */
} CompPhase;

/* Hidden elements shared besides the values: see start_input(). */
#define MAX_SHARED		(3 * SMPC_MAX_VALUES + 4)
/* Products of one multiplication level per MULT message (fits 8 kB). */
#define MULT_CHUNK		400
#define MULT_MAX_CHUNKS 64
#define MAX_LEVELS		16

/* A member's vector of one round of the round engine, arriving in chunks. */
typedef struct RoundIn
{
	uint32		round;			/* 0: none */
	uint32		total;			/* elements */
	int			nchunks;
	int			got;
	bool	   *seen;			/* nchunks */
	smpc_fe    *v;				/* total (at least 1) */
} RoundIn;

typedef struct Comp
{
	bool		used;
	int			slot;
	uint64		serial;
	SmpcKind	kind;
	SmpcClass	vclass;
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	CompPhase	phase;
	int			n;
	int			self;
	Member		members[SMPC_MAX_MEMBERS];
	uint8		digest[SMPC_HASH_BYTES];
	uint8		nonce[SMPC_NONCE_BYTES];
	int			nvalues;
	int32		scale;
	int32		agreed_scale;
	uint8		desc[SMPC_HASH_BYTES];
	int128		local[SMPC_MAX_VALUES];
	bool		have_ready[SMPC_MAX_MEMBERS];
	bool		withdrew[SMPC_MAX_MEMBERS];	/* joined, then gave up */
	SmpcReady	ready[SMPC_MAX_MEMBERS];
	bool		have_share[SMPC_MAX_MEMBERS];
	bool		have_sum[SMPC_MAX_MEMBERS];
	int			degree;			/* of the sharing polynomials */
	int64		rows;			/* this member's rows that contribute */
	int			min_parties;
	int			suppress_k;		/* suppress counts 1 .. k-1; 0: none */
	/* the tests, decided before anything is opened; see build_tests() */
	int			hdegree;		/* of the test elements */
	bool		linear_contrib; /* contributor test without multiplication */
	int			ncells;			/* small-cell tests (0 without protection) */
	int			nz;				/* opened test values: 1 + ncells */
	int			idx_contrib;	/* hidden elements of the shared vector */
	int			idx_cmask;
	int			idx_rows;
	int			idx_masks;
	int			idx_zeros;
	int			nshared;		/* values shared per member (with the tests) */
	smpc_fe		acc[MAX_SHARED];
	smpc_fe    *recv;			/* n x nshared: the shares each member sent */
	/* products of the tests: a balanced tree, one level per round */
	int			round;
	int			nlevels;
	int			level_products[MAX_LEVELS];
	int			cell_off[SMPC_MAX_VALUES + 1];
	int			cell_len[SMPC_MAX_VALUES + 1];
	smpc_fe    *tree;			/* every cell's current factors */
	int			tree_size;
	smpc_fe    *lvl_acc[2];		/* degree-reduced products, by level parity */
	int			mult_done[SMPC_MAX_MEMBERS];	/* levels complete per sender */
	int			chunk_count[SMPC_MAX_MEMBERS];
	bool		chunk_seen[SMPC_MAX_MEMBERS][MULT_MAX_CHUNKS];
	bool		have_round[SMPC_MAX_MEMBERS];	/* for messages and timeouts */
	smpc_fe    *zs;				/* n x nz */
	bool		have_z[SMPC_MAX_MEMBERS];
	bool		suppressed[SMPC_MAX_VALUES];
	smpc_fe		lambda[SMPC_MAX_MEMBERS];	/* degree reduction over all members */
	bool		withheld;		/* no value is released */
	const char *withheld_why;
	smpc_fe    *sums;			/* n x nvalues */
	uint8		comp_id[SMPC_HASH_BYTES];
	TimestampTz started;
	TimestampTz deadline;
	int			timeout_ms;
	/* the round engine (smpc_min, smpc_max): started once every share is in */
	SmpcEngine *engine;
	/* GROUP BY (SMPC_KIND_GROUPED): the whole computation is one batch.h
	 * program, driven through the engine's rounds; its local input until
	 * then */
	SmpcBatch  *batch;
	/* order statistics, the clearing price: a search.h program, alike */
	SmpcSearch *search;
	uint8	   *batch_in;
	size_t		batch_in_len;
	RoundIn		rin[SMPC_MAX_MEMBERS][2];	/* by the parity of the round */
	uint32		fed[SMPC_MAX_MEMBERS];	/* last round handed to the engine */
	bool		relayed;		/* failing because another member failed */
	char	   *fail_hint;		/* a hint for the error this node fails with */
	bool		stalled;		/* smpc.fault_injection holds it still */
	bool		round_noted[SMPC_MAX_MEMBERS];	/* ... and logged a peer's round */
} Comp;

/*
 * A READY that arrived before our own request, or a message that arrived
 * before its computation started here.  Kept in arrival order.
 */
typedef struct Pending
{
	struct Pending *next;
	uint8		sender[SMPC_KEY_BYTES];
	uint8		type;
	uint8		comp_id[SMPC_HASH_BYTES];
	SmpcReady	ready;			/* for READY */
	uint8	   *payload;		/* for SHARES, SUMS, MULT, ZSUMS, ABORT */
	size_t		len;
	TimestampTz expires;
} Pending;

/*
 * Computations that ended here lately, so that a late message for one is
 * recognised: quietly dropped when it may simply be late (sums we did not
 * need, anything for a computation that failed), refused with a warning
 * when it repeats a step its sender had already taken.
 */
typedef struct Finished
{
	uint8		comp_id[SMPC_HASH_BYTES];
	bool		succeeded;
	int			n;
	uint64		member_fp[SMPC_MAX_MEMBERS];	/* first 8 bytes of each key */
	bool		had_sums[SMPC_MAX_MEMBERS];
} Finished;

struct SmpcProtocol
{
	SmpcProtoEnv env;
	int			fault;			/* SmpcFault; test builds only */
	bool		have_node_key;
	PeerGroup  *groups;
	int			ngroups;
	Comp	   *comps[SMPC_MAX_REQUESTS];	/* made when first needed */
	/* early messages and READYs, oldest first */
	Pending    *pending;
	int			npending;
	/* early messages of a computation that has just started, to handle */
	Pending    *work;
	Pending   **work_tail;
	Finished	recent[MAX_RECENT];
	int			nrecent;
	/* smpc.fault_injection = repeat_sums: the last sums we sent, to send again */
	uint8		repeat_comp_id[SMPC_HASH_BYTES];
	uint8		repeat_to[SMPC_MAX_MEMBERS][SMPC_KEY_BYTES];
	int			repeat_n;
	smpc_fe		repeat_sums[SMPC_MAX_VALUES];
	int			repeat_nvalues;
	/* the effects, oldest first */
	SmpcEffect *effects;
	SmpcEffect **effects_tail;
};

static void finish_comp(SmpcProtocol *P, Comp *c, const char *status, int sqlerrcode,
						const char *msg, const char *detail);

/* ---------- helpers ---------- */

static int
member_index(const Member *members, int n, const uint8 *pk)
{
	int			i;

	for (i = 0; i < n; i++)
		if (memcmp(members[i].public_key, pk, SMPC_KEY_BYTES) == 0)
			return i;
	return -1;
}

/* The computation in place i, if one runs there. */
static Comp *
running(SmpcProtocol *P, int i)
{
	Comp	   *c = P->comps[i];

	return c != NULL && c->used ? c : NULL;
}

/* The first 16 bytes of a computation id in hex, for logs. */
typedef struct HexId
{
	char		s[33];
} HexId;

static HexId
hex_id(const uint8 *comp_id)
{
	HexId		h;

	sodium_bin2hex(h.s, sizeof(h.s), comp_id, 16);
	return h;
}

static int128
magnitude_bound(int n)
{
	return SMPC_FIELD_LIMIT / n;
}

static const PeerGroup *
find_group(SmpcProtocol *P, const char *name)
{
	int			i;

	for (i = 0; i < P->ngroups; i++)
		if (strcmp(P->groups[i].name, name) == 0)
			return &P->groups[i];
	return NULL;
}

/* A string built with a format, in a new palloc'd buffer. */
static char *
format_va(const char *fmt, va_list args)
pg_attribute_printf(1, 0);

static char *
format_va(const char *fmt, va_list args)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		copy;
		int			needed;

		va_copy(copy, args);
		needed = appendStringInfoVA(&buf, fmt, copy);
		va_end(copy);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	return buf.data;
}

static char *
format(const char *fmt,...)
pg_attribute_printf(1, 2);

static char *
format(const char *fmt,...)
{
	va_list		args;
	char	   *s;

	va_start(args, fmt);
	s = format_va(fmt, args);
	va_end(args);
	return s;
}

/* ---------- effects ---------- */

static SmpcEffect *
new_effect(SmpcProtocol *P, SmpcEffectType type)
{
	SmpcEffect *e = palloc0(sizeof(SmpcEffect));

	e->type = type;
	*P->effects_tail = e;
	P->effects_tail = &e->next;
	return e;
}

/* A line for the server log; detail may be NULL. */
static void
emit_log(SmpcProtocol *P, SmpcLogLevel level, const char *detail, const char *fmt,...)
pg_attribute_printf(4, 5);

static void
emit_log(SmpcProtocol *P, SmpcLogLevel level, const char *detail, const char *fmt,...)
{
	SmpcEffect *e = new_effect(P, SMPC_EFFECT_LOG);
	va_list		args;

	e->level = level;
	va_start(args, fmt);
	e->msg = format_va(fmt, args);
	va_end(args);
	e->detail = detail ? pstrdup(detail) : NULL;
}

/* Queue a payload for the member with key pk. */
static void
send_to(SmpcProtocol *P, const uint8 *pk, SmpcMsgType type, const uint8 *comp_id,
		StringInfo payload)
{
	SmpcEffect *e = new_effect(P, SMPC_EFFECT_SEND);

	memcpy(e->peer, pk, SMPC_KEY_BYTES);
	e->msg_type = type;
	if (comp_id)
	{
		e->has_comp_id = true;
		memcpy(e->comp_id, comp_id, SMPC_HASH_BYTES);
	}
	initStringInfo(&e->payload);
	appendBinaryStringInfo(&e->payload, payload->data, payload->len);
}

/* Send one vector of a computation's step to every other member. */
static void
send_vector_to_others(SmpcProtocol *P, Comp *c, SmpcMsgType type, const smpc_fe *v, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	smpc_put_vector(&buf, v, n);
	for (i = 0; i < c->n; i++)
		if (i != c->self)
			send_to(P, c->members[i].public_key, type, c->comp_id, &buf);
	sodium_memzero(buf.data, buf.len);
	pfree(buf.data);
}

/* Post a result or an error into the backend's request slot. */
static void
post_result(SmpcProtocol *P, Comp *c, int sqlerrcode, const char *msg, const char *detail,
			const int128 *result, const bool *result_null, int nresult, int32 scale)
{
	SmpcEffect *e = new_effect(P, SMPC_EFFECT_RESULT);

	e->slot = c->slot;
	e->serial = c->serial;
	e->sqlerrcode = sqlerrcode;
	e->msg = msg ? pstrdup(msg) : NULL;
	e->detail = detail ? pstrdup(detail) : NULL;
	e->hint = sqlerrcode != 0 && c->fail_hint ? pstrdup(c->fail_hint) : NULL;
	if (nresult > 0)
	{
		e->result = palloc(sizeof(int128) * nresult);
		memcpy(e->result, result, sizeof(int128) * nresult);
		e->result_null = palloc(sizeof(bool) * nresult);
		memcpy(e->result_null, result_null, sizeof(bool) * nresult);
	}
	e->nresult = nresult;
	e->scale = scale;
	e->withheld = c->withheld;
}

/* Post the result of a GROUP BY computation (batch.h's format). */
static void
post_batch_result(SmpcProtocol *P, Comp *c, StringInfo out)
{
	SmpcEffect *e = new_effect(P, SMPC_EFFECT_RESULT);

	e->slot = c->slot;
	e->serial = c->serial;
	e->blob = (uint8 *) out->data;
	e->bloblen = out->len;
	e->scale = c->agreed_scale;
	out->data = NULL;
}

/* Remember the computation's outcome for smpc.history. */
static void
record_history(SmpcProtocol *P, Comp *c, const char *status, const char *error)
{
	SmpcEffect *e = new_effect(P, SMPC_EFFECT_HISTORY);

	if (c->phase >= PHASE_INPUT)
	{
		e->has_comp_id = true;
		memcpy(e->comp_id, c->comp_id, SMPC_HASH_BYTES);
	}
	strlcpy(e->group, c->group, sizeof(e->group));
	e->kind = c->kind;
	strlcpy(e->label, c->label, sizeof(e->label));
	if (c->n > 0)
	{
		e->members = palloc(sizeof(Member) * c->n);
		memcpy(e->members, c->members, sizeof(Member) * c->n);
	}
	e->nmembers = c->n;
	e->started = c->started;
	e->status = pstrdup(status);
	e->error = error ? pstrdup(error) : NULL;
}

SmpcEffect *
smpc_protocol_next_effect(SmpcProtocol *P)
{
	SmpcEffect *e = P->effects;

	if (e == NULL)
		return NULL;
	P->effects = e->next;
	if (P->effects == NULL)
		P->effects_tail = &P->effects;
	e->next = NULL;
	return e;
}

void
smpc_protocol_free_effect(SmpcEffect *e)
{
	if (e->payload.data)
	{
		sodium_memzero(e->payload.data, e->payload.maxlen);
		pfree(e->payload.data);
	}
	if (e->result)
	{
		sodium_memzero(e->result, sizeof(int128) * e->nresult);
		pfree(e->result);
	}
	if (e->result_null)
		pfree(e->result_null);
	if (e->blob)
	{
		sodium_memzero(e->blob, e->bloblen);
		pfree(e->blob);
	}
	if (e->msg)
		pfree(e->msg);
	if (e->detail)
		pfree(e->detail);
	if (e->hint)
		pfree(e->hint);
	if (e->members)
		pfree(e->members);
	if (e->status)
		pfree(e->status);
	if (e->error)
		pfree(e->error);
	pfree(e);
}

/* ---------- computations ---------- */

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
cmp_member_name(const void *a, const void *b)
{
	return strcmp((*(Member *const *) a)->name, (*(Member *const *) b)->name);
}

static bool
same_key(Comp *c, const char *group, uint8 kind, const char *label)
{
	return c->used && c->kind == kind && strcmp(c->group, group) == 0 &&
		strcmp(c->label, label) == 0;
}

static uint64
key_fingerprint(const uint8 *pk)
{
	uint64		fp;

	memcpy(&fp, pk, sizeof(fp));
	return fp;
}

static void
remember_finished(SmpcProtocol *P, Comp *c, bool succeeded)
{
	Finished   *f = &P->recent[P->nrecent % MAX_RECENT];
	int			i;

	memcpy(f->comp_id, c->comp_id, SMPC_HASH_BYTES);
	f->succeeded = succeeded;
	f->n = c->n;
	for (i = 0; i < c->n; i++)
	{
		f->member_fp[i] = key_fingerprint(c->members[i].public_key);
		f->had_sums[i] = c->have_sum[i];
	}
	P->nrecent++;
}

static Finished *
recently_finished(SmpcProtocol *P, const uint8 *comp_id)
{
	int			i;

	for (i = 0; i < Min(P->nrecent, MAX_RECENT); i++)
		if (memcmp(P->recent[i].comp_id, comp_id, SMPC_HASH_BYTES) == 0)
			return &P->recent[i];
	return NULL;
}

static const char *
msg_type_name(uint8 type)
{
	switch (type)
	{
		case SMPC_MSG_SHARES:
			return "shares";
		case SMPC_MSG_SUMS:
			return "sums";
		case SMPC_MSG_MULT:
			return "multiplication round";
		case SMPC_MSG_ZSUMS:
			return "small-cell test";
		case SMPC_MSG_ROUND:
			return "comparison round";
		case SMPC_MSG_ABORT:
			return "abort";
		default:
			return "message";
	}
}

/*
 * A message for a computation that has ended here.  A success needed every
 * member's shares (and multiplication rounds), so any of those now is a
 * repeat; sums are a repeat only from a member whose sums we had.  Anything
 * else may just be late: a computation that failed, or sums beyond the
 * degree + 1 that a threshold group needs.
 */
static void
late_message(SmpcProtocol *P, Finished *f, const uint8 *sender, const char *who, uint8 type)
{
	uint64		fp = key_fingerprint(sender);
	int			idx = -1;
	int			i;
	bool		repeat;

	for (i = 0; i < f->n; i++)
		if (f->member_fp[i] == fp)
			idx = i;
	if (idx < 0)
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: peer \"%s\" sent a message for a computation it is not part of", who);
		return;
	}
	if (type == SMPC_MSG_SUMS)
		repeat = f->had_sums[idx];
	else
		repeat = f->succeeded && type != SMPC_MSG_ABORT;
	if (repeat)
	{
		char	   *detail = format("Computation %s has ended here, and the peer had already taken that step.",
									hex_id(f->comp_id).s);

		emit_log(P, SMPC_LOG_WARNING, detail,
				 "smpc: rejected %s from peer \"%s\" for a finished computation",
				 msg_type_name(type), who);
		pfree(detail);
	}
	else
		emit_log(P, SMPC_LOG_DEBUG, NULL,
				 "smpc: dropped a late %s from peer \"%s\" for finished computation %s",
				 msg_type_name(type), who, hex_id(f->comp_id).s);
}

static void
ready_of(Comp *c, SmpcReady *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = c->kind;
	r->vclass = c->vclass;
	strlcpy(r->group, c->group, sizeof(r->group));
	strlcpy(r->label, c->label, sizeof(r->label));
	memcpy(r->nonce, c->nonce, SMPC_NONCE_BYTES);
	memcpy(r->digest, c->digest, SMPC_HASH_BYTES);
	memcpy(r->desc, c->desc, SMPC_HASH_BYTES);
	r->nmembers = c->n;
	r->scale = c->scale;
	r->nvalues = c->nvalues;
	r->wait_ms = c->timeout_ms;
}

static bool
uses_engine(Comp *c)
{
	return c->kind == SMPC_KIND_MINIMUM || c->kind == SMPC_KIND_MAXIMUM;
}

/*
 * The round program of a computation: the engine (smpc_min, smpc_max) or
 * a GROUP BY's batch, which keep the same lock-step contract.
 */
/* Rounds of the search go in big chunks at any length (codec.h). */
static bool
big_chunks(const Comp *c)
{
	return c->kind == SMPC_KIND_PERCENTILE || c->kind == SMPC_KIND_CLEARING;
}

static bool
has_program(Comp *c)
{
	return c->engine != NULL || c->batch != NULL || c->search != NULL;
}

static int
prog_round(Comp *c)
{
	if (c->search)
		return smpc_search_round(c->search);
	return c->batch ? smpc_batch_round(c->batch) : smpc_engine_round(c->engine);
}

static void
prog_outgoing(Comp *c, int j, const smpc_fe **v, int *len)
{
	if (c->search)
		smpc_search_outgoing(c->search, j, v, len);
	else if (c->batch)
		smpc_batch_outgoing(c->batch, j, v, len);
	else
		smpc_engine_outgoing(c->engine, j, v, len);
}

static bool
prog_incoming(Comp *c, int j, int round, const smpc_fe *v, int len, const char **why)
{
	if (c->search)
		return smpc_search_incoming(c->search, j, round, v, len, why);
	return c->batch ? smpc_batch_incoming(c->batch, j, round, v, len, why)
		: smpc_engine_incoming(c->engine, j, round, v, len, why);
}

static bool
prog_round_complete(Comp *c)
{
	if (c->search)
		return smpc_search_round_complete(c->search);
	return c->batch ? smpc_batch_round_complete(c->batch)
		: smpc_engine_round_complete(c->engine);
}

static void
prog_advance(Comp *c)
{
	if (c->search)
		smpc_search_advance(c->search);
	else if (c->batch)
		smpc_batch_advance(c->batch);
	else
		smpc_engine_advance(c->engine);
}

static void
clear_round_in(RoundIn *in)
{
	if (in->v)
	{
		sodium_memzero(in->v, sizeof(smpc_fe) * Max(in->total, 1));
		pfree(in->v);
	}
	if (in->seen)
		pfree(in->seen);
	memset(in, 0, sizeof(RoundIn));
}

static void
wipe_comp(Comp *c)
{
	if (c->fail_hint)
		pfree(c->fail_hint);
	if (c->sums)
	{
		sodium_memzero(c->sums, sizeof(smpc_fe) * c->n * c->nvalues);
		pfree(c->sums);
	}
	if (c->recv)
	{
		sodium_memzero(c->recv, sizeof(smpc_fe) * c->n * c->nshared);
		pfree(c->recv);
	}
	if (c->tree)
	{
		sodium_memzero(c->tree, sizeof(smpc_fe) * c->tree_size);
		pfree(c->tree);
	}
	if (c->lvl_acc[0])
	{
		int			i;

		for (i = 0; i < 2; i++)
		{
			sodium_memzero(c->lvl_acc[i], sizeof(smpc_fe) * c->level_products[0]);
			pfree(c->lvl_acc[i]);
		}
	}
	if (c->zs)
	{
		sodium_memzero(c->zs, sizeof(smpc_fe) * c->n * c->nz);
		pfree(c->zs);
	}
	if (c->batch_in)
	{
		sodium_memzero(c->batch_in, c->batch_in_len);
		pfree(c->batch_in);
	}
	if (c->batch)
		smpc_batch_free(c->batch);
	if (c->search)
		smpc_search_free(c->search);
	if (c->engine || c->batch || c->search)
	{
		int			i;

		if (c->engine)
			smpc_engine_free(c->engine);
		for (i = 0; i < c->n; i++)
		{
			clear_round_in(&c->rin[i][0]);
			clear_round_in(&c->rin[i][1]);
		}
	}
	sodium_memzero(c, sizeof(Comp));
}

/*
 * End a computation: post the outcome to the backend, tell the other
 * members if it failed here, and record it.
 */
static void
finish_comp(SmpcProtocol *P, Comp *c, const char *status, int sqlerrcode, const char *msg,
			const char *detail)
{
	if (sqlerrcode != 0)
	{
		StringInfoData buf;
		SmpcReady	r;
		int			i;
		char		reason[SMPC_MAX_REASON];

		post_result(P, c, sqlerrcode, msg, detail, NULL, NULL, 0, 0);
		/* the reason goes to the others whole, so that they can name the cause */
		if (detail && detail[0])
			snprintf(reason, sizeof(reason), "%s: %s", msg, detail);
		else
			snprintf(reason, sizeof(reason), "%s", msg);
		if (FAULT(P, SMPC_FAULT_BAD_TEXT))
			strlcat(reason, SMPC_BAD_TEXT, sizeof(reason));
		ready_of(c, &r);
		for (i = 0; i < c->n; i++)
		{
			if (i == c->self)
				continue;
			initStringInfo(&buf);
			/*
			 * A failure of our own is fatal for everyone; one we only learnt
			 * of from another member is passed on as giving up, so that the
			 * original cause, which that member sent to all, is what they
			 * report.
			 */
			smpc_put_abort(&buf, c->phase == PHASE_WAIT,
						   strcmp(status, "failed") == 0 && !c->relayed, &r, reason);
			send_to(P, c->members[i].public_key, SMPC_MSG_ABORT,
					c->phase == PHASE_WAIT ? NULL : c->comp_id, &buf);
			pfree(buf.data);
		}
		if (detail && detail[0])
		{
			char	   *error = format("%s: %s", msg, detail);

			record_history(P, c, status, error);
			pfree(error);
		}
		else
			record_history(P, c, status, msg);
	}
	else
		record_history(P, c, status, c->withheld_why);
	if (c->phase >= PHASE_INPUT)
		remember_finished(P, c, sqlerrcode == 0);
	if (sqlerrcode != 0 && c->phase >= PHASE_INPUT)
	{
		SmpcEffect *e = new_effect(P, SMPC_EFFECT_DROP);

		e->has_comp_id = true;
		memcpy(e->comp_id, c->comp_id, SMPC_HASH_BYTES);
	}
	wipe_comp(c);
}

static void
fail_comp(SmpcProtocol *P, Comp *c, const char *status, int sqlerrcode, const char *msg,
		  const char *detail)
{
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	char	   *logdetail;

	/* what a local user typed, too, reaches the log as printable text only */
	smpc_text_clean(c->group, strlen(c->group), group, sizeof(group));
	smpc_text_clean(c->label, strlen(c->label), label, sizeof(label));
	logdetail = format("%s%s%s", msg, detail ? " " : "", detail ? detail : "");
	emit_log(P, SMPC_LOG_INFO, logdetail,
			 "smpc: computation for peer group \"%s\" (%s, label \"%s\") %s",
			 group, smpc_kind_name(c->kind), label, status);
	pfree(logdetail);
	finish_comp(P, c, status, sqlerrcode, msg, detail);
}

/* As fail_comp(), with the message and detail built by the caller and freed here. */
static void
fail_comp_owned(SmpcProtocol *P, Comp *c, const char *status, int sqlerrcode, char *msg,
				char *detail)
{
	fail_comp(P, c, status, sqlerrcode, msg, detail);
	pfree(msg);
	if (detail)
		pfree(detail);
}

/* Names of members for which have[] is false, sorted, comma separated. */
static char *
missing_names(Comp *c, bool *have, bool *skip)
{
	StringInfoData buf;
	char	   *names[SMPC_MAX_MEMBERS];
	int			n = 0,
				i;

	for (i = 0; i < c->n; i++)
		if (i != c->self && !have[i] && !(skip && skip[i]))
			names[n++] = c->members[i].name;
	qsort(names, n, sizeof(char *), cmp_name);
	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", names[i]);
	return buf.data;
}

/* Which members this node has heard from in the current phase. */
static bool *
have_of_phase(Comp *c)
{
	int			i;

	for (i = 0; i < c->n; i++)
		c->have_round[i] = c->phase == PHASE_ENGINE
			? i == c->self || c->fed[i] >= (uint32) prog_round(c)
			: c->mult_done[i] > c->round;
	return c->phase == PHASE_WAIT ? c->have_ready
		: c->phase == PHASE_INPUT ? c->have_share
		: c->phase == PHASE_MULT || c->phase == PHASE_ENGINE ? c->have_round
		: c->phase == PHASE_ZOPEN ? c->have_z : c->have_sum;
}

/*
 * " Last error for <name>: <libpq's error>." for every member not yet heard
 * from in this phase whose connection has failed, in name order.
 */
static void
append_last_errors(SmpcProtocol *P, Comp *c, StringInfo buf)
{
	bool	   *have = have_of_phase(c);
	Member	   *by_name[SMPC_MAX_MEMBERS];
	int			i;

	if (P->env.peer_error == NULL)
		return;
	for (i = 0; i < c->n; i++)
		by_name[i] = &c->members[i];
	qsort(by_name, c->n, sizeof(Member *), cmp_member_name);
	for (i = 0; i < c->n; i++)
	{
		int			m = by_name[i] - c->members;
		const char *error;
		bool		hidden = false;
		size_t		len;

		if (m == c->self || have[m])
			continue;
		error = P->env.peer_error(P->env.arg, c->members[m].public_key, &hidden);
		if (error == NULL || error[0] == '\0')
			continue;
		if (hidden)
		{
			/* its text is for superusers and the server log (transport.c) */
			appendStringInfo(buf, " Last error for %s: %s.", c->members[m].name,
							 SMPC_HIDDEN_CONNECT_ERROR);
			continue;
		}
		len = strlen(error);
		appendStringInfo(buf, " Last error for %s: %s%s", c->members[m].name,
						 error, strchr(".?!", error[len - 1]) ? "" : ".");
	}
}

static void
timeout_comp(SmpcProtocol *P, Comp *c)
{
	bool	   *have = have_of_phase(c);
	const char *what = c->phase == PHASE_WAIT ? "Peers that never joined"
		: c->phase == PHASE_INPUT ? "Peers that did not send their shares"
		: c->phase == PHASE_MULT ? "Peers that did not send their multiplication round"
		: c->phase == PHASE_ZOPEN ? "Peers that did not send their test values"
		: c->phase == PHASE_ENGINE ? "Peers that did not send their comparison round"
		: "Peers that did not send their sums";
	StringInfoData detail;
	int			i;

	initStringInfo(&detail);
	if (c->phase == PHASE_WAIT)
	{
		char	   *never = missing_names(c, have, c->withdrew);
		bool		any_withdrew = false;

		for (i = 0; i < c->n; i++)
			any_withdrew |= c->withdrew[i];
		if (never[0])
			appendStringInfo(&detail, "%s: %s.", what, never);
		if (any_withdrew)
		{
			bool		inv[SMPC_MAX_MEMBERS];
			char	   *gave_up;

			for (i = 0; i < c->n; i++)
				inv[i] = !c->withdrew[i];
			gave_up = missing_names(c, inv, NULL);
			appendStringInfo(&detail, "%sPeers that joined but gave up first: %s.",
							 never[0] ? " " : "", gave_up);
			pfree(gave_up);
		}
		pfree(never);
	}
	else
	{
		char	   *missing = missing_names(c, have, NULL);

		appendStringInfo(&detail, "%s: %s.", what, missing);
		pfree(missing);
	}
	append_last_errors(P, c, &detail);
	fail_comp_owned(P, c, "timed out", ERRCODE_CONNECTION_FAILURE,
					format("smpc computation for peer group \"%s\" timed out", c->group),
					detail.data);
}

static void process_early(SmpcProtocol *P, Comp *c);
static void send_engine_round(SmpcProtocol *P, Comp *c);
static void not_due(SmpcProtocol *P, const char *who, uint8 type, const char *why);
static void note_held_round(SmpcProtocol *P, Comp *c, int idx);

/*
 * smpc.fault_injection = wrong_step: messages of steps that are not due.
 * Before the shares, a multiplication round, test values and, for
 * smpc_min and smpc_max, a comparison round (a member takes each step only
 * after the one before, and every message from one member arrives in the
 * order sent, so these precede that member's shares); after them, a second
 * set of shares; and every comparison round twice (send_engine_round).
 * The members must refuse all of them and still compute the right result.
 */
static void
send_wrong_steps(SmpcProtocol *P, Comp *c, bool after_shares)
{
	smpc_fe		zeros[MAX_SHARED];
	StringInfoData buf;
	int			i;

	memset(zeros, 0, sizeof(zeros));
	emit_log(P, SMPC_LOG_INFO, NULL,
			 "smpc: fault injection: sending steps not due for computation %s",
			 hex_id(c->comp_id).s);
	for (i = 0; i < c->n; i++)
	{
		if (i == c->self)
			continue;
		if (after_shares)
		{
			initStringInfo(&buf);
			smpc_put_vector(&buf, zeros, c->nshared);
			send_to(P, c->members[i].public_key, SMPC_MSG_SHARES, c->comp_id, &buf);
			pfree(buf.data);
			continue;
		}
		initStringInfo(&buf);
		appendStringInfoChar(&buf, 0);
		appendStringInfoChar(&buf, 0);
		smpc_put_vector(&buf, zeros, 1);
		send_to(P, c->members[i].public_key, SMPC_MSG_MULT, c->comp_id, &buf);
		pfree(buf.data);
		initStringInfo(&buf);
		smpc_put_vector(&buf, zeros, c->nz);
		send_to(P, c->members[i].public_key, SMPC_MSG_ZSUMS, c->comp_id, &buf);
		pfree(buf.data);
		if (uses_engine(c))
		{
			initStringInfo(&buf);
			smpc_put_round(&buf, 1, 1, 0, zeros, false);
			send_to(P, c->members[i].public_key, SMPC_MSG_ROUND, c->comp_id, &buf);
			pfree(buf.data);
		}
	}
}

/*
 * The tests that decide, before any value is opened, whether anything is
 * released.  Besides its values, each member shares hidden elements that
 * are never opened:
 *	 contrib  b = [rows > 0], or (linear test) u = rho * (1 - b)
 *	 cmask	  a random mask for the contributor test (product test only)
 *	 rows	  its row count (small-cell test of the non-distribution kinds;
 *			  its own element rather than the count some kinds share, so
 *			  that every kind, sum included, has one layout)
 *	 masks	  a random mask per small-cell test
 *	 zeros	  0 at degree 2 * hdegree per test value (product tests only)
 * Values are shared at the group's degree t, the other hidden elements at
 * hdegree.  Every test is a product of factors that is zero exactly when
 * the result must be withheld, times a random mask, so that a nonzero
 * value is uniform and says nothing else; one value per cell is opened.
 *
 * Contributors (C = sum of b, m = min_parties): when m equals the number
 * of members and there is no small-cell test, U = sum of u is opened: it
 * is zero iff every member contributes, and needs no multiplication, so it
 * works in n-of-n groups.  Otherwise z = r * C * (C - 1) * ... * (C - m + 1)
 * is opened, zero iff C < m.  That needs multiplication and so shares of
 * degree hdegree with 2 * hdegree < n: in an n-of-n group only the hidden
 * elements are shared at floor((n - 1) / 2), so a majority pooling what it
 * received could learn which members had rows, never a value.
 *
 * Small cells (k = min_cell_count > 1, honest majority): for each tested
 * count T (each bucket, or the joint row count N) the factors are
 * (T - j) for j = 1 .. k - 1, for T itself and for T - c_i of every member
 * i, since member i knows its own c_i and would learn T - c_i: the shares
 * each member received from i are kept apart, so T - c_i is computed on
 * shares too.  The contributor factors (C - j) join every cell's product,
 * so that when too few members contribute every cell opens as zero and
 * says nothing about the counts.
 *
 * Each cell's factors are multiplied as a balanced tree: every level
 * multiplies adjacent pairs of all cells at once, reshared at hdegree and
 * reduced by Lagrange interpolation over all members, so the number of
 * rounds grows with log2 of the number of factors.  The last product of a
 * cell is not reduced: each member multiplies its two last factors and
 * opens that share (degree 2 * hdegree < n) plus its share of a joint
 * zero of the same degree, which makes the opened polynomial uniform
 * among those with the test value as constant term, so it tells nothing
 * else; that saves one round.
 */
static bool
plan_tests(SmpcProtocol *P, Comp *c)
{
	bool		dist = c->kind == SMPC_KIND_HISTOGRAM || c->kind == SMPC_KIND_FREQUENCIES;
	int			lens[SMPC_MAX_VALUES + 1];
	int			xs[SMPC_MAX_MEMBERS];
	int			i,
				k,
				cell;

	c->linear_contrib = c->min_parties >= c->n && c->suppress_k <= 1;
	c->hdegree = c->linear_contrib ? c->degree : Min(c->degree, (c->n - 1) / 2);
	c->ncells = c->suppress_k > 1 ? (dist ? c->nvalues : 1) : 0;
	c->nz = 1 + c->ncells;
	k = c->nvalues;
	c->idx_contrib = k++;
	c->idx_cmask = c->linear_contrib ? -1 : k++;
	c->idx_rows = (c->ncells > 0 && !dist) ? k++ : -1;
	c->idx_masks = c->ncells > 0 ? k : -1;
	k += c->ncells;
	c->idx_zeros = c->linear_contrib ? -1 : k;
	c->nshared = c->linear_contrib ? k : k + c->nz;

	lens[0] = c->linear_contrib ? 1 : 1 + c->min_parties;
	for (cell = 1; cell < c->nz; cell++)
		lens[cell] = 1 + (c->n + 1) * (c->suppress_k - 1) + c->min_parties;
	c->tree_size = 0;
	for (cell = 0; cell < c->nz; cell++)
	{
		c->cell_off[cell] = c->tree_size;
		c->cell_len[cell] = lens[cell];
		c->tree_size += lens[cell];
	}
	/* the schedule: products per level until each cell has one or two */
	c->nlevels = 0;
	for (;;)
	{
		int			products = 0;

		for (cell = 0; cell < c->nz; cell++)
		{
			if (lens[cell] <= 2)
				continue;
			products += lens[cell] / 2;
			lens[cell] = (lens[cell] + 1) / 2;
		}
		if (products == 0)
			break;
		/*
		 * Within the limits of create_peer_group (64 members, 64 buckets,
		 * min_cell_count 10) a level has at most 20832 products (53
		 * messages) and there are at most 9 levels; this guards the
		 * buffers and the one-byte level and chunk numbers.
		 */
		if (c->nlevels == MAX_LEVELS ||
			(products + MULT_CHUNK - 1) / MULT_CHUNK > MULT_MAX_CHUNKS)
		{
			char	   *msg = format("the small-cell test of peer group \"%s\" is too large",
									 c->group);

			fail_comp(P, c, "failed", ERRCODE_PROGRAM_LIMIT_EXCEEDED, msg,
					  "Use fewer buckets or a smaller min_cell_count.");
			pfree(msg);
			return false;
		}
		c->level_products[c->nlevels++] = products;
	}
	c->tree = palloc0(sizeof(smpc_fe) * c->tree_size);
	if (c->nlevels > 0)
		for (i = 0; i < 2; i++)
			c->lvl_acc[i] = palloc0(
												   sizeof(smpc_fe) * c->level_products[0]);
	c->zs = palloc0(sizeof(smpc_fe) * c->n * c->nz);
	if (c->ncells > 0 || uses_engine(c))
		c->recv = palloc0(
										 sizeof(smpc_fe) * c->n * c->nshared);
	for (i = 0; i < c->n; i++)
		xs[i] = i + 1;
	shamir_lagrange(xs, c->n, c->lambda);
	return true;
}

static smpc_fe
fe_random_nonzero(void)
{
	smpc_fe		x;

	do
		x = fe_random();
	while (x == 0);
	return x;
}

/* Element k of the vector this member shares (see plan_tests). */
static smpc_fe
hidden_element(Comp *c, int k)
{
	bool		contributes = c->rows > 0;

	if (k < c->nvalues)
		return fe_from_int(c->local[k]);
	if (k == c->idx_contrib)
	{
		if (c->linear_contrib)
			return contributes ? 0 : fe_random_nonzero();
		return contributes ? 1 : 0;
	}
	if (k == c->idx_rows)
		return fe_from_int(c->rows);
	if (c->idx_zeros >= 0 && k >= c->idx_zeros)
		return 0;
	return fe_random();			/* a mask */
}

/* The degree at which element k is shared. */
static int
element_degree(Comp *c, int k)
{
	if (k < c->nvalues)
		return c->degree;
	if (c->idx_zeros >= 0 && k >= c->idx_zeros)
		return 2 * c->hdegree;
	return c->hdegree;
}

/* Every share is in: the first factors of every test. */
static void
build_tests(Comp *c)
{
	smpc_fe		contrib = c->acc[c->idx_contrib];
	int			cell,
				i,
				j;

	for (cell = 0; cell < c->nz; cell++)
	{
		smpc_fe    *f = &c->tree[c->cell_off[cell]];
		int			pos = 0;

		if (cell == 0)
			f[pos++] = c->linear_contrib ? contrib : c->acc[c->idx_cmask];
		else
		{
			int			vi = c->idx_rows >= 0 ? c->idx_rows : cell - 1;

			f[pos++] = c->acc[c->idx_masks + cell - 1];
			for (i = -1; i < c->n; i++)
			{
				/* the joint count, then the joint count less member i's */
				smpc_fe		t = c->acc[vi];

				if (i >= 0)
					t = fe_sub(t, c->recv[i * c->nshared + vi]);
				for (j = 1; j < c->suppress_k; j++)
					f[pos++] = fe_sub(t, (smpc_fe) j);
			}
		}
		if (!c->linear_contrib)
			for (j = 0; j < c->min_parties; j++)
				f[pos++] = fe_sub(contrib, (smpc_fe) j);
		Assert(pos == c->cell_len[cell]);
	}
	if (c->recv)
		sodium_memzero(c->recv, sizeof(smpc_fe) * c->n * c->nshared);
}

/*
 * One level of the product trees: multiply adjacent factors of every cell,
 * which doubles the degree, and reshare the products at hdegree, in
 * messages of at most MULT_CHUNK products.
 */
static void
send_level(SmpcProtocol *P, Comp *c)
{
	int			level = c->round;
	int			np = c->level_products[level];
	int			nchunks = (np + MULT_CHUNK - 1) / MULT_CHUNK;
	smpc_fe    *out = palloc(sizeof(smpc_fe) * c->n * np);
	smpc_fe		tmp[SMPC_MAX_MEMBERS];
	smpc_fe    *mine = c->lvl_acc[level % 2];
	int			q = 0,
				cell,
				i,
				p;

	for (cell = 0; cell < c->nz; cell++)
	{
		smpc_fe    *f = &c->tree[c->cell_off[cell]];

		if (c->cell_len[cell] <= 2)
			continue;
		for (p = 0; p < c->cell_len[cell] / 2; p++, q++)
		{
			shamir_split(fe_mul(f[2 * p], f[2 * p + 1]), c->hdegree, c->n, tmp);
			for (i = 0; i < c->n; i++)
				out[i * np + q] = tmp[i];
		}
	}
	Assert(q == np);
	for (q = 0; q < np; q++)
		mine[q] = fe_add(mine[q], fe_mul(c->lambda[c->self], out[c->self * np + q]));
	c->mult_done[c->self] = level + 1;
	for (i = 0; i < c->n; i++)
	{
		int			ch;

		if (i == c->self)
			continue;
		for (ch = 0; ch < nchunks; ch++)
		{
			StringInfoData buf;
			int			first = ch * MULT_CHUNK;

			initStringInfo(&buf);
			appendStringInfoChar(&buf, (char) level);
			appendStringInfoChar(&buf, (char) ch);
			smpc_put_vector(&buf, &out[i * np + first], Min(MULT_CHUNK, np - first));
			send_to(P, c->members[i].public_key, SMPC_MSG_MULT, c->comp_id, &buf);
			sodium_memzero(buf.data, buf.len);
			pfree(buf.data);
		}
	}
	sodium_memzero(out, sizeof(smpc_fe) * c->n * np);
	sodium_memzero(tmp, sizeof(tmp));
	pfree(out);
}

/* Every member's products of this level are in: the next factors. */
static void
finish_level(Comp *c)
{
	smpc_fe    *prod = c->lvl_acc[c->round % 2];
	int			q = 0,
				cell,
				p;

	for (cell = 0; cell < c->nz; cell++)
	{
		smpc_fe    *f = &c->tree[c->cell_off[cell]];
		int			len = c->cell_len[cell];
		smpc_fe		carry = f[len - 1];

		if (len <= 2)
			continue;
		for (p = 0; p < len / 2; p++)
			f[p] = prod[q++];
		if (len % 2)
			f[len / 2] = carry;
		c->cell_len[cell] = (len + 1) / 2;
	}
	sodium_memzero(prod, sizeof(smpc_fe) * c->level_products[0]);
	c->round++;
}

/*
 * Every reduced product is done: send our shares of the test values to
 * all, a cell's last two factors multiplied here and re-randomised.
 */
static void
send_tests(SmpcProtocol *P, Comp *c)
{
	smpc_fe		z[SMPC_MAX_VALUES + 1];
	int			cell;

	c->phase = PHASE_ZOPEN;
	for (cell = 0; cell < c->nz; cell++)
	{
		smpc_fe    *f = &c->tree[c->cell_off[cell]];

		if (c->cell_len[cell] == 2)
			z[cell] = fe_add(fe_mul(f[0], f[1]), c->acc[c->idx_zeros + cell]);
		else
			z[cell] = f[0];
	}
	memcpy(&c->zs[c->self * c->nz], z, sizeof(smpc_fe) * c->nz);
	c->have_z[c->self] = true;
	send_vector_to_others(P, c, SMPC_MSG_ZSUMS, z, c->nz);
}

/*
 * Every member's test values are in: open them and decide what is
 * released.  Returns false when nothing is (the computation has ended).
 */
static bool
open_tests(SmpcProtocol *P, Comp *c)
{
	int			xs[SMPC_MAX_MEMBERS];
	smpc_fe		ys[SMPC_MAX_MEMBERS];
	smpc_fe		z[SMPC_MAX_VALUES + 1];
	int			cell,
				i;
	bool		enough;

	for (i = 0; i < c->n; i++)
		xs[i] = i + 1;
	for (cell = 0; cell < c->nz; cell++)
	{
		for (i = 0; i < c->n; i++)
			ys[i] = c->zs[i * c->nz + cell];
		z[cell] = shamir_combine(xs, ys, c->n);
	}
	enough = c->linear_contrib ? z[0] == 0 : z[0] != 0;
	if (!enough)
		c->withheld_why = "fewer than min_parties members contributed";
	else if (c->ncells > 0 && c->idx_rows >= 0 && z[1] == 0)
		c->withheld_why = "small cell";
	else
		for (cell = 1; cell < c->nz; cell++)
			c->suppressed[cell - 1] = z[cell] == 0;
	if (c->withheld_why == NULL)
		return true;
	c->withheld = true;
	post_result(P, c, 0, NULL, NULL, NULL, NULL, 0, c->agreed_scale);
	finish_comp(P, c, "suppressed", 0, NULL, NULL);
	return false;
}

/*
 * A GROUP BY, order statistics, the clearing price: agreement reached, so
 * the program (batch.h's, search.h's) starts with our local input and
 * sends its first round.  Everything from here on is its rounds
 * (PHASE_ENGINE).
 */
static void
start_program(SmpcProtocol *P, Comp *c)
{
	SmpcBatchSettings set;
	const char *why = NULL;
	bool		started;

	memset(&set, 0, sizeof(set));
	set.n = c->n;
	set.self = c->self;
	set.degree = c->degree;
	set.min_parties = c->min_parties;
	set.min_cell_count = Max(c->suppress_k, 1);
	memcpy(set.seed, c->comp_id, Min(sizeof(set.seed), SMPC_HASH_BYTES));
	if (c->kind == SMPC_KIND_GROUPED)
		started = (c->batch = smpc_batch_start(&set, c->batch_in, c->batch_in_len, &why)) != NULL;
	else
		started = (c->search = smpc_search_start(&set, c->batch_in, c->batch_in_len, &why)) != NULL;
	sodium_memzero(c->batch_in, c->batch_in_len);
	pfree(c->batch_in);
	c->batch_in = NULL;
	if (!started)
	{
		fail_comp_owned(P, c, "failed", ERRCODE_INTERNAL_ERROR,
						c->kind == SMPC_KIND_GROUPED
						? format("could not start the GROUP BY computation over peer group \"%s\"",
								 c->group)
						: format("could not start the %s computation over peer group \"%s\"",
								 smpc_kind_name(c->kind), c->group),
						format("%s.", why ? why : "The input was refused"));
		return;
	}
	c->phase = PHASE_ENGINE;
	if (FAULT(P, SMPC_FAULT_HOLD_ROUNDS))
	{
		emit_log(P, SMPC_LOG_INFO, NULL,
				 "smpc: fault injection: holding the rounds of computation %s",
				 hex_id(c->comp_id).s);
		c->stalled = true;
	}
	else
		send_engine_round(P, c);
	process_early(P, c);
}

/* Agreement reached: fix the encoding and send our shares. */
static void
start_input(SmpcProtocol *P, Comp *c)
{
	crypto_generichash_state st;
	smpc_fe    *shares;
	smpc_fe		tmp[SMPC_MAX_MEMBERS];
	int			i,
				k;
	uint8		kind = c->kind;

	/* every member announced the same membership and encoding? */
	for (i = 0; i < c->n; i++)
	{
		SmpcReady  *r = &c->ready[i];

		if (i == c->self)
			continue;
		if (memcmp(r->digest, c->digest, SMPC_HASH_BYTES) != 0 || r->nmembers != c->n)
		{
			fail_comp_owned(P, c, "failed", ERRCODE_INVALID_PARAMETER_VALUE,
					  format("members of peer group \"%s\" disagree on its membership", c->group),
					  format("Member \"%s\" has a different list of members or keys, or other group settings, than this node.",
							   c->members[i].name));
			return;
		}
		if (memcmp(r->desc, c->desc, SMPC_HASH_BYTES) != 0)
		{
			fail_comp_owned(P, c, "failed", ERRCODE_INVALID_PARAMETER_VALUE,
					  format("members of peer group \"%s\" disagree on the computation", c->group),
					  c->kind == SMPC_KIND_GROUPED
					  ? format("Member \"%s\" runs a GROUP BY query with other smpc aggregates (or other input types, bounds or declared grouping keys) than this node.",
							   c->members[i].name)
					  : c->kind == SMPC_KIND_PERCENTILE
					  ? format("Member \"%s\" computes another order statistic, over another input type or with other fractions, than this node.",
							   c->members[i].name)
					  : c->kind == SMPC_KIND_CLEARING
					  ? format("Member \"%s\" uses another price grid, or asks for the volume where this node does not (or the reverse).",
							   c->members[i].name)
					  : uses_engine(c)
					  ? format("Member \"%s\" computes smpc_%s over another input type than this node.",
							   c->members[i].name, smpc_kind_name(c->kind))
					  : format("Member \"%s\" uses other %s than this node.", c->members[i].name,
							   c->kind == SMPC_KIND_HISTOGRAM ? "histogram bounds" : "categories"));
			return;
		}
		if (r->vclass != c->vclass || r->nvalues != c->nvalues)
		{
			fail_comp_owned(P, c, "failed", ERRCODE_INVALID_PARAMETER_VALUE,
					  format("members of peer group \"%s\" disagree on the computation", c->group),
					  format("Member \"%s\" computes smpc_%s over %s input, this node over %s input.",
							   c->members[i].name, smpc_kind_name(c->kind),
							   r->vclass == SMPC_CLASS_FLOAT ? "floating-point" : "exact",
							   c->vclass == SMPC_CLASS_FLOAT ? "floating-point" : "exact"));
			return;
		}
		/* an honest member never announces more than the fixed scale */
		if (c->vclass == SMPC_CLASS_EXACT &&
			(r->scale < 0 || r->scale > SMPC_EXACT_SCALE))
		{
			fail_comp_owned(P, c, "failed", ERRCODE_PROTOCOL_VIOLATION,
					  format("member \"%s\" of peer group \"%s\" announced an invalid scale",
							   c->members[i].name, c->group),
					  format("It announced %d decimal digits; exact values are shared at %d at most.",
							   (int) r->scale, SMPC_EXACT_SCALE));
			return;
		}
	}

	/*
	 * The display scale of the result is the largest any member announced.
	 * It changes no member's values: exact values are shared at one fixed
	 * scale, and each member checked its own against fixed bounds before
	 * it asked for the computation (aggregates.c), so whether a member's
	 * value fits never depends on another member's choices.
	 */
	c->agreed_scale = c->scale;
	for (i = 0; i < c->n; i++)
		if (i != c->self)
			c->agreed_scale = Max(c->agreed_scale, c->ready[i].scale);

	/* the computation id binds the key and every member's nonce */
	crypto_generichash_init(&st, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8 *) "smpc-computation-v1", 19);
	crypto_generichash_update(&st, (const uint8 *) c->group, strlen(c->group) + 1);
	crypto_generichash_update(&st, &kind, 1);
	crypto_generichash_update(&st, (const uint8 *) c->label, strlen(c->label) + 1);
	for (i = 0; i < c->n; i++)
	{
		crypto_generichash_update(&st, c->members[i].public_key, SMPC_KEY_BYTES);
		crypto_generichash_update(&st, i == c->self ? c->nonce : c->ready[i].nonce,
								  SMPC_NONCE_BYTES);
	}
	crypto_generichash_final(&st, c->comp_id, SMPC_HASH_BYTES);

	if (c->kind == SMPC_KIND_GROUPED || c->kind == SMPC_KIND_PERCENTILE ||
		c->kind == SMPC_KIND_CLEARING)
	{
		start_program(P, c);
		return;
	}

	c->sums = palloc0(
									 sizeof(smpc_fe) * c->n * c->nvalues);
	if (!plan_tests(P, c))
		return;
	shares = palloc(sizeof(smpc_fe) * c->n * c->nshared);
	for (k = 0; k < c->nshared; k++)
	{
		shamir_split(hidden_element(c, k), element_degree(c, k), c->n, tmp);
		for (i = 0; i < c->n; i++)
			shares[i * c->nshared + k] = tmp[i];
	}
	sodium_memzero(tmp, sizeof(tmp));
	c->phase = PHASE_INPUT;
	if (FAULT(P, SMPC_FAULT_HOLD_SHARES))
	{
		emit_log(P, SMPC_LOG_INFO, NULL,
				 "smpc: fault injection: holding the shares of computation %s",
				 hex_id(c->comp_id).s);
		c->stalled = true;
	}
	else if (FAULT(P, SMPC_FAULT_WRONG_STEP))
		send_wrong_steps(P, c, false);
	for (i = 0; i < c->n; i++)
	{
		if (i == c->self)
		{
			for (k = 0; k < c->nshared; k++)
				c->acc[k] = fe_add(c->acc[k], shares[i * c->nshared + k]);
			if (c->recv)
				memcpy(&c->recv[i * c->nshared], &shares[i * c->nshared],
					   sizeof(smpc_fe) * c->nshared);
			c->have_share[i] = true;
		}
		else if (!c->stalled)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			smpc_put_vector(&buf, &shares[i * c->nshared], c->nshared);
			send_to(P, c->members[i].public_key, SMPC_MSG_SHARES, c->comp_id, &buf);
			sodium_memzero(buf.data, buf.len);
			pfree(buf.data);
		}
	}
	sodium_memzero(shares, sizeof(smpc_fe) * c->n * c->nshared);
	sodium_memzero(c->local, sizeof(c->local));
	c->rows = 0;
	pfree(shares);
	if (FAULT(P, SMPC_FAULT_WRONG_STEP))
		send_wrong_steps(P, c, true);
	process_early(P, c);
}

static bool
all_have(Comp *c, bool *have)
{
	int			i;

	for (i = 0; i < c->n; i++)
		if (!have[i])
			return false;
	return true;
}

/*
 * The round engine (smpc_min, smpc_max).  Each member's shared value is the
 * key of its local extreme (smpc.h); the engine keeps the per-member shares
 * apart and runs a tournament of secure comparisons on them, which opens
 * only the extreme.  It starts once every share is in, and runs its rounds
 * once the contributor and small-cell tests allowed a result.
 */
static bool
start_engine(SmpcProtocol *P, Comp *c)
{
	smpc_fe		inputs[SMPC_MAX_MEMBERS];
	const char *why = NULL;
	int			i;

	for (i = 0; i < c->n; i++)
		inputs[i] = c->recv[i * c->nshared];
	c->engine = smpc_engine_start(c->kind == SMPC_KIND_MAXIMUM ? SMPC_PROG_MAX : SMPC_PROG_MIN,
								  c->n, c->self, c->degree, SMPC_ORDER_BITS,
								  inputs, c->n, &why);
	sodium_memzero(inputs, sizeof(inputs));
	if (c->engine == NULL)
	{
		fail_comp_owned(P, c, "failed", ERRCODE_INTERNAL_ERROR,
						format("could not start the comparisons of smpc_%s", smpc_kind_name(c->kind)),
						format("%s.", why ? why : "The engine refused the computation"));
		return false;
	}
	return true;
}

/* Send every other member our vector of the engine's current round. */
static void
send_engine_round(SmpcProtocol *P, Comp *c)
{
	uint32		round = (uint32) prog_round(c);
	int			i;

	for (i = 0; i < c->n; i++)
	{
		const smpc_fe *v;
		int			len,
					ch,
					nchunks;

		if (i == c->self)
			continue;
		prog_outgoing(c, i, &v, &len);
		nchunks = smpc_round_chunks((uint32) len, big_chunks(c));
		for (ch = 0; ch < nchunks; ch++)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			smpc_put_round(&buf, round, (uint32) len, (uint32) ch,
						   v + (size_t) ch * smpc_round_chunk_size((uint32) len, big_chunks(c)),
						   big_chunks(c));
			send_to(P, c->members[i].public_key, SMPC_MSG_ROUND, c->comp_id, &buf);
			/* smpc.fault_injection = wrong_step: every chunk twice */
			if (FAULT(P, SMPC_FAULT_WRONG_STEP))
				send_to(P, c->members[i].public_key, SMPC_MSG_ROUND, c->comp_id, &buf);
			sodium_memzero(buf.data, buf.len);
			pfree(buf.data);
		}
	}
}

/*
 * Whether a GROUP BY's batch (or a search) has failed; if so the
 * computation fails here with its reason.  The program fails while
 * advancing, and also while taking a member's first vector, when that
 * member computes something else.
 */
static bool
batch_failed(SmpcProtocol *P, Comp *c)
{
	const char *why = NULL;

	if (c->search != NULL)
	{
		if (!smpc_search_failed(c->search, &why))
			return false;
		fail_comp_owned(P, c, "failed", ERRCODE_INTERNAL_ERROR,
						format("the %s computation over peer group \"%s\" failed",
							   smpc_kind_name(c->kind), c->group),
						format("%s.", why ? why : "The members could not complete it"));
		return true;
	}
	if (c->batch == NULL || !smpc_batch_failed(c->batch, &why))
		return false;
	fail_comp_owned(P, c, "failed", ERRCODE_INTERNAL_ERROR,
					format("the GROUP BY computation over peer group \"%s\" failed",
						   c->group),
					format("%s.", why ? why : "The members could not complete it"));
	return true;
}

/*
 * Hand the engine every complete vector of its current round, and advance
 * through as many rounds as the vectors in allow.
 */
static void
run_engine(SmpcProtocol *P, Comp *c)
{
	for (;;)
	{
		uint32		round = (uint32) prog_round(c);
		int			i;

		for (i = 0; i < c->n; i++)
		{
			RoundIn    *in = &c->rin[i][round % 2];
			const char *why = NULL;

			if (i == c->self || c->fed[i] >= round || in->round != round ||
				in->got < in->nchunks)
				continue;
			if (!prog_incoming(c, i, (int) round, in->v, (int) in->total, &why))
			{
				char	   *detail = format("%s.", why ? why : "The engine refused it");

				emit_log(P, SMPC_LOG_WARNING, detail,
						 "smpc: rejected a comparison round from peer \"%s\"",
						 c->members[i].name);
				pfree(detail);
			}
			else
				c->fed[i] = round;
			clear_round_in(in);
			if (batch_failed(P, c))
				return;
		}
		if (!prog_round_complete(c))
			return;
		prog_advance(c);
		if (c->search)
		{
			if (batch_failed(P, c))
				return;
			if (smpc_search_done(c->search))
			{
				StringInfoData out;
				int			status = smpc_search_status(c->search);

				initStringInfo(&out);
				smpc_search_result(c->search, &out);
				post_batch_result(P, c, &out);
				/* withheld as any aggregate */
				if (status == SMPC_BATCH_FEW_PARTIES || status == SMPC_BATCH_SMALL_CELL)
				{
					c->withheld = true;
					c->withheld_why = status == SMPC_BATCH_FEW_PARTIES
						? "fewer than min_parties members contributed" : "small cell";
					finish_comp(P, c, "suppressed", 0, NULL, NULL);
				}
				else
					finish_comp(P, c, "succeeded", 0, NULL, NULL);
				return;
			}
			send_engine_round(P, c);
			continue;
		}
		if (c->batch)
		{
			if (batch_failed(P, c))
				return;
			if (smpc_batch_done(c->batch))
			{
				StringInfoData out;

				initStringInfo(&out);
				smpc_batch_result(c->batch, &out);
				post_batch_result(P, c, &out);
				finish_comp(P, c, "succeeded", 0, NULL, NULL);
				return;
			}
			send_engine_round(P, c);
			continue;
		}
		if (smpc_engine_done(c->engine))
		{
			int128		result[1];
			bool		none[1] = {false};

			if (smpc_engine_result(c->engine, result, 1) != 1)
			{
				fail_comp_owned(P, c, "failed", ERRCODE_INTERNAL_ERROR,
								format("the comparisons of smpc_%s gave no result",
									   smpc_kind_name(c->kind)),
								NULL);
				return;
			}
			post_result(P, c, 0, NULL, NULL, result, none, 1, c->agreed_scale);
			finish_comp(P, c, "succeeded", 0, NULL, NULL);
			return;
		}
		send_engine_round(P, c);
	}
}

/*
 * One chunk of a member's vector of an engine round.  A member sends round
 * R + 1 only once it has every member's round R, ours included, so it is
 * at most one round ahead of us; before our rounds start (we are still
 * opening the tests) it may be in round 1.
 */
static void
round_message(SmpcProtocol *P, Comp *c, int idx, const uint8 *payload, size_t len)
{
	static smpc_fe v[SMPC_ROUND_BIG_CHUNK];	/* too large for the stack */
	const char *who = c->members[idx].name;
	uint32		round,
				total,
				chunk,
				ours;
	int			count;
	RoundIn    *in;

	if (!has_program(c))
	{
		not_due(P, who, SMPC_MSG_ROUND, "This computation has no comparison rounds here yet.");
		return;
	}
	if (!smpc_get_round(payload, len, SMPC_ENGINE_MAX_VECTOR, big_chunks(c), &round, &total,
						&chunk, v, &count))
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: malformed comparison round from peer \"%s\"", who);
		return;
	}
	ours = c->phase == PHASE_ENGINE ? (uint32) prog_round(c) : 0;
	if ((!c->batch && !c->search && !c->have_z[idx]) || round < 1 || round > ours + 1 || round <= c->fed[idx])
	{
		not_due(P, who, SMPC_MSG_ROUND,
				round >= 1 && round <= c->fed[idx] ? "The peer had already sent that round."
				: "The peer had not sent the steps before it.");
		sodium_memzero(v, sizeof(smpc_fe) * count);
		return;
	}
	in = &c->rin[idx][round % 2];
	if (in->round == 0)
	{
		in->round = round;
		in->total = total;
		in->nchunks = smpc_round_chunks(total, big_chunks(c));
		in->got = 0;
		in->v = palloc0(sizeof(smpc_fe) * Max(total, 1));
		in->seen = palloc0(sizeof(bool) * in->nchunks);
	}
	if (in->round != round || in->total != total || in->seen[chunk])
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: %s comparison round from peer \"%s\" ignored",
				 in->round == round && in->total == total ? "duplicate" : "inconsistent",
				 who);
		sodium_memzero(v, sizeof(smpc_fe) * count);
		return;
	}
	memcpy(in->v + (size_t) chunk * smpc_round_chunk_size(total, big_chunks(c)), v,
		   sizeof(smpc_fe) * count);
	sodium_memzero(v, sizeof(smpc_fe) * count);
	in->seen[chunk] = true;
	in->got++;
}

/* Send our sums of shares (only of the buckets not suppressed). */
static void
start_output(SmpcProtocol *P, Comp *c)
{
	smpc_fe		out[SMPC_MAX_VALUES];
	int			i,
				k;

	c->phase = PHASE_OUTPUT;
	if (FAULT(P, SMPC_FAULT_HOLD_SUMS))
	{
		emit_log(P, SMPC_LOG_INFO, NULL,
				 "smpc: fault injection: holding the sums of computation %s",
				 hex_id(c->comp_id).s);
		c->stalled = true;
		return;
	}
	for (k = 0; k < c->nvalues; k++)
		out[k] = c->suppressed[k] ? 0 : c->acc[k];
	for (k = 0; k < c->nvalues; k++)
		c->sums[c->self * c->nvalues + k] = out[k];
	c->have_sum[c->self] = true;
	if (FAULT(P, SMPC_FAULT_REPEAT_SUMS))
	{
		/* sent again when the next computation starts here */
		memcpy(P->repeat_comp_id, c->comp_id, SMPC_HASH_BYTES);
		P->repeat_n = 0;
		for (i = 0; i < c->n; i++)
			if (i != c->self)
				memcpy(P->repeat_to[P->repeat_n++], c->members[i].public_key, SMPC_KEY_BYTES);
		memcpy(P->repeat_sums, out, sizeof(smpc_fe) * c->nvalues);
		P->repeat_nvalues = c->nvalues;
	}
	send_vector_to_others(P, c, SMPC_MSG_SUMS, out, c->nvalues);
}

static int
count_have(Comp *c, bool *have)
{
	int			i,
				n = 0;

	for (i = 0; i < c->n; i++)
		n += have[i] ? 1 : 0;
	return n;
}

/*
 * Take a computation as far as the messages it has allow.  It never
 * handles a message itself: early ones that start_input() finds wait in
 * P->work for drive().
 */
static void
try_advance(SmpcProtocol *P, Comp *c)
{
	int			i,
				k;

	if (!c->used || c->stalled)
		return;
	if (c->phase == PHASE_WAIT)
	{
		if (!all_have(c, c->have_ready))
			return;
		if (FAULT(P, SMPC_FAULT_BAD_TEXT))
		{
			/* the ABORT this sends carries a reason that is not text */
			fail_comp(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
					  "smpc fault injection: this member fails on purpose", NULL);
			return;
		}
		start_input(P, c);
		if (!c->used)
			return;
	}
	if (c->phase == PHASE_INPUT && all_have(c, c->have_share))
	{
		if (uses_engine(c) && !start_engine(P, c))
			return;
		build_tests(c);
		c->round = 0;
		if (c->nlevels > 0)
		{
			c->phase = PHASE_MULT;
			send_level(P, c);
		}
		else
			send_tests(P, c);
	}
	while (c->phase == PHASE_MULT && all_have(c, have_of_phase(c)))
	{
		finish_level(c);
		if (c->round < c->nlevels)
			send_level(P, c);
		else
			send_tests(P, c);
	}
	if (c->phase == PHASE_ZOPEN && all_have(c, c->have_z))
	{
		if (!open_tests(P, c))
			return;
		if (c->engine)
		{
			c->phase = PHASE_ENGINE;
			if (FAULT(P, SMPC_FAULT_HOLD_ROUNDS))
			{
				emit_log(P, SMPC_LOG_INFO, NULL,
						 "smpc: fault injection: holding the comparison rounds of computation %s",
						 hex_id(c->comp_id).s);
				c->stalled = true;
				for (i = 0; i < c->n; i++)
					if (i != c->self && c->rin[i][1].round != 0)
						note_held_round(P, c, i);
				return;
			}
			send_engine_round(P, c);
		}
		else
			start_output(P, c);
	}
	if (c->phase == PHASE_ENGINE)
	{
		run_engine(P, c);
		return;
	}
	/* degree + 1 sums determine the result: members may drop out now */
	if (c->phase == PHASE_OUTPUT && count_have(c, c->have_sum) >= c->degree + 1)
	{
		int			pxs[SMPC_MAX_MEMBERS];
		smpc_fe		ys[SMPC_MAX_MEMBERS];
		int128		result[SMPC_MAX_VALUES];
		int			m;

		for (k = 0; k < c->nvalues; k++)
		{
			m = 0;
			for (i = 0; i < c->n; i++)
				if (c->have_sum[i])
				{
					pxs[m] = i + 1;
					ys[m++] = c->sums[i * c->nvalues + k];
				}
			result[k] = c->suppressed[k] ? 0 : fe_to_int(shamir_combine(pxs, ys, m));
		}
		post_result(P, c, 0, NULL, NULL, result, c->suppressed, c->nvalues, c->agreed_scale);
		finish_comp(P, c, "succeeded", 0, NULL, NULL);
	}
}

static void
fail_abandoned(SmpcProtocol *P, Comp *c, const char *who, const char *reason)
{
	char	   *clean = pstrdup(reason);
	char	   *ch;
	StringInfoData detail;

	/* the text comes from a peer: keep it to one line of printable text */
	for (ch = clean; *ch; ch++)
		if ((unsigned char) *ch < 0x20 || *ch == 0x7f)
			*ch = ' ';
	c->relayed = true;
	initStringInfo(&detail);
	appendStringInfo(&detail, "%s reported: %s", who, clean);
	/*
	 * A member that found the members disagreeing (another aggregate, other
	 * bounds, another GROUP BY) fails first; the others, who may not have
	 * seen the culprit's READY yet, fail with the same error, not with "it
	 * abandoned", so that every member names the cause alike.
	 */
	if (strncmp(clean, "members of peer group \"", 23) == 0 &&
		strstr(clean, "\" disagree on the computation") != NULL)
	{
		pfree(clean);
		fail_comp_owned(P, c, "failed", ERRCODE_INVALID_PARAMETER_VALUE,
						format("members of peer group \"%s\" disagree on the computation",
							   c->group),
						detail.data);
		return;
	}
	pfree(clean);
	/* what this node knows about the members it is still missing */
	append_last_errors(P, c, &detail);
	fail_comp_owned(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
					format("member \"%s\" of peer group \"%s\" abandoned the computation",
						   who, c->group),
					detail.data);
}

/* A message of a step its sender may not take yet, or not at all. */
static void
not_due(SmpcProtocol *P, const char *who, uint8 type, const char *why)
{
	emit_log(P, SMPC_LOG_WARNING, why,
			 "smpc: rejected a %s from peer \"%s\": not a step of this computation",
			 msg_type_name(type), who);
}

/*
 * One message of a multiplication level: "level" byte, "chunk" byte, and
 * that chunk's products reshared to us.  A member sends level L + 1 only
 * once it has every member's level L, ours included, so a sender is at
 * most one level ahead of us; its reshares are weighted into the level's
 * accumulator at once.
 */
static void
mult_message(SmpcProtocol *P, Comp *c, int idx, const uint8 *payload, size_t len)
{
	smpc_fe		v[MULT_CHUNK];
	const char *who = c->members[idx].name;
	int			level = len >= 2 ? payload[0] : -1;
	int			chunk = len >= 2 ? payload[1] : -1;
	int			ours = c->phase == PHASE_MULT ? c->round : 0;
	int			np,
				nchunks,
				first,
				count,
				k;
	smpc_fe    *acc;

	if (c->nlevels == 0)
	{
		not_due(P, who, SMPC_MSG_MULT, "This computation has no multiplication rounds.");
		return;
	}
	if (level < 0 || level >= c->nlevels)
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: malformed multiplication round from peer \"%s\"", who);
		return;
	}
	if (!c->have_share[idx] || level != c->mult_done[idx] || level > ours + 1 ||
		c->phase > PHASE_MULT)
	{
		not_due(P, who, SMPC_MSG_MULT, "The peer had not sent the steps before it.");
		return;
	}
	np = c->level_products[level];
	nchunks = (np + MULT_CHUNK - 1) / MULT_CHUNK;
	first = chunk * MULT_CHUNK;
	count = Min(MULT_CHUNK, np - first);
	if (chunk >= nchunks || !smpc_get_vector(payload + 2, len - 2, v, count))
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: malformed multiplication round from peer \"%s\"", who);
		return;
	}
	if (c->chunk_seen[idx][chunk])
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: duplicate multiplication round from peer \"%s\" ignored", who);
		return;
	}
	acc = c->lvl_acc[level % 2];
	for (k = 0; k < count; k++)
		acc[first + k] = fe_add(acc[first + k], fe_mul(c->lambda[idx], v[k]));
	sodium_memzero(v, sizeof(smpc_fe) * count);
	c->chunk_seen[idx][chunk] = true;
	if (++c->chunk_count[idx] == nchunks)
	{
		c->mult_done[idx]++;
		c->chunk_count[idx] = 0;
		memset(c->chunk_seen[idx], 0, sizeof(c->chunk_seen[idx]));
	}
}

/*
 * smpc.fault_injection = hold_rounds: log, once per peer, that a peer sent
 * us a comparison round, so that the tests know it has reached the rounds.
 */
static void
note_held_round(SmpcProtocol *P, Comp *c, int idx)
{
	if (c->round_noted[idx])
		return;
	c->round_noted[idx] = true;
	emit_log(P, SMPC_LOG_INFO, NULL,
			 "smpc: fault injection: held computation %s has a comparison round from peer \"%s\"",
			 hex_id(c->comp_id).s, c->members[idx].name);
}

/*
 * Take SHARES, SUMS, MULT, ZSUMS or ABORT for a running computation; the
 * caller advances it afterwards.
 */
static void
comp_message(SmpcProtocol *P, Comp *c, int idx, uint8 type, const uint8 *payload, size_t len)
{
	smpc_fe		v[MAX_SHARED];
	const char *who = c->members[idx].name;
	int			k;

	/*
	 * A member held by smpc.fault_injection plays dead, except that it hears
	 * the others give up, so that it fails with their cause.
	 */
	if (c->stalled && type != SMPC_MSG_ABORT)
	{
		if (type == SMPC_MSG_ROUND && FAULT(P, SMPC_FAULT_HOLD_ROUNDS))
			note_held_round(P, c, idx);
		return;
	}
	if (type == SMPC_MSG_ABORT)
	{
		bool		ready_phase;
		bool		fatal;
		SmpcReady	r;
		char		reason[SMPC_MAX_REASON];

		if (!smpc_get_abort(payload, len, &ready_phase, &fatal, &r, reason, sizeof(reason)))
		{
			emit_log(P, SMPC_LOG_WARNING, NULL, "smpc: malformed ABORT from peer \"%s\"", who);
			return;
		}
		fail_abandoned(P, c, who, reason);
		return;
	}
	if (type == SMPC_MSG_MULT)
	{
		mult_message(P, c, idx, payload, len);
		return;
	}
	if (type == SMPC_MSG_ROUND)
	{
		round_message(P, c, idx, payload, len);
		return;
	}
	/* each member takes its steps in order, and its messages arrive so */
	if ((type == SMPC_MSG_ZSUMS && (!c->have_share[idx] || c->mult_done[idx] < c->nlevels)) ||
		(type == SMPC_MSG_SUMS && !c->have_z[idx]))
	{
		not_due(P, who, type, "The peer had not sent the steps before it.");
		return;
	}
	if (!smpc_get_vector(payload, len, v,
						 type == SMPC_MSG_SHARES ? c->nshared
						 : type == SMPC_MSG_ZSUMS ? c->nz : c->nvalues))
	{
		emit_log(P, SMPC_LOG_WARNING, NULL, "smpc: malformed %s from peer \"%s\"",
				 msg_type_name(type), who);
		return;
	}
	if (type == SMPC_MSG_SHARES)
	{
		if (c->have_share[idx])
		{
			emit_log(P, SMPC_LOG_WARNING, NULL,
					 "smpc: duplicate shares from peer \"%s\" ignored", who);
			return;
		}
		for (k = 0; k < c->nshared; k++)
			c->acc[k] = fe_add(c->acc[k], v[k]);
		if (c->recv)
			memcpy(&c->recv[idx * c->nshared], v, sizeof(smpc_fe) * c->nshared);
		c->have_share[idx] = true;
	}
	else if (type == SMPC_MSG_ZSUMS)
	{
		if (c->have_z[idx])
		{
			emit_log(P, SMPC_LOG_WARNING, NULL,
					 "smpc: duplicate sums from peer \"%s\" ignored", who);
			return;
		}
		memcpy(&c->zs[idx * c->nz], v, sizeof(smpc_fe) * c->nz);
		c->have_z[idx] = true;
	}
	else
	{
		if (c->have_sum[idx])
		{
			emit_log(P, SMPC_LOG_WARNING, NULL,
					 "smpc: duplicate sums from peer \"%s\" ignored", who);
			return;
		}
		for (k = 0; k < c->nvalues; k++)
			c->sums[idx * c->nvalues + k] = v[k];
		c->have_sum[idx] = true;
	}
	sodium_memzero(v, sizeof(v));
}

/* ---------- early messages ---------- */

/* Drop an early message, wiping what it holds: decrypted shares or sums. */
static void
free_pending(Pending *pm)
{
	if (pm->payload)
	{
		sodium_memzero(pm->payload, pm->len);
		pfree(pm->payload);
	}
	sodium_memzero(pm, sizeof(Pending));
	pfree(pm);
}

/* Unlink *link (an element of P->pending) and return it. */
static Pending *
unlink_pending(SmpcProtocol *P, Pending **link)
{
	Pending    *pm = *link;

	*link = pm->next;
	pm->next = NULL;
	P->npending--;
	return pm;
}

/*
 * Messages that arrived before this computation started here: moved, in
 * their order, to the work that drive() does once the computation has gone
 * as far as it can.
 */
static void
process_early(SmpcProtocol *P, Comp *c)
{
	Pending   **link = &P->pending;

	while (*link)
	{
		Pending    *pm = *link;

		if (pm->type == SMPC_MSG_READY || memcmp(pm->comp_id, c->comp_id, SMPC_HASH_BYTES) != 0)
		{
			link = &pm->next;
			continue;
		}
		unlink_pending(P, link);
		*P->work_tail = pm;
		P->work_tail = &pm->next;
	}
}

/*
 * Handle the early messages process_early() found, one at a time, each
 * followed by advancing its computation, until none is left: advancing may
 * start another computation's input and so find more.
 */
static void
drive(SmpcProtocol *P)
{
	while (P->work)
	{
		Pending    *pm = P->work;
		int			i;

		P->work = pm->next;
		if (P->work == NULL)
			P->work_tail = &P->work;
		for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		{
			Comp	   *c = running(P, i);
			int			idx;

			if (c == NULL || c->phase == PHASE_WAIT ||
				memcmp(c->comp_id, pm->comp_id, SMPC_HASH_BYTES) != 0)
				continue;
			idx = member_index(c->members, c->n, pm->sender);
			if (idx >= 0 && idx != c->self)
			{
				comp_message(P, c, idx, pm->type, pm->payload, pm->len);
				try_advance(P, c);
			}
			break;
		}
		free_pending(pm);
	}
}

static void
add_pending(SmpcProtocol *P, const Pending *pm)
{
	Pending    *copy = palloc(sizeof(Pending));
	Pending   **link;

	if (P->npending >= MAX_PENDING)
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: too many early messages; dropping the oldest");
		free_pending(unlink_pending(P, &P->pending));
	}
	*copy = *pm;
	copy->next = NULL;
	for (link = &P->pending; *link; link = &(*link)->next)
		;
	*link = copy;
	P->npending++;
}

/*
 * smpc.fault_injection = repeat_sums: send the sums of the last computation
 * again, now that every member has finished it.
 */
static void
send_repeat_sums(SmpcProtocol *P)
{
	StringInfoData buf;
	int			i;

	if (FAULT(P, SMPC_FAULT_REPEAT_SUMS))
	{
		emit_log(P, SMPC_LOG_INFO, NULL,
				 "smpc: fault injection: sending the sums of finished computation %s again",
				 hex_id(P->repeat_comp_id).s);
		initStringInfo(&buf);
		smpc_put_vector(&buf, P->repeat_sums, P->repeat_nvalues);
		for (i = 0; i < P->repeat_n; i++)
			send_to(P, P->repeat_to[i], SMPC_MSG_SUMS, P->repeat_comp_id, &buf);
		pfree(buf.data);
	}
	sodium_memzero(P->repeat_sums, sizeof(P->repeat_sums));
	P->repeat_n = 0;
}

/* Announce (or withdraw from) a rendezvous to every other member. */
static void
send_ready_to_others(SmpcProtocol *P, Comp *c, const SmpcReady *r)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	smpc_put_ready(&buf, r);
	for (i = 0; i < c->n; i++)
		if (i != c->self)
			send_to(P, c->members[i].public_key, SMPC_MSG_READY, NULL, &buf);
	pfree(buf.data);
}

/*
 * smpc.fault_injection = bad_text: besides the real READY, announce the
 * computation once with a group name and once with a label that are not
 * text (invalid bytes, control characters).  The members must refuse both
 * and log them escaped.
 */
static void
send_bad_ready(SmpcProtocol *P, Comp *c, const SmpcReady *real)
{
	SmpcReady	r;
	int			k;

	emit_log(P, SMPC_LOG_INFO, NULL,
			 "smpc: fault injection: sending READYs whose group and label are not text");
	for (k = 0; k < 2; k++)
	{
		r = *real;
		if (k == 0)
			snprintf(r.group, sizeof(r.group), "%s%s", real->group, SMPC_BAD_TEXT);
		else
			snprintf(r.label, sizeof(r.label), "%s%s", real->label, SMPC_BAD_TEXT);
		send_ready_to_others(P, c, &r);
	}
}

/* ---------- requests ---------- */

/*
 * Check the request against the group; false when the computation failed
 * (and has ended).
 */
static bool
check_request(SmpcProtocol *P, Comp *c, const PeerGroup *g)
{
	bool		has_order = false;
	int128		bound;
	int			i,
				k;

	if (!P->have_node_key)
	{
		c->n = 0;
		fail_comp(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  "smpc node is not initialised",
				  "Run SELECT smpc.init_node('name') in the smpc database first.");
		return false;
	}
	if (g == NULL)
	{
		c->n = 0;
		fail_comp_owned(P, c, "failed", ERRCODE_UNDEFINED_OBJECT,
						format("peer group \"%s\" does not exist", c->group), NULL);
		return false;
	}
	c->n = g->nmembers;
	memcpy(c->members, g->members, sizeof(Member) * g->nmembers);
	memcpy(c->digest, g->digest, SMPC_HASH_BYTES);
	for (i = 0; i < c->n; i++)
		if (c->members[i].self)
			c->self = i;
	c->have_ready[c->self] = true;

	if (g->nmembers < g->min_parties)
	{
		fail_comp_owned(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
						format("peer group \"%s\" has too few members", c->group),
						format("The group has %d member%s including this node, but min_parties is %d.",
							   g->nmembers, g->nmembers == 1 ? "" : "s", g->min_parties));
		return false;
	}
	/* shares of degree t: any t + 1 members together could rebuild them */
	c->degree = g->max_colluders > 0 ? g->max_colluders : c->n - 1;
	if (c->degree > c->n - 1)
	{
		fail_comp_owned(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
						format("peer group \"%s\" tolerates more colluders than it has other members", c->group),
						format("max_colluders is %d, but the group has %d members including this node.",
							   g->max_colluders, c->n));
		return false;
	}
	c->min_parties = g->min_parties;
	if (c->kind == SMPC_KIND_GROUPED)
	{
		const char *why = NULL;

		if (c->batch_in == NULL)
		{
			fail_comp(P, c, "failed", ERRCODE_QUERY_CANCELED,
					  "the GROUP BY computation was cancelled before it started", NULL);
			return false;
		}
		if (!smpc_batch_check_input(c->batch_in, c->batch_in_len, &has_order, &why))
		{
			fail_comp_owned(P, c, "failed", ERRCODE_INTERNAL_ERROR,
							pstrdup("invalid input for a GROUP BY computation"),
							format("%s.", why ? why : "The input was refused"));
			return false;
		}
	}
	if (c->kind == SMPC_KIND_PERCENTILE || c->kind == SMPC_KIND_CLEARING)
	{
		const char *why = NULL;

		if (c->batch_in == NULL || !smpc_search_check_input(c->batch_in, c->batch_in_len, &why))
		{
			fail_comp_owned(P, c, "failed", ERRCODE_INTERNAL_ERROR,
							format("invalid input for a %s computation", smpc_kind_name(c->kind)),
							format("%s.", why ? why : "The input was refused"));
			return false;
		}
		/* the volume traded is released only where the group allows it */
		if (c->kind == SMPC_KIND_CLEARING && c->batch_in_len >= 3 &&
			(c->batch_in[2] & SMPC_SEARCH_VOLUME) && !g->clearing_volume)
		{
			c->fail_hint = format("Every member enables it with SELECT smpc.allow_clearing_volume('%s');",
								  c->group);
			fail_comp_owned(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
							format("peer group \"%s\" does not release the volume traded at the clearing price",
								   c->group),
							pstrdup("Its setting clearing_volume is off."));
			return false;
		}
		has_order = true;
	}
	/* comparisons multiply shares: degree 2t needs 2t + 1 members */
	if ((c->kind == SMPC_KIND_MINIMUM || c->kind == SMPC_KIND_MAXIMUM || has_order) &&
		2 * c->degree + 1 > c->n)
	{
		c->fail_hint = (c->n - 1) / 2 >= 1
			? format("Create the group again with max_colluders => %d or less.", (c->n - 1) / 2)
			: pstrdup("Comparisons need a group of at least 3 members.");
		fail_comp_owned(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
						format("smpc_%s in peer group \"%s\" needs an honest majority",
							   c->kind == SMPC_KIND_PERCENTILE ? "percentile and smpc_median"
							   : c->kind == SMPC_KIND_CLEARING ? "clearing_price"
							   : has_order ? "min and smpc_max" : smpc_kind_name(c->kind), c->group),
						format("Comparisons need max_colluders below half the members: the group has %d members and tolerates %d colluder%s.",
							   c->n, c->degree, c->degree == 1 ? "" : "s"));
		return false;
	}
	/* no value computed over fewer than min_cell_count rows, for every kind */
	if (g->min_cell_count > 1)
	{
		c->suppress_k = g->min_cell_count;
		if (2 * c->degree + 1 > c->n)
		{
			fail_comp_owned(P, c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
							format("small-cell protection in peer group \"%s\" needs an honest majority", c->group),
							format("With min_cell_count above 1, max_colluders must be below half the members: the group has %d members and tolerates %d colluder%s.",
								   c->n, c->degree, c->degree == 1 ? "" : "s"));
			return false;
		}
	}
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		Comp	   *other = running(P, i);

		if (other != NULL && other != c && same_key(other, c->group, c->kind, c->label))
		{
			c->n = 0;
			fail_comp(P, c, "failed", ERRCODE_OBJECT_IN_USE,
					  "an smpc computation with the same peer group, aggregate and label is already running on this node",
					  "Run the second one after the first has finished, or give it another label.");
			return false;
		}
	}

	/*
	 * Only this member's own value against the group's size: limbs and
	 * counts are far inside; a floating-point sum (times 2^40) may not be.
	 */
	bound = magnitude_bound(c->n);
	for (k = 0; k < c->nvalues; k++)
		if (c->local[k] > bound || c->local[k] < -bound)
		{
			fail_comp_owned(P, c, "failed", ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
							pstrdup("value out of range for smpc"),
							format("With %d members, each member's encoded value must stay within 2^126/%d.",
								   c->n, c->n));
			return false;
		}
	return true;
}

/* A backend submitted a request: start the rendezvous. */
void
smpc_protocol_submit(SmpcProtocol *P, const SmpcProtoRequest *req, TimestampTz now)
{
	Comp	   *c = NULL;
	Pending   **link;
	SmpcReady	r;
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (running(P, i) == NULL)
		{
			if (P->comps[i] == NULL)
				P->comps[i] = palloc0(sizeof(Comp));
			c = P->comps[i];
			break;
		}
	if (c == NULL)
		return;					/* one comp per request slot: cannot happen */

	/* this node's subtotals stay only in the computation, wiped after use */
	memset(c, 0, sizeof(Comp));
	c->used = true;
	c->slot = req->slot;
	c->serial = req->serial;
	c->kind = req->kind;
	c->vclass = req->vclass;
	strlcpy(c->group, req->group, sizeof(c->group));
	strlcpy(c->label, req->label, sizeof(c->label));
	c->scale = req->scale;
	c->nvalues = Max(0, Min(req->nvalues, SMPC_MAX_VALUES));
	memcpy(c->local, req->values, sizeof(int128) * c->nvalues);
	c->rows = req->rows;
	memcpy(c->desc, req->desc, SMPC_HASH_BYTES);
	c->timeout_ms = req->timeout_ms;
	if (req->batch)
	{
		c->batch_in = palloc(Max(req->batch_len, 1));
		memcpy(c->batch_in, req->batch, req->batch_len);
		c->batch_in_len = req->batch_len;
	}

	c->started = now;
	c->deadline = TimestampTzPlusMilliseconds(c->started, c->timeout_ms);
	c->phase = PHASE_WAIT;
	c->self = 0;

	if (P->repeat_n > 0)
		send_repeat_sums(P);

	if (!check_request(P, c, find_group(P, c->group)))
		return;

	randombytes_buf(c->nonce, SMPC_NONCE_BYTES);
	ready_of(c, &r);
	send_ready_to_others(P, c, &r);
	if (FAULT(P, SMPC_FAULT_BAD_TEXT))
		send_bad_ready(P, c, &r);

	/* READYs that arrived before we asked */
	link = &P->pending;
	while (*link)
	{
		Pending    *pm = *link;
		int			idx;

		if (pm->type != SMPC_MSG_READY ||
			!same_key(c, pm->ready.group, pm->ready.kind, pm->ready.label) ||
			(idx = member_index(c->members, c->n, pm->sender)) < 0 || idx == c->self)
		{
			link = &pm->next;
			continue;
		}
		c->ready[idx] = pm->ready;
		c->have_ready[idx] = true;
		free_pending(unlink_pending(P, link));
	}
	try_advance(P, c);
	drive(P);
}

bool
smpc_protocol_has_slot(SmpcProtocol *P, int slot)
{
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (running(P, i) && P->comps[i]->slot == slot)
			return true;
	return false;
}

bool
smpc_protocol_cancel(SmpcProtocol *P, int slot, TimestampTz now)
{
	bool		found = false;
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (running(P, i) && P->comps[i]->slot == slot)
		{
			found = true;
			fail_comp(P, P->comps[i], "cancelled", ERRCODE_QUERY_CANCELED,
					  "the computation was cancelled at this node", NULL);
		}
	return found;
}

/* ---------- incoming messages ---------- */

static void
handle_ready(SmpcProtocol *P, const uint8 *sender, const char *who,
			 const uint8 *payload, size_t len, TimestampTz now)
{
	SmpcReady	r;
	const PeerGroup *g;
	Pending		pm;
	Pending   **link;
	int			i;

	if (!smpc_get_ready(payload, len, &r))
	{
		emit_log(P, SMPC_LOG_WARNING, NULL, "smpc: malformed READY from peer \"%s\"", who);
		return;
	}
	if (r.bad_text)
	{
		/* shown escaped, as the decoder left them */
		char	   *detail = format("Group \"%s\", label \"%s\" (escaped).", r.group, r.label);

		emit_log(P, SMPC_LOG_WARNING, detail,
				 "smpc: rejected a READY from peer \"%s\": its group name or label is not valid text",
				 who);
		pfree(detail);
		return;
	}
	g = find_group(P, r.group);
	if (g == NULL || member_index(g->members, g->nmembers, sender) < 0)
	{
		emit_log(P, SMPC_LOG_WARNING, NULL,
				 "smpc: peer \"%s\" asked to compute over peer group \"%s\", of which it is not a member here",
				 who, r.group);
		return;
	}
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		Comp	   *c = running(P, i);

		if (c && same_key(c, r.group, r.kind, r.label) && c->phase == PHASE_WAIT)
		{
			int			idx = member_index(c->members, c->n, sender);

			if (idx < 0)
				continue;
			c->ready[idx] = r;
			c->have_ready[idx] = true;
			c->withdrew[idx] = false;
			try_advance(P, c);
			return;
		}
	}
	/* keep it for our own request; a newer READY replaces an older one */
	link = &P->pending;
	while (*link)
	{
		Pending    *old = *link;

		if (old->type == SMPC_MSG_READY &&
			memcmp(old->sender, sender, SMPC_KEY_BYTES) == 0 &&
			old->ready.kind == r.kind && strcmp(old->ready.group, r.group) == 0 &&
			strcmp(old->ready.label, r.label) == 0)
			free_pending(unlink_pending(P, link));
		else
			link = &old->next;
	}
	memset(&pm, 0, sizeof(pm));
	memcpy(pm.sender, sender, SMPC_KEY_BYTES);
	pm.type = SMPC_MSG_READY;
	pm.ready = r;
	pm.expires = TimestampTzPlusMilliseconds(now,
											 Min((int64) r.wait_ms, (int64) 3600 * 1000) + 1000);
	add_pending(P, &pm);
}

/* An ABORT of the rendezvous: the sender withdrew its READY, or failed. */
static void
handle_ready_abort(SmpcProtocol *P, const uint8 *sender, const SmpcReady *r, bool fatal,
				   const char *reason)
{
	Pending   **link = &P->pending;
	int			i;

	while (*link)
	{
		Pending    *old = *link;

		if (old->type == SMPC_MSG_READY &&
			memcmp(old->sender, sender, SMPC_KEY_BYTES) == 0 &&
			memcmp(old->ready.nonce, r->nonce, SMPC_NONCE_BYTES) == 0)
			free_pending(unlink_pending(P, link));
		else
			link = &old->next;
	}
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		Comp	   *c = running(P, i);
		int			idx;

		if (c == NULL || !same_key(c, r->group, r->kind, r->label))
			continue;
		idx = member_index(c->members, c->n, sender);
		if (idx < 0 || !c->have_ready[idx] || idx == c->self ||
			memcmp(c->ready[idx].nonce, r->nonce, SMPC_NONCE_BYTES) != 0)
			continue;
		if (c->phase == PHASE_WAIT && !fatal)
		{
			/* it gave up waiting; it may come back with a new READY */
			c->have_ready[idx] = false;
			c->withdrew[idx] = true;
		}
		else
			fail_abandoned(P, c, c->members[idx].name, reason);
	}
}

static void
handle_comp_message(SmpcProtocol *P, const uint8 *sender, const char *who, uint8 type,
					const uint8 *comp_id, const uint8 *payload, size_t len, TimestampTz now)
{
	int			i;
	Pending		pm;
	Finished   *f;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		Comp	   *c = running(P, i);
		int			idx;

		if (c == NULL || c->phase == PHASE_WAIT ||
			memcmp(c->comp_id, comp_id, SMPC_HASH_BYTES) != 0)
			continue;
		idx = member_index(c->members, c->n, sender);
		if (idx < 0 || idx == c->self)
		{
			emit_log(P, SMPC_LOG_WARNING, NULL,
					 "smpc: peer \"%s\" sent a message for a computation it is not part of",
					 who);
			return;
		}
		comp_message(P, c, idx, type, payload, len);
		try_advance(P, c);
		return;
	}
	if ((f = recently_finished(P, comp_id)) != NULL)
	{
		late_message(P, f, sender, who, type);
		return;
	}
	/* possibly for a computation that starts here shortly */
	memset(&pm, 0, sizeof(pm));
	memcpy(pm.sender, sender, SMPC_KEY_BYTES);
	pm.type = type;
	memcpy(pm.comp_id, comp_id, SMPC_HASH_BYTES);
	pm.payload = palloc(Max(len, 1));
	memcpy(pm.payload, payload, len);
	pm.len = len;
	pm.expires = TimestampTzPlusMilliseconds(now, 600 * 1000);
	add_pending(P, &pm);
}

void
smpc_protocol_receive(SmpcProtocol *P, const uint8 *sender, const char *who, uint8 type,
					  const uint8 *comp_id, const uint8 *payload, size_t len, TimestampTz now)
{
	switch (type)
	{
		case SMPC_MSG_READY:
			handle_ready(P, sender, who, payload, len, now);
			break;
		case SMPC_MSG_ABORT:
			{
				bool		ready_phase;
				bool		fatal;
				SmpcReady	r;
				char		reason[SMPC_MAX_REASON];

				if (!smpc_get_abort(payload, len, &ready_phase, &fatal, &r, reason,
									sizeof(reason)))
				{
					emit_log(P, SMPC_LOG_WARNING, NULL,
							 "smpc: malformed ABORT from peer \"%s\"", who);
					break;
				}
				if (ready_phase && r.bad_text)
				{
					char	   *detail = format("Group \"%s\", label \"%s\" (escaped).",
												r.group, r.label);

					emit_log(P, SMPC_LOG_WARNING, detail,
							 "smpc: rejected an ABORT from peer \"%s\": its group name or label is not valid text",
							 who);
					pfree(detail);
				}
				else if (ready_phase)
					handle_ready_abort(P, sender, &r, fatal, reason);
				else
					handle_comp_message(P, sender, who, type, comp_id, payload, len, now);
				break;
			}
		case SMPC_MSG_SHARES:
		case SMPC_MSG_SUMS:
		case SMPC_MSG_MULT:
		case SMPC_MSG_ZSUMS:
		case SMPC_MSG_ROUND:
			handle_comp_message(P, sender, who, type, comp_id, payload, len, now);
			break;
		default:
			break;
	}
	drive(P);
}

/* ---------- time ---------- */

void
smpc_protocol_tick(SmpcProtocol *P, TimestampTz now)
{
	Pending   **link = &P->pending;
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (running(P, i) && now >= P->comps[i]->deadline)
			timeout_comp(P, P->comps[i]);
	while (*link)
	{
		if (now >= (*link)->expires)
			free_pending(unlink_pending(P, link));
		else
			link = &(*link)->next;
	}
}

bool
smpc_protocol_next_deadline(SmpcProtocol *P, TimestampTz *deadline)
{
	bool		any = false;
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (running(P, i) && (!any || P->comps[i]->deadline < *deadline))
		{
			*deadline = P->comps[i]->deadline;
			any = true;
		}
	return any;
}

/* ---------- the protocol as a whole ---------- */

SmpcProtocol *
smpc_protocol_create(const SmpcProtoEnv *env)
{
	SmpcProtocol *P = palloc0(sizeof(SmpcProtocol));

	if (env)
		P->env = *env;
	P->work_tail = &P->work;
	P->effects_tail = &P->effects;
	return P;
}

void
smpc_protocol_configure(SmpcProtocol *P, bool have_node_key, const PeerGroup *groups,
						int ngroups)
{
	if (P->groups)
		pfree(P->groups);
	P->groups = NULL;
	P->have_node_key = have_node_key;
	P->ngroups = Max(ngroups, 0);
	if (P->ngroups > 0)
	{
		P->groups = palloc(sizeof(PeerGroup) * P->ngroups);
		memcpy(P->groups, groups, sizeof(PeerGroup) * P->ngroups);
	}
}

void
smpc_protocol_set_fault(SmpcProtocol *P, int fault)
{
	P->fault = fault;
}

void
smpc_protocol_shutdown(SmpcProtocol *P)
{
	SmpcEffect *e;
	int			i;

	/* what is queued is not carried out any more, bar the backends' errors */
	while ((e = smpc_protocol_next_effect(P)) != NULL)
		smpc_protocol_free_effect(e);
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (running(P, i))
		{
			post_result(P, P->comps[i], ERRCODE_ADMIN_SHUTDOWN,
						"the smpc background worker is shutting down", NULL, NULL, NULL, 0, 0);
			wipe_comp(P->comps[i]);
		}
	/* early shares and sums, and the computations' own, do not outlive us */
	while (P->pending)
		free_pending(unlink_pending(P, &P->pending));
	while (P->work)
	{
		Pending    *pm = P->work;

		P->work = pm->next;
		free_pending(pm);
	}
	P->work_tail = &P->work;
	sodium_memzero(P->repeat_sums, sizeof(P->repeat_sums));
	P->repeat_n = 0;
}

void
smpc_protocol_destroy(SmpcProtocol *P)
{
	SmpcEffect *e;
	int			i;

	smpc_protocol_shutdown(P);
	while ((e = smpc_protocol_next_effect(P)) != NULL)
		smpc_protocol_free_effect(e);
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (P->comps[i])
			pfree(P->comps[i]);
	if (P->groups)
		pfree(P->groups);
	sodium_memzero(P, sizeof(SmpcProtocol));
	pfree(P);
}
