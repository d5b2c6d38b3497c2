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
#include "utils/numeric.h"

#include "smpc.h"

/* Which input an aggregate state accumulates. */
typedef enum SmpcInput
{
	IN_INT2 = 1, IN_INT4, IN_INT8, IN_NUMERIC, IN_FLOAT4, IN_FLOAT8,
	IN_ANY, IN_ROWS
} SmpcInput;

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
	int128		isq;			/* sum of squares of integer or quantised inputs */
	bool		overflow;		/* isum or isq overflowed */
	bool		nonfinite;		/* a floating-point input was NaN or infinite */
	Datum		numstate2;		/* numeric inputs: accumulator of squares */
	/* for the two-variable aggregates (moments.c): x in isum and isq */
	int128		ysum;
	int128		ysq;
	int128		xysum;
	/* for histograms and frequency tables (distributions.c) */
	int			nbins;			/* 0 until the bounds are known */
	int64		bins[SMPC_MAX_VALUES];
	uint8		desc[SMPC_HASH_BYTES];	/* digest of the bounds or categories */
	Datum		spec;			/* the bounds or categories array, as given */
} SmpcAggState;

extern SmpcAggState *trans_begin(FunctionCallInfo fcinfo, SmpcInput input, int grouparg);
extern SmpcAggState *trans_begin_label(FunctionCallInfo fcinfo, SmpcInput input,
									   int grouparg, int labelarg);
extern Datum eval_call_arg(FunctionCallInfo fcinfo, int argno, const char *what);
extern SmpcAggState *final_state(FunctionCallInfo fcinfo);
extern Datum call_numeric_support(PGFunction fn, FunctionCallInfo outer, int nargs,
								  Datum a0, bool n0, Datum a1, bool n1, bool *isnull);
extern void out_of_range(const char *why);
extern void numeric_to_fixed(Numeric num, int128 *value, int32 *scale);
extern void numstate_fixed(FunctionCallInfo fcinfo, Datum numstate,
						   int128 *value, int32 *scale);
extern Numeric fixed_to_numeric(int128 v, int32 scale);

#endif
