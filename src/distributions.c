/*-------------------------------------------------------------------------
 *
 * distributions.c
 *	  smpc_histogram(value, group, bounds [, label]) and
 *	  smpc_frequencies(category, group, categories [, label]): a joint
 *	  count per bucket or category, as one vector of sums.
 *
 * The buckets follow width_bucket(value, bounds): element 0 counts values
 * below the first bound, element i values in [bounds[i-1], bounds[i]), and
 * the last element values at or above the last bound (NaN included).  A
 * frequency table counts each listed category, and everything else in a
 * final element.  Every member must pass the same bounds or categories;
 * their digest travels with the rendezvous and a difference is an error
 * that names the member.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sodium.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "aggregates.h"

PG_FUNCTION_INFO_V1(smpc_htrans);
PG_FUNCTION_INFO_V1(smpc_ftrans);
PG_FUNCTION_INFO_V1(smpc_histogram_final);
PG_FUNCTION_INFO_V1(smpc_frequencies_final);

#define MAX_EDGES 63			/* SMPC_MAX_BUCKETS buckets */

static void
bad_spec(const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s for smpc", what),
			 errdetail("%s", detail)));
}

/* The bounds as doubles, checked: 1..63 of them, finite, ascending. */
static int
parse_bounds(Datum arr, double *bounds)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	if (ARR_NDIM(a) > 1)
		bad_spec("histogram bounds", "The bounds must be a one-dimensional array.");
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	if (n < 1 || n > MAX_EDGES)
		bad_spec("histogram bounds", psprintf("Give between 1 and %d bounds.", MAX_EDGES));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			bad_spec("histogram bounds", "The bounds must not contain NULL.");
		bounds[i] = DatumGetFloat8(elems[i]);
		if (isnan(bounds[i]) || isinf(bounds[i]))
			bad_spec("histogram bounds", "The bounds must be finite.");
		if (i > 0 && bounds[i] <= bounds[i - 1])
			bad_spec("histogram bounds", "The bounds must be in strictly ascending order.");
	}
	return n;
}

/* The categories as C strings, checked: 1..63 of them, no NULL, distinct. */
static int
parse_categories(Datum arr, char **cats)
{
	ArrayType  *a = DatumGetArrayTypeP(arr);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				j;

	if (ARR_NDIM(a) > 1)
		bad_spec("categories", "The categories must be a one-dimensional array.");
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n < 1 || n > MAX_EDGES)
		bad_spec("categories", psprintf("Give between 1 and %d categories.", MAX_EDGES));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			bad_spec("categories", "The categories must not contain NULL.");
		cats[i] = TextDatumGetCString(elems[i]);
		for (j = 0; j < i; j++)
			if (strcmp(cats[i], cats[j]) == 0)
				bad_spec("categories", psprintf("Category \"%s\" is listed twice.", cats[i]));
	}
	return n;
}

static void
digest_bounds(const double *bounds, int n, uint8 *out)
{
	crypto_generichash_state st;
	int			i;

	crypto_generichash_init(&st, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8 *) "smpc-histogram-v1", 17);
	for (i = 0; i < n; i++)
	{
		uint64		bits;
		uint8		be[8];
		int			k;

		memcpy(&bits, &bounds[i], 8);
		for (k = 0; k < 8; k++)
			be[k] = (uint8) (bits >> (56 - 8 * k));
		crypto_generichash_update(&st, be, 8);
	}
	crypto_generichash_final(&st, out, SMPC_HASH_BYTES);
}

static void
digest_categories(char **cats, int n, uint8 *out)
{
	crypto_generichash_state st;
	int			i;

	crypto_generichash_init(&st, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8 *) "smpc-frequencies-v1", 19);
	for (i = 0; i < n; i++)
		crypto_generichash_update(&st, (const uint8 *) cats[i], strlen(cats[i]) + 1);
	crypto_generichash_final(&st, out, SMPC_HASH_BYTES);
}

/*
 * Settle the state's buckets from the spec argument: on the first row, or
 * on every row when the spec is not a constant (it must not change).
 */
static void
note_spec(SmpcAggState *st, FunctionCallInfo fcinfo, int specarg, bool histogram,
		  double *bounds, char **cats, int *n)
{
	uint8		desc[SMPC_HASH_BYTES];

	if (PG_ARGISNULL(specarg))
	{
		if (histogram)
			bad_spec("histogram bounds", "The bounds must not be NULL.");
		bad_spec("categories", "The categories must not be NULL.");
	}
	if (histogram)
	{
		*n = parse_bounds(PG_GETARG_DATUM(specarg), bounds);
		digest_bounds(bounds, *n, desc);
	}
	else
	{
		*n = parse_categories(PG_GETARG_DATUM(specarg), cats);
		digest_categories(cats, *n, desc);
	}
	if (st->nbins == 0)
	{
		st->nbins = *n + 1;
		memcpy(st->desc, desc, SMPC_HASH_BYTES);
	}
	else if (memcmp(st->desc, desc, SMPC_HASH_BYTES) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the bounds or categories of an smpc aggregate must be the same for every row")));
}

/*
 * The state keeps its parsed spec between rows, in the aggregate's memory,
 * with the bytes of the array it was parsed from.
 */
typedef struct SpecCache
{
	int			n;
	double		bounds[MAX_EDGES];
	char	   *cats[MAX_EDGES];
	struct varlena *given;		/* the spec argument, detoasted and packed */
} SpecCache;

/* Is the spec argument of this row the array the cache was parsed from? */
static bool
same_spec(SpecCache *sc, FunctionCallInfo fcinfo, int specarg)
{
	struct varlena *v;

	if (PG_ARGISNULL(specarg))
		return false;
	v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(specarg));
	return VARSIZE_ANY_EXHDR(v) == VARSIZE_ANY_EXHDR(sc->given) &&
		memcmp(VARDATA_ANY(v), VARDATA_ANY(sc->given), VARSIZE_ANY_EXHDR(v)) == 0;
}

/*
 * The parsed spec for this row.  With constant group, label and spec it is
 * parsed once; otherwise (a label from a GROUP BY column, say) the row's
 * array is compared byte for byte with the one already parsed, and parsed
 * again only if it differs, so the cost per row stays that of a memcmp.
 */
static SpecCache *
spec_cache(SmpcAggState *st, FunctionCallInfo fcinfo, int specarg, bool histogram)
{
	SpecCache  *sc = (SpecCache *) DatumGetPointer(st->spec);
	MemoryContext aggctx,
				old;
	int			i;

	if (sc != NULL && (st->key_fixed || same_spec(sc, fcinfo, specarg)))
		return sc;
	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "smpc transition function called in non-aggregate context");
	old = MemoryContextSwitchTo(aggctx);
	if (sc == NULL)
		sc = palloc0(sizeof(SpecCache));
	for (i = 0; i < MAX_EDGES; i++)
		if (sc->cats[i])
		{
			pfree(sc->cats[i]);
			sc->cats[i] = NULL;
		}
	if (sc->given)
	{
		pfree(sc->given);
		sc->given = NULL;
	}
	note_spec(st, fcinfo, specarg, histogram, sc->bounds, sc->cats, &sc->n);
	{
		struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(specarg));

		sc->given = palloc(VARSIZE_ANY(v));
		memcpy(sc->given, v, VARSIZE_ANY(v));
	}
	MemoryContextSwitchTo(old);
	st->spec = PointerGetDatum(sc);
	return sc;
}

/* (value float8, group, bounds float8[] [, label]) */
Datum
smpc_htrans(PG_FUNCTION_ARGS)
{
	SmpcAggState *st = trans_begin_label(fcinfo, IN_ANY, 2, 4);
	SpecCache  *sc = spec_cache(st, fcinfo, 3, true);
	double		x;
	int			lo,
				hi;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	x = PG_GETARG_FLOAT8(1);
	/* the number of bounds <= x, as width_bucket() counts; NaN is above all */
	if (isnan(x))
		lo = sc->n;
	else
	{
		lo = 0;
		hi = sc->n;
		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (sc->bounds[mid] <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	st->bins[lo]++;
	st->count++;
	PG_RETURN_POINTER(st);
}

/* (category text, group, categories text[] [, label]) */
Datum
smpc_ftrans(PG_FUNCTION_ARGS)
{
	SmpcAggState *st = trans_begin_label(fcinfo, IN_ANY, 2, 4);
	SpecCache  *sc = spec_cache(st, fcinfo, 3, false);
	text	   *t;
	int			len,
				i;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	t = PG_GETARG_TEXT_PP(1);
	len = VARSIZE_ANY_EXHDR(t);
	for (i = 0; i < sc->n; i++)
		if ((int) strlen(sc->cats[i]) == len && memcmp(sc->cats[i], VARDATA_ANY(t), len) == 0)
			break;
	st->bins[i]++;				/* i == n: not a listed category */
	st->count++;
	PG_RETURN_POINTER(st);
}

/* Run the joint computation and return the counts as bigint[]. */
static Datum
final_counts(FunctionCallInfo fcinfo, SmpcKind kind)
{
	SmpcAggState *st = final_state(fcinfo);
	int128		values[SMPC_MAX_VALUES];
	int128		r[SMPC_MAX_VALUES];
	Datum		out[SMPC_MAX_VALUES];
	bool		isnull[SMPC_MAX_VALUES];
	int			dims[1];
	int			lbs[1] = {1};
	int32		scale;
	int64		rows = 0;
	int			i;

	if (st->nbins == 0)
	{
		/* no input rows: the buckets come from the call itself */
		double		bounds[MAX_EDGES];
		char	   *cats[MAX_EDGES];
		Datum		spec = eval_call_arg(fcinfo, 2, kind == SMPC_KIND_HISTOGRAM ?
										 "histogram bounds" : "categories");
		int			n;

		if (kind == SMPC_KIND_HISTOGRAM)
		{
			n = parse_bounds(spec, bounds);
			digest_bounds(bounds, n, st->desc);
		}
		else
		{
			n = parse_categories(spec, cats);
			digest_categories(cats, n, st->desc);
		}
		st->nbins = n + 1;
		memset(st->bins, 0, sizeof(st->bins));
	}
	for (i = 0; i < st->nbins; i++)
	{
		values[i] = st->bins[i];
		rows += st->bins[i];
	}
	/* too few members with rows: the whole array is NULL */
	if (!smpc_run_computation(fcinfo, st->group, st->label, kind, SMPC_CLASS_EXACT, 0,
							  values, st->nbins, st->desc, rows, r, &scale, isnull))
		PG_RETURN_NULL();
	for (i = 0; i < st->nbins; i++)
	{
		if (isnull[i])
		{
			out[i] = (Datum) 0;		/* a small cell the group suppresses */
			continue;
		}
		if (r[i] < 0 || r[i] > PG_INT64_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));
		out[i] = Int64GetDatum((int64) r[i]);
	}
	dims[0] = st->nbins;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, isnull, 1, dims, lbs, INT8OID, 8,
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum
smpc_histogram_final(PG_FUNCTION_ARGS)
{
	return final_counts(fcinfo, SMPC_KIND_HISTOGRAM);
}

Datum
smpc_frequencies_final(PG_FUNCTION_ARGS)
{
	return final_counts(fcinfo, SMPC_KIND_FREQUENCIES);
}
