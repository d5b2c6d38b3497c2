/*-------------------------------------------------------------------------
 *
 * config.h
 *	  What the background worker knows of its configuration (config.c):
 *	  this node's identity, the peer groups and the peers, rebuilt from
 *	  smpc.node, smpc.peer_group and smpc.peer.  Only the worker process
 *	  touches any of this.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_CONFIG_H
#define SMPC_CONFIG_H

#include "datatype/timestamp.h"

#include "worker_int.h"

/* until the extension exists, the configuration is read again this often */
#define EXTENSION_POLL_MS 1000

extern uint64 loaded_gen;		/* smpc_shared->config_gen last read */
extern bool have_extension;		/* installed, at this library's version */
extern TimestampTz config_read_at;
extern bool have_node_key;
extern char node_name[SMPC_MAX_NAME];
extern uint8 node_public_key[SMPC_KEY_BYTES];
extern SmpcSecret node_secret;
extern int	ngroups;
extern PeerGroup *groups;
extern int	npeers;
extern Peer peers[SMPC_MAX_PEERS];
/* peers' status changed: publish it in shared memory (smpc.peer_status) */
extern bool status_dirty;

extern Peer *find_peer(const uint8 *pk);
extern PeerGroup *find_group(const char *name);
extern void reload_config(void);

#endif
