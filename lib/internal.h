/*
 * internal.h - internal: the reactor's state, shared by the library's files.
 *
 * Only the library's own files include this. Cross-file names are tw__; the public API is
 * in the other headers.
 */
#ifndef TWIRL_INTERNAL_H
#define TWIRL_INTERNAL_H

#include <stdint.h>

#include "backend.h"
#include "reactor.h"
#include "timer.h"

struct tw__pool;
struct tw__conn;
struct tw_listener;

struct tw_reactor {
	const struct tw__backend *be;
	void *be_state;

	tw_io **watchers;		/* by descriptor */
	int nwatchers;
	size_t nactive_io;
	struct tw__event *events;	/* filled by the backend's wait */
	int nevents;

	tw_timer **heap;		/* binary heap of armed timers */
	size_t nheap, heap_cap;
	uint64_t timer_seq;

	tw_soon *soon_head, **soon_tail;	/* for the next turn */
	tw_soon *soon_running;			/* being run in this one */

	int stopping;

	struct tw__pool *pool;		/* thread.c, created on first use */
	int pool_size;
	struct tw__conn *conns;		/* conn.c: every live tw_conn */
	struct tw_listener *listeners;	/* conn.c: every open listener */
	struct tw_bytes *spare[64];	/* conn.c: queue chunks to reuse */
	int nspare;
};

uint64_t tw__now_ns(void);
int tw__timers_run(tw_reactor *r);
int tw__timers_timeout_ms(tw_reactor *r);	/* -1: no timer */
void tw__timers_free(tw_reactor *r);
void tw__signals_forget(tw_reactor *r);
void tw__pool_destroy(tw_reactor *r);
void tw__conns_destroy(tw_reactor *r);

#endif
