/*-------------------------------------------------------------------------
 *
 * transaction.h
 *	  The background worker's short transactions (transaction.c), used by
 *	  the configuration reader (config.c) and the history writer
 *	  (history.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_TRANSACTION_H
#define SMPC_TRANSACTION_H

extern bool run_in_transaction(const char *activity, void (*body) (void *), void *arg);

#endif
