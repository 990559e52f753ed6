/*
 * thread.c - a pool of worker threads whose results fire deferreds in the
 * loop.
 *
 * Jobs wait in a FIFO under a mutex; workers take them in order. A worker
 * that finishes moves its job to the done list and writes a byte to a
 * pipe; the loop watches the pipe's read end (a strong watcher while any
 * job is pending, so tw_reactor_run() waits for results) and fires each
 * job's deferred on its own thread. Workers never call into the reactor.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "thread.h"

struct job {
	tw_work_fn fn;
	void *arg;
	tw_deferred *d;		/* holds a reference */
	void *value;
	int rc;
	struct job *next;
};

struct tw__pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, **todo_tail;
	struct job *done, **done_tail;
	pthread_t *threads;
	int nthreads, idle, quit;
	int wake[2];
	tw_io io;
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
		while (pool->todo == NULL && !pool->quit) {
			pool->idle++;
			pthread_cond_wait(&pool->cv, &pool->mu);
			pool->idle--;
		}
		if (pool->quit)
			break;
		j = pool->todo;
		if ((pool->todo = j->next) == NULL)
			pool->todo_tail = &pool->todo;
		pthread_mutex_unlock(&pool->mu);

		j->value = NULL;
		j->rc = j->fn(j->arg, &j->value);

		pthread_mutex_lock(&pool->mu);
		j->next = NULL;
		*pool->done_tail = j;
		pool->done_tail = &j->next;
		if (write(pool->wake[1], "", 1) == -1) {
			/* Full pipe: the loop is already woken. */
		}
	}
	pthread_mutex_unlock(&pool->mu);
	return NULL;
}

static void
deliver(tw_io *io, int events)
{
	struct tw__pool *pool = io->data;
	struct job *j, *next;
	char buf[64];

	(void)events;
	while (read(pool->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&pool->mu);
	j = pool->done;
	pool->done = NULL;
	pool->done_tail = &pool->done;
	pthread_mutex_unlock(&pool->mu);
	for (; j != NULL; j = next) {
		next = j->next;
		if (--pool->pending == 0)
			tw_io_stop(pool->r, &pool->io);
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
	int i;

	if ((pool = tw__module_state(r, &pool_key)) != NULL)
		return pool;
	if ((pool = calloc(1, sizeof(*pool))) == NULL)
		return NULL;
	if (pipe(pool->wake) == -1) {
		free(pool);
		return NULL;
	}
	if (tw__module_add(r, &pool_key, pool, pool_destroy) == -1) {
		close(pool->wake[0]);
		close(pool->wake[1]);
		free(pool);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		fcntl(pool->wake[i], F_SETFL, O_NONBLOCK);
		fcntl(pool->wake[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->cv, NULL);
	pool->todo_tail = &pool->todo;
	pool->done_tail = &pool->done;
	pool->size = 4;
	pool->r = r;
	tw_io_init(&pool->io, pool->wake[0], deliver, pool);
	return pool;
}

/* The canceller: a job still waiting is taken off the queue. */
static void
cancel_job(tw_deferred *d, void *arg)
{
	struct tw__pool *pool = arg;
	struct job **p, *j = NULL;

	pthread_mutex_lock(&pool->mu);
	for (p = &pool->todo; *p != NULL; p = &(*p)->next) {
		if ((*p)->d == d) {
			j = *p;
			*p = j->next;
			if (pool->todo_tail == &j->next)
				pool->todo_tail = p;
			break;
		}
	}
	pthread_mutex_unlock(&pool->mu);
	if (j == NULL)
		return;		/* running or done: its result will be dropped */
	if (--pool->pending == 0)
		tw_io_stop(pool->r, &pool->io);
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
	if (pool->pending == 0 && tw_io_start(r, &pool->io, TW_READ) == -1)
		goto fail;

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
		*pool->todo_tail = j;
		pool->todo_tail = &j->next;
		pthread_cond_signal(&pool->cv);
	}
	pthread_mutex_unlock(&pool->mu);
	if (err != 0) {
		if (pool->pending == 0)
			tw_io_stop(r, &pool->io);
		errno = err;
		goto fail;
	}
	pool->pending++;
	return d;
fail:
	err = errno;
	tw_deferred_unref(j->d);
	tw_deferred_unref(d);
	free(j);
	errno = err;
	return NULL;
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
free_jobs(struct job *j)
{
	struct job *next;

	for (; j != NULL; j = next) {
		next = j->next;
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
	tw_io_stop(r, &pool->io);
	free_jobs(pool->todo);
	free_jobs(pool->done);
	close(pool->wake[0]);
	close(pool->wake[1]);
	pthread_mutex_destroy(&pool->mu);
	pthread_cond_destroy(&pool->cv);
	free(pool->threads);
	free(pool);
}
