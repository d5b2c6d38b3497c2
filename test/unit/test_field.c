/*-------------------------------------------------------------------------
 *
 * test_field.c
 *	  Unit tests of the field code (src/field.c, src/field.h) against a
 *	  plain reference: products by double-and-add with % p, sums and
 *	  differences with %, on edge values (0, 1, p - 1, powers of two around
 *	  the 64-bit halves and the fold points) and random ones; inverses,
 *	  the integer mapping, the wire form, Shamir sharing; the random pool
 *	  (range, wipe, and a forked child that never draws its parent's
 *	  bytes).
 *
 * Usage: test_field [seed].  The seed of the random operands is printed
 * first.  The last line is "unit: field, N passed, M failed"; the exit
 * status is non-zero on any failure.
 *
 * sources: src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "field.h"

static int	npassed = 0;
static int	nfailed = 0;

static void
check(bool cond, const char *fmt,...)
{
	va_list		ap;

	if (cond)
	{
		npassed++;
		return;
	}
	nfailed++;
	if (nfailed > 40)
		return;
	printf("not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void
group(const char *name, int p0, int f0)
{
	printf("%s - %s (%d checks)\n", nfailed == f0 ? "ok" : "not ok", name,
		   npassed - p0 + nfailed - f0);
}

/* splitmix64: the random operands, from the seed */
static uint64 rng_state;

static uint64
rng_next(void)
{
	uint64		z = (rng_state += UINT64CONST(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static smpc_fe
rng_fe(void)
{
	for (;;)
	{
		uint128		x = ((uint128) rng_next() << 64) | rng_next();

		x &= SMPC_FIELD_P;
		if (x < SMPC_FIELD_P)
			return x;
	}
}

static const char *
hex(smpc_fe x, char *buf)
{
	snprintf(buf, 40, "%016llx%016llx", (unsigned long long) (uint64) (x >> 64),
			 (unsigned long long) (uint64) x);
	return buf;
}

/* --- the reference ------------------------------------------------------- */

static const uint128 P = SMPC_FIELD_P;

static uint128
ref_add(uint128 a, uint128 b)
{
	return (a + b) % P;			/* a, b < 2^127: no overflow */
}

static uint128
ref_sub(uint128 a, uint128 b)
{
	return (a + (P - b)) % P;
}

/* schoolbook: double and add over the bits of b, each step reduced */
static uint128
ref_mul(uint128 a, uint128 b)
{
	uint128		r = 0;
	int			i;

	for (i = 126; i >= 0; i--)
	{
		r = (r + r) % P;
		if ((b >> i) & 1)
			r = (r + a) % P;
	}
	return r;
}

/* --- tests --------------------------------------------------------------- */

#define NEDGE 24
static smpc_fe edges[NEDGE];

static void
make_edges(void)
{
	uint128		one = 1;
	int			k = 0;

	edges[k++] = 0;
	edges[k++] = 1;
	edges[k++] = 2;
	edges[k++] = 3;
	edges[k++] = P - 1;
	edges[k++] = P - 2;
	edges[k++] = P >> 1;		/* 2^126 - 1 */
	edges[k++] = one << 126;
	edges[k++] = (one << 126) + 1;
	edges[k++] = (one << 126) - 2;
	edges[k++] = one << 64;
	edges[k++] = (one << 64) - 1;
	edges[k++] = (one << 64) + 1;
	edges[k++] = one << 63;
	edges[k++] = (one << 63) - 1;
	edges[k++] = P - (one << 64);	/* high half all ones, low half ends 0 */
	edges[k++] = P - ((one << 64) - 1);
	edges[k++] = ((one << 63) - 1) << 64;	/* high half all ones, low zero */
	edges[k++] = (one << 127) - (one << 63) - 1;
	edges[k++] = UINT64CONST(0xffffffffffffffff);
	edges[k++] = ((uint128) UINT64CONST(0x5555555555555555) << 64) | UINT64CONST(0xaaaaaaaaaaaaaaaa);
	edges[k++] = 64;
	edges[k++] = P - 64;
	edges[k++] = ((uint128) 1 << 100) + 12345;
	Assert(k == NEDGE);
}

static void
check_pair(smpc_fe a, smpc_fe b)
{
	char		b1[40],
				b2[40],
				b3[40];
	smpc_fe		want = ref_mul(a, b),
				got = fe_mul(a, b);

	check(got == want, "fe_mul(%s, %s) = %s", hex(a, b1), hex(b, b2), hex(got, b3));
	got = fe_add(a, b);
	check(got == ref_add(a, b), "fe_add(%s, %s) = %s", hex(a, b1), hex(b, b2), hex(got, b3));
	got = fe_sub(a, b);
	check(got == ref_sub(a, b), "fe_sub(%s, %s) = %s", hex(a, b1), hex(b, b2), hex(got, b3));
}

static void
test_arithmetic(int nrandom)
{
	int			i,
				j,
				p0 = npassed,
				f0 = nfailed;
	char		b1[40],
				b2[40];

	for (i = 0; i < NEDGE; i++)
	{
		for (j = 0; j < NEDGE; j++)
			check_pair(edges[i], edges[j]);
		check(fe_sqr(edges[i]) == ref_mul(edges[i], edges[i]), "fe_sqr(%s) = %s",
			  hex(edges[i], b1), hex(fe_sqr(edges[i]), b2));
	}
	group("edge values: products, squares, sums, differences", p0, f0);

	p0 = npassed;
	f0 = nfailed;
	for (i = 0; i < nrandom; i++)
	{
		smpc_fe		a = rng_fe(),
					b = rng_fe();

		/* random values near the ends and the halves too */
		if (i % 4 == 1)
			a = P - 1 - (a & 0xffff);
		else if (i % 4 == 2)
			b = (b & ~(uint128) UINT64CONST(0xffffffffffffffff)) | UINT64CONST(0xffffffffffffffff);
		check_pair(a, b);
		check(fe_sqr(a) == ref_mul(a, a), "fe_sqr(%s) = %s", hex(a, b1), hex(fe_sqr(a), b2));
	}
	group("random values: products, squares, sums, differences", p0, f0);

	/* the field's laws, on random values: the reference is not needed */
	p0 = npassed;
	f0 = nfailed;
	for (i = 0; i < nrandom / 10; i++)
	{
		smpc_fe		a = rng_fe(),
					b = rng_fe(),
					c = rng_fe();

		check(fe_mul(a, fe_add(b, c)) == fe_add(fe_mul(a, b), fe_mul(a, c)),
			  "distributivity at %s", hex(a, b1));
		check(fe_mul(fe_mul(a, b), c) == fe_mul(a, fe_mul(b, c)),
			  "associativity at %s", hex(a, b1));
		if (a != 0)
			check(fe_mul(a, fe_inv(a)) == 1, "fe_inv(%s)", hex(a, b1));
	}
	for (i = 0; i < NEDGE; i++)
		if (edges[i] != 0)
			check(fe_mul(edges[i], fe_inv(edges[i])) == 1, "fe_inv(%s)", hex(edges[i], b1));
	check(fe_inv(1) == 1 && fe_inv(P - 1) == P - 1, "inverses of 1 and -1");
	check(fe_mul(fe_inv(2), 2) == 1 && fe_inv(2) == (P + 1) / 2, "inverse of 2 is (p + 1) / 2");
	group("field laws and inverses", p0, f0);
}

static void
test_mapping(void)
{
	int128		lim = SMPC_FIELD_LIMIT;
	int128		vals[] = {0, 1, -1, 2, -2, lim, -lim, lim - 1, -lim + 1,
	(int128) PG_INT64_MAX, (int128) PG_INT64_MIN, 1000000007, -1000000007};
	uint8		wire[16];
	smpc_fe		x;
	int			i,
				p0 = npassed,
				f0 = nfailed;

	for (i = 0; i < (int) lengthof(vals); i++)
	{
		x = fe_from_int(vals[i]);
		check(x < P && fe_to_int(x) == vals[i], "integer mapping of value %d", i);
		check(fe_add(x, fe_from_int(-vals[i])) == 0, "v + (-v) = 0 for value %d", i);
	}
	check(fe_from_int(-1) == P - 1, "-1 maps to p - 1");
	check(fe_mul(fe_from_int(-3), fe_from_int(7)) == fe_from_int(-21), "-3 * 7 = -21");
	check(fe_mul(fe_from_int(-3), fe_from_int(-7)) == 21, "-3 * -7 = 21");

	for (i = 0; i < NEDGE; i++)
	{
		smpc_fe		y = 12345;

		fe_store(edges[i], wire);
		check(fe_load(wire, &y) && y == edges[i], "wire round trip of edge %d", i);
	}
	fe_store(1, wire);
	check(wire[0] == 1 && wire[1] == 0 && wire[15] == 0, "wire form is little-endian");
	memset(wire, 0xff, sizeof(wire));
	x = 7;
	check(!fe_load(wire, &x) && x == 7, "all ones refused");
	memset(wire, 0xff, sizeof(wire));
	wire[15] = 0x7f;			/* p itself */
	check(!fe_load(wire, &x) && x == 7, "p refused");
	wire[0] = 0xfe;				/* p - 1 */
	check(fe_load(wire, &x) && x == P - 1, "p - 1 accepted");
	group("integer mapping and wire form", p0, f0);
}

static void
test_shamir(void)
{
	int			p0 = npassed,
				f0 = nfailed;
	int			n,
				t,
				r;

	for (n = 1; n <= 64; n += (n < 8 ? 1 : 13))
		for (t = 0; t < n && t < 64; t += (t < 3 ? 1 : 7))
			for (r = 0; r < 3; r++)
			{
				smpc_fe		sh[64];
				smpc_fe		secret = (r == 0) ? P - 1 : rng_fe();
				int			xs[64];
				smpc_fe		ys[64];
				int			k,
							j;

				shamir_split(secret, t, n, sh);
				/* any t + 1 points: here every (r + 1)-th from an offset */
				for (k = 0, j = r % n; k < t + 1; k++, j = (j + r + 1) % n)
				{
					int			m;
					bool		dup = false;

					for (m = 0; m < k; m++)
						dup |= (xs[m] == j + 1);
					if (dup)
						break;
					xs[k] = j + 1;
					ys[k] = sh[j];
				}
				if (k < t + 1)
				{
					/* fall back to the first t + 1 */
					for (k = 0; k < t + 1; k++)
					{
						xs[k] = k + 1;
						ys[k] = sh[k];
					}
				}
				check(shamir_combine(xs, ys, t + 1) == secret,
					  "shamir n=%d degree=%d round %d", n, t, r);
				if (t > 0 && n > t + 1)
				{
					/* t points alone give something else (almost surely) */
					check(shamir_combine(xs, ys, t) != secret || secret == 0,
						  "shamir n=%d degree=%d: t points", n, t);
				}
			}
	group("Shamir split and combine", p0, f0);
}

static void
test_random(void)
{
	int			p0 = npassed,
				f0 = nfailed;
	int			i,
				high = 0;
	smpc_fe		prev = fe_random(),
				x;
	bool		distinct = true;
	int			fds[2];
	pid_t		pid;

	for (i = 0; i < 4000; i++)
	{
		x = fe_random();
		check(x < P, "fe_random below p");
		distinct &= (x != prev);
		high += (x >> 126) & 1;
		prev = x;
	}
	check(distinct, "consecutive random elements differ");
	/* bit 126 is set about half the time: 2000 +- 6 sigma */
	check(high > 1800 && high < 2200, "bit 126 set %d times in 4000", high);
	fe_random_wipe();
	x = fe_random();
	check(x < P && x != prev, "fe_random after a wipe");

	/* a forked child draws other bytes than its parent */
	(void) fe_random();			/* the pool is partly used */
	if (pipe(fds) != 0)
	{
		check(false, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0)
	{
		smpc_fe		c = fe_random();
		ssize_t		w;

		w = write(fds[1], &c, sizeof(c));
		_exit(w == sizeof(c) ? 0 : 1);
	}
	else if (pid > 0)
	{
		smpc_fe		c = 0,
					mine = fe_random();
		int			status = 0;
		ssize_t		got = read(fds[0], &c, sizeof(c));

		waitpid(pid, &status, 0);
		check(got == sizeof(c) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "the child's element came back");
		check(c != mine, "a forked child draws other bytes than its parent");
	}
	else
		check(false, "fork");
	close(fds[0]);
	close(fds[1]);
	group("random elements, the pool's wipe and fork", p0, f0);
}

int
main(int argc, char **argv)
{
	uint64		seed;

	if (argc > 1)
		seed = strtoull(argv[1], NULL, 10);
	else
		seed = (uint64) time(NULL) ^ ((uint64) getpid() << 32);
	printf("# seed %llu (replay: test_field %llu)\n",
		   (unsigned long long) seed, (unsigned long long) seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rng_state = seed;
	if (sodium_init() < 0)
		return 2;
	make_edges();

	test_arithmetic(200000);
	test_mapping();
	test_shamir();
	test_random();

	printf("unit: field, %d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
