/*-------------------------------------------------------------------------
 *
 * groupby.c
 *	  GROUP BY with smpc aggregates as one joint computation per query.
 *
 * A planner hook puts a custom scan node ("SmpcGroupBy") right above every
 * grouped Agg node whose aggregates include smpc ones.  The node runs its
 * Agg twice:
 *
 *	 collect	every group's smpc final functions encode their local state
 *				as always, but smpc_run_computation() (aggregates.c) hands
 *				the vector to this file instead of the worker, as the cell
 *				of its column (the aggregate) and key (the group's values),
 *				and returns NULL.  The rows of this pass are thrown away.
 *	 compute	every cell goes to the worker in one request per peer group
 *				and label (batch.h has the input format): the members agree
 *				on the keys and compute every cell of every key at once.
 *	 deliver	the Agg is rescanned (a hash table or a sorted input is
 *				reused, not rebuilt) and each final function now gets its
 *				cell's joint result, so HAVING, ORDER BY and expressions
 *				over the results see the joint values.
 *
 * The cells are found again by key, never by position, so the order in
 * which the executor produces the groups, and the plan, do not matter.
 * A final function finds its node through the AggState it runs in.
 *
 * Keys are the text output of each grouping value (plus the label, when
 * the label is not a constant: the old form "smpc_avg(x, g, dept) ...
 * GROUP BY dept"), so members whose columns have other types, or whose
 * planners chose other plans, still agree.  With smpc.group_keys set, the
 * keys are declared instead and the union is not computed.
 *
 * smpc.group_results() shows the joint result of every agreed key, also
 * those this member has no rows for: the final functions are called once
 * more for each key and column, with no state, and get that cell's result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/nodeAgg.h"
#include "executor/nodeCustom.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "batch.h"
#include "codec.h"
#include "shmem.h"
#include "smpc.h"

#include "groupby.h"

PG_FUNCTION_INFO_V1(smpc_group_results);

/* smpc.group_keys: a text[] literal of declared keys, or empty (union) */
static char *group_keys_setting = NULL;

static planner_hook_type prev_planner_hook = NULL;

typedef enum GbMode
{
	GB_IDLE = 0,
	GB_COLLECT,
	GB_DELIVER,
	GB_SYNTH,					/* smpc.group_results(): a key it may lack */
	GB_PROBE					/* no group here: learn the columns only */
} GbMode;

/* One smpc aggregate of the query (an aggno of the Agg node). */
typedef struct GbColumn
{
	bool		seen;
	int			batchno;
	SmpcKind	kind;
	SmpcClass	vclass;
	int			width;
	uint8		desc[SMPC_HASH_BYTES];
	int32		scale;			/* the largest of this member's cells */
	int32		agreed_scale;
	bool		label_const;
	int			position;		/* in its batch's column list */
} GbColumn;

/* One computation: a peer group and a label. */
typedef struct GbBatch
{
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	bool		label_in_key;
	int			ncols;
	int		   *cols;			/* aggnos, in order */
	List	   *keys;			/* GbKey, local ones first seen order */
	List	   *agreed;			/* GbKey of the result, sorted */
} GbBatch;

/* One cell: what a final function handed over, or the joint result. */
typedef struct GbCell
{
	bool		present;
	int64		rows;
	int128	   *values;			/* width */
	uint8		status;			/* result: 0 released, else withheld */
	int128	   *result;
	bool	   *result_null;
} GbCell;

/* One key of one batch, with a cell per aggno. */
typedef struct GbKey
{
	int			batchno;
	int			len;
	uint8	   *bytes;
	GbCell	   *cells;			/* numaggs */
} GbKey;

typedef struct GbScanState
{
	CustomScanState css;
	GbMode		mode;
	AggState   *agg;
	int			numaggs;
	GbColumn   *columns;		/* numaggs */
	int			nbatches;
	GbBatch    *batches;		/* up to numaggs */
	HTAB	   *keys;			/* (batchno, bytes) -> GbKey */
	MemoryContext cxt;			/* cells and results of one execution */
	/* the output functions of the grouping columns, looked up once */
	FmgrInfo   *key_out;
	/* GB_SYNTH: the cell a final function is to return */
	GbKey	   *synth_key;
	int			synth_aggno;
} GbScanState;

static const uint8 no_desc[SMPC_HASH_BYTES];

/* Every node that is running now, so that a final function finds its own. */
static List *active_scans = NIL;

static CustomScanMethods gb_plan_methods;
static CustomExecMethods gb_exec_methods;

/* ---- what smpc.group_results() shows ---- */

typedef struct GbResultRow
{
	char	   *group;
	char	   *label;
	int			nkey;
	char	  **key;			/* NULL for a NULL value */
	int			aggregate_no;
	char	   *aggregate;
	char	   *result;			/* NULL: withheld */
} GbResultRow;

static MemoryContext results_cxt = NULL;
static List *result_rows = NIL;
static TimestampTz results_stmt = 0;

/* ---------- keys ---------- */

typedef struct GbHashKey
{
	int			batchno;
	int			len;
	const uint8 *bytes;
} GbHashKey;

typedef struct GbHashEntry
{
	GbHashKey	key;			/* bytes point into the GbKey */
	GbKey	   *gk;
} GbHashEntry;

static uint32
gb_hash(const void *key, Size keysize)
{
	const GbHashKey *k = (const GbHashKey *) key;
	uint32		h = (uint32) k->batchno * 0x9e3779b1u;
	int			i;

	for (i = 0; i < k->len; i++)
		h = (h ^ k->bytes[i]) * 16777619u;
	return h;
}

static int
gb_match(const void *a, const void *b, Size keysize)
{
	const GbHashKey *x = (const GbHashKey *) a;
	const GbHashKey *y = (const GbHashKey *) b;

	if (x->batchno != y->batchno || x->len != y->len)
		return 1;
	return memcmp(x->bytes, y->bytes, x->len);
}

static void
key_too_long(int len)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("smpc GROUP BY key is too long"),
			 errdetail("The text of a group's grouping values takes %d bytes; smpc allows %d.",
					   len, SMPC_BATCH_MAX_KEY),
			 errhint("Group by shorter values, for example a code instead of a name.")));
}

/*
 * Append one grouping value to an encoded key: 0 for NULL, else 1, the
 * length (2 bytes) and the text.
 */
static void
key_put_value(StringInfo buf, const char *text)
{
	if (text == NULL)
	{
		appendStringInfoChar(buf, 0);
		return;
	}
	{
		size_t		len = strlen(text);

		if (len > SMPC_BATCH_MAX_KEY)
			key_too_long((int) len);
		appendStringInfoChar(buf, 1);
		appendStringInfoChar(buf, (char) (len >> 8));
		appendStringInfoChar(buf, (char) (len & 0xff));
		appendBinaryStringInfo(buf, text, len);
	}
}

/* The key of the group being finalised: its grouping values, as text. */
static void
current_key(GbScanState *gs, const char *label, bool label_in_key, StringInfo buf)
{
	Agg		   *node = (Agg *) gs->agg->ss.ps.plan;
	TupleTableSlot *slot = gs->agg->ss.ps.ps_ExprContext->ecxt_outertuple;
	int			i;

	if (label_in_key)
		key_put_value(buf, label);
	if (slot == NULL)
		elog(ERROR, "smpc GROUP BY: no representative row of the group");
	if (gs->key_out == NULL)
	{
		gs->key_out = MemoryContextAllocZero(gs->css.ss.ps.state->es_query_cxt,
											 sizeof(FmgrInfo) * Max(node->numCols, 1));
		for (i = 0; i < node->numCols; i++)
		{
			Oid			typoutput;
			bool		varlena;
			Form_pg_attribute attr = TupleDescAttr(slot->tts_tupleDescriptor,
												   node->grpColIdx[i] - 1);

			getTypeOutputInfo(attr->atttypid, &typoutput, &varlena);
			fmgr_info_cxt(typoutput, &gs->key_out[i], gs->css.ss.ps.state->es_query_cxt);
		}
	}
	for (i = 0; i < node->numCols; i++)
	{
		AttrNumber	att = node->grpColIdx[i];
		bool		isnull;
		Datum		d = slot_getattr(slot, att, &isnull);

		if (isnull)
			key_put_value(buf, NULL);
		else
			key_put_value(buf, OutputFunctionCall(&gs->key_out[i], d));
	}
	if (buf->len > SMPC_BATCH_MAX_KEY)
		key_too_long(buf->len);
}

/* Decode an encoded key into its grouping values (the label left out). */
static char **
key_values(const uint8 *bytes, int len, bool label_in_key, int *nvalues)
{
	char	  **out = palloc0(sizeof(char *) * (len + 1));
	int			n = 0,
				pos = 0;
	bool		skip = label_in_key;

	while (pos < len)
	{
		char	   *v = NULL;

		if (bytes[pos++] != 0)
		{
			int			l;

			if (pos + 2 > len)
				break;
			l = (bytes[pos] << 8) | bytes[pos + 1];
			pos += 2;
			if (pos + l > len)
				break;
			v = pnstrdup((const char *) bytes + pos, l);
			pos += l;
		}
		if (skip)
			skip = false;
		else
			out[n++] = v;
	}
	*nvalues = n;
	return out;
}

static GbKey *
find_key(GbScanState *gs, int batchno, const uint8 *bytes, int len, bool create)
{
	GbHashKey	hk;
	GbHashEntry *e;
	bool		found;
	MemoryContext old;

	hk.batchno = batchno;
	hk.len = len;
	hk.bytes = bytes;
	e = hash_search(gs->keys, &hk, create ? HASH_ENTER : HASH_FIND, &found);
	if (e == NULL)
		return NULL;
	if (!found)
	{
		GbKey	   *gk = MemoryContextAllocZero(gs->cxt, sizeof(GbKey));

		gk->batchno = batchno;
		gk->len = len;
		gk->bytes = MemoryContextAlloc(gs->cxt, Max(len, 1));
		memcpy(gk->bytes, bytes, len);
		gk->cells = MemoryContextAllocZero(gs->cxt, sizeof(GbCell) * gs->numaggs);
		e->key.bytes = gk->bytes;
		e->gk = gk;
		/* final functions run in a per-group context: the list lives on */
		old = MemoryContextSwitchTo(gs->cxt);
		gs->batches[batchno].keys = lappend(gs->batches[batchno].keys, gk);
		MemoryContextSwitchTo(old);
	}
	return e->gk;
}

/* ---------- which aggregates are smpc's ---------- */

static bool
is_smpc_aggregate(Oid aggfnoid)
{
	char	   *name = get_func_name(aggfnoid);

	return name != NULL && strncmp(name, "smpc_", 5) == 0;
}

static bool
has_smpc_aggregate_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
		return is_smpc_aggregate(((Aggref *) node)->aggfnoid);
	return expression_tree_walker(node, has_smpc_aggregate_walker, context);
}

/*
 * The order statistics and the clearing price run a search of their own
 * (ostat.c, search.h), which the grouped computation does not carry.
 */
static bool
ostat_aggregate_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		char	   *name = get_func_name(((Aggref *) node)->aggfnoid);

		if (name != NULL &&
			(strncmp(name, "smpc_percentile_", 16) == 0 || strcmp(name, "smpc_median") == 0 ||
			 strncmp(name, "smpc_clearing_", 14) == 0))
		{
			*(char **) context = name;
			return true;
		}
	}
	return expression_tree_walker(node, ostat_aggregate_walker, context);
}

/* ---------- the planner hook ---------- */

static Plan *
make_group_scan(Agg *agg)
{
	CustomScan *cs = makeNode(CustomScan);
	Plan	   *plan = &cs->scan.plan;
	ListCell   *lc;
	int			i = 0;

	plan->startup_cost = agg->plan.total_cost;
	plan->total_cost = agg->plan.total_cost;
	plan->plan_rows = agg->plan.plan_rows;
	plan->plan_width = agg->plan.plan_width;
	plan->parallel_aware = false;
	plan->parallel_safe = false;
	plan->plan_node_id = agg->plan.plan_node_id;
	plan->extParam = bms_copy(agg->plan.extParam);
	plan->allParam = bms_copy(agg->plan.allParam);
	foreach(lc, agg->plan.targetlist)
	{
		TargetEntry *tle = (TargetEntry *) lfirst(lc);
		Node	   *expr = (Node *) tle->expr;

		i++;
		plan->targetlist = lappend(plan->targetlist,
								   makeTargetEntry((Expr *) makeVar(INDEX_VAR, i, exprType(expr),
																	exprTypmod(expr),
																	exprCollation(expr), 0),
												   i, tle->resname, tle->resjunk));
		cs->custom_scan_tlist = lappend(cs->custom_scan_tlist,
										makeTargetEntry((Expr *) makeVar(OUTER_VAR, i, exprType(expr),
																		 exprTypmod(expr),
																		 exprCollation(expr), 0),
														i, tle->resname, tle->resjunk));
	}
	plan->lefttree = (Plan *) agg;
	cs->scan.scanrelid = 0;
	cs->methods = &gb_plan_methods;
	return (Plan *) cs;
}

static bool
needs_group_scan(Agg *agg)
{
	if (agg->aggstrategy == AGG_PLAIN || DO_AGGSPLIT_SKIPFINAL(agg->aggsplit))
		return false;
	return has_smpc_aggregate_walker((Node *) agg->plan.targetlist, NULL) ||
		has_smpc_aggregate_walker((Node *) agg->plan.qual, NULL);
}

static List *wrap_list(List *plans, bool in_worker);

static Plan *
wrap_plan(Plan *plan, bool in_worker)
{
	if (plan == NULL)
		return NULL;
	if (IsA(plan, Gather) || IsA(plan, GatherMerge))
		in_worker = true;
	plan->lefttree = wrap_plan(plan->lefttree, in_worker);
	plan->righttree = wrap_plan(plan->righttree, in_worker);
	if (IsA(plan, Append))
		((Append *) plan)->appendplans = wrap_list(((Append *) plan)->appendplans, in_worker);
	else if (IsA(plan, MergeAppend))
		((MergeAppend *) plan)->mergeplans = wrap_list(((MergeAppend *) plan)->mergeplans, in_worker);
	else if (IsA(plan, SubqueryScan))
		((SubqueryScan *) plan)->subplan = wrap_plan(((SubqueryScan *) plan)->subplan, in_worker);
	else if (IsA(plan, CustomScan))
		((CustomScan *) plan)->custom_plans = wrap_list(((CustomScan *) plan)->custom_plans, in_worker);

	if (IsA(plan, Agg) && needs_group_scan((Agg *) plan))
	{
		Agg		   *agg = (Agg *) plan;
		char	   *ostat = NULL;

		if (agg->groupingSets != NIL || agg->chain != NIL || agg->aggstrategy == AGG_MIXED)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("smpc aggregates do not support GROUPING SETS, ROLLUP or CUBE"),
					 errhint("Run one GROUP BY query per grouping set, or combine them with UNION ALL.")));
		if (ostat_aggregate_walker((Node *) agg->plan.targetlist, &ostat) ||
			ostat_aggregate_walker((Node *) agg->plan.qual, &ostat))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s cannot be used in a GROUP BY query", ostat),
					 errdetail("Order statistics and the clearing price are computed for the whole input of one query."),
					 errhint("Compute them for one group at a time, with WHERE and the group's value as the label.")));
		if (in_worker)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("smpc aggregates cannot finish a GROUP BY inside a parallel worker"),
					 errhint("SET enable_partitionwise_aggregate = off for this query.")));
		return make_group_scan(agg);
	}
	return plan;
}

static List *
wrap_list(List *plans, bool in_worker)
{
	ListCell   *lc;

	foreach(lc, plans)
		lfirst(lc) = wrap_plan((Plan *) lfirst(lc), in_worker);
	return plans;
}

static PlannedStmt *
smpc_planner(Query *parse, const char *query_string, int cursorOptions,
			 ParamListInfo boundParams)
{
	PlannedStmt *stmt;

	if (prev_planner_hook)
		stmt = prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	else
		stmt = standard_planner(parse, query_string, cursorOptions, boundParams);
	if (stmt->commandType == CMD_UTILITY)
		return stmt;
	stmt->planTree = wrap_plan(stmt->planTree, false);
	stmt->subplans = wrap_list(stmt->subplans, false);
	return stmt;
}

/* ---------- the executor node ---------- */

static Node *
gb_create_state(CustomScan *cscan)
{
	GbScanState *gs = (GbScanState *) newNode(sizeof(GbScanState), T_CustomScanState);

	gs->css.methods = &gb_exec_methods;
	return (Node *) gs;
}

static void
gb_reset(GbScanState *gs)
{
	HASHCTL		ctl;

	MemoryContextReset(gs->cxt);
	gs->mode = GB_IDLE;
	gs->columns = MemoryContextAllocZero(gs->cxt, sizeof(GbColumn) * Max(gs->numaggs, 1));
	gs->batches = MemoryContextAllocZero(gs->cxt, sizeof(GbBatch) * Max(gs->numaggs, 1));
	gs->nbatches = 0;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(GbHashKey);
	ctl.entrysize = sizeof(GbHashEntry);
	ctl.hash = gb_hash;
	ctl.match = gb_match;
	ctl.hcxt = gs->cxt;
	gs->keys = hash_create("smpc GROUP BY keys", 256, &ctl,
						   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

static void gb_forget(GbScanState *gs);

/* The executor's memory goes (on any abort too): forget the node. */
static void
gb_memory_gone(void *arg)
{
	gb_forget((GbScanState *) arg);
}

static void
gb_begin(CustomScanState *node, EState *estate, int eflags)
{
	MemoryContextCallback *cb;
	GbScanState *gs = (GbScanState *) node;
	Plan	   *child = outerPlan(node->ss.ps.plan);
	MemoryContext old;

	/* a rewind of the Agg's input (a sort) is cheap: keep it possible */
	outerPlanState(node) = ExecInitNode(child, estate, eflags | EXEC_FLAG_REWIND);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	gs->agg = castNode(AggState, outerPlanState(node));
	gs->numaggs = gs->agg->numaggs;
	gs->cxt = AllocSetContextCreate(estate->es_query_cxt, "smpc GROUP BY",
									ALLOCSET_DEFAULT_SIZES);
	gb_reset(gs);
	old = MemoryContextSwitchTo(TopMemoryContext);
	active_scans = lappend(active_scans, gs);
	MemoryContextSwitchTo(old);
	cb = MemoryContextAlloc(estate->es_query_cxt, sizeof(MemoryContextCallback));
	cb->func = gb_memory_gone;
	cb->arg = gs;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, cb);
}

static void
gb_forget(GbScanState *gs)
{
	active_scans = list_delete_ptr(active_scans, gs);
}

static void gb_compute(GbScanState *gs);

static TupleTableSlot *
gb_exec(CustomScanState *node)
{
	GbScanState *gs = (GbScanState *) node;
	PlanState  *child = outerPlanState(node);

	if (gs->mode == GB_IDLE)
	{
		gs->mode = GB_COLLECT;
		for (;;)
		{
			TupleTableSlot *slot = ExecProcNode(child);

			if (TupIsNull(slot))
				break;
		}
		gb_compute(gs);
		ExecReScan(child);
		gs->mode = GB_DELIVER;
	}
	return ExecProcNode(child);
}

static void
gb_end(CustomScanState *node)
{
	GbScanState *gs = (GbScanState *) node;

	gb_forget(gs);
	ExecEndNode(outerPlanState(node));
}

static void
gb_rescan(CustomScanState *node)
{
	GbScanState *gs = (GbScanState *) node;

	/* a new execution: a new computation */
	gb_reset(gs);
	ExecReScan(outerPlanState(node));
}

/* ---------- the final functions' side ---------- */

static GbScanState *
scan_of(FunctionCallInfo fcinfo)
{
	ListCell   *lc;

	if (fcinfo == NULL || fcinfo->context == NULL || !IsA(fcinfo->context, AggState))
		return NULL;
	foreach(lc, active_scans)
	{
		GbScanState *gs = (GbScanState *) lfirst(lc);

		if ((Node *) gs->agg == fcinfo->context)
			return gs;
	}
	return NULL;
}

/* The aggno of the final function being called. */
static int
current_aggno(GbScanState *gs, FunctionCallInfo fcinfo)
{
	AggState   *as = gs->agg;

	if (as->curperagg == NULL)
		elog(ERROR, "smpc GROUP BY: no current aggregate");
	return (int) (as->curperagg - as->peragg);
}

/*
 * The computation of a peer group and label.  Aggregates whose label is
 * not a constant have it in their keys, and are a computation of their
 * own (label "").
 */
static int
batch_for(GbScanState *gs, const char *group, const char *label, bool label_in_key)
{
	int			i;
	GbBatch    *b;

	for (i = 0; i < gs->nbatches; i++)
		if (strcmp(gs->batches[i].group, group) == 0 &&
			strcmp(gs->batches[i].label, label) == 0 &&
			gs->batches[i].label_in_key == label_in_key)
			return i;
	b = &gs->batches[gs->nbatches];
	strlcpy(b->group, group, sizeof(b->group));
	strlcpy(b->label, label, sizeof(b->label));
	b->label_in_key = label_in_key;
	b->cols = MemoryContextAllocZero(gs->cxt, sizeof(int) * Max(gs->numaggs, 1));
	return gs->nbatches++;
}

static void
column_mismatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("an smpc aggregate of a GROUP BY query must have the same peer group, label and bounds in every group"),
			 errhint("Use constants for the peer group and the bounds or categories.")));
}

/*
 * Called by smpc_run_computation() (aggregates.c) for every final function
 * call.  Returns false when the call is not inside an SmpcGroupBy node
 * (the computation then runs on its own); otherwise it has taken the
 * vector (collect: *released false) or given the cell's joint result.
 */
bool
smpc_groupby_intercept(FunctionCallInfo fcinfo, const char *group, const char *label,
					   bool label_const, SmpcKind kind, SmpcClass vclass, int32 scale,
					   const int128 *values, int nvalues, const uint8 *desc, int64 rows,
					   int128 *result, int32 *result_scale, bool *result_null,
					   bool *released)
{
	GbScanState *gs = scan_of(fcinfo);
	int			aggno;
	GbColumn   *col;
	GbKey	   *gk;
	GbCell	   *cell;
	StringInfoData key;
	MemoryContext old;

	if (gs == NULL || gs->mode == GB_IDLE)
		return false;
	aggno = current_aggno(gs, fcinfo);
	if (aggno < 0 || aggno >= gs->numaggs)
		elog(ERROR, "smpc GROUP BY: aggregate number %d out of range", aggno);
	col = &gs->columns[aggno];

	if (gs->mode == GB_SYNTH)
	{
		gk = gs->synth_key;
		aggno = gs->synth_aggno;
	}
	else
	{
		int			batchno = batch_for(gs, group, label_const ? label : "", !label_const);

		if (gs->mode == GB_COLLECT || gs->mode == GB_PROBE)
		{
			if (!col->seen)
			{
				GbBatch    *b = &gs->batches[batchno];

				col->seen = true;
				col->batchno = batchno;
				col->kind = kind;
				col->vclass = vclass;
				col->width = nvalues;
				if (desc)
					memcpy(col->desc, desc, SMPC_HASH_BYTES);
				col->label_const = label_const;
				col->position = b->ncols;
				b->cols[b->ncols++] = aggno;
			}
			else if (col->batchno != batchno || col->kind != kind || col->vclass != vclass ||
					 col->width != nvalues ||
					 memcmp(col->desc, desc ? desc : no_desc, SMPC_HASH_BYTES) != 0)
				column_mismatch();
			/* a member without groups shares no scale */
			if (gs->mode == GB_PROBE)
			{
				*released = false;
				return true;
			}
			col->scale = Max(col->scale, scale);
		}
		initStringInfo(&key);
		current_key(gs, label, !label_const, &key);
		if (gs->mode == GB_COLLECT)
		{
			gk = find_key(gs, batchno, (uint8 *) key.data, key.len, true);
			cell = &gk->cells[aggno];
			if (cell->present)
				elog(ERROR, "smpc GROUP BY: a group was finalised twice");
			old = MemoryContextSwitchTo(gs->cxt);
			cell->present = true;
			cell->rows = rows;
			cell->values = palloc(sizeof(int128) * nvalues);
			memcpy(cell->values, values, sizeof(int128) * nvalues);
			MemoryContextSwitchTo(old);
			pfree(key.data);
			*released = false;
			return true;
		}
		gk = find_key(gs, batchno, (uint8 *) key.data, key.len, false);
		pfree(key.data);
		if (gk == NULL)
			elog(ERROR, "smpc GROUP BY: a group has no joint result");
	}

	/* deliver (or synthesise) the joint result of this cell */
	col = &gs->columns[aggno];
	cell = &gk->cells[aggno];
	if (cell->result == NULL)
		elog(ERROR, "smpc GROUP BY: a cell has no joint result");
	*result_scale = col->agreed_scale;
	memcpy(result, cell->result, sizeof(int128) * col->width);
	if (result_null)
		memcpy(result_null, cell->result_null, sizeof(bool) * col->width);
	*released = cell->status == 0;
	return true;
}

/*
 * In smpc.group_results()'s extra calls the final function has no state:
 * the peer group, label and input class come from the column, not from the
 * call's arguments (a label may be a column).  Returns false otherwise.
 */
/*
 * With no group at all here, the final functions are called once with no
 * state to learn the query's smpc aggregates: then a label that is not a
 * constant has no value, and is taken as "" (it is part of the keys).
 */
bool
smpc_groupby_probing(FunctionCallInfo fcinfo)
{
	GbScanState *gs = scan_of(fcinfo);

	return gs != NULL && gs->mode == GB_PROBE;
}

bool
smpc_groupby_synthetic_key(FunctionCallInfo fcinfo, char *group, char *label)
{
	GbScanState *gs = scan_of(fcinfo);
	GbBatch    *b;

	if (gs == NULL || gs->mode != GB_SYNTH)
		return false;
	b = &gs->batches[gs->synth_key->batchno];
	strlcpy(group, b->group, SMPC_MAX_NAME);
	strlcpy(label, b->label, SMPC_MAX_LABEL);
	return true;
}

/* ---------- the computation ---------- */

/* An integer of the given size, big-endian (batch.h's formats). */
#define put_be(buf, v, bytes) smpc_batch_put_be((buf), (uint128) (v), (bytes))

typedef struct Reader
{
	const uint8 *p;
	size_t		len;
	size_t		pos;
} Reader;

static const uint8 *
rd(Reader *r, size_t n)
{
	const uint8 *p;

	if (r->pos + n > r->len)
		elog(ERROR, "smpc GROUP BY: the worker's result is truncated");
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

static uint32
rd_u(Reader *r, int bytes)
{
	return (uint32) smpc_batch_get_be(rd(r, bytes), bytes);
}

static int128
rd_i128(Reader *r)
{
	return (int128) smpc_batch_get_be(rd(r, 16), 16);
}

/* A declared key list (smpc.group_keys), encoded and sorted, or NIL. */
typedef struct DeclKey
{
	int			len;
	uint8	   *bytes;
} DeclKey;

static int
declkey_cmp(const void *a, const void *b)
{
	const DeclKey *x = (const DeclKey *) a;
	const DeclKey *y = (const DeclKey *) b;

	return smpc_batch_key_cmp(x->bytes, x->len, y->bytes, y->len);
}

static DeclKey *
declared_keys(GbScanState *gs, GbBatch *b, int *nkeys)
{
	Agg		   *node = (Agg *) gs->agg->ss.ps.plan;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				ndims,
				width,
				i,
				j,
				n;
	DeclKey    *keys;

	*nkeys = 0;
	if (group_keys_setting == NULL || group_keys_setting[0] == '\0')
		return NULL;
	if (b->label_in_key)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("smpc.group_keys cannot be used with a label that varies by group"),
				 errhint("Give the smpc aggregates a constant label, or RESET smpc.group_keys.")));
	arr = DatumGetArrayTypeP(OidFunctionCall3(F_ARRAY_IN, CStringGetDatum(group_keys_setting),
											  ObjectIdGetDatum(TEXTOID), Int32GetDatum(-1)));
	ndims = ARR_NDIM(arr);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	if (ndims == 1)
		width = 1;
	else if (ndims == 2)
		width = ARR_DIMS(arr)[1];
	else
		width = -1;
	if (width != node->numCols && !(ndims == 0 && nelems == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("smpc.group_keys does not match the GROUP BY"),
				 errdetail("The query groups by %d column%s; smpc.group_keys declares keys of %d.",
						   node->numCols, node->numCols == 1 ? "" : "s", Max(width, 0)),
				 errhint("Use a one-dimensional array for one grouping column, and an array of rows, such as '{{a,1},{b,2}}', for several.")));
	n = width > 0 ? nelems / width : 0;
	keys = palloc(sizeof(DeclKey) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (j = 0; j < width; j++)
			key_put_value(&buf, nulls[i * width + j] ? NULL
						  : TextDatumGetCString(elems[i * width + j]));
		if (buf.len > SMPC_BATCH_MAX_KEY)
			key_too_long(buf.len);
		keys[i].len = buf.len;
		keys[i].bytes = (uint8 *) buf.data;
	}
	qsort(keys, n, sizeof(DeclKey), declkey_cmp);
	/* a key declared twice counts once */
	for (i = 0, j = 0; i < n; i++)
		if (j == 0 || declkey_cmp(&keys[j - 1], &keys[i]) != 0)
			keys[j++] = keys[i];
	if (j > SMPC_BATCH_MAX_KEYS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("smpc.group_keys declares too many keys"),
				 errdetail("It declares %d keys; smpc allows %d.", j, SMPC_BATCH_MAX_KEYS)));
	*nkeys = j;
	return keys;
}

static char *
key_text(const uint8 *bytes, int len, bool label_in_key)
{
	int			n,
				i;
	char	  **v = key_values(bytes, len, label_in_key, &n);
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '(');
	for (i = 0; i < n; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", v[i] ? v[i] : "NULL");
	appendStringInfoChar(&s, ')');
	return s.data;
}

/* The local input of one batch (batch.h) and its digest for the rendezvous. */
static void
encode_batch(GbScanState *gs, GbBatch *b, StringInfo in, uint8 *desc)
{
	crypto_generichash_state hs;
	DeclKey    *decl;
	int			ndecl,
				c,
				k;
	ListCell   *lc;
	uint8		hdr[8];

	decl = declared_keys(gs, b, &ndecl);
	put_be(in, 1, 1);
	put_be(in, decl ? 2 : 1, 1);
	put_be(in, b->ncols, 2);
	crypto_generichash_init(&hs, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&hs, (const uint8 *) "smpc-group-by-v1", 16);
	hdr[0] = decl ? 2 : 1;
	hdr[1] = b->label_in_key ? 1 : 0;
	hdr[2] = b->ncols;
	crypto_generichash_update(&hs, hdr, 3);
	for (c = 0; c < b->ncols; c++)
	{
		GbColumn   *col = &gs->columns[b->cols[c]];

		put_be(in, col->kind, 1);
		put_be(in, col->vclass, 1);
		put_be(in, col->width, 2);
		put_be(in, col->vclass == SMPC_CLASS_EXACT ? col->scale : 0, 1);
		hdr[0] = col->kind;
		hdr[1] = col->vclass;
		hdr[2] = col->width >> 8;
		hdr[3] = col->width & 0xff;
		crypto_generichash_update(&hs, hdr, 4);
		crypto_generichash_update(&hs, col->desc, SMPC_HASH_BYTES);
	}
	put_be(in, ndecl, 4);
	for (k = 0; k < ndecl; k++)
	{
		put_be(in, decl[k].len, 2);
		appendBinaryStringInfo(in, (char *) decl[k].bytes, decl[k].len);
		hdr[0] = decl[k].len >> 8;
		hdr[1] = decl[k].len & 0xff;
		crypto_generichash_update(&hs, hdr, 2);
		crypto_generichash_update(&hs, decl[k].bytes, decl[k].len);
	}
	crypto_generichash_final(&hs, desc, SMPC_HASH_BYTES);

	if (list_length(b->keys) > SMPC_BATCH_MAX_KEYS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("smpc GROUP BY has too many groups"),
				 errdetail("This member has %d groups; smpc allows %d.",
						   list_length(b->keys), SMPC_BATCH_MAX_KEYS)));
	/* with declared keys, every group must be one (name the first missing) */
	if (decl)
	{
		GbKey	   *missing = NULL;
		int			nmissing = 0;

		foreach(lc, b->keys)
		{
			GbKey	   *gk = (GbKey *) lfirst(lc);
			DeclKey		probe = {gk->len, gk->bytes};

			if (bsearch(&probe, decl, ndecl, sizeof(DeclKey), declkey_cmp) != NULL)
				continue;
			nmissing++;
			if (missing == NULL || smpc_batch_key_cmp(gk->bytes, gk->len, missing->bytes, missing->len) < 0)
				missing = gk;
		}
		if (missing)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("GROUP BY key %s is not in smpc.group_keys",
							key_text(missing->bytes, missing->len, b->label_in_key)),
					 errdetail_plural("%d group of this member is not among the %d declared keys.",
									  "%d groups of this member are not among the %d declared keys.",
									  nmissing, nmissing, ndecl),
					 errhint("Add the keys to smpc.group_keys at every member, or filter the groups out with WHERE.")));
	}
	put_be(in, list_length(b->keys), 4);
	foreach(lc, b->keys)
	{
		GbKey	   *gk = (GbKey *) lfirst(lc);

		put_be(in, gk->len, 2);
		appendBinaryStringInfo(in, (char *) gk->bytes, gk->len);
		for (c = 0; c < b->ncols; c++)
		{
			GbColumn   *col = &gs->columns[b->cols[c]];
			GbCell	   *cell = &gk->cells[b->cols[c]];
			int			v;

			put_be(in, cell->present ? cell->rows : 0, 8);
			for (v = 0; v < col->width; v++)
				put_be(in, cell->present ? cell->values[v] : 0, 16);
		}
	}
}

/* Take the worker's result of one batch into the keys' cells. */
static void
decode_result(GbScanState *gs, int batchno, StringInfo out)
{
	GbBatch    *b = &gs->batches[batchno];
	Reader		r = {(const uint8 *) out->data, out->len, 0};
	uint32		nkeys = rd_u(&r, 4);
	int			ncols = rd_u(&r, 2);
	uint32		k;
	int			c;
	MemoryContext old = MemoryContextSwitchTo(gs->cxt);

	if (ncols != b->ncols)
		elog(ERROR, "smpc GROUP BY: the worker's result has %d columns, not %d", ncols, b->ncols);
	for (c = 0; c < ncols; c++)
		gs->columns[b->cols[c]].agreed_scale = (int32) rd_u(&r, 4);
	b->agreed = NIL;
	for (k = 0; k < nkeys; k++)
	{
		int			len = rd_u(&r, 2);
		const uint8 *bytes = rd(&r, len);
		GbKey	   *gk = find_key(gs, batchno, bytes, len, true);

		b->agreed = lappend(b->agreed, gk);
		for (c = 0; c < ncols; c++)
		{
			GbColumn   *col = &gs->columns[b->cols[c]];
			GbCell	   *cell = &gk->cells[b->cols[c]];
			int			width,
						v;

			cell->status = rd_u(&r, 1);
			width = rd_u(&r, 2);
			if (width != col->width)
				elog(ERROR, "smpc GROUP BY: the worker's result has cells of %d values, not %d",
					 width, col->width);
			cell->result = palloc(sizeof(int128) * Max(width, 1));
			cell->result_null = palloc(sizeof(bool) * Max(width, 1));
			for (v = 0; v < width; v++)
			{
				cell->result_null[v] = rd_u(&r, 1) != 0;
				cell->result[v] = rd_i128(&r);
			}
		}
	}
	MemoryContextSwitchTo(old);
}

static int
batch_order(const void *a, const void *b)
{
	const GbBatch *x = *(GbBatch *const *) a;
	const GbBatch *y = *(GbBatch *const *) b;
	int			c = strcmp(x->group, y->group);

	if (c == 0)
		c = strcmp(x->label, y->label);
	return c != 0 ? c : (int) x->label_in_key - (int) y->label_in_key;
}

static void store_results(GbScanState *gs);
static char *call_final(GbScanState *gs, GbMode mode, GbKey *gk, int aggno);

/*
 * Every group is in: one computation per peer group and label, in name
 * order (every member runs them in the same order, so none waits for a
 * computation another has not started).
 */
static void
gb_compute(GbScanState *gs)
{
	GbBatch   **order;
	int			i;

	/*
	 * No group at all here (an empty table, or WHERE left no row): this
	 * member still takes part, with no keys, so the others are not left
	 * waiting.
	 */
	if (gs->nbatches == 0)
	{
		int			aggno;

		for (aggno = 0; aggno < gs->numaggs; aggno++)
			if (is_smpc_aggregate(gs->agg->peragg[aggno].aggref->aggfnoid))
				(void) call_final(gs, GB_PROBE, NULL, aggno);
	}
	order = palloc(sizeof(GbBatch *) * Max(gs->nbatches, 1));
	for (i = 0; i < gs->nbatches; i++)
		order[i] = &gs->batches[i];
	qsort(order, gs->nbatches, sizeof(GbBatch *), batch_order);
	for (i = 0; i < gs->nbatches; i++)
	{
		GbBatch    *b = order[i];
		int			batchno = (int) (b - gs->batches);
		StringInfoData in,
					out;
		uint8		desc[SMPC_HASH_BYTES];
		int128		dummy[SMPC_MAX_VALUES];
		int32		dscale;
		bool		withheld = false;
		int			sqlerrcode = 0;
		char		emsg[256];
		char		edetail[1024];
		char		ehint[256];

		initStringInfo(&in);
		initStringInfo(&out);
		encode_batch(gs, b, &in, desc);
		smpc_check_label(b->label);
		/* the slot's own vector is one unused value: the input is in "in" */
		memset(dummy, 0, sizeof(int128));
		shmem_run_request(b->group, b->label, SMPC_KIND_GROUPED, SMPC_CLASS_EXACT, 0,
						  dummy, 1, desc, 0, dummy, &dscale, NULL, &sqlerrcode,
						  emsg, sizeof(emsg), edetail, sizeof(edetail),
						  ehint, sizeof(ehint), &withheld,
						  (uint8 *) in.data, in.len, &out);
		sodium_memzero(in.data, in.len);
		pfree(in.data);
		if (sqlerrcode != 0)
			ereport(ERROR, (errcode(sqlerrcode), errmsg_internal("%s", emsg),
							edetail[0] ? errdetail_internal("%s", edetail) : 0,
							ehint[0] ? errhint("%s", ehint) : 0));
		decode_result(gs, batchno, &out);
		pfree(out.data);
	}
	store_results(gs);
}

/* ---------- smpc.group_results() ---------- */

/*
 * Call the final function of aggno with no state, in the given mode
 * (GB_SYNTH: it returns the joint result of gk's cell, as for a group of
 * its own; GB_PROBE: it only makes its column known).  Returns the result
 * as text, or NULL.
 */
static char *
call_final(GbScanState *gs, GbMode mode, GbKey *gk, int aggno)
{
	AggState   *as = gs->agg;
	AggStatePerAgg peragg = &as->peragg[aggno];
	AggStatePerAgg save = as->curperagg;
	LOCAL_FCINFO(fcinfo, FUNC_MAX_ARGS);
	Datum		d;
	char	   *text = NULL;
	int			i;

	if (!OidIsValid(peragg->finalfn_oid))
		return NULL;
	InitFunctionCallInfoData(*fcinfo, &peragg->finalfn, peragg->numFinalArgs,
							 peragg->aggref->inputcollid, (Node *) as, NULL);
	for (i = 0; i < peragg->numFinalArgs; i++)
	{
		fcinfo->args[i].value = (Datum) 0;
		fcinfo->args[i].isnull = true;
	}
	gs->mode = mode;
	gs->synth_key = gk;
	gs->synth_aggno = aggno;
	as->curperagg = peragg;
	/* an error ends the query, and with it this node's state */
	d = FunctionCallInvoke(fcinfo);
	if (!fcinfo->isnull && mode == GB_SYNTH)
	{
		Oid			typoutput;
		bool		varlena;

		getTypeOutputInfo(peragg->aggref->aggtype, &typoutput, &varlena);
		text = OidOutputFunctionCall(typoutput, d);
	}
	as->curperagg = save;
	gs->mode = GB_COLLECT;
	return text;
}

static void
store_results(GbScanState *gs)
{
	MemoryContext old,
				tmp;
	int			i;
	TimestampTz stmt = GetCurrentStatementStartTimestamp();

	if (results_cxt == NULL)
		results_cxt = AllocSetContextCreate(TopMemoryContext, "smpc GROUP BY results",
											ALLOCSET_DEFAULT_SIZES);
	/* a new statement replaces the results of the previous one */
	if (stmt != results_stmt)
	{
		MemoryContextReset(results_cxt);
		result_rows = NIL;
		results_stmt = stmt;
	}
	tmp = AllocSetContextCreate(CurrentMemoryContext, "smpc GROUP BY result",
								ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < gs->nbatches; i++)
	{
		GbBatch    *b = &gs->batches[i];
		ListCell   *lc;

		foreach(lc, b->agreed)
		{
			GbKey	   *gk = (GbKey *) lfirst(lc);
			int			c;

			for (c = 0; c < b->ncols; c++)
			{
				int			aggno = b->cols[c];
				char	   *text;
				char	  **vals;
				int			nvals,
							j;
				GbResultRow *row;

				old = MemoryContextSwitchTo(tmp);
				text = call_final(gs, GB_SYNTH, gk, aggno);
				vals = key_values(gk->bytes, gk->len, b->label_in_key, &nvals);
				MemoryContextSwitchTo(results_cxt);
				row = palloc0(sizeof(GbResultRow));
				row->group = pstrdup(b->group);
				row->label = pstrdup(b->label);
				row->nkey = nvals;
				row->key = palloc0(sizeof(char *) * Max(nvals, 1));
				for (j = 0; j < nvals; j++)
					row->key[j] = vals[j] ? pstrdup(vals[j]) : NULL;
				row->aggregate_no = 1;
				for (j = 0; j < aggno; j++)
					row->aggregate_no += gs->columns[j].seen ? 1 : 0;
				row->aggregate = get_func_name(gs->agg->peragg[aggno].aggref->aggfnoid);
				row->result = text ? pstrdup(text) : NULL;
				result_rows = lappend(result_rows, row);
				MemoryContextSwitchTo(old);
				MemoryContextReset(tmp);
			}
		}
	}
	MemoryContextDelete(tmp);
}

Datum
smpc_group_results(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, result_rows)
	{
		GbResultRow *row = (GbResultRow *) lfirst(lc);
		Datum		values[6];
		bool		nulls[6] = {false};
		Datum	   *keys = palloc(sizeof(Datum) * Max(row->nkey, 1));
		bool	   *knulls = palloc(sizeof(bool) * Max(row->nkey, 1));
		int			dims[1] = {row->nkey};
		int			lbs[1] = {1};
		int			j;

		for (j = 0; j < row->nkey; j++)
		{
			knulls[j] = row->key[j] == NULL;
			keys[j] = knulls[j] ? (Datum) 0 : CStringGetTextDatum(row->key[j]);
		}
		values[0] = CStringGetTextDatum(row->group);
		values[1] = CStringGetTextDatum(row->label);
		values[2] = PointerGetDatum(construct_md_array(keys, knulls, 1, dims, lbs,
													   TEXTOID, -1, false, TYPALIGN_INT));
		values[3] = Int32GetDatum(row->aggregate_no);
		values[4] = CStringGetTextDatum(row->aggregate);
		if (row->result)
			values[5] = CStringGetTextDatum(row->result);
		else
			nulls[5] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------- set-up ---------- */

/* The other members refuse a label that is not printable text. */
void
smpc_check_label(const char *label)
{
	char		clean[SMPC_MAX_LABEL];

	smpc_codec_set_encoding(GetDatabaseEncoding());
	if (!smpc_text_clean(label, strlen(label), clean, sizeof(clean)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("smpc label must be printable text"),
				 errdetail("The label \"%s\" (escaped) contains control characters.", clean),
				 errhint("Replace them, for example with regexp_replace(label, '[[:cntrl:]]', ' ', 'g').")));
}

static void
gb_xact_callback(XactEvent event, void *arg)
{
	/* an error ends every node without its End callback */
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		list_free(active_scans);
		active_scans = NIL;
	}
}

void
smpc_groupby_init(void)
{
	DefineCustomStringVariable("smpc.group_keys",
							   "The declared keys of smpc GROUP BY queries, as a text[] literal; empty: the union of the members' keys.",
							   "With declared keys no member learns which keys another has. Every member must declare the same keys.",
							   &group_keys_setting,
							   "",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);

	memset(&gb_plan_methods, 0, sizeof(gb_plan_methods));
	gb_plan_methods.CustomName = "SmpcGroupBy";
	gb_plan_methods.CreateCustomScanState = gb_create_state;
	RegisterCustomScanMethods(&gb_plan_methods);

	memset(&gb_exec_methods, 0, sizeof(gb_exec_methods));
	gb_exec_methods.CustomName = "SmpcGroupBy";
	gb_exec_methods.BeginCustomScan = gb_begin;
	gb_exec_methods.ExecCustomScan = gb_exec;
	gb_exec_methods.EndCustomScan = gb_end;
	gb_exec_methods.ReScanCustomScan = gb_rescan;

	prev_planner_hook = planner_hook;
	planner_hook = smpc_planner;
	RegisterXactCallback(gb_xact_callback, NULL);
}
