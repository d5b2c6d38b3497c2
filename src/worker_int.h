/*-------------------------------------------------------------------------
 *
 * worker_int.h
 *	  State private to the background worker: group members and peers
 *	  (filled in by config.c), and the connection layer (transport.c) that
 *	  session.c seals messages for and the worker (worker.c) sends
 *	  through.  transport.c calls back up only through the PeerEvents that
 *	  session.c registers.  Only the worker process touches any of this.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_WORKER_INT_H
#define SMPC_WORKER_INT_H

#include "libpq-fe.h"
#include "nodes/pg_list.h"
#include "storage/latch.h"

#include "crypto.h"
#include "group.h"
#include "smpc.h"

typedef enum PeerConnState
{
	PEER_DOWN = 0,
	PEER_RESOLVING,				/* looking up the host names, no socket yet */
	PEER_CONNECTING,
	PEER_IDLE,
	PEER_BUSY
} PeerConnState;

struct PeerLookup;				/* transport.c */

/*
 * A message waiting in a peer's queue.  It is sealed only when it goes on
 * the wire, for the peer's epoch known then (codec.h), so that a message
 * queued before the peer's worker restarted is sealed again for the new
 * run.  The payload may hold shares: it is wiped when the message is freed.
 */
typedef struct OutMsg
{
	uint8		type;			/* SmpcMsgType */
	uint8		comp_id[SMPC_HASH_BYTES];
	uint64		fixed_epoch;	/* recipient epoch for a PONG, else 0 */
	int			len;
	uint8		payload[FLEXIBLE_ARRAY_MEMBER];
} OutMsg;

/* One distinct peer key this node is configured to talk to. */
typedef struct Peer
{
	uint8		public_key[SMPC_KEY_BYTES];
	char		name[SMPC_MAX_NAME];	/* first configured name, for logs */
	char	   *conninfo;		/* in the worker's long-lived context */
	bool		unrestricted;	/* a superuser gave conninfo (conninfo.c) */
	SmpcSecret	pairwise;		/* NULL bytes when no node key */

	struct PeerLookup *lookup;	/* when resolving */
	PGconn	   *conn;
	uint64		conn_serial;	/* distinct for every connection ever opened */
	uint64		reply_bytes;	/* read since our last request; bounded */
	PeerConnState cstate;
	PostgresPollingStatusType poll_want;
	bool		want_write;		/* output still buffered in libpq */
	bool		preparing;		/* the deliver statement is being prepared */
	bool		fd_acquired;
	TimestampTz next_attempt;
	TimestampTz connect_deadline;
	TimestampTz retry_at;		/* resend after a transient refusal */
	TimestampTz reply_deadline; /* when busy: give the connection up then */
	int			backoff_ms;
	List	   *queue;			/* of OutMsg *, oldest first */
	OutMsg	   *inflight;		/* the message being delivered, or NULL */
	uint64		inflight_epoch; /* the recipient epoch it was sealed for */

	/*
	 * Epochs (codec.h).  peer_epoch is the run of the peer's worker that our
	 * messages are sealed for; while it is 0 (unknown, as on every new
	 * connection) only PING and PONG go out and the rest of the queue
	 * waits.  epoch_in and last_seq_in are the newest sender epoch and the
	 * last sequence number of it that we accepted from the peer.
	 */
	uint64		peer_epoch;
	uint64		epoch_in;

	uint64		ping_id;
	TimestampTz ping_sent;
	TimestampTz next_ping;
	uint64		last_seq_in;
	bool		key_verified;
	double		rtt_ms;
	TimestampTz last_contact;
	char		last_error[256];
	bool		status_changed; /* last_error or key_verified changed */
	bool		error_hidden;	/* a connection error: coarse for non-superusers */
} Peer;

/* the worker's long-lived context (defined in transport.c, made by the worker) */
extern MemoryContext smpc_worker_context;

/* transport.c */
extern void peer_close(Peer *p);
extern void peer_enqueue(Peer *p, OutMsg *msg);
extern void peer_free_queue(Peer *p);
extern void peer_drop_computation(Peer *p, const uint8 *comp_id);
extern void peer_step(Peer *p, TimestampTz now, uint32 io);
extern uint32 peer_wait_events(Peer *p);
extern void peer_add_events(Peer *p, WaitEventSet *set);
extern long peer_next_timeout(Peer *p, TimestampTz now);
extern void peer_set_error(Peer *p, const char *fmt,...) pg_attribute_printf(2, 3);

/*
 * What transport.c asks of the session layer (session.c), which registers
 * itself with peer_set_events(): transport.c includes no header of the modules
 * above it.
 */
typedef struct PeerEvents
{
	/* seal a queued message for the peer; NULL if it cannot be */
	bytea	   *(*seal) (Peer *p, const OutMsg *m, uint64 *recipient_epoch);
	/* a connection has come up */
	void		(*connected) (Peer *p);
	/* the peer refused a message sealed for an epoch it has left */
	void		(*stale) (Peer *p, uint64 epoch);
} PeerEvents;

extern void peer_set_events(const PeerEvents *events);

#endif
