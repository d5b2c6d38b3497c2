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
 * floating-point input every value is first rounded to a multiple of
 * 2^-SMPC_VAR_FRAC_BITS, after which all arithmetic is exact and the result
 * is rounded once to double precision.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "aggregates.h"
#include "field.h"

/* quantum of floating-point inputs to the dispersion aggregates */
#define SMPC_VAR_FRAC_BITS 24
#define QUANTUM_SQ ((int128) 1 << (2 * SMPC_VAR_FRAC_BITS))

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

/* Add v and v*v to the state's exact sums, noting any overflow. */
static inline void
add_exact(SmpcAggState *st, int128 v)
{
	int128		sq;

	if (__builtin_mul_overflow(v, v, &sq) ||
		__builtin_add_overflow(st->isum, v, &st->isum) ||
		__builtin_add_overflow(st->isq, sq, &st->isq))
		st->overflow = true;
	st->count++;
}

/* A floating-point input rounded to the quantum, as an integer. */
static inline int128
quantise(SmpcAggState *st, double x)
{
	double		q = rint(ldexp(x, SMPC_VAR_FRAC_BITS));

	if (!isfinite(x))
	{
		st->nonfinite = true;
		return 0;
	}
	if (fabs(q) >= ldexp(1.0, 62))
	{
		st->overflow = true;
		return 0;
	}
	return (int128) q;
}

#define VAR_TRANS(fname, input, value) \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	SmpcAggState *st = trans_begin(fcinfo, input, 2); \
	if (!PG_ARGISNULL(1)) \
		add_exact(st, value); \
	PG_RETURN_POINTER(st); \
}

VAR_TRANS(smpc_vtrans_int2, IN_INT2, PG_GETARG_INT16(1))
VAR_TRANS(smpc_vtrans_int4, IN_INT4, PG_GETARG_INT32(1))
VAR_TRANS(smpc_vtrans_int8, IN_INT8, PG_GETARG_INT64(1))
VAR_TRANS(smpc_vtrans_float4, IN_FLOAT4, quantise(st, PG_GETARG_FLOAT4(1)))
VAR_TRANS(smpc_vtrans_float8, IN_FLOAT8, quantise(st, PG_GETARG_FLOAT8(1)))

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

/*
 * Run the joint computation: r[0] = count, r[1] = sum at scale *scale,
 * r[2] = sum of squares at twice that scale (for floating-point input,
 * at 2^-SMPC_VAR_FRAC_BITS and its square).  Returns whether the input is
 * floating point.  *released is false when the result is withheld (too
 * few contributors, or a small cell): every final function gives NULL.
 */
static bool
joint_moments(FunctionCallInfo fcinfo, int128 *r, int32 *scale, bool *released)
{
	SmpcAggState *st = final_state(fcinfo);
	int128		values[3];
	uint8		mult[3] = {0, 1, 2};
	int32		sc = 0;
	SmpcClass	cl;

	if (st->nonfinite)
		out_of_range("NaN and infinite values cannot be shared.");
	if (st->overflow)
		out_of_range("The local sum of squares exceeds 126 bits, or a floating-point input is too large (at most 2^38 in magnitude).");
	cl = (st->input == IN_FLOAT4 || st->input == IN_FLOAT8) ? SMPC_CLASS_FLOAT
		: SMPC_CLASS_EXACT;
	values[0] = st->count;
	if (st->input == IN_NUMERIC)
	{
		int32		sc2;

		numstate_fixed(fcinfo, st->numstate, &values[1], &sc);
		numstate_fixed(fcinfo, st->numstate2, &values[2], &sc2);
		/* x * x has twice the scale of x; keep that exact relation */
		for (; sc2 < 2 * sc; sc2++)
		{
			if (values[2] > SMPC_FIELD_LIMIT_10 || values[2] < -SMPC_FIELD_LIMIT_10)
				out_of_range("The local sum of squares exceeds 126 bits.");
			values[2] *= 10;
		}
	}
	else
	{
		values[1] = st->isum;
		values[2] = st->isq;
	}
	*released = smpc_run_computation(st->group, st->label, SMPC_KIND_VARIANCE, cl, sc,
									 values, mult, 3, NULL, st->count, r, scale, NULL);
	return cl == SMPC_CLASS_FLOAT;
}

static Numeric
num_int(int128 v)
{
	return fixed_to_numeric(v, 0);
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
	Numeric		num,
				den,
				var;
	int32		rscale;
	bool		released;

	if (joint_moments(fcinfo, r, &scale, &released))
		elog(ERROR, "numeric variance computed over floating-point input");
	if (!released || r[0] == 0 || (sample && r[0] <= 1))
		PG_RETURN_NULL();
	num = centred_numerator(r[0], fixed_to_numeric(r[1], scale),
							fixed_to_numeric(r[2], 2 * scale));
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

/* Variance or standard deviation over floating-point input. */
static Datum
final_float8(FunctionCallInfo fcinfo, bool sample, bool stddev)
{
	int128		r[SMPC_MAX_VALUES];
	int32		scale;
	Numeric		num,
				den;
	double		var;
	bool		released;

	if (!joint_moments(fcinfo, r, &scale, &released))
		elog(ERROR, "floating-point variance computed over exact input");
	if (!released || r[0] == 0 || (sample && r[0] <= 1))
		PG_RETURN_NULL();
	num = centred_numerator(r[0], num_int(r[1]), num_int(r[2]));
	if (!numeric_positive(num))
		PG_RETURN_FLOAT8(0.0);
	den = NUMERIC_OP(numeric_mul, num_int(r[0]), num_int(sample ? r[0] - 1 : r[0]));
	den = NUMERIC_OP(numeric_mul, den, num_int(QUANTUM_SQ));
	var = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
											 NUM(NUMERIC_OP(numeric_div, num, den))));
	PG_RETURN_FLOAT8(stddev ? sqrt(var) : var);
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

/* (y, x, group [, label]); like PostgreSQL's, rows with a NULL are skipped */
Datum
smpc_rtrans(PG_FUNCTION_ARGS)
{
	SmpcAggState *st = trans_begin(fcinfo, IN_FLOAT8, 3);
	int128		y,
				x,
				t;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	y = quantise(st, PG_GETARG_FLOAT8(1));
	x = quantise(st, PG_GETARG_FLOAT8(2));
	add_exact(st, x);			/* count, sum x, sum x^2 */
	if (__builtin_add_overflow(st->ysum, y, &st->ysum) ||
		__builtin_mul_overflow(y, y, &t) || __builtin_add_overflow(st->ysq, t, &st->ysq) ||
		__builtin_mul_overflow(x, y, &t) || __builtin_add_overflow(st->xysum, t, &st->xysum))
		st->overflow = true;
	PG_RETURN_POINTER(st);
}

/*
 * The joint sums and, computed from them exactly and rounded once, the
 * centred sums of squares and products: sxx = (N*Sxx - Sx^2) / N, syy
 * likewise, sxy = (N*Sxy - Sx*Sy) / N, in the input's units.
 */
typedef struct Moments2
{
	int128		n;				/* -1: the result is withheld */
	double		sx;				/* sums, in the input's units */
	double		sy;
	double		sxx;			/* centred, in the input's units squared */
	double		syy;
	double		sxy;
} Moments2;

static void
joint_moments2(FunctionCallInfo fcinfo, Moments2 *m)
{
	SmpcAggState *st = final_state(fcinfo);
	int128		v[6];
	int128		r[SMPC_MAX_VALUES];
	uint8		mult[6] = {0};
	int32		scale;
	Numeric		n,
				sx,
				sy,
				q2 = num_int(QUANTUM_SQ);

	if (st->nonfinite)
		out_of_range("NaN and infinite values cannot be shared.");
	if (st->overflow)
		out_of_range("A local sum of squares or products exceeds 126 bits, or an input is too large (at most 2^38 in magnitude).");
	v[0] = st->count;
	v[1] = st->isum;
	v[2] = st->ysum;
	v[3] = st->isq;
	v[4] = st->ysq;
	v[5] = st->xysum;
	if (!smpc_run_computation(st->group, st->label, SMPC_KIND_REGRESSION, SMPC_CLASS_FLOAT, 0,
							  v, mult, 6, NULL, st->count, r, &scale, NULL))
	{
		/* withheld: every final function gives NULL, smpc_regr_count too */
		m->n = -1;
		return;
	}
	m->n = r[0];
	if (m->n == 0)
		return;
	n = num_int(r[0]);
	sx = num_int(r[1]);
	sy = num_int(r[2]);
#define CENTRED(sq, a, b) \
	DatumGetFloat8(DirectFunctionCall1(numeric_float8, NUM( \
		NUMERIC_OP(numeric_div, \
				   NUMERIC_OP(numeric_sub, NUMERIC_OP(numeric_mul, n, num_int(sq)), \
							  NUMERIC_OP(numeric_mul, a, b)), \
				   NUMERIC_OP(numeric_mul, n, q2)))))
	m->sxx = CENTRED(r[3], sx, sx);
	m->syy = CENTRED(r[4], sy, sy);
	m->sxy = CENTRED(r[5], sx, sy);
#undef CENTRED
	m->sx = ldexp((double) r[1], -SMPC_VAR_FRAC_BITS);
	m->sy = ldexp((double) r[2], -SMPC_VAR_FRAC_BITS);
	/* exact zero stays zero; rounding cannot make a square negative */
	m->sxx = Max(m->sxx, 0.0);
	m->syy = Max(m->syy, 0.0);
}

Datum
smpc_covar_pop_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m.sxy / (double) m.n);
}

Datum
smpc_covar_samp_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m.sxy / (double) (m.n - 1));
}

Datum
smpc_corr_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || m.sxx == 0 || m.syy == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m.sxy / sqrt(m.sxx * m.syy));
}

Datum
smpc_regr_slope_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || m.sxx == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m.sxy / m.sxx);
}

Datum
smpc_regr_intercept_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || m.sxx == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((m.sy - m.sx * m.sxy / m.sxx) / (double) m.n);
}

Datum
smpc_regr_r2_final(PG_FUNCTION_ARGS)
{
	Moments2	m;

	joint_moments2(fcinfo, &m);
	if (m.n < 1 || m.sxx == 0)
		PG_RETURN_NULL();
	if (m.syy == 0)
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8((m.sxy * m.sxy) / (m.sxx * m.syy));
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
