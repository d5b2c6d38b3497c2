/*-------------------------------------------------------------------------
 *
 * session.c
 *	  Session security between this node's worker and each peer: sealing
 *	  queued messages as they go (with this run's epoch and the next
 *	  sequence number), opening and authenticating what arrives, the
 *	  replay checks on epochs, sequence numbers and clocks (codec.h), and
 *	  PING/PONG, which learn a peer's epoch and its round-trip time.
 *
 *	  The connection layer (transport.c) reaches this module only through the
 *	  PeerEvents it is given by session_init(), so that the dependency
 *	  goes one way: session.c uses transport.c, never the reverse.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "utils/timestamp.h"

#include "codec.h"
#include "config.h"
#include "session.h"

#define MAX_SKEW_US		((int64) 600 * 1000000)	/* accepted clock difference */
#define PING_INTERVAL_MS 30000

uint64		my_epoch = 0;		/* this run's epoch (codec.h) */
static uint64 last_seq_out = 0;

static bytea *session_seal(Peer *p, const OutMsg *m, uint64 *recipient_epoch);
static void session_peer_connected(Peer *p);
static void session_peer_stale(Peer *p, uint64 epoch);

static const PeerEvents session_events = {
	session_seal,
	session_peer_connected,
	session_peer_stale
};

/* A new run of the worker: a new epoch, and transport.c told whom to call. */
void
session_init(void)
{
	my_epoch = smpc_next_epoch();
	peer_set_events(&session_events);
}

static uint64
next_seq(void)
{
	uint64		now = (uint64) GetCurrentTimestamp();

	last_seq_out = Max(last_seq_out + 1, now);
	return last_seq_out;
}

/*
 * Queue a payload for one peer; it is sealed when it goes (session_seal).
 * fixed_epoch is the recipient epoch of a PONG, 0 for every other message.
 */
void
session_queue(Peer *p, SmpcMsgType type, const uint8 *comp_id, StringInfo payload,
		  uint64 fixed_epoch)
{
	OutMsg	   *m;

	if (p == NULL || p->pairwise.bytes == NULL)
		return;
	if (SMPC_HEADER_BYTES + payload->len + SMPC_AEAD_TAG_BYTES > SMPC_MAX_MESSAGE)
	{
		elog(WARNING, "smpc: message for peer \"%s\" is too large", p->name);
		return;
	}
	m = MemoryContextAllocZero(smpc_worker_context, offsetof(OutMsg, payload) + payload->len);
	m->type = type;
	if (comp_id)
		memcpy(m->comp_id, comp_id, SMPC_HASH_BYTES);
	m->fixed_epoch = fixed_epoch;
	m->len = payload->len;
	memcpy(m->payload, payload->data, payload->len);
	peer_enqueue(p, m);
	peer_step(p, GetCurrentTimestamp(), false);
}

/*
 * Seal a queued message for the peer's current epoch (or the PONG's fixed
 * one), with the next sequence number.  The result is allocated in the
 * current memory context; NULL if there is no key to seal with.
 */
static bytea *
session_seal(Peer *p, const OutMsg *m, uint64 *recipient_epoch)
{
	SmpcHeader	h;
	bytea	   *msg;
	size_t		total = SMPC_HEADER_BYTES + m->len + SMPC_AEAD_TAG_BYTES;
	uint8	   *out;

	if (!have_node_key || p->pairwise.bytes == NULL)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.type = m->type;
	memcpy(h.sender, node_public_key, SMPC_KEY_BYTES);
	memcpy(h.recipient, p->public_key, SMPC_KEY_BYTES);
	h.sender_epoch = my_epoch;
	h.recipient_epoch = m->fixed_epoch ? m->fixed_epoch : p->peer_epoch;
	h.seq = next_seq();
	memcpy(h.comp_id, m->comp_id, SMPC_HASH_BYTES);
	randombytes_buf(h.nonce, sizeof(h.nonce));

	msg = palloc(VARHDRSZ + total);
	SET_VARSIZE(msg, VARHDRSZ + total);
	out = (uint8 *) VARDATA(msg);
	smpc_header_write(&h, out);
	smpc_seal(&p->pairwise, h.nonce, out, SMPC_HEADER_BYTES,
			  m->payload, m->len, out + SMPC_HEADER_BYTES);
	*recipient_epoch = h.recipient_epoch;
	return msg;
}

/* Is a PING to this peer already waiting to go? */
static bool
ping_queued(Peer *p)
{
	ListCell   *lc;

	foreach(lc, p->queue)
		if (((OutMsg *) lfirst(lc))->type == SMPC_MSG_PING)
			return true;
	return false;
}

void
session_send_ping(Peer *p, TimestampTz now)
{
	StringInfoData buf;

	/*
	 * Until the first answer, and while the peer's epoch is unknown, try
	 * again soon: the peer may not know us yet.
	 */
	p->next_ping = TimestampTzPlusMilliseconds(now, p->rtt_ms < 0 || p->peer_epoch == 0 ?
											   1000 : PING_INTERVAL_MS);
	if (ping_queued(p))
		return;
	initStringInfo(&buf);
	p->ping_id++;
	p->ping_sent = now;
	smpc_put_u64(&buf, p->ping_id);
	session_queue(p, SMPC_MSG_PING, NULL, &buf, 0);
	pfree(buf.data);
}

/*
 * A new connection: the peer may have restarted since the last one, so
 * learn its epoch again (the PONG to this PING tells it) before anything
 * else goes.
 */
static void
session_peer_connected(Peer *p)
{
	status_dirty = true;
	p->peer_epoch = 0;
	if (have_node_key)
		session_send_ping(p, GetCurrentTimestamp());
}

/*
 * The peer refused a message sealed for its epoch 'epoch': its worker has
 * restarted.  Hold the queue (the message stays in it) until a PONG tells
 * the new epoch.
 */
static void
session_peer_stale(Peer *p, uint64 epoch)
{
	if (p->peer_epoch == epoch)
		p->peer_epoch = 0;
	if (p->peer_epoch == 0 && have_node_key)
		session_send_ping(p, GetCurrentTimestamp());
}

/*
 * Replay protection for an authentic message (see codec.h): only for this
 * run of our worker (PING excepted), not from an earlier run of the peer's
 * worker than one we have heard from, and with a sequence number above the
 * last one accepted from the peer's run.  A message sealed for our current
 * epoch was sealed during this run, so it also tells the peer's current
 * epoch: our queue for it is sealed for that epoch from now on.  A PING
 * sealed for no or another epoch of ours proves nothing about when it was
 * sealed: it is answered, but nothing is learnt from it, except that a
 * newer run of the peer exists, so the epoch we seal for is stale.
 */
static bool
check_epochs(Peer *p, const SmpcHeader *h, TimestampTz now)
{
	bool		fresh = (h->recipient_epoch == my_epoch);

	if (!fresh && h->type != SMPC_MSG_PING)
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a message from peer \"%s\" sealed for an earlier run of this node's worker",
						p->name),
				 errdetail("The message is for worker epoch " UINT64_FORMAT "; this node's worker has run as epoch " UINT64_FORMAT " since it started. It is a replay, or was sealed before the peer learnt of the restart.",
						   h->recipient_epoch, my_epoch)));
		return false;
	}
	if (h->sender_epoch < p->epoch_in)
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a message from an earlier run of peer \"%s\"'s worker",
						p->name),
				 errdetail("The message comes from worker epoch " UINT64_FORMAT "; the peer's worker has run as epoch " UINT64_FORMAT " since. It is a replay.",
						   h->sender_epoch, p->epoch_in)));
		return false;
	}
	if (h->sender_epoch == p->epoch_in && h->seq <= p->last_seq_in)
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a replayed message from peer \"%s\"", p->name)));
		return false;
	}
	if ((int64) h->seq < now - MAX_SKEW_US || (int64) h->seq > now + MAX_SKEW_US)
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a message from peer \"%s\" with a timestamp more than 10 minutes off",
						p->name),
				 errhint("Check that both servers' clocks are right.")));
		return false;
	}

	if (fresh)
	{
		p->epoch_in = h->sender_epoch;
		p->last_seq_in = h->seq;
		if (p->peer_epoch != h->sender_epoch)
		{
			p->peer_epoch = h->sender_epoch;
			peer_step(p, now, false);	/* release what waited for it */
		}
	}
	else if (h->sender_epoch == p->epoch_in)
		p->last_seq_in = h->seq;
	else if (p->peer_epoch != 0)
	{
		p->peer_epoch = 0;		/* a newer run: hold the queue, ask it */
		session_send_ping(p, now);
	}

	p->last_contact = now;
	if (!p->key_verified)
		status_dirty = true;
	p->key_verified = true;
	/* the peer is up: a connection waiting out its back-off tries now */
	if (p->cstate == PEER_DOWN)
		p->next_attempt = 0;
	return true;
}

/*
 * Authenticate and decrypt one message from the inbox and check it against
 * replays (check_epochs()).  PING and PONG are answered here.  Any other
 * message is handed back: true, with its header, its sender and its
 * plaintext (palloc'd; the caller wipes and frees it).  A refused message
 * is logged as a warning and wiped; false.
 */
bool
session_open_message(const uint8 *msg, size_t len, SmpcHeader *hdr, Peer **peer,
					 uint8 **plain_out, size_t *plainlen_out)
{
	SmpcHeader	h;
	const char *why;
	Peer	   *p;
	uint8	   *plain;
	size_t		plainlen;
	TimestampTz now = GetCurrentTimestamp();

	if (!smpc_header_parse(msg, len, &h, &why))
	{
		ereport(WARNING, (errmsg("smpc: rejected a message: %s", why)));
		return false;
	}
	if (!have_node_key || memcmp(h.recipient, node_public_key, SMPC_KEY_BYTES) != 0)
	{
		ereport(WARNING, (errmsg("smpc: rejected a message addressed to another key")));
		return false;
	}
	p = find_peer(h.sender);
	if (p == NULL || p->pairwise.bytes == NULL)
	{
		ereport(WARNING, (errmsg("smpc: rejected a message from an unknown key")));
		return false;
	}
	plainlen = len - SMPC_HEADER_BYTES - SMPC_AEAD_TAG_BYTES;
	plain = palloc(plainlen + 1);
	if (!smpc_open(&p->pairwise, h.nonce, msg, SMPC_HEADER_BYTES,
				   msg + SMPC_HEADER_BYTES, len - SMPC_HEADER_BYTES, plain))
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a message claiming to come from peer \"%s\": authentication failed",
						p->name)));
		goto done;
	}
	if (!check_epochs(p, &h, now))
		goto done;

	switch (h.type)
	{
		case SMPC_MSG_PING:
			{
				StringInfoData buf;

				/* answer at once, for the epoch the PING came from */
				initStringInfo(&buf);
				appendBinaryStringInfo(&buf, (char *) plain, plainlen);
				if (plainlen == 8)
					session_queue(p, SMPC_MSG_PONG, NULL, &buf, h.sender_epoch);
				pfree(buf.data);
				break;
			}
		case SMPC_MSG_PONG:
			{
				uint64		id;

				if (smpc_get_u64(plain, plainlen, &id) && id == p->ping_id && p->ping_sent)
				{
					p->rtt_ms = (double) (now - p->ping_sent) / 1000.0;
					p->ping_sent = 0;
					status_dirty = true;
				}
				break;
			}
		default:
			*hdr = h;
			*peer = p;
			*plain_out = plain;
			*plainlen_out = plainlen;
			return true;
	}
done:
	/* a refused message is wiped as well: it may hold shares or sums */
	sodium_memzero(plain, plainlen);
	pfree(plain);
	return false;
}
