/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  Both sides of the shared-memory request slots and of the inbox
 *	  (shmem.c): what a backend running an aggregate, a backend running
 *	  smpc.deliver() and the background worker each do with them.  The
 *	  state machine and its locking are described at the top of shmem.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_SHMEM_H
#define SMPC_SHMEM_H

#include "codec.h"
#include "smpc.h"

/* What the worker takes from a submitted request slot. */
typedef struct SmpcTakenRequest
{
	uint64		serial;
	SmpcKind	kind;
	SmpcClass	vclass;
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	int32		scale;
	int			nvalues;		/* at most SMPC_MAX_VALUES */
	int64		rows;
	uint8		desc[SMPC_HASH_BYTES];
	int32		timeout_ms;
	uint8	   *batch;			/* GROUP BY: the local input (palloc'd), or NULL */
	size_t		batch_len;
} SmpcTakenRequest;

/* a backend running an aggregate (aggregates.c) */
extern void shmem_run_request(const char *group, const char *label,
							  SmpcKind kind, SmpcClass vclass, int32 scale,
							  const int128 *values, int nvalues,
							  const uint8 *desc, int64 rows,
							  int128 *result, int32 *result_scale, bool *result_null,
							  int *sqlerrcode, char *emsg, size_t emsgsize,
							  char *edetail, size_t edetailsize,
							  char *ehint, size_t ehintsize, bool *withheld,
							  const uint8 *batch, size_t batch_len, StringInfo batch_out);

/* a backend running smpc.deliver() (manage.c) */
extern void shmem_inbox_put(const SmpcHeader *h, const uint8 *data, size_t len);

/* a backend running smpc.peer_status() (manage.c) */
extern SmpcPeerStatus *shmem_read_status(int *n);

/* the background worker (worker.c) */
extern void shmem_worker_attach(uint64 epoch);
extern void shmem_worker_detach(void);
extern void shmem_drain_inbox(void (*handle) (const uint8 *msg, size_t len));
extern void shmem_request_states(SmpcReqState *states);
extern bool shmem_take_request(int slot, SmpcTakenRequest *t, int128 *values);
extern void shmem_free_abandoned(int slot);
extern void shmem_post_result(int slot, uint64 serial, int sqlerrcode,
							  const char *msg, const char *detail, const char *hint,
							  const int128 *result, const bool *result_null,
							  int nresult, int32 scale, bool withheld,
							  const uint8 *batch_out, size_t batch_out_len);
extern void shmem_release_outputs(void);
extern void shmem_publish_status(bool node_key_valid, const uint8 *node_public_key,
								 const SmpcPeerStatus *peers, int npeers);

#endif
