/*-------------------------------------------------------------------------
 *
 * transport.c
 *	  The background worker's connections to its peers: one non-blocking
 *	  libpq connection per peer key, driven as a small state machine
 *	  (down -> connecting -> idle <-> busy), with reconnection back-off and
 *	  a queue of messages, each sealed as it goes (PeerEvents.seal) and
 *	  delivered by one call of smpc.deliver() on the peer.  While the
 *	  peer's epoch is unknown the queue waits, and only PING and PONG go.  Nothing here ever blocks: the worker
 *	  waits on every socket at once and calls peer_step() for each peer on
 *	  every turn of its loop.
 *
 *	  What a peer could use to stall or bloat the worker is bounded:
 *	  host names are resolved asynchronously (down -> resolving ->
 *	  connecting) and libpq is handed the addresses, so that it never
 *	  resolves a name itself; PQconnectPoll runs only once the socket is
 *	  ready for what it asked for, with a deadline; notices are dropped; and
 *	  a connection that has sent more than SMPC_MAX_REPLY_BYTES since our
 *	  last request is closed.  A failed send or read closes the connection
 *	  and leaves the message at the head of the queue, for the next one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <netdb.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "codec.h"
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

/*
 * The most a peer may send on one connection between two of our requests
 * (or during the handshake).  A reply to smpc.deliver() takes well under a
 * kilobyte; past this the connection is closed before libpq buffers more.
 */
#define SMPC_MAX_REPLY_BYTES (64 * 1024)

/*
 * A peer whose worker is not running (or not initialised) refuses every
 * message for now; it keeps its messages and tries again this often.
 */
#define SMPC_NOT_READY_RETRY_MS 1000

/*
 * The worker's long-lived memory context, made by smpc_worker_main() and
 * used by every worker module; defined here, at the bottom of them.
 */
MemoryContext smpc_worker_context = NULL;

/* the session layer above us (session.c); set before any peer is stepped */
static const PeerEvents *peer_events = NULL;

/* host names in one connection string, addresses used per name */
#define SMPC_MAX_HOSTS			8
#define SMPC_MAX_HOST_ADDRS		8
/* how often a pending host-name lookup is looked at */
#define SMPC_LOOKUP_POLL_MS		10

/*
 * An asynchronous lookup of the host names of one connection string.
 *
 * libpq resolves host names synchronously inside PQconnectStart and
 * PQconnectPoll, which could hold the whole worker for as long as a DNS
 * server takes to answer.  We resolve them ourselves with glibc's
 * getaddrinfo_a(GAI_NOWAIT) and hand libpq host=<name> hostaddr=<address>,
 * so that it connects to the address and still checks the server
 * certificate against the name.  getaddrinfo_a runs getaddrinfo in helper
 * threads that block every signal and touch nothing of PostgreSQL's; a
 * resolver child process would instead be a process the postmaster does
 * not know of, to be reaped and accounted for.  The lookup is polled every
 * SMPC_LOOKUP_POLL_MS while it is pending.
 *
 * Everything here is malloc'd, not palloc'd: a lookup that cannot be
 * cancelled must outlive its peer and any memory context until glibc is
 * done with it (see abandoned_lookups).
 */
typedef struct PeerLookup
{
	int			nhosts;
	char	   *hosts[SMPC_MAX_HOSTS];
	bool		resolve[SMPC_MAX_HOSTS];	/* false: a socket directory */
	struct gaicb reqs[SMPC_MAX_HOSTS];
	struct addrinfo hints;
	char	   *port;			/* the connection string's port list, or NULL */
	struct PeerLookup *next;	/* in abandoned_lookups */
} PeerLookup;

static PeerLookup *abandoned_lookups = NULL;

static uint64 conn_serial = 0;	/* last serial handed to a connection */
static uint64 notices_dropped = 0;	/* notices peers sent us, unread */

/* Tell the connection layer whom to call back (session.c). */
void
peer_set_events(const PeerEvents *events)
{
	peer_events = events;
}

/*
 * Set last_error.  It often quotes the peer (its error messages, which
 * reach smpc.peer_status, computation errors and smpc.history_log), so it
 * is kept to one line of valid, printable text.
 */
void
peer_set_error(Peer *p, const char *fmt,...)
{
	va_list		ap;
	char	   *nl;
	char		raw[sizeof(p->last_error)];

	p->error_hidden = false;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* keep libpq's multi-line messages on one line, without a final newline */
	for (nl = raw; *nl; nl++)
		if (*nl == '\n' || *nl == '\t' || *nl == '\r')
			*nl = ' ';
	while (nl > raw && nl[-1] == ' ')
		*--nl = '\0';
	p->status_changed = true;
	{
		char	   *src = raw,
				   *dst = raw;

		for (; *src; src++)
			if (!(*src == ' ' && dst > raw && dst[-1] == ' '))
				*dst++ = *src;
		*dst = '\0';
	}
	smpc_text_clean(raw, strlen(raw), p->last_error, sizeof(p->last_error));
}

/* Free a lookup glibc is done with. */
static void
lookup_free(PeerLookup *lk)
{
	int			i;

	for (i = 0; i < lk->nhosts; i++)
	{
		if (lk->resolve[i] && lk->reqs[i].ar_result)
			freeaddrinfo(lk->reqs[i].ar_result);
		free(lk->hosts[i]);
	}
	free(lk->port);
	free(lk);
}

static bool
lookup_pending(PeerLookup *lk)
{
	int			i;

	for (i = 0; i < lk->nhosts; i++)
		if (lk->resolve[i] && gai_error(&lk->reqs[i]) == EAI_INPROGRESS)
			return true;
	return false;
}

/* Stop a lookup; one glibc is still running is freed once it ends. */
static void
lookup_abandon(PeerLookup *lk)
{
	int			i;

	for (i = 0; i < lk->nhosts; i++)
		if (lk->resolve[i])
			(void) gai_cancel(&lk->reqs[i]);
	if (lookup_pending(lk))
	{
		lk->next = abandoned_lookups;
		abandoned_lookups = lk;
	}
	else
		lookup_free(lk);
}

/* Free the abandoned lookups that have ended meanwhile. */
static void
reap_abandoned_lookups(void)
{
	PeerLookup **link = &abandoned_lookups;

	while (*link)
	{
		PeerLookup *lk = *link;

		if (lookup_pending(lk))
			link = &lk->next;
		else
		{
			*link = lk->next;
			lookup_free(lk);
		}
	}
}

/* libpq's notice receiver: a peer's notices are counted, never logged. */
static void
drop_notice(void *arg, const PGresult *res)
{
	notices_dropped++;
}

void
peer_close(Peer *p)
{
	if (p->lookup)
	{
		lookup_abandon(p->lookup);
		p->lookup = NULL;
	}
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

/*
 * Close the connection and schedule the next attempt; last_error says
 * why.  Queued messages stay queued, the one in flight at their head.
 */
static void
peer_retry_later(Peer *p, TimestampTz now)
{
	peer_close(p);
	p->backoff_ms = p->backoff_ms ? Min(p->backoff_ms * 2, SMPC_BACKOFF_MAX_MS)
		: SMPC_BACKOFF_MIN_MS;
	p->next_attempt = TimestampTzPlusMilliseconds(now, p->backoff_ms);
}

/* The connection failed in libpq: close it and schedule the next attempt. */
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
	peer_retry_later(p, now);
}

/* A send or read failed: say which, with libpq's reason. */
static void
peer_fail_io(Peer *p, TimestampTz now, const char *what)
{
	const char *why = p->conn ? PQerrorMessage(p->conn) : "";

	peer_set_error(p, "could not %s the peer: %s", what,
				   why[0] ? why : "connection lost");
	peer_retry_later(p, now);
}

/*
 * Count what the peer has sent that libpq is about to read, and give the
 * connection up once it is more than SMPC_MAX_REPLY_BYTES since our last
 * request.  Returns false if it did.
 */
static bool
peer_input_within_bound(Peer *p, TimestampTz now)
{
	int			avail = 0;

	if (ioctl(PQsocket(p->conn), FIONREAD, &avail) == 0 && avail > 0)
		p->reply_bytes += avail;
	if (p->reply_bytes <= SMPC_MAX_REPLY_BYTES)
		return true;
	peer_set_error(p, "the peer sent more than %d kB without finishing its reply; reconnecting",
				   SMPC_MAX_REPLY_BYTES / 1024);
	peer_retry_later(p, now);
	return false;
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

/*
 * Start connecting.  host, hostaddr and port, when not NULL, are what the
 * lookup made of the connection string's own: they come after it, so
 * they take precedence.
 */
static void
peer_start_connect(Peer *p, TimestampTz now, const char *host,
				   const char *hostaddr, const char *port)
{
	const char **keys;
	const char **vals;
	const char **allkeys;
	const char **allvals;
	char		why[256];
	int			n,
				i,
				k = 0;

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
	p->reply_bytes = 0;

	/*
	 * GSSAPI encryption is off unless the string asks for it (acquiring
	 * credentials may block), and the addresses our own lookup found come
	 * last, so that they take precedence.
	 */
	for (n = 0; keys[n]; n++)
		;
	allkeys = palloc(sizeof(char *) * (n + 5));
	allvals = palloc(sizeof(char *) * (n + 5));
	allkeys[k] = "gssencmode";
	allvals[k++] = "disable";
	for (i = 0; i < n; i++)
	{
		allkeys[k] = keys[i];
		allvals[k++] = vals[i];
	}
	if (host)
	{
		allkeys[k] = "host";
		allvals[k++] = host;
		allkeys[k] = "hostaddr";
		allvals[k++] = hostaddr;
		if (port)
		{
			allkeys[k] = "port";
			allvals[k++] = port;
		}
	}
	allkeys[k] = NULL;
	allvals[k] = NULL;
	p->conn = PQconnectStartParams(allkeys, allvals, 0);
	pfree(allkeys);
	pfree(allvals);
	smpc_conninfo_params_free(keys, vals);
	p->cstate = PEER_CONNECTING;
	if (p->conn == NULL || PQstatus(p->conn) == CONNECTION_BAD)
	{
		peer_fail(p, now);
		return;
	}
	PQsetNoticeReceiver(p->conn, drop_notice, NULL);
	p->cstate = PEER_CONNECTING;
	/* as if PQconnectPoll had asked for it: wait until the socket is writable */
	p->poll_want = PGRES_POLLING_WRITING;
	p->connect_deadline = TimestampTzPlusMilliseconds(now, SMPC_CONNECT_TIMEOUT_MS);
}

/* Split a comma-separated list (of hosts or ports) into malloc'd items. */
static int
split_list(const char *list, char **items, int max)
{
	int			n = 0;
	const char *start = list;

	for (;;)
	{
		const char *end = strchr(start, ',');
		size_t		len = end ? (size_t) (end - start) : strlen(start);

		if (n == max)
			return -1;
		items[n] = strndup(start, len);
		if (items[n] == NULL)
			return -1;
		n++;
		if (!end)
			return n;
		start = end + 1;
	}
}

/*
 * Leave PEER_DOWN: start the lookup of the connection string's host
 * names, or connect at once when there is none to look up (socket
 * directories, addresses the string gives itself).
 */
static void
peer_start_lookup(Peer *p, TimestampTz now)
{
	PQconninfoOption *opts,
			   *o;
	char	   *err = NULL;
	const char *host = NULL,
			   *hostaddr = NULL,
			   *port = NULL;
	PeerLookup *lk;
	struct gaicb *list[SMPC_MAX_HOSTS];
	int			nlist = 0,
				i,
				rc;
	SmpcConninfoProblem why;
	bool		beyond;

	/* a string no superuser chose is checked before any name is looked up */
	if (!smpc_conninfo_check(p->conninfo, p->unrestricted, &why, &beyond))
	{
		peer_start_connect(p, now, NULL, NULL, NULL);	/* refuses and says why */
		return;
	}
	opts = PQconninfoParse(p->conninfo, &err);
	if (opts == NULL)
	{
		peer_set_error(p, "invalid connection string: %s", err ? err : "out of memory");
		if (err)
			PQfreemem(err);
		peer_retry_later(p, now);
		return;
	}
	for (o = opts; o->keyword; o++)
	{
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	if (host == NULL || host[0] == '\0' || (hostaddr && hostaddr[0]))
	{
		PQconninfoFree(opts);
		peer_start_connect(p, now, NULL, NULL, NULL);
		return;
	}

	lk = calloc(1, sizeof(PeerLookup));
	if (lk == NULL)
	{
		PQconninfoFree(opts);
		peer_set_error(p, "out of memory");
		peer_retry_later(p, now);
		return;
	}
	lk->nhosts = split_list(host, lk->hosts, SMPC_MAX_HOSTS);
	lk->port = port && port[0] ? strdup(port) : NULL;
	PQconninfoFree(opts);
	if (lk->nhosts < 0)
	{
		for (i = 0; i < SMPC_MAX_HOSTS; i++)
			free(lk->hosts[i]);
		free(lk->port);
		free(lk);
		peer_set_error(p, "the connection string names more than %d hosts", SMPC_MAX_HOSTS);
		peer_retry_later(p, now);
		return;
	}
	lk->hints.ai_family = AF_UNSPEC;
	lk->hints.ai_socktype = SOCK_STREAM;
	for (i = 0; i < lk->nhosts; i++)
	{
		/* an empty entry or a socket directory needs no lookup */
		lk->resolve[i] = lk->hosts[i][0] != '\0' && lk->hosts[i][0] != '/' &&
			lk->hosts[i][0] != '@';
		if (!lk->resolve[i])
			continue;
		lk->reqs[i].ar_name = lk->hosts[i];
		lk->reqs[i].ar_request = &lk->hints;
		list[nlist++] = &lk->reqs[i];
	}
	if (nlist == 0)
	{
		lookup_free(lk);
		peer_start_connect(p, now, NULL, NULL, NULL);
		return;
	}
	rc = getaddrinfo_a(GAI_NOWAIT, list, nlist, NULL);
	if (rc != 0)
	{
		peer_set_error(p, "could not start looking up host name \"%s\": %s",
					   list[0]->ar_name, gai_strerror(rc));
		lookup_abandon(lk);
		peer_retry_later(p, now);
		return;
	}
	p->lookup = lk;
	p->cstate = PEER_RESOLVING;
	p->connect_deadline = TimestampTzPlusMilliseconds(now, SMPC_CONNECT_TIMEOUT_MS);
}

/*
 * A lookup has ended: connect to every address found, each under its host
 * name, or fail naming the first name that did not resolve.
 */
static void
peer_finish_lookup(Peer *p, TimestampTz now)
{
	PeerLookup *lk = p->lookup;
	StringInfoData hosts,
				addrs,
				ports;
	char	   *portv[SMPC_MAX_HOSTS];
	int			nports = 0,
				count = 0,
				i;
	const char *failed = NULL;
	int			failed_rc = 0;
	bool		per_host_ports;

	memset(portv, 0, sizeof(portv));
	if (lk->port)
		nports = split_list(lk->port, portv, SMPC_MAX_HOSTS);
	/* a port per host follows its host; a single port applies to all as it is */
	per_host_ports = nports > 1 && nports == lk->nhosts;
	initStringInfo(&hosts);
	initStringInfo(&addrs);
	initStringInfo(&ports);
	for (i = 0; i < lk->nhosts; i++)
	{
		struct addrinfo *ai;
		int			used = 0;
		const char *hport = per_host_ports ? portv[i] : NULL;

		if (!lk->resolve[i])
		{
			appendStringInfo(&hosts, "%s%s", count ? "," : "", lk->hosts[i]);
			appendStringInfo(&addrs, "%s", count ? "," : "");
			appendStringInfo(&ports, "%s%s", count ? "," : "", hport ? hport : "");
			count++;
			continue;
		}
		if (gai_error(&lk->reqs[i]) != 0)
		{
			if (failed == NULL)
			{
				failed = lk->hosts[i];
				failed_rc = gai_error(&lk->reqs[i]);
			}
			continue;
		}
		for (ai = lk->reqs[i].ar_result; ai && used < SMPC_MAX_HOST_ADDRS; ai = ai->ai_next)
		{
			char		num[NI_MAXHOST];

			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num), NULL, 0,
							NI_NUMERICHOST) != 0)
				continue;
			appendStringInfo(&hosts, "%s%s", count ? "," : "", lk->hosts[i]);
			appendStringInfo(&addrs, "%s%s", count ? "," : "", num);
			appendStringInfo(&ports, "%s%s", count ? "," : "", hport ? hport : "");
			count++;
			used++;
		}
		if (used == 0 && failed == NULL)
		{
			failed = lk->hosts[i];
			failed_rc = EAI_NONAME;
		}
	}
	if (count == 0)
	{
		peer_set_error(p, "could not resolve host name \"%s\": %s",
					   failed, gai_strerror(failed_rc));
		peer_retry_later(p, now);
	}
	else
	{
		p->lookup = NULL;
		lookup_free(lk);
		peer_start_connect(p, now, hosts.data, addrs.data,
						   per_host_ports ? ports.data : NULL);
	}
	for (i = 0; i < SMPC_MAX_HOSTS; i++)
		free(portv[i]);
	pfree(hosts.data);
	pfree(addrs.data);
	pfree(ports.data);
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
	msg = peer_events->seal(p, m, &p->inflight_epoch);
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
		peer_fail_io(p, now, "send a message to");
		return true;
	}
	p->inflight = m;
	p->cstate = PEER_BUSY;
	p->reply_bytes = 0;
	p->reply_deadline = TimestampTzPlusMilliseconds(now, SMPC_REPLY_TIMEOUT_MS);
	rc = PQflush(p->conn);
	if (rc < 0)
		peer_fail_io(p, now, "send a message to");
	else
		p->want_write = (rc == 1);
	return true;
}

/* Read whatever results have arrived for the message in flight. */
static void
peer_read_results(Peer *p, TimestampTz now)
{
	if (!peer_input_within_bound(p, now))
		return;
	if (!PQconsumeInput(p->conn))
	{
		peer_fail_io(p, now, "read the reply of");
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
				peer_retry_later(p, now);
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
				p->retry_at = TimestampTzPlusMilliseconds(now, 5);
			}
			else if (code == SMPC_ERRCODE_STALE_EPOCH && m->fixed_epoch == 0)
			{
				/* the peer's worker restarted: learn its epoch, then resend */
				peer_events->stale(p, p->inflight_epoch);
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
				/* the peer's text, kept to printable text as in last_error */
				ereport(WARNING,
						(errmsg("smpc: peer \"%s\" refused a message: %s", p->name,
								p->last_error + strlen("peer refused a message: "))));
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

/*
 * Advance this peer's connection as far as it goes without blocking.  io
 * holds the socket events (WL_SOCKET_*) the last wait reported for this
 * connection, 0 when none.
 */
void
peer_step(Peer *p, TimestampTz now, uint32 io)
{
	reap_abandoned_lookups();
	if (p->conninfo == NULL)
		return;

	if (p->cstate == PEER_DOWN)
	{
		if (now < p->next_attempt)
			return;
		peer_start_lookup(p, now);
		io = 0;					/* no wait has seen the new socket yet */
	}

	if (p->cstate == PEER_RESOLVING)
	{
		if (lookup_pending(p->lookup))
		{
			if (now >= p->connect_deadline)
			{
				PeerLookup *lk = p->lookup;
				int			i = 0;

				while (!lk->resolve[i] || gai_error(&lk->reqs[i]) != EAI_INPROGRESS)
					i++;
				peer_set_error(p, "timed out looking up host name \"%s\"", lk->hosts[i]);
				peer_retry_later(p, now);
			}
			return;
		}
		peer_finish_lookup(p, now);
		io = 0;
	}

	if (p->cstate == PEER_CONNECTING)
	{
		uint32		ready = (p->poll_want == PGRES_POLLING_READING) ?
			WL_SOCKET_READABLE : WL_SOCKET_WRITEABLE;

		/* PQconnectPoll only once the socket is ready, or it may block */
		if (!(io & ready))
		{
			if (now >= p->connect_deadline)
			{
				peer_set_error(p, "timed out connecting to the peer: no answer within %d s",
							   SMPC_CONNECT_TIMEOUT_MS / 1000);
				peer_retry_later(p, now);
			}
			return;
		}
		if (ready == WL_SOCKET_READABLE && !peer_input_within_bound(p, now))
			return;
		p->poll_want = PQconnectPoll(p->conn);
		if (p->poll_want == PGRES_POLLING_OK)
		{
			int			rc;

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
					peer_fail_io(p, now, "send a message to");
					return;
				}
			}
			p->cstate = PEER_BUSY;
			p->reply_bytes = 0;
			p->reply_deadline = TimestampTzPlusMilliseconds(now, SMPC_REPLY_TIMEOUT_MS);
			p->preparing = true;
			rc = PQflush(p->conn);
			if (rc < 0)
			{
				peer_fail_io(p, now, "send a message to");
				return;
			}
			p->want_write = (rc == 1);
			p->backoff_ms = 0;
			p->last_error[0] = '\0';
			p->status_changed = true;
			peer_events->connected(p);
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
			peer_set_error(p, "timed out connecting to the peer: no answer within %d s",
						   SMPC_CONNECT_TIMEOUT_MS / 1000);
			peer_hide_error(p, previous);
			peer_retry_later(p, now);
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
				peer_fail_io(p, now, "send a message to");
				return;
			}
			p->want_write = (rc == 1);
		}
		if (io & WL_SOCKET_READABLE)
			peer_read_results(p, now);
		if (p->cstate == PEER_DOWN)
			return;
		if (p->cstate == PEER_BUSY && now >= p->reply_deadline)
		{
			peer_set_error(p, "no answer from the peer for %d s; reconnecting",
						   SMPC_REPLY_TIMEOUT_MS / 1000);
			peer_retry_later(p, now);
			return;
		}
	}
	else if (p->cstate == PEER_IDLE && (io & WL_SOCKET_READABLE))
	{
		/* notice a connection the peer closed; it has nothing else to say */
		if (!peer_input_within_bound(p, now))
			return;
		if (!PQconsumeInput(p->conn) || PQstatus(p->conn) == CONNECTION_BAD)
		{
			peer_fail_io(p, now, "read from");
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
	else if (p->cstate == PEER_RESOLVING)
		return Min(SMPC_LOOKUP_POLL_MS,
				   Max(0, TimestampDifferenceMilliseconds(now, p->connect_deadline)));
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
