/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The smpc launcher: a background worker, connected to no database,
 *	  that waits until smpc.database exists and then starts the node's
 *	  worker (worker.c) in it, and starts it again whenever it stops.
 *
 * A background worker can connect to one database only, once, and exits
 * with a FATAL error if that database does not exist.  So the node's worker is not
 * registered at start-up but started by this launcher, as a dynamic
 * background worker that the postmaster does not restart by itself: the
 * launcher looks for the database in the shared catalog pg_database every
 * SMPC_LAUNCH_POLL_MS, starts the worker as soon as it is there, and is
 * told by the postmaster when the worker stops (bgw_notify_pid).  A worker
 * that stops is started again after SMPC_RELAUNCH_DELAY_MS.
 *
 * State: only this process touches the handle; smpc_shared->worker_pid
 * (under smpc_shared->lock) tells whether a worker of an earlier launcher
 * still runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "smpc.h"

#define SMPC_LAUNCH_POLL_MS		500
#define SMPC_RELAUNCH_DELAY_MS	5000

static BackgroundWorkerHandle *worker_handle = NULL;

/*
 * Does smpc.database exist and take connections?  Connected to no database,
 * the launcher can read the shared catalog pg_database only by a plain
 * scan (as the autovacuum launcher does), not through the syscache.
 */
static bool
database_exists(void)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	bool		exists = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (strcmp(NameStr(db->datname), smpc_database) == 0)
		{
			exists = db->datallowconn;
			break;
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return exists;
}

/* Is a worker started by an earlier launcher still running? */
static bool
earlier_worker_running(void)
{
	pid_t		pid;

	LWLockAcquire(smpc_shared->lock, LW_SHARED);
	pid = smpc_shared->worker_pid;
	LWLockRelease(smpc_shared->lock);
	return pid != 0 && kill(pid, 0) == 0;
}

static bool
start_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	worker.bgw_notify_pid = MyProcPid;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "smpc");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "smpc_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "smpc worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "smpc worker");
	if (!RegisterDynamicBackgroundWorker(&worker, &worker_handle))
	{
		worker_handle = NULL;
		ereport(WARNING,
				(errmsg("smpc: could not start the smpc background worker"),
				 errhint("Raise max_worker_processes; the launcher tries again.")));
		return false;
	}
	return true;
}

/* The launcher is stopping: so does the worker it started. */
static void
launcher_exit(int code, Datum arg)
{
	if (worker_handle != NULL)
		TerminateBackgroundWorker(worker_handle);
}

void
smpc_launcher_main(Datum arg)
{
	TimestampTz next_launch = 0;
	bool		said_waiting = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* shared catalogs only: pg_database is one */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	before_shmem_exit(launcher_exit, (Datum) 0);

	for (;;)
	{
		pid_t		pid;
		long		timeout = -1;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		if (worker_handle != NULL &&
			GetBackgroundWorkerPid(worker_handle, &pid) == BGWH_STOPPED)
		{
			pfree(worker_handle);
			worker_handle = NULL;
			next_launch = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													  SMPC_RELAUNCH_DELAY_MS);
		}
		if (worker_handle == NULL)
		{
			TimestampTz now = GetCurrentTimestamp();

			if (now < next_launch)
				timeout = TimestampDifferenceMilliseconds(now, next_launch);
			else if (earlier_worker_running())
				timeout = SMPC_LAUNCH_POLL_MS;
			else if (!database_exists())
			{
				if (!said_waiting)
					ereport(LOG,
							(errmsg("smpc: waiting for database \"%s\" to be created",
									smpc_database),
							 errdetail("smpc.database names it; the smpc background worker starts in it as soon as it exists.")));
				said_waiting = true;
				timeout = SMPC_LAUNCH_POLL_MS;
			}
			else if (start_worker())
				said_waiting = false;
			else
				timeout = SMPC_RELAUNCH_DELAY_MS;
		}

		/* the postmaster sets our latch when the worker starts or stops */
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (timeout >= 0 ? WL_TIMEOUT : 0),
						 timeout, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
