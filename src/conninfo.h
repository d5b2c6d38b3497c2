/*-------------------------------------------------------------------------
 *
 * conninfo.h
 *	  Checking, masking and expanding the libpq connection strings of
 *	  peers (see conninfo.c for the rules).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_CONNINFO_H
#define SMPC_CONNINFO_H

#include "utils/guc.h"

/* Why a connection string was refused: an SQL error in the making. */
typedef struct SmpcConninfoProblem
{
	int			sqlerrcode;
	char		message[256];
	char		detail[512];
	char		hint[512];
} SmpcConninfoProblem;

/* smpc.cert_directory, from smpc.c */
extern char *smpc_cert_directory;

extern bool smpc_conninfo_check(const char *conninfo, bool unrestricted,
								SmpcConninfoProblem *why, bool *beyond_restricted);
extern bool smpc_conninfo_params(const char *conninfo, bool unrestricted,
								 const char ***keys, const char ***values,
								 char *errbuf, size_t errlen);
extern void smpc_conninfo_params_free(const char **keys, const char **values);
extern bool smpc_cert_directory_check(char **newval, void **extra, GucSource source);

#endif							/* SMPC_CONNINFO_H */
