/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The smpc background worker: signals, memory contexts and the wait on
 *	  the latch and the peers' sockets.  Each turn of its loop feeds what
 *	  arrived (requests from backends, messages from peers, the time) to
 *	  the computation protocol and then carries out the protocol's effects.
 *	  The rest of the worker lives in modules of their own, which this file
 *	  uses and which never call back into it:
 *	   protocol.c	 every running computation, as a state machine free of I/O
 *	   config.c		 the configuration tables, node key, peers and groups
 *	   session.c	 sealing and opening messages, epochs, replay checks, ping
 *	   transport.c	 the connections to the peers
 *	   shmem.c		 the request slots and the inbox (both sides)
 *	   history.c	 smpc.history_log
 *
 * Nothing in this process waits on anything but its latch and its
 * sockets, with a deadline; a message from a peer can never raise an
 * error: a bad one is logged as a warning and dropped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "codec.h"
#include "config.h"
#include "history.h"
#include "protocol.h"
#include "session.h"
#include "shmem.h"
#include "worker_int.h"

static SmpcProtocol *protocol;
/* the protocol's long-lived state, its computations and its effects */
static MemoryContext protocol_context;

/* ---------- shared memory ---------- */

/* Publish the peers' status for smpc.peer_status, when it has changed. */
static void
publish_status(void)
{
	SmpcPeerStatus *st;
	int			i;

	if (!status_dirty)
		return;
	status_dirty = false;
	st = palloc0(sizeof(SmpcPeerStatus) * Max(npeers, 1));
	for (i = 0; i < npeers; i++)
	{
		SmpcPeerStatus *s = &st[i];
		Peer	   *p = &peers[i];

		memcpy(s->public_key, p->public_key, SMPC_KEY_BYTES);
		s->connected = (p->cstate == PEER_IDLE || p->cstate == PEER_BUSY);
		s->key_verified = p->key_verified;
		s->rtt_ms = p->rtt_ms;
		s->last_contact = p->last_contact;
		strlcpy(s->last_error, p->last_error, sizeof(s->last_error));
		s->error_hidden = p->error_hidden;
	}
	shmem_publish_status(have_node_key, node_public_key, st, npeers);
	pfree(st);
}

/* ---------- the protocol and its effects ---------- */

/* What the protocol quotes of a peer's connection error. */
static const char *
peer_error(void *arg, const uint8 *public_key, bool *hidden)
{
	Peer	   *p = find_peer(public_key);

	if (p == NULL)
		return NULL;
	*hidden = p->error_hidden;
	return p->last_error;
}

/* The protocol, in its own context, which lives as long as the worker. */
static void
create_protocol(void)
{
	SmpcProtoEnv env = {peer_error, NULL};
	MemoryContext old;

	protocol_context = AllocSetContextCreate(smpc_worker_context, "smpc protocol",
											 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(protocol_context);
	protocol = smpc_protocol_create(&env);
	MemoryContextSwitchTo(old);
}

/* Read the configuration tables again and hand the groups to the protocol. */
static void
reload(void)
{
	MemoryContext old;

	reload_config();
	old = MemoryContextSwitchTo(protocol_context);
	smpc_protocol_configure(protocol, have_node_key, groups, ngroups);
	MemoryContextSwitchTo(old);
}

/* smpc.fault_injection, in test builds, for the protocol too */
static void
fault_changed(void)
{
	smpc_fault_log_change();
#ifdef SMPC_FAULT_INJECTION
	smpc_protocol_set_fault(protocol, smpc_fault_injection);
#endif
}

static void
log_effect(const SmpcEffect *e)
{
	int			elevel = e->level == SMPC_LOG_WARNING ? WARNING
		: e->level == SMPC_LOG_INFO ? LOG : DEBUG1;

	if (e->detail)
		ereport(elevel, (errmsg_internal("%s", e->msg), errdetail_internal("%s", e->detail)));
	else
		ereport(elevel, (errmsg_internal("%s", e->msg)));
}

/* Carry out every effect the protocol has queued, in order. */
static void
run_effects(void)
{
	SmpcEffect *e;
	int			i;

	while ((e = smpc_protocol_next_effect(protocol)) != NULL)
	{
		switch (e->type)
		{
			case SMPC_EFFECT_SEND:
				session_queue(find_peer(e->peer), e->msg_type,
							  e->has_comp_id ? e->comp_id : NULL, &e->payload, 0);
				break;
			case SMPC_EFFECT_RESULT:
				shmem_post_result(e->slot, e->serial, e->sqlerrcode, e->msg, e->detail, e->hint,
								  e->result, e->result_null, e->nresult, e->scale,
								  e->withheld, e->blob, e->bloblen);
				break;
			case SMPC_EFFECT_HISTORY:
				history_record(e->has_comp_id ? e->comp_id : NULL, e->group, e->kind,
							   e->label, e->members, e->nmembers, e->started, e->status,
							   e->error);
				break;
			case SMPC_EFFECT_LOG:
				log_effect(e);
				break;
			case SMPC_EFFECT_DROP:
				for (i = 0; i < npeers; i++)
					peer_drop_computation(&peers[i], e->comp_id);
				break;
		}
		smpc_protocol_free_effect(e);
	}
}

/* ---------- incoming messages ---------- */

/* Open one message from the inbox and hand it to the protocol. */
static void
handle_message(const uint8 *msg, size_t len)
{
	SmpcHeader	h;
	Peer	   *p;
	uint8	   *plain;
	size_t		plainlen;
	MemoryContext old;

	if (!session_open_message(msg, len, &h, &p, &plain, &plainlen))
		return;
	old = MemoryContextSwitchTo(protocol_context);
	smpc_protocol_receive(protocol, p->public_key, p->name, h.type, h.comp_id,
						  plain, plainlen, GetCurrentTimestamp());
	MemoryContextSwitchTo(old);
	/* it may hold shares or sums */
	sodium_memzero(plain, plainlen);
	pfree(plain);
	run_effects();
}

/* ---------- requests from backends ---------- */

/* A backend submitted a request: copy it out of its slot for the protocol. */
static void
start_request(int slot)
{
	SmpcTakenRequest t;
	SmpcProtoRequest req;
	int128	   *values = palloc0(sizeof(int128) * SMPC_MAX_VALUES);
	MemoryContext old;

	t.batch = NULL;
	if (shmem_take_request(slot, &t, values))
	{
		memset(&req, 0, sizeof(req));
		req.slot = slot;
		req.serial = t.serial;
		req.kind = t.kind;
		req.vclass = t.vclass;
		strlcpy(req.group, t.group, sizeof(req.group));
		strlcpy(req.label, t.label, sizeof(req.label));
		req.scale = t.scale;
		req.nvalues = t.nvalues;
		req.values = values;
		req.rows = t.rows;
		memcpy(req.desc, t.desc, SMPC_HASH_BYTES);
		req.timeout_ms = t.timeout_ms;
		req.batch = t.batch;
		req.batch_len = t.batch_len;
		old = MemoryContextSwitchTo(protocol_context);
		smpc_protocol_submit(protocol, &req, GetCurrentTimestamp());
		MemoryContextSwitchTo(old);
	}
	/* this node's subtotals stay only in the computation */
	sodium_memzero(values, sizeof(int128) * SMPC_MAX_VALUES);
	pfree(values);
	if (t.batch)
	{
		sodium_memzero(t.batch, t.batch_len);
		pfree(t.batch);
	}
	run_effects();
}

static void
scan_requests(void)
{
	SmpcReqState states[SMPC_MAX_REQUESTS];
	int			i;

	/* results of GROUP BY computations that their backends have taken */
	shmem_release_outputs();
	/* one look at every slot; what changes meanwhile is seen next turn */
	shmem_request_states(states);

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		if (states[i] == SMPC_REQ_SUBMITTED)
		{
			if (pg_atomic_read_u64(&smpc_shared->config_gen) != loaded_gen)
				reload();
			start_request(i);
		}
		else if (states[i] == SMPC_REQ_ABANDONED)
		{
			MemoryContext old = MemoryContextSwitchTo(protocol_context);
			bool		found = smpc_protocol_cancel(protocol, i, GetCurrentTimestamp());

			MemoryContextSwitchTo(old);
			if (found)
				run_effects();
			else
				shmem_free_abandoned(i);
		}
	}
}

static void
check_deadlines(TimestampTz now)
{
	MemoryContext old = MemoryContextSwitchTo(protocol_context);
	int			i;

	smpc_protocol_tick(protocol, now);
	MemoryContextSwitchTo(old);
	run_effects();
	for (i = 0; i < npeers; i++)
	{
		Peer	   *p = &peers[i];

		if ((p->cstate == PEER_IDLE || p->cstate == PEER_BUSY) && now >= p->next_ping &&
			have_node_key)
			session_send_ping(p, now);
	}
}

static long
next_timeout(TimestampTz now)
{
	long		t = 1000;
	TimestampTz deadline;
	int			i;

	if (smpc_protocol_next_deadline(protocol, &deadline))
		t = Min(t, Max(0, TimestampDifferenceMilliseconds(now, deadline)));
	for (i = 0; i < npeers; i++)
	{
		long		pt = peer_next_timeout(&peers[i], now);

		if (pt >= 0)
			t = Min(t, pt);
	}
	return t;
}

/* ---------- process lifecycle ---------- */

static void
worker_exit(int code, Datum arg)
{
	SmpcEffect *e;
	int			i;

	/* an error for every waiting backend; the computations are wiped */
	MemoryContextSwitchTo(protocol_context);
	smpc_protocol_shutdown(protocol);
	while ((e = smpc_protocol_next_effect(protocol)) != NULL)
	{
		if (e->type == SMPC_EFFECT_RESULT)
			shmem_post_result(e->slot, e->serial, e->sqlerrcode, e->msg, e->detail, e->hint,
							  e->result, e->result_null, e->nresult, e->scale,
							  e->withheld, NULL, 0);
		smpc_protocol_free_effect(e);
	}
	shmem_worker_detach();
	for (i = 0; i < npeers; i++)
		peer_close(&peers[i]);
	smpc_secret_free(&node_secret);
}

void
smpc_worker_main(Datum arg)
{
	MemoryContext loop_ctx;
	WaitEventSet *set = NULL;
	static uint32 peer_io[SMPC_MAX_PEERS];	/* socket events per peer */
	static uint64 sig_conn[SMPC_MAX_PEERS];
	static pgsocket sig_sock[SMPC_MAX_PEERS];
	static uint32 sig_events[SMPC_MAX_PEERS];
	int			nsig = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(smpc_database, NULL, 0);
	pgstat_report_appname("smpc worker");
	/* text from peers must be valid in this database's encoding */
	smpc_codec_set_encoding(GetDatabaseEncoding());

	smpc_worker_context = AllocSetContextCreate(TopMemoryContext, "smpc worker",
												ALLOCSET_DEFAULT_SIZES);
	loop_ctx = AllocSetContextCreate(smpc_worker_context, "smpc worker loop",
									 ALLOCSET_DEFAULT_SIZES);
	history_init(smpc_worker_context);
	create_protocol();
	memset(peers, 0, sizeof(peers));
	session_init();
	shmem_worker_attach(my_epoch);
	before_shmem_exit(worker_exit, (Datum) 0);
	ereport(LOG, (errmsg("smpc worker started in database \"%s\"", smpc_database)));
	fault_changed();

	for (;;)
	{
		WaitEvent	events[SMPC_MAX_PEERS + 2];
		int			nevents,
					i;
		bool		changed;
		TimestampTz now;

		MemoryContextSwitchTo(loop_ctx);
		MemoryContextReset(loop_ctx);

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			fault_changed();
		}
		/* a new configuration, or the extension still to be created */
		if (pg_atomic_read_u64(&smpc_shared->config_gen) != loaded_gen ||
			(!have_extension &&
			 GetCurrentTimestamp() >= TimestampTzPlusMilliseconds(config_read_at,
																  EXTENSION_POLL_MS)))
			reload();

		shmem_drain_inbox(handle_message);
		scan_requests();
		now = GetCurrentTimestamp();
		for (i = 0; i < npeers; i++)
		{
			PeerConnState before = peers[i].cstate;

			/* events of a connection that has been replaced meanwhile are stale */
			peer_step(&peers[i], now, sig_conn[i] == peers[i].conn_serial ? peer_io[i] : 0);
			peer_io[i] = 0;
			if (peers[i].cstate != before || peers[i].status_changed)
				status_dirty = true;
			peers[i].status_changed = false;
		}
		check_deadlines(now);
		publish_status();
		history_flush();

		/*
		 * Rebuild the wait set only when a connection, its socket or its
		 * events changed.  Connections are told apart by serial number, not
		 * address: a new PGconn may reuse a freed one's memory while its
		 * socket is a new one the old set never saw.
		 */
		changed = (set == NULL || nsig != npeers);
		for (i = 0; i < npeers && !changed; i++)
			changed = sig_conn[i] != peers[i].conn_serial ||
				sig_sock[i] != (peers[i].conn ? PQsocket(peers[i].conn) : PGINVALID_SOCKET) ||
				sig_events[i] != peer_wait_events(&peers[i]);
		if (changed)
		{
			if (set)
				FreeWaitEventSet(set);
			set = CreateWaitEventSet(smpc_worker_context, npeers + 2);
			AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
			AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
			for (i = 0; i < npeers; i++)
			{
				peer_add_events(&peers[i], set);
				sig_conn[i] = peers[i].conn_serial;
				sig_sock[i] = peers[i].conn ? PQsocket(peers[i].conn) : PGINVALID_SOCKET;
				sig_events[i] = peer_wait_events(&peers[i]);
			}
			nsig = npeers;
		}
		nevents = WaitEventSetWait(set, next_timeout(GetCurrentTimestamp()), events,
								   lengthof(events), PG_WAIT_EXTENSION);
		for (i = 0; i < nevents; i++)
		{
			if (events[i].events & WL_LATCH_SET)
				ResetLatch(MyLatch);
			else if (events[i].user_data)
			{
				int			idx = (Peer *) events[i].user_data - peers;

				if (idx >= 0 && idx < npeers)
					peer_io[idx] |= events[i].events;
			}
		}
	}
}
