/*
 * Benchmark helper (not a test): the reference for lopad's schedule
 * error.  What the host itself allows: a loop that only sleeps until
 * start + n * interval (clock_nanosleep, TIMER_ABSTIME, CLOCK_MONOTONIC,
 * a timer slack of 1 ns) and notes how late each wake-up was.
 *
 *	wake_loop [-c count] [-i interval_us]
 *		Prints one line: "n N p50_us X p99_us X max_us X", the
 *		deviation of each wake-up from the median lateness, as the
 *		probe bench measures lopad's sends against each task's own
 *		grid (a constant offset is not an error; its spread is).
 */
#include <sys/prctl.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAXCOUNT	1000000

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char *argv[])
{
	struct timespec	 ts;
	int64_t		*late, start, due, med, ival = 1000000;
	long		 count = 10000, i;
	int		 ch;

	while ((ch = getopt(argc, argv, "c:i:")) != -1) {
		switch (ch) {
		case 'c':
			count = strtol(optarg, NULL, 10);
			break;
		case 'i':
			ival = strtoll(optarg, NULL, 10) * 1000;
			break;
		default:
			errx(2, "usage: wake_loop [-c count] [-i interval_us]");
		}
	}
	if (count < 1 || count > MAXCOUNT || ival < 1000 || ival > 10000000000)
		errx(2, "count 1..%d, interval 1 us..10 s", MAXCOUNT);
	if ((late = calloc((size_t)count, sizeof(*late))) == NULL)
		err(1, "calloc");
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == -1)
		warn("PR_SET_TIMERSLACK");
	start = now_ns() + ival;
	for (i = 0; i < count; i++) {
		due = start + i * ival;
		ts.tv_sec = due / 1000000000;
		ts.tv_nsec = due % 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) != 0)
			;
		late[i] = now_ns() - due;
	}
	qsort(late, (size_t)count, sizeof(*late), cmp64);
	med = late[(count - 1) / 2];
	for (i = 0; i < count; i++)
		late[i] = late[i] > med ? late[i] - med : med - late[i];
	qsort(late, (size_t)count, sizeof(*late), cmp64);
	printf("n %ld p50_us %lld p99_us %lld max_us %lld\n", count,
	    (long long)late[(count - 1) / 2] / 1000,
	    (long long)late[(count * 99 + 99) / 100 - 1] / 1000,
	    (long long)late[count - 1] / 1000);
	return 0;
}
