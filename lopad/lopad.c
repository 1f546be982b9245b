/*
 * lopad: the parent process.  It reads the configuration, opens every
 * privileged socket, starts the five children (fork + exec of itself with
 * -P role), passes them what they need, writes their log lines, answers
 * their requests for privileged sockets, coordinates reloads and ends the
 * daemon when any child dies.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "config.h"
#include "imsg.h"
#include "imsgev.h"
#include "log.h"
#include "lopad.h"
#include "privfd.h"
#include "proc.h"
#include "state.h"

#define RECONF_TIMEOUT_SEC	5
#define CHILD_REAP_MS		500

struct child {
	enum lopa_proc	 role;
	pid_t		 pid;
	struct imsgev	 iev;
	enum proc_state	 state;
	int		 acked;		/* reconf ack received */
};

struct http_listener {
	char		 addr[LOPA_ADDRLEN];
	int		 fd;
	int		 loopback;
};

struct reconf {
	int			 active;
	uint32_t		 reqid;		/* 0: SIGHUP */
	struct lopad_conf	*conf;
	struct http_listener	 http[LOPA_MAXLISTEN];
	uint32_t		 nhttp;
	struct api_token	 tokens[TOKEN_MAX];
	size_t			 ntokens;
	int			 acks;
	int			 failed;
	char			 errors[4096];
	struct conf_tasks	 ctasks;	/* declared in the new file */
	struct conf_monitors	 cmons;
};

static struct child		 children[PROC_MAX];
static struct lopad_conf	*conf;
static struct event_base	*base;
static struct http_listener	 http[LOPA_MAXLISTEN];
static uint32_t			 nhttp;
static struct api_token		 tokens[TOKEN_MAX];
static size_t			 ntokens;
static struct proc_init		 pinit;
static struct reconf		 reconf;
static struct event		*reconf_timer;
static const char		*conffile = LOPAD_CONF;
static int			 conffile_explicit;
static int			 conffile_used;
static int			 debug, verbose;
static int			 sock_rw = -1, sock_ro = -1;
static char			 sock_rw_path[LOPA_SUNPATHLEN];
static char			 sock_ro_path[LOPA_SUNPATHLEN];
static int			 nready;
static int			 quitting;
static time_t			 started_wall;
static struct timespec		 started_mono;
static uint64_t			 nreloads;
static time_t			 last_reload;
static int			 last_reload_ok = 1;
static time_t			 last_reload_success;	/* 0: the start */

/*
 * exports.results_log: the parent appends control's JSON lines to it.
 * Opened at start and when a reload names another file; SIGUSR1 opens
 * it again (after logrotate has moved it).  An open or a write that
 * fails is logged, and its lines counted as lost (status exports).
 */
static int		 rlog_fd = -1;
static char		 rlog_path[PATH_MAX];
static uint64_t		 rlog_lost, rlog_written;	/* lines */

static void
rlog_open(const char *path)
{
	if (rlog_fd != -1)
		close(rlog_fd);
	rlog_fd = -1;
	strlcpy(rlog_path, path, sizeof(rlog_path));
	if (path[0] == '\0')
		return;
	if ((rlog_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640)) == -1)
		log_warn("exports.results_log %s", path);
	else
		log_debug("results log %s open", path);
}

static void
rlog_write(struct imsg *imsg)
{
	const char	*p = imsg->data;
	size_t		 left = imsg->datalen, i;
	uint64_t	 lines = 0;
	ssize_t		 n;

	if (left == 0 || p[left - 1] != '\n')
		fatalx("IMSG_RESULTS_LOG: not whole lines");
	for (i = 0; i < left; i++)
		lines += p[i] == '\n';
	if (rlog_fd == -1) {
		rlog_lost += lines;
		return;
	}
	/* O_APPEND: one write a batch of whole lines, retried if short. */
	while (left > 0) {
		if ((n = write(rlog_fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("exports.results_log %s", rlog_path);
			rlog_lost += lines;
			return;
		}
		p += n;
		left -= (size_t)n;
	}
	rlog_written += lines;
}


/* Fixed channels between children; everything else goes via the parent. */
static const struct {
	enum lopa_proc	 a, b;
} peer_links[] = {
	{ PROC_ENGINE, PROC_CONTROL },
	{ PROC_ENGINE, PROC_SENDER },
	{ PROC_ENGINE, PROC_REFLECTOR },
	{ PROC_ENGINE, PROC_NETLINK },
	{ PROC_CONTROL, PROC_REFLECTOR },
	{ PROC_CONTROL, PROC_SENDER },
	{ PROC_CONTROL, PROC_NETLINK },
};

/*
 * The state file (state.h): the file as last written (open: it is read
 * back at the next write, so the parent keeps no copy of the lines,
 * and a file removed behind lopad's back is written whole again), the
 * changes since, and the next id not yet handed out.  Changes are
 * written within STATE_DELAY_MS; ids are written before the engine may
 * use them.
 */
#define STATE_DELAY_MS	100
static struct {
	char			 path[PATH_MAX];
	uint32_t		 next;		/* no id >= next given */
	int			 fd;		/* as last written; -1 */
	struct state_change	*ch;		/* since */
	size_t			 nch, chcap;
	struct state_file	 restore;	/* read at start, to send */
	struct event		*ev;
	int			 failing;	/* writes fail: logged once */
} sf = { .fd = -1 };

/* The tasks declared in the configuration, as the engine has them. */
static struct conf_tasks	 ctasks;
static struct conf_monitors	 cmons;

__attribute__((__noreturn__)) static void	 usage(int);
__attribute__((__noreturn__)) static void	 lopad_shutdown(int);
static void	 dispatch_child(int, short, void *);
static void	 reconf_finish(void);

static void
usage(int code)
{
	FILE	*fp = code == 0 ? stdout : stderr;

	fprintf(fp, "usage: lopad [-dhnv] [-f file]\n"
	    "  -d       stay in the foreground, log to stderr\n"
	    "  -f file  configuration file (default %s)\n"
	    "  -h       this help\n"
	    "  -n       check the configuration and exit; with -v print it\n"
	    "  -v       verbose (debug) logging\n", LOPAD_CONF);
	exit(code);
}

/* Read the configuration: file (if any), environment, semantic checks. */
static int
conf_load(struct lopad_conf *c, struct api_token *tok, size_t *ntok,
    struct conf_errs *errs)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const char		*errstr;
	uint32_t		 i;
	int			 nonloop = 0;

	memset(errs, 0, sizeof(*errs));
	config_defaults(c);
	if (config_parse_file(conffile, conffile_explicit, c, errs) == -1)
		return -1;
	if (config_env(c, getenv, errs) == -1)
		return -1;
	*ntok = 0;
	if (c->http_tokens[0] != '\0' &&
	    config_read_tokens(c->http_tokens, tok, ntok, errs) == -1)
		return -1;
	for (i = 0; i < c->http_nlisten; i++) {
		if (addr_parse(c->http_listen[i], &ss, &sslen, &errstr) == -1)
			conf_err(errs, "http.listen: %s: %s",
			    c->http_listen[i], errstr);
		else if (!addr_is_loopback((struct sockaddr *)&ss))
			nonloop = 1;
	}
	if (nonloop && *ntok == 0)
		conf_err(errs, "http.listen: a listener is not on loopback: "
		    "http.tokens is required (the API would be open to the "
		    "network)");
	if (errs->n)
		return -1;
	/* What status reports: a file, or the built-in defaults. */
	conffile_used = access(conffile, F_OK) == 0;
	return 0;
}

static void
conf_print_errs(FILE *fp, const struct conf_errs *errs)
{
	size_t	 i;

	for (i = 0; i < errs->n && i < CONF_MAXERRS; i++)
		fprintf(fp, "%s\n", errs->msg[i]);
}

static void
ids_lookup(const struct lopad_conf *c, struct proc_init *pi)
{
	struct passwd	*pw;
	struct group	*gr;

	if ((pw = getpwnam(c->user)) == NULL)
		errx(1, "unknown user %s (create it: useradd --system %s)",
		    c->user, c->user);
	if (pw->pw_uid == 0)
		errx(1, "user %s is root: children must not run as root",
		    c->user);
	pi->uid = pw->pw_uid;
	pi->gid = pw->pw_gid;
	if (c->group[0] != '\0') {
		if ((gr = getgrnam(c->group)) == NULL)
			errx(1, "unknown group %s", c->group);
		pi->gid = gr->gr_gid;
	}
	strlcpy(pi->chroot, c->chroot, sizeof(pi->chroot));
}

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_max < LOPAD_NOFILE)
		rl.rlim_max = LOPAD_NOFILE;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		/* Not fatal: at least take the hard limit we have. */
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

static void
mkdir_parent(const char *path, mode_t mode)
{
	char	 buf[PATH_MAX], *dir;

	strlcpy(buf, path, sizeof(buf));
	dir = dirname(buf);
	if (mkdir(dir, mode) == -1 && errno != EEXIST)
		fatal("mkdir %s", dir);
}

/* The chroot must exist, belong to root and be writable by root only. */
static void
chroot_check(const char *dir)
{
	struct stat	 st;

	if (dir[0] == '\0')
		return;
	mkdir_parent(dir, 0755);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", dir);
	if (stat(dir, &st) == -1)
		fatal("%s", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("chroot %s must be a directory owned by root and "
		    "writable by root only", dir);
}

/* Open a control socket; refuse when another daemon answers on it. */
static int
control_socket_open(const char *path, mode_t mode, gid_t gid)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("%s: socket path too long", path);
	mkdir_parent(path, 0755);

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		fatalx("%s: exists and is not a socket; refusing to replace it",
		    path);
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		fatalx("%s: another lopad is running on this socket; "
		    "refusing to start", path);
	if (errno == ECONNREFUSED) {
		log_info("%s: removing stale socket", path);
		if (unlink(path) == -1)
			fatal("unlink %s", path);
	} else if (errno == ENOTSOCK)
		fatalx("%s: exists and is not a socket", path);
	else if (errno != ENOENT)
		fatal("%s", path);
	close(probe);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		fatal("socket");
	/* The mode comes from the umask at bind; fchmod does nothing. */
	old = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		fatal("bind %s", path);
	}
	umask(old);
	if (chown(path, 0, gid) == -1)
		fatal("chown %s", path);
	if (listen(fd, 128) == -1)
		fatal("listen %s", path);
	return fd;
}

static int
http_open(struct http_listener *hl, const char *addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const char		*errstr;
	char			 err[LOPA_ERRLEN];

	strlcpy(hl->addr, addr, sizeof(hl->addr));
	if (addr_parse(addr, &ss, &sslen, &errstr) == -1) {
		log_warnx("http.listen %s: %s", addr, errstr);
		return -1;
	}
	hl->loopback = addr_is_loopback((struct sockaddr *)&ss);
	if ((hl->fd = privfd_bind(SOCK_STREAM, addr, 1024, err,
	    sizeof(err))) == -1) {
		log_warnx("http.listen %s", err);
		return -1;
	}
	if (!hl->loopback)
		log_warnx("http listener %s is not on loopback: bearer "
		    "tokens travel in clear unless TLS is in front", addr);
	return 0;
}

static void
send_listener(enum lopa_proc to, uint32_t type, uint32_t kind, int loopback,
    const char *name, int fd)
{
	struct listener_info	 li;
	int			 dupfd;

	memset(&li, 0, sizeof(li));
	li.kind = kind;
	li.loopback = loopback;
	strlcpy(li.name, name, sizeof(li.name));
	/* The parent keeps its own copy (reloads reuse it). */
	if ((dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup listener");
	if (imsgev_compose(&children[to].iev, type, 0, 0, dupfd, &li,
	    sizeof(li)) == -1)
		fatal("%s: compose", __func__);
}

static void
sd_notify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	int			 fd;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || path[0] == '\0')
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return;
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract namespace */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_warn("sd_notify %s", state);
	close(fd);
}

/* Write the state file now; a failure is logged (once until it works). */
static void
state_flush(void)
{
	size_t	 i;
	int	 fd;

	if (sf.path[0] == '\0')
		return;
	if (sf.ev != NULL)
		evtimer_del(sf.ev);
	if (state_rewrite(sf.path, sf.fd, sf.next, sf.ch, sf.nch, &fd) == -1) {
		if (!sf.failing)
			log_warn("state file %s: cannot write it: tasks and "
			    "ids will not survive a restart", sf.path);
		sf.failing = 1;
		return;
	}
	if (sf.failing)
		log_info("state file %s: written again", sf.path);
	sf.failing = 0;
	if (sf.fd != -1)
		close(sf.fd);
	sf.fd = fd;
	for (i = 0; i < sf.nch; i++)
		if (sf.ch[i].line != NULL)
			freezero(sf.ch[i].line, strlen(sf.ch[i].line));
	sf.nch = 0;
	if (sf.chcap > 256) {
		free(sf.ch);
		sf.ch = NULL;
		sf.chcap = 0;
	}
}

static void
state_flush_ev(evutil_socket_t fd, short event, void *arg)
{
	state_flush();
}

/* A saved line changed (line taken; NULL: removed), written soon. */
static void
state_change(uint32_t key, int section, char *line)
{
	struct timeval	 tv = { 0, STATE_DELAY_MS * 1000 };

	if (sf.nch == sf.chcap) {
		sf.chcap = sf.chcap ? sf.chcap * 2 : 64;
		if ((sf.ch = reallocarray(sf.ch, sf.chcap,
		    sizeof(*sf.ch))) == NULL)
			fatal("state");
	}
	sf.ch[sf.nch].key = key;
	sf.ch[sf.nch].section = section;
	sf.ch[sf.nch++].line = line;
	if (sf.ev != NULL && !evtimer_pending(sf.ev, NULL))
		evtimer_add(sf.ev, &tv);
}

/*
 * At start: read the state file.  One that cannot be read is set aside
 * (renamed with the time), never deleted, and ids start from the clock's
 * seconds, above any given before in all likelihood.
 */
static void
state_init(void)
{
	char		 why[512], aside[PATH_MAX + 64], stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	size_t		 i;
	int		 rc, moved;

	strlcpy(sf.path, conf->state_file, sizeof(sf.path));
	strlcpy(aside, sf.path, sizeof(aside));
	if (mkdir(dirname(aside), 0700) == -1 && errno != EEXIST)
		log_warn("state file %s: mkdir %s", sf.path, aside);
	rc = state_read(sf.path, &sf.restore, why, sizeof(why));
	if (rc == -1) {
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		/* Never over a file set aside before (same second). */
		for (i = 0, moved = 0; i < 100 && !moved; i++) {
			if (i == 0)
				snprintf(aside, sizeof(aside), "%s.bad-%s",
				    sf.path, stamp);
			else
				snprintf(aside, sizeof(aside), "%s.bad-%s-%zu",
				    sf.path, stamp, i);
			if (renameat2(AT_FDCWD, sf.path, AT_FDCWD, aside,
			    RENAME_NOREPLACE) == 0)
				moved = 1;
			else if (errno != EEXIST)
				break;
		}
		if (!moved)
			log_warn("state file %s: %s; cannot set it aside",
			    sf.path, why);
		else
			log_warnx("state file %s: %s; set aside as %s, "
			    "starting without its tasks", sf.path, why, aside);
		/* Above what it said, if it said that much, and the clock. */
		if ((uint32_t)now > sf.restore.next)
			sf.restore.next = (uint32_t)now;
	} else if (rc == 0 &&
	    (sf.fd = open(sf.path, O_RDONLY | O_CLOEXEC)) == -1)
		log_warn("state file %s", sf.path);
	sf.next = sf.restore.next;
	for (i = 0; i < sf.restore.ntasks; i++)
		if (sf.restore.tasks[i].key >= sf.next)
			sf.next = sf.restore.tasks[i].key + 1;
	for (i = 0; i < sf.restore.nmons; i++)
		if (sf.restore.mons[i].key >= sf.next)
			sf.next = sf.restore.mons[i].key + 1;
	if (rc == 0)
		log_info("state file %s: %zu tasks, %zu monitors, next id %u",
		    sf.path, sf.restore.ntasks, sf.restore.nmons, sf.next);
}

/* The engine may give ids [sf.next, + STATE_ID_BLOCK): written first. */
static void
state_grant(void)
{
	struct state_ids	 ids;

	ids.from = sf.next;
	if (sf.next > UINT32_MAX - STATE_ID_BLOCK - 1)
		fatalx("task ids exhausted");
	ids.upto = sf.next + STATE_ID_BLOCK;
	sf.next = ids.upto;
	state_flush();
	imsgev_compose(&children[PROC_ENGINE].iev, IMSG_STATE_IDS, 0, 0, -1,
	    &ids, sizeof(ids));
}

/* After the children's init: the first ids, then the tasks to restore. */
static void
state_send_init(void)
{
	size_t	 i;

	state_grant();
	for (i = 0; i < sf.restore.ntasks; i++)
		imsgev_compose(&children[PROC_ENGINE].iev, IMSG_STATE_RESTORE,
		    0, 0, -1, &sf.restore.tasks[i],
		    sizeof(sf.restore.tasks[i]));
	for (i = 0; i < sf.restore.nmons; i++)
		imsgev_compose(&children[PROC_ENGINE].iev,
		    IMSG_STATE_MON_RESTORE, 0, 0, -1, &sf.restore.mons[i],
		    sizeof(sf.restore.mons[i]));
	state_file_free(&sf.restore);
	if ((sf.ev = evtimer_new(base, state_flush_ev, NULL)) == NULL)
		fatalx("evtimer_new");
}

static void
state_add(struct imsg *imsg)
{
	struct state_task	*t;
	char			*line;

	if (imsg_check_len(imsg, sizeof(*t)) != 0)
		fatalx("IMSG_STATE_ADD: bad size");
	t = imsg->data;
	if ((line = state_task_line(t)) == NULL)
		log_warnx("state: task %u cannot be saved", t->key);
	else
		state_change(t->key, STATE_TASKS, line);
	explicit_bzero(t, sizeof(*t));
}

static void
state_mon_add(struct imsg *imsg)
{
	struct state_monitor	*m;
	char			*line;

	if (imsg_check_len(imsg, sizeof(*m)) != 0)
		fatalx("IMSG_STATE_MON_ADD: bad size");
	m = imsg->data;
	if ((line = state_monitor_line(m)) == NULL)
		log_warnx("state: monitor %u cannot be saved", m->key);
	else
		state_change(m->key, STATE_MONITORS, line);
	explicit_bzero(m, sizeof(*m));
}

static void
state_del(struct imsg *imsg)
{
	uint32_t	 key;

	if (imsg_check_len(imsg, sizeof(key)) != 0)
		fatalx("IMSG_STATE_DEL: bad size");
	memcpy(&key, imsg->data, sizeof(key));
	/* Tasks end as the daemon stops: they stay saved. */
	if (quitting)
		return;
	state_change(key, STATE_TASKS, NULL);
}

/*
 * Declarations of the configuration to the engine: those new or changed
 * (by name) from old to new (add_type with the parameters), and the
 * removal of those gone (del_type with the name).  Each element of the
 * arrays is elsize octets: a name of LOPA_NAMELEN first, the parameters
 * (plen octets) at poff.
 */
static void
conf_decls_send(const void *oldv, size_t oldn, const void *newv,
    size_t newn, size_t elsize, size_t poff, size_t plen, uint32_t add_type,
    uint32_t del_type)
{
	const char	*o, *n;
	char		 name[LOPA_NAMELEN];
	size_t		 i, j;

	for (i = 0; i < newn; i++) {
		n = (const char *)newv + i * elsize;
		for (j = 0; j < oldn; j++) {
			o = (const char *)oldv + j * elsize;
			if (strcmp(o, n) == 0)
				break;
		}
		if (j < oldn && memcmp(o + poff, n + poff, plen) == 0)
			continue;
		imsgev_compose(&children[PROC_ENGINE].iev, add_type, 0, 0, -1,
		    n + poff, plen);
	}
	for (j = 0; j < oldn; j++) {
		o = (const char *)oldv + j * elsize;
		for (i = 0; i < newn; i++)
			if (strcmp(o, (const char *)newv + i * elsize) == 0)
				break;
		if (i < newn)
			continue;
		memset(name, 0, sizeof(name));
		strlcpy(name, o, sizeof(name));
		imsgev_compose(&children[PROC_ENGINE].iev, del_type, 0, 0, -1,
		    name, sizeof(name));
	}
}

static void
conf_tasks_send(const struct conf_tasks *old, const struct conf_tasks *new)
{
	conf_decls_send(old->v, old->n, new->v, new->n, sizeof(*new->v),
	    offsetof(struct conf_task, p), sizeof(new->v->p), IMSG_CONF_TASK,
	    IMSG_CONF_TASK_DEL);
}

static void
conf_mons_send(const struct conf_monitors *old,
    const struct conf_monitors *new)
{
	conf_decls_send(old->v, old->n, new->v, new->n, sizeof(*new->v),
	    offsetof(struct conf_monitor, p), sizeof(new->v->p), IMSG_CONF_MON,
	    IMSG_CONF_MON_DEL);
}

static void
child_start(enum lopa_proc role)
{
	struct child	*c = &children[role];
	int		 sp[2];
	pid_t		 pid;
	char		*argv[4];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		/* fd 3 is the channel; nothing else survives exec. */
		if (sp[1] == 3) {
			if (fcntl(3, F_SETFD, 0) == -1)
				_exit(1);
		} else if (dup2(sp[1], 3) == -1)
			_exit(1);
		closefrom(4);
		argv[0] = "lopad";
		argv[1] = "-P";
		argv[2] = (char *)proc_name(role);
		argv[3] = NULL;
		execv("/proc/self/exe", argv);
		_exit(127);
	default:
		break;
	}
	close(sp[1]);
	c->role = role;
	c->pid = pid;
	c->state = PSTATE_STARTING;
	if (imsgev_init(&c->iev, base, sp[0], PROC_PARENT_MAXSIZE, IMSGF_FDS,
	    dispatch_child, c) == -1)
		fatal("imsgev_init");
}

/*
 * A configuration to a child: the secrets it holds only for control
 * (the InfluxDB token) go to control alone.
 */
static void
conf_send(enum lopa_proc r, uint32_t reqid, const struct lopad_conf *c)
{
	static struct lopad_conf	 copy;

	memcpy(&copy, c, sizeof(copy));
	if (r != PROC_CONTROL)
		explicit_bzero(copy.exports_influx_token,
		    sizeof(copy.exports_influx_token));
	imsgev_compose(&children[r].iev, IMSG_RECONF_CONF, 0, reqid, -1,
	    &copy, sizeof(copy));
	explicit_bzero(copy.exports_influx_token,
	    sizeof(copy.exports_influx_token));
}

static void
child_send_init(void)
{
	enum lopa_proc	 r;
	size_t		 i;
	int		 sp[2];
	uint32_t	 k;

	pinit.verbose = verbose;
	pinit.debug = debug;
	for (r = PROC_ENGINE; r < PROC_MAX; r++) {
		imsgev_compose(&children[r].iev, IMSG_INIT, 0, 0, -1, &pinit,
		    sizeof(pinit));
		conf_send(r, 0, conf);
	}
	for (i = 0; i < sizeof(peer_links) / sizeof(peer_links[0]); i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sp) == -1)
			fatal("socketpair");
		imsgev_compose(&children[peer_links[i].a].iev,
		    IMSG_SOCKET_CONN, peer_links[i].b, 0, sp[0], NULL, 0);
		imsgev_compose(&children[peer_links[i].b].iev,
		    IMSG_SOCKET_CONN, peer_links[i].a, 0, sp[1], NULL, 0);
	}
	send_listener(PROC_CONTROL, IMSG_LISTENER, LISTEN_UNIX_RW, 0,
	    sock_rw_path, sock_rw);
	send_listener(PROC_CONTROL, IMSG_LISTENER, LISTEN_UNIX_RO, 0,
	    sock_ro_path, sock_ro);
	for (k = 0; k < nhttp; k++)
		send_listener(PROC_CONTROL, IMSG_LISTENER, LISTEN_TCP,
		    http[k].loopback, http[k].addr, http[k].fd);
	imsgev_compose(&children[PROC_CONTROL].iev, IMSG_TOKENS, 0, 0, -1,
	    tokens, ntokens * sizeof(tokens[0]));
	for (r = PROC_ENGINE; r < PROC_MAX; r++)
		imsgev_compose(&children[r].iev, IMSG_INIT_DONE, 0, 0, -1,
		    NULL, 0);
}

static void
announce_ready(void)
{
	uint32_t	 i;

	log_info("lopad %s ready: API on %s (read-write), %s (read-only)",
	    LOPA_VERSION, sock_rw_path, sock_ro_path);
	for (i = 0; i < nhttp; i++)
		log_info("API on http://%s/api/v1/ (%s), metrics on "
		    "http://%s/metrics", http[i].addr, http[i].loopback ?
		    (conf->http_loopback_write ? "loopback, read-write" :
		    "loopback, read-only") :
		    "bearer tokens required for writes", http[i].addr);
	imsgev_compose(&children[PROC_CONTROL].iev, IMSG_DAEMON_READY, 0, 0,
	    -1, NULL, 0);
	sd_notify("READY=1");
}

/* Wait a bounded time for a child that closed its channel. */
static int
child_reap(struct child *c)
{
	int	 status, i;
	pid_t	 p;

	for (i = 0; i < CHILD_REAP_MS / 5; i++) {
		p = waitpid(c->pid, &status, WNOHANG);
		if (p == c->pid)
			return status;
		if (p == -1 && errno != EINTR)
			return -1;
		usleep(5000);
	}
	kill(c->pid, SIGKILL);
	for (i = 0; i < CHILD_REAP_MS / 5; i++) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid)
			return status;
		usleep(5000);
	}
	return -1;
}

static void
child_died(struct child *c, int status)
{
	c->state = PSTATE_DEAD;
	if (status == -1)
		log_warnx("%s terminated; status unknown", proc_name(c->role));
	else if (WIFSIGNALED(status))
		log_warnx("%s terminated; signal %d", proc_name(c->role),
		    WTERMSIG(status));
	else if (WIFEXITED(status))
		log_warnx("%s terminated; exit status %d", proc_name(c->role),
		    WEXITSTATUS(status));
	c->pid = 0;
	lopad_shutdown(1);
}

/* Reap what has exited; returns how many children are still alive. */
static int
children_reap(void)
{
	enum lopa_proc	 r;
	int		 alive = 0, status;

	for (r = PROC_ENGINE; r < PROC_MAX; r++) {
		if (children[r].pid <= 0)
			continue;
		if (waitpid(children[r].pid, &status, WNOHANG) ==
		    children[r].pid)
			children[r].pid = 0;
		else
			alive++;
	}
	return alive;
}

static int
children_wait(int ms)
{
	int	 i, alive = 0;

	for (i = 0; i < ms / 5; i++) {
		if ((alive = children_reap()) == 0)
			break;
		usleep(5000);
	}
	return alive;
}

/*
 * End the children and exit.  Closing a child's channel ends it (children
 * ignore SIGTERM, so that a signal to the whole process group reaches only
 * the parent); SIGKILL is the last resort, and every wait is bounded.
 */
static void
lopad_shutdown(int code)
{
	enum lopa_proc	 r;

	quitting = 1;
	if (code == 0)
		sd_notify("STOPPING=1");
	if (sf.nch > 0)
		state_flush();
	for (r = PROC_ENGINE; r < PROC_MAX; r++) {
		if (children[r].iev.ibuf.fd != -1 && children[r].role != 0) {
			close(children[r].iev.ibuf.fd);
			children[r].iev.ibuf.fd = -1;
		}
	}
	if (children_wait(400) > 0) {
		for (r = PROC_ENGINE; r < PROC_MAX; r++)
			if (children[r].pid > 0) {
				log_warnx("%s (pid %d) did not stop; killing it",
				    proc_name(r), (int)children[r].pid);
				kill(children[r].pid, SIGKILL);
			}
		if (children_wait(500) > 0)
			log_warnx("some children did not exit");
	}
	if (sock_rw_path[0] != '\0')
		unlink(sock_rw_path);
	if (sock_ro_path[0] != '\0')
		unlink(sock_ro_path);
	log_info("terminating%s", code ? " after an error" : "");
	exit(code);
}

/* A process's resident memory and CPU time, from /proc; 0 unknown. */
static void
proc_usage(pid_t pid, uint64_t *rss, uint64_t *cpu_ns)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	long			 pages, hz, psz;
	FILE			*f;
	size_t			 n;

	*rss = *cpu_ns = 0;
	hz = sysconf(_SC_CLK_TCK);
	psz = sysconf(_SC_PAGESIZE);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the title in parentheses: state is field 3, utime 14. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
	    "%*d %*d %*d %*d %*d %*d %*u %*u %ld", &ut, &st, &pages) != 3)
		return;
	if (hz > 0)
		*cpu_ns = (ut + st) * (1000000000ULL / (unsigned long long)hz);
	if (pages > 0 && psz > 0)
		*rss = (uint64_t)pages * (uint64_t)psz;
}

static void
ctl_status(struct child *c, uint32_t reqid)
{
	struct ctl_proc		 p;
	struct ctl_status	 s;
	struct timespec		 now;
	enum lopa_proc		 r;

	memset(&p, 0, sizeof(p));
	p.role = PROC_PARENT;
	p.pid = getpid();
	p.state = reconf.active ? PSTATE_RELOADING : PSTATE_RUNNING;
	proc_usage(p.pid, &p.rss, &p.cpu_ns);
	imsgev_compose(&c->iev, IMSG_CTL_STATUS_PROC, 0, reqid, -1, &p,
	    sizeof(p));
	for (r = PROC_ENGINE; r < PROC_MAX; r++) {
		memset(&p, 0, sizeof(p));
		p.role = r;
		p.pid = children[r].pid;
		p.state = children[r].state;
		p.sandboxed = children[r].state != PSTATE_STARTING;
		if (p.pid > 0)
			proc_usage(p.pid, &p.rss, &p.cpu_ns);
		imsgev_compose(&c->iev, IMSG_CTL_STATUS_PROC, 0, reqid, -1, &p,
		    sizeof(p));
	}
	memset(&s, 0, sizeof(s));
	clock_gettime(CLOCK_MONOTONIC, &now);
	s.started = started_wall;
	s.uptime_ns = (now.tv_sec - started_mono.tv_sec) * 1000000000LL +
	    (now.tv_nsec - started_mono.tv_nsec);
	s.reloads = nreloads;
	s.last_reload = last_reload;
	s.last_reload_ok = last_reload_ok;
	s.last_reload_success = last_reload_success != 0 ?
	    last_reload_success : started_wall;
	s.rlog_written = rlog_written;
	s.rlog_lost = rlog_lost;
	s.rlog_open = rlog_fd != -1;
	if (conffile_used)
		strlcpy(s.conffile, conffile, sizeof(s.conffile));
	imsgev_compose(&c->iev, IMSG_CTL_STATUS_END, 0, reqid, -1, &s,
	    sizeof(s));
}

static void
reconf_reply(uint32_t reqid, int ok, const char *text)
{
	struct ctl_reload	 r;

	if (reqid == 0)
		return;
	r.ok = ok;
	if (imsg_compose2(&children[PROC_CONTROL].iev.ibuf,
	    IMSG_CTL_RELOAD_RESULT, 0, reqid, -1, &r, sizeof(r), text,
	    strlen(text)) == -1)
		log_warn("%s", __func__);
	imsg_event_add(&children[PROC_CONTROL].iev);
}

static void
reconf_error(const char *msg)
{
	log_warnx("reload: %s", msg);
	if (reconf.errors[0] != '\0')
		strlcat(reconf.errors, "\n", sizeof(reconf.errors));
	strlcat(reconf.errors, msg, sizeof(reconf.errors));
	reconf.failed = 1;
}

/* Listeners of the new configuration: reuse open ones, open the rest. */
static int
reconf_listeners(void)
{
	uint32_t	 i, j;
	int		 found;

	reconf.nhttp = 0;
	for (i = 0; i < reconf.conf->http_nlisten; i++) {
		struct http_listener *hl = &reconf.http[reconf.nhttp];

		found = 0;
		for (j = 0; j < nhttp; j++)
			if (strcmp(http[j].addr,
			    reconf.conf->http_listen[i]) == 0) {
				*hl = http[j];
				if ((hl->fd = fcntl(http[j].fd,
				    F_DUPFD_CLOEXEC, 0)) == -1)
					fatal("dup");
				found = 1;
				break;
			}
		if (!found && http_open(hl, reconf.conf->http_listen[i]) == -1) {
			char msg[LOPA_ERRLEN];

			snprintf(msg, sizeof(msg), "http.listen: %s: cannot "
			    "listen (see the log)", reconf.conf->http_listen[i]);
			reconf_error(msg);
			return -1;
		}
		reconf.nhttp++;
	}
	return 0;
}

static void
reconf_clear(void)
{
	uint32_t	 i;

	for (i = 0; i < reconf.nhttp; i++)
		if (reconf.http[i].fd != -1)
			close(reconf.http[i].fd);
	reconf.nhttp = 0;
	explicit_bzero(reconf.tokens, sizeof(reconf.tokens));
	reconf.ntokens = 0;
	free(reconf.conf);
	reconf.conf = NULL;
	config_tasks_free(&reconf.ctasks);
	config_monitors_free(&reconf.cmons);
	reconf.active = 0;
	if (reconf_timer != NULL)
		evtimer_del(reconf_timer);
	for (enum lopa_proc r = PROC_ENGINE; r < PROC_MAX; r++)
		if (children[r].state == PSTATE_RELOADING)
			children[r].state = PSTATE_RUNNING;
}

static void
reconf_timeout(int fd, short ev, void *arg)
{
	reconf_error("children did not acknowledge the new configuration "
	    "in time");
	reconf_finish();
}

static void
reload_start(uint32_t reqid)
{
	struct conf_errs	 errs;
	struct api_token	 newtok[TOKEN_MAX];
	size_t			 nnewtok = 0, i;
	enum lopa_proc		 r;
	struct timeval		 tv = { RECONF_TIMEOUT_SEC, 0 };

	if (reconf.active) {
		reconf_reply(reqid, 0, "a reload is already in progress");
		return;
	}
	log_info("reloading configuration from %s", conffile);
	memset(&reconf, 0, sizeof(reconf));
	reconf.reqid = reqid;
	if ((reconf.conf = calloc(1, sizeof(*reconf.conf))) == NULL)
		fatal("calloc");
	if (conf_load(reconf.conf, newtok, &nnewtok, &errs) == 0) {
		config_tasks_take(&reconf.ctasks);
		config_monitors_take(&reconf.cmons);
	} else {
		for (i = 0; i < errs.n && i < CONF_MAXERRS; i++)
			reconf_error(errs.msg[i]);
		nreloads++;
		last_reload = time(NULL);
		last_reload_ok = 0;
		reconf_reply(reqid, 0, reconf.errors);
		free(reconf.conf);
		reconf.conf = NULL;
		log_warnx("reload failed: keeping the running configuration");
		return;
	}
	/* These are fixed for the daemon's lifetime. */
	if (strcmp(reconf.conf->user, conf->user) != 0 ||
	    strcmp(reconf.conf->group, conf->group) != 0 ||
	    strcmp(reconf.conf->chroot, conf->chroot) != 0)
		log_warnx("reload: user, group and chroot changes need a "
		    "restart; keeping %s", conf->user);
	if (strcmp(reconf.conf->control_socket, conf->control_socket) ||
	    strcmp(reconf.conf->control_rsocket, conf->control_rsocket))
		log_warnx("reload: control socket changes need a restart");
	strlcpy(reconf.conf->user, conf->user, sizeof(conf->user));
	strlcpy(reconf.conf->group, conf->group, sizeof(conf->group));
	strlcpy(reconf.conf->chroot, conf->chroot, sizeof(conf->chroot));
	strlcpy(reconf.conf->control_socket, conf->control_socket,
	    sizeof(conf->control_socket));
	strlcpy(reconf.conf->control_rsocket, conf->control_rsocket,
	    sizeof(conf->control_rsocket));

	reconf.active = 1;
	if (reconf_listeners() == -1) {
		reconf_finish();
		return;
	}
	sd_notify("RELOADING=1");
	for (r = PROC_ENGINE; r < PROC_MAX; r++) {
		children[r].acked = 0;
		children[r].state = PSTATE_RELOADING;
		conf_send(r, reqid, reconf.conf);
	}
	for (i = 0; i < reconf.nhttp; i++)
		send_listener(PROC_CONTROL, IMSG_RECONF_LISTENER, LISTEN_TCP,
		    reconf.http[i].loopback, reconf.http[i].addr,
		    reconf.http[i].fd);
	/* control stages these and applies them at the commit. */
	memcpy(reconf.tokens, newtok, sizeof(newtok));
	reconf.ntokens = nnewtok;
	imsgev_compose(&children[PROC_CONTROL].iev, IMSG_TOKENS, 0, 0, -1,
	    reconf.tokens, reconf.ntokens * sizeof(reconf.tokens[0]));
	if (reconf_timer == NULL &&
	    (reconf_timer = evtimer_new(base, reconf_timeout, NULL)) == NULL)
		fatalx("evtimer_new");
	evtimer_add(reconf_timer, &tv);
}

static void
reconf_finish(void)
{
	enum lopa_proc	 r;
	uint32_t	 i;
	int		 ok = !reconf.failed;

	for (r = PROC_ENGINE; r < PROC_MAX; r++)
		imsgev_compose(&children[r].iev, ok ? IMSG_RECONF_COMMIT :
		    IMSG_RECONF_ABORT, 0, reconf.reqid, -1, NULL, 0);
	nreloads++;
	last_reload = time(NULL);
	last_reload_ok = ok;
	if (ok)
		last_reload_success = last_reload;
	if (ok) {
		for (i = 0; i < nhttp; i++)
			close(http[i].fd);
		memcpy(http, reconf.http, sizeof(http));
		nhttp = reconf.nhttp;
		reconf.nhttp = 0;
		memcpy(tokens, reconf.tokens, sizeof(tokens));
		ntokens = reconf.ntokens;
		free(conf);
		conf = reconf.conf;
		reconf.conf = NULL;
		log_setlevel(conf->log_level);
		if (strcmp(conf->exports_results_log, rlog_path) != 0)
			rlog_open(conf->exports_results_log);
		if (strcmp(conf->state_file, sf.path) != 0)
			log_warnx("state_file changed: it takes effect at the "
			    "next start (%s is kept until then)", sf.path);
		conf_tasks_send(&ctasks, &reconf.ctasks);
		config_tasks_free(&ctasks);
		ctasks = reconf.ctasks;
		memset(&reconf.ctasks, 0, sizeof(reconf.ctasks));
		conf_mons_send(&cmons, &reconf.cmons);
		config_monitors_free(&cmons);
		cmons = reconf.cmons;
		memset(&reconf.cmons, 0, sizeof(reconf.cmons));
		log_info("configuration reloaded");
		reconf_reply(reconf.reqid, 1, "");
	} else {
		log_warnx("reload failed: keeping the running configuration");
		reconf_reply(reconf.reqid, 0, reconf.errors);
	}
	reconf_clear();
	sd_notify("READY=1");
}

static void
reconf_ack(struct child *c, struct imsg *imsg)
{
	struct reconf_ack	 ack;
	char			 msg[LOPA_ERRLEN + 32];
	enum lopa_proc		 r;

	if (imsg_check_len(imsg, sizeof(ack)))
		fatalx("bad IMSG_RECONF_ACK from %s", proc_name(c->role));
	if (!reconf.active || c->acked)
		return;		/* late answer to an aborted reload */
	memcpy(&ack, imsg->data, sizeof(ack));
	ack.msg[sizeof(ack.msg) - 1] = '\0';
	c->acked = 1;
	if (!ack.ok) {
		snprintf(msg, sizeof(msg), "%s: %s", proc_name(c->role),
		    ack.msg);
		reconf_error(msg);
	}
	for (r = PROC_ENGINE; r < PROC_MAX; r++)
		if (!children[r].acked)
			return;
	reconf_finish();
}

static void
child_log(struct child *c, struct imsg *imsg)
{
	struct imsg_log	 l;
	char		 line[1024];
	size_t		 len, i;

	if (imsg->datalen < sizeof(l))
		fatalx("short IMSG_LOG from %s", proc_name(c->role));
	memcpy(&l, imsg->data, sizeof(l));
	len = imsg->datalen - sizeof(l);
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, (char *)imsg->data + sizeof(l), len);
	line[len] = '\0';
	/* A child is not trusted with the terminal or syslog's framing. */
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (l.level < LOG_EMERG || l.level > LOG_DEBUG)
		l.level = LOG_WARNING;
	log_line(proc_name(c->role), l.level, line);
}

static void
child_fd_request(struct child *c, struct imsg *imsg)
{
	struct fd_request	 req;
	struct fd_reply		 rep;
	int			 fd;

	if (imsg_check_len(imsg, sizeof(req)))
		fatalx("bad IMSG_FD_REQUEST from %s", proc_name(c->role));
	memcpy(&req, imsg->data, sizeof(req));
	fd = privfd_open(c->role, &req, &rep);
	if (fd == -1)
		log_warnx("%s: socket request refused: %s",
		    proc_name(c->role), rep.msg);
	imsgev_compose(&c->iev, IMSG_FD_REPLY, imsg->hdr.id, imsg->hdr.reqid,
	    fd, &rep, sizeof(rep));
}

static void
dispatch_child(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;
	struct child	*c = iev->data;
	struct imsg	 imsg;
	ssize_t		 n;

	if (event & EV_READ) {
		n = imsg_read(&iev->ibuf);
		if (n == 0) {
			event_del(iev->ev);
			child_died(c, child_reap(c));
		}
		if (n == -1 && errno != EAGAIN)
			fatal("imsg_read from %s", proc_name(c->role));
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			if (errno == EPIPE) {
				event_del(iev->ev);
				child_died(c, child_reap(c));
			}
			fatal("imsgbuf_write to %s", proc_name(c->role));
		}
	}
	while (imsg_get(&iev->ibuf, &imsg) == 1) {
		switch (imsg.hdr.type) {
		case IMSG_LOG:
			child_log(c, &imsg);
			break;
		case IMSG_READY:
			if (c->state != PSTATE_STARTING)
				fatalx("%s: READY twice", proc_name(c->role));
			c->state = PSTATE_RUNNING;
			log_debug("%s ready (pid %d)", proc_name(c->role),
			    (int)c->pid);
			if (++nready == PROC_MAX - 1)
				announce_ready();
			break;
		case IMSG_FD_REQUEST:
			child_fd_request(c, &imsg);
			break;
		case IMSG_RECONF_ACK:
			reconf_ack(c, &imsg);
			break;
		case IMSG_CTL_STATUS:
			if (c->role != PROC_CONTROL)
				goto bad;
			ctl_status(c, imsg.hdr.reqid);
			break;
		case IMSG_CTL_RELOAD:
			if (c->role != PROC_CONTROL)
				goto bad;
			reload_start(imsg.hdr.reqid);
			break;
		case IMSG_RESULTS_LOG:
			if (c->role != PROC_CONTROL)
				goto bad;
			rlog_write(&imsg);
			break;
		case IMSG_STATE_IDS_WANT:
			if (c->role != PROC_ENGINE ||
			    imsg_check_len(&imsg, 0) != 0)
				goto bad;
			state_grant();
			break;
		case IMSG_STATE_ADD:
			if (c->role != PROC_ENGINE)
				goto bad;
			state_add(&imsg);
			break;
		case IMSG_STATE_DEL:
			if (c->role != PROC_ENGINE)
				goto bad;
			state_del(&imsg);
			break;
		case IMSG_STATE_MON_ADD:
			if (c->role != PROC_ENGINE)
				goto bad;
			state_mon_add(&imsg);
			break;
		default:
 bad:
			fatalx("unexpected imsg %u from %s", imsg.hdr.type,
			    proc_name(c->role));
		}
		imsg_free(&imsg);
	}
	imsg_event_add(iev);
}

static void
on_signal(evutil_socket_t sig, short event, void *arg)
{
	struct child	*c;
	enum lopa_proc	 r;
	int		 status;
	pid_t		 pid;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("received %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		lopad_shutdown(0);
	case SIGHUP:
		reload_start(0);
		break;
	case SIGUSR1:
		log_info("received SIGUSR1: reopening the results log");
		rlog_open(conf->exports_results_log);
		break;
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (r = PROC_ENGINE; r < PROC_MAX; r++) {
				c = &children[r];
				if (c->pid == pid)
					child_died(c, status);
			}
		}
		break;
	}
}

static void
main_sandbox_test(const char *role)
{
	struct lopad_conf	 c;
	struct conf_errs	 errs;
	int			 p;

	if ((p = proc_from_name(role)) == -1)
		errx(2, "-T: unknown role %s", role);
	if (geteuid() != 0)
		errx(1, "-T needs root");
	config_defaults(&c);
	memset(&errs, 0, sizeof(errs));
	if (config_parse_file(conffile, conffile_explicit, &c, &errs) == -1) {
		conf_print_errs(stderr, &errs);
		exit(1);
	}
	ids_lookup(&c, &pinit);
	log_init(1, 1);
	log_procname(role);
	chroot_check(pinit.chroot);
	sandbox_selftest(p, &pinit);
}

int
main(int argc, char *argv[])
{
	struct conf_errs	 errs;
	struct event		*ev_sig[5];
	const int		 sigs[5] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
				    SIGUSR1 };
	const char		*role = NULL, *testrole = NULL;
	int			 ch, noaction = 0, i, p;
	uint32_t		 k;
	enum lopa_proc		 r;

	while ((ch = getopt(argc, argv, "df:hnP:T:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			conffile_explicit = 1;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'P':
			role = optarg;
			break;
		case 'T':
			testrole = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	argc -= optind;
	if (argc != 0)
		usage(2);

	if (role != NULL) {
		if ((p = proc_from_name(role)) == -1)
			errx(2, "-P: unknown role %s", role);
		proc_child_main(p, debug, verbose);
	}
	if (testrole != NULL)
		main_sandbox_test(testrole);

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		err(1, "calloc");
	if (conf_load(conf, tokens, &ntokens, &errs) == -1) {
		conf_print_errs(stderr, &errs);
		if (!noaction)
			fprintf(stderr, "lopad: configuration has errors; "
			    "not starting\n");
		exit(1);
	}
	if (noaction) {
		if (verbose)
			config_print(stdout, conf);
		else
			printf("configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	ids_lookup(conf, &pinit);

	/* stderr until the daemon detaches, so start-up errors are seen. */
	log_init(1, verbose);
	log_setlevel(conf->log_level);
	log_procname("parent");
	raise_nofile();
	chroot_check(conf->chroot);

	strlcpy(sock_rw_path, conf->control_socket, sizeof(sock_rw_path));
	sock_rw = control_socket_open(sock_rw_path, 0660, pinit.gid);
	strlcpy(sock_ro_path, conf->control_rsocket, sizeof(sock_ro_path));
	sock_ro = control_socket_open(sock_ro_path, 0666, pinit.gid);
	for (k = 0; k < conf->http_nlisten; k++) {
		if (http_open(&http[nhttp], conf->http_listen[k]) == -1) {
			unlink(sock_rw_path);
			unlink(sock_ro_path);
			fatalx("cannot listen on %s", conf->http_listen[k]);
		}
		nhttp++;
	}

	/* Under systemd (Type=notify) stay in the foreground. */
	if (!debug && getenv("NOTIFY_SOCKET") == NULL) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, verbose);
	}
	started_wall = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &started_mono);
	signal(SIGPIPE, SIG_IGN);

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < 5; i++) {
		ev_sig[i] = evsignal_new(base, sigs[i], on_signal, NULL);
		if (ev_sig[i] == NULL || event_add(ev_sig[i], NULL) == -1)
			fatalx("evsignal");
	}
	state_init();
	rlog_open(conf->exports_results_log);
	config_tasks_take(&ctasks);
	config_monitors_take(&cmons);
	for (r = PROC_ENGINE; r < PROC_MAX; r++)
		child_start(r);
	child_send_init();
	state_send_init();
	{
		struct conf_tasks	 none = { 0, NULL };
		struct conf_monitors	 mnone = { 0, NULL };

		conf_tasks_send(&none, &ctasks);
		conf_mons_send(&mnone, &cmons);
	}
	log_debug("started %d children", PROC_MAX - 1);

	event_base_dispatch(base);
	lopad_shutdown(quitting ? 0 : 1);
}
