/*
 * deferred.h - a result that is not there yet: callback and errback chains.
 *
 * Twisted's Deferred in C. A deferred fires once, with a value (success) or
 * an error number (failure). Its chain is a list of links added with
 * tw_deferred_add(); each link has a callback, run on success, and an
 * errback, run on failure, either of which may be NULL (pass the result on
 * unchanged). A link returns 0 to pass *value on as a success, or an error
 * number to pass on a failure: so a callback can fail the chain and an
 * errback can recover it. Links added after the deferred fired run at once.
 *
 * A timeout fails a deferred that has not fired in time with ETIMEDOUT; a
 * cancel fails it at once with ECANCELED. Either first runs the canceller,
 * if one was given, so the operation behind it can stop; a result that
 * arrives after that is dropped.
 *
 * Lifetime: tw_deferred_new() returns one reference, the caller's. Whatever
 * will fire the deferred (a worker thread's job, a timeout) holds one more.
 * The deferred is freed when the last reference is dropped; value is the
 * caller's to free, in a link.
 */
#ifndef TWIRL_DEFERRED_H
#define TWIRL_DEFERRED_H

#include "reactor.h"

typedef struct tw_deferred tw_deferred;

typedef int (*tw_deferred_fn)(void *arg, void **value, int error);
typedef void (*tw_canceller_fn)(tw_deferred *d, void *arg);

tw_deferred *tw_deferred_new(tw_reactor *r);
tw_deferred *tw_deferred_ref(tw_deferred *d);
void tw_deferred_unref(tw_deferred *d);

/*
 * Append a link. callback(arg, &value, 0) runs on success, errback(arg,
 * &value, error) on failure. Returns 0, or -1 with ENOMEM.
 */
int tw_deferred_add(tw_deferred *d, tw_deferred_fn callback,
    tw_deferred_fn errback, void *arg);

/* Fire with a value, or with an error (non-zero). -1 with EALREADY if fired. */
int tw_deferred_callback(tw_deferred *d, void *value);
int tw_deferred_errback(tw_deferred *d, int error);

/* Fail with ETIMEDOUT unless fired within seconds. 0, or -1 with errno. */
int tw_deferred_set_timeout(tw_deferred *d, double seconds);

void tw_deferred_set_canceller(tw_deferred *d, tw_canceller_fn fn, void *arg);

/* Fail with ECANCELED now, if not yet fired. */
void tw_deferred_cancel(tw_deferred *d);

int tw_deferred_fired(const tw_deferred *d);

/* After firing: the current result of the chain (value, or error). */
void *tw_deferred_value(const tw_deferred *d);
int tw_deferred_error(const tw_deferred *d);

#endif
