/*-------------------------------------------------------------------------
 *
 * order.c
 *	  smpc_min and smpc_max: the local state (the smallest and the largest
 *	  key of this member's rows), and the keys themselves, signed integers
 *	  of SMPC_ORDER_BITS bits that order exactly as PostgreSQL orders the
 *	  values of each input type.
 *
 * Each member enters one key, that of its local extreme, or the sentinel
 * when it has no row; the worker's round engine opens only the joint
 * extreme (smpc.h).  The keys:
 *
 *	int2, int4, int8, date, timestamp, timestamptz: the value itself
 *	  (infinite dates and timestamps are the extreme integers already).
 *	float8, float4 (exactly widened to float8): the magnitude bits of the
 *	  IEEE value, negated for negative values, so that -0 and +0 are both
 *	  key 0; every NaN is ORDER_FLOAT_NAN, above +Infinity.
 *	numeric: the value times 10^SMPC_ORDER_SCALE, for |value| below
 *	  10^ORDER_NUMERIC_DIGITS; -Infinity, +Infinity and NaN are the keys
 *	  just beyond that range, in PostgreSQL's order.
 *
 * Every key lies strictly between the sentinels SMPC_ORDER_NONE_MAX and
 * SMPC_ORDER_NONE_MIN.  Values that have no key (numeric with too many
 * digits) are refused by the transition function, row by row, before
 * anything is shared.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <sodium.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "aggregates.h"
#include "smpc.h"

PG_FUNCTION_INFO_V1(smpc_otrans_int2);
PG_FUNCTION_INFO_V1(smpc_otrans_int4);
PG_FUNCTION_INFO_V1(smpc_otrans_int8);
PG_FUNCTION_INFO_V1(smpc_otrans_numeric);
PG_FUNCTION_INFO_V1(smpc_otrans_float4);
PG_FUNCTION_INFO_V1(smpc_otrans_float8);
PG_FUNCTION_INFO_V1(smpc_otrans_date);
PG_FUNCTION_INFO_V1(smpc_otrans_timestamp);
PG_FUNCTION_INFO_V1(smpc_order_combine);
PG_FUNCTION_INFO_V1(smpc_order_serialize);
PG_FUNCTION_INFO_V1(smpc_order_deserialize);
PG_FUNCTION_INFO_V1(smpc_min_final);
PG_FUNCTION_INFO_V1(smpc_max_final);

/* float keys: the magnitude bits of +Infinity, and the key of every NaN */
#define ORDER_FLOAT_INF		((int128) INT64CONST(0x7FF0000000000000))
#define ORDER_FLOAT_NAN		(((int128) 1) << 63)

/* numeric keys: finite values have |value| < 10^15, so |key| < 10^23 */
#define ORDER_NUMERIC_DIGITS 15
#define ORDER_NUMERIC_LIMIT	((int128) 100000000000LL * (int128) 1000000000000LL)	/* 10^23 */
#define ORDER_NUMERIC_NEG_INF	(-ORDER_NUMERIC_LIMIT)
#define ORDER_NUMERIC_POS_INF	ORDER_NUMERIC_LIMIT
#define ORDER_NUMERIC_NAN	(ORDER_NUMERIC_LIMIT + 1)

StaticAssertDecl(ORDER_NUMERIC_NAN < SMPC_ORDER_NONE_MIN &&
				 -ORDER_FLOAT_NAN > SMPC_ORDER_NONE_MAX,
				 "smpc order keys must lie strictly inside the sentinels");
StaticAssertDecl(SMPC_ORDER_SCALE == 8, "the numeric key limit assumes a scale of 8");

/*
 * The state: the common part (group and label, the count of non-NULL
 * rows) and the extremes of this member's keys.  dscale is the largest
 * display scale of the numeric rows, at most SMPC_ORDER_SCALE.
 */
typedef struct OrderState
{
	SmpcAggState agg;
	int128		lo;
	int128		hi;
	int32		dscale;
} OrderState;

/* ---- keys ---- */

static int128
float8_key(float8 v)
{
	uint64		bits;
	int128		mag;

	if (isnan(v))
		return ORDER_FLOAT_NAN;
	memcpy(&bits, &v, sizeof(bits));
	mag = (int128) (bits & ~(UINT64CONST(1) << 63));
	return (bits >> 63) ? -mag : mag;
}

/* The float8 of a key, false when no float8 has it. */
static bool
key_float8(int128 key, float8 *v)
{
	uint64		bits;

	if (key == ORDER_FLOAT_NAN)
	{
		*v = get_float8_nan();
		return true;
	}
	if (key > ORDER_FLOAT_INF || key < -ORDER_FLOAT_INF)
		return false;
	bits = (uint64) (key < 0 ? -key : key);
	if (key < 0)
		bits |= UINT64CONST(1) << 63;
	memcpy(v, &bits, sizeof(bits));
	return true;
}

static void
numeric_refused(const char *what, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("numeric value out of range for %s", what),
			 errdetail("%s", detail),
			 errhint("%s", hint)));
}

/*
 * The key of a numeric, and its display scale (at most SMPC_ORDER_SCALE:
 * digits beyond it must be zeros).  Read from numeric_out's plain decimal
 * text, which has no exponent and no leading zeros.
 */
static int128
numeric_key(Numeric num, int32 *dscale, const char *what)
{
	char	   *text;
	const char *p;
	bool		neg = false;
	int128		key = 0;
	int			ndigits = 0;
	int			nfrac = 0;
	/* "smpc_min and smpc_max", "smpc order statistics": a plural subject */
	bool		plural = strstr(what, " and ") != NULL || strncmp(what, "smpc order", 10) == 0;

	*dscale = 0;
	if (numeric_is_nan(num))
		return ORDER_NUMERIC_NAN;
	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	if (numeric_is_inf(num))
		return text[0] == '-' ? ORDER_NUMERIC_NEG_INF : ORDER_NUMERIC_POS_INF;
	p = text;
	if (*p == '-')
	{
		neg = true;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++)
	{
		if (ndigits == 0 && *p == '0')
			continue;
		if (++ndigits > ORDER_NUMERIC_DIGITS)
			numeric_refused(what, psprintf("%s %s numeric values whose absolute value is below 10^15.",
										   what, plural ? "accept" : "accepts"),
							"Scale the values into that range first, for example by dividing them by a power of ten.");
		key = key * 10 + (*p - '0');
	}
	if (*p == '.')
	{
		for (p++; *p >= '0' && *p <= '9'; p++)
		{
			nfrac++;
			if (nfrac <= SMPC_ORDER_SCALE)
				key = key * 10 + (*p - '0');
			else if (*p != '0')
				numeric_refused(what, psprintf("%s %s numeric values with at most %d digits after the decimal point.",
											   what, plural ? "compare" : "compares", SMPC_ORDER_SCALE),
								strcmp(what, "smpc_min and smpc_max") == 0 ?
								psprintf("Round the values first, for example smpc_max(round(x, %d), ...).", SMPC_ORDER_SCALE) :
								strncmp(what, "smpc_clearing", 13) == 0 ?
								psprintf("Round the values first, for example round(price, %d).", SMPC_ORDER_SCALE) :
								psprintf("Round the values first, for example smpc_median(round(x, %d), ...).", SMPC_ORDER_SCALE));
		}
	}
	if (*p != '\0')
		elog(ERROR, "unexpected numeric text in smpc: \"%s\"", text);
	*dscale = Min(nfrac, SMPC_ORDER_SCALE);
	for (; nfrac < SMPC_ORDER_SCALE; nfrac++)
		key *= 10;
	pfree(text);
	return neg ? -key : key;
}

/* The numeric of a key with the agreed display scale, NULL if it has none. */
static Numeric
key_numeric(int128 key, int32 scale)
{
	char		digits[64];
	char		buf[80];
	int128		mag;
	int			n = 0,
				len;

	if (key == ORDER_NUMERIC_NAN)
		return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum("NaN"),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	if (key == ORDER_NUMERIC_NEG_INF || key == ORDER_NUMERIC_POS_INF)
		return DatumGetNumeric(DirectFunctionCall3(numeric_in,
												   CStringGetDatum(key < 0 ? "-Infinity" : "Infinity"),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	if (key <= ORDER_NUMERIC_NEG_INF || key >= ORDER_NUMERIC_POS_INF ||
		scale < 0 || scale > SMPC_ORDER_SCALE)
		return NULL;
	mag = key < 0 ? -key : key;
	/* at least SMPC_ORDER_SCALE + 1 digits, least significant first */
	do
	{
		digits[n++] = '0' + (int) (mag % 10);
		mag /= 10;
	} while (mag > 0 || n <= SMPC_ORDER_SCALE);
	/* the digits beyond the agreed scale must be zeros */
	for (int i = 0; i < SMPC_ORDER_SCALE - scale; i++)
		if (digits[i] != '0')
			return NULL;
	len = 0;
	if (key < 0)
		buf[len++] = '-';
	for (int i = n - 1; i >= SMPC_ORDER_SCALE; i--)
		buf[len++] = digits[i];
	if (scale > 0)
	{
		buf[len++] = '.';
		for (int i = SMPC_ORDER_SCALE - 1; i >= SMPC_ORDER_SCALE - scale; i--)
			buf[len++] = digits[i];
	}
	buf[len] = '\0';
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/* ---- keys of any supported type (also for ostat.c) ---- */

bool
smpc_order_type_supported(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return true;
	}
	return false;
}

/*
 * The key of a value of a supported type; *dscale gets a numeric's display
 * scale (0 for the other types).  "what" names the aggregates in errors.
 */
int128
smpc_order_key(Datum value, Oid type, int32 *dscale, const char *what)
{
	*dscale = 0;
	switch (type)
	{
		case INT2OID:
			return (int128) DatumGetInt16(value);
		case INT4OID:
			return (int128) DatumGetInt32(value);
		case INT8OID:
			return (int128) DatumGetInt64(value);
		case DATEOID:
			return (int128) DatumGetDateADT(value);
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return (int128) DatumGetTimestamp(value);
		case FLOAT4OID:
			return float8_key((float8) DatumGetFloat4(value));
		case FLOAT8OID:
			return float8_key(DatumGetFloat8(value));
		case NUMERICOID:
			return numeric_key(DatumGetNumeric(value), dscale, what);
	}
	elog(ERROR, "smpc order keys do not support type %s", format_type_be(type));
	return 0;
}

/*
 * The value of a key: false when no value of the type has that key (only a
 * dishonest member's input gives one).  Numerics get the given display
 * scale.
 */
bool
smpc_order_datum(int128 key, Oid type, int32 scale, Datum *out)
{
	switch (type)
	{
		case INT2OID:
			if (key < PG_INT16_MIN || key > PG_INT16_MAX)
				return false;
			*out = Int16GetDatum((int16) key);
			return true;
		case INT4OID:
			if (key < PG_INT32_MIN || key > PG_INT32_MAX)
				return false;
			*out = Int32GetDatum((int32) key);
			return true;
		case INT8OID:
			if (key < PG_INT64_MIN || key > PG_INT64_MAX)
				return false;
			*out = Int64GetDatum((int64) key);
			return true;
		case DATEOID:
			{
				DateADT		d;

				if (key < PG_INT32_MIN || key > PG_INT32_MAX)
					return false;
				d = (DateADT) key;
				if (!DATE_NOT_FINITE(d) && !IS_VALID_DATE(d))
					return false;
				*out = DateADTGetDatum(d);
				return true;
			}
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			{
				Timestamp	t;

				if (key < PG_INT64_MIN || key > PG_INT64_MAX)
					return false;
				t = (Timestamp) key;
				if (!TIMESTAMP_NOT_FINITE(t) && !IS_VALID_TIMESTAMP(t))
					return false;
				*out = TimestampGetDatum(t);
				return true;
			}
		case FLOAT8OID:
			{
				float8		f;

				if (!key_float8(key, &f))
					return false;
				*out = Float8GetDatum(f);
				return true;
			}
		case FLOAT4OID:
			{
				float8		f;

				/* a float4 widened exactly: it narrows back exactly */
				if (!key_float8(key, &f) || (!isnan(f) && (float8) (float4) f != f))
					return false;
				*out = Float4GetDatum((float4) f);
				return true;
			}
		case NUMERICOID:
			{
				Numeric		n = key_numeric(key, scale);

				if (n == NULL)
					return false;
				*out = NumericGetDatum(n);
				return true;
			}
	}
	return false;
}

/* ---- the local state ---- */

static OrderState *
order_begin(FunctionCallInfo fcinfo)
{
	MemoryContext aggctx;
	OrderState *st;
	int			ctx;

	if (likely(!PG_ARGISNULL(0)))
	{
		st = (OrderState *) PG_GETARG_POINTER(0);
		if (likely(st->agg.key_fixed))
			return st;
	}
	ctx = AggCheckCallContext(fcinfo, &aggctx);
	if (ctx == AGG_CONTEXT_WINDOW)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("smpc aggregates cannot be used as window functions")));
	if (ctx == 0)
		elog(ERROR, "smpc transition function called in non-aggregate context");
	if (PG_ARGISNULL(0))
	{
		st = MemoryContextAllocZero(aggctx, sizeof(OrderState));
		st->agg.input = IN_ANY;
	}
	else
		st = (OrderState *) PG_GETARG_POINTER(0);
	note_key(&st->agg, fcinfo, 2, 3);
	return st;
}

static void
order_add(OrderState *st, int128 key)
{
	if (st->agg.count == 0 || key < st->lo)
		st->lo = key;
	if (st->agg.count == 0 || key > st->hi)
		st->hi = key;
	st->agg.count++;
}

#define ORDER_TRANS(fname, keyexpr) \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	OrderState *st = order_begin(fcinfo); \
	if (!PG_ARGISNULL(1)) \
		order_add(st, (keyexpr)); \
	PG_RETURN_POINTER(st); \
}

ORDER_TRANS(smpc_otrans_int2, (int128) PG_GETARG_INT16(1))
ORDER_TRANS(smpc_otrans_int4, (int128) PG_GETARG_INT32(1))
ORDER_TRANS(smpc_otrans_int8, (int128) PG_GETARG_INT64(1))
ORDER_TRANS(smpc_otrans_date, (int128) PG_GETARG_DATEADT(1))
/* timestamp and timestamptz alike: int64 microseconds */
ORDER_TRANS(smpc_otrans_timestamp, (int128) PG_GETARG_TIMESTAMP(1))
ORDER_TRANS(smpc_otrans_float4, float8_key((float8) PG_GETARG_FLOAT4(1)))
ORDER_TRANS(smpc_otrans_float8, float8_key(PG_GETARG_FLOAT8(1)))

Datum
smpc_otrans_numeric(PG_FUNCTION_ARGS)
{
	OrderState *st = order_begin(fcinfo);

	if (!PG_ARGISNULL(1))
	{
		int32		dscale;
		int128		key = numeric_key(PG_GETARG_NUMERIC(1), &dscale, "smpc_min and smpc_max");

		order_add(st, key);
		st->dscale = Max(st->dscale, dscale);
	}
	PG_RETURN_POINTER(st);
}

Datum
smpc_order_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	OrderState *s1 = PG_ARGISNULL(0) ? NULL : (OrderState *) PG_GETARG_POINTER(0);
	OrderState *s2 = PG_ARGISNULL(1) ? NULL : (OrderState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "smpc combine function called in non-aggregate context");
	if (s2 == NULL)
		PG_RETURN_POINTER(s1);
	if (s1 == NULL)
	{
		s1 = MemoryContextAllocZero(aggctx, sizeof(OrderState));
		s1->agg.input = s2->agg.input;
	}
	if (!s1->agg.has_key && s2->agg.has_key)
	{
		strlcpy(s1->agg.group, s2->agg.group, sizeof(s1->agg.group));
		strlcpy(s1->agg.label, s2->agg.label, sizeof(s1->agg.label));
		s1->agg.has_key = true;
	}
	else if (s2->agg.has_key &&
			 (strcmp(s1->agg.group, s2->agg.group) != 0 ||
			  strcmp(s1->agg.label, s2->agg.label) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the peer group and label of an smpc aggregate must be the same for every row of a group")));
	if (s2->agg.count > 0)
	{
		if (s1->agg.count == 0 || s2->lo < s1->lo)
			s1->lo = s2->lo;
		if (s1->agg.count == 0 || s2->hi > s1->hi)
			s1->hi = s2->hi;
		s1->agg.count += s2->agg.count;
	}
	s1->dscale = Max(s1->dscale, s2->dscale);
	PG_RETURN_POINTER(s1);
}

static void
send_key(StringInfo buf, int128 v)
{
	pq_sendint64(buf, (int64) (v >> 64));
	pq_sendint64(buf, (int64) (uint64) v);
}

static int128
recv_key(StringInfo buf)
{
	int64		hi = pq_getmsgint64(buf);
	uint64		lo = (uint64) pq_getmsgint64(buf);

	return ((int128) hi << 64) | (int128) lo;
}

Datum
smpc_order_serialize(PG_FUNCTION_ARGS)
{
	OrderState *st = (OrderState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "smpc serialize function called in non-aggregate context");
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, st->agg.has_key);
	pq_sendstring(&buf, st->agg.group);
	pq_sendstring(&buf, st->agg.label);
	pq_sendint64(&buf, st->agg.count);
	send_key(&buf, st->lo);
	send_key(&buf, st->hi);
	pq_sendint32(&buf, st->dscale);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
smpc_order_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *sstate = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	OrderState *st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "smpc deserialize function called in non-aggregate context");
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(sstate), VARSIZE_ANY_EXHDR(sstate));
	st = palloc0(sizeof(OrderState));
	st->agg.input = IN_ANY;
	st->agg.has_key = pq_getmsgbyte(&buf) != 0;
	strlcpy(st->agg.group, pq_getmsgstring(&buf), sizeof(st->agg.group));
	strlcpy(st->agg.label, pq_getmsgstring(&buf), sizeof(st->agg.label));
	st->agg.count = pq_getmsgint64(&buf);
	st->lo = recv_key(&buf);
	st->hi = recv_key(&buf);
	st->dscale = pq_getmsgint(&buf, 4);
	if (st->agg.count < 0 || st->dscale < 0 || st->dscale > SMPC_ORDER_SCALE)
		elog(ERROR, "invalid serialised smpc state");
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* ---- the final step ---- */

/*
 * What every member must agree on: the aggregate and the input type, so
 * that smpc_max over int4 at one member and over float8 at another is a
 * disagreement, not a comparison of unrelated keys.
 */
static void
order_desc(SmpcKind kind, Oid type, uint8 *out)
{
	crypto_generichash_state hs;
	const char *what = kind == SMPC_KIND_MINIMUM ? "min" : "max";
	const char *tname = format_type_be(type);

	crypto_generichash_init(&hs, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&hs, (const uint8 *) "smpc-order-v1", 13);
	crypto_generichash_update(&hs, (const uint8 *) what, strlen(what) + 1);
	crypto_generichash_update(&hs, (const uint8 *) tname, strlen(tname) + 1);
	crypto_generichash_final(&hs, out, SMPC_HASH_BYTES);
}

static void
bad_result(SmpcKind kind, Oid type)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("the joint result of smpc_%s is not a value of type %s",
					kind == SMPC_KIND_MINIMUM ? "min" : "max", format_type_be(type)),
			 errdetail("A member of the peer group entered a key that no value of this type has.")));
}

static Datum
order_final(FunctionCallInfo fcinfo, SmpcKind kind)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	SmpcAggState *common;
	OrderState *st = NULL;
	Oid			type;
	int128		value;
	int128		result[SMPC_MAX_VALUES];
	int32		scale = 0;
	int32		result_scale = 0;
	int64		rows = 0;
	uint8		desc[SMPC_HASH_BYTES];
	bool		released;
	int128		none = kind == SMPC_KIND_MAXIMUM ? SMPC_ORDER_NONE_MAX : SMPC_ORDER_NONE_MIN;

	if (aggref == NULL || list_length(aggref->aggargtypes) < 2)
		elog(ERROR, "smpc final function called in non-aggregate context");
	type = linitial_oid(aggref->aggargtypes);

	/* with no row at all, the group and label come from the call */
	common = final_state(fcinfo);
	if (!PG_ARGISNULL(0) && common == (SmpcAggState *) PG_GETARG_POINTER(0))
		st = (OrderState *) common;
	if (st != NULL && st->agg.count > 0)
	{
		value = kind == SMPC_KIND_MAXIMUM ? st->hi : st->lo;
		scale = st->dscale;
		rows = st->agg.count;
	}
	else
		value = none;

	order_desc(kind, type, desc);
	released = smpc_run_computation(fcinfo, common->group, common->label, kind, SMPC_CLASS_EXACT,
									scale, &value, 1, desc, rows, result, &result_scale, NULL);
	explicit_bzero(&value, sizeof(value));
	/* withheld, or no member had a row */
	if (!released || result[0] == none)
		PG_RETURN_NULL();

	{
		Datum		d;

		if (!smpc_order_datum(result[0], type, result_scale, &d))
			bad_result(kind, type);
		PG_RETURN_DATUM(d);
	}
}

Datum
smpc_min_final(PG_FUNCTION_ARGS)
{
	return order_final(fcinfo, SMPC_KIND_MINIMUM);
}

Datum
smpc_max_final(PG_FUNCTION_ARGS)
{
	return order_final(fcinfo, SMPC_KIND_MAXIMUM);
}
