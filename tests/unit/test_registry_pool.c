/*
 * test_registry_pool.c - registry hosts shared through a pool: one host per
 * key (the same key is the same host, another key another), handles taken
 * and given back (the one given back is the next one taken), and the bound
 * on idle handles: LS_HOST_IDLE per host, LS_POOL_IDLE for all the hosts of
 * a pool together, so an audit naming many registries cannot keep a
 * connection and a body buffer open for each handle it ever used.
 * No request is sent: handles are made, never used.
 */
#include "check.h"

#include "registry/host.h"
#include "registry/pool.h"
#include "registry/registry.h" /* ls_registry_global_init */

static ls_registry_host *host_of(ls_registry_pool *p, const char *key)
{
    ls_error err = {0};
    ls_registry_host *h = ls_registry_pool_host(p, key, NULL, false, NULL, NULL, NULL, 30, 30000,
                                                "127.0.0.1:5000", &err);
    CHECK(h != NULL);
    return h;
}

/* Takes n handles from h, then gives them all back. */
static void churn(ls_registry_host *h, unsigned n)
{
    ls_http *v[64];
    for (unsigned i = 0; i < n; i++)
        CHECK((v[i] = ls_registry_host_take(h)) != NULL);
    for (unsigned i = 0; i < n; i++)
        ls_registry_host_give(h, v[i]);
}

int main(void)
{
    ls_registry_pool *p = NULL;
    ls_registry_host *a, *b, *hosts[8];
    ls_registry_pool_stats st;
    ls_error err = {0};
    ls_http *h1, *h2;
    unsigned kept = 0;
    char key[32];

    CHECK_INT(ls_registry_global_init(), 0);
    CHECK_INT(ls_registry_pool_new(&p, &err), 0);

    a = host_of(p, "one");
    b = host_of(p, "two");
    CHECK(a != b);
    CHECK(host_of(p, "one") == a);
    ls_registry_pool_get_stats(p, &st);
    CHECK_INT(st.hosts, 2);

    /* a handle given back is the next one taken: its connections go on */
    h1 = ls_registry_host_take(a);
    ls_registry_host_give(a, h1);
    h2 = ls_registry_host_take(a);
    CHECK(h1 == h2);
    ls_registry_host_give(a, h2);

    /* per host: LS_HOST_IDLE kept, the rest freed */
    churn(a, LS_HOST_IDLE + 5);
    CHECK_INT(a->n_idle, LS_HOST_IDLE);
    CHECK_INT(atomic_load(&a->counters->idle), LS_HOST_IDLE);

    /* every host together: LS_POOL_IDLE */
    churn(b, LS_HOST_IDLE);
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof key, "host-%d", i);
        hosts[i] = host_of(p, key);
        churn(hosts[i], LS_HOST_IDLE);
    }
    kept = a->n_idle + b->n_idle;
    for (int i = 0; i < 8; i++)
        kept += hosts[i]->n_idle;
    CHECK_INT(kept, LS_POOL_IDLE);
    CHECK_INT(atomic_load(&a->counters->idle), LS_POOL_IDLE);

    /* taking frees room: the next one given back is kept again */
    h1 = ls_registry_host_take(a);
    CHECK_INT(atomic_load(&a->counters->idle), LS_POOL_IDLE - 1);
    ls_registry_host_give(a, h1);
    CHECK_INT(atomic_load(&a->counters->idle), LS_POOL_IDLE);

    ls_registry_pool_free(p);
    CHECK_DONE();
}
