/*-------------------------------------------------------------------------
 *
 * codec.c
 *	  Encoding and bounds-checked decoding of message headers and payloads.
 *
 * Every reader treats its input as hostile: lengths are checked before
 * each access, strings must be NUL-free and fit their buffers, field
 * elements must be reduced, and trailing bytes are an error.  Text comes
 * out valid and printable in the database encoding (smpc_text_clean), so
 * that what a peer sends can reach a log line or smpc.history_log only
 * as text that prints, dumps and restores.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "codec.h"
#include "field.h"

/* the encoding peer text must be valid in: the worker's database's */
static int	text_encoding = PG_UTF8;

typedef struct Reader
{
	const uint8 *p;
	size_t		len;
	size_t		off;
	bool		ok;
} Reader;

static void
rd_init(Reader *r, const uint8 *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->ok = true;
}

static const uint8 *
rd_bytes(Reader *r, size_t n)
{
	const uint8 *res;

	if (!r->ok || r->len - r->off < n)
	{
		r->ok = false;
		return NULL;
	}
	res = r->p + r->off;
	r->off += n;
	return res;
}

static uint8
rd_u8(Reader *r)
{
	const uint8 *b = rd_bytes(r, 1);

	return b ? b[0] : 0;
}

static uint16
rd_u16(Reader *r)
{
	const uint8 *b = rd_bytes(r, 2);

	return b ? (uint16) ((b[0] << 8) | b[1]) : 0;
}

static uint32
rd_u32(Reader *r)
{
	const uint8 *b = rd_bytes(r, 4);

	return b ? ((uint32) b[0] << 24) | ((uint32) b[1] << 16) |
		((uint32) b[2] << 8) | b[3] : 0;
}

static uint64
rd_u64(Reader *r)
{
	uint64		hi = rd_u32(r);
	uint64		lo = rd_u32(r);

	return (hi << 32) | lo;
}

void
smpc_codec_set_encoding(int encoding)
{
	text_encoding = encoding;
}

/*
 * The cleaning of smpc_text_clean, writing at most limit bytes (no NUL).
 * Returns the bytes written, and sets *complete when all of in fit.
 */
static size_t
clean_into(const char *in, size_t len, char *out, size_t limit, bool *complete,
		   bool *exact)
{
	size_t		i = 0,
				o = 0;

	*exact = true;
	while (i < len)
	{
		unsigned char c = (unsigned char) in[i];
		int			clen;
		char		esc[5];
		const char *piece = in + i;
		size_t		plen;

		if (c >= 0x20 && c < 0x7f)
			clen = 1;
		else if (c < 0x80)
			clen = -1;			/* NUL, C0 control or DEL */
		else
		{
			clen = pg_encoding_verifymbchar(text_encoding, in + i,
											(int) Min(len - i, (size_t) 16));
			if (clen == 2 && text_encoding == PG_UTF8 && c == 0xc2 &&
				(unsigned char) in[i + 1] < 0xa0)
				clen = -1;		/* U+0080 .. U+009F */
		}
		if (clen > 0)
			plen = (size_t) clen;
		else
		{
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			piece = esc;
			plen = 4;
			clen = 1;
			*exact = false;
		}
		if (o + plen > limit)
		{
			*complete = false;
			return o;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += clen;
	}
	*complete = true;
	return o;
}

/*
 * Copy in[0 .. len) to out as valid, printable text in the database
 * encoding, at most outsize - 1 bytes and a NUL.  Every byte that does not
 * start a valid character, and every control character (C0, DEL and, in
 * UTF-8, C1), becomes the four characters \xNN.  Text that does not fit
 * is cut at a character boundary and ends in "...".  Returns true when out
 * is an exact copy of in.
 */
bool
smpc_text_clean(const char *in, size_t len, char *out, size_t outsize)
{
	size_t		o;
	bool		complete,
				exact;

	Assert(outsize >= 4);
	o = clean_into(in, len, out, outsize - 1, &complete, &exact);
	if (!complete)
	{
		o = clean_into(in, len, out, outsize - 4, &complete, &exact);
		memcpy(out + o, "...", 3);
		o += 3;
		exact = false;
	}
	out[o] = '\0';
	return exact;
}

/* A node or group name: 1 to 63 letters, digits, "_", "." or "-". */
bool
smpc_name_valid(const char *s)
{
	size_t		n = strlen(s);

	return n > 0 && n < SMPC_MAX_NAME &&
		strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/*
 * A length-prefixed string as clean text (see smpc_text_clean) into a
 * buffer of bufsize bytes; *exact says whether it needed no escaping.
 */
static void
rd_text(Reader *r, char *buf, size_t bufsize, bool *exact)
{
	uint16		n = rd_u16(r);
	const uint8 *b;

	if (!r->ok || n >= bufsize)
	{
		r->ok = false;
		return;
	}
	b = rd_bytes(r, n);
	if (!b || memchr(b, '\0', n) != NULL)
	{
		r->ok = false;
		return;
	}
	if (!smpc_text_clean((const char *) b, n, buf, bufsize))
		*exact = false;
}

static bool
rd_done(Reader *r)
{
	return r->ok && r->off == r->len;
}

static void
put_u16(StringInfo buf, uint16 v)
{
	uint8		b[2] = {(uint8) (v >> 8), (uint8) v};

	appendBinaryStringInfo(buf, (char *) b, 2);
}

static void
put_u32(StringInfo buf, uint32 v)
{
	uint8		b[4] = {(uint8) (v >> 24), (uint8) (v >> 16), (uint8) (v >> 8), (uint8) v};

	appendBinaryStringInfo(buf, (char *) b, 4);
}

void
smpc_put_u64(StringInfo buf, uint64 v)
{
	put_u32(buf, (uint32) (v >> 32));
	put_u32(buf, (uint32) v);
}

static void
put_str(StringInfo buf, const char *s)
{
	size_t		n = strlen(s);

	Assert(n < 65536);
	put_u16(buf, (uint16) n);
	appendBinaryStringInfo(buf, s, n);
}

bool
smpc_header_parse(const uint8 *msg, size_t len, SmpcHeader *h, const char **why)
{
	int			i;

	if (len < SMPC_HEADER_BYTES + 16)
	{
		*why = "message is truncated";
		return false;
	}
	if (len > SMPC_MAX_MESSAGE)
	{
		*why = "message is too large";
		return false;
	}
	if (msg[0] != SMPC_MSG_MAGIC || msg[1] != SMPC_MSG_VERSION || msg[3] != 0)
	{
		*why = "message has an unknown format or version";
		return false;
	}
	if (msg[2] < 1 || msg[2] > SMPC_MSG_MAX)
	{
		*why = "message has an unknown type";
		return false;
	}
	h->type = msg[2];
	memcpy(h->sender, msg + 4, SMPC_KEY_BYTES);
	memcpy(h->recipient, msg + 36, SMPC_KEY_BYTES);
	h->sender_epoch = 0;
	h->recipient_epoch = 0;
	h->seq = 0;
	for (i = 0; i < 8; i++)
	{
		h->sender_epoch = (h->sender_epoch << 8) | msg[68 + i];
		h->recipient_epoch = (h->recipient_epoch << 8) | msg[76 + i];
		h->seq = (h->seq << 8) | msg[84 + i];
	}
	if (h->sender_epoch == 0)
	{
		*why = "message has no sender epoch";
		return false;
	}
	memcpy(h->comp_id, msg + 92, SMPC_HASH_BYTES);
	memcpy(h->nonce, msg + 124, 24);
	return true;
}

void
smpc_header_write(const SmpcHeader *h, uint8 *out)
{
	int			i;

	out[0] = SMPC_MSG_MAGIC;
	out[1] = SMPC_MSG_VERSION;
	out[2] = h->type;
	out[3] = 0;
	memcpy(out + 4, h->sender, SMPC_KEY_BYTES);
	memcpy(out + 36, h->recipient, SMPC_KEY_BYTES);
	for (i = 0; i < 8; i++)
	{
		out[68 + i] = (uint8) (h->sender_epoch >> (56 - 8 * i));
		out[76 + i] = (uint8) (h->recipient_epoch >> (56 - 8 * i));
		out[84 + i] = (uint8) (h->seq >> (56 - 8 * i));
	}
	memcpy(out + 92, h->comp_id, SMPC_HASH_BYTES);
	memcpy(out + 124, h->nonce, 24);
}

static void
put_ready_body(StringInfo buf, const SmpcReady *r)
{
	appendStringInfoChar(buf, (char) r->kind);
	appendStringInfoChar(buf, (char) r->vclass);
	put_str(buf, r->group);
	put_str(buf, r->label);
	appendBinaryStringInfo(buf, (const char *) r->nonce, SMPC_NONCE_BYTES);
}

static void
get_ready_body(Reader *rd, SmpcReady *r)
{
	const uint8 *b;
	bool		exact = true;

	r->kind = rd_u8(rd);
	r->vclass = rd_u8(rd);
	rd_text(rd, r->group, sizeof(r->group), &exact);
	rd_text(rd, r->label, sizeof(r->label), &exact);
	/* a name that is text but not a valid name is refused all the same */
	r->bad_text = !exact || (rd->ok && !smpc_name_valid(r->group));
	b = rd_bytes(rd, SMPC_NONCE_BYTES);
	if (b)
		memcpy(r->nonce, b, SMPC_NONCE_BYTES);
	if (r->kind < SMPC_KIND_SUM || r->kind > SMPC_KIND_MAX ||
		r->vclass < SMPC_CLASS_EXACT || r->vclass > SMPC_CLASS_FLOAT ||
		r->group[0] == '\0')
		rd->ok = false;
}

void
smpc_put_ready(StringInfo buf, const SmpcReady *r)
{
	put_ready_body(buf, r);
	appendBinaryStringInfo(buf, (const char *) r->digest, SMPC_HASH_BYTES);
	appendBinaryStringInfo(buf, (const char *) r->desc, SMPC_HASH_BYTES);
	put_u16(buf, r->nmembers);
	put_u32(buf, (uint32) r->scale);
	put_u16(buf, r->nvalues);
	put_u32(buf, r->wait_ms);
}

bool
smpc_get_ready(const uint8 *p, size_t len, SmpcReady *r)
{
	Reader		rd;
	const uint8 *b;

	memset(r, 0, sizeof(*r));
	rd_init(&rd, p, len);
	get_ready_body(&rd, r);
	b = rd_bytes(&rd, SMPC_HASH_BYTES);
	if (b)
		memcpy(r->digest, b, SMPC_HASH_BYTES);
	b = rd_bytes(&rd, SMPC_HASH_BYTES);
	if (b)
		memcpy(r->desc, b, SMPC_HASH_BYTES);
	r->nmembers = rd_u16(&rd);
	r->scale = (int32) rd_u32(&rd);
	r->nvalues = rd_u16(&rd);
	r->wait_ms = rd_u32(&rd);
	if (r->nvalues < 1 || r->nvalues > SMPC_MAX_VALUES ||
		r->nmembers < 2 || r->nmembers > SMPC_MAX_MEMBERS ||
		r->scale < 0 || r->scale > 1000)
		return false;
	return rd_done(&rd);
}

void
smpc_put_abort(StringInfo buf, bool ready_phase, bool fatal, const SmpcReady *r,
			   const char *reason)
{
	appendStringInfoChar(buf, ready_phase ? 1 : 0);
	appendStringInfoChar(buf, fatal ? 1 : 0);
	if (ready_phase)
		put_ready_body(buf, r);
	put_str(buf, reason);
}

bool
smpc_get_abort(const uint8 *p, size_t len, bool *ready_phase, bool *fatal,
			   SmpcReady *r, char *reason, size_t reasonlen)
{
	Reader		rd;
	uint8		phase,
				f;
	bool		exact = true;	/* a reason is kept, escaped or not */

	memset(r, 0, sizeof(*r));
	rd_init(&rd, p, len);
	phase = rd_u8(&rd);
	f = rd_u8(&rd);
	if (phase > 1 || f > 1)
		return false;
	*ready_phase = (phase == 1);
	*fatal = (f == 1);
	if (*ready_phase)
		get_ready_body(&rd, r);
	rd_text(&rd, reason, reasonlen, &exact);
	return rd_done(&rd);
}

void
smpc_put_vector(StringInfo buf, const uint128 *v, int n)
{
	int			i;

	put_u16(buf, (uint16) n);
	for (i = 0; i < n; i++)
	{
		uint8		b[16];

		fe_store(v[i], b);
		appendBinaryStringInfo(buf, (char *) b, 16);
	}
}

bool
smpc_get_vector(const uint8 *p, size_t len, uint128 *v, int n)
{
	Reader		rd;
	int			i;

	rd_init(&rd, p, len);
	if (rd_u16(&rd) != n)
		return false;
	for (i = 0; i < n; i++)
	{
		const uint8 *b = rd_bytes(&rd, 16);

		if (!b || !fe_load(b, &v[i]))
			return false;
	}
	return rd_done(&rd);
}

int
smpc_round_chunk_size(uint32 total, bool big)
{
	return (total <= SMPC_ROUND_SMALL && !big) ? SMPC_ROUND_CHUNK : SMPC_ROUND_BIG_CHUNK;
}

int
smpc_round_chunks(uint32 total, bool big)
{
	uint32		size = (uint32) smpc_round_chunk_size(total, big);

	return total == 0 ? 1 : (int) ((total + size - 1) / size);
}

/* the number of elements chunk "chunk" of a vector of "total" holds */
static int
round_chunk_len(uint32 total, uint32 chunk, bool big)
{
	uint32		size = (uint32) smpc_round_chunk_size(total, big);
	uint32		first = chunk * size;

	return (int) Min(size, total - first);
}

void
smpc_put_round(StringInfo buf, uint32 round, uint32 total, uint32 chunk,
			   const uint128 *v, bool big)
{
	Assert((int) chunk < smpc_round_chunks(total, big));
	put_u32(buf, round);
	put_u32(buf, total);
	put_u32(buf, chunk);
	smpc_put_vector(buf, v, total == 0 ? 0 : round_chunk_len(total, chunk, big));
}

bool
smpc_get_round(const uint8 *p, size_t len, uint32 maxtotal, bool big, uint32 *round,
			   uint32 *total, uint32 *chunk, uint128 *v, int *count)
{
	Reader		rd;

	rd_init(&rd, p, len);
	*round = rd_u32(&rd);
	*total = rd_u32(&rd);
	*chunk = rd_u32(&rd);
	if (!rd.ok || *total > maxtotal ||
		(int64) *chunk >= (int64) smpc_round_chunks(*total, big))
		return false;
	*count = *total == 0 ? 0 : round_chunk_len(*total, *chunk, big);
	return smpc_get_vector(p + 12, len - 12, v, *count);
}

bool
smpc_get_u64(const uint8 *p, size_t len, uint64 *v)
{
	Reader		rd;

	rd_init(&rd, p, len);
	*v = rd_u64(&rd);
	return rd_done(&rd);
}

/* The SQL name of an aggregate kind, for messages and smpc.history. */
const char *
smpc_kind_name(SmpcKind kind)
{
	switch (kind)
	{
		case SMPC_KIND_SUM:
			return "sum";
		case SMPC_KIND_AVG:
			return "avg";
		case SMPC_KIND_COUNT:
			return "count";
		case SMPC_KIND_VARIANCE:
			return "variance";
		case SMPC_KIND_REGRESSION:
			return "regression";
		case SMPC_KIND_HISTOGRAM:
			return "histogram";
		case SMPC_KIND_FREQUENCIES:
			return "frequencies";
		case SMPC_KIND_MINIMUM:
			return "min";
		case SMPC_KIND_MAXIMUM:
			return "max";
		case SMPC_KIND_GROUPED:
			return "group by";
		case SMPC_KIND_PERCENTILE:
			return "percentile";
		case SMPC_KIND_CLEARING:
			return "clearing price";
	}
	return "?";
}
