/*-------------------------------------------------------------------------
 *
 * transaction.c
 *	  Run a piece of the background worker's work in a transaction of its
 *	  own, with SPI connected and a snapshot set, so that an error in it
 *	  is reported and rolled back but never ends the worker.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/snapmgr.h"

#include "transaction.h"

/*
 * Run body(arg) in a transaction of its own with SPI connected and a
 * snapshot set.  An error is reported and rolled back, never propagated:
 * the worker keeps running.  Returns whether the body completed.
 */
bool
run_in_transaction(const char *activity, void (*body) (void *), void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, activity);
		if (SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'smpc'",
						true, 0) == SPI_OK_SELECT && SPI_processed == 1)
			body(arg);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		ok = false;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextSwitchTo(oldcxt);
	return ok;
}
