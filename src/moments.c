/*-------------------------------------------------------------------------
 *
 * moments.c
 *	  Statistics from the first and second moments, each one joint
 *	  computation over a vector of sums:
 *	  - dispersion: smpc_var_samp, smpc_var_pop, smpc_stddev_samp,
 *	    smpc_stddev_pop (and smpc_variance, smpc_stddev) over
 *	    (count, sum, sum of squares);
 *	  - two variables: smpc_corr, smpc_covar_pop, smpc_covar_samp,
 *	    smpc_regr_slope, smpc_regr_intercept, smpc_regr_r2, smpc_regr_count
 *	    over (count, sum x, sum y, sum x^2, sum y^2, sum xy).
 *
 * The sums are exact, so the joint variance is computed from them without
 * cancellation, whatever the mean: for integer and numeric input exactly as
 * PostgreSQL's own numeric variance does (same scale, same rounding); for
 * floating-point input every value, square and product is added exactly
 * into wide fixed-point accumulators (wide.h), shared as limbs, and the
 * centred sums are computed exactly from the joint sums; only the final
 * quotients are rounded, a few times to double precision, so the results
 * agree with the exact rational ones to about 1e-15 relative.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "aggregates.h"
#include "field.h"
#include "wide.h"

PG_FUNCTION_INFO_V1(smpc_vtrans_int2);
PG_FUNCTION_INFO_V1(smpc_vtrans_int4);
PG_FUNCTION_INFO_V1(smpc_vtrans_int8);
PG_FUNCTION_INFO_V1(smpc_vtrans_numeric);
PG_FUNCTION_INFO_V1(smpc_vtrans_float4);
PG_FUNCTION_INFO_V1(smpc_vtrans_float8);
PG_FUNCTION_INFO_V1(smpc_var_samp_final_numeric);
PG_FUNCTION_INFO_V1(smpc_var_pop_final_numeric);
PG_FUNCTION_INFO_V1(smpc_stddev_samp_final_numeric);
PG_FUNCTION_INFO_V1(smpc_stddev_pop_final_numeric);
PG_FUNCTION_INFO_V1(smpc_var_samp_final_float8);
PG_FUNCTION_INFO_V1(smpc_var_pop_final_float8);
PG_FUNCTION_INFO_V1(smpc_stddev_samp_final_float8);
PG_FUNCTION_INFO_V1(smpc_stddev_pop_final_float8);

/* Add an integer v and v*v to the state's exact sums. */
static inline void
add_int(SmpcAggState *st, int64 v)
{
	uint128		sq = (uint128) ((int128) v * v);

	st->isum += v;
	if (__builtin_add_overflow(st->isq_lo, sq, &st->isq_lo))
		st->isq_hi++;
	st->count++;
}

/* Carry the accumulators' digits when enough rows have been added. */
static inline void
kacc_row_done(SmpcAggState *st)
{
	if (unlikely(++st->kacc_pending >= KACC_NORMALISE_EVERY))
		kacc_normalise_state(st);
}

/* Add a floating-point x and x*x to the state's exact accumulators. */
static inline void
add_float(FunctionCallInfo fcinfo, SmpcAggState *st, double x)
{
	int64	   *d = kacc_get(fcinfo, st, KACC_VAR_DIGITS);

	if (unlikely(!isfinite(x)))
	{
		st->nonfinite = true;
		return;
	}
	kacc_add(d, x);
	kacc_add_product(d + KACC_LIN_DIGITS, x, x);
	st->count++;
	kacc_row_done(st);
}

#define VAR_TRANS(fname, input, add) \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	SmpcAggState *st = trans_begin(fcinfo, input, 2); \
	if (!PG_ARGISNULL(1)) \
		add; \
	PG_RETURN_POINTER(st); \
}

VAR_TRANS(smpc_vtrans_int2, IN_INT2, add_int(st, PG_GETARG_INT16(1)))
VAR_TRANS(smpc_vtrans_int4, IN_INT4, add_int(st, PG_GETARG_INT32(1)))
VAR_TRANS(smpc_vtrans_int8, IN_INT8, add_int(st, PG_GETARG_INT64(1)))
VAR_TRANS(smpc_vtrans_float4, IN_FLOAT4, add_float(fcinfo, st, PG_GETARG_FLOAT4(1)))
VAR_TRANS(smpc_vtrans_float8, IN_FLOAT8, add_float(fcinfo, st, PG_GETARG_FLOAT8(1)))

/* numeric: the native accumulator of x, and another of x * x */
Datum
smpc_vtrans_numeric(PG_FUNCTION_ARGS)
{
	SmpcAggState *st = trans_begin(fcinfo, IN_NUMERIC, 2);
	Datum		x;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	x = PG_GETARG_DATUM(1);
	st->numstate = call_numeric_support(numeric_avg_accum, fcinfo, 2,
										st->numstate, st->numstate == 0,
										x, false, NULL);
	st->numstate2 = call_numeric_support(numeric_avg_accum, fcinfo, 2,
										 st->numstate2, st->numstate2 == 0,
										 DirectFunctionCall2(numeric_mul, x, x),
										 false, NULL);
	st->count++;
	PG_RETURN_POINTER(st);
}

/* A floating-point state's accumulator as limbs: it always fits below 2^40 rows. */
static void
kacc_to_limbs(const int64 *d, int ndigits, int nlimbs, int128 *out)
{
	Wide		w;

	wide_from_int128(&w, 0);
	if (d != NULL)
		wide_from_kacc(&w, d, ndigits);
	if (!wide_to_limbs(&w, nlimbs, out))
		out_of_range("This member's local sums are too large for the exact floating-point encoding: it has more than 2^40 rows.");
	explicit_bzero(&w, sizeof(w));
}

/*
 * Run the joint computation over (count, sum, sum of squares), laid out as
 * smpc.h says.  On return, r[0] is the joint count and *sum and *sumsq the
 * joint sums: for exact input at the agreed display scale *scale and twice
 * it, for floating-point input as integers in units of 2^-1074 and
 * 2^-2148.  Returns whether the input is floating point.  When the result
 * is withheld (too few contributors, or a small cell), the joint count is
 * given as 0, so that every final function returns NULL.
 */
static bool
joint_moments(FunctionCallInfo fcinfo, int128 *r, int32 *scale, Wide *sum, Wide *sumsq)
{
	SmpcAggState *st = final_state(fcinfo);
	int128		values[1 + SMPC_FLOAT_LIMBS + SMPC_FLOAT_SQ_LIMBS];
	int			nlin,
				nsq,
				n;
	int32		sc = 0;
	SmpcClass	cl;
	bool		released;

	if (st->nonfinite)
		out_of_range("NaN and infinite values cannot be shared.");
	cl = (st->input == IN_FLOAT4 || st->input == IN_FLOAT8) ? SMPC_CLASS_FLOAT
		: SMPC_CLASS_EXACT;
	values[0] = st->count;
	if (cl == SMPC_CLASS_FLOAT)
	{
		nlin = SMPC_FLOAT_LIMBS;
		nsq = SMPC_FLOAT_SQ_LIMBS;
		kacc_to_limbs(st->kacc, KACC_LIN_DIGITS, nlin, &values[1]);
		kacc_to_limbs(st->kacc ? st->kacc + KACC_LIN_DIGITS : NULL, KACC_SQ_DIGITS,
					  nsq, &values[1 + nlin]);
	}
	else
	{
		Wide		w;
		int32		sc2 = 0;

		nlin = SMPC_EXACT_LIMBS;
		nsq = SMPC_EXACT_SQ_LIMBS;
		if (st->input == IN_NUMERIC)
		{
			numstate_wide(fcinfo, st->numstate, &w, &sc);
			exact_to_limbs(&w, sc, SMPC_EXACT_SCALE, nlin, &values[1], "local sum");
			numstate_wide(fcinfo, st->numstate2, &w, &sc2);
		}
		else
		{
			wide_from_int128(&w, st->isum);
			exact_to_limbs(&w, 0, SMPC_EXACT_SCALE, nlin, &values[1], "local sum");
			wide_from_uint192(&w, st->isq_hi, st->isq_lo);
		}
		exact_to_limbs(&w, sc2, 2 * SMPC_EXACT_SCALE, nsq, &values[1 + nlin],
					   "local sum of squares");
		explicit_bzero(&w, sizeof(w));
	}
	n = 1 + nlin + nsq;
	released = smpc_run_computation(fcinfo, st->group, st->label, SMPC_KIND_VARIANCE, cl, sc,
									values, n, NULL, st->count, r, scale, NULL);
	explicit_bzero(values, sizeof(values));
	if (!released)
	{
		r[0] = 0;
		wide_from_int128(sum, 0);
		wide_from_int128(sumsq, 0);
		return cl == SMPC_CLASS_FLOAT;
	}
	wide_from_limbs(sum, &r[1], nlin);
	wide_from_limbs(sumsq, &r[1 + nlin], nsq);
	if (cl == SMPC_CLASS_EXACT &&
		(!wide_div_pow10(sum, SMPC_EXACT_SCALE - *scale) ||
		 !wide_div_pow10(sumsq, 2 * (SMPC_EXACT_SCALE - *scale))))
		elog(ERROR, "smpc joint value has more decimals than the agreed scale %d", *scale);
	return cl == SMPC_CLASS_FLOAT;
}

static Numeric
num_int(int128 v)
{
	Wide		w;

	wide_from_int128(&w, v);
	return wide_to_numeric(&w, 0);
}

#define NUM(d) NumericGetDatum(d)
#define NUMERIC_OP(fn, a, b) DatumGetNumeric(DirectFunctionCall2(fn, NUM(a), NUM(b)))

/*
 * N * sumsq - sum * sum, exactly; the numerator of every variance.
 */
static Numeric
centred_numerator(int128 n, Numeric sum, Numeric sumsq)
{
	return NUMERIC_OP(numeric_sub, NUMERIC_OP(numeric_mul, num_int(n), sumsq),
					  NUMERIC_OP(numeric_mul, sum, sum));
}

static bool
numeric_positive(Numeric n)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NUM(n),
											 NUM(num_int(0)))) > 0;
}

/*
 * Variance or standard deviation over exact input, with the scale and
 * rounding of PostgreSQL's numeric variance: the quotient at the scale
 * numeric division chooses, and the square root rounded to that scale.
 */
static Datum
final_numeric(FunctionCallInfo fcinfo, bool sample, bool stddev)
{
	int128		r[SMPC_MAX_VALUES];
	int32		scale;
	Wide		sum,
				sumsq;
	Numeric		num,
				den,
				var;
	int32		rscale;

	if (joint_moments(fcinfo, r, &scale, &sum, &sumsq))
		elog(ERROR, "numeric variance computed over floating-point input");
	if (r[0] == 0 || (sample && r[0] <= 1))
		PG_RETURN_NULL();
	num = centred_numerator(r[0], wide_to_numeric(&sum, scale),
							wide_to_numeric(&sumsq, 2 * scale));
	if (!numeric_positive(num))
		PG_RETURN_NUMERIC(num_int(0));
	den = NUMERIC_OP(numeric_mul, num_int(r[0]), num_int(sample ? r[0] - 1 : r[0]));
	var = NUMERIC_OP(numeric_div, num, den);
	if (!stddev)
		PG_RETURN_NUMERIC(var);
	rscale = DatumGetInt32(DirectFunctionCall1(numeric_scale, NUM(var)));
	/* the root of the extended quotient, then rounded like sqrt_var() */
	var = DatumGetNumeric(DirectFunctionCall2(numeric_round, NUM(var),
											  Int32GetDatum(rscale + 8)));
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round,
										DirectFunctionCall1(numeric_sqrt, NUM(var)),
										Int32GetDatum(rscale)));
}

/*
 * Floating point with an exponent of its own: m * 2^e, 0.5 <= |m| < 1.
 * The exact joint sums of squares reach 2^4400, far beyond a double, and
 * their quotients may still be ordinary numbers; this keeps each step to
 * one rounding of a double without overflow or underflow, so that a
 * result is within a few units in the last place of the exact rational
 * one.  (Numeric arithmetic would do too, but it cannot convert a value
 * beyond 10^308 to double, and a binary unit of 2^-2148 would need 2148
 * decimals.)
 */
typedef struct XFloat
{
	double		m;
	int			e;
} XFloat;

static XFloat
xf_norm(double m, int e)
{
	XFloat		r;
	int			k;

	r.m = frexp(m, &k);
	r.e = (m == 0) ? 0 : e + k;
	return r;
}

static XFloat
xf_wide(const Wide *w, int unit_exp)
{
	XFloat		r;

	r.m = wide_frexp(w, &r.e);
	r.e += unit_exp;
	return r;
}

static XFloat
xf_int(int128 v)
{
	return xf_norm((double) v, 0);
}

static XFloat
xf_mul(XFloat a, XFloat b)
{
	return xf_norm(a.m * b.m, a.e + b.e);
}

static XFloat
xf_div(XFloat a, XFloat b)
{
	return xf_norm(a.m / b.m, a.e - b.e);
}

static XFloat
xf_sqrt(XFloat a)
{
	if (a.e & 1)
		return xf_norm(sqrt(a.m * 2), (a.e - 1) / 2);
	return xf_norm(sqrt(a.m), a.e / 2);
}

/* The double nearest, or PostgreSQL's overflow error. */
static double
xf_double(XFloat a)
{
	double		d = ldexp(a.m, a.e);

	if (isinf(d))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow")));
	return d;
}

/* w = n * q - a * b, exactly */
static void
centred(Wide *w, const Wide *n, const Wide *q, const Wide *a, const Wide *b)
{
	Wide		t;

	wide_mul(w, n, q);
	wide_mul(&t, a, b);
	wide_sub(w, w, &t);
}

#define UNIT2 (-2 * SMPC_FLOAT_UNIT_BITS)

/*
 * Variance or standard deviation over floating-point input: the exact
 * numerator N * Sxx - Sx^2, divided once.
 */
static Datum
final_float8(FunctionCallInfo fcinfo, bool sample, bool stddev)
{
	int128		r[SMPC_MAX_VALUES];
	int32		scale;
	Wide		sum,
				sumsq,
				n,
				num;
	XFloat		var;

	if (!joint_moments(fcinfo, r, &scale, &sum, &sumsq))
		elog(ERROR, "floating-point variance computed over exact input");
	if (r[0] == 0 || (sample && r[0] <= 1))
		PG_RETURN_NULL();
	wide_from_int128(&n, r[0]);
	centred(&num, &n, &sumsq, &sum, &sum);
	if (wide_is_zero(&num) || num.neg)
		PG_RETURN_FLOAT8(0.0);
	var = xf_div(xf_wide(&num, UNIT2),
				 xf_mul(xf_int(r[0]), xf_int(sample ? r[0] - 1 : r[0])));
	PG_RETURN_FLOAT8(xf_double(stddev ? xf_sqrt(var) : var));
}

Datum
smpc_var_samp_final_numeric(PG_FUNCTION_ARGS)
{
	return final_numeric(fcinfo, true, false);
}

Datum
smpc_var_pop_final_numeric(PG_FUNCTION_ARGS)
{
	return final_numeric(fcinfo, false, false);
}

Datum
smpc_stddev_samp_final_numeric(PG_FUNCTION_ARGS)
{
	return final_numeric(fcinfo, true, true);
}

Datum
smpc_stddev_pop_final_numeric(PG_FUNCTION_ARGS)
{
	return final_numeric(fcinfo, false, true);
}

Datum
smpc_var_samp_final_float8(PG_FUNCTION_ARGS)
{
	return final_float8(fcinfo, true, false);
}

Datum
smpc_var_pop_final_float8(PG_FUNCTION_ARGS)
{
	return final_float8(fcinfo, false, false);
}

Datum
smpc_stddev_samp_final_float8(PG_FUNCTION_ARGS)
{
	return final_float8(fcinfo, true, true);
}

Datum
smpc_stddev_pop_final_float8(PG_FUNCTION_ARGS)
{
	return final_float8(fcinfo, false, true);
}

/* ---- two variables ---- */

PG_FUNCTION_INFO_V1(smpc_rtrans);
PG_FUNCTION_INFO_V1(smpc_corr_final);
PG_FUNCTION_INFO_V1(smpc_covar_pop_final);
PG_FUNCTION_INFO_V1(smpc_covar_samp_final);
PG_FUNCTION_INFO_V1(smpc_regr_slope_final);
PG_FUNCTION_INFO_V1(smpc_regr_intercept_final);
PG_FUNCTION_INFO_V1(smpc_regr_r2_final);
PG_FUNCTION_INFO_V1(smpc_regr_count_final);

/* offsets of the accumulators in the state, and of the limbs in the vector */
#define K_SX	0
#define K_SY	KACC_LIN_DIGITS
#define K_SXX	(2 * KACC_LIN_DIGITS)
#define K_SYY	(K_SXX + KACC_SQ_DIGITS)
#define K_SXY	(K_SYY + KACC_SQ_DIGITS)
#define V_SX	1
#define V_SY	(V_SX + SMPC_FLOAT_LIMBS)
#define V_SXX	(V_SY + SMPC_FLOAT_LIMBS)
#define V_SYY	(V_SXX + SMPC_FLOAT_SQ_LIMBS)
#define V_SXY	(V_SYY + SMPC_FLOAT_SQ_LIMBS)
#define V_END	(V_SXY + SMPC_FLOAT_SQ_LIMBS)

/* (y, x, group [, label]); like PostgreSQL's, rows with a NULL are skipped */
Datum
smpc_rtrans(PG_FUNCTION_ARGS)
{
	SmpcAggState *st = trans_begin(fcinfo, IN_FLOAT8, 3);
	double		y,
				x;
	int64	   *d;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	y = PG_GETARG_FLOAT8(1);
	x = PG_GETARG_FLOAT8(2);
	d = kacc_get(fcinfo, st, KACC_REGR_DIGITS);
	if (unlikely(!isfinite(x) || !isfinite(y)))
	{
		st->nonfinite = true;
		PG_RETURN_POINTER(st);
	}
	kacc_add(d + K_SX, x);
	kacc_add(d + K_SY, y);
	kacc_add_product(d + K_SXX, x, x);
	kacc_add_product(d + K_SYY, y, y);
	kacc_add_product(d + K_SXY, x, y);
	st->count++;
	kacc_row_done(st);
	PG_RETURN_POINTER(st);
}

/*
 * The joint sums, exact: n, sx and sy in units of 2^-1074, and the
 * centred sums times n, exact, in units of 2^-2148:
 * cxx = N*Sxx - Sx^2, cyy = N*Syy - Sy^2, cxy = N*Sxy - Sx*Sy.
 */
typedef struct Moments2
{
	int128		n;				/* -1: the result is withheld */
	Wide		sx;
	Wide		sy;
	Wide		cxx;
	Wide		cyy;
	Wide		cxy;
} Moments2;

static void
joint_moments2(FunctionCallInfo fcinfo, Moments2 *m)
{
	SmpcAggState *st = final_state(fcinfo);
	int128		v[V_END];
	int128		r[SMPC_MAX_VALUES];
	int32		scale;
	const int64 *d = st->kacc;
	Wide		n,
				q;
	bool		released;

	if (st->nonfinite)
		out_of_range("NaN and infinite values cannot be shared.");
	v[0] = st->count;
	kacc_to_limbs(d ? d + K_SX : NULL, KACC_LIN_DIGITS, SMPC_FLOAT_LIMBS, &v[V_SX]);
	kacc_to_limbs(d ? d + K_SY : NULL, KACC_LIN_DIGITS, SMPC_FLOAT_LIMBS, &v[V_SY]);
	kacc_to_limbs(d ? d + K_SXX : NULL, KACC_SQ_DIGITS, SMPC_FLOAT_SQ_LIMBS, &v[V_SXX]);
	kacc_to_limbs(d ? d + K_SYY : NULL, KACC_SQ_DIGITS, SMPC_FLOAT_SQ_LIMBS, &v[V_SYY]);
	kacc_to_limbs(d ? d + K_SXY : NULL, KACC_SQ_DIGITS, SMPC_FLOAT_SQ_LIMBS, &v[V_SXY]);
	released = smpc_run_computation(fcinfo, st->group, st->label, SMPC_KIND_REGRESSION,
									SMPC_CLASS_FLOAT, 0, v, V_END, NULL, st->count,
									r, &scale, NULL);
	explicit_bzero(v, sizeof(v));
	if (!released)
	{
		/* withheld: every final function gives NULL, smpc_regr_count too */
		memset(m, 0, sizeof(Moments2));
		m->n = -1;
		return;
	}
	m->n = r[0];
	wide_from_int128(&n, r[0]);
	wide_from_limbs(&m->sx, &r[V_SX], SMPC_FLOAT_LIMBS);
	wide_from_limbs(&m->sy, &r[V_SY], SMPC_FLOAT_LIMBS);
	wide_from_limbs(&q, &r[V_SXX], SMPC_FLOAT_SQ_LIMBS);
	centred(&m->cxx, &n, &q, &m->sx, &m->sx);
	wide_from_limbs(&q, &r[V_SYY], SMPC_FLOAT_SQ_LIMBS);
	centred(&m->cyy, &n, &q, &m->sy, &m->sy);
	wide_from_limbs(&q, &r[V_SXY], SMPC_FLOAT_SQ_LIMBS);
	centred(&m->cxy, &n, &q, &m->sx, &m->sy);
}

Datum
smpc_covar_pop_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(xf_double(xf_div(xf_wide(&m.cxy, UNIT2),
									  xf_mul(xf_int(m.n), xf_int(m.n)))));
}

Datum
smpc_covar_samp_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(xf_double(xf_div(xf_wide(&m.cxy, UNIT2),
									  xf_mul(xf_int(m.n), xf_int(m.n - 1)))));
}

Datum
smpc_corr_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || wide_is_zero(&m.cxx) || wide_is_zero(&m.cyy))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(xf_double(xf_div(xf_wide(&m.cxy, 0),
									  xf_sqrt(xf_mul(xf_wide(&m.cxx, 0),
													 xf_wide(&m.cyy, 0))))));
}

Datum
smpc_regr_slope_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || wide_is_zero(&m.cxx))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(xf_double(xf_div(xf_wide(&m.cxy, 0), xf_wide(&m.cxx, 0))));
}

/*
 * (Sy - Sx * slope) / N = (sy * cxx - sx * cxy) / (N * cxx), with the
 * numerator exact: an intercept near zero keeps its relative precision.
 */
Datum
smpc_regr_intercept_final(PG_FUNCTION_ARGS)
{
	Moments2	m;
	Wide		num;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || wide_is_zero(&m.cxx))
		PG_RETURN_NULL();
	centred(&num, &m.sy, &m.cxx, &m.sx, &m.cxy);
	if (wide_is_zero(&num))
		PG_RETURN_FLOAT8(0.0);
	PG_RETURN_FLOAT8(xf_double(xf_div(xf_wide(&num, -SMPC_FLOAT_UNIT_BITS),
									  xf_mul(xf_int(m.n), xf_wide(&m.cxx, 0)))));
}

Datum
smpc_regr_r2_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || wide_is_zero(&m.cxx))
		PG_RETURN_NULL();
	if (wide_is_zero(&m.cyy))
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8(xf_double(xf_div(xf_mul(xf_wide(&m.cxy, 0), xf_wide(&m.cxy, 0)),
									  xf_mul(xf_wide(&m.cxx, 0), xf_wide(&m.cyy, 0)))));
}

Datum
smpc_regr_count_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64((int64) m.n);
}
