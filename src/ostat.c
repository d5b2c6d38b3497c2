/*-------------------------------------------------------------------------
 *
 * ostat.c
 *	  Order statistics (smpc_percentile_disc, smpc_percentile_cont,
 *	  smpc_median) and the auction clearing price (smpc_clearing_price,
 *	  smpc_clearing_volume): the local side.
 *
 * Each member keeps its own rows' order keys (order.c), sorts them and
 * counts them, which reveals nothing to anyone; the worker then runs the
 * search of search.h, in which only summed counts are compared.  For the
 * clearing price each member turns its bids into its demand and supply at
 * every price of the grid, locally, and the search runs over the grid.
 *
 * The percentiles follow PostgreSQL's orderedsetaggs.c exactly: the same
 * fraction checks, the same rows picked (the ranks are computed in
 * float8 from the joint row count, as there), and the same interpolation
 * for percentile_cont.  Numeric results are the exact value with the
 * display scale agreed by the members (the largest of theirs).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <sodium.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "aggregates.h"
#include "batch.h"
#include "groupby.h"
#include "search.h"
#include "shmem.h"
#include "smpc.h"

PG_FUNCTION_INFO_V1(smpc_ostat_osa_trans);
PG_FUNCTION_INFO_V1(smpc_ostat_trans);
PG_FUNCTION_INFO_V1(smpc_pct_disc_final);
PG_FUNCTION_INFO_V1(smpc_pct_disc_multi_final);
PG_FUNCTION_INFO_V1(smpc_pct_cont_final);
PG_FUNCTION_INFO_V1(smpc_pct_cont_multi_final);
PG_FUNCTION_INFO_V1(smpc_median_final);
PG_FUNCTION_INFO_V1(smpc_clearing_trans);
PG_FUNCTION_INFO_V1(smpc_clearing_price_final);
PG_FUNCTION_INFO_V1(smpc_clearing_volume_final);

/*
 * The local state of the order statistics: every non-NULL row's key, in
 * the aggregate's memory context.  The common part's count is the number
 * of keys; median keeps its group and label there too.
 */
typedef struct OstatState
{
	SmpcAggState agg;
	Oid			type;
	int32		dscale;			/* numeric: the largest display scale */
	int128	   *keys;
	int64		cap;
	MemoryContext cxt;
} OstatState;

/* One bid of the clearing price aggregates. */
typedef struct Bid
{
	int128		price;			/* order key: the price times 10^8 */
	int128		qty;			/* the quantity times 10^8 */
	bool		buy;
} Bid;

typedef struct ClearState
{
	SmpcAggState agg;			/* count: bids */
	Bid		   *bids;
	int64		cap;
	int32		qscale;			/* the largest display scale of quantities */
	MemoryContext cxt;
} ClearState;

/* What the members' searches agree on besides the group: see ostat_desc. */
typedef struct PctQuery
{
	uint8		mode;			/* SMPC_SEARCH_DISC or _CONT */
	double		fraction;
	int			idx;			/* its place in the caller's array */
} PctQuery;

/* ---------- transition ---------- */

static OstatState *
ostat_begin(FunctionCallInfo fcinfo, Oid type)
{
	MemoryContext aggctx;
	OstatState *st;
	int			ctx;

	if (likely(!PG_ARGISNULL(0)))
		return (OstatState *) PG_GETARG_POINTER(0);
	ctx = AggCheckCallContext(fcinfo, &aggctx);
	if (ctx == AGG_CONTEXT_WINDOW)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("smpc aggregates cannot be used as window functions")));
	if (ctx == 0)
		elog(ERROR, "smpc transition function called in non-aggregate context");
	if (!smpc_order_type_supported(type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("smpc order statistics do not support type %s", format_type_be(type)),
				 errhint("They take smallint, integer, bigint, numeric, real, double precision, date, timestamp and timestamptz.")));
	st = MemoryContextAllocZero(aggctx, sizeof(OstatState));
	st->agg.input = IN_ANY;
	st->type = type;
	st->cxt = aggctx;
	st->cap = 1024;
	st->keys = MemoryContextAllocHuge(aggctx, sizeof(int128) * st->cap);
	return st;
}

static inline void
ostat_add(FunctionCallInfo fcinfo, OstatState *st, Datum value, const char *what)
{
	int32		dscale;
	int128		key = smpc_order_key(value, st->type, &dscale, what);

	if (unlikely(st->agg.count == st->cap))
	{
		if (st->cap >= SMPC_SEARCH_MAX_ROWS / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for %s", what)));
		st->cap *= 2;
		st->keys = repalloc_huge(st->keys, sizeof(int128) * st->cap);
	}
	st->keys[st->agg.count++] = key;
	if (dscale > st->dscale)
		st->dscale = dscale;
}

/* The ordered-set aggregates: (state, x); the group comes with the final call. */
Datum
smpc_ostat_osa_trans(PG_FUNCTION_ARGS)
{
	OstatState *st;
	Oid			type;

	if (PG_ARGISNULL(0))
	{
		type = get_fn_expr_argtype(fcinfo->flinfo, 1);
		st = ostat_begin(fcinfo, type);
	}
	else
		st = (OstatState *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(1))
		ostat_add(fcinfo, st, PG_GETARG_DATUM(1), "smpc order statistics");
	PG_RETURN_POINTER(st);
}

/* smpc_median: (state, x, group [, label]) */
Datum
smpc_ostat_trans(PG_FUNCTION_ARGS)
{
	OstatState *st;

	if (PG_ARGISNULL(0))
		st = ostat_begin(fcinfo, get_fn_expr_argtype(fcinfo->flinfo, 1));
	else
		st = (OstatState *) PG_GETARG_POINTER(0);
	if (!st->agg.key_fixed)
		note_key(&st->agg, fcinfo, 2, 3);
	if (!PG_ARGISNULL(1))
		ostat_add(fcinfo, st, PG_GETARG_DATUM(1), "smpc_median");
	PG_RETURN_POINTER(st);
}

/* ---------- sorting keys ---------- */

/*
 * Sort keys in place.  Keys that all fit in 64 bits (every type but
 * numeric, and numerics below about 9.2e10) go through a least significant
 * digit first radix sort as 8-byte values with 11-bit digits, whose 2048
 * buckets stay in the cache, skipping the passes in which every key has
 * the same digit (integers use few bits); larger numerics through qsort.
 */
#define RADIX64_BITS 11
#define RADIX64_PASSES ((64 + RADIX64_BITS - 1) / RADIX64_BITS)

static int
key_cmp(const void *a, const void *b)
{
	int128		x = *(const int128 *) a;
	int128		y = *(const int128 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* uint64 values (key + 2^63), in place */
static void
sort_u64(uint64 *v, int64 n)
{
	const uint64 mask = (1u << RADIX64_BITS) - 1;
	int64	   *count = palloc0(sizeof(int64) * RADIX64_PASSES * (1 << RADIX64_BITS));
	uint64	   *tmp = palloc_extended(sizeof(uint64) * n, MCXT_ALLOC_HUGE);
	uint64	   *src = v,
			   *dst = tmp;
	int			pass;
	int64		i;

	for (i = 0; i < n; i++)
	{
		uint64		x = v[i];

		for (pass = 0; pass < RADIX64_PASSES; pass++)
			count[pass * (1 << RADIX64_BITS) + ((x >> (pass * RADIX64_BITS)) & mask)]++;
	}
	for (pass = 0; pass < RADIX64_PASSES; pass++)
	{
		int64	   *c = count + pass * (1 << RADIX64_BITS);
		int64		sum = 0;
		int			d;

		if (c[(src[0] >> (pass * RADIX64_BITS)) & mask] == n)
			continue;
		for (d = 0; d < (1 << RADIX64_BITS); d++)
		{
			int64		k = c[d];

			c[d] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			dst[c[(src[i] >> (pass * RADIX64_BITS)) & mask]++] = src[i];
		{
			uint64	   *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != v)
		memcpy(v, src, sizeof(uint64) * n);
	sodium_memzero(tmp, sizeof(uint64) * n);
	pfree(tmp);
	pfree(count);
}

static void
sort_keys(int128 *keys, int64 n)
{
	uint64	   *v;
	int64		i;

	if (n < 2)
		return;
	for (i = 0; i < n; i++)
		if (keys[i] < PG_INT64_MIN || keys[i] > PG_INT64_MAX)
		{
			qsort(keys, n, sizeof(int128), key_cmp);
			return;
		}
	v = palloc_extended(sizeof(uint64) * n, MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
		v[i] = (uint64) (int64) keys[i] ^ (UINT64CONST(1) << 63);
	sort_u64(v, n);
	for (i = 0; i < n; i++)
		keys[i] = (int128) (int64) (v[i] ^ (UINT64CONST(1) << 63));
	sodium_memzero(v, sizeof(uint64) * n);
	pfree(v);
}

/* ---------- the search input and result ---------- */

static void
put_u(StringInfo s, uint64 v, int len)
{
	smpc_batch_put_be(s, (uint128) v, len);
}

static void
put_i128(StringInfo s, int128 v)
{
	smpc_batch_put_be(s, (uint128) v, 16);
}

/* The local input of one ORDER instance (search.h), keys sorted. */
static void
encode_order(StringInfo s, OstatState *st, const PctQuery *q, int nq)
{
	int64		i,
				ndistinct = 0;
	int			k;

	put_u(s, 1, 1);
	put_u(s, SMPC_SEARCH_ORDER, 1);
	put_u(s, 0, 1);
	put_u(s, 1, 2);
	put_u(s, nq, 2);
	for (k = 0; k < nq; k++)
	{
		uint64		bits;

		memcpy(&bits, &q[k].fraction, sizeof(bits));
		put_u(s, q[k].mode, 1);
		put_u(s, bits, 8);
	}
	if (st != NULL && st->agg.count > 0)
	{
		sort_keys(st->keys, st->agg.count);
		for (i = 0; i < st->agg.count; i++)
			if (i == 0 || st->keys[i] != st->keys[i - 1])
				ndistinct++;
	}
	put_u(s, (uint64) ndistinct, 4);
	if (ndistinct == 0)
		return;
	/* a key and its count take at most 12 + 6 bytes (search.h) */
	if (ndistinct > (int64) ((MaxAllocSize - s->len - 1) / 18))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct values for an smpc order statistic"),
				 errdetail("A member may have at most %d distinct values.",
						   (int) ((MaxAllocSize - s->len - 1) / 18))));
	for (i = 0; i < st->agg.count;)
	{
		int64		j = i;

		while (j < st->agg.count && st->keys[j] == st->keys[i])
			j++;
		smpc_search_put_key(s, i == 0, i == 0 ? 0 : st->keys[i - 1], st->keys[i],
							(uint64) (j - i));
		i = j;
	}
}

/* A reader of the result. */
typedef struct Rd
{
	const uint8 *p;
	size_t		left;
} Rd;

static uint128
rd_be(Rd *r, int len)
{
	uint128		v;

	if (r->left < (size_t) len)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the result of an smpc order statistic is truncated")));
	v = smpc_batch_get_be(r->p, len);
	r->p += len;
	r->left -= len;
	return v;
}

/*
 * What every member must agree on besides the group and label: the
 * aggregate, the input type and the fractions (or the grid).
 */
static void
ostat_desc(const char *what, Oid type, const PctQuery *q, int nq, uint8 *out)
{
	crypto_generichash_state hs;
	const char *tname = format_type_be(type);
	int			k;

	crypto_generichash_init(&hs, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&hs, (const uint8 *) "smpc-ostat-v1", 13);
	crypto_generichash_update(&hs, (const uint8 *) what, strlen(what) + 1);
	crypto_generichash_update(&hs, (const uint8 *) tname, strlen(tname) + 1);
	for (k = 0; k < nq; k++)
	{
		crypto_generichash_update(&hs, &q[k].mode, 1);
		crypto_generichash_update(&hs, (const uint8 *) &q[k].fraction, sizeof(double));
	}
	crypto_generichash_final(&hs, out, SMPC_HASH_BYTES);
}

/* Hand the input to the worker; the result's bytes go to out. */
static void
run_search(const char *group, const char *label, SmpcKind kind, int32 scale,
		   const uint8 *desc, int64 rows, StringInfo in, StringInfo out,
		   int32 *result_scale)
{
	int128		dummy[1] = {0};
	/* shmem_run_request copies back a whole vector of results */
	int128	   *result = palloc0(sizeof(int128) * SMPC_MAX_VALUES);
	bool		withheld = false;
	int			sqlerrcode = 0;
	char		emsg[256];
	char		edetail[1024];
	char		ehint[256];

	smpc_check_loaded();
	smpc_check_label(label);
	shmem_run_request(group, label, kind, SMPC_CLASS_EXACT, scale, dummy, 1, desc, rows,
					  result, result_scale, NULL, &sqlerrcode,
					  emsg, sizeof(emsg), edetail, sizeof(edetail),
					  ehint, sizeof(ehint), &withheld,
					  (uint8 *) in->data, in->len, out);
	sodium_memzero(in->data, in->len);
	pfree(result);
	if (sqlerrcode != 0)
		ereport(ERROR, (errcode(sqlerrcode), errmsg_internal("%s", emsg),
						edetail[0] ? errdetail_internal("%s", edetail) : 0,
						ehint[0] ? errhint("%s", ehint) : 0));
}

/* The keys at the ranks of each query; false when the result is NULL. */
typedef struct Found
{
	bool		found;
	int128		lo;
	int128		hi;
} Found;

static bool
order_result(StringInfo out, int nq, Found *f, int64 *N)
{
	Rd			r = {(const uint8 *) out->data, (size_t) out->len};
	int			k;

	if ((int) rd_be(&r, 1) != SMPC_SEARCH_ORDER || (int) rd_be(&r, 2) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the result of an smpc order statistic is not one of its kind")));
	if ((int) rd_be(&r, 1) != SMPC_BATCH_RELEASED)
		return false;
	*N = (int64) rd_be(&r, 8);
	if ((int) rd_be(&r, 2) != nq)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the result of an smpc order statistic has another number of fractions")));
	for (k = 0; k < nq; k++)
	{
		f[k].found = rd_be(&r, 1) != 0;
		f[k].lo = (int128) rd_be(&r, 16);
		f[k].hi = (int128) rd_be(&r, 16);
	}
	return *N > 0;
}

/*
 * Run the search for the given queries over this state (NULL: no rows
 * here).  False when the joint result is NULL (no rows anywhere, or
 * withheld).
 */
static bool
ostat_run(const char *what, const char *group, const char *label, Oid type,
		  OstatState *st, const PctQuery *q, int nq, Found *f, int64 *N, int32 *scale)
{
	StringInfoData in,
				out;
	uint8		desc[SMPC_HASH_BYTES];
	bool		ok;

	initStringInfo(&in);
	initStringInfo(&out);
	encode_order(&in, st, q, nq);
	ostat_desc(what, type, q, nq, desc);
	run_search(group, label, SMPC_KIND_PERCENTILE, st ? st->dscale : 0, desc,
			   st ? st->agg.count : 0, &in, &out, scale);
	pfree(in.data);
	ok = order_result(&out, nq, f, N);
	pfree(out.data);
	return ok;
}

static Datum
key_value(int128 key, Oid type, int32 scale, const char *what)
{
	Datum		d;

	if (!smpc_order_datum(key, type, scale, &d))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the joint result of %s is not a value of type %s", what,
						format_type_be(type)),
				 errdetail("A member of the peer group entered a key that no value of this type has.")));
	return d;
}

/* A key as float8, for percentile_cont and median (the casts PostgreSQL applies). */
static double
key_float8(int128 key, Oid type, int32 scale, const char *what)
{
	Datum		d = key_value(key, type, scale, what);

	switch (type)
	{
		case INT2OID:
			return (double) DatumGetInt16(d);
		case INT4OID:
			return (double) DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case FLOAT4OID:
			return (double) DatumGetFloat4(d);
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
	}
	elog(ERROR, "%s does not take type %s", what, format_type_be(type));
	return 0;
}

/* As orderedsetaggs.c's float8_lerp, on the rows PostgreSQL would pick. */
static double
cont_value(const Found *f, double fraction, int64 N, Oid type, int32 scale, const char *what)
{
	double		lo = key_float8(f->lo, type, scale, what);
	int64		first_row = (int64) floor(fraction * (N - 1));
	int64		second_row = (int64) ceil(fraction * (N - 1));
	double		hi,
				proportion;

	if (first_row == second_row)
		return lo;
	hi = key_float8(f->hi, type, scale, what);
	proportion = (fraction * (N - 1)) - first_row;
	return lo + (proportion * (hi - lo));
}

/* ---------- the final functions ---------- */

static void
check_fraction(double p)
{
	if (p < 0 || p > 1 || isnan(p))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("percentile value %g is not between 0 and 1", p)));
}

/* The group and label of an ordered-set call: its direct arguments. */
static void
osa_key(FunctionCallInfo fcinfo, int grouparg, int nlabelargs, char *group, char *label)
{
	char	   *g,
			   *l = NULL;

	if (PG_ARGISNULL(grouparg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("smpc peer group must not be NULL")));
	if (nlabelargs > 0 && PG_ARGISNULL(grouparg + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("smpc label must not be NULL")));
	g = TextDatumGetCString(PG_GETARG_DATUM(grouparg));
	if (strlen(g) >= SMPC_MAX_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("smpc peer group name is too long"),
				 errdetail("The peer group name may be at most %d bytes long.", SMPC_MAX_NAME - 1)));
	if (nlabelargs > 0)
	{
		l = TextDatumGetCString(PG_GETARG_DATUM(grouparg + 1));
		if (strlen(l) >= SMPC_MAX_LABEL)
			ereport(ERROR,
					(errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("smpc label is too long"),
					 errdetail("The label may be at most %d bytes long.", SMPC_MAX_LABEL - 1)));
	}
	strlcpy(group, g, SMPC_MAX_NAME);
	strlcpy(label, l ? l : "", SMPC_MAX_LABEL);
}

static OstatState *
osa_state(FunctionCallInfo fcinfo)
{
	if (AggCheckCallContext(fcinfo, NULL) != AGG_CONTEXT_AGGREGATE)
		elog(ERROR, "smpc final function called in non-aggregate context");
	return PG_ARGISNULL(0) ? NULL : (OstatState *) PG_GETARG_POINTER(0);
}

/* The type of the ORDER BY argument, from the aggregate call. */
static Oid
osa_type(FunctionCallInfo fcinfo)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);

	if (aggref == NULL || aggref->args == NIL)
		elog(ERROR, "smpc final function called in non-aggregate context");
	return exprType((Node *) ((TargetEntry *) linitial(aggref->args))->expr);
}

/*
 * Final calls: (state, fraction, group [, label], x).  The label is there
 * when the call has five arguments (FINALFUNC_EXTRA adds x).
 */
static Datum
pct_scalar(FunctionCallInfo fcinfo, uint8 mode, const char *what)
{
	OstatState *st = osa_state(fcinfo);
	int			nlabel = PG_NARGS() - 4;
	Oid			type = mode == SMPC_SEARCH_CONT ? FLOAT8OID : osa_type(fcinfo);
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	PctQuery		q;
	Found		f;
	int64		N;
	int32		scale = 0;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	q.mode = mode;
	q.fraction = PG_GETARG_FLOAT8(1);
	q.idx = 0;
	check_fraction(q.fraction);
	osa_key(fcinfo, 2, nlabel, group, label);
	if (!ostat_run(what, group, label, type, st, &q, 1, &f, &N, &scale) || !f.found)
		PG_RETURN_NULL();
	if (mode == SMPC_SEARCH_CONT)
		PG_RETURN_FLOAT8(cont_value(&f, q.fraction, N, type, scale, what));
	return key_value(f.lo, type, scale, what);
}

static Datum
pct_multi(FunctionCallInfo fcinfo, uint8 mode, const char *what)
{
	OstatState *st = osa_state(fcinfo);
	int			nlabel = PG_NARGS() - 4;
	Oid			type = mode == SMPC_SEARCH_CONT ? FLOAT8OID : osa_type(fcinfo);
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	ArrayType  *param;
	Datum	   *pd;
	bool	   *pn;
	int			np,
				nq = 0,
				i;
	PctQuery	   *q;
	Found	   *f;
	Datum	   *rd;
	bool	   *rn;
	int64		N;
	int32		scale = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool		ok;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	param = PG_GETARG_ARRAYTYPE_P(1);
	deconstruct_array(param, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &pd, &pn, &np);
	if (np > SMPC_SEARCH_MAX_QUERIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s takes at most %d fractions in one call", what, SMPC_SEARCH_MAX_QUERIES)));
	q = palloc0(sizeof(PctQuery) * Max(np, 1));
	for (i = 0; i < np; i++)
		if (!pn[i])
		{
			check_fraction(DatumGetFloat8(pd[i]));
			q[nq].mode = mode;
			q[nq].fraction = DatumGetFloat8(pd[i]);
			q[nq].idx = i;
			nq++;
		}
	osa_key(fcinfo, 2, nlabel, group, label);
	/* no fraction but NULLs (or none): the members still meet, for N */
	if (nq == 0)
	{
		q[0].mode = mode;
		q[0].fraction = 0;
		q[0].idx = -1;
	}
	f = palloc0(sizeof(Found) * Max(nq, 1));
	ok = ostat_run(what, group, label, type, st, q, Max(nq, 1), f, &N, &scale);
	if (!ok)
		PG_RETURN_NULL();
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	if (np == 0)
		PG_RETURN_POINTER(construct_empty_array(type));
	rd = palloc0(sizeof(Datum) * np);
	rn = palloc(sizeof(bool) * np);
	for (i = 0; i < np; i++)
		rn[i] = true;
	for (i = 0; i < nq; i++)
	{
		int			idx = q[i].idx;

		if (!f[i].found)
			continue;
		rn[idx] = false;
		if (mode == SMPC_SEARCH_CONT)
			rd[idx] = Float8GetDatum(cont_value(&f[i], q[i].fraction, N, type, scale, what));
		else
			rd[idx] = key_value(f[i].lo, type, scale, what);
	}
	PG_RETURN_POINTER(construct_md_array(rd, rn, ARR_NDIM(param), ARR_DIMS(param),
										 ARR_LBOUND(param), type, typlen, typbyval,
										 typalign));
}

Datum
smpc_pct_disc_final(PG_FUNCTION_ARGS)
{
	return pct_scalar(fcinfo, SMPC_SEARCH_DISC, "smpc_percentile_disc");
}

Datum
smpc_pct_disc_multi_final(PG_FUNCTION_ARGS)
{
	return pct_multi(fcinfo, SMPC_SEARCH_DISC, "smpc_percentile_disc");
}

Datum
smpc_pct_cont_final(PG_FUNCTION_ARGS)
{
	return pct_scalar(fcinfo, SMPC_SEARCH_CONT, "smpc_percentile_cont");
}

Datum
smpc_pct_cont_multi_final(PG_FUNCTION_ARGS)
{
	return pct_multi(fcinfo, SMPC_SEARCH_CONT, "smpc_percentile_cont");
}

/* smpc_median: percentile_cont(0.5) over the values cast to float8. */
Datum
smpc_median_final(PG_FUNCTION_ARGS)
{
	SmpcAggState *common = final_state(fcinfo);
	OstatState *st = NULL;
	Aggref	   *aggref = smpc_call_aggref(fcinfo);
	Oid			type = linitial_oid(aggref->aggargtypes);
	PctQuery		q;
	Found		f;
	int64		N;
	int32		scale = 0;

	if (!PG_ARGISNULL(0) && common == (SmpcAggState *) PG_GETARG_POINTER(0))
		st = (OstatState *) common;
	q.mode = SMPC_SEARCH_CONT;
	q.fraction = 0.5;
	q.idx = 0;
	if (!ostat_run("smpc_median", common->group, common->label, type, st, &q, 1, &f, &N,
				   &scale) || !f.found)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(cont_value(&f, 0.5, N, type, scale, "smpc_median"));
}

/* ---------- the clearing price ---------- */

/* A quantity times 10^8, exactly; refused when it has no such form. */
static int128
scaled_quantity(Numeric n, int32 *dscale)
{
	int128		key;

	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the quantity of a bid must be a finite number")));
	key = smpc_order_key(NumericGetDatum(n), NUMERICOID, dscale, "smpc_clearing_price");
	if (key < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the quantity of a bid must not be negative"),
				 errhint("Enter a buy bid or a sell bid with a positive quantity instead.")));
	return key;
}

static int128
price_key(Numeric n, const char *what)
{
	int32		dscale;

	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what)));
	return smpc_order_key(NumericGetDatum(n), NUMERICOID, &dscale, "smpc_clearing_price");
}

/* (state, side, price, quantity, group, grid [, label]) */
Datum
smpc_clearing_trans(PG_FUNCTION_ARGS)
{
	ClearState *st;
	MemoryContext aggctx;
	char	   *side;
	Bid			b;
	int32		dscale;

	if (PG_ARGISNULL(0))
	{
		int			ctx = AggCheckCallContext(fcinfo, &aggctx);

		if (ctx == AGG_CONTEXT_WINDOW)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("smpc aggregates cannot be used as window functions")));
		if (ctx == 0)
			elog(ERROR, "smpc transition function called in non-aggregate context");
		st = MemoryContextAllocZero(aggctx, sizeof(ClearState));
		st->agg.input = IN_ANY;
		st->cxt = aggctx;
		st->cap = 256;
		st->bids = MemoryContextAllocHuge(aggctx, sizeof(Bid) * st->cap);
	}
	else
		st = (ClearState *) PG_GETARG_POINTER(0);
	if (!st->agg.key_fixed)
		note_key(&st->agg, fcinfo, 4, 6);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	side = TextDatumGetCString(PG_GETARG_DATUM(1));
	if (strcmp(side, "buy") == 0)
		b.buy = true;
	else if (strcmp(side, "sell") == 0)
		b.buy = false;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the side of a bid must be 'buy' or 'sell', not \"%s\"", side)));
	b.price = price_key(PG_GETARG_NUMERIC(2), "the price of a bid");
	b.qty = scaled_quantity(PG_GETARG_NUMERIC(3), &dscale);
	if (st->agg.count == st->cap)
	{
		if (st->cap >= SMPC_SEARCH_MAX_ROWS / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many bids for smpc_clearing_price")));
		st->cap *= 2;
		st->bids = repalloc_huge(st->bids, sizeof(Bid) * st->cap);
	}
	st->bids[st->agg.count++] = b;
	st->qscale = Max(st->qscale, dscale);
	PG_RETURN_POINTER(st);
}

typedef struct GridPrice
{
	int128		key;
	Datum		value;
} GridPrice;

static int
grid_cmp(const void *a, const void *b)
{
	int128		x = ((const GridPrice *) a)->key;
	int128		y = ((const GridPrice *) b)->key;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The number of grid prices at or below key (le) or below it (!le). */
static int
grid_rank(const GridPrice *g, int n, int128 key, bool le)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (le ? g[mid].key <= key : g[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static Datum
clearing_final(FunctionCallInfo fcinfo, bool volume)
{
	const char *what = volume ? "smpc_clearing_volume" : "smpc_clearing_price";
	SmpcAggState *common = final_state(fcinfo);
	ClearState *st = NULL;
	ArrayType  *arr;
	Datum	   *gd;
	bool	   *gn;
	int			ng,
				n,
				i;
	GridPrice  *grid;
	int128	   *dem,
			   *sup;
	StringInfoData in,
				out;
	uint8		desc[SMPC_HASH_BYTES];
	crypto_generichash_state hs;
	int32		scale = 0;
	Rd			r;
	bool		found;
	uint32		index;
	bool		has_volume;
	int128		vol;
	int128		limit = ((int128) 1) << SMPC_SEARCH_QTY_BITS;

	if (!PG_ARGISNULL(0) && common == (SmpcAggState *) PG_GETARG_POINTER(0))
		st = (ClearState *) common;

	/* the grid: a constant of the call, the same for every row */
	{
		Aggref	   *aggref = smpc_call_aggref(fcinfo);
		Node	   *gexpr = (list_length(aggref->args) > 4) ?
			(Node *) ((TargetEntry *) list_nth(aggref->args, 4))->expr : NULL;

		if (gexpr && (contain_var_clause(gexpr) || contain_volatile_functions(gexpr)))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the price grid of %s must be the same for every row", what),
					 errdetail("The grid is agreed with the other members before any bid is counted."),
					 errhint("Write it as a constant array, or as a parameter of the query.")));
	}
	arr = DatumGetArrayTypeP(eval_call_arg(fcinfo, 4, "grid"));
	deconstruct_array(arr, NUMERICOID, -1, false, TYPALIGN_INT, &gd, &gn, &ng);
	if (ng == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the price grid of %s must not be empty", what)));
	if (ng > SMPC_SEARCH_MAX_GRID)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the price grid of %s has %d prices; at most %d are allowed",
						what, ng, SMPC_SEARCH_MAX_GRID)));
	grid = palloc(sizeof(GridPrice) * ng);
	for (i = 0; i < ng; i++)
	{
		if (gn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the price grid of %s must not contain NULL", what)));
		grid[i].key = price_key(DatumGetNumeric(gd[i]), "every price of the grid");
		grid[i].value = gd[i];
	}
	qsort(grid, ng, sizeof(GridPrice), grid_cmp);
	/* the same price twice is one price */
	n = 0;
	for (i = 0; i < ng; i++)
		if (n == 0 || grid[i].key != grid[n - 1].key)
			grid[n++] = grid[i];

	/* demand and supply at every grid price, from differences */
	dem = palloc0(sizeof(int128) * (n + 1));
	sup = palloc0(sizeof(int128) * (n + 1));
	if (st != NULL)
		for (int64 k = 0; k < st->agg.count; k++)
		{
			Bid		   *b = &st->bids[k];

			if (b->buy)
			{
				/* counts at every grid price <= its price */
				dem[0] += b->qty;
				dem[grid_rank(grid, n, b->price, true)] -= b->qty;
			}
			else
				/* counts at every grid price >= its price */
				sup[grid_rank(grid, n, b->price, false)] += b->qty;
			if (dem[0] >= limit || sup[0] >= limit)
				break;
		}
	for (i = 1; i <= n; i++)
	{
		dem[i] += dem[i - 1];
		sup[i] += sup[i - 1];
	}
	for (i = 0; i < n; i++)
		if (dem[i] >= limit || sup[i] >= limit || dem[0] >= limit)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range for smpc"),
					 errdetail("The total quantity of this member's bids on one side must be below 2^%d / 10^8.",
							   SMPC_SEARCH_QTY_BITS),
					 errhint("Each member checks its own values against fixed limits before anything is shared; see Limits in the smpc README.")));

	initStringInfo(&in);
	put_u(&in, 1, 1);
	put_u(&in, SMPC_SEARCH_CLEARING, 1);
	put_u(&in, volume ? SMPC_SEARCH_VOLUME : 0, 1);
	put_u(&in, 1, 2);
	put_u(&in, st ? (uint64) st->agg.count : 0, 8);
	put_u(&in, n, 4);
	for (i = 0; i < n; i++)
	{
		put_i128(&in, dem[i]);
		put_i128(&in, sup[i]);
	}
	sodium_memzero(dem, sizeof(int128) * (n + 1));
	sodium_memzero(sup, sizeof(int128) * (n + 1));

	crypto_generichash_init(&hs, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&hs, (const uint8 *) "smpc-clearing-v1", 16);
	crypto_generichash_update(&hs, (const uint8 *) what, strlen(what) + 1);
	for (i = 0; i < n; i++)
		crypto_generichash_update(&hs, (const uint8 *) &grid[i].key, sizeof(int128));
	crypto_generichash_final(&hs, desc, SMPC_HASH_BYTES);

	initStringInfo(&out);
	run_search(common->group, common->label, SMPC_KIND_CLEARING, st ? st->qscale : 0, desc,
			   st ? st->agg.count : 0, &in, &out, &scale);
	pfree(in.data);

	r.p = (const uint8 *) out.data;
	r.left = out.len;
	if ((int) rd_be(&r, 1) != SMPC_SEARCH_CLEARING || (int) rd_be(&r, 2) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the result of %s is not one of its kind", what)));
	if ((int) rd_be(&r, 1) != SMPC_BATCH_RELEASED)
		PG_RETURN_NULL();
	found = rd_be(&r, 1) != 0;
	index = (uint32) rd_be(&r, 4);
	has_volume = rd_be(&r, 1) != 0;
	vol = (int128) rd_be(&r, 16);
	if (!found)
		PG_RETURN_NULL();
	if (index >= (uint32) n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the joint result of %s is not a price of the grid", what)));
	if (!volume)
		PG_RETURN_DATUM(grid[index].value);
	if (!has_volume)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the result of %s has no volume", what)));
	return key_value(vol, NUMERICOID, scale, what);
}

Datum
smpc_clearing_price_final(PG_FUNCTION_ARGS)
{
	return clearing_final(fcinfo, false);
}

Datum
smpc_clearing_volume_final(PG_FUNCTION_ARGS)
{
	return clearing_final(fcinfo, true);
}
