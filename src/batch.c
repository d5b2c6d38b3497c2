/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  The grouped computation (batch.h): key agreement, then every cell of
 *	  every agreed key with its own release tests, in one set of rounds.
 *
 * Steps.  Every step is one vector to each other member, of a length
 * every member computes alike from public information; a step longer than
 * SMPC_ENGINE_MAX_VECTOR travels in several rounds (pieces), so a round
 * is a piece of a step.  The first vector of the computation starts with
 * a digest of everything the members must agree on (settings, columns,
 * declared keys), so that a member computing something else is noticed
 * at once.
 *
 *	 TABLE_SHARE  union mode: Shamir shares of this iteration's key table
 *	 TABLE_OPEN   union mode: the sums of those shares, to all; opened
 *	 SHARES		  the announced scales (in the clear), shares of the key
 *				  bytes (union mode) and of every cell
 *	 LEVEL		  one level of the tests' product trees (honest majority)
 *	 TESTS		  shares of the test values, to all; opened
 *	 OUTPUT		  sums of the released values, to all; opened.  The first
 *				  round of the comparisons rides along
 *	 ENGINE		  the other rounds of the comparisons (MINIMUM, MAXIMUM)
 * The key bytes' share sums ride in the step after SHARES.  Rounds:
 * declared mode 3 (linear tests) or 3 + levels; union mode adds 2 per
 * iteration of the key table (1 up to about a hundred keys, 2 up to some
 * forty thousand, at most 3 within SMPC_BATCH_MAX_KEYS); MINIMUM and
 * MAXIMUM add the engine's rounds but one.
 *
 * Key agreement (union mode) reveals the union of the keys and nothing
 * else.  Each iteration is an invertible Bloom lookup table of three
 * sub-tables of S slots, S a power of two: each key whose holder has not
 * yet seen it decoded goes into one slot of each sub-table, chosen by a
 * hash of the public seed, the iteration and its 120-bit digest d; there
 * its holder adds R (1, d, f) with R random and nonzero, the same R in
 * all three slots, and f = 112 check bits (the same hash) then the key's
 * length.  The tables are Shamir-shared and opened.  A slot holding one
 * key is (Rk, Rk d, Rk f) with Rk the sum of its holders' R: dividing
 * gives d and f, which must check (f, slot indexes), and subtracting that
 * key from its other two slots may free more slots (peeling).  Rk is
 * uniform whatever the number of holders, so the opened tables are a
 * function of the union, of public salts and of fresh randomness only:
 * not of who holds which key, nor of how many keys a member has.  What is
 * left undecoded goes again into a larger table of the next iteration;
 * the size is a function of what was opened.  Then the key bytes: per
 * agreed key (by digest), the holders share R' (1, chunks of 15 bytes),
 * opened and divided alike and checked against the digest.
 *
 * Cells follow protocol.c's plan_tests() element by element: per cell the
 * values, then the hidden elements (contributor, its mask, row count,
 * small-cell masks, zeros); the contributor test is per cell.  The
 * products of all cells' tests share each level's round.  MINIMUM and
 * MAXIMUM keep each sender's share of the key apart; the released cells'
 * go to one engine program MAX over groups of n (MINIMUM negated: the
 * smallest key is minus the largest of the negated keys).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sodium.h>

#include "batch.h"
#include "engine.h"
#include "smpc.h"
#include "wide.h"

#ifdef SMPC_ENGINE_TRACE
SmpcBatchTrace smpc_batch_trace = NULL;
#define TRACE(b, what, v, cnt) \
	do { if (smpc_batch_trace) smpc_batch_trace((b)->self, (what), (v), (cnt)); } while (0)
#else
#define TRACE(b, what, v, cnt) ((void) 0)
#endif

/* Largest step (elements per member): bounds memory, far below 1 GB. */
#define MAX_STEP_ELEMENTS	(1 << 22)
/* Key table: sub-table sizes, growth when everything collided, iterations. */
#define TABLE_S0			64
#define TABLE_SMAX			(1 << 16)
#define TABLE_GROW			256
#define MAX_ITERATIONS		24
#define CHUNK_BYTES			15
#define BITS120				(((uint128) 1) << 120)
/* Random field elements drawn at once (64 kB). */
#define RANDOM_POOL			4096

typedef enum StepKind
{
	STEP_NONE = 0,
	STEP_TABLE_SHARE,
	STEP_TABLE_OPEN,
	STEP_SHARES,
	STEP_LEVEL,
	STEP_TESTS,
	STEP_OUTPUT,
	STEP_ENGINE
} StepKind;

typedef struct BCol
{
	uint8		kind;
	uint8		vclass;
	int			width;
	int			scale;			/* this member's */
	int			agreed_scale;
	bool		order;			/* MINIMUM, MAXIMUM */
	bool		negate;			/* MINIMUM: shared negated */
	bool		dist;			/* HISTOGRAM, FREQUENCIES */
	int			voff;			/* values in a local key's array */
	int			roff;			/* values in the result's array */
	/* the cell's block of shared elements, relative to the block */
	int			off;			/* of the block within a key's */
	int			bs;				/* block size */
	int			i_contrib;
	int			i_cmask;
	int			i_rows;
	int			i_masks;
	int			i_zeros;
	int			ncells;			/* small-cell tests */
	int			nz;				/* test values */
} BCol;

typedef struct LKey
{
	const uint8 *bytes;			/* in b->local_bytes */
	int			len;
	smpc_fe		d;
	bool		decoded;		/* union: seen in an opened table */
} LKey;

typedef struct AKey
{
	smpc_fe		d;
	int			len;
	uint8	   *bytes;			/* in b->agreed_bytes */
	int			local;			/* index of the local key, or -1 */
	int			kb_off;			/* its key-bytes elements */
} AKey;

typedef struct Decoded
{
	smpc_fe		d;
	smpc_fe		f;
	smpc_fe		r;
	uint32		slot[3];
} Decoded;

struct SmpcBatch
{
	int			n;
	int			self;
	int			t;				/* degree of values */
	int			h;				/* degree of hidden test elements */
	int			m;				/* min_parties */
	int			k;				/* min_cell_count */
	bool		linear;			/* contributor test without products */
	uint8		seed[32];
	int			mode;
	smpc_fe		layout;			/* digest of what all must agree on */
	smpc_fe		lambda[SMPC_MAX_MEMBERS];

	int			ncols;
	BCol		cols[SMPC_BATCH_MAX_COLS];
	int			W;				/* values per local key, all columns */
	int			KS;				/* shared elements per agreed key */

	/* this member's keys and cells */
	int			nlocal;
	LKey	   *local;
	uint8	   *local_bytes;
	int64	   *lrows;			/* nlocal x ncols */
	int128	   *lvals;			/* nlocal x W */

	/* agreed keys */
	int			nagreed;
	AKey	   *agreed;
	uint8	   *agreed_bytes;

	/* key agreement */
	int			iter;
	int			S;
	int			key_rounds;
	int			ndec;			/* digests decoded in all iterations */
	int			maxdec;
	Decoded    *dec;

	/* the step in progress */
	StepKind	kind;
	int			round;
	int			len;			/* elements per member and step */
	int			piece;
	int			npieces;
	bool		broadcast;		/* the same vector to every member */
	smpc_fe    *bcast;
	smpc_fe    *out[SMPC_MAX_MEMBERS];
	smpc_fe    *in[SMPC_MAX_MEMBERS];	/* self's own too */
	bool		got[SMPC_MAX_MEMBERS];
	int			ngot;
	int			cap;			/* elements the vectors have room for */
	int			prefix;			/* elements before the step's own */
	int			kb_in;			/* key-bytes sums at the front (elements) */

	/* values */
	int			KB;				/* key-bytes elements */
	int			scale_off;		/* in the SHARES vector */
	int			cell_off;
	smpc_fe    *kb_acc;
	smpc_fe    *acc;			/* nagreed x KS */

	/* tests */
	int			ntests;
	int		   *t_off;
	int		   *t_len;
	int		   *t_cell;			/* index g * ncols + c */
	smpc_fe    *tree;
	int			nlevels;
	int			level;
	int			nprod;			/* products of the current level */

	/* order columns: each sender's share, n per order cell */
	int			norder;
	int		   *ord_cell;
	smpc_fe    *ord_sh;
	SmpcEngine **engines;		/* each runs MAX over up to eng_groups groups */
	int			nengines;
	int			eng_groups;
	int			neng;
	int		   *eng_cell;
	int			nsums;

	/* results */
	uint8	   *status;			/* nagreed x ncols */
	bool	   *rnull;			/* nagreed x W */
	int128	   *rvals;			/* nagreed x W */

	/* random field elements, drawn in bulk (see batch_random()) */
	int			pool_pos;
	smpc_fe		pool[RANDOM_POOL];

	bool		done;
	bool		failed;
	const char *why;
};

/* --- small helpers ------------------------------------------------------- */

static void *
alloc0(size_t count, size_t size)
{
	return palloc0(Max(count, 1) * size);
}

static void
wipe_free(void *p, size_t bytes)
{
	if (p == NULL)
		return;
	sodium_memzero(p, bytes);
	pfree(p);
}

/*
 * A uniformly random field element.  Sharing a large batch draws millions
 * of them, one system call per 256 through field.c's pool; here 4096 come
 * from an XChaCha20 keystream under a fresh key from libsodium's
 * randomness (which the unit tests make deterministic).  The pool is this
 * computation's own and wiped with it.
 */
static smpc_fe
batch_random(SmpcBatch *b)
{
	for (;;)
	{
		smpc_fe		x;

		if (b->pool_pos == 0)
		{
			uint8		key[crypto_stream_xchacha20_KEYBYTES];
			uint8		nonce[crypto_stream_xchacha20_NONCEBYTES];

			randombytes_buf(key, sizeof(key));
			memset(nonce, 0, sizeof(nonce));
			crypto_stream_xchacha20((uint8 *) b->pool, sizeof(b->pool), nonce, key);
			sodium_memzero(key, sizeof(key));
			b->pool_pos = RANDOM_POOL;
		}
		x = b->pool[--b->pool_pos] & SMPC_FIELD_P;
		b->pool[b->pool_pos] = 0;
		if (x != SMPC_FIELD_P)
			return x;
	}
}

static smpc_fe
random_nonzero(SmpcBatch *b)
{
	smpc_fe		x;

	do
		x = batch_random(b);
	while (x == 0);
	return x;
}

/* Shamir shares of secret at degree deg for members 1..n (shamir_split). */
static void
split(SmpcBatch *b, smpc_fe secret, int deg, smpc_fe *sh)
{
	smpc_fe		coef[SMPC_MAX_MEMBERS];
	int			i,
				j;

	coef[0] = secret;
	for (i = 1; i <= deg; i++)
		coef[i] = batch_random(b);
	for (j = 0; j < b->n; j++)
	{
		smpc_fe		x = (smpc_fe) (j + 1);
		smpc_fe		y = coef[deg];

		for (i = deg - 1; i >= 0; i--)
			y = fe_add(fe_mul(y, x), coef[i]);
		sh[j] = y;
	}
	sodium_memzero(coef, sizeof(smpc_fe) * (deg + 1));
}

/* Big-endian integer of len <= 16 bytes. */
uint128
smpc_batch_get_be(const uint8 *p, int len)
{
	uint128		v = 0;
	int			i;

	for (i = 0; i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

void
smpc_batch_put_be(StringInfo s, uint128 v, int len)
{
	uint8		b[16];
	int			i;

	Assert(len >= 0 && len <= 16);
	for (i = len - 1; i >= 0; i--, v >>= 8)
		b[i] = (uint8) v;
	appendBinaryStringInfo(s, (const char *) b, len);
}

/* Memcmp-then-length order of byte strings. */
int
smpc_batch_key_cmp(const uint8 *a, int alen, const uint8 *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/*
 * Inverses of v[0..count-1], all nonzero, in place: one inversion and
 * three products each (Montgomery's trick).
 */
static void
batch_inverse(smpc_fe *v, int count)
{
	smpc_fe    *pre;
	smpc_fe		inv;
	int			i;

	if (count == 0)
		return;
	pre = palloc(sizeof(smpc_fe) * count);
	pre[0] = v[0];
	for (i = 1; i < count; i++)
		pre[i] = fe_mul(pre[i - 1], v[i]);
	inv = fe_inv(pre[count - 1]);
	for (i = count - 1; i > 0; i--)
	{
		smpc_fe		vi = fe_mul(inv, pre[i - 1]);

		inv = fe_mul(inv, v[i]);
		v[i] = vi;
	}
	v[0] = inv;
	pfree(pre);
}

/* The 120-bit digest of a key. */
static smpc_fe
key_digest(const uint8 *key, int len)
{
	static const uint8 ctx[] = "smpc-batch-key-digest-v1";
	static const uint8 none[1] = {0};
	uint8		h[16];

	crypto_generichash(h, sizeof(h), len > 0 ? key : none, len, ctx, sizeof(ctx) - 1);
	return (smpc_fe) smpc_batch_get_be(h, 15);
}

/*
 * Where digest d goes in iteration b->iter (global slot indexes, one per
 * sub-table), and its check element f: 112 bits of the same keyed hash,
 * then the key's length.
 */
static void
key_slots(const SmpcBatch *b, smpc_fe d, int len, uint32 *slot, smpc_fe *f)
{
	uint8		in[20];
	uint8		h[32];
	int			i;

	in[0] = 'T';
	in[1] = (uint8) (b->iter >> 16);
	in[2] = (uint8) (b->iter >> 8);
	in[3] = (uint8) b->iter;
	for (i = 0; i < 15; i++)
		in[4 + i] = (uint8) (d >> (8 * (14 - i)));
	in[19] = 0;
	crypto_generichash(h, sizeof(h), in, sizeof(in), b->seed, sizeof(b->seed));
	for (i = 0; i < 3; i++)
		slot[i] = (uint32) (smpc_batch_get_be(h + 4 * i, 4) & (uint128) (b->S - 1)) + (uint32) (i * b->S);
	*f = (smpc_fe) ((smpc_batch_get_be(h + 12, 14) << 8) | (uint128) len);
}

static void
fail(SmpcBatch *b, const char *why)
{
	if (b->failed)
		return;
	b->failed = true;
	b->why = why;
}

/* --- input ----------------------------------------------------------------- */

typedef struct Reader
{
	const uint8 *p;
	size_t		left;
	bool		ok;
} Reader;

static const uint8 *
rd_bytes(Reader *r, size_t n)
{
	const uint8 *res;

	if (!r->ok || r->left < n)
	{
		r->ok = false;
		return NULL;
	}
	res = r->p;
	r->p += n;
	r->left -= n;
	return res;
}

static uint128
rd_uint(Reader *r, int len)
{
	const uint8 *p = rd_bytes(r, len);

	return p ? smpc_batch_get_be(p, len) : 0;
}

typedef struct KeyRef
{
	const uint8 *bytes;
	int			len;
	int			idx;
} KeyRef;

static int
keyref_cmp(const void *a, const void *b)
{
	const KeyRef *x = a;
	const KeyRef *y = b;

	return smpc_batch_key_cmp(x->bytes, x->len, y->bytes, y->len);
}

/* A key's u16 length and bytes. */
static bool
rd_key(Reader *r, KeyRef *k)
{
	k->len = (int) rd_uint(r, 2);
	if (!r->ok || k->len > SMPC_BATCH_MAX_KEY)
		return false;
	k->bytes = rd_bytes(r, k->len);
	return r->ok;
}

/*
 * Parse and validate an input.  With b, also keeps what the computation
 * needs (the caller checks the values against the group's size).
 */
static bool
parse_input(const uint8 *input, size_t len, SmpcBatch *b, bool *has_order,
			const char **why)
{
	Reader		r = {input, len, true};
	int			mode,
				ncols,
				ndecl,
				nkeys,
				i,
				c,
				W = 0;
	BCol		cols[SMPC_BATCH_MAX_COLS];
	KeyRef	   *decl = NULL;
	KeyRef	   *keys = NULL;
	const uint8 *cells_start;
	bool		ok = false;

	*has_order = false;
	if (input == NULL || rd_uint(&r, 1) != 1)
	{
		*why = "the grouped input has an unknown version";
		return false;
	}
	mode = (int) rd_uint(&r, 1);
	ncols = (int) rd_uint(&r, 2);
	if (!r.ok || (mode != SMPC_BATCH_UNION && mode != SMPC_BATCH_DECLARED) ||
		ncols < 1 || ncols > SMPC_BATCH_MAX_COLS)
	{
		*why = "the grouped input has a bad key mode or number of columns";
		return false;
	}
	memset(cols, 0, sizeof(cols));
	for (c = 0; c < ncols; c++)
	{
		BCol	   *col = &cols[c];

		col->kind = (uint8) rd_uint(&r, 1);
		col->vclass = (uint8) rd_uint(&r, 1);
		col->width = (int) rd_uint(&r, 2);
		col->scale = (int) rd_uint(&r, 1);
		if (!r.ok || col->kind < SMPC_KIND_SUM || col->kind > SMPC_KIND_MAXIMUM ||
			(col->vclass != SMPC_CLASS_EXACT && col->vclass != SMPC_CLASS_FLOAT) ||
			col->width < 1 || col->width > SMPC_MAX_VALUES ||
			col->scale > SMPC_EXACT_SCALE ||
			(col->vclass == SMPC_CLASS_FLOAT && col->scale != 0))
		{
			*why = "the grouped input has a column that is not valid";
			return false;
		}
		col->order = col->kind == SMPC_KIND_MINIMUM || col->kind == SMPC_KIND_MAXIMUM;
		col->negate = col->kind == SMPC_KIND_MINIMUM;
		col->dist = col->kind == SMPC_KIND_HISTOGRAM || col->kind == SMPC_KIND_FREQUENCIES;
		if (col->order && col->width != 1)
		{
			*why = "the grouped input has a minimum or maximum column of more than one value";
			return false;
		}
		*has_order |= col->order;
		col->voff = W;
		W += col->width;
	}
	/* 16 bytes a value: a longer input is no input smpc could share */
	if (len / 16 > MAX_STEP_ELEMENTS)
	{
		*why = "the grouped input is too large";
		return false;
	}

	ndecl = (int) rd_uint(&r, 4);
	if (!r.ok || ndecl < 0 || ndecl > SMPC_BATCH_MAX_KEYS ||
		(mode == SMPC_BATCH_UNION && ndecl != 0))
	{
		*why = "the grouped input has a bad number of declared keys";
		return false;
	}
	decl = alloc0(ndecl, sizeof(KeyRef));
	for (i = 0; i < ndecl; i++)
	{
		if (!rd_key(&r, &decl[i]))
		{
			*why = "the grouped input has a declared key that is not valid";
			goto out;
		}
		decl[i].idx = i;
		if (i > 0 && keyref_cmp(&decl[i - 1], &decl[i]) >= 0)
		{
			*why = "the declared keys are not strictly increasing";
			goto out;
		}
	}

	nkeys = (int) rd_uint(&r, 4);
	if (!r.ok || nkeys < 0 || nkeys > SMPC_BATCH_MAX_KEYS)
	{
		*why = "the grouped input has a bad number of keys";
		goto out;
	}
	keys = alloc0(nkeys, sizeof(KeyRef));
	cells_start = r.p;
	for (i = 0; i < nkeys; i++)
	{
		if (!rd_key(&r, &keys[i]))
		{
			*why = "the grouped input has a key that is not valid";
			goto out;
		}
		keys[i].idx = i;
		for (c = 0; c < ncols; c++)
		{
			int64		rows = (int64) (uint64) rd_uint(&r, 8);
			int			v;

			if (!r.ok || rows < 0)
			{
				*why = "the grouped input has a cell that is not valid";
				goto out;
			}
			for (v = 0; v < cols[c].width; v++)
			{
				int128		x = (int128) rd_uint(&r, 16);

				/* a key of an extreme lies strictly within the sentinels */
				if (r.ok && rows > 0 && cols[c].order &&
					(x < SMPC_ORDER_NONE_MAX || x > SMPC_ORDER_NONE_MIN ||
					 x == (cols[c].negate ? SMPC_ORDER_NONE_MAX : SMPC_ORDER_NONE_MIN)))
				{
					*why = "the grouped input has a minimum or maximum key out of range";
					goto out;
				}
			}
			if (!r.ok)
			{
				*why = "the grouped input is truncated";
				goto out;
			}
		}
	}
	if (r.left != 0)
	{
		*why = "the grouped input has trailing bytes";
		goto out;
	}

	/* local keys distinct, and declared when keys are declared */
	if (nkeys > 1)
	{
		KeyRef	   *sorted = palloc(sizeof(KeyRef) * nkeys);

		memcpy(sorted, keys, sizeof(KeyRef) * nkeys);
		qsort(sorted, nkeys, sizeof(KeyRef), keyref_cmp);
		for (i = 1; i < nkeys; i++)
			if (keyref_cmp(&sorted[i - 1], &sorted[i]) == 0)
			{
				pfree(sorted);
				*why = "the grouped input has the same key twice";
				goto out;
			}
		pfree(sorted);
	}
	if (mode == SMPC_BATCH_DECLARED)
		for (i = 0; i < nkeys; i++)
		{
			KeyRef	   *hit = bsearch(&keys[i], decl, ndecl, sizeof(KeyRef), keyref_cmp);

			if (hit == NULL)
			{
				*why = "the grouped input has a key that is not declared";
				goto out;
			}
			keys[i].idx = hit->idx;
		}

	if (b != NULL)
	{
		Reader		cr = {cells_start, len - (size_t) (cells_start - input), true};
		size_t		total = 0;
		uint8	   *pool;

		b->mode = mode;
		b->ncols = ncols;
		memcpy(b->cols, cols, sizeof(cols));
		b->W = W;
		b->nlocal = nkeys;
		b->local = alloc0(nkeys, sizeof(LKey));
		b->lrows = alloc0((size_t) nkeys * ncols, sizeof(int64));
		b->lvals = alloc0((size_t) nkeys * W, sizeof(int128));
		for (i = 0; i < nkeys; i++)
			total += keys[i].len;
		b->local_bytes = pool = alloc0(total, 1);
		for (i = 0; i < nkeys; i++)
		{
			KeyRef		kr;

			rd_key(&cr, &kr);
			memcpy(pool, kr.bytes, kr.len);
			b->local[i].bytes = pool;
			b->local[i].len = kr.len;
			b->local[i].d = key_digest(pool, kr.len);
			pool += kr.len;
			for (c = 0; c < ncols; c++)
			{
				int			v;

				b->lrows[(size_t) i * ncols + c] = (int64) (uint64) rd_uint(&cr, 8);
				for (v = 0; v < cols[c].width; v++)
					b->lvals[(size_t) i * W + cols[c].voff + v] = (int128) rd_uint(&cr, 16);
			}
		}
		if (mode == SMPC_BATCH_DECLARED)
		{
			total = 0;
			for (i = 0; i < ndecl; i++)
				total += decl[i].len;
			b->nagreed = ndecl;
			b->agreed = alloc0(ndecl, sizeof(AKey));
			b->agreed_bytes = pool = alloc0(total, 1);
			for (i = 0; i < ndecl; i++)
			{
				memcpy(pool, decl[i].bytes, decl[i].len);
				b->agreed[i].bytes = pool;
				b->agreed[i].len = decl[i].len;
				b->agreed[i].d = key_digest(pool, decl[i].len);
				b->agreed[i].local = -1;
				pool += decl[i].len;
			}
			for (i = 0; i < nkeys; i++)
				b->agreed[keys[i].idx].local = i;
		}
	}
	ok = true;
out:
	if (decl)
		pfree(decl);
	if (keys)
		pfree(keys);
	return ok;
}

bool
smpc_batch_check_input(const uint8 *input, size_t len, bool *has_order, const char **why)
{
	return parse_input(input, len, NULL, has_order, why);
}

/* --- steps ------------------------------------------------------------------- */

/*
 * The step's vectors are kept from step to step and grown when needed:
 * allocating them anew each step costs more than the arithmetic.  They
 * are wiped when the computation ends.
 */
static void
step_wipe(SmpcBatch *b)
{
	size_t		bytes = sizeof(smpc_fe) * Max(b->cap, 1);
	int			j;

	for (j = 0; j < b->n; j++)
	{
		wipe_free(b->out[j], bytes);
		wipe_free(b->in[j], bytes);
		b->out[j] = NULL;
		b->in[j] = NULL;
	}
	wipe_free(b->bcast, bytes);
	b->bcast = NULL;
	b->cap = 0;
}

static void
step_clear(SmpcBatch *b)
{
	b->kind = STEP_NONE;
	b->len = 0;
}

/*
 * Begin a step of len elements per member: the caller fills every
 * element of b->bcast or of b->out[j] (every j, self's included), then
 * calls step_ready().
 */
static void
step_begin(SmpcBatch *b, StepKind kind, int len, bool broadcast)
{
	int			j;

	if (len > b->cap)
	{
		step_wipe(b);
		b->cap = Max(len, 2 * b->cap);
		for (j = 0; j < b->n; j++)
		{
			b->in[j] = palloc(sizeof(smpc_fe) * b->cap);
			b->out[j] = palloc(sizeof(smpc_fe) * b->cap);
		}
		b->bcast = palloc(sizeof(smpc_fe) * b->cap);
	}
	b->kind = kind;
	b->len = len;
	b->broadcast = broadcast;
	b->npieces = Max(1, (len + SMPC_ENGINE_MAX_VECTOR - 1) / SMPC_ENGINE_MAX_VECTOR);
	b->piece = 0;
	b->round++;
	b->ngot = 0;
	b->prefix = 0;
	b->kb_in = 0;
	memset(b->got, 0, sizeof(b->got));
	if (kind == STEP_TABLE_SHARE || kind == STEP_TABLE_OPEN)
		b->key_rounds += b->npieces;
}

/* Our own vector counts as received from ourselves. */
static void
step_ready(SmpcBatch *b)
{
	memcpy(b->in[b->self], b->broadcast ? b->bcast : b->out[b->self],
		   sizeof(smpc_fe) * b->len);
}

/* Element e opened: the received vectors interpolated at zero. */
static smpc_fe
open_at(const SmpcBatch *b, int e)
{
	smpc_fe		s = 0;
	int			j;

	for (j = 0; j < b->n; j++)
		s = fe_add(s, fe_mul(b->lambda[j], b->in[j][e]));
	return s;
}

/* Sum over senders of element e (shares of one sharing each). */
static smpc_fe
sum_at(const SmpcBatch *b, int e)
{
	smpc_fe		s = 0;
	int			j;

	for (j = 0; j < b->n; j++)
		s = fe_add(s, b->in[j][e]);
	return s;
}

/* Share secret at degree deg into out[j][e] of every member j. */
static void
deal(SmpcBatch *b, int e, smpc_fe secret, int deg)
{
	smpc_fe		sh[SMPC_MAX_MEMBERS];
	int			j;

	split(b, secret, deg, sh);
	for (j = 0; j < b->n; j++)
		b->out[j][e] = sh[j];
	sodium_memzero(sh, sizeof(sh));
}

/* The same public element to every member. */
static void
put_public(SmpcBatch *b, int e, smpc_fe v)
{
	int			j;

	for (j = 0; j < b->n; j++)
		b->out[j][e] = v;
}

/* --- key agreement ------------------------------------------------------- */

static void begin_shares(SmpcBatch *b);

static void
begin_table_share(SmpcBatch *b)
{
	int			M = 3 * b->S;
	int			pre = b->round == 0 ? 1 : 0;	/* the layout digest */
	smpc_fe    *plain = alloc0((size_t) 3 * M, sizeof(smpc_fe));
	int			i,
				s,
				e;

	for (i = 0; i < b->nlocal; i++)
	{
		LKey	   *lk = &b->local[i];
		uint32		slot[3];
		smpc_fe		f,
					R;

		if (lk->decoded)
			continue;
		key_slots(b, lk->d, lk->len, slot, &f);
		R = random_nonzero(b);
		for (s = 0; s < 3; s++)
		{
			smpc_fe    *p = &plain[3 * (size_t) slot[s]];

			p[0] = fe_add(p[0], R);
			p[1] = fe_add(p[1], fe_mul(R, lk->d));
			p[2] = fe_add(p[2], fe_mul(R, f));
		}
	}
	step_begin(b, STEP_TABLE_SHARE, pre + 3 * M, false);
	b->prefix = pre;
	if (pre)
		put_public(b, 0, b->layout);
	for (e = 0; e < 3 * M; e++)
		deal(b, pre + e, plain[e], b->t);
	wipe_free(plain, sizeof(smpc_fe) * 3 * M);
	step_ready(b);
}

static void
finish_table_share(SmpcBatch *b)
{
	int			pre = b->prefix;
	int			cnt = b->len - pre;
	smpc_fe    *sums = palloc(sizeof(smpc_fe) * Max(cnt, 1));
	int			e;

	for (e = 0; e < cnt; e++)
		sums[e] = sum_at(b, pre + e);
	step_begin(b, STEP_TABLE_OPEN, cnt, true);
	memcpy(b->bcast, sums, sizeof(smpc_fe) * cnt);
	wipe_free(sums, sizeof(smpc_fe) * Max(cnt, 1));
	step_ready(b);
}

static int
decoded_cmp(const void *a, const void *b)
{
	smpc_fe		x = ((const Decoded *) a)->d;
	smpc_fe		y = ((const Decoded *) b)->d;

	return (x > y) - (x < y);
}

static bool
slot_zero(const smpc_fe *tab, uint32 s)
{
	return tab[3 * s] == 0 && tab[3 * s + 1] == 0 && tab[3 * s + 2] == 0;
}

/*
 * Peel the opened table: decode every slot that holds one key, take that
 * key out of its three slots, and go on with the slots it touched.  New
 * digests are appended to b->dec.  Returns the slots left nonzero.
 */
static int
peel(SmpcBatch *b, smpc_fe *tab)
{
	int			M = 3 * b->S;
	uint32	   *cand = palloc(sizeof(uint32) * M);
	bool	   *mark = palloc0(sizeof(bool) * M);
	smpc_fe    *inv = palloc(sizeof(smpc_fe) * M);
	Decoded    *wave = palloc(sizeof(Decoded) * M);
	int			ncand = 0,
				left = 0,
				budget = M,
				i;
	uint32		s;

	for (s = 0; s < (uint32) M; s++)
		if (tab[3 * s] != 0)
			cand[ncand++] = s;
	while (ncand > 0 && budget > 0)
	{
		int			nw = 0,
					u = 0,
					nnext = 0;

		/* a slot touched twice may have become empty since */
		for (i = 0; i < ncand; i++)
			if (tab[3 * cand[i]] != 0)
				cand[u++] = cand[i];
			else
				mark[cand[i]] = false;
		ncand = u;
		u = 0;
		for (i = 0; i < ncand; i++)
			inv[i] = tab[3 * cand[i]];
		batch_inverse(inv, ncand);
		for (i = 0; i < ncand; i++)
		{
			uint32		c = cand[i];
			smpc_fe		d = fe_mul(tab[3 * c + 1], inv[i]);
			smpc_fe		f = fe_mul(tab[3 * c + 2], inv[i]);
			Decoded    *w = &wave[nw];
			smpc_fe		fchk;

			mark[c] = false;
			if (d >= BITS120 || f >= BITS120 || (int) (f & 0xff) > SMPC_BATCH_MAX_KEY)
				continue;
			key_slots(b, d, (int) (f & 0xff), w->slot, &fchk);
			if (fchk != f || w->slot[c / b->S] != c)
				continue;
			w->d = d;
			w->f = f;
			w->r = tab[3 * c];
			nw++;
		}
		if (nw == 0)
			break;
		/* a key decoded from two of its slots at once is taken out once */
		qsort(wave, nw, sizeof(Decoded), decoded_cmp);
		for (i = 0; i < nw; i++)
			if (i == 0 || wave[i].d != wave[u - 1].d)
				wave[u++] = wave[i];
		for (i = 0; i < u && budget > 0; i++, budget--)
		{
			Decoded    *w = &wave[i];
			int			q;

			for (q = 0; q < 3; q++)
			{
				smpc_fe    *p = &tab[3 * (size_t) w->slot[q]];

				p[0] = fe_sub(p[0], w->r);
				p[1] = fe_sub(p[1], fe_mul(w->r, w->d));
				p[2] = fe_sub(p[2], fe_mul(w->r, w->f));
				if (p[0] != 0 && !mark[w->slot[q]])
				{
					mark[w->slot[q]] = true;
					cand[nnext++] = w->slot[q];
				}
			}
			if (b->ndec == b->maxdec)
			{
				b->maxdec = Max(64, 2 * b->maxdec);
				b->dec = b->dec ? repalloc(b->dec, sizeof(Decoded) * b->maxdec)
					: palloc(sizeof(Decoded) * b->maxdec);
			}
			b->dec[b->ndec++] = *w;
		}
		ncand = nnext;
	}
	for (s = 0; s < (uint32) M; s++)
		left += slot_zero(tab, s) ? 0 : 1;
	pfree(cand);
	pfree(mark);
	pfree(inv);
	pfree(wave);
	return left;
}

static uint32
pow2_at_least(double x)
{
	uint32		p = 1;

	while (p < x && p < (1u << 30))
		p <<= 1;
	return p;
}

/* The agreed keys: every decoded digest, in digest order. */
static bool
agree_keys(SmpcBatch *b)
{
	int			g,
				i,
				off = 0;

	qsort(b->dec, b->ndec, sizeof(Decoded), decoded_cmp);
	for (g = 1; g < b->ndec; g++)
		if (b->dec[g].d == b->dec[g - 1].d)
		{
			fail(b, "the members could not agree on the grouping keys");
			return false;
		}
	b->nagreed = b->ndec;
	b->agreed = alloc0(b->nagreed, sizeof(AKey));
	for (g = 0; g < b->nagreed; g++)
	{
		AKey	   *a = &b->agreed[g];

		a->d = b->dec[g].d;
		a->len = (int) (b->dec[g].f & 0xff);
		a->local = -1;
		a->kb_off = off;
		off += 1 + (a->len + CHUNK_BYTES - 1) / CHUNK_BYTES;
	}
	b->KB = off;
	for (i = 0; i < b->nlocal; i++)
	{
		Decoded		key;
		Decoded    *hit;

		key.d = b->local[i].d;
		hit = bsearch(&key, b->dec, b->ndec, sizeof(Decoded), decoded_cmp);
		if (hit == NULL || b->agreed[hit - b->dec].len != b->local[i].len)
		{
			fail(b, "the members could not agree on the grouping keys");
			return false;
		}
		b->agreed[hit - b->dec].local = i;
	}
	return true;
}

static void
finish_table_open(SmpcBatch *b)
{
	int			M = 3 * b->S;
	smpc_fe    *tab = palloc(sizeof(smpc_fe) * 3 * M);
	int			e,
				empty = 0,
				before = b->ndec,
				left,
				i;
	uint32		s;

	for (e = 0; e < 3 * M; e++)
		tab[e] = open_at(b, e);
	TRACE(b, "table", tab, 3 * M);
	for (s = 0; s < (uint32) M; s++)
		empty += slot_zero(tab, s) ? 1 : 0;
	left = peel(b, tab);
	pfree(tab);
#ifdef BATCH_DEBUG
	if (b->self == 0)
		fprintf(stderr, "iter %d S %d empty %d decoded %d left %d\n", b->iter, b->S, empty, b->ndec - before, left);
#endif
	if (b->ndec > SMPC_BATCH_MAX_KEYS)
	{
		fail(b, "too many grouping keys: the members hold more than 100000 distinct keys together");
		return;
	}
	/* which of our keys were seen */
	if (b->ndec > before)
	{
		Decoded    *fresh = &b->dec[before];
		int			nfresh = b->ndec - before;

		qsort(fresh, nfresh, sizeof(Decoded), decoded_cmp);
		for (i = 0; i < b->nlocal; i++)
		{
			Decoded		key;

			if (b->local[i].decoded)
				continue;
			key.d = b->local[i].d;
			if (bsearch(&key, fresh, nfresh, sizeof(Decoded), decoded_cmp) != NULL)
				b->local[i].decoded = true;
		}
	}
	if (left == 0)
	{
		if (agree_keys(b))
			begin_shares(b);
		return;
	}
	/*
	 * A full table of the largest size: more keys than it can hold, far
	 * more than SMPC_BATCH_MAX_KEYS (or a member sent garbage).
	 */
	if (b->S == TABLE_SMAX &&
		(empty == 0 || b->S * log((double) M / empty) > 2.0 * SMPC_BATCH_MAX_KEYS))
	{
		fail(b, "too many grouping keys: the members hold more than 100000 distinct keys together");
		return;
	}
	if (++b->iter >= MAX_ITERATIONS)
	{
		fail(b, "the members could not agree on the grouping keys");
		return;
	}

	/*
	 * The next table's size, from what was opened: the keys this table
	 * held, estimated from its empty slots (each sub-table gets each key
	 * once), less those decoded; at least two thirds of the slots left
	 * (each holds two keys or more, each key three slots).  Sub-tables of
	 * that many slots are at most a third full, where peeling nearly
	 * always decodes everything.
	 */
	if (empty == 0)
		b->S = Min(TABLE_SMAX, b->S * TABLE_GROW);
	else
	{
		double		held = b->S * log((double) M / empty);
		double		undecoded = Max(held - (b->ndec - before), 2.0 * left / 3.0);

		b->S = Min(TABLE_SMAX, Max(16, (int) pow2_at_least(undecoded)));
	}
	begin_table_share(b);
}

/* --- values -------------------------------------------------------------- */

/* The layout of every cell's block (see plan_tests() in protocol.c). */
static void
plan_cells(SmpcBatch *b)
{
	int			c,
				off = 0,
				roff = 0;

	for (c = 0; c < b->ncols; c++)
	{
		BCol	   *col = &b->cols[c];
		int			k = col->width;

		col->ncells = b->k > 1 ? (col->dist ? col->width : 1) : 0;
		col->nz = 1 + col->ncells;
		col->i_contrib = k++;
		col->i_cmask = b->linear ? -1 : k++;
		col->i_rows = (col->ncells > 0 && !col->dist) ? k++ : -1;
		col->i_masks = col->ncells > 0 ? k : -1;
		k += col->ncells;
		col->i_zeros = b->linear ? -1 : k;
		if (!b->linear)
			k += col->nz;
		col->bs = k;
		col->off = off;
		off += k;
		col->roff = roff;
		roff += col->width;
	}
	b->KS = off;
}

/* What this member shares as element i of cell (g, c), and its degree. */
static smpc_fe
cell_element(SmpcBatch *b, int g, int c, int i, int *deg)
{
	BCol	   *col = &b->cols[c];
	int			li = b->agreed[g].local;
	int64		rows = li >= 0 ? b->lrows[(size_t) li * b->ncols + c] : 0;
	bool		contributes = rows > 0;

	*deg = b->h;
	if (i < col->width)
	{
		int128		x;

		*deg = b->t;
		if (contributes)
			x = b->lvals[(size_t) li * b->W + col->voff + i];
		else if (col->order)
			x = col->negate ? SMPC_ORDER_NONE_MIN : SMPC_ORDER_NONE_MAX;
		else
			x = 0;
		return fe_from_int(col->negate ? -x : x);
	}
	if (i == col->i_contrib)
	{
		if (b->linear)
			return contributes ? 0 : random_nonzero(b);
		return contributes ? 1 : 0;
	}
	if (i == col->i_rows)
		return fe_from_int(contributes ? rows : 0);
	if (col->i_zeros >= 0 && i >= col->i_zeros)
	{
		*deg = 2 * b->h;
		return 0;
	}
	return batch_random(b);		/* a mask */
}

static void
begin_shares(SmpcBatch *b)
{
	int			pre = b->round == 0 ? 1 : 0;
	size_t		total;
	int			g,
				c,
				i,
				e;

	plan_cells(b);
	b->scale_off = pre;
	total = (size_t) pre + b->ncols + b->KB + (size_t) b->nagreed * b->KS;
	if (total > MAX_STEP_ELEMENTS)
	{
		fail(b, "too many grouping keys: the grouped computation is too large");
		return;
	}
	b->cell_off = pre + b->ncols + b->KB;
	step_begin(b, STEP_SHARES, (int) total, false);
	b->prefix = pre;
	if (pre)
		put_public(b, 0, b->layout);
	for (c = 0; c < b->ncols; c++)
		put_public(b, pre + c, (smpc_fe) b->cols[c].scale);

	/* key bytes: R' (1, chunks) for the keys we hold, zeros for the others */
	for (g = 0; g < b->nagreed && b->mode == SMPC_BATCH_UNION; g++)
	{
		AKey	   *a = &b->agreed[g];
		int			nch = (a->len + CHUNK_BYTES - 1) / CHUNK_BYTES;
		smpc_fe		R = a->local >= 0 ? random_nonzero(b) : 0;

		e = pre + b->ncols + a->kb_off;
		deal(b, e, R, b->t);
		for (i = 0; i < nch; i++)
		{
			uint8		chunk[CHUNK_BYTES];
			smpc_fe		x = 0;

			if (a->local >= 0)
			{
				const LKey *lk = &b->local[a->local];
				int			take = Min(CHUNK_BYTES, lk->len - i * CHUNK_BYTES);

				memset(chunk, 0, sizeof(chunk));
				memcpy(chunk, lk->bytes + i * CHUNK_BYTES, take);
				x = fe_mul(R, (smpc_fe) smpc_batch_get_be(chunk, CHUNK_BYTES));
			}
			deal(b, e + 1 + i, x, b->t);
		}
	}

	/* the cells */
	e = b->cell_off;
	for (g = 0; g < b->nagreed; g++)
		for (c = 0; c < b->ncols; c++)
			for (i = 0; i < b->cols[c].bs; i++)
			{
				int			deg;
				smpc_fe		x = cell_element(b, g, c, i, &deg);

				deal(b, e++, x, deg);
			}
	Assert((size_t) e == total);
	step_ready(b);
}

static void
tests_add_factor(SmpcBatch *b, int *pos, smpc_fe f)
{
	b->tree[(*pos)++] = f;
}

/*
 * Every share is in: the scales, the sums, each order cell's shares per
 * sender, and the first factors of every test (build_tests()).
 */
static void
build_tests(SmpcBatch *b)
{
	size_t		cells = (size_t) b->nagreed * b->KS;
	int			lenc = b->linear ? 1 : 1 + b->m;
	int			lens = 1 + (b->n + 1) * (b->k - 1) + b->m;
	size_t		nfactors = 0;
	int			g,
				c,
				j,
				q,
				ti = 0,
				oi = 0,
				pos = 0;
	size_t		e;

	for (c = 0; c < b->ncols; c++)
	{
		b->cols[c].agreed_scale = 0;
		for (j = 0; j < b->n; j++)
			b->cols[c].agreed_scale = Max(b->cols[c].agreed_scale,
										  (int) b->in[j][b->scale_off + c]);
	}
	b->kb_acc = alloc0(b->KB, sizeof(smpc_fe));
	for (e = 0; e < (size_t) b->KB; e++)
		b->kb_acc[e] = sum_at(b, b->scale_off + b->ncols + e);
	b->acc = alloc0(cells, sizeof(smpc_fe));
	for (e = 0; e < cells; e++)
		b->acc[e] = sum_at(b, b->cell_off + e);

	b->ntests = 0;
	b->norder = 0;
	for (c = 0; c < b->ncols; c++)
	{
		b->ntests += b->nagreed * b->cols[c].nz;
		nfactors += (size_t) b->nagreed * (lenc + (size_t) b->cols[c].ncells * lens);
		if (b->cols[c].order)
			b->norder += b->nagreed;
	}
	if (nfactors > MAX_STEP_ELEMENTS * 2)
	{
		fail(b, "too many grouping keys: the small-cell tests are too large");
		return;
	}
	b->t_off = alloc0(b->ntests, sizeof(int));
	b->t_len = alloc0(b->ntests, sizeof(int));
	b->t_cell = alloc0(b->ntests, sizeof(int));
	b->tree = alloc0(nfactors, sizeof(smpc_fe));
	b->ord_cell = alloc0(b->norder, sizeof(int));
	b->ord_sh = alloc0((size_t) b->norder * b->n, sizeof(smpc_fe));

	for (g = 0; g < b->nagreed; g++)
		for (c = 0; c < b->ncols; c++)
		{
			BCol	   *col = &b->cols[c];
			size_t		base = (size_t) g * b->KS + col->off;
			smpc_fe		contrib = b->acc[base + col->i_contrib];
			int			cell;

			if (col->order)
			{
				for (j = 0; j < b->n; j++)
					b->ord_sh[(size_t) oi * b->n + j] = b->in[j][b->cell_off + base];
				b->ord_cell[oi++] = g * b->ncols + c;
			}
			for (cell = 0; cell < col->nz; cell++)
			{
				b->t_off[ti] = pos;
				b->t_cell[ti] = g * b->ncols + c;
				if (cell == 0)
					tests_add_factor(b, &pos, b->linear ? contrib
									 : b->acc[base + col->i_cmask]);
				else
				{
					size_t		vi = base + (col->i_rows >= 0 ? col->i_rows : cell - 1);
					int			i;

					tests_add_factor(b, &pos, b->acc[base + col->i_masks + cell - 1]);
					/* the joint count, then the joint count less member i's */
					for (i = -1; i < b->n; i++)
					{
						smpc_fe		tv = b->acc[vi];

						if (i >= 0)
							tv = fe_sub(tv, b->in[i][b->cell_off + vi]);
						for (q = 1; q < b->k; q++)
							tests_add_factor(b, &pos, fe_sub(tv, (smpc_fe) q));
					}
				}
				if (!b->linear)
					for (q = 0; q < b->m; q++)
						tests_add_factor(b, &pos, fe_sub(contrib, (smpc_fe) q));
				b->t_len[ti] = pos - b->t_off[ti];
				ti++;
			}
		}
	Assert(ti == b->ntests && (size_t) pos == nfactors);
}

/* Products of the next level: adjacent factors of every long test. */
static int
level_products(const SmpcBatch *b)
{
	int			p = 0,
				i;

	for (i = 0; i < b->ntests; i++)
		if (b->t_len[i] > 2)
			p += b->t_len[i] / 2;
	return p;
}

static void begin_tests(SmpcBatch *b);

static void
begin_level(SmpcBatch *b)
{
	int			np = level_products(b);
	int			pre = b->level == 0 ? b->KB : 0;
	int			q = pre,
				i,
				p;

	if ((size_t) pre + np > MAX_STEP_ELEMENTS)
	{
		fail(b, "too many grouping keys: the small-cell tests are too large");
		return;
	}
	step_begin(b, STEP_LEVEL, pre + np, false);
	b->kb_in = pre;
	b->nprod = np;
	for (i = 0; i < pre; i++)
		put_public(b, i, b->kb_acc[i]);
	for (i = 0; i < b->ntests; i++)
	{
		smpc_fe    *f = &b->tree[b->t_off[i]];

		if (b->t_len[i] <= 2)
			continue;
		for (p = 0; p < b->t_len[i] / 2; p++)
			deal(b, q++, fe_mul(f[2 * p], f[2 * p + 1]), b->h);
	}
	step_ready(b);
}

static bool open_key_bytes(SmpcBatch *b);

static void
finish_level(SmpcBatch *b)
{
	int			pre = b->kb_in;
	int			q = pre,
				i,
				p;

	if (pre > 0 && !open_key_bytes(b))
		return;
	for (i = 0; i < b->ntests; i++)
	{
		smpc_fe    *f = &b->tree[b->t_off[i]];
		int			len = b->t_len[i];
		smpc_fe		carry = f[len - 1];

		if (len <= 2)
			continue;
		for (p = 0; p < len / 2; p++)
		{
			/* degree reduction: the reshares weighted at zero */
			f[p] = open_at(b, q++);
		}
		if (len % 2)
			f[len / 2] = carry;
		b->t_len[i] = (len + 1) / 2;
	}
	b->level++;
	if (level_products(b) > 0)
		begin_level(b);
	else
		begin_tests(b);
}

/* Shares of every test value to all (send_tests()). */
static void
begin_tests(SmpcBatch *b)
{
	int			pre = (b->linear && b->mode == SMPC_BATCH_UNION) ? b->KB : 0;
	int			i,
				zi = 0;

	step_begin(b, STEP_TESTS, pre + b->ntests, true);
	b->kb_in = pre;
	memcpy(b->bcast, b->kb_acc, sizeof(smpc_fe) * pre);
	for (i = 0; i < b->ntests; i++)
	{
		smpc_fe    *f = &b->tree[b->t_off[i]];
		smpc_fe		z = f[0];
		int			cell = b->t_cell[i];
		int			g = cell / b->ncols,
					c = cell % b->ncols;
		BCol	   *col = &b->cols[c];

		/* the test's index within its cell */
		if (i > 0 && b->t_cell[i - 1] == cell)
			zi++;
		else
			zi = 0;
		if (b->t_len[i] == 2)
			z = fe_add(fe_mul(f[0], f[1]),
					   b->acc[(size_t) g * b->KS + col->off + col->i_zeros + zi]);
		b->bcast[pre + i] = z;
	}
	step_ready(b);
}

/* The key bytes' sums are in: open, divide and check every key. */
static bool
open_key_bytes(SmpcBatch *b)
{
	smpc_fe    *r = alloc0(b->nagreed, sizeof(smpc_fe));
	size_t		total = 0;
	uint8	   *pool;
	int			g,
				i;

	for (g = 0; g < b->nagreed; g++)
		total += b->agreed[g].len;
	b->agreed_bytes = pool = alloc0(total, 1);
	for (g = 0; g < b->nagreed; g++)
	{
		r[g] = open_at(b, b->agreed[g].kb_off);
		if (r[g] == 0)
		{
			pfree(r);
			fail(b, "a member sent a grouping key that is not valid");
			return false;
		}
	}
	batch_inverse(r, b->nagreed);
	for (g = 0; g < b->nagreed; g++)
	{
		AKey	   *a = &b->agreed[g];
		int			nch = (a->len + CHUNK_BYTES - 1) / CHUNK_BYTES;

		a->bytes = pool;
		for (i = 0; i < nch; i++)
		{
			smpc_fe		x = fe_mul(open_at(b, a->kb_off + 1 + i), r[g]);
			uint8		chunk[CHUNK_BYTES];
			int			take = Min(CHUNK_BYTES, a->len - i * CHUNK_BYTES),
						q;

			if (x >= BITS120)
				break;
			for (q = 0; q < CHUNK_BYTES; q++)
				chunk[q] = (uint8) (x >> (8 * (CHUNK_BYTES - 1 - q)));
			/* the last chunk is padded with zeros */
			for (q = take; q < CHUNK_BYTES; q++)
				if (chunk[q] != 0)
					break;
			if (q < CHUNK_BYTES)
				break;
			memcpy(pool + i * CHUNK_BYTES, chunk, take);
		}
		if (i < nch || key_digest(pool, a->len) != a->d)
		{
			pfree(r);
			fail(b, "a member sent a grouping key that is not valid");
			return false;
		}
		pool += a->len;
	}
#ifdef SMPC_ENGINE_TRACE
	{
		smpc_fe    *opened = alloc0(b->KB, sizeof(smpc_fe));

		for (i = 0; i < b->KB; i++)
			opened[i] = open_at(b, i);
		TRACE(b, "keys", opened, b->KB);
		pfree(opened);
	}
#endif
	pfree(r);
	return true;
}

static void finish_engine(SmpcBatch *b);
static bool start_engines(SmpcBatch *b, const smpc_fe *inputs);
static int	engines_len(const SmpcBatch *b);
static void engines_outgoing(SmpcBatch *b, int at);

/* Decide from the opened test values, then send the released sums. */
static void
finish_tests(SmpcBatch *b)
{
	int			pre = b->kb_in;
	smpc_fe    *z = alloc0(b->ntests, sizeof(smpc_fe));
	int			i,
				g,
				c,
				v,
				q = 0;

	if (pre > 0 && !open_key_bytes(b))
	{
		pfree(z);
		return;
	}
	for (i = 0; i < b->ntests; i++)
		z[i] = open_at(b, pre + i);
	TRACE(b, "tests", z, b->ntests);
	b->status = alloc0((size_t) b->nagreed * b->ncols, sizeof(uint8));
	b->rnull = alloc0((size_t) b->nagreed * b->W, sizeof(bool));
	b->rvals = alloc0((size_t) b->nagreed * b->W, sizeof(int128));
	for (g = 0; g < b->nagreed; g++)
		for (c = 0; c < b->ncols; c++)
		{
			BCol	   *col = &b->cols[c];
			smpc_fe    *zc = &z[q];
			uint8	   *st = &b->status[(size_t) g * b->ncols + c];
			bool	   *nul = &b->rnull[(size_t) g * b->W + col->roff];

			q += col->nz;
			if (b->linear ? zc[0] != 0 : zc[0] == 0)
				*st = SMPC_BATCH_FEW_PARTIES;
			else if (col->ncells > 0 && col->i_rows >= 0 && zc[1] == 0)
				*st = SMPC_BATCH_SMALL_CELL;
			else
				*st = SMPC_BATCH_RELEASED;
			for (v = 0; v < col->width; v++)
				nul[v] = *st != SMPC_BATCH_RELEASED ||
					(col->dist && col->ncells > 0 && zc[1 + v] == 0);
		}
	pfree(z);

	/* the sums of the released values; the released extremes' shares */
	b->nsums = 0;
	b->neng = 0;
	b->eng_cell = alloc0(b->norder, sizeof(int));
	for (g = 0; g < b->nagreed; g++)
		for (c = 0; c < b->ncols; c++)
		{
			BCol	   *col = &b->cols[c];

			if (b->status[(size_t) g * b->ncols + c] != SMPC_BATCH_RELEASED)
				continue;
			if (col->order)
				continue;
			for (v = 0; v < col->width; v++)
				if (!b->rnull[(size_t) g * b->W + col->roff + v])
					b->nsums++;
		}
	{
		smpc_fe    *inputs = alloc0((size_t) b->norder * b->n, sizeof(smpc_fe));
		int			elen = 0,
					o;

		for (o = 0; o < b->norder; o++)
			if (b->status[b->ord_cell[o]] == SMPC_BATCH_RELEASED)
			{
				memcpy(&inputs[(size_t) b->neng * b->n], &b->ord_sh[(size_t) o * b->n],
					   sizeof(smpc_fe) * b->n);
				b->eng_cell[b->neng++] = b->ord_cell[o];
			}
		if (b->neng > 0 && !start_engines(b, inputs))
		{
			wipe_free(inputs, sizeof(smpc_fe) * Max(b->norder * b->n, 1));
			return;
		}
		elen = engines_len(b);
		wipe_free(inputs, sizeof(smpc_fe) * Max(b->norder * b->n, 1));

		if (b->nsums + elen == 0)
		{
			step_clear(b);
			b->done = true;
			return;
		}
		step_begin(b, STEP_OUTPUT, b->nsums + elen, false);
		b->prefix = b->nsums;
		q = 0;
		for (g = 0; g < b->nagreed; g++)
			for (c = 0; c < b->ncols; c++)
			{
				BCol	   *col = &b->cols[c];

				if (b->status[(size_t) g * b->ncols + c] != SMPC_BATCH_RELEASED || col->order)
					continue;
				for (v = 0; v < col->width; v++)
					if (!b->rnull[(size_t) g * b->W + col->roff + v])
						put_public(b, q++,
								   b->acc[(size_t) g * b->KS + col->off + v]);
			}
		engines_outgoing(b, b->nsums);
		step_ready(b);
	}
}

static void
finish_output(SmpcBatch *b)
{
	int			g,
				c,
				v,
				q = 0;

	for (g = 0; g < b->nagreed; g++)
		for (c = 0; c < b->ncols; c++)
		{
			BCol	   *col = &b->cols[c];

			if (b->status[(size_t) g * b->ncols + c] != SMPC_BATCH_RELEASED || col->order)
				continue;
			for (v = 0; v < col->width; v++)
			{
				size_t		r = (size_t) g * b->W + col->roff + v;

				if (!b->rnull[r])
					b->rvals[r] = fe_to_int(open_at(b, q++));
			}
		}
#ifdef SMPC_ENGINE_TRACE
	if (smpc_batch_trace && b->nsums > 0)
	{
		smpc_fe    *opened = alloc0(b->nsums, sizeof(smpc_fe));

		for (q = 0; q < b->nsums; q++)
			opened[q] = open_at(b, q);
		TRACE(b, "sums", opened, b->nsums);
		pfree(opened);
	}
#endif
	if (b->nengines == 0)
	{
		step_clear(b);
		b->done = true;
		return;
	}
	finish_engine(b);
}

/*
 * Start the comparisons of the released extremes: one engine program MAX
 * over all of them, or, beyond what one program's vectors hold, several
 * of equal size (the largest accepted, found alike by every member) whose
 * vectors travel side by side in the same rounds.
 */
static bool
start_engines(SmpcBatch *b, const smpc_fe *inputs)
{
	const char *why = NULL;
	int			per = b->neng,
				i;

	for (;;)
	{
		SmpcEngine *e = smpc_engine_start(SMPC_PROG_MAX, b->n, b->self, b->t,
										  SMPC_ORDER_BITS, inputs, per * b->n, &why);

		if (e != NULL)
		{
			smpc_engine_free(e);
			break;
		}
		if (per == 1)
		{
			fail(b, why ? why : "the comparisons could not start");
			return false;
		}
		per = (per + 1) / 2;
	}
	b->eng_groups = per;
	b->nengines = (b->neng + per - 1) / per;
	b->engines = alloc0(b->nengines, sizeof(SmpcEngine *));
	for (i = 0; i < b->nengines; i++)
	{
		int			first = i * per,
					cnt = Min(per, b->neng - first);

		b->engines[i] = smpc_engine_start(SMPC_PROG_MAX, b->n, b->self, b->t,
										  SMPC_ORDER_BITS, inputs + (size_t) first * b->n,
										  cnt * b->n, &why);
		if (b->engines[i] == NULL)
		{
			fail(b, why ? why : "the comparisons could not start");
			return false;
		}
	}
	return true;
}

/* Elements of the engines' current round, to each member (the same). */
static int
engines_len(const SmpcBatch *b)
{
	int			total = 0,
				i;

	for (i = 0; i < b->nengines; i++)
	{
		const smpc_fe *ev;
		int			elen;

		smpc_engine_outgoing(b->engines[i], b->self == 0 ? 1 : 0, &ev, &elen);
		total += elen;
	}
	return total;
}

/* The engines' vectors side by side, from element "at" of each out[j]. */
static void
engines_outgoing(SmpcBatch *b, int at)
{
	int			i,
				j;

	for (j = 0; j < b->n; j++)
	{
		int			pos = at;

		if (j == b->self)
			continue;
		for (i = 0; i < b->nengines; i++)
		{
			const smpc_fe *ev;
			int			elen;

			smpc_engine_outgoing(b->engines[i], j, &ev, &elen);
			memcpy(b->out[j] + pos, ev, sizeof(smpc_fe) * elen);
			pos += elen;
		}
	}
}

/* Hand the engines every member's part of this step, and go on. */
static void
finish_engine(SmpcBatch *b)
{
	int			i,
				j,
				k;
	bool		done = true;

	for (j = 0; j < b->n; j++)
	{
		int			pos = b->prefix;

		if (j == b->self)
			continue;
		for (i = 0; i < b->nengines; i++)
		{
			const smpc_fe *ev;
			int			elen;
			const char *why = NULL;

			/* each round's vectors have one length for every member */
			smpc_engine_outgoing(b->engines[i], j, &ev, &elen);
			if (pos + elen > b->len ||
				!smpc_engine_incoming(b->engines[i], j, smpc_engine_round(b->engines[i]),
									  b->in[j] + pos, elen, &why))
			{
				fail(b, "a member sent a comparison round that is not valid");
				return;
			}
			pos += elen;
		}
	}
	for (i = 0; i < b->nengines; i++)
	{
		smpc_engine_advance(b->engines[i]);
		done &= smpc_engine_done(b->engines[i]);
	}
	if (done)
	{
		int128	   *res = alloc0(b->eng_groups, sizeof(int128));

		for (i = 0; i < b->nengines; i++)
		{
			int			first = i * b->eng_groups,
						cnt = Min(b->eng_groups, b->neng - first);

			if (smpc_engine_result(b->engines[i], res, cnt) != cnt)
			{
				pfree(res);
				fail(b, "the comparisons gave no result");
				return;
			}
			for (k = 0; k < cnt; k++)
			{
				int			cell = b->eng_cell[first + k];
				int			g = cell / b->ncols,
							c = cell % b->ncols;

				b->rvals[(size_t) g * b->W + b->cols[c].roff] =
					b->cols[c].negate ? -res[k] : res[k];
			}
		}
		pfree(res);
		step_clear(b);
		b->done = true;
		return;
	}
	for (i = 0; i < b->nengines; i++)
		if (smpc_engine_done(b->engines[i]))
		{
			fail(b, "the comparisons ended out of step");
			return;
		}
	step_begin(b, STEP_ENGINE, engines_len(b), false);
	engines_outgoing(b, 0);
	step_ready(b);
}

/* --- the interface --------------------------------------------------------- */

/* A digest of everything the members must agree on, as one element. */
static smpc_fe
layout_digest(const SmpcBatch *b, const SmpcBatchSettings *s)
{
	crypto_generichash_state st;
	uint8		h[16];
	int32		hdr[6];
	int			c,
				g;

	hdr[0] = 1;
	hdr[1] = s->n;
	hdr[2] = s->degree;
	hdr[3] = s->min_parties;
	hdr[4] = s->min_cell_count;
	hdr[5] = b->mode;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8 *) "smpc-batch-layout-v1", 20);
	crypto_generichash_update(&st, (const uint8 *) hdr, sizeof(hdr));
	for (c = 0; c < b->ncols; c++)
	{
		int32		col[3] = {b->cols[c].kind, b->cols[c].vclass, b->cols[c].width};

		crypto_generichash_update(&st, (const uint8 *) col, sizeof(col));
	}
	if (b->mode == SMPC_BATCH_DECLARED)
		for (g = 0; g < b->nagreed; g++)
		{
			int32		len = b->agreed[g].len;

			crypto_generichash_update(&st, (const uint8 *) &len, sizeof(len));
			crypto_generichash_update(&st, b->agreed[g].bytes, len);
		}
	crypto_generichash_final(&st, h, sizeof(h));
	return (smpc_fe) smpc_batch_get_be(h, 15);
}

SmpcBatch *
smpc_batch_start(const SmpcBatchSettings *s, const uint8 *input, size_t len,
				 const char **why)
{
	SmpcBatch  *b;
	bool		has_order;
	int			xs[SMPC_MAX_MEMBERS];
	int128		bound;
	size_t		e;
	int			i,
				c;

	if (s == NULL || s->n < 2 || s->n > SMPC_MAX_MEMBERS || s->self < 0 || s->self >= s->n ||
		s->degree < 1 || s->degree >= s->n || s->min_parties < 2 || s->min_parties > s->n ||
		s->min_cell_count < 1 || s->min_cell_count > 10)
	{
		*why = "the settings of the grouped computation are not valid";
		return NULL;
	}
	if (!smpc_batch_check_input(input, len, &has_order, why))
		return NULL;
	if (has_order && 2 * s->degree >= s->n)
	{
		*why = "smpc_min and smpc_max need an honest majority: max_colluders below half the members";
		return NULL;
	}
	if (s->min_cell_count > 1 && 2 * s->degree >= s->n)
	{
		*why = "small-cell protection needs an honest majority: max_colluders below half the members";
		return NULL;
	}

	b = palloc0(sizeof(SmpcBatch));
	b->n = s->n;
	b->self = s->self;
	b->t = s->degree;
	b->m = s->min_parties;
	b->k = s->min_cell_count;
	b->linear = b->m >= b->n && b->k <= 1;
	b->h = b->linear ? b->t : Min(b->t, (b->n - 1) / 2);
	memcpy(b->seed, s->seed, sizeof(b->seed));
	for (i = 0; i < b->n; i++)
		xs[i] = i + 1;
	shamir_lagrange(xs, b->n, b->lambda);
	parse_input(input, len, b, &has_order, why);

	/* each member's own values against the group's size (protocol.c) */
	bound = SMPC_FIELD_LIMIT / b->n;
	for (e = 0; e < (size_t) b->nlocal * b->ncols; e++)
	{
		int			li = (int) (e / b->ncols);

		c = (int) (e % b->ncols);
		if (b->lrows[e] <= 0)
			continue;
		for (i = 0; i < b->cols[c].width; i++)
		{
			int128		x = b->lvals[(size_t) li * b->W + b->cols[c].voff + i];

			if (x > bound || x < -bound)
			{
				smpc_batch_free(b);
				*why = "value out of range for smpc";
				return NULL;
			}
		}
	}
	b->layout = layout_digest(b, s);
	if (b->mode == SMPC_BATCH_UNION)
	{
		b->S = TABLE_S0;
		begin_table_share(b);
	}
	else
		begin_shares(b);
	if (b->failed)
	{
		*why = b->why;
		smpc_batch_free(b);
		return NULL;
	}
	return b;
}

int
smpc_batch_round(const SmpcBatch *b)
{
	return (b->done || b->failed) ? 0 : b->round;
}

void
smpc_batch_outgoing(const SmpcBatch *b, int j, const smpc_fe **v, int *len)
{
	const smpc_fe *all;
	int			first = b->piece * SMPC_ENGINE_MAX_VECTOR;

	*v = NULL;
	*len = 0;
	if (b->done || b->failed || j < 0 || j >= b->n || j == b->self)
		return;
	all = b->broadcast ? b->bcast : b->out[j];
	*v = all + first;
	*len = Min(SMPC_ENGINE_MAX_VECTOR, b->len - first);
}

bool
smpc_batch_incoming(SmpcBatch *b, int j, int round, const smpc_fe *v, int len,
					const char **why)
{
	int			first = b->piece * SMPC_ENGINE_MAX_VECTOR;
	int			expect = Min(SMPC_ENGINE_MAX_VECTOR, b->len - first);
	int			e;

	if (b->done || b->failed)
	{
		*why = "the grouped computation has ended";
		return false;
	}
	if (j < 0 || j >= b->n || j == b->self)
	{
		*why = "no such member";
		return false;
	}
	if (round != b->round)
	{
		*why = "a vector of another round";
		return false;
	}
	if (b->got[j])
	{
		*why = "a second vector from the member in this round";
		return false;
	}
	/* the first vector begins with the digest of the computation */
	if (round == 1 && len >= 1 && v[0] != b->layout)
	{
		fail(b, "the members disagree on the grouped computation");
		*why = "the member computes another grouped computation";
		return false;
	}
	if (len != expect || (len > 0 && v == NULL))
	{
		*why = "a vector of the wrong length";
		return false;
	}
	if (b->kind == STEP_SHARES)
		for (e = Max(first, b->scale_off); e < Min(first + len, b->scale_off + b->ncols); e++)
		{
			smpc_fe		sc = v[e - first];
			int			c = e - b->scale_off;

			if (sc > SMPC_EXACT_SCALE ||
				(b->cols[c].vclass == SMPC_CLASS_FLOAT && sc != 0))
			{
				*why = "an announced scale out of range";
				return false;
			}
		}
	for (e = 0; e < len; e++)
		if (v[e] >= SMPC_FIELD_P)
		{
			*why = "an element that is not reduced";
			return false;
		}
	memcpy(b->in[j] + first, v, sizeof(smpc_fe) * len);
	b->got[j] = true;
	b->ngot++;
	return true;
}

bool
smpc_batch_round_complete(const SmpcBatch *b)
{
	return !b->done && !b->failed && b->ngot == b->n - 1;
}

void
smpc_batch_advance(SmpcBatch *b)
{
	if (!smpc_batch_round_complete(b))
		return;
	if (b->piece + 1 < b->npieces)
	{
		b->piece++;
		b->round++;
		b->ngot = 0;
		memset(b->got, 0, sizeof(b->got));
		return;
	}
	switch (b->kind)
	{
		case STEP_TABLE_SHARE:
			finish_table_share(b);
			break;
		case STEP_TABLE_OPEN:
			finish_table_open(b);
			break;
		case STEP_SHARES:
			build_tests(b);
			if (b->failed)
				break;
			/* every share in: nothing per sender is needed any more */
			if (b->linear)
				begin_tests(b);
			else
				begin_level(b);
			break;
		case STEP_LEVEL:
			finish_level(b);
			break;
		case STEP_TESTS:
			finish_tests(b);
			break;
		case STEP_OUTPUT:
			finish_output(b);
			break;
		case STEP_ENGINE:
			finish_engine(b);
			break;
		case STEP_NONE:
			break;
	}
	if (b->failed)
		step_clear(b);
}

bool
smpc_batch_done(const SmpcBatch *b)
{
	return b->done && !b->failed;
}

bool
smpc_batch_failed(const SmpcBatch *b, const char **why)
{
	if (b->failed && why)
		*why = b->why;
	return b->failed;
}

typedef struct SortRef
{
	const SmpcBatch *b;
	int			g;
} SortRef;

static int
agreed_cmp(const void *x, const void *y)
{
	const AKey *a = &((const SortRef *) x)->b->agreed[((const SortRef *) x)->g];
	const AKey *c = &((const SortRef *) y)->b->agreed[((const SortRef *) y)->g];

	return smpc_batch_key_cmp(a->bytes, a->len, c->bytes, c->len);
}

void
smpc_batch_result(const SmpcBatch *b, StringInfo out)
{
	SortRef    *order;
	int			g,
				c,
				v;

	if (!smpc_batch_done(b))
		return;
	order = alloc0(b->nagreed, sizeof(SortRef));
	for (g = 0; g < b->nagreed; g++)
	{
		order[g].b = b;
		order[g].g = g;
	}
	if (b->mode == SMPC_BATCH_UNION)
		qsort(order, b->nagreed, sizeof(SortRef), agreed_cmp);
	smpc_batch_put_be(out, (uint128) b->nagreed, 4);
	smpc_batch_put_be(out, (uint128) b->ncols, 2);
	for (c = 0; c < b->ncols; c++)
		smpc_batch_put_be(out, (uint128) (b->cols[c].vclass == SMPC_CLASS_FLOAT ? 0 : b->cols[c].agreed_scale), 4);
	for (g = 0; g < b->nagreed; g++)
	{
		const AKey *a = &b->agreed[order[g].g];
		int			gi = order[g].g;

		smpc_batch_put_be(out, (uint128) a->len, 2);
		appendBinaryStringInfo(out, (const char *) a->bytes, a->len);
		for (c = 0; c < b->ncols; c++)
		{
			const BCol *col = &b->cols[c];

			appendStringInfoChar(out, (char) b->status[(size_t) gi * b->ncols + c]);
			smpc_batch_put_be(out, (uint128) col->width, 2);
			for (v = 0; v < col->width; v++)
			{
				size_t		r = (size_t) gi * b->W + col->roff + v;

				appendStringInfoChar(out, b->rnull[r] ? 1 : 0);
				smpc_batch_put_be(out, b->rnull[r] ? 0 : (uint128) b->rvals[r], 16);
			}
		}
	}
	pfree(order);
}

int
smpc_batch_key_rounds(const SmpcBatch *b)
{
	return b->key_rounds;
}

void
smpc_batch_free(SmpcBatch *b)
{
	size_t		cells;
	int			i;

	if (b == NULL)
		return;
	cells = (size_t) b->nagreed * b->KS;
	step_wipe(b);
	for (i = 0; i < b->nengines; i++)
		smpc_engine_free(b->engines[i]);
	if (b->engines)
		pfree(b->engines);
	wipe_free(b->local, sizeof(LKey) * Max(b->nlocal, 1));
	if (b->local_bytes)
		pfree(b->local_bytes);
	wipe_free(b->lrows, sizeof(int64) * Max((size_t) b->nlocal * b->ncols, 1));
	wipe_free(b->lvals, sizeof(int128) * Max((size_t) b->nlocal * b->W, 1));
	if (b->agreed)
		pfree(b->agreed);
	if (b->agreed_bytes)
		pfree(b->agreed_bytes);
	if (b->dec)
		pfree(b->dec);
	wipe_free(b->kb_acc, sizeof(smpc_fe) * Max(b->KB, 1));
	wipe_free(b->acc, sizeof(smpc_fe) * Max(cells, 1));
	if (b->t_off)
		pfree(b->t_off);
	if (b->t_len)
		pfree(b->t_len);
	if (b->t_cell)
		pfree(b->t_cell);
	if (b->tree)
	{
		size_t		nf = 0;
		int			c;
		int			lenc = b->linear ? 1 : 1 + b->m;
		int			lens = 1 + (b->n + 1) * (b->k - 1) + b->m;

		for (c = 0; c < b->ncols; c++)
			nf += (size_t) b->nagreed * (lenc + (size_t) b->cols[c].ncells * lens);
		wipe_free(b->tree, sizeof(smpc_fe) * Max(nf, 1));
	}
	if (b->ord_cell)
		pfree(b->ord_cell);
	wipe_free(b->ord_sh, sizeof(smpc_fe) * Max((size_t) b->norder * b->n, 1));
	if (b->eng_cell)
		pfree(b->eng_cell);
	if (b->status)
		pfree(b->status);
	if (b->rnull)
		pfree(b->rnull);
	wipe_free(b->rvals, sizeof(int128) * Max((size_t) b->nagreed * b->W, 1));
	wipe_free(b, sizeof(SmpcBatch));
}
