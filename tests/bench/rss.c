/*
 * rss - run a command, record its wall time and peak resident set size.
 *
 *   rss OUTFILE -- CMD [ARGS...]
 *
 * Forks and execs CMD (searched in PATH), waits for it with wait4() and
 * appends one line to OUTFILE (or writes it to stdout when OUTFILE is `-`):
 *
 *   wall_seconds max_rss_kib exit_status
 *
 * wall_seconds comes from CLOCK_MONOTONIC around fork..wait4; max_rss_kib is
 * ru_maxrss of the child (Linux reports KiB; it covers the child and any
 * descendants it waited for); exit_status is the exit code, 128+N when
 * killed by signal N, and 127 when CMD could not be executed.  CMD keeps
 * rss's stdin, stdout and stderr.  rss exits with CMD's exit_status, or 125
 * on its own errors (bad usage, fork failure, OUTFILE not writable).
 * C11 + POSIX libc only.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RSS_FAIL 125

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: rss OUTFILE -- CMD [ARGS...]\n"
                        "  appends `wall_seconds max_rss_kib exit_status` to OUTFILE"
                        " (`-` = stdout)\n");
        return RSS_FAIL;
    }
    const char *outfile = argv[1];
    char **cmd = argv + 3;

    /* Open OUTFILE first: fail before running anything expensive. */
    FILE *out = stdout;
    if (strcmp(outfile, "-") != 0) {
        out = fopen(outfile, "a");
        if (!out) {
            fprintf(stderr, "rss: cannot open %s: %s\n", outfile, strerror(errno));
            return RSS_FAIL;
        }
    }
    fflush(NULL); /* nothing buffered may be written twice by the child */

    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rss: fork: %s\n", strerror(errno));
        return RSS_FAIL;
    }
    if (pid == 0) {
        execvp(cmd[0], cmd);
        fprintf(stderr, "rss: cannot run %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }

    /* The timed command gets the terminal's signals; rss just outlives it. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);

    int status;
    struct rusage ru;
    pid_t got;
    do
        got = wait4(pid, &status, 0, &ru);
    while (got < 0 && errno == EINTR);
    double wall = now() - t0;
    if (got < 0) {
        fprintf(stderr, "rss: wait4: %s\n", strerror(errno));
        return RSS_FAIL;
    }

    int code;
    if (WIFEXITED(status))
        code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        code = 128 + WTERMSIG(status);
    else
        code = RSS_FAIL;

    fprintf(out, "%.6f %ld %d\n", wall, (long)ru.ru_maxrss, code);
    if (fflush(out) != 0 || ferror(out) || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "rss: cannot write %s: %s\n", outfile, strerror(errno));
        return RSS_FAIL;
    }
    return code;
}
