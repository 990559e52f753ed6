/*
 * thread.h - run blocking work on worker threads, results back in the loop.
 *
 * Twisted's deferToThread: fsync, a big computation, anything that would
 * stall the loop runs on a small pool of threads owned by the reactor, and
 * its result fires a deferred on the loop's thread. The pool starts on first
 * use; jobs start in the order they were submitted. A pending job keeps
 * tw_reactor_run() going; tw_reactor_destroy() waits for running jobs and
 * drops queued ones.
 */
#ifndef TWIRL_THREAD_H
#define TWIRL_THREAD_H

#include "deferred.h"
#include "reactor.h"

/*
 * fn(arg, &value) runs on a worker and returns 0 or an error number; it
 * must not touch the reactor. Returns a deferred (the caller holds one
 * reference) that fires with value, or fails with fn's error; or NULL with
 * errno set. Cancelling the deferred drops a job that has not started; a
 * running one finishes and its value is dropped, so a job that allocates
 * should keep what it allocates reachable from arg.
 */
typedef int (*tw_work_fn)(void *arg, void **value);
tw_deferred *tw_defer_to_thread(tw_reactor *r, tw_work_fn fn, void *arg);

/*
 * Worker threads for r (default 4); takes effect for threads not yet
 * started. Returns 0, or -1 with ENOMEM.
 */
int tw_thread_pool_size(tw_reactor *r, int n);

#endif
