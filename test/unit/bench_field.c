/*-------------------------------------------------------------------------
 *
 * bench_field.c
 *	  Time of the field arithmetic of src/field.c: nanoseconds per
 *	  multiplication, squaring, addition, inversion, random element and
 *	  Shamir split.  Figures only; each loop's result is printed so that
 *	  the compiler keeps the work.
 *
 * Usage: bench_field
 *
 * sources: src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>
#include <time.h>

#include "field.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
report(const char *what, double seconds, long count, smpc_fe sink)
{
	printf("%-28s %8.2f ns  (check %016llx)\n", what, seconds / count * 1e9,
		   (unsigned long long) (uint64) (sink ^ (sink >> 64)));
}

int
main(void)
{
	long		count = 20 * 1000 * 1000;
	smpc_fe		a = fe_from_int(123456789),
				b = fe_sub(0, 987654321),
				x;
	smpc_fe		sh[16];
	double		t0;
	long		i;

	if (sodium_init() < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* a chain of dependent products: latency, as in a square root */
	x = a;
	t0 = now();
	for (i = 0; i < count; i++)
		x = fe_mul(x, b);
	report("fe_mul (dependent)", now() - t0, count, x);

	x = a;
	t0 = now();
	for (i = 0; i < count; i++)
		x = fe_mul(x, x);
	report("fe_mul(x, x) (dependent)", now() - t0, count, x);

	x = a;
	t0 = now();
	for (i = 0; i < count; i++)
		x = fe_sqr(x);
	report("fe_sqr (dependent)", now() - t0, count, x);

	/* independent products: throughput, as in a batch */
	{
		smpc_fe		v[64];
		int			j;

		for (j = 0; j < 64; j++)
			v[j] = fe_add(a, (smpc_fe) j);
		t0 = now();
		for (i = 0; i < count / 64; i++)
			for (j = 0; j < 64; j++)
				v[j] = fe_mul(v[j], b);
		x = 0;
		for (j = 0; j < 64; j++)
			x = fe_add(x, v[j]);
		report("fe_mul (independent)", now() - t0, count / 64 * 64, x);
	}

	x = a;
	t0 = now();
	for (i = 0; i < count; i++)
		x = fe_add(x, b);
	report("fe_add (dependent)", now() - t0, count, x);

	x = a;
	t0 = now();
	for (i = 0; i < count / 1000; i++)
		x = fe_add(x, fe_inv(fe_add(x, 1)));
	report("fe_inv", now() - t0, count / 1000, x);

	x = 0;
	t0 = now();
	for (i = 0; i < count / 20; i++)
		x = fe_add(x, fe_random());
	report("fe_random", now() - t0, count / 20, x);

	x = 0;
	t0 = now();
	for (i = 0; i < count / 100; i++)
	{
		shamir_split(a, 1, 3, sh);
		x = fe_add(x, sh[2]);
	}
	report("shamir_split n=3 degree=1", now() - t0, count / 100, x);

	x = 0;
	t0 = now();
	for (i = 0; i < count / 1000; i++)
	{
		shamir_split(a, 7, 16, sh);
		x = fe_add(x, sh[15]);
	}
	report("shamir_split n=16 degree=7", now() - t0, count / 1000, x);
	return 0;
}
