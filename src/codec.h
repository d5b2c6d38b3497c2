/*-------------------------------------------------------------------------
 *
 * codec.h
 *	  Wire format of the messages nodes send each other.
 *
 * A message is a fixed cleartext header followed by the sealed payload:
 *
 *	 0  magic 'S', version 2, type, reserved 0
 *	 4  sender public key (32)
 *	36  recipient public key (32)
 *	68  sender epoch, big-endian u64: the run of the sender's worker
 *	76  recipient epoch, big-endian u64: the run of the recipient's worker
 *		that the message is for (0 in a PING whose sender does not know it)
 *	84  sequence number, big-endian u64, strictly increasing per sender epoch
 *	92  computation id (32; zero for PING, PONG and READY)
 *	124 nonce (24)
 *	148 ciphertext: payload + 16-byte tag; the header is associated data
 *
 * The header binds every message to its sender, recipient, computation and
 * type.  Every start of a worker draws a new epoch, larger than any the node
 * used before; a recipient takes only messages for its current epoch
 * (except PING, which is how a sender learns it), refuses a sender's older
 * epochs once it has seen a newer one, and within an epoch the sequence
 * number must rise.  So a message can be accepted at most once, even across
 * restarts of either side.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_CODEC_H
#define SMPC_CODEC_H

#include "smpc.h"
#include "lib/stringinfo.h"

#define SMPC_MSG_MAGIC		'S'
#define SMPC_MSG_VERSION	2
#define SMPC_HEADER_BYTES	148
#define SMPC_MAX_REASON		600		/* text of an ABORT, with NUL */

typedef enum SmpcMsgType
{
	SMPC_MSG_PING = 1,
	SMPC_MSG_PONG = 2,
	SMPC_MSG_READY = 3,			/* join a rendezvous */
	SMPC_MSG_SHARES = 4,		/* input phase: my shares for you */
	SMPC_MSG_SUMS = 5,			/* output phase: sum of the shares I hold */
	SMPC_MSG_ABORT = 6,			/* leave a rendezvous or computation */
	SMPC_MSG_MULT = 7,			/* a round of multiplication: my reshared product */
	SMPC_MSG_ZSUMS = 8,			/* my share of the small-cell test values */
	SMPC_MSG_ROUND = 9,			/* a chunk of my vector of a round engine round */
	SMPC_MSG_MAX = 9
} SmpcMsgType;

typedef struct SmpcHeader
{
	uint8		type;
	uint8		sender[SMPC_KEY_BYTES];
	uint8		recipient[SMPC_KEY_BYTES];
	uint64		sender_epoch;
	uint64		recipient_epoch;
	uint64		seq;
	uint8		comp_id[SMPC_HASH_BYTES];
	uint8		nonce[24];
} SmpcHeader;

/* Parse the cleartext header; false if the message is malformed. */
extern bool smpc_header_parse(const uint8 *msg, size_t len, SmpcHeader *h,
							  const char **why);
extern void smpc_header_write(const SmpcHeader *h, uint8 *out);

/* The rendezvous announcement (READY) and its ABORT counterpart. */
typedef struct SmpcReady
{
	uint8		kind;
	uint8		vclass;
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	uint8		nonce[SMPC_NONCE_BYTES];
	uint8		digest[SMPC_HASH_BYTES];
	uint8		desc[SMPC_HASH_BYTES];	/* bounds or categories, or zeros */
	uint16		nmembers;
	int32		scale;
	uint16		nvalues;
	uint32		wait_ms;		/* how long the sender waits */
	bool		bad_text;		/* decoded: group or label was not valid text */
} SmpcReady;

/*
 * Text from a peer.  Readers never hand out raw peer text: a group name
 * must be a valid name, and a label or reason that is not valid, printable
 * text in the database encoding comes out escaped (see smpc_text_clean).
 * A READY whose group or label needed escaping has bad_text set and must
 * be refused (an escaped name could collide with a real one); an ABORT's
 * reason is only ever shown, so it is kept, escaped.
 */
extern void smpc_codec_set_encoding(int encoding);
extern bool smpc_text_clean(const char *in, size_t len, char *out, size_t outsize);
extern bool smpc_name_valid(const char *s);

/* Payload writers append to buf; readers return false on any malformation. */
extern void smpc_put_ready(StringInfo buf, const SmpcReady *r);
extern bool smpc_get_ready(const uint8 *p, size_t len, SmpcReady *r);
/*
 * ABORT: ready_phase says whether it withdraws a READY (r identifies it)
 * or ends a running computation; fatal says the sender failed (rather than
 * gave up waiting), so the others should fail now instead of waiting.
 */
extern void smpc_put_abort(StringInfo buf, bool ready_phase, bool fatal,
						   const SmpcReady *r, const char *reason);
extern bool smpc_get_abort(const uint8 *p, size_t len, bool *ready_phase,
						   bool *fatal, SmpcReady *r, char *reason, size_t reasonlen);
extern void smpc_put_vector(StringInfo buf, const uint128 *v, int n);
extern bool smpc_get_vector(const uint8 *p, size_t len, uint128 *v, int n);
extern void smpc_put_u64(StringInfo buf, uint64 v);

/*
 * ROUND: one chunk of the vector a member sends another in one round of
 * the round engine (engine.h) or of a GROUP BY (batch.h).  The vector of
 * "total" elements travels in nchunks = max(1, ceil(total / size))
 * messages, size = smpc_round_chunk_size(total); chunk k holds elements
 * k * size onwards.  Vectors of up to SMPC_ROUND_SMALL elements (every
 * smpc_min and smpc_max) go in chunks of SMPC_ROUND_CHUNK, as version 0.2
 * sends and accepts them; longer ones (GROUP BY) in chunks of
 * SMPC_ROUND_BIG_CHUNK, so that a few messages carry megabytes.  With
 * "big" (the order statistics and the clearing price, new in 0.4, whose
 * rounds carry thousands of elements) every vector goes in chunks of
 * SMPC_ROUND_BIG_CHUNK: one message per round up to 32768 elements.  The
 * reader checks that the chunk's length is the one these numbers give,
 * and that total is at most maxtotal; v must have room for
 * SMPC_ROUND_BIG_CHUNK elements.
 */
#define SMPC_ROUND_CHUNK 1000
#define SMPC_ROUND_SMALL 16000
#define SMPC_ROUND_BIG_CHUNK 32768
extern int	smpc_round_chunk_size(uint32 total, bool big);
extern void smpc_put_round(StringInfo buf, uint32 round, uint32 total,
						   uint32 chunk, const uint128 *v, bool big);
extern bool smpc_get_round(const uint8 *p, size_t len, uint32 maxtotal, bool big,
						   uint32 *round, uint32 *total, uint32 *chunk,
						   uint128 *v, int *count);
extern int	smpc_round_chunks(uint32 total, bool big);
extern bool smpc_get_u64(const uint8 *p, size_t len, uint64 *v);

#endif
