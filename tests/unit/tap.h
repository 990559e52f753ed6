/*
 * tap.h - the unit tests' tiny harness: TAP output, one process per file.
 *
 * A test is a function; CHECK() fails it with the file, line and condition
 * and returns from it. main() calls RUN() for each test. The backend under
 * test comes from TWIRL_BACKEND (tests/run sets poll, then epoll) and is
 * named in each line, so a failure says which backend it was.
 */
#ifndef TWIRL_TAP_H
#define TWIRL_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed, tap_cur_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("#   %s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
		tap_cur_failed = 1;					\
		return;							\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long tap_a = (long long)(a), tap_b = (long long)(b);	\
	if (tap_a != tap_b) {						\
		printf("#   %s:%d: failed: %s == %s (%lld != %lld)\n",	\
		    __FILE__, __LINE__, #a, #b, tap_a, tap_b);		\
		tap_cur_failed = 1;					\
		return;							\
	}								\
} while (0)

static inline const char *
tap_backend(void)
{
	const char *b = getenv("TWIRL_BACKEND");

	return b != NULL && *b != '\0' ? b : "default";
}

#define RUN(fn) do {							\
	tap_cur_failed = 0;						\
	fflush(stdout);							\
	fn();								\
	tap_n++;							\
	if (tap_cur_failed)						\
		tap_failed++;						\
	printf("%sok %d - %s [%s]\n", tap_cur_failed ? "not " : "",	\
	    tap_n, #fn, tap_backend());					\
	fflush(stdout);							\
} while (0)

#define TAP_DONE() (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif
