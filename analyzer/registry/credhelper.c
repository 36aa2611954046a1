/*
 * credhelper.c - runs a Docker credential helper (see credhelper.h).
 *
 * Shaped by what can go wrong with a child process inside a threaded
 * library: the pipes are made close-on-exec at once (pipe2) so a helper
 * spawned by another thread cannot inherit them and hold our EOF back;
 * SIGPIPE is blocked in this thread while we write, so a helper that exits
 * without reading costs an EPIPE, not the process; every wait is a poll
 * against one deadline, after which the helper is killed and reaped; and
 * the answer is wiped from memory once parsed. The child gets the
 * environment the program hands us (helpers need HOME,
 * DBUS_SESSION_BUS_ADDRESS and the like): the library never refers to
 * `environ` itself.
 */
#define _GNU_SOURCE /* pipe2 */

#include "registry/credhelper.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A helper name is a plain file-name part ("desktop", "ecr-login"): it
 * comes from a file, and must not walk out of PATH's directories. */
static bool name_ok(const char *name)
{
    if (!*name || strlen(name) > 100)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* The first executable regular file PATHDIR/prog along path_env. */
static bool find_on_path(const char *path_env, const char *prog, char *out, size_t cap)
{
    const char *p = path_env;
    while (p && *p) {
        size_t n = strcspn(p, ":");
        struct stat st;
        if (n > 0 && (int)n < (int)cap &&
            snprintf(out, cap, "%.*s/%s", (int)n, p, prog) < (int)cap &&
            stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

typedef struct {
    pid_t pid;
    int in, out; /* our ends: the helper's stdin and stdout */
} child;

static int spawn(child *ch, const char *exe, char *const *envp)
{
    static char *const empty[] = {NULL};
    int in[2] = {-1, -1}, out[2] = {-1, -1}, rc;
    char *argv[] = {(char *)exe, "get", NULL};
    posix_spawn_file_actions_t fa;
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]), close(in[1]);
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0); /* dup2 clears close-on-exec */
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawn(&ch->pid, exe, &fa, NULL, argv, envp ? envp : empty);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        close(in[1]), close(out[0]);
        return -1;
    }
    ch->in = in[1];
    ch->out = out[0];
    fcntl(ch->in, F_SETFL, O_NONBLOCK);
    return 0;
}

/* Writes the server name and closes stdin. A helper that exits first is
 * no error here: its exit status tells. */
static void write_server(child *ch, const char *server)
{
    sigset_t pipe_set, old;
    struct timespec zero = {0, 0};
    size_t n = strlen(server);
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    /* a few hundred bytes fit the pipe's buffer: one non-blocking write */
    if (write(ch->in, server, n) < 0 && errno == EPIPE) {
        sigset_t pending;
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE))
            sigtimedwait(&pipe_set, NULL, &zero); /* ours: consumed before unblocking */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(ch->in);
    ch->in = -1;
}

/* Reads stdout to EOF before deadline, at most max bytes. 0; -1 timed
 * out; -2 too large; -3 out of memory or a read error. */
static int read_answer(child *ch, uint64_t deadline, size_t max, char **buf, size_t *len)
{
    size_t cap = 4096;
    *len = 0;
    if (!(*buf = malloc(cap + 1)))
        return -3;
    for (;;) {
        struct pollfd pfd = {.fd = ch->out, .events = POLLIN};
        uint64_t now = now_ms();
        ssize_t got;
        int r;
        if (now >= deadline)
            return -1;
        r = poll(&pfd, 1, (int)(deadline - now));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -3;
        if (r == 0)
            return -1;
        if (*len == cap) {
            char *nb;
            if (cap >= max + 1)
                return -2;
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            if (!(nb = malloc(cap + 1)))
                return -3;
            memcpy(nb, *buf, *len);
            explicit_bzero(*buf, *len);
            free(*buf);
            *buf = nb;
        }
        got = read(ch->out, *buf + *len, cap - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -3;
        if (got == 0)
            break;
        *len += (size_t)got;
        if (*len > max)
            return -2;
    }
    (*buf)[*len] = '\0';
    return 0;
}

/* Waits for the helper's exit until deadline, then kills it; always
 * reaps. The wait status, or -1 when it had to be killed. */
static int reap(pid_t pid, uint64_t deadline)
{
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_ms() >= deadline)
            break;
        usleep(5000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

/* {"Username": "...", "Secret": "..."}: 1 with copies, 0 when malformed,
 * -1 out of memory. */
static int parse_answer(const char *text, size_t len, char **user, char **secret)
{
    json_t *root = json_loadb(text, len, 0, NULL), *u, *s;
    int rc = 0;
    if (!json_is_object(root))
        goto out;
    u = json_object_get(root, "Username");
    s = json_object_get(root, "Secret");
    if (!json_is_string(u) || !json_is_string(s) || json_string_length(s) == 0 ||
        strlen(json_string_value(s)) != json_string_length(s) ||
        strlen(json_string_value(u)) != json_string_length(u))
        goto out;
    *user = strdup(json_string_value(u));
    *secret = strdup(json_string_value(s));
    rc = *user && *secret ? 1 : -1;
    if (rc < 0) {
        free(*user), free(*secret);
        *user = *secret = NULL;
    }
out:
    /* jansson keeps its own copies of the strings; wipe what it can reach */
    if (json_is_object(root) && json_is_string(s = json_object_get(root, "Secret")))
        explicit_bzero((char *)json_string_value(s), json_string_length(s));
    json_decref(root);
    return rc;
}

int ls_credhelper_get(const char *name, const char *server, const char *registry,
                      const char *path_env, char *const *envp, uint64_t timeout_ms, char **user,
                      char **secret, ls_error *err)
{
    char prog[160], exe[4096], *buf = NULL;
    child ch = {.pid = -1, .in = -1, .out = -1};
    uint64_t deadline;
    size_t len = 0;
    int rc = -1, r, status;
    *user = *secret = NULL;
    snprintf(prog, sizeof prog, "docker-credential-%s", name);
    if (!name_ok(name) || !find_on_path(path_env, prog, exe, sizeof exe))
        return ls_error_set(err, LS_ERR_IO, "credential helper %s for %s: not found on PATH", prog,
                            registry);
    if (!timeout_ms)
        timeout_ms = LS_CREDHELPER_TIMEOUT_MS;
    deadline = now_ms() + timeout_ms;
    if (spawn(&ch, exe, envp) < 0)
        return ls_error_set(err, LS_ERR_IO, "credential helper %s for %s: cannot start: %s", prog,
                            registry, strerror(errno));
    write_server(&ch, server);
    r = read_answer(&ch, deadline, LS_CREDHELPER_MAX_OUTPUT, &buf, &len);
    close(ch.out);
    /* a helper that answered gets a moment to exit; one that did not, none */
    status = reap(ch.pid, r == 0 ? deadline : 0);
    if (r == -1 || (r == 0 && status == -1))
        ls_error_set(err, LS_ERR_IO, "credential helper %s for %s: no answer within %llus", prog,
                     registry, (unsigned long long)((timeout_ms + 999) / 1000));
    else if (r == -2)
        ls_error_set(err, LS_ERR_IO, "credential helper %s for %s: its answer is larger than %u bytes",
                     prog, registry, LS_CREDHELPER_MAX_OUTPUT);
    else if (r < 0)
        ls_error_set(err, LS_ERR_NOMEM, "credential helper %s for %s: out of memory", prog, registry);
    else if (WIFSIGNALED(status))
        ls_error_set(err, LS_ERR_IO, "credential helper %s for %s: killed by signal %d", prog,
                     registry, WTERMSIG(status));
    else if (WEXITSTATUS(status) != 0 && strstr(buf, "credentials not found"))
        rc = 0; /* the protocol's "no credentials for this server" */
    else if (WEXITSTATUS(status) != 0)
        ls_error_set(err, LS_ERR_IO, "credential helper %s for %s: exited with status %d", prog,
                     registry, WEXITSTATUS(status));
    else if ((rc = parse_answer(buf, len, user, secret)) == 0)
        rc = ls_error_set(err, LS_ERR_IO,
                          "credential helper %s for %s: its answer is not JSON with Username and Secret",
                          prog, registry);
    else if (rc < 0)
        ls_error_set(err, LS_ERR_NOMEM, "credential helper %s for %s: out of memory", prog, registry);
    if (buf) {
        explicit_bzero(buf, len);
        free(buf);
    }
    return rc;
}
