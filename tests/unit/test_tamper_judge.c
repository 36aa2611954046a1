/* The structural tamper checks judged per image (pipeline/tamper.h): the
 * account checks over kept passwd/shadow copies of several layers, setuid
 * files sanctioned by a package or a statoverride, key files sshd reads,
 * copies settled into the entry that planted them, and runs-as-root.
 * Rules come from the real patterns/tamper.json. */
#include "check.h"
#include "layerscan/scan.h"
#include "pipeline/history.h"
#include "pipeline/tamper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 4
static ls_fs_layer *fs[N];
static ls_finding_list fl[N];
static ls_error_list el[N];
static ls_vendor_evidence ev[N];
static ls_ruleset *rs;

static void reset(void)
{
    for (int i = 0; i < N; i++) {
        ls_fs_layer_free(fs[i]);
        fs[i] = ls_fs_layer_new();
        ls_finding_list_free(&fl[i]);
        ls_error_list_free(&el[i]);
        ls_vendor_evidence_free(&ev[i]);
    }
}

static ls_content_id cid(unsigned n)
{
    return (ls_content_id){n, 0x7a};
}

static void put_kept(int layer, const char *path, unsigned c, const char *text)
{
    size_t n = strlen(text);
    unsigned char *b = malloc(n ? n : 1);
    memcpy(b, text, n);
    ls_fs_layer_put(fs[layer], path, LS_FS_FILE, cid(c));
    CHECK_INT(ls_vendor_add_db(&ev[layer], path, cid(c), b, n), 0);
}

/* A finding as the walk makes it (rule by id, evidence as its secret). */
static ls_finding *walk_finding(int layer, const char *rule, const char *path, unsigned c, const char *evidence)
{
    ls_hit hit = {0};
    ls_finding *f;
    long r = ls_ruleset_find(rs, rule);
    CHECK_INT(r >= 0, 1);
    hit.rule = (size_t)r;
    hit.secret = evidence;
    hit.secret_len = strlen(evidence);
    hit.line = hit.column = 1;
    f = ls_finding_list_add(&fl[layer], rs, &hit, path, cid(c));
    f->source = LS_SOURCE_FILE;
    f->layer = layer;
    ls_fs_layer_put(fs[layer], path, LS_FS_FILE, cid(c));
    return f;
}

static void judge(int n)
{
    ls_vendor_layer v[N];
    ls_error err = {0};
    for (int i = 0; i < n; i++)
        v[i] = (ls_vendor_layer){.findings = &fl[i], .evidence = &ev[i], .errors = &el[i], .index = i};
    CHECK_INT(ls_tamper_judge(v, fs, (size_t)n, rs, &err), 0);
}

static const ls_finding *only(int layer, const char *rule)
{
    const ls_finding *hit = NULL;
    int count = 0;
    for (size_t k = 0; k < fl[layer].n; k++)
        if (strcmp(ls_ruleset_get(rs, fl[layer].items[k].rule)->id, rule) == 0) {
            hit = &fl[layer].items[k];
            count++;
        }
    CHECK_INT(count, hit ? 1 : 0);
    return hit;
}

static size_t count(int layer, const char *rule)
{
    size_t c = 0;
    for (size_t k = 0; k < fl[layer].n; k++)
        c += strcmp(ls_ruleset_get(rs, fl[layer].items[k].rule)->id, rule) == 0;
    return c;
}

static void test_accounts(void)
{
    const ls_finding *f;
    reset();
    /* layer 0: the base's accounts (root only with UID 0; an empty password
     * on a nologin account); layer 1: toor and a malformed line; layer 2:
     * guest's password emptied, judged against layer 1's passwd */
    put_kept(0, "/etc/passwd", 1, "root:x:0:0:root:/root:/bin/bash\nsvc:x:999:999::/:/usr/sbin/nologin\n"
                                  "guest:x:1000:1000::/home/guest:/bin/sh\n");
    put_kept(0, "/etc/shadow", 2, "root:*:1::::::\nsvc::1::::::\nguest:!:1::::::\n");
    put_kept(1, "/etc/passwd", 3, "root:x:0:0:root:/root:/bin/bash\nbroken:x:zero:0::/:/bin/sh\n"
                                  "svc:x:999:999::/:/usr/sbin/nologin\nguest:x:1000:1000::/home/guest:/bin/sh\n"
                                  "toor:x:00:0:t:/root:/bin/sh\n");
    put_kept(2, "/etc/shadow", 4, "root:*:1::::::\nsvc::1::::::\nguest::1::::::\nghost::1::::::\n");
    judge(3);
    CHECK_INT(count(0, "uid0-account") + count(0, "empty-password-account"), 0);
    f = only(1, "uid0-account");
    if (f) {
        CHECK_STR(f->path, "/etc/passwd");
        CHECK_INT(f->line, 5);
        CHECK_STR(f->secret, "toor:00:0:t:/root:/bin/sh");
        CHECK_INT(f->layer, 1);
        CHECK_INT(f->source, LS_SOURCE_FILE);
    }
    f = only(2, "empty-password-account"); /* guest; not svc (nologin), not ghost (no account) */
    if (f) {
        CHECK_STR(f->path, "/etc/shadow");
        CHECK_INT(f->line, 3);
        CHECK_STR(f->secret, "guest");
        CHECK_INT(fl[2].content[0].lo, 4);
    }

    /* passwd deleted below the shadow's layer: nobody has a login shell */
    reset();
    put_kept(0, "/etc/passwd", 1, "guest:x:1000:1000::/home/guest:/bin/sh\n");
    ls_fs_layer_whiteout(fs[1], "/etc/passwd");
    put_kept(2, "/etc/shadow", 4, "guest::1::::::\n");
    judge(3);
    CHECK_INT(count(2, "empty-password-account"), 0);

    /* a planted million is bounded: the first LS_DEFAULT_MAX_FINDINGS_PER_FILE, and one error */
    reset();
    {
        size_t n = 1005, at = 0;
        char *big = malloc(n * 40);
        for (size_t i = 0; i < n; i++)
            at += (size_t)sprintf(big + at, "u%zu:x:0:0::/:/bin/sh\n", i);
        put_kept(0, "/etc/passwd", 1, big);
        free(big);
    }
    judge(1);
    CHECK_INT(count(0, "uid0-account"), LS_DEFAULT_MAX_FINDINGS_PER_FILE);
    CHECK_INT(el[0].n, 1);
    if (el[0].n == 1)
        CHECK_STR(el[0].items[0].message, "more than 1000 tamper findings in this file: the rest are not reported");

    /* a tar holding /etc/passwd twice: only the copy the layer serves */
    reset();
    put_kept(0, "/etc/passwd", 1, "toor:x:0:0::/root:/bin/sh\n");
    put_kept(0, "/etc/passwd", 2, "root:x:0:0::/root:/bin/sh\n");
    judge(1);
    CHECK_INT(count(0, "uid0-account"), 0);
}

static void test_preload(void)
{
    reset();
    /* the pattern's finding (the first path only) is replaced by one per library */
    walk_finding(0, "ld-preload", "/etc/ld.so.preload", 50, "/lib/libfirst.so");
    put_kept(0, "/etc/ld.so.preload", 50, "# hooks\n/lib/libfirst.so /opt/a/evil:/usr/lib/x.so.1\n\n  /tmp/y # no z\n");
    walk_finding(0, "ld-preload", "/etc/profile.d/x.sh", 51, "LD_PRELOAD=/opt/p.so");
    judge(1);
    CHECK_INT(fl[0].n, 5);
    if (fl[0].n == 5) {
        CHECK_STR(fl[0].items[0].path, "/etc/profile.d/x.sh"); /* other files: the pattern's */
        CHECK_STR(fl[0].items[1].secret, "/lib/libfirst.so");
        CHECK_INT(fl[0].items[1].line, 2);
        CHECK_STR(fl[0].items[2].secret, "/opt/a/evil");
        CHECK_STR(fl[0].items[3].secret, "/usr/lib/x.so.1");
        CHECK_STR(fl[0].items[4].secret, "/tmp/y");
        CHECK_INT(fl[0].items[4].line, 4);
        CHECK_INT(fl[0].content[4].lo, 50);
    }
    /* a file of comments and blanks preloads nothing */
    reset();
    put_kept(0, "/etc/ld.so.preload", 52, "# nothing\n \n:\n");
    judge(1);
    CHECK_INT(fl[0].n, 0);
}

static void test_setuid(void)
{
    ls_finding *f;
    reset();
    put_kept(0, "/var/lib/dpkg/statoverride", 9, "root root 2755 /usr/local/bin/helper\nroot shadow 2755 /bin/chage\n");
    f = walk_finding(1, "setuid-file-added", "/usr/bin/su", 10, "mode 4755, owner 0:0, size 10");
    f->origin = LS_ORIGIN_VENDOR; /* a package's bytes (vendor.c, merged /usr included) */
    walk_finding(1, "setuid-file-added", "/usr/local/bin/helper", 11, "mode 2755, owner 0:0, size 10");
    walk_finding(1, "setuid-file-added", "/usr/bin/chage", 12, "mode 2755, owner 0:42, size 10"); /* via /bin */
    walk_finding(1, "setuid-file-added", "/usr/local/bin/other", 13, "mode 4755, owner 0:0, size 10");
    walk_finding(1, "setuid-file-added", "/usr/local/bin/helper2", 14, "mode 4755, owner 0:0, size 10");
    walk_finding(2, "setuid-file-added", "/usr/local/bin/helper", 15, "mode 4755, owner 0:0, size 10"); /* not the override's mode */
    judge(3);
    CHECK_INT(fl[1].n, 2);
    if (fl[1].n == 2) {
        CHECK_STR(fl[1].items[0].path, "/usr/local/bin/other");
        CHECK_STR(fl[1].items[1].path, "/usr/local/bin/helper2");
        CHECK_INT(fl[1].content[0].lo, 13);
        CHECK_INT(fl[1].content[1].lo, 14);
    }
    CHECK_INT(fl[2].n, 1);
}

static void test_keys(void)
{
    static const char ev_text[] = "ssh-ed25519 SHA256:5s6QV7QN6NxynEbHJJ9yj2maZ5gkUFDphD5ArqgtRSI a@b";
    reset();
    put_kept(1, "/etc/ssh/sshd_config.d/keys.conf", 20, "Match User svc\n  AuthorizedKeysFile /srv/keys/%u.pub\n");
    walk_finding(0, "ssh-authorized-key-added", "/root/.ssh/authorized_keys", 21, ev_text);
    walk_finding(0, "ssh-authorized-key-added", "/home/bob/.ssh/authorized_keys2", 22, ev_text);
    walk_finding(0, "ssh-authorized-key-added", "/etc/ssh/ssh_host_ed25519_key.pub", 23, ev_text);
    walk_finding(0, "ssh-authorized-key-added", "/srv/keys/svc.pub", 24, ev_text);
    walk_finding(0, "ssh-authorized-key-added", "/srv/keys/svc.pub.bak", 25, ev_text);
    walk_finding(0, "ssh-authorized-key-added", "/b/x.tar!/root/.ssh/authorized_keys", 26, ev_text);
    walk_finding(0, "ssh-authorized-key-added", "/usr/share/doc/ssh/authorized_keys.example", 27, ev_text);
    judge(2);
    CHECK_INT(fl[0].n, 3);
    if (fl[0].n == 3) {
        CHECK_STR(fl[0].items[0].path, "/root/.ssh/authorized_keys");
        CHECK_STR(fl[0].items[1].path, "/home/bob/.ssh/authorized_keys2");
        CHECK_STR(fl[0].items[2].path, "/srv/keys/svc.pub"); /* a pattern of a Match block counts */
    }
}

/* The findings of all layers in one list with fates, as the image scan
 * hands them to ls_tamper_settle. */
static void settle(ls_finding_list *all, int n)
{
    ls_error err = {0};
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < fl[i].n; k++) {
            ls_fs_fate fate = ls_fs_resolve(fs, (size_t)n, (size_t)i, fl[i].items[k].path, fl[i].content[k]);
            fl[i].items[k].status = fate.status;
            fl[i].items[k].removed_in_layer = fate.removed_in_layer;
        }
        CHECK_INT(ls_finding_list_take(all, &fl[i]), 0);
    }
    CHECK_INT(ls_tamper_settle(all, fs, (size_t)n, rs, &err), 0);
}

static void test_settle(void)
{
    ls_finding_list all = {0};
    reset();
    /* toor planted in layer 0; layer 1 rewrites passwd with toor still in
     * it (a copy: dropped, layer 0's stays present); layer 2 deletes
     * passwd; layer 3 plants toor again (a new finding) */
    walk_finding(0, "uid0-account", "/etc/passwd", 1, "toor:0:0::/root:/bin/sh");
    walk_finding(1, "uid0-account", "/etc/passwd", 2, "toor:0:0::/root:/bin/sh");
    ls_fs_layer_whiteout(fs[2], "/etc/passwd");
    walk_finding(3, "uid0-account", "/etc/passwd", 3, "toor:0:0::/root:/bin/sh");
    /* a setuid file: layer 1 chmods it again (same bytes, a copy), layer 3
     * replaces it with other bytes of the same size (new) */
    walk_finding(0, "setuid-file-added", "/opt/x", 5, "mode 4755, owner 0:0, size 3");
    walk_finding(1, "setuid-file-added", "/opt/x", 5, "mode 4755, owner 0:0, size 3");
    walk_finding(3, "setuid-file-added", "/opt/x", 6, "mode 4755, owner 0:0, size 3");
    settle(&all, 4);
    CHECK_INT(all.n, 4);
    if (all.n == 4) {
        /* kept in list order: layer 0's two, then layer 3's two */
        CHECK_INT(all.items[0].layer, 0);
        CHECK_STR(all.items[0].path, "/etc/passwd");
        /* the copy's fate: gone in layer 2, the path holds other bytes at the end */
        CHECK_INT(all.items[0].status, LS_STATUS_OVERWRITTEN);
        CHECK_INT(all.items[0].removed_in_layer, 2);
        CHECK_INT(all.items[1].layer, 0);
        CHECK_STR(all.items[1].path, "/opt/x");
        CHECK_INT(all.items[1].status, LS_STATUS_OVERWRITTEN);
        CHECK_INT(all.items[1].removed_in_layer, 3);
        CHECK_INT(all.items[2].layer, 3);
        CHECK_INT(all.items[2].status, LS_STATUS_PRESENT);
        CHECK_INT(all.items[3].layer, 3);
        CHECK_STR(all.items[3].path, "/opt/x");
    }
    ls_finding_list_free(&all);

    /* secrets are never settled: every copy is its own finding */
    reset();
    memset(&all, 0, sizeof all);
    for (int i = 0; i < 2; i++) {
        ls_hit hit = {0};
        ls_finding *f;
        long r = ls_ruleset_find(rs, "generic-password");
        CHECK_INT(r >= 0, 1);
        hit.rule = (size_t)r;
        hit.secret = "s3cr3t-value-123";
        hit.secret_len = strlen(hit.secret);
        f = ls_finding_list_add(&fl[i], rs, &hit, "/app/.env", cid(40 + (unsigned)i));
        f->source = LS_SOURCE_FILE;
        f->layer = i;
        ls_fs_layer_put(fs[i], "/app/.env", LS_FS_FILE, cid(40 + (unsigned)i));
    }
    settle(&all, 2);
    CHECK_INT(all.n, 2);
    ls_finding_list_free(&all);
}

static void test_config(void)
{
    ls_image img = {0};
    ls_history_report hist[3] = {{0}};
    ls_finding_list out = {0};
    ls_error err = {0};
    img.has_config = true;
    hist[0].instruction = "COPY file:x in /";
    hist[0].layer = 0;
    hist[1].instruction = "USER 0:0";
    hist[1].layer = -1;
    hist[2].instruction = "CMD [\"/bin/sh\"]";
    hist[2].layer = -1;
    /* unset: root, no instruction set it */
    CHECK_INT(ls_tamper_config(&img, hist, 3, rs, &out, &err), 0);
    CHECK_INT(out.n, 1);
    if (out.n == 1) {
        CHECK_STR(out.items[0].path, "config.User");
        CHECK_STR(out.items[0].secret, "root (User not set)");
        CHECK_INT(out.items[0].history, -1);
        CHECK_INT(out.items[0].layer, -1);
        CHECK_INT(out.items[0].source, LS_SOURCE_CONFIG);
        CHECK_INT(out.items[0].status, LS_STATUS_METADATA);
    }
    ls_finding_list_free(&out);
    memset(&out, 0, sizeof out);
    img.user = "0:0";
    CHECK_INT(ls_tamper_config(&img, hist, 3, rs, &out, &err), 0);
    CHECK_INT(out.n, 1);
    if (out.n == 1) {
        CHECK_STR(out.items[0].secret, "0:0");
        CHECK_INT(out.items[0].history, 1);
    }
    ls_finding_list_free(&out);
    memset(&out, 0, sizeof out);
    img.user = "1000:1000";
    CHECK_INT(ls_tamper_config(&img, hist, 3, rs, &out, &err), 0);
    CHECK_INT(out.n, 0);
    img.user = "10";
    CHECK_INT(ls_tamper_config(&img, hist, 3, rs, &out, &err), 0);
    CHECK_INT(out.n, 0);
    img.user = NULL;
    img.has_config = false; /* a lone layer has no config to judge */
    CHECK_INT(ls_tamper_config(&img, hist, 3, rs, &out, &err), 0);
    CHECK_INT(out.n, 0);
    ls_finding_list_free(&out);
}

int main(void)
{
    const char *src = getenv("LAYERSCAN_SOURCE_DIR");
    char path[4096];
    ls_error err = {0};
    rs = ls_ruleset_new();
    snprintf(path, sizeof path, "%s/patterns/tamper.json", src ? src : ".");
    CHECK_INT(ls_ruleset_load(rs, path, &err), 0);
    snprintf(path, sizeof path, "%s/patterns/generic.json", src ? src : ".");
    CHECK_INT(ls_ruleset_load(rs, path, &err), 0);
    test_accounts();
    test_preload();
    test_setuid();
    test_keys();
    test_settle();
    test_config();
    reset();
    for (int i = 0; i < N; i++)
        ls_fs_layer_free(fs[i]);
    ls_ruleset_free(rs);
    CHECK_DONE();
}
