/*-------------------------------------------------------------------------
 *
 * history.h
 *	  Recording finished computations in smpc.history_log (history.c).
 *	  Only the background worker calls these.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_HISTORY_H
#define SMPC_HISTORY_H

#include "datatype/timestamp.h"

#include "worker_int.h"

extern void history_init(MemoryContext parent);
extern void history_record(const uint8 *comp_id, const char *group, SmpcKind kind,
						   const char *label, const Member *members, int n,
						   TimestampTz started, const char *status, const char *error);
extern void history_flush(void);

#endif
