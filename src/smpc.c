/*-------------------------------------------------------------------------
 *
 * smpc.c
 *	  Module load: settings, shared memory, the registration of the
 *	  launcher that starts the background worker (launcher.c), and the
 *	  hooks smpc needs in the server.
 *
 * Everything here runs in the postmaster (from shared_preload_libraries)
 * or once per backend.  The shared state itself is described in smpc.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "conninfo.h"
#include "crypto.h"
#include "groupby.h"
#include "smpc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

SmpcShared *smpc_shared = NULL;

#ifdef SMPC_FAULT_INJECTION
/* smpc.fault_injection, in test builds only (see smpc.h) */
int			smpc_fault_injection = SMPC_FAULT_NONE;

static const struct config_enum_entry fault_options[] = {
	{"none", SMPC_FAULT_NONE, false},
	{"hold_shares", SMPC_FAULT_HOLD_SHARES, false},
	{"hold_sums", SMPC_FAULT_HOLD_SUMS, false},
	{"wrong_step", SMPC_FAULT_WRONG_STEP, false},
	{"repeat_sums", SMPC_FAULT_REPEAT_SUMS, false},
	{"bad_text", SMPC_FAULT_BAD_TEXT, false},
	{"hold_rounds", SMPC_FAULT_HOLD_ROUNDS, false},
	{NULL, 0, false}
};

static void
define_fault_injection(void)
{
	DefineCustomEnumVariable("smpc.fault_injection",
							 "Makes this node's worker misbehave on purpose (test builds only).",
							 "Used by the fault tests to stop a member at a known step of a computation.",
							 &smpc_fault_injection,
							 SMPC_FAULT_NONE, fault_options,
							 PGC_SUSET, GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
}

/*
 * The worker calls this when it starts and after each reload: log the
 * fault it now injects, if that changed (none at the start).
 */
void
smpc_fault_log_change(void)
{
	static int	logged = SMPC_FAULT_NONE;

	if (smpc_fault_injection == logged)
		return;
	logged = smpc_fault_injection;
	ereport(LOG,
			(errmsg("smpc: fault injection is now \"%s\"",
					GetConfigOption("smpc.fault_injection", false, false))));
}
#else
#define define_fault_injection() ((void) 0)
#endif

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static bool config_change_pending = false;

static void
smpc_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(SmpcShared)));
	RequestNamedLWLockTranche("smpc", 1);
}

static void
smpc_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	smpc_shared = ShmemInitStruct("smpc", sizeof(SmpcShared), &found);
	if (!found)
	{
		memset(smpc_shared, 0, offsetof(SmpcShared, inbox));
		smpc_shared->lock = &(GetNamedLWLockTranche("smpc"))->lock;
		pg_atomic_init_u64(&smpc_shared->config_gen, 1);
		smpc_shared->next_serial = 1;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Every smpc entry point starts here. */
void
smpc_check_loaded(void)
{
	if (smpc_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("smpc must be loaded via shared_preload_libraries"),
				 errhint("Add smpc to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/*
 * Configuration tables changed in this transaction: once it commits, tell
 * the worker to reload.  Called from the statement trigger.
 */
void
smpc_note_config_change(void)
{
	config_change_pending = true;
}

static void
smpc_xact_callback(XactEvent event, void *arg)
{
	if (!config_change_pending)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		config_change_pending = false;
		if (smpc_shared)
		{
			Latch	   *latch;

			pg_atomic_fetch_add_u64(&smpc_shared->config_gen, 1);
			LWLockAcquire(smpc_shared->lock, LW_SHARED);
			latch = smpc_shared->worker_latch;
			LWLockRelease(smpc_shared->lock);
			if (latch)
				SetLatch(latch);
		}
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		config_change_pending = false;
}

/*
 * Register the launcher (launcher.c), by name: it waits for smpc.database,
 * then starts and watches the worker.  Called from _PG_init in the
 * postmaster.
 */
static void
register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "smpc");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "smpc_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "smpc launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "smpc launcher");
	RegisterBackgroundWorker(&worker);
}

void
_PG_init(void)
{
	DefineCustomIntVariable("smpc.timeout",
							"How long an smpc aggregate waits for its peers.",
							"After this time the computation fails and names the peers that did not take part.",
							&smpc_timeout_ms,
							60000, 100, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
	{
		MarkGUCPrefixReserved("smpc");
		return;
	}

	DefineCustomStringVariable("smpc.database",
							   "Database in which this server's smpc node lives.",
							   "The background worker connects to it and reads the configuration there.",
							   &smpc_database,
							   "postgres",
							   PGC_POSTMASTER, 0,
							   NULL, NULL, NULL);
	define_fault_injection();
	DefineCustomStringVariable("smpc.cert_directory",
							   "Directory of the certificate and key files that peers' connection strings may name.",
							   "Administrators who are not superusers may name sslcert, sslkey, sslrootcert, sslcrl and sslcrldir files only inside it, by absolute path; empty: none.",
							   &smpc_cert_directory,
							   "",
							   PGC_SIGHUP, 0,
							   smpc_cert_directory_check, NULL, NULL);
	MarkGUCPrefixReserved("smpc");

	smpc_crypto_init();
	smpc_peer_login_init();

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = smpc_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = smpc_shmem_startup;
	smpc_groupby_init();
	RegisterXactCallback(smpc_xact_callback, NULL);

	/* the launcher starts the worker once smpc.database exists */
	register_launcher();
}
