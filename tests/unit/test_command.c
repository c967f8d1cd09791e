#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "command.h"

static char *const clean_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

static void run_ok(const char *const argv[], double timeout_s, size_t cap,
                   struct sos_cmd_output *out)
{
    assert_int_equal(sos_command_run(argv, clean_env, timeout_s, cap, NULL, NULL, out), 0);
    assert_non_null(out->out);
    assert_non_null(out->err);
    assert_int_equal(out->out[out->out_len], '\0');
    assert_int_equal(out->err[out->err_len], '\0');
}

/* Killed means gone, or a zombie waiting for a reaper that is not ours (in
 * a container, pid 1 may never reap it). Waits a little: death is async. */
static int process_is_dead(pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        char path[64], stat[512];
        FILE *f;
        const char *state;
        if (kill(pid, 0) < 0 && errno == ESRCH)
            return 1;
        snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
        f = fopen(path, "r");
        if (f) {
            size_t n = fread(stat, 1, sizeof stat - 1, f);
            fclose(f);
            stat[n] = '\0';
            state = strrchr(stat, ')');
            if (state && state[1] == ' ' && (state[2] == 'Z' || state[2] == 'X'))
                return 1;
        }
        usleep(5000);
    }
    return 0;
}

static void test_stdout_captured(void **state)
{
    const char *argv[] = { "echo", "hello", "world", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 5, 4096, &out);
    assert_string_equal(out.out, "hello world\n");
    assert_int_equal(out.out_len, 12);
    assert_int_equal(out.err_len, 0);
    assert_int_equal(out.exit_status, 0);
    assert_false(out.timed_out || out.not_started || out.truncated || out.term_signal);
    assert_true(out.duration > 0 && out.duration < 5);
    sos_cmd_output_free(&out);
    assert_null(out.out);
}

static void test_stderr_separate(void **state)
{
    const char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 5, 4096, &out);
    assert_string_equal(out.out, "out\n");
    assert_string_equal(out.err, "err\n");
    sos_cmd_output_free(&out);
}

static void test_exit_status(void **state)
{
    const char *argv[] = { "sh", "-c", "exit 3", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 5, 4096, &out);
    assert_int_equal(out.exit_status, 3);
    assert_int_equal(out.term_signal, 0);
    assert_false(out.not_started);
    sos_cmd_output_free(&out);
}

static void test_not_found(void **state)
{
    const char *missing[] = { "sos-no-such-command-here", NULL };
    const char *with_slash[] = { "/nonexistent/dir/prog", NULL };
    const char *empty[] = { "", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(missing, 5, 4096, &out);
    assert_true(out.not_started);
    assert_int_equal(out.start_errno, ENOENT);
    assert_int_equal(out.exit_status, -1);
    assert_int_equal(out.out_len, 0);
    sos_cmd_output_free(&out);
    run_ok(with_slash, 5, 4096, &out);
    assert_true(out.not_started);
    assert_int_equal(out.start_errno, ENOENT);
    sos_cmd_output_free(&out);
    run_ok(empty, 5, 4096, &out);
    assert_true(out.not_started);
    assert_int_equal(out.start_errno, ENOENT);
    sos_cmd_output_free(&out);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A program that exists but is not executable is EACCES, not ENOENT, even
 * when a later PATH entry does not have it at all. */
static void test_not_executable(void **state)
{
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX], prog[PATH_MAX + 16], path_var[PATH_MAX + 32];
    const char *argv[] = { "prog", NULL };
    char *env[] = { path_var, NULL };
    struct sos_cmd_output out;
    FILE *f;
    (void)state;
    snprintf(dir, sizeof dir, "%s/sos-command-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(prog, sizeof prog, "%s/prog", dir);
    f = fopen(prog, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\necho ran\n", f);
    fclose(f);
    assert_int_equal(chmod(prog, 0644), 0);
    snprintf(path_var, sizeof path_var, "PATH=%s:/nonexistent", dir);
    assert_int_equal(sos_command_run(argv, env, 5, 4096, NULL, NULL, &out), 0);
    assert_true(out.not_started);
    assert_int_equal(out.start_errno, EACCES);
    assert_int_equal(out.out_len, 0);
    sos_cmd_output_free(&out);

    assert_int_equal(chmod(prog, 0755), 0);
    assert_int_equal(sos_command_run(argv, env, 5, 4096, NULL, NULL, &out), 0);
    assert_false(out.not_started);
    assert_string_equal(out.out, "ran\n");
    sos_cmd_output_free(&out);
    assert_int_equal(nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void remember_pgid(pid_t pgid, void *data)
{
    pid_t *seen = data;
    seen[0] = pgid;
    seen[1] = getpgid(pgid);
}

static void test_timeout_kills(void **state)
{
    const char *argv[] = { "sleep", "30", NULL };
    struct sos_cmd_output out;
    pid_t seen[2] = { 0, 0 };
    (void)state;
    assert_int_equal(sos_command_run(argv, clean_env, 0.3, 4096, remember_pgid, seen, &out), 0);
    assert_true(out.timed_out);
    assert_true(out.duration >= 0.29 && out.duration < 5.0);
    assert_int_equal(out.exit_status, -1);
    assert_int_equal(out.term_signal, SIGKILL);
    assert_true(seen[0] > 0);
    assert_true(process_is_dead(seen[0]));
    sos_cmd_output_free(&out);
}

/* A command that closed its output but keeps running is still bounded. */
static void test_timeout_without_output_pipes(void **state)
{
    const char *argv[] = { "sh", "-c", "exec >/dev/null 2>&1; sleep 30", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 0.3, 4096, &out);
    assert_true(out.timed_out);
    assert_true(out.duration < 5.0); /* not the 30 s sleep (loose: CI machines are loaded) */
    sos_cmd_output_free(&out);
}

/* ...and when it exits on its own later, that exit is what is reported. */
static void test_waits_for_exit_after_pipes_close(void **state)
{
    const char *argv[] = { "sh", "-c", "echo early; exec >&- 2>&-; sleep 0.3; exit 4", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 5, 4096, &out);
    assert_false(out.timed_out);
    assert_int_equal(out.exit_status, 4);
    assert_string_equal(out.out, "early\n");
    assert_true(out.duration >= 0.29);
    sos_cmd_output_free(&out);
}

static void test_background_grandchild_killed(void **state)
{
    const char *argv[] = { "sh", "-c", "sleep 30 & echo $!", NULL };
    struct sos_cmd_output out;
    long grandchild;
    (void)state;
    run_ok(argv, 10, 4096, &out);
    assert_false(out.timed_out);
    assert_int_equal(out.exit_status, 0);
    assert_true(out.duration < 5.0); /* the background sleep 30 is not waited for */
    grandchild = strtol(out.out, NULL, 10);
    assert_true(grandchild > 1);
    assert_true(process_is_dead((pid_t)grandchild));
    sos_cmd_output_free(&out);
}

static void test_output_cap(void **state)
{
    const char *argv[] = { "head", "-c", "3000000", "/dev/zero", NULL };
    const size_t cap = 1024 * 1024;
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 10, cap, &out);
    assert_int_equal(out.out_len, cap);
    assert_true(out.truncated);
    assert_false(out.timed_out);
    assert_int_equal(out.exit_status, 0); /* drained to the end: no SIGPIPE */
    assert_int_equal(out.out[0], '\0');
    assert_true(out.duration < 3.0);
    sos_cmd_output_free(&out);
}

static void test_output_exactly_cap_not_truncated(void **state)
{
    const char *argv[] = { "printf", "abc", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 5, 3, &out);
    assert_string_equal(out.out, "abc");
    assert_false(out.truncated);
    sos_cmd_output_free(&out);
    run_ok(argv, 5, 2, &out);
    assert_string_equal(out.out, "ab");
    assert_true(out.truncated);
    sos_cmd_output_free(&out);
}

static void test_endless_output_with_deadline(void **state)
{
    const char *argv[] = { "yes", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 0.3, 1000, &out);
    assert_true(out.timed_out);
    assert_true(out.truncated);
    assert_int_equal(out.out_len, 1000);
    assert_memory_equal(out.out, "y\ny\n", 4);
    assert_true(out.duration < 5.0); /* the output never ends: the deadline stops it */
    sos_cmd_output_free(&out);
}

static void test_environment_is_only_envp(void **state)
{
    const char *argv[] = { "env", NULL };
    struct sos_cmd_output out;
    (void)state;
    assert_int_equal(setenv("SOS_TEST_SHOULD_NOT_LEAK", "1", 1), 0);
    run_ok(argv, 5, 65536, &out);
    assert_non_null(strstr(out.out, "LC_ALL=C\n"));
    assert_non_null(strstr(out.out, "PATH=/usr/bin:/bin\n"));
    assert_null(strstr(out.out, "SOS_TEST_SHOULD_NOT_LEAK"));
    sos_cmd_output_free(&out);

    /* No environment at all: env is still found on the default PATH. */
    assert_int_equal(sos_command_run(argv, NULL, 5, 65536, NULL, NULL, &out), 0);
    assert_false(out.not_started);
    assert_int_equal(out.out_len, 0);
    sos_cmd_output_free(&out);
    unsetenv("SOS_TEST_SHOULD_NOT_LEAK");
}

static void test_stdin_is_dev_null(void **state)
{
    const char *argv[] = { "cat", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 5, 4096, &out);
    assert_false(out.timed_out);
    assert_int_equal(out.exit_status, 0);
    assert_int_equal(out.out_len, 0);
    assert_true(out.duration < 4.0); /* EOF of /dev/null, not the 5 s timeout */
    sos_cmd_output_free(&out);
}

static void test_killed_by_signal(void **state)
{
    const char *argv[] = { "sh", "-c", "kill -SEGV $$", NULL };
    struct sos_cmd_output out;
    (void)state;
    run_ok(argv, 5, 4096, &out);
    assert_int_equal(out.term_signal, SIGSEGV);
    assert_int_equal(out.exit_status, -1);
    assert_false(out.timed_out);
    sos_cmd_output_free(&out);
}

/* An ignored or blocked signal in this process must not make the command
 * immune to it. */
static void test_signal_state_reset(void **state)
{
    const char *int_argv[] = { "sh", "-c", "kill -INT $$; exit 0", NULL };
    const char *term_argv[] = { "sh", "-c", "kill -TERM $$; exit 0", NULL };
    struct sigaction ignore, old_int;
    sigset_t term, old_mask;
    struct sos_cmd_output out;
    (void)state;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ignore, &old_int);
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old_mask);

    run_ok(int_argv, 5, 4096, &out);
    assert_int_equal(out.term_signal, SIGINT);
    sos_cmd_output_free(&out);
    run_ok(term_argv, 5, 4096, &out);
    assert_int_equal(out.term_signal, SIGTERM);
    sos_cmd_output_free(&out);

    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGINT, &old_int, NULL);
}

static void test_other_fds_not_inherited(void **state)
{
    const char *argv[] = { "sh", "-c", "if [ -e /proc/self/fd/42 ]; then echo leaked; else echo clean; fi",
                           NULL };
    struct sos_cmd_output out;
    int fd;
    (void)state;
    if (access("/proc/self/fd", F_OK) < 0)
        skip();
    fd = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, 42), 42);
    run_ok(argv, 5, 4096, &out);
    close(42);
    close(fd);
    assert_string_equal(out.out, "clean\n");
    sos_cmd_output_free(&out);
}

static int count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    if (!d)
        d = opendir("/dev/fd");
    assert_non_null(d);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_no_fd_leak(void **state)
{
    const char *ok_argv[] = { "true", NULL };
    const char *missing_argv[] = { "sos-no-such-command-here", NULL };
    struct sos_cmd_output out;
    int before;
    (void)state;
    before = count_open_fds();
    for (int i = 0; i < 100; i++) {
        run_ok(i % 10 == 9 ? missing_argv : ok_argv, 5, 4096, &out);
        sos_cmd_output_free(&out);
    }
    assert_int_equal(count_open_fds(), before);
}

static void test_hook_receives_pgid(void **state)
{
    const char *argv[] = { "cat", "/proc/self/stat", NULL };
    struct sos_cmd_output out;
    pid_t seen[2] = { 0, 0 };
    long pid = 0, pgrp = 0;
    const char *after_name;
    (void)state;
    if (access("/proc/self/stat", R_OK) < 0)
        skip();
    assert_int_equal(sos_command_run(argv, clean_env, 5, 4096, remember_pgid, seen, &out), 0);
    assert_true(seen[0] > 0);
    assert_int_equal(seen[1], seen[0]); /* the group existed when the hook ran */
    assert_int_not_equal(seen[0], getpgrp());
    pid = strtol(out.out, NULL, 10);
    after_name = strrchr(out.out, ')');
    assert_non_null(after_name);
    assert_int_equal(sscanf(after_name, ") %*c %*d %ld", &pgrp), 1);
    assert_int_equal(pid, seen[0]);
    assert_int_equal(pgrp, seen[0]);
    sos_cmd_output_free(&out);
}

static void test_bad_argv(void **state)
{
    const char *argv[] = { NULL };
    struct sos_cmd_output out;
    (void)state;
    assert_int_equal(sos_command_run(argv, clean_env, 5, 4096, NULL, NULL, &out), 0);
    assert_true(out.not_started);
    assert_int_equal(out.start_errno, EINVAL);
    sos_cmd_output_free(&out);
}

static void test_clocks(void **state)
{
    double a = sos_now_monotonic(), b = sos_now_monotonic();
    (void)state;
    assert_true(b >= a);
    assert_true(sos_now_wall() > 1.5e9); /* after 2017 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdout_captured),
        cmocka_unit_test(test_stderr_separate),
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_not_executable),
        cmocka_unit_test(test_timeout_kills),
        cmocka_unit_test(test_timeout_without_output_pipes),
        cmocka_unit_test(test_waits_for_exit_after_pipes_close),
        cmocka_unit_test(test_background_grandchild_killed),
        cmocka_unit_test(test_output_cap),
        cmocka_unit_test(test_output_exactly_cap_not_truncated),
        cmocka_unit_test(test_endless_output_with_deadline),
        cmocka_unit_test(test_environment_is_only_envp),
        cmocka_unit_test(test_stdin_is_dev_null),
        cmocka_unit_test(test_killed_by_signal),
        cmocka_unit_test(test_signal_state_reset),
        cmocka_unit_test(test_other_fds_not_inherited),
        cmocka_unit_test(test_no_fd_leak),
        cmocka_unit_test(test_hook_receives_pgid),
        cmocka_unit_test(test_bad_argv),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
