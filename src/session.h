/*-------------------------------------------------------------------------
 *
 * session.h
 *	  Session security between the worker and its peers (session.c):
 *	  sealing, opening, epochs, sequence numbers, replay checks and ping.
 *	  Only the background worker calls these.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_SESSION_H
#define SMPC_SESSION_H

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"

#include "codec.h"
#include "worker_int.h"

extern uint64 my_epoch;			/* this run's epoch (codec.h) */

extern void session_init(void);
extern void session_queue(Peer *p, SmpcMsgType type, const uint8 *comp_id,
						  StringInfo payload, uint64 fixed_epoch);
extern void session_send_ping(Peer *p, TimestampTz now);
extern bool session_open_message(const uint8 *msg, size_t len, SmpcHeader *hdr,
								 Peer **peer, uint8 **plain_out, size_t *plainlen_out);

#endif
