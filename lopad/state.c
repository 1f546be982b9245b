/*
 * lopa: the state file (state.h).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"
#include "task.h"
#include "task_json.h"

#define STATE_LINE_MAX	(64 * 1024)	/* one task */
#define STATE_HEADER	"# lopad state: the tasks and monitors created " \
			"through the API and the ids given.\n# Written " \
			"by lopad; edit only while it is stopped.\n"

/*
 * A saved line: the key first (a rewrite finds it without parsing the
 * line), then the parameters p (taken).  NULL on error.
 */
static char *
key_line(uint32_t key, json_t *p)
{
	json_t	*o;
	char	*s;
	int	 rc = 0;

	if (p == NULL)
		return NULL;
	if ((o = json_object()) == NULL) {
		json_decref(p);
		return NULL;
	}
	rc |= json_object_set_new(o, "key", json_integer(key));
	rc |= json_object_update(o, p);
	json_decref(p);
	s = rc == 0 ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(o);
	return s;
}

char *
state_task_line(const struct state_task *st)
{
	json_t	*p;

	if ((p = task_params_json(&st->p)) == NULL)
		return NULL;
	if (st->p.webhook_secret[0] != '\0' &&
	    json_object_set_new(p, "webhook_secret", json_stringn(
	    st->p.webhook_secret, strnlen(st->p.webhook_secret,
	    sizeof(st->p.webhook_secret)))) == -1) {
		json_decref(p);
		return NULL;
	}
	return key_line(st->key, p);
}

int
state_task_parse(const char *line, struct state_task *st, char *why,
    size_t len)
{
	struct task_json_err	 e;
	json_error_t		 jerr;
	json_t			*o, *k, *t;
	uint32_t		 type;
	json_int_t		 key;

	memset(st, 0, sizeof(*st));
	if ((o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(why, len, "not a JSON object: %s", jerr.text);
		return -1;
	}
	k = json_object_get(o, "key");
	t = json_object_get(o, "type");
	if (!json_is_object(o) || !json_is_integer(k) || !json_is_string(t)) {
		snprintf(why, len, "a task without an integer key and a type");
		json_decref(o);
		return -1;
	}
	key = json_integer_value(k);
	if (key < 1 || key > UINT32_MAX - 1) {
		snprintf(why, len, "key %lld out of range", (long long)key);
		json_decref(o);
		return -1;
	}
	type = task_type_from_name(json_string_value(t));
	if (task_type_name(type) == NULL) {
		snprintf(why, len, "unknown type \"%.40s\"",
		    json_string_value(t));
		json_decref(o);
		return -1;
	}
	json_object_del(o, "key");
	if (task_params_from_json(o, type, &st->p, &e) == -1) {
		snprintf(why, len, "task %lld: %s", (long long)key, e.detail);
		json_decref(o);
		return -1;
	}
	json_decref(o);
	st->key = (uint32_t)key;
	return 0;
}

char *
state_monitor_line(const struct state_monitor *sm)
{
	return key_line(sm->key, monitor_params_json(&sm->p, 1));
}

int
state_monitor_parse(const char *line, struct state_monitor *sm, char *why,
    size_t len)
{
	struct task_json_err	 e;
	json_error_t		 jerr;
	json_t			*o, *k;
	json_int_t		 key;

	memset(sm, 0, sizeof(*sm));
	if ((o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(why, len, "not a JSON object: %s", jerr.text);
		return -1;
	}
	k = json_object_get(o, "key");
	if (!json_is_object(o) || !json_is_integer(k) ||
	    (key = json_integer_value(k)) < 1 || key > UINT32_MAX) {
		snprintf(why, len, "a monitor without an integer key");
		json_decref(o);
		return -1;
	}
	json_object_del(o, "key");
	if (monitor_params_from_json(o, 0, &sm->p, &e) == -1) {
		snprintf(why, len, "monitor %lld: %s", (long long)key,
		    e.detail);
		json_decref(o);
		return -1;
	}
	json_decref(o);
	sm->key = (uint32_t)key;
	return 0;
}

/* The key of a saved line ("- " stripped); 0 if it has none. */
static uint32_t
line_key(const char *line)
{
	json_t		*o, *k;
	json_int_t	 v;
	uint32_t	 key = 0;
	const char	*p;
	unsigned long	 n;
	char		*end;

	/* Ours start {"key":N, */
	if (strncmp(line, "{\"key\":", 7) == 0) {
		p = line + 7;
		errno = 0;
		n = strtoul(p, &end, 10);
		if (errno == 0 && end != p && (*end == ',' || *end == '}') &&
		    n >= 1 && n <= UINT32_MAX)
			return (uint32_t)n;
	}
	if ((o = json_loads(line, 0, NULL)) == NULL)
		return 0;
	k = json_object_get(o, "key");
	if (json_is_integer(k) && (v = json_integer_value(k)) >= 1 &&
	    v <= UINT32_MAX)
		key = (uint32_t)v;
	json_decref(o);
	return key;
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	void	*nv;
	size_t	 ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if ((nv = reallocarray(*v, ncap, size)) == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

void
state_file_free(struct state_file *sf)
{
	if (sf->tasks != NULL)
		explicit_bzero(sf->tasks, sf->ntasks * sizeof(*sf->tasks));
	free(sf->tasks);
	if (sf->mons != NULL)
		explicit_bzero(sf->mons, sf->nmons * sizeof(*sf->mons));
	free(sf->mons);
	sf->tasks = NULL;
	sf->mons = NULL;
	sf->ntasks = sf->nmons = 0;
}

int
state_read(const char *path, struct state_file *sf, char *why, size_t len)
{
	FILE		*fp;
	char		*line = NULL, *p, w[256];
	size_t		 cap = 0, tcap = 0, mcap = 0, lineno = 0;
	ssize_t		 got;
	unsigned long long id;
	int		 have_next = 0, sec = -1, rc = -1;

	memset(sf, 0, sizeof(*sf));
	sf->next = 1;
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 1;
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((size_t)got > STATE_LINE_MAX) {
			snprintf(why, len, "%s:%zu: line too long", path,
			    lineno);
			goto done;
		}
		if (got > 0 && line[got - 1] == '\n')
			line[--got] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "next_id: ", 9) == 0 && sec == -1) {
			errno = 0;
			id = strtoull(line + 9, &p, 10);
			if (errno != 0 || *p != '\0' || id < 1 ||
			    id > UINT32_MAX) {
				snprintf(why, len, "%s:%zu: bad next_id", path,
				    lineno);
				goto done;
			}
			sf->next = (uint32_t)id;
			have_next = 1;
		} else if (strcmp(line, "version: 1") == 0 && sec == -1)
			continue;
		else if ((strcmp(line, "tasks:") == 0 ||
		    strcmp(line, "tasks: []") == 0) && sec < STATE_TASKS)
			sec = STATE_TASKS;
		else if ((strcmp(line, "monitors:") == 0 ||
		    strcmp(line, "monitors: []") == 0) && sec < STATE_MONITORS)
			sec = STATE_MONITORS;
		else if (sec == STATE_TASKS && strncmp(line, "- ", 2) == 0) {
			if (grow((void **)&sf->tasks, &tcap, sf->ntasks,
			    sizeof(*sf->tasks)) == -1) {
				snprintf(why, len, "%s: %s", path,
				    strerror(errno));
				goto done;
			}
			if (state_task_parse(line + 2, &sf->tasks[sf->ntasks],
			    w, sizeof(w)) == -1) {
				snprintf(why, len, "%s:%zu: %s", path, lineno,
				    w);
				goto done;
			}
			sf->ntasks++;
		} else if (sec == STATE_MONITORS &&
		    strncmp(line, "- ", 2) == 0) {
			if (grow((void **)&sf->mons, &mcap, sf->nmons,
			    sizeof(*sf->mons)) == -1) {
				snprintf(why, len, "%s: %s", path,
				    strerror(errno));
				goto done;
			}
			if (state_monitor_parse(line + 2,
			    &sf->mons[sf->nmons], w, sizeof(w)) == -1) {
				snprintf(why, len, "%s:%zu: %s", path, lineno,
				    w);
				goto done;
			}
			sf->nmons++;
		} else {
			snprintf(why, len, "%s:%zu: not lopad's state format",
			    path, lineno);
			goto done;
		}
	}
	if (ferror(fp)) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (!have_next) {
		snprintf(why, len, "%s: no next_id", path);
		goto done;
	}
	rc = 0;
done:
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(fp);
	if (rc != 0) {
		state_file_free(sf);
		sf->next = 1;
	}
	return rc;
}

static int
change_cmp(const void *a, const void *b)
{
	const struct state_change	*x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* The same key: the order given (stable by address). */
	return x < y ? -1 : x > y;
}

/* The last change of key in the sorted changes, NULL if none. */
static const struct state_change *
change_find(const struct state_change *ch, size_t n, uint32_t key)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ch[mid].key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && ch[lo - 1].key == key ? &ch[lo - 1] : NULL;
}

static const char *const section_name[STATE_NSECTIONS] = {
	"tasks", "monitors"
};

/* A rewrite's output: which sections have their header, which ended. */
struct out {
	FILE	*fp;
	int	 open[STATE_NSECTIONS];
	int	 ended[STATE_NSECTIONS];
	const struct state_change *ch;
	size_t	 n;
};

/* A section's item; its header first if it is the first. */
static void
put_item(struct out *o, int sec, const char *line)
{
	if (!o->open[sec])
		fprintf(o->fp, "%s:\n", section_name[sec]);
	o->open[sec] = 1;
	fprintf(o->fp, "- %s\n", line);
}

/* End the sections before upto: their changed lines ("name: []" if none). */
static void
end_sections(struct out *o, int upto)
{
	size_t	 i;
	int	 sec;

	for (sec = 0; sec < upto; sec++) {
		if (o->ended[sec])
			continue;
		for (i = 0; i < o->n; i++)
			if (o->ch[i].section == sec && o->ch[i].line != NULL &&
			    (i + 1 == o->n || o->ch[i + 1].key != o->ch[i].key))
				put_item(o, sec, o->ch[i].line);
		if (!o->open[sec])
			fprintf(o->fp, "%s: []\n", section_name[sec]);
		o->open[sec] = o->ended[sec] = 1;
	}
}

/* Copy src's items but the changed ones; 0, or -1 (errno). */
static int
copy_kept(struct out *o, int src)
{
	FILE	*in;
	char	*line = NULL;
	size_t	 cap = 0, len;
	ssize_t	 got;
	int	 fd, sec = -1, s, rc = 0;
	uint32_t key;

	if (src == -1)
		return 0;
	if ((fd = dup(src)) == -1)
		return -1;
	if (lseek(fd, 0, SEEK_SET) == -1 || (in = fdopen(fd, "r")) == NULL) {
		close(fd);
		return -1;
	}
	while ((got = getline(&line, &cap, in)) != -1) {
		if (got > 0 && line[got - 1] == '\n')
			line[--got] = '\0';
		for (s = 0; s < STATE_NSECTIONS; s++) {
			len = strlen(section_name[s]);
			if (strncmp(line, section_name[s], len) == 0 &&
			    line[len] == ':')
				break;
		}
		if (s < STATE_NSECTIONS) {
			/* Sections come in order: the earlier ones end. */
			end_sections(o, s);
			sec = s;
			continue;
		}
		if (sec < 0 || o->ended[sec] || strncmp(line, "- ", 2) != 0)
			continue;
		if ((key = line_key(line + 2)) == 0 ||
		    change_find(o->ch, o->n, key) != NULL)
			continue;
		put_item(o, sec, line + 2);
	}
	if (ferror(in))
		rc = -1;
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(in);
	return rc;
}

int
state_rewrite(const char *path, int src, uint32_t next,
    struct state_change *ch, size_t n, int *newfd)
{
	char	 tmp[PATH_MAX], dir[PATH_MAX];
	FILE	*fp;
	struct out o;
	int	 fd, dfd, rfd, saved;

	*newfd = -1;
	if (n > 0)
		qsort(ch, n, sizeof(*ch), change_cmp);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if ((rfd = dup(fd)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		if (rfd != -1)
			close(rfd);
		close(fd);
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	fputs(STATE_HEADER, fp);
	fprintf(fp, "version: 1\nnext_id: %u\n", next);
	memset(&o, 0, sizeof(o));
	o.fp = fp;
	o.ch = ch;
	o.n = n;
	if (copy_kept(&o, src) == -1)
		goto fail;
	end_sections(&o, STATE_NSECTIONS);
	if (fflush(fp) == EOF || ferror(fp) || fsync(fileno(fp)) == -1)
		goto fail;
	if (fclose(fp) == EOF) {
		fp = NULL;
		goto fail;
	}
	fp = NULL;
	if (rename(tmp, path) == -1)
		goto fail;
	strlcpy(dir, path, sizeof(dir));
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	*newfd = rfd;
	return 0;
fail:
	saved = errno;
	if (fp != NULL)
		fclose(fp);
	close(rfd);
	(void)unlink(tmp);
	errno = saved;
	return -1;
}
