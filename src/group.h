/*-------------------------------------------------------------------------
 *
 * group.h
 *	  A peer group as the worker knows it: its members, sorted by public
 *	  key, and its settings.  config.c fills these in from smpc.peer_group
 *	  and smpc.peer; the protocol (protocol.c) and history.c read them.
 *	  Plain data: no libpq, no latches, so that the protocol's stand-alone
 *	  test programs can use it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_GROUP_H
#define SMPC_GROUP_H

#include "smpc.h"

/* A member of a peer group, this node included. */
typedef struct Member
{
	char		name[SMPC_MAX_NAME];
	uint8		public_key[SMPC_KEY_BYTES];
	bool		self;
} Member;

typedef struct PeerGroup
{
	char		name[SMPC_MAX_NAME];
	int			min_parties;
	int			max_colluders;	/* 0: all members but one */
	int			min_cell_count; /* smallest count released, 1: all */
	bool		clearing_volume;	/* smpc_clearing_volume is allowed */
	int			nmembers;
	Member		members[SMPC_MAX_MEMBERS];	/* sorted by public key */
	uint8		digest[SMPC_HASH_BYTES];
} PeerGroup;

#endif
