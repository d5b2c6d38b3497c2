/*-------------------------------------------------------------------------
 *
 * config.c
 *	  The background worker's configuration: read smpc.node,
 *	  smpc.peer_group and smpc.peer in a transaction of its own, load the
 *	  node key, and rebuild the peers (keeping the connections of those
 *	  that did not change) and the groups with their membership digests.
 *	  The state lives in this process only; it is published to backends
 *	  by the worker (smpc.peer_status).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "executor/spi.h"
#include "utils/timestamp.h"

#include "config.h"
#include "transaction.h"

uint64		loaded_gen = 0;
bool		have_extension = false;
static char version_warned[64];	/* the old extension version we warned of */
TimestampTz config_read_at = 0;
bool		have_node_key = false;
char		node_name[SMPC_MAX_NAME];
uint8		node_public_key[SMPC_KEY_BYTES];
SmpcSecret	node_secret;
int			ngroups = 0;
PeerGroup  *groups = NULL;
int			npeers = 0;
Peer		peers[SMPC_MAX_PEERS];

/*
 * What was accepted from peers no longer configured, so that a peer removed
 * and added again cannot be handed its earlier messages again: the last
 * MAX_FORGOTTEN keys removed are remembered (replay protection, codec.h).
 */
#define MAX_FORGOTTEN	64
typedef struct Forgotten
{
	uint8		public_key[SMPC_KEY_BYTES];
	uint64		epoch_in;
	uint64		last_seq_in;
} Forgotten;
static Forgotten forgotten[MAX_FORGOTTEN];
static int	nforgotten = 0;
bool		status_dirty = true;

Peer *
find_peer(const uint8 *pk)
{
	int			i;

	for (i = 0; i < npeers; i++)
		if (memcmp(peers[i].public_key, pk, SMPC_KEY_BYTES) == 0)
			return &peers[i];
	return NULL;
}

PeerGroup *
find_group(const char *name)
{
	int			i;

	for (i = 0; i < ngroups; i++)
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	return NULL;
}

typedef struct CfgPeer
{
	char		group[SMPC_MAX_NAME];
	char		name[SMPC_MAX_NAME];
	char	   *conninfo;
	bool		unrestricted;
	uint8		public_key[SMPC_KEY_BYTES];
} CfgPeer;

static int
cmp_member(const void *a, const void *b)
{
	return memcmp(((const Member *) a)->public_key, ((const Member *) b)->public_key,
				  SMPC_KEY_BYTES);
}

static void
group_digest(PeerGroup *g)
{
	crypto_generichash_state st;
	int			i;

	crypto_generichash_init(&st, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8 *) "smpc-membership-v1", 18);
	crypto_generichash_update(&st, (const uint8 *) g->name, strlen(g->name) + 1);
	{
		uint8		settings[8];

		for (i = 0; i < 4; i++)
		{
			settings[i] = (uint8) (g->max_colluders >> (24 - 8 * i));
			settings[4 + i] = (uint8) (g->min_cell_count >> (24 - 8 * i));
		}
		crypto_generichash_update(&st, settings, sizeof(settings));
	}
	/* only when on, so that groups without it keep the digest they had */
	if (g->clearing_volume)
		crypto_generichash_update(&st, (const uint8 *) "clearing_volume", 15);
	for (i = 0; i < g->nmembers; i++)
		crypto_generichash_update(&st, g->members[i].public_key, SMPC_KEY_BYTES);
	crypto_generichash_final(&st, g->digest, SMPC_HASH_BYTES);
}

static char *
spi_text(int row, int col)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	return v ? v : "";
}

/* What one reading of the configuration tables found. */
typedef struct ConfigRead
{
	bool		have_extension; /* run_in_transaction ran the body */
	char		old_version[64];	/* the extension is at another version */
	bool		have_node;
	char		name[SMPC_MAX_NAME];
	char		keytext[64];
	int			ngroup;
	PeerGroup  *groups;
	int			ncfg;
	CfgPeer    *cfg;
} ConfigRead;

static void
read_config_tables(void *arg)
{
	ConfigRead *rd = (ConfigRead *) arg;
	int			i;

	/* a library newer than the installed objects cannot read them */
	SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'smpc'",
				true, 0);
	if (SPI_processed == 1 && strcmp(spi_text(0, 1), SMPC_EXTENSION_VERSION) != 0)
	{
		strlcpy(rd->old_version, spi_text(0, 1), sizeof(rd->old_version));
		return;
	}
	rd->have_extension = true;
	SPI_execute("SELECT name, public_key FROM smpc.node", true, 0);
	if (SPI_processed == 1)
	{
		strlcpy(rd->name, spi_text(0, 1), sizeof(rd->name));
		strlcpy(rd->keytext, spi_text(0, 2), sizeof(rd->keytext));
		rd->have_node = true;
	}
	/* clearing_volume came with 0.4: read through jsonb, so 0.3 reads too */
	SPI_execute("SELECT name, min_parties, coalesce(max_colluders, 0), min_cell_count, "
				"coalesce((to_jsonb(g) ->> 'clearing_volume')::boolean, false) "
				"FROM smpc.peer_group g ORDER BY name", true, 0);
	rd->ngroup = (int) SPI_processed;
	rd->groups = MemoryContextAllocZero(smpc_worker_context,
										sizeof(PeerGroup) * Max(rd->ngroup, 1));
	for (i = 0; i < rd->ngroup; i++)
	{
		strlcpy(rd->groups[i].name, spi_text(i, 1), SMPC_MAX_NAME);
		rd->groups[i].min_parties = atoi(spi_text(i, 2));
		rd->groups[i].max_colluders = atoi(spi_text(i, 3));
		rd->groups[i].min_cell_count = atoi(spi_text(i, 4));
		rd->groups[i].clearing_volume = strcmp(spi_text(i, 5), "t") == 0;
	}
	SPI_execute("SELECT group_name, name, conninfo, public_key, unrestricted FROM smpc.peer "
				"ORDER BY group_name, name", true, 0);
	rd->ncfg = (int) SPI_processed;
	rd->cfg = MemoryContextAllocZero(smpc_worker_context, sizeof(CfgPeer) * Max(rd->ncfg, 1));
	for (i = 0; i < rd->ncfg; i++)
	{
		CfgPeer    *c = &rd->cfg[i];

		strlcpy(c->group, spi_text(i, 1), SMPC_MAX_NAME);
		strlcpy(c->name, spi_text(i, 2), SMPC_MAX_NAME);
		c->conninfo = MemoryContextStrdup(smpc_worker_context, spi_text(i, 3));
		c->unrestricted = strcmp(spi_text(i, 5), "t") == 0;
		if (!smpc_key_from_text(spi_text(i, 4), c->public_key))
			c->name[0] = '\0';	/* unusable; skipped below */
	}
}

/*
 * Read the configuration tables in a transaction of our own and rebuild
 * groups and peers, keeping the connections of peers that did not change.
 */
void
reload_config(void)
{
	ConfigRead	rd;
	bool		have_node;
	int			ncfg,
				ngroup,
				i,
				j;
	CfgPeer    *cfg;
	PeerGroup  *newgroups;
	Peer		newpeers[SMPC_MAX_PEERS];
	int			nnew = 0;
	uint8		newpk[SMPC_KEY_BYTES];
	bool		key_changed;
	char	   *newname = rd.name;
	char	   *keytext = rd.keytext;

	loaded_gen = pg_atomic_read_u64(&smpc_shared->config_gen);
	config_read_at = GetCurrentTimestamp();
	memset(&rd, 0, sizeof(rd));
	if (!run_in_transaction("smpc: reading configuration", read_config_tables, &rd))
	{
		ereport(WARNING,
				(errmsg("smpc: could not read the configuration; keeping the previous one")));
		if (rd.groups)
			pfree(rd.groups);
		if (rd.cfg)
			pfree(rd.cfg);
		return;
	}
	if (rd.old_version[0] != '\0')
	{
		/* said once per version; polled until ALTER EXTENSION has run */
		if (strcmp(rd.old_version, version_warned) != 0)
			ereport(WARNING,
					(errmsg("smpc: the extension in database \"%s\" is version %s, but this server runs the library of version %s",
							smpc_database, rd.old_version, SMPC_EXTENSION_VERSION),
					 errdetail("The worker takes part in no computation until the extension is updated."),
					 errhint("Run ALTER EXTENSION smpc UPDATE in database \"%s\" as a superuser.",
							 smpc_database)));
		strlcpy(version_warned, rd.old_version, sizeof(version_warned));
		have_extension = false;
		return;
	}
	have_extension = rd.have_extension;
	have_node = rd.have_node;
	ncfg = rd.ncfg;
	ngroup = rd.ngroup;
	cfg = rd.cfg;
	newgroups = rd.groups;

	/* the node key */
	if (have_node && !smpc_key_from_text(keytext, newpk))
	{
		ereport(WARNING, (errmsg("smpc: the node's public key in smpc.node is malformed")));
		have_node = false;
	}
	key_changed = (have_node != have_node_key) ||
		(have_node && memcmp(newpk, node_public_key, SMPC_KEY_BYTES) != 0);
	if (key_changed)
	{
		smpc_secret_free(&node_secret);
		have_node_key = false;
		memset(node_public_key, 0, SMPC_KEY_BYTES);
		if (have_node)
		{
			char		why[512];

			if (smpc_load_key_file(newpk, &node_secret, why, sizeof(why)))
			{
				memcpy(node_public_key, newpk, SMPC_KEY_BYTES);
				have_node_key = true;
				smpc_remove_other_key_files(newpk);
			}
			else
				ereport(WARNING, (errmsg("smpc: cannot use the node key: %s", why)));
		}
	}
	strlcpy(node_name, newname, sizeof(node_name));

	/* peers: one entry per distinct key, keeping live connections */
	memset(newpeers, 0, sizeof(newpeers));
	for (i = 0; i < ncfg && nnew < SMPC_MAX_PEERS; i++)
	{
		Peer	   *np = NULL;

		if (cfg[i].name[0] == '\0')
			continue;
		for (j = 0; j < nnew; j++)
			if (memcmp(newpeers[j].public_key, cfg[i].public_key, SMPC_KEY_BYTES) == 0)
				np = &newpeers[j];
		if (np)
			continue;
		np = &newpeers[nnew++];
		for (j = 0; j < npeers; j++)
		{
			if (peers[j].conninfo &&
				memcmp(peers[j].public_key, cfg[i].public_key, SMPC_KEY_BYTES) == 0 &&
				strcmp(peers[j].conninfo, cfg[i].conninfo) == 0 &&
				peers[j].unrestricted == cfg[i].unrestricted && !key_changed)
			{
				*np = peers[j];
				peers[j].conninfo = NULL;	/* moved */
				peers[j].queue = NIL;
				peers[j].lookup = NULL;
				peers[j].conn = NULL;
				peers[j].fd_acquired = false;
				peers[j].pairwise.bytes = NULL;
				break;
			}
		}
		if (np->conninfo == NULL)
		{
			memcpy(np->public_key, cfg[i].public_key, SMPC_KEY_BYTES);
			np->conninfo = cfg[i].conninfo;
			np->unrestricted = cfg[i].unrestricted;
			np->rtt_ms = -1;
			/* a key seen before: what we accepted from it still counts */
			for (j = 0; j < Min(nforgotten, MAX_FORGOTTEN); j++)
				if (memcmp(forgotten[j].public_key, np->public_key, SMPC_KEY_BYTES) == 0 &&
					(forgotten[j].epoch_in > np->epoch_in ||
					 (forgotten[j].epoch_in == np->epoch_in &&
					  forgotten[j].last_seq_in > np->last_seq_in)))
				{
					np->epoch_in = forgotten[j].epoch_in;
					np->last_seq_in = forgotten[j].last_seq_in;
				}
			for (j = 0; j < npeers; j++)
				if (memcmp(peers[j].public_key, np->public_key, SMPC_KEY_BYTES) == 0)
				{
					np->epoch_in = peers[j].epoch_in;
					np->last_seq_in = peers[j].last_seq_in;
				}
			if (have_node_key &&
				!smpc_pairwise_key(&node_secret, node_public_key, np->public_key,
								   &np->pairwise))
				peer_set_error(np, "the configured public key is not a valid key");
		}
		strlcpy(np->name, cfg[i].name, SMPC_MAX_NAME);
	}
	for (j = 0; j < npeers; j++)
	{
		if (peers[j].conninfo && peers[j].epoch_in != 0)
		{
			Forgotten  *f = &forgotten[nforgotten++ % MAX_FORGOTTEN];

			memcpy(f->public_key, peers[j].public_key, SMPC_KEY_BYTES);
			f->epoch_in = peers[j].epoch_in;
			f->last_seq_in = peers[j].last_seq_in;
		}
		peer_close(&peers[j]);
		smpc_secret_free(&peers[j].pairwise);
		peer_free_queue(&peers[j]);
		if (peers[j].conninfo)
			pfree(peers[j].conninfo);
	}
	memcpy(peers, newpeers, sizeof(Peer) * nnew);
	npeers = nnew;

	/*
	 * A configuration change is the moment an administrator expects things
	 * to happen: connect at once instead of waiting out a back-off, and ask
	 * every peer that has not answered yet right away.
	 */
	for (i = 0; i < npeers; i++)
	{
		if (peers[i].cstate == PEER_DOWN)
			peers[i].next_attempt = 0;
		else if (!peers[i].key_verified || peers[i].peer_epoch == 0)
			peers[i].next_ping = 0;
	}

	/* groups: every member sorted by key, ourselves included */
	for (i = 0; i < ngroup; i++)
	{
		PeerGroup	   *g = &newgroups[i];

		if (have_node_key)
		{
			strlcpy(g->members[0].name, node_name, SMPC_MAX_NAME);
			memcpy(g->members[0].public_key, node_public_key, SMPC_KEY_BYTES);
			g->members[0].self = true;
			g->nmembers = 1;
		}
		for (j = 0; j < ncfg; j++)
		{
			if (strcmp(cfg[j].group, g->name) != 0 || cfg[j].name[0] == '\0')
				continue;
			if (g->nmembers >= SMPC_MAX_MEMBERS)
			{
				ereport(WARNING,
						(errmsg("smpc: peer group \"%s\" has more than %d members; the rest are ignored",
								g->name, SMPC_MAX_MEMBERS)));
				break;
			}
			strlcpy(g->members[g->nmembers].name, cfg[j].name, SMPC_MAX_NAME);
			memcpy(g->members[g->nmembers].public_key, cfg[j].public_key, SMPC_KEY_BYTES);
			g->members[g->nmembers].self = false;
			g->nmembers++;
		}
		qsort(g->members, g->nmembers, sizeof(Member), cmp_member);
		group_digest(g);
	}
	if (groups)
		pfree(groups);
	groups = newgroups;
	ngroups = ngroup;
	for (i = 0; i < ncfg; i++)
		if (cfg[i].conninfo)
		{
			bool		used = false;

			for (j = 0; j < npeers; j++)
				used |= (peers[j].conninfo == cfg[i].conninfo);
			if (!used)
				pfree(cfg[i].conninfo);
		}
	if (cfg)
		pfree(cfg);
	status_dirty = true;
}
