/*-------------------------------------------------------------------------
 *
 * aggregates.c
 *	  The smpc aggregates: local partial state, kept like the native
 *	  aggregate of the same name (parallel safe, with combine and
 *	  serialisation functions), and final functions that encode the local
 *	  state, hand it to the background worker through shared memory, wait
 *	  on the backend's latch for the joint result and decode it into
 *	  PostgreSQL's own result type.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "codec.h"
#include "field.h"
#include "groupby.h"
#include "shmem.h"
#include "smpc.h"

#include "aggregates.h"

PG_FUNCTION_INFO_V1(smpc_trans_int2);
PG_FUNCTION_INFO_V1(smpc_trans_int4);
PG_FUNCTION_INFO_V1(smpc_trans_int8);
PG_FUNCTION_INFO_V1(smpc_trans_numeric);
PG_FUNCTION_INFO_V1(smpc_trans_float4);
PG_FUNCTION_INFO_V1(smpc_trans_float8);
PG_FUNCTION_INFO_V1(smpc_trans_any);
PG_FUNCTION_INFO_V1(smpc_trans_rows);
PG_FUNCTION_INFO_V1(smpc_agg_combine);
PG_FUNCTION_INFO_V1(smpc_agg_serialize);
PG_FUNCTION_INFO_V1(smpc_agg_deserialize);
PG_FUNCTION_INFO_V1(smpc_sum_final_int8);
PG_FUNCTION_INFO_V1(smpc_sum_final_numeric);
PG_FUNCTION_INFO_V1(smpc_sum_final_float4);
PG_FUNCTION_INFO_V1(smpc_sum_final_float8);
PG_FUNCTION_INFO_V1(smpc_avg_final_numeric);
PG_FUNCTION_INFO_V1(smpc_avg_final_float8);
PG_FUNCTION_INFO_V1(smpc_count_final);

/* Call one of PostgreSQL's numeric aggregate support functions in our context. */
Datum
call_numeric_support(PGFunction fn, FunctionCallInfo outer, int nargs,
					 Datum a0, bool n0, Datum a1, bool n1, bool *isnull)
{
	LOCAL_FCINFO(inner, 2);
	Datum		result;

	InitFunctionCallInfoData(*inner, NULL, nargs, InvalidOid, outer->context, NULL);
	inner->args[0].value = a0;
	inner->args[0].isnull = n0;
	inner->args[1].value = a1;
	inner->args[1].isnull = n1;
	result = fn(inner);
	if (isnull)
		*isnull = inner->isnull;
	return result;
}

static void
copy_key(char *dst, size_t dstlen, text *t, const char *what)
{
	int			len = VARSIZE_ANY_EXHDR(t);

	if ((size_t) len >= dstlen)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("smpc %s is too long", what),
				 errdetail("The %s may be at most %d bytes long.", what, (int) dstlen - 1)));
	memcpy(dst, VARDATA_ANY(t), len);
	dst[len] = '\0';
	if (strlen(dst) != (size_t) len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("smpc %s contains a zero byte", what)));
}

/* Are the group and label arguments of this aggregate call constants? */
static bool
key_args_constant(FunctionCallInfo fcinfo, int grouparg)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	int			i;

	/* fcinfo argument 0 is the state: argument i is aggref argument i - 1 */
	if (aggref == NULL || list_length(aggref->args) < grouparg)
		return false;
	for (i = grouparg - 1; i < list_length(aggref->args); i++)
	{
		Node	   *arg = (Node *) ((TargetEntry *) list_nth(aggref->args, i))->expr;

		if (!IsA(arg, Const) &&
			!(IsA(arg, Param) && ((Param *) arg)->paramkind == PARAM_EXTERN))
			return false;
	}
	return true;
}

/*
 * Record the group and label of this aggregate group.  They must stay the
 * same for every row; constant arguments are checked once.
 */
void
note_key(SmpcAggState *st, FunctionCallInfo fcinfo, int grouparg, int labelarg)
{
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	bool		has_label = PG_NARGS() > labelarg;

	if (st->key_fixed)
		return;

	if (PG_ARGISNULL(grouparg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("smpc peer group must not be NULL")));
	if (has_label && PG_ARGISNULL(labelarg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("smpc label must not be NULL")));
	copy_key(group, sizeof(group), PG_GETARG_TEXT_PP(grouparg), "peer group name");
	if (has_label)
		copy_key(label, sizeof(label), PG_GETARG_TEXT_PP(labelarg), "label");
	else
		label[0] = '\0';

	if (!st->has_key)
	{
		strlcpy(st->group, group, sizeof(st->group));
		strlcpy(st->label, label, sizeof(st->label));
		st->has_key = true;
		st->key_fixed = key_args_constant(fcinfo, grouparg);
	}
	else if (strcmp(st->group, group) != 0 || strcmp(st->label, label) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the peer group and label of an smpc aggregate must be the same for every row of a group"),
				 errhint("Use the label's column in GROUP BY.")));
}

SmpcAggState *
trans_begin(FunctionCallInfo fcinfo, SmpcInput input, int grouparg)
{
	return trans_begin_label(fcinfo, input, grouparg, grouparg + 1);
}

/* As trans_begin, for aggregates whose label is not right after the group. */
SmpcAggState *
trans_begin_label(FunctionCallInfo fcinfo, SmpcInput input, int grouparg, int labelarg)
{
	MemoryContext aggctx;
	SmpcAggState *st;
	int			ctx;

	/* the common case, kept short: a state whose key is settled */
	if (likely(!PG_ARGISNULL(0)))
	{
		st = (SmpcAggState *) PG_GETARG_POINTER(0);
		if (likely(st->key_fixed))
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
		st = MemoryContextAllocZero(aggctx, sizeof(SmpcAggState));
		st->input = input;
	}
	else
		st = (SmpcAggState *) PG_GETARG_POINTER(0);
	note_key(st, fcinfo, grouparg, labelarg);
	return st;
}

#define SIMPLE_TRANS(fname, input, accumulate) \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	SmpcAggState *st = trans_begin(fcinfo, input, 2); \
	if (!PG_ARGISNULL(1)) \
	{ \
		accumulate; \
		st->count++; \
	} \
	PG_RETURN_POINTER(st); \
}

SIMPLE_TRANS(smpc_trans_int2, IN_INT2, st->isum += PG_GETARG_INT16(1))
SIMPLE_TRANS(smpc_trans_int4, IN_INT4, st->isum += PG_GETARG_INT32(1))
SIMPLE_TRANS(smpc_trans_int8, IN_INT8, st->isum += PG_GETARG_INT64(1))
SIMPLE_TRANS(smpc_trans_float4, IN_FLOAT4, st->fsum += PG_GETARG_FLOAT4(1))
SIMPLE_TRANS(smpc_trans_float8, IN_FLOAT8, st->fsum += PG_GETARG_FLOAT8(1))
SIMPLE_TRANS(smpc_trans_any, IN_ANY, (void) 0)
SIMPLE_TRANS(smpc_trans_numeric, IN_NUMERIC,
			 st->numstate = call_numeric_support(numeric_avg_accum, fcinfo, 2,
												 st->numstate, st->numstate == 0,
												 PG_GETARG_DATUM(1), false, NULL))

Datum
smpc_trans_rows(PG_FUNCTION_ARGS)
{
	SmpcAggState *st = trans_begin(fcinfo, IN_ROWS, 1);

	st->count++;
	PG_RETURN_POINTER(st);
}

/* The exact accumulators of floating-point input, allocated at first use. */
int64 *
kacc_get(FunctionCallInfo fcinfo, SmpcAggState *st, int len)
{
	MemoryContext aggctx;

	if (likely(st->kacc != NULL))
		return st->kacc;
	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "smpc transition function called in non-aggregate context");
	st->kacc = MemoryContextAllocZero(aggctx, sizeof(int64) * len);
	st->kacc_len = len;
	return st->kacc;
}

/* Carry every accumulator of the state (they lie end to end). */
void
kacc_normalise_state(SmpcAggState *st)
{
	int			nlin = st->kacc_len == KACC_VAR_DIGITS ? 1 : 2;
	int			i;
	int64	   *d = st->kacc;

	for (i = 0; i < nlin; i++, d += KACC_LIN_DIGITS)
		kacc_normalise(d, KACC_LIN_DIGITS);
	for (; d < st->kacc + st->kacc_len; d += KACC_SQ_DIGITS)
		kacc_normalise(d, KACC_SQ_DIGITS);
	st->kacc_pending = 0;
}

static void
kacc_combine(SmpcAggState *s1, SmpcAggState *s2, MemoryContext aggctx)
{
	int			i;

	if (s1->kacc == NULL)
	{
		s1->kacc = MemoryContextAllocZero(aggctx, sizeof(int64) * s2->kacc_len);
		s1->kacc_len = s2->kacc_len;
	}
	else if (s1->kacc_len != s2->kacc_len)
		elog(ERROR, "smpc states of different aggregates combined");
	/* two carried accumulators add to digits below 2^33 */
	kacc_normalise_state(s1);
	kacc_normalise_state(s2);
	for (i = 0; i < s1->kacc_len; i++)
		s1->kacc[i] += s2->kacc[i];
	s1->kacc_pending = 2;
}

Datum
smpc_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx,
				old;
	SmpcAggState *s1 = PG_ARGISNULL(0) ? NULL : (SmpcAggState *) PG_GETARG_POINTER(0);
	SmpcAggState *s2 = PG_ARGISNULL(1) ? NULL : (SmpcAggState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "smpc combine function called in non-aggregate context");
	if (s2 == NULL)
		PG_RETURN_POINTER(s1);
	if (s1 == NULL)
	{
		old = MemoryContextSwitchTo(aggctx);
		s1 = palloc0(sizeof(SmpcAggState));
		MemoryContextSwitchTo(old);
		s1->input = s2->input;
	}
	if (!s1->has_key && s2->has_key)
	{
		strlcpy(s1->group, s2->group, sizeof(s1->group));
		strlcpy(s1->label, s2->label, sizeof(s1->label));
		s1->has_key = true;
	}
	else if (s2->has_key &&
			 (strcmp(s1->group, s2->group) != 0 || strcmp(s1->label, s2->label) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the peer group and label of an smpc aggregate must be the same for every row of a group")));
	s1->count += s2->count;
	/* integer sums of up to 2^63 rows of int8 fit in 128 bits */
	s1->isum += s2->isum;
	s1->isq_hi += s2->isq_hi;
	if (__builtin_add_overflow(s1->isq_lo, s2->isq_lo, &s1->isq_lo))
		s1->isq_hi++;
	s1->nonfinite |= s2->nonfinite;
	if (s2->kacc_len > 0)
		kacc_combine(s1, s2, aggctx);
	s1->fsum += s2->fsum;
	if (s2->nbins > 0)
	{
		int			i;

		if (s1->nbins == 0)
		{
			s1->nbins = s2->nbins;
			memcpy(s1->desc, s2->desc, SMPC_HASH_BYTES);
		}
		else if (s1->nbins != s2->nbins || memcmp(s1->desc, s2->desc, SMPC_HASH_BYTES) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the bounds or categories of an smpc aggregate must be the same for every row")));
		for (i = 0; i < s2->nbins; i++)
			s1->bins[i] += s2->bins[i];
	}
	if (s2->numstate2)
		s1->numstate2 = call_numeric_support(numeric_avg_combine, fcinfo, 2,
											 s1->numstate2, s1->numstate2 == 0,
											 s2->numstate2, false, NULL);
	if (s2->numstate)
		s1->numstate = call_numeric_support(numeric_avg_combine, fcinfo, 2,
											s1->numstate, s1->numstate == 0,
											s2->numstate, false, NULL);
	PG_RETURN_POINTER(s1);
}

static void
send_int128(StringInfo buf, int128 v)
{
	pq_sendint64(buf, (int64) (v >> 64));
	pq_sendint64(buf, (int64) (uint64) v);
}

static int128
recv_int128(StringInfo buf)
{
	int64		hi = pq_getmsgint64(buf);
	uint64		lo = (uint64) pq_getmsgint64(buf);

	return ((int128) hi << 64) | (int128) lo;
}

/* A native numeric accumulator inside our serialised state. */
static void
send_numstate(StringInfo buf, FunctionCallInfo fcinfo, Datum numstate)
{
	bytea	   *inner;

	if (numstate == 0)
	{
		pq_sendint32(buf, -1);
		return;
	}
	inner = DatumGetByteaPP(call_numeric_support(numeric_avg_serialize, fcinfo, 1,
												 numstate, false, 0, true, NULL));
	pq_sendint32(buf, VARSIZE_ANY_EXHDR(inner));
	pq_sendbytes(buf, VARDATA_ANY(inner), VARSIZE_ANY_EXHDR(inner));
}

static Datum
recv_numstate(StringInfo buf, FunctionCallInfo fcinfo)
{
	int32		len = pq_getmsgint(buf, 4);
	bytea	   *inner;

	if (len < 0)
		return (Datum) 0;
	inner = palloc(VARHDRSZ + len);
	SET_VARSIZE(inner, VARHDRSZ + len);
	memcpy(VARDATA(inner), pq_getmsgbytes(buf, len), len);
	return call_numeric_support(numeric_avg_deserialize, fcinfo, 2,
								PointerGetDatum(inner), false, 0, true, NULL);
}

Datum
smpc_agg_serialize(PG_FUNCTION_ARGS)
{
	SmpcAggState *st = (SmpcAggState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "smpc serialize function called in non-aggregate context");
	pq_begintypsend(&buf);
	pq_sendint16(&buf, st->input);
	pq_sendbyte(&buf, st->has_key);
	pq_sendstring(&buf, st->group);
	pq_sendstring(&buf, st->label);
	pq_sendint64(&buf, st->count);
	send_int128(&buf, st->isum);
	pq_sendfloat8(&buf, st->fsum);
	send_int128(&buf, (int128) st->isq_lo);
	pq_sendint64(&buf, (int64) st->isq_hi);
	pq_sendbyte(&buf, st->nonfinite ? 1 : 0);
	pq_sendint32(&buf, st->kacc_len);
	if (st->kacc_len > 0)
		kacc_normalise_state(st);
	for (int i = 0; i < st->kacc_len; i++)
		pq_sendint64(&buf, st->kacc[i]);
	pq_sendint32(&buf, st->nbins);
	for (int i = 0; i < st->nbins; i++)
		pq_sendint64(&buf, st->bins[i]);
	pq_sendbytes(&buf, (char *) st->desc, SMPC_HASH_BYTES);
	send_numstate(&buf, fcinfo, st->numstate);
	send_numstate(&buf, fcinfo, st->numstate2);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
smpc_agg_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *sstate = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	SmpcAggState *st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "smpc deserialize function called in non-aggregate context");
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(sstate), VARSIZE_ANY_EXHDR(sstate));
	st = palloc0(sizeof(SmpcAggState));
	st->input = pq_getmsgint(&buf, 2);
	st->has_key = pq_getmsgbyte(&buf);
	strlcpy(st->group, pq_getmsgstring(&buf), sizeof(st->group));
	strlcpy(st->label, pq_getmsgstring(&buf), sizeof(st->label));
	st->count = pq_getmsgint64(&buf);
	st->isum = recv_int128(&buf);
	st->fsum = pq_getmsgfloat8(&buf);
	st->isq_lo = (uint128) recv_int128(&buf);
	st->isq_hi = (uint64) pq_getmsgint64(&buf);
	st->nonfinite = pq_getmsgbyte(&buf) != 0;
	st->kacc_len = pq_getmsgint(&buf, 4);
	if (st->kacc_len != 0 && st->kacc_len != KACC_VAR_DIGITS && st->kacc_len != KACC_REGR_DIGITS)
		elog(ERROR, "invalid serialised smpc state");
	if (st->kacc_len > 0)
		st->kacc = palloc(sizeof(int64) * st->kacc_len);
	for (int i = 0; i < st->kacc_len; i++)
		st->kacc[i] = pq_getmsgint64(&buf);
	st->nbins = pq_getmsgint(&buf, 4);
	if (st->nbins < 0 || st->nbins > SMPC_MAX_BUCKETS)
		elog(ERROR, "invalid serialised smpc state");
	for (int i = 0; i < st->nbins; i++)
		st->bins[i] = pq_getmsgint64(&buf);
	memcpy(st->desc, pq_getmsgbytes(&buf, SMPC_HASH_BYTES), SMPC_HASH_BYTES);
	st->numstate = recv_numstate(&buf, fcinfo);
	st->numstate2 = recv_numstate(&buf, fcinfo);
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* ---- the final step ---- */

/* Find the partial Aggref matching a combining one in the plan below. */
typedef struct FindAggref
{
	int			aggno;
	Aggref	   *found;
} FindAggref;

static bool
find_aggref_walker(Node *node, FindAggref *ctx)
{
	if (node == NULL || ctx->found)
		return false;
	if (IsA(node, Aggref) && ((Aggref *) node)->aggno == ctx->aggno &&
		!DO_AGGSPLIT_COMBINE(((Aggref *) node)->aggsplit))
	{
		ctx->found = (Aggref *) node;
		return true;
	}
	return expression_tree_walker(node, find_aggref_walker, ctx);
}

/*
 * Search the plan below a combining Agg for the partial Aggref.  Partial
 * aggregation may sit under Gather, but also under Append or MergeAppend
 * (one partial Agg per partition with partitionwise aggregation), so every
 * child plan is searched, not only the left one.
 */
static void
find_partial_in_plan(Plan *plan, FindAggref *ctx)
{
	ListCell   *lc;
	List	   *children = NIL;

	if (plan == NULL || ctx->found)
		return;
	find_aggref_walker((Node *) plan->targetlist, ctx);
	if (IsA(plan, Append))
		children = ((Append *) plan)->appendplans;
	else if (IsA(plan, MergeAppend))
		children = ((MergeAppend *) plan)->mergeplans;
	else if (IsA(plan, SubqueryScan))
		children = list_make1(((SubqueryScan *) plan)->subplan);
	foreach(lc, children)
		find_partial_in_plan((Plan *) lfirst(lc), ctx);
	find_partial_in_plan(plan->lefttree, ctx);
	find_partial_in_plan(plan->righttree, ctx);
}

static Aggref *
find_partial_aggref(Plan *plan, int aggno)
{
	FindAggref	ctx = {aggno, NULL};

	find_partial_in_plan(plan, &ctx);
	return ctx.found;
}

/* The Aggref of this call, the partial one when this is a combining step. */
Aggref *
smpc_call_aggref(FunctionCallInfo fcinfo)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	AggState   *aggstate;

	if (aggref == NULL || !IsA(fcinfo->context, AggState))
		elog(ERROR, "smpc final function called in non-aggregate context");
	aggstate = (AggState *) fcinfo->context;
	if (DO_AGGSPLIT_COMBINE(aggref->aggsplit))
	{
		Aggref	   *partial = find_partial_aggref(aggstate->ss.ps.plan->lefttree,
												  aggref->aggno);

		if (partial == NULL)
			elog(ERROR, "could not find the partial aggregate of an smpc aggregate");
		aggref = partial;
	}
	return aggref;
}

/*
 * Evaluate argument argno of the aggregate call; it must not depend on any
 * row.  With no input rows the transition function never ran, so this is
 * how the final function learns the group, label and other settings.
 */
Datum
eval_call_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	Aggref	   *aggref = smpc_call_aggref(fcinfo);
	AggState   *aggstate = (AggState *) fcinfo->context;
	Expr	   *expr;
	ExprState  *es;
	Datum		d;
	bool		isnull;

	if (argno >= list_length(aggref->args))
		elog(ERROR, "unexpected argument list of an smpc aggregate");
	expr = ((TargetEntry *) list_nth(aggref->args, argno))->expr;
	if (contain_var_clause((Node *) expr) || contain_volatile_functions((Node *) expr) ||
		contain_agg_clause((Node *) expr))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("smpc aggregate over no rows needs a constant %s", what),
				 errdetail("With no input rows there is no row to take the %s from.", what)));
	es = ExecInitExpr(expr, (PlanState *) aggstate);
	d = ExecEvalExprSwitchContext(es, aggstate->ss.ps.ps_ExprContext, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("smpc %s must not be NULL", what)));
	return d;
}

/* Which arguments of an smpc aggregate are the peer group and the label. */
static void
key_arg_positions(const char *name, int *grouparg, int *labelarg)
{
	/* the group follows the aggregated values: none, one, or (y, x) */
	if (name && strcmp(name, "smpc_count_rows") == 0)
		*grouparg = 0;
	else if (name && strncmp(name, "smpc_clearing_", 14) == 0)
		*grouparg = 3;
	else if (name && (strncmp(name, "smpc_corr", 9) == 0 || strncmp(name, "smpc_covar", 10) == 0 ||
					  strncmp(name, "smpc_regr", 9) == 0))
		*grouparg = 2;
	else
		*grouparg = 1;
	/* histograms and frequency tables have their bounds before the label */
	*labelarg = *grouparg + 1;
	if (name && (strcmp(name, "smpc_histogram") == 0 || strcmp(name, "smpc_frequencies") == 0 ||
				 strncmp(name, "smpc_clearing_", 14) == 0))
		*labelarg = *grouparg + 2;
}

/*
 * Whether the label of this call is a constant (or has none).  In a
 * GROUP BY a label that is not one becomes part of each group's key.
 */
static bool
label_is_constant(FunctionCallInfo fcinfo)
{
	Aggref	   *aggref;
	int			grouparg,
				labelarg;
	Node	   *arg;
	bool	   *known;

	if (fcinfo == NULL || fcinfo->context == NULL || !IsA(fcinfo->context, AggState) ||
		fcinfo->flinfo == NULL)
		return true;
	/* asked once per group: the answer is kept with the call site */
	known = (bool *) fcinfo->flinfo->fn_extra;
	if (known != NULL)
		return *known;
	aggref = smpc_call_aggref(fcinfo);
	key_arg_positions(get_func_name(aggref->aggfnoid), &grouparg, &labelarg);
	known = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(bool));
	if (list_length(aggref->args) <= labelarg)
		*known = true;
	else
	{
		arg = (Node *) ((TargetEntry *) list_nth(aggref->args, labelarg))->expr;
		*known = IsA(arg, Const) ||
			(IsA(arg, Param) && ((Param *) arg)->paramkind == PARAM_EXTERN);
	}
	fcinfo->flinfo->fn_extra = known;
	return *known;
}

/* The group and label from the aggregate call itself (no input rows). */
static void
key_from_call(FunctionCallInfo fcinfo, SmpcAggState *st)
{
	Aggref	   *aggref = smpc_call_aggref(fcinfo);
	char	   *name = get_func_name(aggref->aggfnoid);
	int			grouparg,
				labelarg;
	char	   *group;

	key_arg_positions(name, &grouparg, &labelarg);

	/* a GROUP BY's extra call for smpc.group_results(): the cell's own */
	if (smpc_groupby_synthetic_key(fcinfo, st->group, st->label))
		goto input;
	group = TextDatumGetCString(eval_call_arg(fcinfo, grouparg, "peer group"));
	if (strlen(group) >= SMPC_MAX_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("smpc peer group name is too long"),
				 errdetail("The peer group name may be at most %d bytes long.", SMPC_MAX_NAME - 1)));
	strlcpy(st->group, group, sizeof(st->group));
	st->label[0] = '\0';
	/* a GROUP BY with no group here: a label that varies has no value */
	if (list_length(aggref->args) > labelarg &&
		!(smpc_groupby_probing(fcinfo) && !label_is_constant(fcinfo)))
	{
		char	   *label = TextDatumGetCString(eval_call_arg(fcinfo, labelarg, "label"));

		if (strlen(label) >= SMPC_MAX_LABEL)
			ereport(ERROR,
					(errcode(ERRCODE_NAME_TOO_LONG),
					 errmsg("smpc label is too long"),
					 errdetail("The label may be at most %d bytes long.", SMPC_MAX_LABEL - 1)));
		strlcpy(st->label, label, sizeof(st->label));
	}
input:
	if (linitial_oid(aggref->aggargtypes) == FLOAT4OID)
		st->input = IN_FLOAT4;
	else if (linitial_oid(aggref->aggargtypes) == FLOAT8OID)
		st->input = IN_FLOAT8;
	else
		st->input = IN_ANY;
	st->has_key = true;
}

SmpcAggState *
final_state(FunctionCallInfo fcinfo)
{
	SmpcAggState *st;

	if (!PG_ARGISNULL(0))
	{
		st = (SmpcAggState *) PG_GETARG_POINTER(0);
		if (st->has_key)
			return st;
	}
	st = palloc0(sizeof(SmpcAggState));
	key_from_call(fcinfo, st);
	return st;
}

void
out_of_range(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range for smpc"),
			 errdetail("%s", why),
			 errhint("Each member checks its own values against fixed limits before anything is shared; see Limits in the smpc README.")));
}

/* The sum of a native numeric accumulator, exactly, and its scale (0 if empty). */
void
numstate_wide(FunctionCallInfo fcinfo, Datum numstate, Wide *value, int32 *scale)
{
	bool		isnull;
	Datum		sum;
	char	   *text;

	wide_from_int128(value, 0);
	*scale = 0;
	if (numstate == 0)
		return;
	sum = call_numeric_support(numeric_sum, fcinfo, 1, numstate, false, 0, true, &isnull);
	if (isnull)
		return;
	if (numeric_is_nan(DatumGetNumeric(sum)) || numeric_is_inf(DatumGetNumeric(sum)))
		out_of_range("NaN and infinite values cannot be shared.");
	text = DatumGetCString(DirectFunctionCall1(numeric_out, sum));
	if (!wide_from_decimal(value, text, scale))
		out_of_range("The local sum has too many digits.");
}

/*
 * An exact value with "scale" decimals, as limbs at the fixed scale.  The
 * checks depend only on this member's own value, never on what another
 * member announced.
 */
void
exact_to_limbs(Wide *value, int32 scale, int32 fixed_scale, int nlimbs, int128 *out,
			   const char *what)
{
	int			bits = 64 * (nlimbs - 1) + WIDE_TOP_BITS;

	if (scale > fixed_scale)
		out_of_range(psprintf("This member's %s has %d digits after the decimal point; smpc shares at most %d.",
							  what, scale, fixed_scale));
	if (!wide_mul_pow10(value, fixed_scale - scale) ||
		!wide_to_limbs(value, nlimbs, out))
		out_of_range(psprintf("This member's %s is too large: its magnitude must be below 2^%d / 10^%d (about %.1e).",
							  what, bits, fixed_scale,
							  ldexp(1.0, bits) / pow(10.0, fixed_scale)));
}

Numeric
wide_to_numeric(const Wide *w, int32 scale)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in,
											   CStringGetDatum(wide_to_decimal(w, scale)),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/*
 * The joint value of nlimbs summed limbs at fixed_scale, as a numeric with
 * the agreed display scale: every member's value had at most that many
 * decimals, so the division is exact.
 */
Numeric
joint_exact(const int128 *limbs, int nlimbs, int32 fixed_scale, int32 scale)
{
	Wide		w;

	wide_from_limbs(&w, limbs, nlimbs);
	if (scale < 0 || scale > fixed_scale || !wide_div_pow10(&w, fixed_scale - scale))
		elog(ERROR, "smpc joint value has more decimals than the agreed scale %d", scale);
	return wide_to_numeric(&w, scale);
}

/*
 * The vector of a sum or avg (see smpc.h): the local sum, then the count.
 * Returns the number of values.
 */
static int
encode_sum(FunctionCallInfo fcinfo, SmpcAggState *st, SmpcClass *vclass,
		   int32 *scale, int128 *values)
{
	*scale = 0;
	if (st->input == IN_FLOAT4 || st->input == IN_FLOAT8)
	{
		double		scaled;

		*vclass = SMPC_CLASS_FLOAT;
		if (isnan(st->fsum) || isinf(st->fsum))
			out_of_range("The local floating-point sum is not finite: an input is NaN or infinite, or the sum overflowed.");
		scaled = rint(ldexp(st->fsum, SMPC_FLOAT_FRAC_BITS));
		if (fabs(scaled) > ldexp(1.0, 126))
			out_of_range("The local floating-point sum is too large for the fixed-point encoding.");
		values[0] = (int128) scaled;
		if (values[0] > SMPC_FIELD_LIMIT || values[0] < -SMPC_FIELD_LIMIT)
			out_of_range("The local floating-point sum is too large for the fixed-point encoding.");
		return 1;
	}
	*vclass = SMPC_CLASS_EXACT;
	{
		Wide		w;

		if (st->input == IN_NUMERIC)
			numstate_wide(fcinfo, st->numstate, &w, scale);
		else
			wide_from_int128(&w, st->isum);
		exact_to_limbs(&w, *scale, SMPC_EXACT_SCALE, SMPC_EXACT_LIMBS, values, "local sum");
		explicit_bzero(&w, sizeof(w));
	}
	return SMPC_EXACT_LIMBS;
}

/*
 * Run the joint computation for this state; returns the number of values
 * (for avg and count, the count is the last).  *released is false when
 * the result is withheld (see smpc_run_computation).
 */
static int
run_for_state(FunctionCallInfo fcinfo, SmpcAggState *st, SmpcKind kind,
			  int128 *result, int32 *scale, SmpcClass *vclass, bool *released)
{
	int128		values[SMPC_EXACT_LIMBS + 1];
	int			n;
	int32		sc = 0;
	SmpcClass	cl = SMPC_CLASS_EXACT;

	if (kind == SMPC_KIND_COUNT)
	{
		values[0] = st->count;
		n = 1;
	}
	else
	{
		n = encode_sum(fcinfo, st, &cl, &sc, values);
		/* a sum needs no count: contributors decide whether it is NULL */
		if (kind == SMPC_KIND_AVG)
			values[n++] = st->count;
	}
	*released = smpc_run_computation(fcinfo, st->group, st->label, kind, cl, sc, values, n,
									 NULL, st->count, result, scale, NULL);
	explicit_bzero(values, sizeof(values));
	*vclass = cl;
	return n;
}

static double
fixed_to_double(int128 v)
{
	return ldexp((double) v, -SMPC_FLOAT_FRAC_BITS);
}

/*
 * The common part of every final function: run the joint computation for
 * this aggregate's state.  *sum is the joint sum: r[0] for floating-point
 * input, or the numeric of the limbs for exact input; *count the joint
 * count (avg and count only).  Returns false when the result is NULL:
 * withheld because fewer than min_parties members had rows (so also when
 * no member had any), or a small cell.  That holds for counts too: when no
 * value may be released, smpc_count gives NULL, not 0.
 */
static bool
joint_result(FunctionCallInfo fcinfo, SmpcKind kind, int128 *r, Numeric *sum,
			 int128 *count)
{
	SmpcAggState *st = final_state(fcinfo);
	SmpcClass	cl;
	int32		scale;
	int			n;
	bool		released;

	n = run_for_state(fcinfo, st, kind, r, &scale, &cl, &released);
	if (!released)
		return false;
	*count = kind == SMPC_KIND_SUM ? 0 : r[n - 1];
	if (sum)
		*sum = (cl == SMPC_CLASS_EXACT && kind != SMPC_KIND_COUNT) ?
			joint_exact(r, SMPC_EXACT_LIMBS, SMPC_EXACT_SCALE, scale) : NULL;
	return true;
}

Datum
smpc_sum_final_int8(PG_FUNCTION_ARGS)
{
	int128		r[SMPC_MAX_VALUES];
	int128		count;
	Numeric		sum;

	if (!joint_result(fcinfo, SMPC_KIND_SUM, r, &sum, &count))
		PG_RETURN_NULL();
	/* as numeric_int8: an error when it does not fit */
	if (DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(sum))) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint out of range")));
	PG_RETURN_DATUM(DirectFunctionCall1(numeric_int8, NumericGetDatum(sum)));
}

Datum
smpc_sum_final_numeric(PG_FUNCTION_ARGS)
{
	int128		r[SMPC_MAX_VALUES];
	int128		count;
	Numeric		sum;

	if (!joint_result(fcinfo, SMPC_KIND_SUM, r, &sum, &count))
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(sum);
}

Datum
smpc_sum_final_float4(PG_FUNCTION_ARGS)
{
	int128		r[SMPC_MAX_VALUES];
	int128		count;

	if (!joint_result(fcinfo, SMPC_KIND_SUM, r, NULL, &count))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT4((float4) fixed_to_double(r[0]));
}

Datum
smpc_sum_final_float8(PG_FUNCTION_ARGS)
{
	int128		r[SMPC_MAX_VALUES];
	int128		count;

	if (!joint_result(fcinfo, SMPC_KIND_SUM, r, NULL, &count))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(fixed_to_double(r[0]));
}

/* avg over exact input: the joint sum divided by the joint count, as avg() */
Datum
smpc_avg_final_numeric(PG_FUNCTION_ARGS)
{
	int128		r[SMPC_MAX_VALUES];
	int128		count;
	Numeric		sum;
	Wide		n;

	if (!joint_result(fcinfo, SMPC_KIND_AVG, r, &sum, &count))
		PG_RETURN_NULL();
	wide_from_int128(&n, count);
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div, NumericGetDatum(sum),
										NumericGetDatum(wide_to_numeric(&n, 0))));
}

Datum
smpc_avg_final_float8(PG_FUNCTION_ARGS)
{
	int128		r[SMPC_MAX_VALUES];
	int128		count;

	if (!joint_result(fcinfo, SMPC_KIND_AVG, r, NULL, &count))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(fixed_to_double(r[0]) / (double) count);
}

Datum
smpc_count_final(PG_FUNCTION_ARGS)
{
	int128		r[SMPC_MAX_VALUES];
	int128		count;

	if (!joint_result(fcinfo, SMPC_KIND_COUNT, r, NULL, &count))
		PG_RETURN_NULL();
	if (count > PG_INT64_MAX || count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint out of range")));
	PG_RETURN_INT64((int64) count);
}

/* ---- handing the vector to the worker ---- */

bool
smpc_run_computation(FunctionCallInfo fcinfo, const char *group, const char *label,
					 SmpcKind kind, SmpcClass vclass, int32 scale,
					 const int128 *values, int nvalues,
					 const uint8 *desc, int64 rows,
					 int128 *result, int32 *result_scale, bool *result_null)
{
	bool		withheld = false;
	bool		released;
	int			sqlerrcode = 0;
	char		emsg[256];
	char		edetail[1024];
	char		ehint[256];

	smpc_check_loaded();
	if (nvalues < 1 || nvalues > SMPC_MAX_VALUES)
		elog(ERROR, "smpc vector of %d values is out of bounds", nvalues);
	smpc_check_label(label);

	/* a group of a GROUP BY: one computation for all of them (groupby.c) */
	if (smpc_groupby_intercept(fcinfo, group, label, label_is_constant(fcinfo), kind, vclass,
							   scale, values, nvalues, desc, rows, result, result_scale,
							   result_null, &released))
		return released;

	shmem_run_request(group, label, kind, vclass, scale, values, nvalues, desc, rows,
					  result, result_scale, result_null, &sqlerrcode,
					  emsg, sizeof(emsg), edetail, sizeof(edetail),
					  ehint, sizeof(ehint), &withheld, NULL, 0, NULL);

	if (sqlerrcode != 0)
		ereport(ERROR, (errcode(sqlerrcode), errmsg_internal("%s", emsg),
						edetail[0] ? errdetail_internal("%s", edetail) : 0,
						ehint[0] ? errhint("%s", ehint) : 0));
	return !withheld;
}
