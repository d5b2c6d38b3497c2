/*-------------------------------------------------------------------------
 *
 * seeds.c
 *	  Writes a starting corpus for fuzz_codec: well-formed messages made
 *	  with the project's own encoders, so that the fuzzer starts from the
 *	  shapes the decoders accept.  Usage: seeds <directory>
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>

#include "lib/stringinfo.h"

#include "codec.h"
#include "field.h"

static const char *dir;
static int	nseeds = 0;

static void
write_seed(const char *data, size_t len)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/seed-%03d", dir, nseeds++);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
	{
		perror(path);
		exit(1);
	}
}

/* a payload alone, and after a header of the given type */
static void
emit(StringInfo payload, uint8 type)
{
	SmpcHeader	h;
	StringInfoData msg;
	uint8		head[SMPC_HEADER_BYTES];
	int			i;

	write_seed(payload->data, payload->len);
	memset(&h, 0, sizeof(h));
	h.type = type;
	for (i = 0; i < SMPC_KEY_BYTES; i++)
	{
		h.sender[i] = (uint8) (i + 1);
		h.recipient[i] = (uint8) (2 * i + 3);
	}
	h.sender_epoch = UINT64CONST(849000000000000);
	/* a PING may not know the recipient's epoch yet */
	h.recipient_epoch = type == SMPC_MSG_PING ? 0 : UINT64CONST(849000000123456);
	h.seq = UINT64CONST(849000000654321);
	initStringInfo(&msg);
	smpc_header_write(&h, head);
	appendBinaryStringInfo(&msg, (char *) head, SMPC_HEADER_BYTES);
	appendBinaryStringInfo(&msg, payload->data, payload->len);
	/* room for the authentication tag */
	appendBinaryStringInfo(&msg, "0123456789abcdef", 16);
	write_seed(msg.data, msg.len);
	pfree(msg.data);
}

int
main(int argc, char **argv)
{
	StringInfoData buf;
	SmpcReady	r;
	uint128		v[2 * SMPC_MAX_VALUES];
	int			n,
				i;

	if (argc != 2)
	{
		fprintf(stderr, "usage: %s <directory>\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	memset(&r, 0, sizeof(r));
	r.kind = SMPC_KIND_SUM;
	r.vclass = SMPC_CLASS_EXACT;
	strcpy(r.group, "hospitals");
	strcpy(r.label, "2026-Q4");
	memset(r.nonce, 7, sizeof(r.nonce));
	memset(r.digest, 9, sizeof(r.digest));
	r.nmembers = 3;
	r.scale = 2;
	r.nvalues = 2;
	r.wait_ms = 60000;
	initStringInfo(&buf);
	smpc_put_ready(&buf, &r);
	emit(&buf, SMPC_MSG_READY);

	resetStringInfo(&buf);
	smpc_put_abort(&buf, true, false, &r, "gave up waiting");
	emit(&buf, SMPC_MSG_ABORT);
	resetStringInfo(&buf);
	smpc_put_abort(&buf, false, true, &r, "value out of range for smpc");
	emit(&buf, SMPC_MSG_ABORT);

	for (i = 0; i < 2 * SMPC_MAX_VALUES; i++)
		v[i] = ((uint128) i << 100) | (uint128) (i * 7919);
	for (n = 1; n <= 2 * SMPC_MAX_VALUES; n *= 4)
	{
		resetStringInfo(&buf);
		smpc_put_vector(&buf, v, n);
		emit(&buf, n == 1 ? SMPC_MSG_SUMS : SMPC_MSG_SHARES);
	}
	/* ROUND chunks: the last of several, a whole small vector, an empty one */
	resetStringInfo(&buf);
	smpc_put_round(&buf, 7, 2 * SMPC_ROUND_CHUNK + 3, 2, v, false);
	emit(&buf, SMPC_MSG_ROUND);
	resetStringInfo(&buf);
	smpc_put_round(&buf, 1, 5, 0, v, false);
	emit(&buf, SMPC_MSG_ROUND);
	resetStringInfo(&buf);
	smpc_put_round(&buf, 3, 0, 0, v, true);
	emit(&buf, SMPC_MSG_ROUND);
	resetStringInfo(&buf);
	smpc_put_u64(&buf, UINT64CONST(0x0123456789abcdef));
	emit(&buf, SMPC_MSG_PING);

	printf("%d seeds\n", nseeds);
	return 0;
}
