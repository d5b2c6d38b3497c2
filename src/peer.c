/*-------------------------------------------------------------------------
 *
 * peer.c
 *	  The background worker's connections to its peers: one non-blocking
 *	  libpq connection per peer key, driven as a small state machine
 *	  (down -> connecting -> idle <-> busy), with reconnection back-off and
 *	  a queue of sealed messages, each delivered by one call of
 *	  smpc.deliver() on the peer.  Nothing here ever blocks: the worker
 *	  waits on every socket at once and calls peer_step() for each peer on
 *	  every turn of its loop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "conninfo.h"
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

static uint64 conn_serial = 0;	/* last serial handed to a connection */

void
peer_set_error(Peer *p, const char *fmt,...)
{
	va_list		ap;
	char	   *nl;

	p->error_hidden = false;
	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
	/* keep libpq's multi-line messages on one line, without a final newline */
	for (nl = p->last_error; *nl; nl++)
		if (*nl == '\n' || *nl == '\t' || *nl == '\r')
			*nl = ' ';
	while (nl > p->last_error && nl[-1] == ' ')
		*--nl = '\0';
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
}

/*
 * A connection error of a peer whose connection string an administrator
 * who is not a superuser chose: its text (which names hosts, ports and
 * what answered there) is shown to superusers only, and logged in full
 * when it changes.
 */
static void
peer_hide_error(Peer *p, const char *previous)
{
	if (p->unrestricted)
		return;
	p->error_hidden = true;
	if (strcmp(previous, p->last_error) != 0)
		ereport(LOG,
				(errmsg("smpc: cannot connect to peer \"%s\": %s", p->name, p->last_error)));
}

/* The connection failed: close it and schedule the next attempt. */
static void
peer_fail(Peer *p, TimestampTz now)
{
	if (p->conn && PQerrorMessage(p->conn)[0])
	{
		char		previous[sizeof(p->last_error)];

		strlcpy(previous, p->last_error, sizeof(previous));
		peer_set_error(p, "%s", PQerrorMessage(p->conn));
		if (p->cstate == PEER_CONNECTING)
			peer_hide_error(p, previous);
	}
	peer_close(p);
	p->backoff_ms = p->backoff_ms ? Min(p->backoff_ms * 2, SMPC_BACKOFF_MAX_MS)
		: SMPC_BACKOFF_MIN_MS;
	p->next_attempt = TimestampTzPlusMilliseconds(now, p->backoff_ms);
}

void
peer_enqueue(Peer *p, bytea *msg)
{
	MemoryContext old = MemoryContextSwitchTo(smpc_worker_context);

	if (list_length(p->queue) >= SMPC_MAX_QUEUE)
	{
		ereport(WARNING,
				(errmsg("smpc: dropping the oldest message queued for peer \"%s\"", p->name),
				 errdetail("More than %d messages are waiting for the peer.", SMPC_MAX_QUEUE)));
		pfree(linitial(p->queue));
		p->queue = list_delete_first(p->queue);
	}
	p->queue = lappend(p->queue, msg);
	MemoryContextSwitchTo(old);
}

static void
peer_start_connect(Peer *p, TimestampTz now)
{
	const char **keys;
	const char **vals;
	char		why[256];

	/*
	 * The parameters come from the peer's connection string, checked again
	 * here for a peer no superuser added, with smpc's own settings around
	 * it (conninfo.c): keepalives, the password file, the application name.
	 */
	if (!smpc_conninfo_params(p->conninfo, p->unrestricted, &keys, &vals,
							  why, sizeof(why)))
	{
		if (strcmp(why, p->last_error) != 0)
			ereport(WARNING,
					(errmsg("smpc: not connecting to peer \"%s\": %s", p->name, why)));
		peer_set_error(p, "%s", why);
		peer_fail(p, now);
		return;
	}
	if (!AcquireExternalFD())
	{
		smpc_conninfo_params_free(keys, vals);
		peer_set_error(p, "too many open files to connect");
		peer_fail(p, now);
		return;
	}
	p->fd_acquired = true;
	p->conn_serial = ++conn_serial;
	p->conn = PQconnectStartParams(keys, vals, 0);
	smpc_conninfo_params_free(keys, vals);
	p->cstate = PEER_CONNECTING;
	if (p->conn == NULL || PQstatus(p->conn) == CONNECTION_BAD)
	{
		peer_fail(p, now);
		return;
	}
	p->cstate = PEER_CONNECTING;
	p->poll_want = PGRES_POLLING_WRITING;
	p->connect_deadline = TimestampTzPlusMilliseconds(now, SMPC_CONNECT_TIMEOUT_MS);
}

/* Send the oldest queued message, if the connection is free. */
static void
peer_send_next(Peer *p, TimestampTz now)
{
	bytea	   *msg;
	const char *values[1];
	int			lengths[1];
	int			formats[1] = {1};
	int			rc;

	if (p->cstate != PEER_IDLE || p->queue == NIL || now < p->retry_at)
		return;
	msg = (bytea *) linitial(p->queue);
	values[0] = VARDATA(msg);
	lengths[0] = VARSIZE(msg) - VARHDRSZ;
	if (!PQsendQueryPrepared(p->conn, "smpc_deliver", 1, values, lengths, formats, 0))
	{
		peer_fail(p, now);
		return;
	}
	p->cstate = PEER_BUSY;
	p->reply_deadline = TimestampTzPlusMilliseconds(now, SMPC_REPLY_TIMEOUT_MS);
	rc = PQflush(p->conn);
	if (rc < 0)
		peer_fail(p, now);
	else
		p->want_write = (rc == 1);
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

			if (state && strcmp(state, "53000") == 0)
			{
				/* inbox full at the peer: keep the message, retry shortly */
				p->retry_at = TimestampTzPlusMilliseconds(now, 50);
			}
			else
			{
				peer_set_error(p, "peer refused a message: %s", text ? text : "unknown error");
				if (state && strcmp(state, "28000") == 0)
					p->key_verified = false;
				ereport(WARNING,
						(errmsg("smpc: peer \"%s\" refused a message: %s", p->name,
								text ? text : "unknown error")));
				pfree(linitial(p->queue));
				p->queue = list_delete_first(p->queue);
			}
		}
		else if (p->queue != NIL)
		{
			pfree(linitial(p->queue));
			p->queue = list_delete_first(p->queue);
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
			/*
			 * Like dblink and postgres_fdw for non-superusers: a peer no
			 * superuser added must have authenticated with the password
			 * its connection string gave, not with the server's identity.
			 */
			if (!p->unrestricted && !PQconnectionUsedPassword(p->conn))
			{
				peer_close(p);
				peer_set_error(p, "the peer's server did not ask for the password; a peer added by an administrator who is not a superuser must authenticate with one");
				peer_fail(p, now);
				return;
			}
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
			worker_peer_connected(p);
		}
		else if (p->poll_want == PGRES_POLLING_FAILED)
		{
			peer_fail(p, now);
			return;
		}
		else if (now >= p->connect_deadline)
		{
			char		previous[sizeof(p->last_error)];

			strlcpy(previous, p->last_error, sizeof(previous));
			peer_set_error(p, "timed out connecting to the peer");
			peer_hide_error(p, previous);
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
	while (p->cstate == PEER_IDLE && p->queue != NIL && now >= p->retry_at)
	{
		peer_send_next(p, now);
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
	else if (p->cstate == PEER_IDLE && p->queue != NIL)
		when = p->retry_at;
	else if (p->cstate == PEER_BUSY)
		when = p->reply_deadline;
	if (when == 0)
		return -1;
	return Max(0, TimestampDifferenceMilliseconds(now, when));
}
