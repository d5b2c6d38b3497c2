/*-------------------------------------------------------------------------
 *
 * groupby.h
 *	  GROUP BY with smpc aggregates as one joint computation per query
 *	  (groupby.c): what aggregates.c and smpc.c call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_GROUPBY_H
#define SMPC_GROUPBY_H

#include "fmgr.h"

#include "smpc.h"

/* _PG_init: the planner hook, the custom scan and smpc.group_keys */
extern void smpc_groupby_init(void);

/*
 * From smpc_run_computation(): false when this final function call is not
 * inside an smpc GROUP BY node; otherwise the vector was taken (first
 * pass: *released is false) or the cell's joint result given.
 */
extern bool smpc_groupby_intercept(FunctionCallInfo fcinfo, const char *group,
								   const char *label, bool label_const,
								   SmpcKind kind, SmpcClass vclass,
								   int32 scale, const int128 *values, int nvalues,
								   const uint8 *desc, int64 rows, int128 *result,
								   int32 *result_scale, bool *result_null, bool *released);

/* The other members refuse a label that is not printable text. */
extern void smpc_check_label(const char *label);

/* From the final functions with no state: a probe of a member without groups? */
extern bool smpc_groupby_probing(FunctionCallInfo fcinfo);

/* From the final functions with no state: the group and label of the cell. */
extern bool smpc_groupby_synthetic_key(FunctionCallInfo fcinfo, char *group, char *label);

#endif
