#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "journal.h"

#define JOURNAL_MAX (64 * 1024)

static const char *const STATE_NAMES[] = {"intent", "done", "failed", "undone"};

const char *sos_step_state_name(enum sos_step_state s)
{
    return STATE_NAMES[s];
}

static int name_valid(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len > 0 && len <= 64 && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')) &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

static int open_dir(const char *state_dir, sos_error *err)
{
    int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        sos_fail(err, "%s: cannot open the state directory: %s", state_dir, strerror(errno));
    return fd;
}

int sos_journal_lock(const char *state_dir, int *fd, sos_error *err)
{
    int dirfd = open_dir(state_dir, err), lock;
    if (dirfd < 0)
        return -1;
    lock = openat(dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    close(dirfd);
    if (lock < 0)
        return sos_fail(err, "%s/lock: cannot open: %s", state_dir, strerror(errno));
    if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(lock);
        return e == EWOULDBLOCK
                   ? sos_fail(err, "%s/lock is held: another sourceos-agent is changing this "
                                   "agent; wait for it to finish",
                              state_dir)
                   : sos_fail(err, "%s/lock: %s", state_dir, strerror(e));
    }
    *fd = lock;
    return 0;
}

void sos_journal_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* the flock goes with the last descriptor */
}

static void facts_free(struct sos_journal_step *s)
{
    for (size_t i = 0; i < s->n_facts; i++) {
        free(s->facts[i].key);
        free(s->facts[i].value);
    }
    free(s->facts);
    s->facts = NULL;
    s->n_facts = 0;
}

void sos_journal_free(struct sos_journal *j)
{
    for (size_t i = 0; i < j->n_steps; i++) {
        free(j->steps[i].step);
        facts_free(&j->steps[i]);
    }
    free(j->steps);
    free(j->transaction);
    memset(j, 0, sizeof *j);
}

static int parse_state(const char *s, enum sos_step_state *out)
{
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, STATE_NAMES[i]) == 0) {
            *out = (enum sos_step_state)i;
            return 0;
        }
    return -1;
}

/* A fact's key as the core lets an action publish it: dotted lower case. */
static int fact_key_valid(const char *key)
{
    size_t len = key ? strlen(key) : 0;
    const char *dot = key ? strchr(key, '.') : NULL;
    return len > 0 && len <= 128 && dot && dot != key && dot[1] &&
           strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/* Copies of the N FACTS as S's (within the bounds); -1 when they are not
 * or memory runs out, S as it was. */
static int facts_set(struct sos_journal_step *s, const struct sos_kv *facts, size_t n)
{
    struct sos_journal_step copy = {0};
    if (n > SOS_JOURNAL_MAX_FACTS)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!fact_key_valid(facts[i].key) || !facts[i].value ||
            strlen(facts[i].value) > SOS_JOURNAL_MAX_FACT_BYTES)
            return -1;
    if (n && !(copy.facts = calloc(n, sizeof *copy.facts)))
        return -1;
    for (; copy.n_facts < n; copy.n_facts++) {
        struct sos_kv *d = &copy.facts[copy.n_facts];
        if (!(d->key = strdup(facts[copy.n_facts].key)) ||
            !(d->value = strdup(facts[copy.n_facts].value))) {
            copy.n_facts++; /* its half is freed with the others */
            facts_free(&copy);
            return -1;
        }
    }
    facts_free(s);
    s->facts = copy.facts;
    s->n_facts = copy.n_facts;
    return 0;
}

static int parse_facts(json_t *obj, struct sos_journal_step *s)
{
    struct sos_kv kv[SOS_JOURNAL_MAX_FACTS];
    const char *key;
    json_t *v;
    size_t n = 0;
    if (!obj)
        return 0;
    if (!json_is_object(obj) || json_object_size(obj) > SOS_JOURNAL_MAX_FACTS)
        return -1;
    json_object_foreach(obj, key, v) {
        if (!json_is_string(v))
            return -1;
        kv[n].key = (char *)key;
        kv[n++].value = (char *)json_string_value(v);
    }
    return facts_set(s, kv, n);
}

static int parse_generation(json_t *v, unsigned *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
        return -1;
    *out = (unsigned)json_integer_value(v);
    return 0;
}

static int from_json(json_t *doc, struct sos_journal *j)
{
    json_t *steps = json_object_get(doc, "steps"), *item;
    const char *t = json_string_value(json_object_get(doc, "transaction"));
    size_t i;
    json_t *schema = json_object_get(doc, "schema");
    if (!json_is_object(doc) || !json_is_integer(schema) || json_integer_value(schema) != 1 ||
        !name_valid(t) || !json_is_array(steps) ||
        parse_generation(json_object_get(doc, "generation"), &j->generation) != 0 ||
        parse_generation(json_object_get(doc, "previous"), &j->previous) != 0 ||
        !(j->transaction = strdup(t)))
        return -1;
    j->steps = calloc(json_array_size(steps) + 1, sizeof *j->steps);
    if (!j->steps)
        return -1;
    json_array_foreach(steps, i, item) {
        const char *name = json_string_value(json_object_get(item, "step"));
        struct sos_journal_step *s = &j->steps[j->n_steps];
        if (!name_valid(name) ||
            parse_state(json_string_value(json_object_get(item, "state")), &s->state) != 0 ||
            !(s->step = strdup(name)))
            return -1;
        j->n_steps++;
        if (parse_facts(json_object_get(item, "facts"), s) != 0)
            return -1;
    }
    return 0;
}

int sos_journal_read(const char *state_dir, struct sos_journal *j, sos_error *err)
{
    int dirfd, fd;
    char buf[JOURNAL_MAX + 1];
    ssize_t n;
    json_t *doc;
    struct stat st;
    int rc;
    memset(j, 0, sizeof *j);
    if ((dirfd = open_dir(state_dir, err)) < 0)
        return -1;
    fd = openat(dirfd, "journal", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    close(dirfd);
    if (fd < 0 && errno == ENOENT)
        return 1;
    if (fd < 0)
        return sos_fail(err, "%s/journal: cannot read: %s%s", state_dir, strerror(errno),
                        errno == ELOOP ? " (a symlink: refused)" : "");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > JOURNAL_MAX) {
        close(fd);
        return sos_fail(err, "%s/journal: not a regular file of at most 64 KiB", state_dir);
    }
    n = read(fd, buf, JOURNAL_MAX);
    close(fd);
    if (n < 0)
        return sos_fail(err, "%s/journal: %s", state_dir, strerror(errno));
    buf[n] = '\0';
    doc = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    rc = doc && from_json(doc, j) == 0 ? 0 : -1;
    json_decref(doc);
    if (rc != 0) {
        sos_journal_free(j);
        return sos_fail(err, "%s/journal is not a journal of this release (schema 1): "
                             "repair cannot trust it; move it aside and run "
                             "'sourceos-agent repair NAME'",
                        state_dir);
    }
    return 0;
}

static int write_journal(const char *state_dir, const struct sos_journal *j, sos_error *err)
{
    json_t *steps, *doc;
    char *text;
    int dirfd, rc;
    if (!state_dir)
        return 0; /* a dry run: kept in memory only */
    steps = json_array();
    for (size_t i = 0; steps && i < j->n_steps; i++) {
        json_t *item = json_pack("{s:s, s:s}", "step", j->steps[i].step, "state",
                                 STATE_NAMES[j->steps[i].state]);
        json_t *facts = j->steps[i].n_facts ? json_object() : NULL;
        for (size_t f = 0; facts && f < j->steps[i].n_facts; f++)
            if (json_object_set_new(facts, j->steps[i].facts[f].key,
                                    json_string(j->steps[i].facts[f].value)) != 0) {
                json_decref(facts);
                facts = NULL;
            }
        if (item && j->steps[i].n_facts && (!facts || json_object_set_new(item, "facts", facts) != 0)) {
            json_decref(item);
            item = NULL;
        }
        if (json_array_append_new(steps, item) != 0) {
            json_decref(steps);
            steps = NULL;
        }
    }
    doc = steps ? json_pack("{s:i, s:s, s:I, s:I, s:o}", "schema", 1, "transaction",
                            j->transaction, "generation", (json_int_t)j->generation,
                            "previous", (json_int_t)j->previous, "steps", steps)
                : NULL;
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return sos_fail(err, "the journal: out of memory");
    if ((dirfd = open_dir(state_dir, err)) < 0) {
        free(text);
        return -1;
    }
    rc = sos_atomic_write(dirfd, "journal", text, strlen(text), 0600, 0, err);
    close(dirfd);
    free(text);
    return rc;
}

int sos_journal_begin(const char *state_dir, struct sos_journal *j, const char *transaction,
                      unsigned generation, unsigned previous, sos_error *err)
{
    memset(j, 0, sizeof *j);
    if (!name_valid(transaction))
        return sos_fail(err, "'%s' is not a transaction name", transaction);
    if (!(j->transaction = strdup(transaction)))
        return sos_fail(err, "out of memory");
    j->generation = generation;
    j->previous = previous;
    return write_journal(state_dir, j, err);
}

int sos_journal_intent(const char *state_dir, struct sos_journal *j, const char *step,
                       sos_error *err)
{
    struct sos_journal_step *grown;
    if (!name_valid(step))
        return sos_fail(err, "'%s' is not a step name", step);
    grown = realloc(j->steps, (j->n_steps + 1) * sizeof *grown);
    if (!grown)
        return sos_fail(err, "out of memory");
    j->steps = grown;
    memset(&grown[j->n_steps], 0, sizeof *grown);
    if (!(grown[j->n_steps].step = strdup(step)))
        return sos_fail(err, "out of memory");
    grown[j->n_steps++].state = SOS_STEP_INTENT;
    return write_journal(state_dir, j, err);
}

int sos_journal_outcome(const char *state_dir, struct sos_journal *j, size_t i,
                        enum sos_step_state state, sos_error *err)
{
    if (i >= j->n_steps)
        return sos_fail(err, "the journal has no step %zu", i);
    j->steps[i].state = state;
    return write_journal(state_dir, j, err);
}

int sos_journal_done(const char *state_dir, struct sos_journal *j, size_t i,
                     const struct sos_kv *facts, size_t n, sos_error *err)
{
    if (i >= j->n_steps)
        return sos_fail(err, "the journal has no step %zu", i);
    if (facts_set(&j->steps[i], facts, n) != 0)
        return sos_fail(err, "%s published facts the journal cannot keep (at most %d, "
                             "dotted lower-case keys, values of at most %d bytes)",
                        j->steps[i].step, SOS_JOURNAL_MAX_FACTS, SOS_JOURNAL_MAX_FACT_BYTES);
    j->steps[i].state = SOS_STEP_DONE;
    return write_journal(state_dir, j, err);
}

int sos_journal_finish(const char *state_dir, sos_error *err)
{
    int dirfd = open_dir(state_dir, err), rc = 0;
    if (dirfd < 0)
        return -1;
    if (unlinkat(dirfd, "journal", 0) != 0 && errno != ENOENT)
        rc = sos_fail(err, "%s/journal: cannot remove: %s", state_dir, strerror(errno));
    else if (fsync(dirfd) != 0 && errno != EINVAL)
        rc = sos_fail(err, "%s: fsync: %s", state_dir, strerror(errno));
    close(dirfd);
    return rc;
}

const struct sos_journal_step *sos_journal_in_flight(const struct sos_journal *j)
{
    for (size_t i = j->n_steps; i-- > 0;)
        if (j->steps[i].state == SOS_STEP_INTENT)
            return &j->steps[i];
    return NULL;
}
