/* par.c - tn_par_run: a window of slots: workers fill them out of order,
 * the caller drains them in order. Simple, and enough when tasks are 64 KiB
 * chunks and the caller's emit has real work (dump's output). When the
 * order does not matter, use tn_par_each: with the window, one slow task
 * stalls every worker once the window is full, and each task costs the
 * caller a wake-up. */
#include "par.h"

#include "base/alloc.h"

#include <pthread.h>
#include <stdatomic.h>

enum { SLOT_FREE, SLOT_BUSY, SLOT_DONE };

typedef struct slot {
    tn_buf out;
    int state;
    int rc;
} slot;

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    slot *slots;
    size_t window;
    size_t ntasks, next, emitted;
    int stop;
    tn_par_work work;
    void *arg;
} pool;

typedef struct worker_arg {
    pool *p;
    int id;
} worker_arg;

static void *worker_main(void *va)
{
    worker_arg *wa = va;
    pool *p = wa->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->ntasks && p->next >= p->emitted + p->window)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop || p->next >= p->ntasks)
            break;
        size_t t = p->next++;
        slot *s = &p->slots[t % p->window];
        s->state = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        tn_buf_clear(&s->out);
        int rc = p->work(p->arg, t, wa->id, &s->out);
        pthread_mutex_lock(&p->mu);
        s->rc = rc;
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int run_serial(size_t ntasks, tn_par_work work, tn_par_emit emit, void *arg)
{
    tn_buf out;
    tn_buf_init(&out);
    int rc = 0;
    for (size_t t = 0; t < ntasks && !rc; t++) {
        tn_buf_clear(&out);
        rc = work(arg, t, 0, &out);
        if (!rc)
            rc = emit(arg, t, &out);
    }
    tn_buf_free(&out);
    return rc;
}

int tn_par_run(int nthreads, size_t ntasks, tn_par_work work, tn_par_emit emit, void *arg)
{
    if (nthreads <= 1 || ntasks <= 1)
        return run_serial(ntasks, work, emit, arg);
    pool p = {.window = 4 * (size_t)nthreads, .ntasks = ntasks, .work = work, .arg = arg};
    p.slots = tn_calloc(p.window, sizeof(slot));
    pthread_t *th = tn_calloc((size_t)nthreads, sizeof(pthread_t));
    worker_arg *wa = tn_calloc((size_t)nthreads, sizeof(worker_arg));
    if (!p.slots || !th || !wa) {
        tn_free(p.slots);
        tn_free(th);
        tn_free(wa);
        return run_serial(ntasks, work, emit, arg);
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    int started = 0;
    for (int i = 0; i < nthreads; i++) {
        wa[i] = (worker_arg){&p, i};
        if (pthread_create(&th[i], NULL, worker_main, &wa[i]) == 0)
            started++;
        else
            break;
    }
    int rc = 0;
    if (!started) {
        rc = run_serial(ntasks, work, emit, arg);
        p.emitted = ntasks;
    }
    pthread_mutex_lock(&p.mu);
    while (p.emitted < ntasks && !rc) {
        slot *s = &p.slots[p.emitted % p.window];
        while (s->state != SLOT_DONE)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        rc = s->rc ? s->rc : emit(arg, p.emitted, &s->out);
        pthread_mutex_lock(&p.mu);
        s->state = SLOT_FREE;
        p.emitted++;
        pthread_cond_broadcast(&p.cv);
    }
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < p.window; i++)
        tn_buf_free(&p.slots[i].out);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    tn_free(p.slots);
    tn_free(th);
    tn_free(wa);
    return rc;
}

typedef struct each_arg {
    tn_par_loop loop;
    void *arg;
    int id, rc;
} each_arg;

static void *each_main(void *va)
{
    each_arg *e = va;
    e->rc = e->loop(e->arg, e->id);
    return NULL;
}

typedef struct pair_arg {
    tn_par_task t[2];
    void *arg;
    atomic_uint next;
} pair_arg;

static int pair_loop(void *arg, int w)
{
    pair_arg *p = arg;
    (void)w;
    for (unsigned k; (k = atomic_fetch_add(&p->next, 1)) < 2;)
        p->t[k](p->arg);
    return 0;
}

void tn_par_pair(int nthreads, tn_par_task a, tn_par_task b, void *arg)
{
    pair_arg p = {.t = {a, b}, .arg = arg};
    atomic_init(&p.next, 0);
    tn_par_each(nthreads > 1 ? 2 : 1, pair_loop, &p);
}

int tn_par_each(int nthreads, tn_par_loop loop, void *arg)
{
    if (nthreads <= 1)
        return loop(arg, 0);
    pthread_t *th = tn_calloc((size_t)nthreads, sizeof(pthread_t));
    each_arg *ea = tn_calloc((size_t)nthreads, sizeof(each_arg));
    if (!th || !ea) {
        tn_free(th);
        tn_free(ea);
        return loop(arg, 0);
    }
    int started = 1;
    for (int i = 1; i < nthreads; i++) {
        ea[i] = (each_arg){loop, arg, i, 0};
        if (pthread_create(&th[i], NULL, each_main, &ea[i]) != 0)
            break;
        started++;
    }
    int rc = loop(arg, 0);
    for (int i = 1; i < started; i++) {
        pthread_join(th[i], NULL);
        if (!rc)
            rc = ea[i].rc;
    }
    tn_free(th);
    tn_free(ea);
    return rc;
}
