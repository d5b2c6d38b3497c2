/*-------------------------------------------------------------------------
 *
 * aggregates.h
 *	  The partial state every smpc aggregate keeps, and the helpers that
 *	  aggregates.c shares with the families of aggregates in other files.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_AGGREGATES_H
#define SMPC_AGGREGATES_H

#include "fmgr.h"
#include "nodes/primnodes.h"
#include "utils/numeric.h"

#include "smpc.h"
#include "wide.h"

/* Which input an aggregate state accumulates. */
typedef enum SmpcInput
{
	IN_INT2 = 1, IN_INT4, IN_INT8, IN_NUMERIC, IN_FLOAT4, IN_FLOAT8,
	IN_ANY, IN_ROWS
} SmpcInput;

/* Buckets of a histogram or frequency table, the outer ones included. */
#define SMPC_MAX_BUCKETS 64

typedef struct SmpcAggState
{
	int16		input;			/* SmpcInput */
	bool		has_key;
	bool		key_fixed;		/* group and label are constants */
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	int64		count;			/* non-NULL inputs (or rows) */
	int128		isum;			/* integer inputs */
	double		fsum;			/* floating-point inputs */
	Datum		numstate;		/* numeric inputs: the native accumulator */
	/* for the dispersion aggregates (moments.c) */
	uint128		isq_lo;			/* integer inputs: the sum of squares is */
	uint64		isq_hi;			/* isq_hi * 2^128 + isq_lo */
	bool		nonfinite;		/* a floating-point input was NaN or infinite */
	Datum		numstate2;		/* numeric inputs: accumulator of squares */

	/*
	 * Floating-point input to the dispersion and two-variable aggregates:
	 * exact accumulators (wide.h), NULL until the first row.  Dispersion:
	 * sum x (KACC_LIN_DIGITS), then sum x^2 (KACC_SQ_DIGITS); two
	 * variables: sum x, sum y, then sum x^2, sum y^2, sum xy.
	 */
	int64	   *kacc;
	int32		kacc_len;		/* digits in kacc */
	int32		kacc_pending;	/* rows added since the digits were carried */
	/* for histograms and frequency tables (distributions.c) */
	int			nbins;			/* 0 until the bounds are known */
	int64		bins[SMPC_MAX_BUCKETS];
	uint8		desc[SMPC_HASH_BYTES];	/* digest of the bounds or categories */
	Datum		spec;			/* the bounds or categories array, as given */
} SmpcAggState;

extern SmpcAggState *trans_begin(FunctionCallInfo fcinfo, SmpcInput input, int grouparg);
extern SmpcAggState *trans_begin_label(FunctionCallInfo fcinfo, SmpcInput input,
									   int grouparg, int labelarg);
extern void note_key(SmpcAggState *st, FunctionCallInfo fcinfo, int grouparg, int labelarg);
extern Datum eval_call_arg(FunctionCallInfo fcinfo, int argno, const char *what);
extern SmpcAggState *final_state(FunctionCallInfo fcinfo);
extern Aggref *smpc_call_aggref(FunctionCallInfo fcinfo);
extern Datum call_numeric_support(PGFunction fn, FunctionCallInfo outer, int nargs,
								  Datum a0, bool n0, Datum a1, bool n1, bool *isnull);
extern int64 *kacc_get(FunctionCallInfo fcinfo, SmpcAggState *st, int len);
extern void kacc_normalise_state(SmpcAggState *st);
extern void out_of_range(const char *why);
extern void numstate_wide(FunctionCallInfo fcinfo, Datum numstate, Wide *value, int32 *scale);
extern void exact_to_limbs(Wide *value, int32 scale, int32 fixed_scale, int nlimbs,
						   int128 *out, const char *what);
extern Numeric wide_to_numeric(const Wide *w, int32 scale);
/* order keys of every type smpc_min takes (order.c) */
extern bool smpc_order_type_supported(Oid type);
extern int128 smpc_order_key(Datum value, Oid type, int32 *dscale, const char *what);
extern bool smpc_order_datum(int128 key, Oid type, int32 scale, Datum *out);
extern Numeric joint_exact(const int128 *limbs, int nlimbs, int32 fixed_scale, int32 scale);

#endif
