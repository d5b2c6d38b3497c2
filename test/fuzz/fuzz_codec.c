/*-------------------------------------------------------------------------
 *
 * fuzz_codec.c
 *	  libFuzzer target for the message decoder (src/codec.c).
 *
 * Every input is fed to each decoder: the header parser on the whole
 * input, and every payload reader both on the whole input and on the bytes
 * after a header.  Besides the sanitizers' checks, what a decoder accepts
 * must be well formed: strings end inside their buffers, field elements
 * are reduced, text is valid and printable, and encoding the decoded value
 * again gives back exactly the bytes that were read (the format has one
 * encoding per value) unless the text had to be escaped, in which case
 * decoding the re-encoded value gives the same value again.  Anything else
 * aborts, which libFuzzer reports as a crash.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/stringinfo.h"

#include "codec.h"
#include "field.h"

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

#define FIELD_PRIME ((((uint128) 1) << 127) - 1)

static void
require(bool ok, const char *what)
{
	if (!ok)
	{
		fprintf(stderr, "fuzz_codec: property violated: %s\n", what);
		abort();
	}
}

static void
require_same(StringInfo enc, const uint8 *p, size_t len, const char *what)
{
	require((size_t) enc->len == len && memcmp(enc->data, p, len) == 0, what);
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Text a decoder hands out needs no escaping. */
static bool
clean(const char *s, size_t size)
{
	char		again[SMPC_MAX_REASON];

	return size <= sizeof(again) && smpc_text_clean(s, strlen(s), again, size) &&
		strcmp(s, again) == 0;
}

static void
check_ready(const uint8 *p, size_t len)
{
	SmpcReady	r,
				again;
	StringInfoData enc;

	if (!smpc_get_ready(p, len, &r))
		return;
	require(terminated(r.group, sizeof(r.group)) && terminated(r.label, sizeof(r.label)),
			"READY strings end inside their buffers");
	require(r.group[0] != '\0', "READY names a group");
	require(clean(r.group, sizeof(r.group)) && clean(r.label, sizeof(r.label)),
			"READY text is clean");
	require(r.bad_text || smpc_name_valid(r.group), "READY group is a valid name or refused");
	require(r.nvalues >= 1 && r.nvalues <= SMPC_MAX_VALUES, "READY value count in range");
	require(r.nmembers >= 2 && r.nmembers <= SMPC_MAX_MEMBERS, "READY member count in range");
	initStringInfo(&enc);
	smpc_put_ready(&enc, &r);
	if (!r.bad_text)
		require_same(&enc, p, len, "READY re-encodes to the bytes read");
	require(smpc_get_ready((uint8 *) enc.data, enc.len, &again) &&
			strcmp(r.group, again.group) == 0 && strcmp(r.label, again.label) == 0 &&
			(r.bad_text || memcmp(&r, &again, sizeof(r)) == 0),
			"READY decodes again to the same value");
	pfree(enc.data);
}

static void
check_abort(const uint8 *p, size_t len)
{
	SmpcReady	r,
				r2;
	bool		ready_phase,
				fatal,
				ready_phase2,
				fatal2;
	char		reason[SMPC_MAX_REASON],
				reason2[SMPC_MAX_REASON];
	StringInfoData enc;

	if (!smpc_get_abort(p, len, &ready_phase, &fatal, &r, reason, sizeof(reason)))
		return;
	require(terminated(reason, sizeof(reason)), "ABORT reason ends inside its buffer");
	require(terminated(r.group, sizeof(r.group)) && terminated(r.label, sizeof(r.label)),
			"ABORT strings end inside their buffers");
	require(clean(reason, sizeof(reason)) && clean(r.group, sizeof(r.group)) &&
			clean(r.label, sizeof(r.label)), "ABORT text is clean");
	initStringInfo(&enc);
	smpc_put_abort(&enc, ready_phase, fatal, &r, reason);
	/* escaped text re-encodes differently, but decodes to itself */
	if (!r.bad_text && strstr(reason, "\\x") == NULL && strstr(reason, "...") == NULL)
		require_same(&enc, p, len, "ABORT re-encodes to the bytes read");
	require(smpc_get_abort((uint8 *) enc.data, enc.len, &ready_phase2, &fatal2, &r2,
						   reason2, sizeof(reason2)) &&
			ready_phase == ready_phase2 && fatal == fatal2 &&
			strcmp(r.group, r2.group) == 0 && strcmp(r.label, r2.label) == 0 &&
			(r.bad_text || memcmp(&r, &r2, sizeof(r)) == 0) && strcmp(reason, reason2) == 0,
			"ABORT decodes again to the same value");
	pfree(enc.data);
}

static void
check_vector(const uint8 *p, size_t len, int n)
{
	uint128		v[2 * SMPC_MAX_VALUES];
	StringInfoData enc;
	int			i;

	if (n < 0 || n > 2 * SMPC_MAX_VALUES || !smpc_get_vector(p, len, v, n))
		return;
	for (i = 0; i < n; i++)
		require(v[i] < FIELD_PRIME, "vector elements are reduced");
	initStringInfo(&enc);
	smpc_put_vector(&enc, v, n);
	require_same(&enc, p, len, "vector re-encodes to the bytes read");
	pfree(enc.data);
}

static void
check_u64(const uint8 *p, size_t len)
{
	uint64		v;
	StringInfoData enc;

	if (!smpc_get_u64(p, len, &v))
		return;
	initStringInfo(&enc);
	smpc_put_u64(&enc, v);
	require_same(&enc, p, len, "u64 re-encodes to the bytes read");
	pfree(enc.data);
}

/*
 * ROUND: a chunk's numbers agree with its length, and it re-encodes; in
 * small chunks (smpc_min, smpc_max, GROUP BY) and in big ones (the search)
 */
static void
check_round(const uint8 *p, size_t len, uint32 maxtotal, bool big)
{
	static uint128 v[SMPC_ROUND_BIG_CHUNK];
	uint32		round,
				total,
				chunk;
	int			count,
				i;
	StringInfoData enc;

	if (!smpc_get_round(p, len, maxtotal, big, &round, &total, &chunk, v, &count))
		return;
	require(total <= maxtotal, "a ROUND's total is within the bound");
	require((int) chunk < smpc_round_chunks(total, big), "a ROUND's chunk is one of its vector's");
	require(count >= 0 && count <= smpc_round_chunk_size(total, big) &&
			(total == 0 ? count == 0
			 : (uint64) chunk * smpc_round_chunk_size(total, big) + count <= total),
			"a ROUND's chunk lies inside its vector");
	for (i = 0; i < count; i++)
		require(v[i] < FIELD_PRIME, "ROUND elements are reduced");
	initStringInfo(&enc);
	smpc_put_round(&enc, round, total, chunk, v, big);
	require_same(&enc, p, len, "ROUND re-encodes to the bytes read");
	pfree(enc.data);
}

static void
check_payload(const uint8 *p, size_t len)
{
	int			n;

	check_ready(p, len);
	check_abort(p, len);
	check_u64(p, len);
	/* the element count the input claims, and a few fixed ones */
	n = len >= 2 ? (p[0] << 8 | p[1]) : 0;
	check_vector(p, len, n);
	check_vector(p, len, 1);
	check_vector(p, len, SMPC_MAX_VALUES);
	check_vector(p, len, 2 * SMPC_MAX_VALUES);
	check_round(p, len, UINT32_MAX, false);
	check_round(p, len, 1 << 20, false);
	check_round(p, len, 1 << 20, true);
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	SmpcHeader	h;
	const char *why = NULL;

	if (smpc_header_parse(data, size, &h, &why))
	{
		uint8		out[SMPC_HEADER_BYTES];

		require(size >= SMPC_HEADER_BYTES, "a parsed header fits in the input");
		require(h.type >= 1 && h.type <= SMPC_MSG_MAX, "a parsed header has a known type");
		require(h.sender_epoch != 0, "a parsed header has a sender epoch");
		smpc_header_write(&h, out);
		require(memcmp(out, data, SMPC_HEADER_BYTES) == 0, "header re-encodes to the bytes read");
	}
	else
		require(why != NULL && why[0] != '\0', "a refused header comes with a reason");

	check_payload(data, size);
	if (size > SMPC_HEADER_BYTES)
		check_payload(data + SMPC_HEADER_BYTES, size - SMPC_HEADER_BYTES);
	return 0;
}
