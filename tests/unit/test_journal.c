/* The agent's transaction journal and lock: what a killed activate leaves
 * behind reads back as the step in flight; the facts a step recorded
 * (the prior record) read back with it, within their bounds; a journal
 * that is not ours, or a symlink, is refused; one change at a time. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sos-journal.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *name, const char *text)
{
    char path[128];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_steps_read_back(void **state)
{
    struct sos_journal j, back;
    sos_error err;
    struct stat st;
    char path[128];
    (void)state;
    assert_int_equal(sos_journal_read(dir, &back, &err), 1); /* none yet */
    assert_int_equal(sos_journal_begin(dir, &j, "activate", 3, 2, &err), 0);
    assert_int_equal(sos_journal_intent(dir, &j, "install", &err), 0);
    assert_int_equal(sos_journal_outcome(dir, &j, 0, SOS_STEP_DONE, &err), 0);
    assert_int_equal(sos_journal_intent(dir, &j, "enable", &err), 0);
    /* killed here: the next run reads the step in flight */
    assert_int_equal(sos_journal_read(dir, &back, &err), 0);
    assert_string_equal(back.transaction, "activate");
    assert_int_equal(back.generation, 3);
    assert_int_equal(back.previous, 2);
    assert_int_equal(back.n_steps, 2);
    assert_string_equal(back.steps[0].step, "install");
    assert_int_equal(back.steps[0].state, SOS_STEP_DONE);
    assert_string_equal(sos_journal_in_flight(&back)->step, "enable");
    snprintf(path, sizeof path, "%s/journal", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    sos_journal_free(&back);
    assert_int_equal(sos_journal_outcome(dir, &j, 1, SOS_STEP_FAILED, &err), 0);
    assert_int_equal(sos_journal_outcome(dir, &j, 0, SOS_STEP_UNDONE, &err), 0);
    assert_int_equal(sos_journal_read(dir, &back, &err), 0);
    assert_null(sos_journal_in_flight(&back));
    assert_int_equal(back.steps[0].state, SOS_STEP_UNDONE);
    sos_journal_free(&back);
    assert_int_equal(sos_journal_outcome(dir, &j, 5, SOS_STEP_DONE, &err), -1);
    assert_int_equal(sos_journal_intent(dir, &j, "../x", &err), -1);
    assert_int_equal(sos_journal_finish(dir, &err), 0);
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(sos_journal_read(dir, &back, &err), 1);
    sos_journal_free(&j);
}

static void test_not_ours_refused(void **state)
{
    static const char *const bad[] = {
        "not json",
        "{\"schema\": 2, \"transaction\": \"activate\", \"generation\": 1, \"previous\": 0, \"steps\": []}",
        "{\"schema\": 1, \"transaction\": \"../x\", \"generation\": 1, \"previous\": 0, \"steps\": []}",
        "{\"schema\": 1, \"transaction\": \"activate\", \"generation\": -1, \"previous\": 0, \"steps\": []}",
        "{\"schema\": 1, \"transaction\": \"activate\", \"generation\": 1, \"previous\": 0, \"steps\": [{\"step\": \"x\", \"state\": \"maybe\"}]}",
        "{\"schema\": 1, \"schema\": 1, \"transaction\": \"a\", \"generation\": 1, \"previous\": 0, \"steps\": []}",
    };
    struct sos_journal j;
    sos_error err;
    char path[128];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put("journal", bad[i]);
        assert_int_equal(sos_journal_read(dir, &j, &err), -1);
        assert_non_null(strstr(err.msg, "/journal is not a journal of this release"));
    }
    snprintf(path, sizeof path, "%s/journal", dir);
    unlink(path);
    put("elsewhere", "{}");
    assert_int_equal(symlink("elsewhere", path), 0);
    assert_int_equal(sos_journal_read(dir, &j, &err), -1);
    assert_non_null(strstr(err.msg, "a symlink: refused"));
}

static void test_one_change_at_a_time(void **state)
{
    sos_error err;
    int fd, fd2, status;
    pid_t pid;
    (void)state;
    assert_int_equal(sos_journal_lock(dir, &fd, &err), 0);
    pid = fork();
    if (pid == 0) /* another process: refused while the lock is held */
        _exit(sos_journal_lock(dir, &fd2, &err) == -1 && strstr(err.msg, "another sourceos-agent") ? 0 : 1);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    sos_journal_unlock(fd);
    assert_int_equal(sos_journal_lock(dir, &fd2, &err), 0);
    sos_journal_unlock(fd2);
}

/* A step done with facts keeps them in the same write, and they read back
 * (also after the step is undone); a journal without facts (the release
 * before) reads as before; facts past the bounds are refused and nothing
 * is changed; a dry run's journal (no directory) is written nowhere. */
static void test_facts_read_back(void **state)
{
    struct sos_journal j, back;
    struct sos_kv facts[] = {{"prior.enabled", "true"}, {"prior.active", "false"}};
    struct sos_kv bad[] = {{"Prior", "x"}};
    struct sos_kv many[SOS_JOURNAL_MAX_FACTS + 1];
    char keys[SOS_JOURNAL_MAX_FACTS + 1][16], path[128];
    sos_error err;
    struct stat st;
    (void)state;
    assert_int_equal(sos_journal_begin(dir, &j, "activate", 2, 1, &err), 0);
    assert_int_equal(sos_journal_intent(dir, &j, "prior", &err), 0);
    assert_int_equal(sos_journal_done(dir, &j, 0, facts, 2, &err), 0);
    assert_int_equal(sos_journal_intent(dir, &j, "install-unit", &err), 0);
    assert_int_equal(sos_journal_read(dir, &back, &err), 0);
    assert_int_equal(back.steps[0].state, SOS_STEP_DONE);
    assert_int_equal(back.steps[0].n_facts, 2);
    assert_string_equal(back.steps[0].facts[0].key, "prior.enabled");
    assert_string_equal(back.steps[0].facts[0].value, "true");
    assert_string_equal(back.steps[0].facts[1].value, "false");
    assert_int_equal(back.steps[1].n_facts, 0);
    sos_journal_free(&back);
    assert_int_equal(sos_journal_outcome(dir, &j, 0, SOS_STEP_UNDONE, &err), 0);
    assert_int_equal(sos_journal_read(dir, &back, &err), 0);
    assert_int_equal(back.steps[0].n_facts, 2);
    sos_journal_free(&back);
    /* past the bounds: refused, the step and the file as they were */
    assert_int_equal(sos_journal_done(dir, &j, 0, bad, 1, &err), -1);
    assert_int_equal(j.steps[0].n_facts, 2);
    assert_int_equal(sos_journal_done(dir, &j, 1, bad, 1, &err), -1);
    assert_non_null(strstr(err.msg, "install-unit published facts the journal cannot keep"));
    for (int i = 0; i <= SOS_JOURNAL_MAX_FACTS; i++) {
        snprintf(keys[i], sizeof keys[i], "prior.k%d", i);
        many[i] = (struct sos_kv){keys[i], "v"};
    }
    assert_int_equal(sos_journal_done(dir, &j, 1, many, SOS_JOURNAL_MAX_FACTS + 1, &err), -1);
    assert_int_equal(j.steps[1].state, SOS_STEP_INTENT);
    assert_int_equal(sos_journal_read(dir, &back, &err), 0);
    assert_int_equal(back.steps[1].state, SOS_STEP_INTENT);
    sos_journal_free(&back);
    sos_journal_free(&j);
    /* the release before: no facts */
    put("journal", "{\"schema\":1,\"transaction\":\"activate\",\"generation\":2,\"previous\":1,"
                   "\"steps\":[{\"step\":\"install-unit\",\"state\":\"intent\"}]}");
    assert_int_equal(sos_journal_read(dir, &back, &err), 0);
    assert_int_equal(back.steps[0].n_facts, 0);
    sos_journal_free(&back);
    /* facts that are not strings: not ours */
    put("journal", "{\"schema\":1,\"transaction\":\"activate\",\"generation\":2,\"previous\":1,"
                   "\"steps\":[{\"step\":\"prior\",\"state\":\"done\",\"facts\":{\"prior.x\":1}}]}");
    assert_int_equal(sos_journal_read(dir, &back, &err), -1);
    /* a dry run: in memory only */
    assert_int_equal(sos_journal_finish(dir, &err), 0);
    assert_int_equal(sos_journal_begin(NULL, &j, "activate", 2, 1, &err), 0);
    assert_int_equal(sos_journal_intent(NULL, &j, "prior", &err), 0);
    assert_int_equal(sos_journal_done(NULL, &j, 0, facts, 2, &err), 0);
    assert_int_equal(j.steps[0].n_facts, 2);
    sos_journal_free(&j);
    snprintf(path, sizeof path, "%s/journal", dir);
    assert_int_equal(stat(path, &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_steps_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facts_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_ours_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_change_at_a_time, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
