/*-------------------------------------------------------------------------
 *
 * worker_int.h
 *	  State private to the background worker: the peers it talks to and
 *	  the connection layer (peer.c) the protocol (worker.c) sends through.
 *	  Only the worker process touches any of this.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_WORKER_INT_H
#define SMPC_WORKER_INT_H

#include "libpq-fe.h"
#include "nodes/pg_list.h"
#include "storage/latch.h"

#include "crypto.h"
#include "smpc.h"

typedef enum PeerConnState
{
	PEER_DOWN = 0,
	PEER_CONNECTING,
	PEER_IDLE,
	PEER_BUSY
} PeerConnState;

/* One distinct peer key this node is configured to talk to. */
typedef struct Peer
{
	uint8		public_key[SMPC_KEY_BYTES];
	char		name[SMPC_MAX_NAME];	/* first configured name, for logs */
	char	   *conninfo;		/* in the worker's long-lived context */
	bool		unrestricted;	/* a superuser gave conninfo (conninfo.c) */
	SmpcSecret	pairwise;		/* NULL bytes when no node key */

	PGconn	   *conn;
	uint64		conn_serial;	/* distinct for every connection ever opened */
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
	List	   *queue;			/* of bytea *, oldest first */

	uint64		ping_id;
	TimestampTz ping_sent;
	TimestampTz next_ping;
	uint64		last_seq_in;
	bool		key_verified;
	double		rtt_ms;
	TimestampTz last_contact;
	char		last_error[256];
	bool		error_hidden;	/* a connection error: coarse for non-superusers */
} Peer;

extern MemoryContext smpc_worker_context;

/* peer.c */
extern void peer_close(Peer *p);
extern void peer_enqueue(Peer *p, bytea *msg);
extern void peer_step(Peer *p, TimestampTz now, bool io);
extern uint32 peer_wait_events(Peer *p);
extern void peer_add_events(Peer *p, WaitEventSet *set);
extern long peer_next_timeout(Peer *p, TimestampTz now);
extern void peer_set_error(Peer *p, const char *fmt,...) pg_attribute_printf(2, 3);

/* worker.c: called by peer.c when a connection comes up */
extern void worker_peer_connected(Peer *p);

#endif
