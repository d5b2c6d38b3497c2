/*-------------------------------------------------------------------------
 *
 * history.c
 *	  The background worker's record of finished computations: each
 *	  outcome is kept in memory as it happens and written to
 *	  smpc.history_log once per loop of the worker, in one transaction.
 *	  Everything built for the records lives in one memory context, reset
 *	  as a whole after each write.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "history.h"
#include "transaction.h"

typedef struct HistRec
{
	char	   *comp_id;		/* hex, NULL before the input phase */
	char	   *group;
	char	   *aggregate;
	char	   *label;
	char	   *participants;	/* array literal */
	TimestampTz started;
	TimestampTz finished;
	char	   *status;
	char	   *error;
} HistRec;

/* finished computations not yet written, all in history_context */
static List *history = NIL;
static MemoryContext history_context = NULL;

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Create the context the records live in, under the worker's own. */
void
history_init(MemoryContext parent)
{
	history_context = AllocSetContextCreate(parent, "smpc history",
											ALLOCSET_DEFAULT_SIZES);
}

/*
 * Remember one computation's outcome.  comp_id is NULL while the
 * computation has none yet (before the input phase).
 */
void
history_record(const uint8 *comp_id, const char *group, SmpcKind kind,
			   const char *label, const Member *members, int n,
			   TimestampTz started, const char *status, const char *error)
{
	MemoryContext old = MemoryContextSwitchTo(history_context);
	HistRec    *h = palloc0(sizeof(HistRec));
	StringInfoData parts;
	int			i;
	char	   *names[SMPC_MAX_MEMBERS];

	for (i = 0; i < n; i++)
		names[i] = (char *) members[i].name;
	qsort(names, n, sizeof(char *), cmp_name);	/* a stable display */
	initStringInfo(&parts);
	appendStringInfoChar(&parts, '{');
	for (i = 0; i < n; i++)
		appendStringInfo(&parts, "%s\"%s\"", i ? "," : "", names[i]);
	appendStringInfoChar(&parts, '}');

	if (comp_id)
	{
		h->comp_id = palloc(16 * 2 + 1);
		sodium_bin2hex(h->comp_id, 16 * 2 + 1, comp_id, 16);
	}
	h->group = pstrdup(group);
	h->aggregate = pstrdup(smpc_kind_name(kind));
	h->label = pstrdup(label);
	h->participants = parts.data;
	h->started = started;
	h->finished = GetCurrentTimestamp();
	h->status = pstrdup(status);
	h->error = error ? pstrdup(error) : NULL;
	history = lappend(history, h);
	MemoryContextSwitchTo(old);
}

static void
insert_history(void *arg)
{
	Oid			types[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID,
	TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
	ListCell   *lc;

	foreach(lc, history)
	{
		HistRec    *h = lfirst(lc);
		Datum		values[9];
		char		nulls[9] = "         ";

		values[0] = h->comp_id ? CStringGetTextDatum(h->comp_id) : (Datum) 0;
		nulls[0] = h->comp_id ? ' ' : 'n';
		values[1] = CStringGetTextDatum(h->group);
		values[2] = CStringGetTextDatum(h->aggregate);
		values[3] = CStringGetTextDatum(h->label);
		values[4] = OidInputFunctionCall(F_ARRAY_IN, h->participants, TEXTOID, -1);
		values[5] = TimestampTzGetDatum(h->started);
		values[6] = TimestampTzGetDatum(h->finished);
		values[7] = CStringGetTextDatum(h->status);
		values[8] = h->error ? CStringGetTextDatum(h->error) : (Datum) 0;
		nulls[8] = h->error ? ' ' : 'n';
		SPI_execute_with_args("INSERT INTO smpc.history_log (computation_id, group_name, "
							  "aggregate, label, participants, started, finished, status, error) "
							  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
							  9, types, values, nulls, false, 0);
	}
}

/*
 * Write the finished computations to smpc.history_log, in one transaction,
 * then free the records (and everything built for them) all at once.
 */
void
history_flush(void)
{
	if (history == NIL)
		return;
	if (!run_in_transaction("smpc: recording history", insert_history, NULL))
		ereport(WARNING, (errmsg("smpc: could not record computation history")));
	history = NIL;
	MemoryContextReset(history_context);
}
