/*
 * thread.c - a pool of worker threads whose results fire deferreds in the
 * loop.
 *
 * Jobs wait in a FIFO under a mutex; workers take them in order. A worker
 * that finishes moves its job to the done list and wakes the loop through
 * the reactor's one wake-up (wake.c); the loop then fires each job's
 * deferred on its own thread. Each pending job holds the reactor, so
 * tw_reactor_run() waits for results. Workers never call into the reactor
 * beyond tw__wake(), a write(2).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/queue.h>

#include "internal.h"
#include "thread.h"

struct job {
	tw_work_fn fn;
	void *arg;
	tw_deferred *d;		/* holds a reference */
	void *value;
	int rc;
	TAILQ_ENTRY(job) link;	/* in todo, then in done */
};

TAILQ_HEAD(jobs, job);

struct tw__pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct jobs todo;	/* waiting for a worker */
	struct jobs done;	/* results for the loop */
	pthread_t *threads;
	int nthreads, idle, quit;
	int wake_fd;		/* tw__wake() it */
	size_t pending;		/* submitted, not yet delivered (loop thread) */
	int size;		/* most threads to start */
	tw_reactor *r;
};

static char pool_key;	/* its address names the pool's state in the reactor */

static void pool_destroy(tw_reactor *r, void *state);

static void *
worker(void *p)
{
	struct tw__pool *pool = p;
	struct job *j;

	pthread_mutex_lock(&pool->mu);
	for (;;) {
		while (TAILQ_EMPTY(&pool->todo) && !pool->quit) {
			pool->idle++;
			pthread_cond_wait(&pool->cv, &pool->mu);
			pool->idle--;
		}
		if (pool->quit)
			break;
		j = TAILQ_FIRST(&pool->todo);
		TAILQ_REMOVE(&pool->todo, j, link);
		pthread_mutex_unlock(&pool->mu);

		j->value = NULL;
		j->rc = j->fn(j->arg, &j->value);

		pthread_mutex_lock(&pool->mu);
		TAILQ_INSERT_TAIL(&pool->done, j, link);
		tw__wake(pool->wake_fd);
	}
	pthread_mutex_unlock(&pool->mu);
	return NULL;
}

static void
deliver(tw_reactor *r, void *arg)
{
	struct tw__pool *pool = arg;
	struct jobs done = TAILQ_HEAD_INITIALIZER(done);
	struct job *j;

	pthread_mutex_lock(&pool->mu);
	TAILQ_CONCAT(&done, &pool->done, link);
	pthread_mutex_unlock(&pool->mu);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, link);
		pool->pending--;
		tw__reactor_hold(r, -1);
		if (!tw_deferred_fired(j->d)) {
			if (j->rc == 0)
				tw_deferred_callback(j->d, j->value);
			else
				tw_deferred_errback(j->d, j->rc);
		}
		tw_deferred_unref(j->d);
		free(j);
	}
}

static struct tw__pool *
get_pool(tw_reactor *r)
{
	struct tw__pool *pool;

	if ((pool = tw__module_state(r, &pool_key)) != NULL)
		return pool;
	if ((pool = calloc(1, sizeof(*pool))) == NULL)
		return NULL;
	/* The wake-up first: its hook then runs after the pool's. */
	if ((pool->wake_fd = tw__wake_add(r, deliver, pool)) == -1 ||
	    tw__module_add(r, &pool_key, pool, pool_destroy) == -1) {
		tw__wake_remove(r, deliver, pool);
		free(pool);
		return NULL;
	}
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->cv, NULL);
	TAILQ_INIT(&pool->todo);
	TAILQ_INIT(&pool->done);
	pool->size = 4;
	pool->r = r;
	return pool;
}

/* The canceller: a job still waiting is taken off the queue. */
static void
cancel_job(tw_deferred *d, void *arg)
{
	struct tw__pool *pool = arg;
	struct job *j;

	pthread_mutex_lock(&pool->mu);
	TAILQ_FOREACH(j, &pool->todo, link)
		if (j->d == d)
			break;
	if (j != NULL)
		TAILQ_REMOVE(&pool->todo, j, link);
	pthread_mutex_unlock(&pool->mu);
	if (j == NULL)
		return;		/* running or done: its result will be dropped */
	pool->pending--;
	tw__reactor_hold(pool->r, -1);
	tw_deferred_unref(j->d);
	free(j);
}

tw_deferred *
tw_defer_to_thread(tw_reactor *r, tw_work_fn fn, void *arg)
{
	struct tw__pool *pool;
	struct job *j;
	tw_deferred *d;
	int err = 0;

	if ((pool = get_pool(r)) == NULL)
		return NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	if ((d = tw_deferred_new(r)) == NULL) {
		free(j);
		return NULL;
	}
	j->fn = fn;
	j->arg = arg;
	j->d = tw_deferred_ref(d);
	tw_deferred_set_canceller(d, cancel_job, pool);

	pthread_mutex_lock(&pool->mu);
	if (pool->idle == 0 && pool->nthreads < pool->size) {
		pthread_t *t = realloc(pool->threads,
		    (size_t)(pool->nthreads + 1) * sizeof(*t));

		if (t == NULL)
			err = ENOMEM;
		else {
			pool->threads = t;
			err = pthread_create(&t[pool->nthreads], NULL, worker, pool);
			if (err == 0)
				pool->nthreads++;
		}
		if (err != 0 && pool->nthreads > 0)
			err = 0;	/* the threads we have will get to it */
	}
	if (err == 0) {
		TAILQ_INSERT_TAIL(&pool->todo, j, link);
		pthread_cond_signal(&pool->cv);
	}
	pthread_mutex_unlock(&pool->mu);
	if (err != 0) {
		tw_deferred_unref(j->d);
		tw_deferred_unref(d);
		free(j);
		errno = err;
		return NULL;
	}
	pool->pending++;
	tw__reactor_hold(r, 1);
	return d;
}

int
tw_thread_pool_size(tw_reactor *r, int n)
{
	struct tw__pool *pool;

	if ((pool = get_pool(r)) == NULL)
		return -1;
	pool->size = n > 0 ? n : 1;
	return 0;
}

static void
free_jobs(struct jobs *list)
{
	struct job *j;

	while ((j = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, j, link);
		tw_deferred_unref(j->d);
		free(j);
	}
}

static void
pool_destroy(tw_reactor *r, void *state)
{
	struct tw__pool *pool = state;
	int i;

	pthread_mutex_lock(&pool->mu);
	pool->quit = 1;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
	for (i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	tw__wake_remove(r, deliver, pool);
	tw__reactor_hold(r, -(int)pool->pending);
	free_jobs(&pool->todo);
	free_jobs(&pool->done);
	pthread_mutex_destroy(&pool->mu);
	pthread_cond_destroy(&pool->cv);
	free(pool->threads);
	free(pool);
}
