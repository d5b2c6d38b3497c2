/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Both sides of the shared memory that backends and the background
 *	  worker hand work through (SmpcShared, smpc.h): the request slots
 *	  (a backend running an aggregate submits its vector and waits; the
 *	  worker takes it and posts the result), the inbox (smpc.deliver()
 *	  appends a peer's message; the worker drains it), and the status of
 *	  the node and its peers that the worker publishes for
 *	  smpc.peer_status.  Everything is guarded by the one LWLock
 *	  smpc_shared->lock; config_gen is an atomic and needs none.
 *
 * Request slots.  Who may move a slot from which state to which; every
 * move is made holding smpc_shared->lock in LW_EXCLUSIVE mode:
 *
 *	 from		to			process		when
 *	 FREE		SUBMITTED	backend		it claims the slot and fills it in
 *	 SUBMITTED	RUNNING		worker		it takes the request (shmem_take_request)
 *	 SUBMITTED	FREE		backend		it gives up before the worker took it
 *	 RUNNING	DONE		worker		it posts the result or an error, or a
 *										new worker fails what the previous one
 *										left running (shmem_worker_attach)
 *	 RUNNING	ABANDONED	backend		it gives up (error, cancel, exit)
 *	 ABANDONED	FREE		worker		it notices, or posts to the slot
 *	 DONE		FREE		backend		it has read the result (or gives up)
 *
 * Who owns the slot's contents follows from the table: a backend writes
 * the inputs of a FREE slot it claims, under the lock; from RUNNING until
 * the worker leaves RUNNING or ABANDONED, only the worker reads the
 * inputs or writes the result (the backend only flips the state); once
 * DONE, only the backend reads the result.  The serial number changes
 * only when a FREE slot is claimed again.  So the worker copies the
 * request's values out, and writes the result in, without the lock, and
 * the backend reads a DONE result without it; the lock is taken only to
 * look at or move the state (LWLock acquisition is a full barrier).
 *
 * What is still copied under the exclusive lock, and why it is small:
 *	 - a backend's submission: the group name and label (320 bytes) and
 *	   the values, at most SMPC_MAX_VALUES int128 (8 kB), in one memcpy;
 *	   the slot has no state yet that would let it be filled outside;
 *	 - a delivered message: one record of at most SMPC_MAX_MESSAGE
 *	   (20 kB) appended to the inbox, so that concurrent deliveries
 *	   cannot interleave;
 *	 - the peer status: one SmpcPeerStatus (about 300 bytes) per
 *	   configured peer, and only when something changed.
 * Nothing is allocated while the lock is held.
 *
 * Inbox.  A ring of [uint32 length][bytes] records; inbox_head counts
 * every byte ever written, inbox_tail every byte consumed.  Deliveries
 * append at the head under the exclusive lock and never write past
 * inbox_tail + SMPC_INBOX_BYTES.  Only the worker moves the tail: it
 * reads head and tail under the lock, copies the records between them
 * without it (no delivery can overwrite them while the tail has not
 * moved), and then moves the tail under the exclusive lock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/timestamp.h"

#include "shmem.h"

/*
 * The settings the request slots need (smpc.c defines them as GUCs): kept
 * here so that the slots depend on no other module.
 */
char	   *smpc_database = NULL;
int			smpc_timeout_ms = 60000;

/* ---------- a backend running an aggregate ---------- */

typedef struct WaitSlot
{
	int			slot;
	uint64		serial;
} WaitSlot;

/* On error or exit while waiting: give the slot back or tell the worker. */
static void
abandon_slot(int code, Datum arg)
{
	WaitSlot   *ws = (WaitSlot *) DatumGetPointer(arg);
	SmpcRequest *req = &smpc_shared->requests[ws->slot];
	Latch	   *latch = NULL;

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (req->serial == ws->serial)
	{
		if (req->state == SMPC_REQ_SUBMITTED || req->state == SMPC_REQ_DONE)
		{
			/* never started: this node's subtotals must not stay behind */
			explicit_bzero(req->values, sizeof(req->values));
			req->rows = 0;
			req->state = SMPC_REQ_FREE;
		}
		else if (req->state == SMPC_REQ_RUNNING)
		{
			req->state = SMPC_REQ_ABANDONED;
			latch = smpc_shared->worker_latch;
		}
	}
	LWLockRelease(smpc_shared->lock);
	if (latch)
		SetLatch(latch);
}

/*
 * Hand a vector to the worker in a free request slot and wait for the
 * result: *sqlerrcode is 0 with result, *result_scale, result_null and
 * *withheld set, or the error the worker posted, in emsg and edetail.
 * An error or exit while waiting gives the slot back (abandon_slot()).
 */
void
shmem_run_request(const char *group, const char *label,
				  SmpcKind kind, SmpcClass vclass, int32 scale,
				  const int128 *values, int nvalues,
				  const uint8 *desc, int64 rows,
				  int128 *result, int32 *result_scale, bool *result_null,
				  int *sqlerrcode, char *emsg, size_t emsgsize,
				  char *edetail, size_t edetailsize,
				  char *ehint, size_t ehintsize, bool *withheld,
				  const uint8 *batch, size_t batch_len, StringInfo batch_out)
{
	SmpcRequest *req = NULL;
	dsm_segment *volatile in_seg = NULL;
	WaitSlot	ws;
	Latch	   *worker_latch;
	TimestampTz deadline;
	int			i;
	volatile bool done = false;
	volatile bool done_withheld = false;
	volatile int done_errcode = 0;

	/*
	 * A GROUP BY's input is too large for the slot: it goes in a segment of
	 * ours, which lives until this transaction ends or we detach it.
	 */
	if (batch)
	{
		in_seg = dsm_create(Max(batch_len, 1), 0);
		memcpy(dsm_segment_address(in_seg), batch, batch_len);
	}

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (smpc_shared->worker_pid == 0)
	{
		LWLockRelease(smpc_shared->lock);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("smpc background worker is not running"),
				 errhint("Check the server log; the smpc launcher starts the worker again a few seconds after it exits.")));
	}
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		if (smpc_shared->requests[i].state == SMPC_REQ_FREE)
		{
			req = &smpc_shared->requests[i];
			break;
		}
	}
	if (req == NULL)
	{
		LWLockRelease(smpc_shared->lock);
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_CONNECTIONS),
				 errmsg("too many smpc computations are running at once"),
				 errdetail("At most %d computations can run at the same time on one server.",
						   SMPC_MAX_REQUESTS)));
	}
	memset(req, 0, offsetof(SmpcRequest, values));
	req->serial = smpc_shared->next_serial++;
	req->backend_latch = MyLatch;
	strlcpy(req->group, group, sizeof(req->group));
	strlcpy(req->label, label, sizeof(req->label));
	req->kind = kind;
	req->vclass = vclass;
	req->scale = scale;
	req->nvalues = nvalues;
	req->timeout_ms = smpc_timeout_ms;
	memcpy(req->values, values, sizeof(int128) * nvalues);
	req->rows = rows;
	if (desc)
		memcpy(req->desc, desc, SMPC_HASH_BYTES);
	req->batch_in = in_seg ? dsm_segment_handle(in_seg) : 0;
	req->batch_in_len = in_seg ? (uint32) batch_len : 0;
	req->batch_out = 0;
	req->batch_out_len = 0;
	req->state = SMPC_REQ_SUBMITTED;
	ws.slot = i;
	ws.serial = req->serial;
	worker_latch = smpc_shared->worker_latch;
	LWLockRelease(smpc_shared->lock);
	SetLatch(worker_latch);

	/* The worker enforces smpc.timeout; this is only a safety net. */
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
										   smpc_timeout_ms + 10000);

	PG_ENSURE_ERROR_CLEANUP(abandon_slot, PointerGetDatum(&ws));
	{
		for (;;)
		{
			long		remaining;

			LWLockAcquire(smpc_shared->lock, LW_SHARED);
			done = (req->serial == ws.serial && req->state == SMPC_REQ_DONE);
			LWLockRelease(smpc_shared->lock);
			if (done)
			{
				/* DONE: the result is ours alone until we free the slot */
				done_errcode = req->sqlerrcode;
				strlcpy(emsg, req->errmsg, emsgsize);
				strlcpy(edetail, req->errdetail, edetailsize);
				strlcpy(ehint, req->errhint, ehintsize);
				*result_scale = req->result_scale;
				memcpy(result, req->result, sizeof(int128) * SMPC_MAX_VALUES);
				if (result_null)
					memcpy(result_null, req->result_null, sizeof(bool) * SMPC_MAX_VALUES);
				done_withheld = req->result_withheld;
				if (batch_out && req->batch_out != 0 && done_errcode == 0)
				{
					/* the worker keeps its segment until the slot is free */
					dsm_segment *out_seg = dsm_attach(req->batch_out);

					if (out_seg == NULL)
						elog(ERROR, "could not attach to the result of an smpc GROUP BY computation");
					appendBinaryStringInfo(batch_out, dsm_segment_address(out_seg),
										   req->batch_out_len);
					dsm_detach(out_seg);
				}
				LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
				req->state = SMPC_REQ_FREE;
				LWLockRelease(smpc_shared->lock);
				break;
			}

			remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
			if (remaining <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("smpc background worker did not answer in time"),
						 errhint("Check the server log for the worker's errors.")));
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 Min(remaining, 1000), PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_END_ENSURE_ERROR_CLEANUP(abandon_slot, PointerGetDatum(&ws));
	if (in_seg)
		dsm_detach(in_seg);

	*sqlerrcode = done_errcode;
	*withheld = done_withheld;
}

/* ---------- a backend running smpc.deliver() ---------- */

/* Copy into the inbox ring at logical position pos, wrapping at its end. */
static void
ring_put(uint64 pos, const char *src, size_t len)
{
	size_t		off = pos % SMPC_INBOX_BYTES;
	size_t		first = Min(len, SMPC_INBOX_BYTES - off);

	memcpy(smpc_shared->inbox + off, src, first);
	memcpy(smpc_shared->inbox, src + first, len - first);
}

/*
 * Append a message that passed smpc.deliver()'s cheap checks to the inbox
 * and wake the worker.  Refused with an error when no worker runs, the
 * node has no key, the message is for another key or (except a PING) for
 * an earlier run of the worker, or the inbox is full.
 */
void
shmem_inbox_put(const SmpcHeader *h, const uint8 *data, size_t len)
{
	Latch	   *latch;
	uint64		used;
	uint32		len32 = (uint32) len;
	uint64		pos;

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (smpc_shared->worker_pid == 0)
	{
		LWLockRelease(smpc_shared->lock);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("smpc background worker is not running on this node"),
				 errdetail("No worker is there to take the message; the sender keeps it and tries again."),
				 errhint("See this node's server log; the worker is started again by itself.")));
	}
	if (!smpc_shared->node_key_valid)
	{
		LWLockRelease(smpc_shared->lock);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("smpc node is not initialised"),
				 errdetail("This node has no key pair yet, so it cannot take messages."),
				 errhint("Run SELECT smpc.init_node('name') in database \"%s\".", smpc_database)));
	}
	if (memcmp(h->recipient, smpc_shared->node_public_key, SMPC_KEY_BYTES) != 0)
	{
		LWLockRelease(smpc_shared->lock);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("smpc message is addressed to a different node key"),
				 errdetail("The sender has configured a public key for this node that is not its current key.")));
	}
	if (h->type != SMPC_MSG_PING && h->recipient_epoch != smpc_shared->worker_epoch)
	{
		LWLockRelease(smpc_shared->lock);
		ereport(ERROR,
				(errcode(SMPC_ERRCODE_STALE_EPOCH),
				 errmsg("smpc message is for an earlier run of this node's background worker"),
				 errdetail("The worker has restarted since the message was sealed, or the message is a replay. The sender learns the new run with a PING and seals its messages again.")));
	}
	used = smpc_shared->inbox_head - smpc_shared->inbox_tail;
	if (used + sizeof(uint32) + len > SMPC_INBOX_BYTES)
	{
		LWLockRelease(smpc_shared->lock);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("smpc inbox is full"),
				 errhint("The background worker is not keeping up; the sender will retry.")));
	}
	pos = smpc_shared->inbox_head;
	ring_put(pos, (const char *) &len32, sizeof(uint32));
	ring_put(pos + sizeof(uint32), (const char *) data, len);
	smpc_shared->inbox_head = pos + sizeof(uint32) + len;
	latch = smpc_shared->worker_latch;
	LWLockRelease(smpc_shared->lock);

	if (latch)
		SetLatch(latch);
}

/* ---------- a backend running smpc.peer_status() ---------- */

/*
 * The peers' status as the worker last published it: a palloc'd array of
 * *n entries.  Allocated before the (shared) lock is taken.
 */
SmpcPeerStatus *
shmem_read_status(int *n)
{
	SmpcPeerStatus *copy = palloc(sizeof(SmpcPeerStatus) * SMPC_MAX_PEERS);

	LWLockAcquire(smpc_shared->lock, LW_SHARED);
	*n = Min(smpc_shared->npeers, SMPC_MAX_PEERS);
	memcpy(copy, smpc_shared->peers, sizeof(SmpcPeerStatus) * *n);
	LWLockRelease(smpc_shared->lock);
	return copy;
}

/* ---------- the background worker ---------- */

/*
 * A new worker takes over the shared state: fail whatever a previous
 * worker left running, free what was abandoned, and empty the inbox
 * (what is in it was sealed for an earlier epoch).
 */
void
shmem_worker_attach(uint64 epoch)
{
	int			i;
	Latch	   *latches[SMPC_MAX_REQUESTS];
	int			nlatches = 0;

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	smpc_shared->worker_pid = MyProcPid;
	smpc_shared->worker_latch = MyLatch;
	smpc_shared->worker_epoch = epoch;
	smpc_shared->node_key_valid = false;
	smpc_shared->npeers = 0;
	smpc_shared->inbox_tail = smpc_shared->inbox_head;
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		SmpcRequest *req = &smpc_shared->requests[i];

		if (req->state == SMPC_REQ_RUNNING)
		{
			sodium_memzero(req->values, sizeof(req->values));
			req->sqlerrcode = ERRCODE_CONNECTION_FAILURE;
			strlcpy(req->errmsg, "the smpc background worker restarted during the computation",
					sizeof(req->errmsg));
			req->errdetail[0] = '\0';
			req->errhint[0] = '\0';
			req->state = SMPC_REQ_DONE;
			latches[nlatches++] = req->backend_latch;
		}
		else if (req->state == SMPC_REQ_ABANDONED)
			req->state = SMPC_REQ_FREE;
	}
	LWLockRelease(smpc_shared->lock);
	for (i = 0; i < nlatches; i++)
		SetLatch(latches[i]);
}

/* The worker is exiting: no backend or peer may count on it any more. */
void
shmem_worker_detach(void)
{
	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (smpc_shared->worker_pid == MyProcPid)
	{
		smpc_shared->worker_pid = 0;
		smpc_shared->worker_latch = NULL;
		smpc_shared->worker_epoch = 0;
		smpc_shared->node_key_valid = false;
	}
	LWLockRelease(smpc_shared->lock);
}

/*
 * Hand every message waiting in the inbox to handle(), oldest first.
 * The records are copied out without the lock (see the top of the file).
 */
void
shmem_drain_inbox(void (*handle) (const uint8 *msg, size_t len))
{
	char	   *buf;
	uint64		tail,
				head,
				n;
	size_t		off = 0;

	LWLockAcquire(smpc_shared->lock, LW_SHARED);
	tail = smpc_shared->inbox_tail;
	head = smpc_shared->inbox_head;
	LWLockRelease(smpc_shared->lock);

	n = head - tail;
	if (n == 0)
		return;
	buf = palloc(n + 1);
	{
		size_t		off = tail % SMPC_INBOX_BYTES;
		size_t		first = Min(n, SMPC_INBOX_BYTES - off);

		memcpy(buf, smpc_shared->inbox + off, first);
		memcpy(buf + first, smpc_shared->inbox, n - first);
	}
	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	smpc_shared->inbox_tail = head;
	LWLockRelease(smpc_shared->lock);

	while (off + sizeof(uint32) <= n)
	{
		uint32		len;

		memcpy(&len, buf + off, sizeof(uint32));
		off += sizeof(uint32);
		if (len > n - off)
			break;
		handle((uint8 *) buf + off, len);
		off += len;
	}
	pfree(buf);
}

/* One look at the state of every request slot. */
void
shmem_request_states(SmpcReqState *states)
{
	int			i;

	LWLockAcquire(smpc_shared->lock, LW_SHARED);
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		states[i] = smpc_shared->requests[i].state;
	LWLockRelease(smpc_shared->lock);
}

/*
 * Take a submitted request: SUBMITTED -> RUNNING.  Its values go to
 * values (room for SMPC_MAX_VALUES) and are wiped from the slot, for this
 * node's subtotals stay only in the computation.  False if the backend
 * gave up before we got to it.
 */
bool
shmem_take_request(int slot, SmpcTakenRequest *t, int128 *values)
{
	SmpcRequest *req = &smpc_shared->requests[slot];

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (req->state != SMPC_REQ_SUBMITTED)
	{
		LWLockRelease(smpc_shared->lock);
		return false;
	}
	req->state = SMPC_REQ_RUNNING;
	LWLockRelease(smpc_shared->lock);

	/* RUNNING: the inputs are ours alone (see the top of the file) */
	t->serial = req->serial;
	t->kind = req->kind;
	t->vclass = req->vclass;
	strlcpy(t->group, req->group, sizeof(t->group));
	strlcpy(t->label, req->label, sizeof(t->label));
	t->scale = req->scale;
	t->nvalues = Min(req->nvalues, SMPC_MAX_VALUES);
	memcpy(values, req->values, sizeof(int128) * t->nvalues);
	t->rows = req->rows;
	sodium_memzero(req->values, sizeof(req->values));
	req->rows = 0;
	memcpy(t->desc, req->desc, SMPC_HASH_BYTES);
	t->timeout_ms = req->timeout_ms;
	t->batch = NULL;
	t->batch_len = 0;
	if (req->batch_in != 0)
	{
		/*
		 * The backend keeps its segment while it waits; when it is gone
		 * the backend has given up, and the computation fails at once.
		 */
		dsm_segment *seg = dsm_attach(req->batch_in);

		if (seg != NULL && dsm_segment_map_length(seg) >= req->batch_in_len)
		{
			t->batch = palloc(Max(req->batch_in_len, 1));
			memcpy(t->batch, dsm_segment_address(seg), req->batch_in_len);
			t->batch_len = req->batch_in_len;
			sodium_memzero(dsm_segment_address(seg), req->batch_in_len);
		}
		if (seg != NULL)
			dsm_detach(seg);
	}
	return true;
}

/* A slot abandoned with no computation running for it: ABANDONED -> FREE. */
void
shmem_free_abandoned(int slot)
{
	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (smpc_shared->requests[slot].state == SMPC_REQ_ABANDONED)
		smpc_shared->requests[slot].state = SMPC_REQ_FREE;
	LWLockRelease(smpc_shared->lock);
}

/*
 * Copy text (perhaps quoting a peer) into a fixed buffer, cut at a
 * character boundary so that what the backend reports stays valid text.
 */
static void
copy_text(char *dst, size_t dstsize, const char *src)
{
	int			len;

	if (src == NULL)
		src = "";
	len = pg_mbcliplen(src, strlen(src), dstsize - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Post a result or an error into the backend's request slot, request
 * serial: RUNNING -> DONE, and the backend woken; a slot the backend has
 * abandoned is freed instead.  Nothing happens if the slot was already
 * posted to.  The result is written without the lock, while the slot is
 * still RUNNING or ABANDONED and so the worker's alone.
 */
/* The worker's result segments of GROUP BY computations, by slot. */
static dsm_segment *out_segs[SMPC_MAX_REQUESTS];
static uint64 out_serials[SMPC_MAX_REQUESTS];

/*
 * Detach the result segments whose backend has taken the result (or gone):
 * the slot is no longer DONE with the same serial.  The worker calls this
 * on every turn of its loop.
 */
void
shmem_release_outputs(void)
{
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		SmpcRequest *req = &smpc_shared->requests[i];
		bool		keep;

		if (out_segs[i] == NULL)
			continue;
		LWLockAcquire(smpc_shared->lock, LW_SHARED);
		keep = req->serial == out_serials[i] && req->state == SMPC_REQ_DONE;
		LWLockRelease(smpc_shared->lock);
		if (!keep)
		{
			dsm_detach(out_segs[i]);
			out_segs[i] = NULL;
		}
	}
}

void
shmem_post_result(int slot, uint64 serial, int sqlerrcode,
				  const char *msg, const char *detail, const char *hint,
				  const int128 *result, const bool *result_null,
				  int nresult, int32 scale, bool withheld,
				  const uint8 *batch_out, size_t batch_out_len)
{
	SmpcRequest *req = &smpc_shared->requests[slot];
	Latch	   *latch = NULL;
	bool		ours;
	SmpcReqState state;

	LWLockAcquire(smpc_shared->lock, LW_SHARED);
	state = req->state;
	ours = (req->serial == serial &&
			(state == SMPC_REQ_RUNNING || state == SMPC_REQ_ABANDONED));
	LWLockRelease(smpc_shared->lock);
	if (!ours)
		return;

	if (state == SMPC_REQ_RUNNING)
	{
		req->sqlerrcode = sqlerrcode;
		copy_text(req->errmsg, sizeof(req->errmsg), msg);
		copy_text(req->errdetail, sizeof(req->errdetail), detail);
		copy_text(req->errhint, sizeof(req->errhint), hint);
		if (result)
			memcpy(req->result, result, sizeof(int128) * nresult);
		memset(req->result_null, 0, sizeof(req->result_null));
		if (result_null)
			memcpy(req->result_null, result_null, sizeof(bool) * nresult);
		req->result_scale = scale;
		req->result_withheld = withheld;
		req->batch_out = 0;
		req->batch_out_len = 0;
		if (out_segs[slot] != NULL)
		{
			dsm_detach(out_segs[slot]);
			out_segs[slot] = NULL;
		}
		if (batch_out && sqlerrcode == 0)
		{
			/* kept attached until the backend has freed the slot */
			dsm_segment *seg = dsm_create(Max(batch_out_len, 1), DSM_CREATE_NULL_IF_MAXSEGMENTS);

			if (seg == NULL)
			{
				req->sqlerrcode = ERRCODE_OUT_OF_MEMORY;
				copy_text(req->errmsg, sizeof(req->errmsg),
						  "could not hand the result of an smpc GROUP BY computation to the backend");
				copy_text(req->errdetail, sizeof(req->errdetail),
						  "No dynamic shared memory segment was available.");
			}
			else
			{
				memcpy(dsm_segment_address(seg), batch_out, batch_out_len);
				req->batch_out = dsm_segment_handle(seg);
				req->batch_out_len = (uint32) batch_out_len;
				out_segs[slot] = seg;
				out_serials[slot] = serial;
			}
		}
	}

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (req->state == SMPC_REQ_RUNNING)
	{
		req->state = SMPC_REQ_DONE;
		latch = req->backend_latch;
	}
	else if (req->state == SMPC_REQ_ABANDONED)
		req->state = SMPC_REQ_FREE;
	LWLockRelease(smpc_shared->lock);
	if (latch)
		SetLatch(latch);
}

/*
 * Publish the node key and the peers' status for smpc.peer_status: one
 * SmpcPeerStatus per configured peer, built by the caller without the lock.
 */
void
shmem_publish_status(bool node_key_valid, const uint8 *node_public_key,
					 const SmpcPeerStatus *peers, int npeers)
{
	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	smpc_shared->node_key_valid = node_key_valid;
	memcpy(smpc_shared->node_public_key, node_public_key, SMPC_KEY_BYTES);
	smpc_shared->npeers = npeers;
	memcpy(smpc_shared->peers, peers, sizeof(SmpcPeerStatus) * npeers);
	LWLockRelease(smpc_shared->lock);
}
