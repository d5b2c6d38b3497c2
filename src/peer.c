/*-------------------------------------------------------------------------
 *
 * peer.c
 *	  The background worker's connections to its peers: one non-blocking
 *	  libpq connection per peer key, driven as a small state machine
 *	  (down -> connecting -> idle <-> busy), with reconnection back-off and
 *	  a queue of messages, each sealed as it goes (worker_seal()) and
 *	  delivered by one call of smpc.deliver() on the peer.  While the
 *	  peer's epoch is unknown the queue waits, and only PING and PONG go.  Nothing here ever blocks: the worker
 *	  waits on every socket at once and calls peer_step() for each peer on
 *	  every turn of its loop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "codec.h"
#include "worker_int.h"

#define SMPC_CONNECT_TIMEOUT_MS 10000
#define SMPC_BACKOFF_MIN_MS 500
#define SMPC_BACKOFF_MAX_MS 30000
#define SMPC_MAX_QUEUE 1024

/*
 * A call of smpc.deliver() is answered in milliseconds.  A connection that
 * leaves one unanswered this long is taken for dead (a network path that
 * drops packets silently never reports an error): it is closed, and the
 * message, still at the head of the queue, goes again on a new one.
 */
#define SMPC_REPLY_TIMEOUT_MS 10000

/*
 * A peer whose worker is not running (or not initialised) refuses every
 * message for now; it keeps its messages and tries again this often.
 */
#define SMPC_NOT_READY_RETRY_MS 1000

static uint64 conn_serial = 0;	/* last serial handed to a connection */

void
peer_set_error(Peer *p, const char *fmt,...)
{
	va_list		ap;
	char	   *nl;

	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
	/* keep libpq's multi-line messages on one line, without a final newline */
	for (nl = p->last_error; *nl; nl++)
		if (*nl == '\n' || *nl == '\t' || *nl == '\r')
			*nl = ' ';
	while (nl > p->last_error && nl[-1] == ' ')
		*--nl = '\0';
	p->status_changed = true;
	{
		char	   *src = p->last_error,
				   *dst = p->last_error;

		for (; *src; src++)
			if (!(*src == ' ' && dst > p->last_error && dst[-1] == ' '))
				*dst++ = *src;
		*dst = '\0';
	}
}

void
peer_close(Peer *p)
{
	if (p->conn)
	{
		PQfinish(p->conn);
		p->conn = NULL;
	}
	if (p->fd_acquired)
	{
		ReleaseExternalFD();
		p->fd_acquired = false;
	}
	p->cstate = PEER_DOWN;
	p->want_write = false;
	p->inflight = NULL;			/* it stays queued, for the next connection */
}

static void
free_msg(OutMsg *m)
{
	explicit_bzero(m->payload, m->len);
	pfree(m);
}

/* Drop every queued message, wiping their payloads. */
void
peer_free_queue(Peer *p)
{
	ListCell   *lc;

	foreach(lc, p->queue)
		free_msg((OutMsg *) lfirst(lc));
	list_free(p->queue);
	p->queue = NIL;
	p->inflight = NULL;
}

static void
drop_msg(Peer *p, OutMsg *m)
{
	if (p->inflight == m)
		p->inflight = NULL;
	p->queue = list_delete_ptr(p->queue, m);
	free_msg(m);
}

/*
 * A computation failed here: its shares and sums still queued for this
 * peer are of no use to anyone, so they are wiped now rather than kept
 * until the peer can be reached.  (Its ABORT stays; so does whatever is
 * being delivered.)
 */
void
peer_drop_computation(Peer *p, const uint8 *comp_id)
{
	ListCell   *lc;

	foreach(lc, p->queue)
	{
		OutMsg	   *m = (OutMsg *) lfirst(lc);

		if (m == p->inflight || m->type == SMPC_MSG_ABORT || m->type == SMPC_MSG_READY ||
			m->type == SMPC_MSG_PING || m->type == SMPC_MSG_PONG ||
			memcmp(m->comp_id, comp_id, SMPC_HASH_BYTES) != 0)
			continue;
		p->queue = foreach_delete_current(p->queue, lc);
		free_msg(m);
	}
}

/*
 * The message to send next: the oldest one, or while the peer's epoch is
 * unknown the oldest PING or PONG (the only ones that need no epoch).
 */
static OutMsg *
peer_sendable(Peer *p)
{
	ListCell   *lc;

	foreach(lc, p->queue)
	{
		OutMsg	   *m = (OutMsg *) lfirst(lc);

		if (p->peer_epoch != 0 || m->type == SMPC_MSG_PING || m->fixed_epoch != 0)
			return m;
	}
	return NULL;
}

/* The connection failed: close it and schedule the next attempt. */
static void
peer_fail(Peer *p, TimestampTz now)
{
	if (p->conn && PQerrorMessage(p->conn)[0])
		peer_set_error(p, "%s", PQerrorMessage(p->conn));
	peer_close(p);
	p->backoff_ms = p->backoff_ms ? Min(p->backoff_ms * 2, SMPC_BACKOFF_MAX_MS)
		: SMPC_BACKOFF_MIN_MS;
	p->next_attempt = TimestampTzPlusMilliseconds(now, p->backoff_ms);
}

void
peer_enqueue(Peer *p, OutMsg *msg)
{
	MemoryContext old = MemoryContextSwitchTo(smpc_worker_context);

	if (list_length(p->queue) >= SMPC_MAX_QUEUE)
	{
		OutMsg	   *oldest = (OutMsg *) linitial(p->queue);

		/* the one in flight stays until its answer comes */
		if (oldest == p->inflight && list_length(p->queue) > 1)
			oldest = (OutMsg *) lsecond(p->queue);
		ereport(WARNING,
				(errmsg("smpc: dropping the oldest message queued for peer \"%s\"", p->name),
				 errdetail("More than %d messages are waiting for the peer.", SMPC_MAX_QUEUE)));
		drop_msg(p, oldest);
	}
	p->queue = lappend(p->queue, msg);
	MemoryContextSwitchTo(old);
}

static void
peer_start_connect(Peer *p, TimestampTz now)
{
	/*
	 * TCP keepalives notice a dead path while the connection is idle; the
	 * peer's conninfo, which comes after them, may override them.
	 */
	const char *keys[] = {"keepalives", "keepalives_idle", "keepalives_interval",
	"keepalives_count", "dbname", "application_name", NULL};
	const char *vals[] = {"1", "30", "10", "3", p->conninfo, "smpc worker", NULL};

	if (!AcquireExternalFD())
	{
		peer_set_error(p, "too many open files to connect");
		peer_fail(p, now);
		return;
	}
	p->fd_acquired = true;
	p->conn_serial = ++conn_serial;
	p->conn = PQconnectStartParams(keys, vals, 1);
	if (p->conn == NULL || PQstatus(p->conn) == CONNECTION_BAD)
	{
		peer_fail(p, now);
		return;
	}
	p->cstate = PEER_CONNECTING;
	p->poll_want = PGRES_POLLING_WRITING;
	p->connect_deadline = TimestampTzPlusMilliseconds(now, SMPC_CONNECT_TIMEOUT_MS);
}

/*
 * Seal and send the next message, if the connection is free.  Returns
 * false when there was nothing to send.
 */
static bool
peer_send_next(Peer *p, TimestampTz now)
{
	OutMsg	   *m;
	bytea	   *msg;
	const char *values[1];
	int			lengths[1];
	int			formats[1] = {1};
	int			rc;
	bool		sent;

	if (p->cstate != PEER_IDLE || now < p->retry_at || (m = peer_sendable(p)) == NULL)
		return false;
	msg = worker_seal(p, m, &p->inflight_epoch);
	if (msg == NULL)
	{
		drop_msg(p, m);			/* no key to seal it with */
		return true;
	}
	values[0] = VARDATA(msg);
	lengths[0] = VARSIZE(msg) - VARHDRSZ;
	sent = PQsendQueryPrepared(p->conn, "smpc_deliver", 1, values, lengths, formats, 0);
	pfree(msg);
	if (!sent)
	{
		peer_fail(p, now);
		return true;
	}
	p->inflight = m;
	p->cstate = PEER_BUSY;
	p->reply_deadline = TimestampTzPlusMilliseconds(now, SMPC_REPLY_TIMEOUT_MS);
	rc = PQflush(p->conn);
	if (rc < 0)
		peer_fail(p, now);
	else
		p->want_write = (rc == 1);
	return true;
}

/* Read whatever results have arrived for the message in flight. */
static void
peer_read_results(Peer *p, TimestampTz now)
{
	if (!PQconsumeInput(p->conn))
	{
		peer_fail(p, now);
		return;
	}
	while (p->cstate == PEER_BUSY && !PQisBusy(p->conn))
	{
		PGresult   *res = PQgetResult(p->conn);

		if (res == NULL)
		{
			/* the call is complete */
			p->cstate = PEER_IDLE;
			break;
		}
		if (p->preparing)
		{
			if (PQresultStatus(res) != PGRES_COMMAND_OK)
			{
				const char *text = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

				peer_set_error(p, "peer cannot take messages: %s", text ? text : "unknown error");
				PQclear(res);
				peer_fail(p, now);
				return;
			}
			p->preparing = false;
		}
		else if (PQresultStatus(res) == PGRES_FATAL_ERROR)
		{
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			const char *text = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
			int			code = state && strlen(state) == 5 ?
				MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]) : 0;
			OutMsg	   *m = p->inflight;

			p->inflight = NULL;
			if (m == NULL)
				;				/* dropped meanwhile */
			else if (code == ERRCODE_INSUFFICIENT_RESOURCES)
			{
				/* inbox full at the peer: keep the message, retry shortly */
				p->retry_at = TimestampTzPlusMilliseconds(now, 50);
			}
			else if (code == SMPC_ERRCODE_STALE_EPOCH && m->fixed_epoch == 0)
			{
				/* the peer's worker restarted: learn its epoch, then resend */
				worker_peer_stale(p, p->inflight_epoch);
			}
			else if (code == SMPC_ERRCODE_STALE_EPOCH)
				drop_msg(p, m);	/* a PONG for a run that has ended */
			else if (code == ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE)
			{
				/* its worker is not running or not initialised: wait */
				peer_set_error(p, "peer cannot take messages yet: %s",
							   text ? text : "unknown error");
				p->retry_at = TimestampTzPlusMilliseconds(now, SMPC_NOT_READY_RETRY_MS);
			}
			else
			{
				peer_set_error(p, "peer refused a message: %s", text ? text : "unknown error");
				if (code == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION)
					p->key_verified = false;
				ereport(WARNING,
						(errmsg("smpc: peer \"%s\" refused a message: %s", p->name,
								text ? text : "unknown error")));
				drop_msg(p, m);
			}
		}
		else if (p->inflight != NULL)
		{
			/* delivered */
			drop_msg(p, p->inflight);
			if (p->last_error[0] != '\0')
			{
				p->last_error[0] = '\0';
				p->status_changed = true;
			}
		}
		PQclear(res);
	}
}

/* Advance this peer's connection as far as it goes without blocking. */
void
peer_step(Peer *p, TimestampTz now, bool io)
{
	if (p->conninfo == NULL)
		return;

	if (p->cstate == PEER_DOWN)
	{
		if (now < p->next_attempt)
			return;
		peer_start_connect(p, now);
	}

	if (p->cstate == PEER_CONNECTING)
	{
		if (!io && now < p->connect_deadline && p->poll_want != PGRES_POLLING_WRITING)
			return;
		p->poll_want = PQconnectPoll(p->conn);
		if (p->poll_want == PGRES_POLLING_OK)
		{
			if (PQsetnonblocking(p->conn, 1) != 0)
			{
				peer_fail(p, now);
				return;
			}
			{
				Oid			types[1] = {BYTEAOID};

				/* prepare the one statement we send, then report the peer up */
				if (!PQsendPrepare(p->conn, "smpc_deliver", "SELECT smpc.deliver($1)",
								   1, types))
				{
					peer_fail(p, now);
					return;
				}
			}
			p->cstate = PEER_BUSY;
			p->reply_deadline = TimestampTzPlusMilliseconds(now, SMPC_REPLY_TIMEOUT_MS);
			p->preparing = true;
			p->want_write = (PQflush(p->conn) == 1);
			p->backoff_ms = 0;
			p->last_error[0] = '\0';
			p->status_changed = true;
			worker_peer_connected(p);
		}
		else if (p->poll_want == PGRES_POLLING_FAILED)
		{
			peer_fail(p, now);
			return;
		}
		else if (now >= p->connect_deadline)
		{
			peer_set_error(p, "timed out connecting to the peer");
			peer_fail(p, now);
			return;
		}
		else
			return;
	}

	if (p->cstate == PEER_BUSY)
	{
		if (p->want_write)
		{
			int			rc = PQflush(p->conn);

			if (rc < 0)
			{
				peer_fail(p, now);
				return;
			}
			p->want_write = (rc == 1);
		}
		if (io)
			peer_read_results(p, now);
		if (p->cstate == PEER_DOWN)
			return;
		if (p->cstate == PEER_BUSY && now >= p->reply_deadline)
		{
			peer_set_error(p, "no answer from the peer for %d s; reconnecting",
						   SMPC_REPLY_TIMEOUT_MS / 1000);
			peer_fail(p, now);
			return;
		}
	}
	else if (p->cstate == PEER_IDLE && io)
	{
		/* notice a connection the peer closed */
		if (!PQconsumeInput(p->conn) || PQstatus(p->conn) == CONNECTION_BAD)
		{
			peer_fail(p, now);
			return;
		}
	}

	/* keep the connection busy while there is something to send */
	while (p->cstate == PEER_IDLE && peer_send_next(p, now))
	{
		if (p->cstate == PEER_BUSY)
			break;
	}
}

/* The socket events this peer waits for; 0 when it has no socket. */
uint32
peer_wait_events(Peer *p)
{
	if (p->conn == NULL || p->cstate == PEER_DOWN ||
		PQsocket(p->conn) == PGINVALID_SOCKET)
		return 0;
	if (p->cstate == PEER_CONNECTING)
		return (p->poll_want == PGRES_POLLING_READING) ? WL_SOCKET_READABLE
			: WL_SOCKET_WRITEABLE;
	return WL_SOCKET_READABLE | (p->want_write ? WL_SOCKET_WRITEABLE : 0);
}

void
peer_add_events(Peer *p, WaitEventSet *set)
{
	uint32		events = peer_wait_events(p);

	if (events)
		AddWaitEventToSet(set, events, PQsocket(p->conn), NULL, p);
}

/* Milliseconds until this peer needs attention without socket activity. */
long
peer_next_timeout(Peer *p, TimestampTz now)
{
	TimestampTz when = 0;

	if (p->conninfo == NULL)
		return -1;
	if (p->cstate == PEER_DOWN)
		when = p->next_attempt;
	else if (p->cstate == PEER_CONNECTING)
		when = p->connect_deadline;
	else if (p->cstate == PEER_IDLE && peer_sendable(p) != NULL)
		when = p->retry_at;
	else if (p->cstate == PEER_BUSY)
		when = p->reply_deadline;
	if (when == 0)
		return -1;
	return Max(0, TimestampDifferenceMilliseconds(now, when));
}
