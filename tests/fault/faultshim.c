/*
 * faultshim.c - an LD_PRELOAD library for the fault-injection tests
 * (tests/integration/test_faults.sh): makes the C library calls layerscan
 * depends on fail the way a full disk, a signal or memory pressure makes
 * them fail, deterministically, driven by environment variables. Built only
 * with the tests and never linked into layerscan; reading the environment
 * is this file's whole purpose.
 *
 *   LS_FAULT_ALLOC=N         the Nth malloc/calloc/realloc/posix_memalign/
 *                            aligned_alloc call (1-based, counted over every
 *                            thread) returns NULL with errno ENOMEM; once.
 *   LS_FAULT_ALLOC_COUNT=F   writes the number of allocation calls made to F
 *                            when main returns (the range of N to try).
 *   LS_FAULT_READ=K          every Kth read/pread call is disturbed: the odd
 *                            ones fail with EINTR, the even ones read at most
 *                            half the bytes asked (a short count).
 *   LS_FAULT_WRITE=N         from the Nth write/pwrite call on, every one fails
 *                            with ENOSPC (a full disk stays full).
 *   LS_FAULT_WRITE_SHORT=K   every Kth write writes at most half the bytes.
 *   LS_FAULT_FSYNC=1         fsync/fdatasync fail with ENOSPC.
 *   LS_FAULT_RENAME=1        rename/renameat fail with EACCES.
 *   LS_FAULT_KILL_RENAME=N   the Nth rename/renameat call (1-based, counted
 *                            over every thread) kills the process with
 *                            SIGKILL instead: a crash at the one moment a
 *                            finished temporary file waits to be put in
 *                            place, at a point the test chooses.
 *   LS_FAULT_NFS=1           fstatfs says every file is on NFS, so layerscan
 *                            reads files with pread instead of mapping them
 *                            (and LS_FAULT_READ reaches the layer reads).
 *
 * Only calls made while main runs are counted and disturbed: the dynamic
 * loader and the libraries' constructors run before it (we wrap main through
 * __libc_start_main), and exit handlers after it, none of which is our code.
 * Calls glibc makes internally (stdio's writes, getline's reads) do not go
 * through these symbols and are not disturbed.
 *
 * One exclusion, for a defect of a library we do not own: jansson 2.14's
 * lexer ignores the failure of strbuffer_append_byte() in lex_save()
 * (load.c), so a failed allocation while it parses silently drops a
 * character from a string or key ("configuraion") or reaches the assert(0)
 * in lex_scan_string() (load.c:442, SIGABRT). The allocations made while a
 * json_load*() call runs are therefore counted but never failed: a run whose
 * N falls inside one runs without a fault (and must give the normal result).
 * Our handling of json_load*() failing is still covered by malformed input.
 *
 * A second one: OpenSSL 3.0 builds its default library context and method
 * store on the first EVP fetch, and a failed allocation in there leaves a
 * NULL lock that the same fetch then takes (CRYPTO_THREAD_read_lock(NULL)
 * from EVP_MD_fetch: SIGSEGV; seen with N inside the first ls_sha256_init /
 * ls_ruleset_hash). So before arming, the shim fetches SHA-256 once (if
 * libcrypto is loaded), as any program's first hash would; later fetches
 * find the store built and are failed like any other allocation.
 *
 * A third: libarchive 3.6's archive_read_new() does not check the
 * archive_entry_new2() it makes (archive_read.c), and the first
 * archive_read_next_header() then writes through the NULL entry
 * (archive_entry_set_dev: SIGSEGV). Allocations inside archive_read_new()
 * are counted but never failed; the handle's own allocation failing (NULL)
 * is reached by no N then, and is a plain NULL check in our code.
 * And archive_read_open1() returns ARCHIVE_FATAL with neither an error
 * message nor an errno when one of its own allocations fails (the filter
 * calloc, the bidding): indistinguishable from a damaged layer, which it
 * then becomes ("not a tar archive: unknown tar error"). Allocations made
 * directly by libarchive's code while archive_read_open1() runs are not
 * failed; those of our read callback inside it still are.
 * A fourth: libarchive's archive_entry name getters and UTF-8 updaters
 * (archive_entry_pathname, _hardlink, _symlink, _uname, _gname, their _w
 * and _utf8 forms, archive_entry_update_*_utf8) convert between encodings
 * on demand and, when that allocation fails, call __archive_errx(1, "No
 * memory"): libarchive prints "Fatal Internal Error in libarchive" and
 * exits the process, a thread still decoding (archive_entry.c, 3.6). The
 * tar reader calls them too. Allocations inside them are counted but never
 * failed.
 *
 * The real functions are found with dlsym(RTLD_NEXT): glibc's in a release
 * build, the sanitizer's interceptors in an ASan build. They are looked up
 * by the shim's constructor, which runs after the libraries it wraps were
 * initialised (ASan's own start-up calls dlsym, and a nested dlsym from our
 * malloc there would call its not yet initialised interceptor). Allocations
 * made before that (and while dlsym runs) are served from a static arena and
 * never freed to the real allocator.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <wchar.h>

typedef int (*main_fn)(int, char **, char **);

static struct {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*pread)(int, void *, size_t, off_t);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*pwrite)(int, const void *, size_t, off_t);
    int (*fsync)(int);
    int (*fdatasync)(int);
    int (*rename)(const char *, const char *);
    int (*renameat)(int, const char *, int, const char *);
    int (*fstatfs)(int, struct statfs *);
} real;

static atomic_int armed;            /* main is running */
static atomic_ulong n_alloc, n_read, n_write, n_rename;
static unsigned long fail_alloc, read_every, write_from, write_short_every, kill_rename;
static int fail_fsync, fail_rename, say_nfs;
static const char *count_file;
static main_fn real_main;

/* ---- the bootstrap arena: allocations made while dlsym runs ---------- */

static _Alignas(16) unsigned char arena[4 << 20];
static atomic_int ready; /* the constructor ran: dlsym may be called */
static atomic_size_t arena_used;
static _Thread_local int resolving;
static _Thread_local int no_fail; /* inside jansson's parser, archive_read_new or an archive_entry
                                  * name conversion: never fail */

static void *arena_alloc(size_t n)
{
    size_t off = atomic_fetch_add(&arena_used, (n + 15) & ~(size_t)15);
    if (off + n > sizeof arena)
        return NULL;
    return arena + off;
}

static void *arena_aligned(size_t align, size_t n)
{
    unsigned char *p = arena_alloc(n + align);
    if (!p || align <= 16)
        return p;
    return p + (align - (uintptr_t)p % align) % align;
}

static int in_arena(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

static void resolve(void)
{
    if (real.malloc || resolving)
        return;
    resolving = 1;
    real.calloc = dlsym(RTLD_NEXT, "calloc");
    real.realloc = dlsym(RTLD_NEXT, "realloc");
    real.free = dlsym(RTLD_NEXT, "free");
    real.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real.aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real.read = dlsym(RTLD_NEXT, "read");
    real.pread = dlsym(RTLD_NEXT, "pread");
    real.write = dlsym(RTLD_NEXT, "write");
    real.pwrite = dlsym(RTLD_NEXT, "pwrite");
    real.fsync = dlsym(RTLD_NEXT, "fsync");
    real.fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real.rename = dlsym(RTLD_NEXT, "rename");
    real.renameat = dlsym(RTLD_NEXT, "renameat");
    real.fstatfs = dlsym(RTLD_NEXT, "fstatfs");
    real.malloc = dlsym(RTLD_NEXT, "malloc"); /* last: it marks the table complete */
    resolving = 0;
}

static unsigned long env_ulong(const char *name)
{
    const char *v = getenv(name);
    return v ? strtoul(v, NULL, 10) : 0;
}

/* Whether this allocation call is the one to fail. */
static _Thread_local int in_open1; /* inside archive_read_open1 */
static const void *libarchive_text;  /* an address in libarchive, to tell its object */

/* Whether caller (the allocation's return address) is libarchive's code. */
static int from_libarchive(const void *caller)
{
    Dl_info a, b;
    return libarchive_text && dladdr(caller, &a) && dladdr(libarchive_text, &b) &&
           a.dli_fbase == b.dli_fbase;
}

static int alloc_fails_at(const void *caller)
{
    unsigned long n;
    if (!atomic_load(&armed))
        return 0;
    n = atomic_fetch_add(&n_alloc, 1) + 1;
    if (fail_alloc && n == fail_alloc && !no_fail && !(in_open1 && from_libarchive(caller))) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

#define alloc_fails() alloc_fails_at(__builtin_return_address(0))

/* ---- allocation ------------------------------------------------------- */

void *malloc(size_t n)
{
    if (atomic_load(&ready))
        resolve();
    if (!real.malloc)
        return arena_alloc(n);
    return alloc_fails() ? NULL : real.malloc(n);
}

void *calloc(size_t k, size_t n)
{
    if (atomic_load(&ready))
        resolve();
    if (!real.malloc)
        return n && k > SIZE_MAX / n ? NULL : arena_alloc(k * n); /* static: zeroed */
    return alloc_fails() ? NULL : real.calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    if (atomic_load(&ready))
        resolve();
    if (!real.malloc || in_arena(p)) {
        void *q = real.malloc ? real.malloc(n) : arena_alloc(n);
        if (q && p) {
            size_t left = (size_t)(arena + sizeof arena - (unsigned char *)p);
            memcpy(q, p, n < left ? n : left);
        }
        return q;
    }
    return alloc_fails() ? NULL : real.realloc(p, n);
}

void free(void *p)
{
    if (!p || in_arena(p))
        return;
    if (real.free)
        real.free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (!atomic_load(&ready) || !real.malloc)
        return (*out = arena_aligned(align, n)) ? 0 : ENOMEM;
    resolve();
    if (alloc_fails())
        return ENOMEM;
    return real.posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    if (!atomic_load(&ready) || !real.malloc)
        return arena_aligned(align, n);
    resolve();
    return alloc_fails() ? NULL : real.aligned_alloc(align, n);
}

/* ---- reads and writes ------------------------------------------------- */

/* 0 = undisturbed, 1 = EINTR, 2 = short */
static int read_fault(size_t n)
{
    unsigned long k;
    if (!read_every || !atomic_load(&armed) || n == 0)
        return 0;
    k = atomic_fetch_add(&n_read, 1) + 1;
    if (k % read_every)
        return 0;
    if ((k / read_every) % 2) {
        errno = EINTR;
        return 1;
    }
    return n > 1 ? 2 : 0;
}

ssize_t read(int fd, void *buf, size_t n)
{
    int f;
    resolve();
    f = read_fault(n);
    if (f == 1)
        return -1;
    return real.read(fd, buf, f == 2 ? n / 2 : n);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    int f;
    resolve();
    f = read_fault(n);
    if (f == 1)
        return -1;
    return real.pread(fd, buf, f == 2 ? n / 2 : n, off);
}

/* 0 = undisturbed, 1 = ENOSPC, 2 = short */
static int write_fault(size_t n)
{
    unsigned long k;
    if (!atomic_load(&armed) || (!write_from && !write_short_every))
        return 0;
    k = atomic_fetch_add(&n_write, 1) + 1;
    if (write_from && k >= write_from) {
        errno = ENOSPC;
        return 1;
    }
    return write_short_every && k % write_short_every == 0 && n > 1 ? 2 : 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    int f;
    resolve();
    f = write_fault(n);
    if (f == 1)
        return -1;
    return real.write(fd, buf, f == 2 ? n / 2 : n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    int f;
    resolve();
    f = write_fault(n);
    if (f == 1)
        return -1;
    return real.pwrite(fd, buf, f == 2 ? n / 2 : n, off);
}

int fsync(int fd)
{
    resolve();
    if (fail_fsync && atomic_load(&armed)) {
        errno = ENOSPC;
        return -1;
    }
    return real.fsync(fd);
}

int fdatasync(int fd)
{
    resolve();
    if (fail_fsync && atomic_load(&armed)) {
        errno = ENOSPC;
        return -1;
    }
    return real.fdatasync(fd);
}

/* Counts a rename; the one LS_FAULT_KILL_RENAME names never returns. */
static void count_rename(void)
{
    if (kill_rename && atomic_load(&armed) && atomic_fetch_add(&n_rename, 1) + 1 == kill_rename)
        raise(SIGKILL);
}

int rename(const char *from, const char *to)
{
    resolve();
    count_rename();
    if (fail_rename && atomic_load(&armed)) {
        errno = EACCES;
        return -1;
    }
    return real.rename(from, to);
}

int renameat(int dfrom, const char *from, int dto, const char *to)
{
    resolve();
    count_rename();
    if (fail_rename && atomic_load(&armed)) {
        errno = EACCES;
        return -1;
    }
    return real.renameat(dfrom, from, dto, to);
}

int fstatfs(int fd, struct statfs *fs)
{
    int rc;
    resolve();
    rc = real.fstatfs(fd, fs);
    if (rc == 0 && say_nfs && atomic_load(&armed))
        fs->f_type = 0x6969; /* NFS_SUPER_MAGIC */
    return rc;
}

/* ---- jansson's parser (see the top of the file) ---------------------- */

typedef struct json_t json_t;
typedef struct json_error_t json_error_t;

json_t *json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error)
{
    static json_t *(*next)(const char *, size_t, size_t, json_error_t *);
    json_t *j;
    if (!next)
        next = (json_t * (*)(const char *, size_t, size_t, json_error_t *)) dlsym(RTLD_NEXT, "json_loadb");
    no_fail++;
    j = next(buf, len, flags, error);
    no_fail--;
    return j;
}

json_t *json_loads(const char *input, size_t flags, json_error_t *error)
{
    static json_t *(*next)(const char *, size_t, json_error_t *);
    json_t *j;
    if (!next)
        next = (json_t * (*)(const char *, size_t, json_error_t *)) dlsym(RTLD_NEXT, "json_loads");
    no_fail++;
    j = next(input, flags, error);
    no_fail--;
    return j;
}

json_t *json_loadf(FILE *input, size_t flags, json_error_t *error)
{
    static json_t *(*next)(FILE *, size_t, json_error_t *);
    json_t *j;
    if (!next)
        next = (json_t * (*)(FILE *, size_t, json_error_t *)) dlsym(RTLD_NEXT, "json_loadf");
    no_fail++;
    j = next(input, flags, error);
    no_fail--;
    return j;
}

json_t *json_load_file(const char *path, size_t flags, json_error_t *error)
{
    static json_t *(*next)(const char *, size_t, json_error_t *);
    json_t *j;
    if (!next)
        next = (json_t * (*)(const char *, size_t, json_error_t *)) dlsym(RTLD_NEXT, "json_load_file");
    no_fail++;
    j = next(path, flags, error);
    no_fail--;
    return j;
}

/* ---- libarchive's archive_read_new (see the top of the file) ---------- */

struct archive;

struct archive *archive_read_new(void)
{
    static struct archive *(*next)(void);
    struct archive *a;
    if (!next)
        next = (struct archive * (*)(void)) dlsym(RTLD_NEXT, "archive_read_new");
    no_fail++;
    a = next();
    no_fail--;
    return a;
}

/* ---- libarchive's archive_entry name conversions (see the top) ---------- */

struct archive_entry;

#define NO_FAIL_GETTER(T, name)                                                     \
    T name(struct archive_entry *e)                                                 \
    {                                                                               \
        static T (*next)(struct archive_entry *);                                   \
        T r;                                                                        \
        if (!next)                                                                  \
            next = (T(*)(struct archive_entry *))dlsym(RTLD_NEXT, #name);           \
        no_fail++;                                                                  \
        r = next(e);                                                                \
        no_fail--;                                                                  \
        return r;                                                                   \
    }
#define NO_FAIL_UPDATER(name)                                                       \
    int name(struct archive_entry *e, const char *v)                                \
    {                                                                               \
        static int (*next)(struct archive_entry *, const char *);                   \
        int r;                                                                      \
        if (!next)                                                                  \
            next = (int (*)(struct archive_entry *, const char *))dlsym(RTLD_NEXT, #name); \
        no_fail++;                                                                  \
        r = next(e, v);                                                             \
        no_fail--;                                                                  \
        return r;                                                                   \
    }

NO_FAIL_GETTER(const char *, archive_entry_pathname)
NO_FAIL_GETTER(const char *, archive_entry_pathname_utf8)
NO_FAIL_GETTER(const wchar_t *, archive_entry_pathname_w)
NO_FAIL_GETTER(const char *, archive_entry_hardlink)
NO_FAIL_GETTER(const char *, archive_entry_hardlink_utf8)
NO_FAIL_GETTER(const wchar_t *, archive_entry_hardlink_w)
NO_FAIL_GETTER(const char *, archive_entry_symlink)
NO_FAIL_GETTER(const char *, archive_entry_symlink_utf8)
NO_FAIL_GETTER(const wchar_t *, archive_entry_symlink_w)
NO_FAIL_GETTER(const char *, archive_entry_uname)
NO_FAIL_GETTER(const char *, archive_entry_uname_utf8)
NO_FAIL_GETTER(const wchar_t *, archive_entry_uname_w)
NO_FAIL_GETTER(const char *, archive_entry_gname)
NO_FAIL_GETTER(const char *, archive_entry_gname_utf8)
NO_FAIL_GETTER(const wchar_t *, archive_entry_gname_w)
NO_FAIL_GETTER(const char *, archive_entry_sourcepath)
NO_FAIL_UPDATER(archive_entry_update_pathname_utf8)
NO_FAIL_UPDATER(archive_entry_update_hardlink_utf8)
NO_FAIL_UPDATER(archive_entry_update_symlink_utf8)
NO_FAIL_UPDATER(archive_entry_update_link_utf8)
NO_FAIL_UPDATER(archive_entry_update_uname_utf8)
NO_FAIL_UPDATER(archive_entry_update_gname_utf8)

__attribute__((constructor)) static void shim_init(void)
{
    atomic_store(&ready, 1);
    resolve();
}

int archive_read_open1(struct archive *a)
{
    static int (*next)(struct archive *);
    int r;
    if (!next) {
        next = (int (*)(struct archive *))dlsym(RTLD_NEXT, "archive_read_open1");
        libarchive_text = (const void *)next;
    }
    in_open1++;
    r = next(a);
    in_open1--;
    return r;
}

/* ---- main ------------------------------------------------------------- */

static int wrapped_main(int argc, char **argv, char **envp)
{
    int rc;
    fail_alloc = env_ulong("LS_FAULT_ALLOC");
    count_file = getenv("LS_FAULT_ALLOC_COUNT");
    read_every = env_ulong("LS_FAULT_READ");
    write_from = env_ulong("LS_FAULT_WRITE");
    write_short_every = env_ulong("LS_FAULT_WRITE_SHORT");
    fail_fsync = env_ulong("LS_FAULT_FSYNC") != 0;
    fail_rename = env_ulong("LS_FAULT_RENAME") != 0;
    kill_rename = env_ulong("LS_FAULT_KILL_RENAME");
    say_nfs = env_ulong("LS_FAULT_NFS") != 0;
    {
        void *(*fetch)(void *, const char *, const char *) =
            (void *(*)(void *, const char *, const char *))dlsym(RTLD_DEFAULT, "EVP_MD_fetch");
        void (*md_free)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "EVP_MD_free");
        if (fetch && md_free)
            md_free(fetch(NULL, "SHA256", NULL));
    }
    atomic_store(&armed, 1);
    rc = real_main(argc, argv, envp);
    atomic_store(&armed, 0);
    if (count_file) {
        FILE *f = fopen(count_file, "w");
        if (f) {
            fprintf(f, "%lu\n", atomic_load(&n_alloc));
            fclose(f);
        }
    }
    return rc;
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
    int (*next)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *) =
        (int (*)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *))
            dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = main;
    return next(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}
