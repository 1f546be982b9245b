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
#define STATE_HEADER	"# lopad state: the tasks created through the API " \
			"and the ids given.\n# Written by lopad; edit only " \
			"while it is stopped.\n"

char *
state_task_line(const struct state_task *st)
{
	json_t	*o;
	char	*s;
	int	 rc = 0;

	if ((o = task_params_json(&st->p)) == NULL)
		return NULL;
	rc |= json_object_set_new(o, "key", json_integer(st->key));
	if (st->p.webhook_secret[0] != '\0')
		rc |= json_object_set_new(o, "webhook_secret", json_stringn(
		    st->p.webhook_secret, strnlen(st->p.webhook_secret,
		    sizeof(st->p.webhook_secret))));
	s = rc == 0 ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(o);
	return s;
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

int
state_read(const char *path, uint32_t *next, struct state_task **tasks,
    size_t *ntasks, char *why, size_t len)
{
	FILE			*fp;
	struct state_task	*v = NULL, *nv;
	char			*line = NULL, *p;
	size_t			 cap = 0, n = 0, vcap = 0, lineno = 0;
	ssize_t			 got;
	unsigned long long	 id;
	int			 have_next = 0, in_tasks = 0, rc = -1;
	char			 w[256];

	*next = 1;
	*tasks = NULL;
	*ntasks = 0;
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
		if (strncmp(line, "next_id: ", 9) == 0 && !in_tasks) {
			errno = 0;
			id = strtoull(line + 9, &p, 10);
			if (errno != 0 || *p != '\0' || id < 1 ||
			    id > UINT32_MAX) {
				snprintf(why, len, "%s:%zu: bad next_id", path,
				    lineno);
				goto done;
			}
			*next = (uint32_t)id;
			have_next = 1;
		} else if (strcmp(line, "version: 1") == 0 && !in_tasks)
			continue;
		else if (strcmp(line, "tasks:") == 0 && !in_tasks)
			in_tasks = 1;
		else if (strcmp(line, "tasks: []") == 0 && !in_tasks)
			in_tasks = 2;
		else if (in_tasks == 1 && strncmp(line, "- ", 2) == 0) {
			if (n == vcap) {
				vcap = vcap ? vcap * 2 : 16;
				if ((nv = reallocarray(v, vcap,
				    sizeof(*v))) == NULL) {
					snprintf(why, len, "%s: %s", path,
					    strerror(errno));
					goto done;
				}
				v = nv;
			}
			if (state_task_parse(line + 2, &v[n], w,
			    sizeof(w)) == -1) {
				snprintf(why, len, "%s:%zu: %s", path, lineno,
				    w);
				goto done;
			}
			n++;
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
	free(line);
	fclose(fp);
	if (rc == 0) {
		*tasks = v;
		*ntasks = n;
	} else {
		if (v != NULL)
			explicit_bzero(v, vcap * sizeof(*v));
		free(v);
	}
	return rc;
}

int
state_write(const char *path, uint32_t next, char *const *lines, size_t n)
{
	char	 tmp[PATH_MAX], dir[PATH_MAX];
	FILE	*fp;
	size_t	 i;
	int	 fd, dfd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	fputs(STATE_HEADER, fp);
	fprintf(fp, "version: 1\nnext_id: %u\n", next);
	if (n == 0)
		fputs("tasks: []\n", fp);
	else
		fputs("tasks:\n", fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "- %s\n", lines[i]);
	if (fflush(fp) == EOF || ferror(fp) || fsync(fileno(fp)) == -1) {
		saved = errno;
		fclose(fp);
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	if (fclose(fp) == EOF) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	strlcpy(dir, path, sizeof(dir));
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}
